//! Cloudflare Workers glue: the only code that names `worker::`. Handlers read inputs, call
//! the domain, and act on what it returns.
//!
//! One crate, two workers, so that what runs on every tap stays small:
//! - **edge** (feature `edge`, `wrangler.toml`): redirects, landing pages, the `/e` beacon,
//!   the well-known association files, health and the cron that drains the spool. Operator
//!   routes (`/api/…`) are handed to the ops worker through the `OPS` service binding.
//! - **ops** (feature `ops`, `wrangler.ops.toml`): the operator API, conversions and app
//!   opens, the Queue consumer that keeps the click log, and the campaign stores (one
//!   Durable Object per campaign, `store`) it feeds.

#[cfg(all(feature = "edge", feature = "ops"))]
compile_error!("features `edge` and `ops` build two different workers: enable one");

#[cfg(feature = "ops")]
mod admin;
#[cfg(feature = "ops")]
mod api;
#[cfg(feature = "ops")]
mod archive;
#[cfg(feature = "edge")]
pub(crate) mod assets;
#[cfg(feature = "ops")]
mod backfill;
#[cfg(feature = "edge")]
mod beacon;
#[cfg(feature = "ops")]
mod campaigns;
#[cfg(feature = "ops")]
mod dashboard;
// Some settings, statements and link-cache calls belong to one worker only.
#[cfg_attr(not(feature = "ops"), allow(dead_code))]
mod config;
#[cfg(feature = "ops")]
mod consumer;
#[cfg(feature = "ops")]
mod conversions;
#[cfg(feature = "ops")]
mod deadletters;
#[cfg(feature = "edge")]
mod edge;
mod entropy;
#[cfg(feature = "edge")]
mod health;
#[cfg(feature = "ops")]
mod keys;
#[cfg(feature = "edge")]
mod landing;
#[cfg(feature = "ops")]
mod letters;
#[cfg(feature = "edge")]
mod limiter;
mod links;
mod names;
#[cfg(feature = "ops")]
mod paged;
mod record;
#[cfg(feature = "edge")]
mod redirect;
#[cfg(feature = "ops")]
mod rejudge;
#[cfg(feature = "ops")]
mod reports;
mod respond;
#[cfg(feature = "ops")]
mod rollups;
#[cfg(feature = "ops")]
mod sendlist;
#[cfg_attr(not(feature = "ops"), allow(dead_code))]
mod sql;
#[cfg(feature = "ops")]
mod steps;
#[cfg(feature = "ops")]
mod store;

use worker::{event, Context, Env, Request, Response, Result};

use crate::domain::problem::Problem;
use crate::domain::route::{self, Route};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let sizes = req
        .headers()
        .entries()
        .map(|(name, value)| (name.len(), value.len()));
    if let Err(p) = crate::domain::limits::check_headers(sizes) {
        return respond::problem(&p);
    }
    match dispatch(req, &env, &ctx).await {
        Ok(r) => Ok(r),
        Err(e) => {
            worker::console_error!("request failed: {e}");
            respond::problem(&Problem::unavailable("temporarily unavailable, try again"))
        }
    }
}

/// The edge worker: public paths here, operator paths to the ops worker.
#[cfg(feature = "edge")]
async fn dispatch(req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    use crate::domain::applinks;

    let path = req.path();
    let route = route::parse(&path);
    if route.is_operator() {
        let writes = !matches!(req.method(), worker::Method::Get | worker::Method::Head);
        let answer = env.service(names::OPS_SERVICE)?.fetch_request(req).await?;
        // This isolate may hold the link in its cache: a write through it takes effect here
        // at once (other isolates within the cache TTL, as before the split).
        if let (Route::ApiLink(code), true) = (&route, writes && answer.status_code() < 300) {
            links::forget(code);
        }
        return Ok(answer);
    }
    match route {
        Route::Link(code) => redirect::resolve(req, env, ctx, code, None).await,
        Route::RecipientLink(code, token) => {
            redirect::resolve(req, env, ctx, code, Some(token)).await
        }
        Route::AppOpen(code, token) => redirect::app_open(req, env, code, token).await,
        Route::Beacon => beacon::handle(req, env, ctx).await,
        Route::AppleAppSiteAssociation => static_json(&req, env, |c| {
            applinks::apple_app_site_association(&c.ios_app_ids)
        }),
        Route::AssetLinks => static_json(&req, env, |c| applinks::asset_links(&c.android_apps)),
        Route::Health => match respond::method_of(&req) {
            Some(_) => health::handle(env).await,
            None => respond::method_not_allowed(),
        },
        _ => not_found(&req),
    }
}

/// The ops worker: operator paths only (reached through the edge's service binding).
#[cfg(feature = "ops")]
async fn dispatch(req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    let path = req.path();
    let route = route::parse(&path);
    // Operator routes are for servers and the CLI: no CORS, so a preflight is refused outright
    // and no page on another origin gets a browser to call them.
    if req.method() == worker::Method::Options {
        let r = respond::problem(&Problem::method_not_allowed())?;
        let _ = r.headers().set("allow", "GET, PUT, POST, DELETE");
        return Ok(r);
    }
    let read = matches!(req.method(), worker::Method::Get | worker::Method::Head);
    if let Some(need) = crate::domain::auth::need(&route, read) {
        if let Some(refusal) = keys::admit(&req, env, ctx, need).await? {
            return Ok(refusal);
        }
    }
    match route {
        Route::ApiLink(code) => api::handle(req, env, |r| api::link(r, env, code)).await,
        Route::ApiLinks => api::handle(req, env, |r| api::links(r, env)).await,
        Route::ApiRecipients(code) => {
            api::handle(req, env, |r| sendlist::recipients(r, env, code)).await
        }
        Route::ApiReservations(code) => {
            api::handle(req, env, |r| sendlist::reservations(r, env, code)).await
        }
        Route::ApiEvents => api::handle(req, env, |r| api::events(r, env)).await,
        Route::ApiExport => api::handle(req, env, |r| api::export(r, env)).await,
        Route::ApiConversions => api::handle(req, env, |r| conversions::conversions(r, env)).await,
        Route::ApiOpens => api::handle(req, env, |r| conversions::opens(r, env)).await,
        Route::ApiKeys => api::handle(req, env, |r| keys::keys(r, env)).await,
        Route::ApiKey(id) => api::handle(req, env, |r| keys::key(r, env, &id)).await,
        Route::ApiCampaigns => api::handle(req, env, |r| campaigns::list(r, env)).await,
        Route::ApiCampaign(c) => api::handle(req, env, |r| campaigns::one(r, env, &c)).await,
        Route::ApiDeadLetters => api::handle(req, env, |r| letters::list(r, env)).await,
        Route::ApiDeadLettersReplay => api::handle(req, env, |r| letters::replay(r, env)).await,
        Route::ApiCampaignReport(c, which) => {
            api::handle(req, env, |r| reports::report(r, env, &c, which)).await
        }
        Route::ApiNotFound => {
            respond::problem(&Problem::not_found("route-not-found", "no such API route"))
        }
        Route::Admin(page) => admin::handle(req, env, ctx, page).await,
        _ => not_found(&req),
    }
}

fn not_found(req: &Request) -> Result<Response> {
    match respond::method_of(req) {
        Some(m) => respond::not_found(m),
        None => respond::method_not_allowed(),
    }
}

#[cfg(feature = "edge")]
fn static_json(
    req: &Request,
    env: &Env,
    doc: impl FnOnce(&config::Config) -> serde_json::Value,
) -> Result<Response> {
    if respond::method_of(req).is_none() {
        return respond::method_not_allowed();
    }
    let r = respond::json(200, doc(&config::Config::get(env)).to_string())?;
    let _ = r.headers().set("cache-control", "public, max-age=3600");
    Ok(r)
}

#[cfg(feature = "ops")]
#[event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, env).await
}

#[cfg(feature = "ops")]
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    match record::drain_spool(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("moved {n} spooled events to the queue"),
        Err(e) => worker::console_error!("spool drain failed: {e}"),
    }
    match deadletters::replay_requested(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("replayed {n} dead letters"),
        Err(e) => worker::console_error!("dead-letter replay failed: {e}"),
    }
    match backfill::run(&env).await {
        Ok(r) if r == backfill::Ran::default() => {}
        Ok(r) => worker::console_log!(
            "campaign stores backfilled: {} ledger rows, {} events, {} links done",
            r.sends,
            r.events,
            r.links_done
        ),
        Err(e) => worker::console_error!("campaign store backfill failed: {e}"),
    }
    match archive::run(&env).await {
        Ok(r) if r == archive::Ran::default() => {}
        Ok(r) => worker::console_log!(
            "archived {} events in {} parts, {} days complete",
            r.events,
            r.parts,
            r.days_done
        ),
        Err(e) => worker::console_error!("daily archive failed: {e}"),
    }
}
