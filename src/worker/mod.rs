//! Cloudflare Workers glue: the only code that names `worker::`. Handlers read inputs, call
//! the domain, and act on what it returns.

mod api;
pub(crate) mod assets;
mod beacon;
mod config;
mod consumer;
mod conversions;
mod edge;
mod landing;
mod links;
mod names;
mod record;
mod redirect;
mod rejudge;
mod respond;
mod sendlist;
mod sql;
mod steps;

use worker::{
    event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent,
};

use crate::domain::applinks;
use crate::domain::problem::Problem;
use crate::domain::route::{self, Route};
use config::Config;

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    match dispatch(req, &env, &ctx).await {
        Ok(r) => Ok(r),
        Err(e) => {
            worker::console_error!("request failed: {e}");
            respond::problem(&Problem::unavailable("temporarily unavailable, try again"))
        }
    }
}

async fn dispatch(req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    let path = req.path();
    match route::parse(&path) {
        Route::Link(code) => redirect::resolve(req, env, ctx, code, None).await,
        Route::RecipientLink(code, token) => {
            redirect::resolve(req, env, ctx, code, Some(token)).await
        }
        Route::AppOpen(code, token) => redirect::app_open(req, env, code, token).await,
        Route::ApiLink(code) => api::handle(req, env, |r| api::link(r, env, code)).await,
        Route::ApiRecipients(code) => {
            api::handle(req, env, |r| sendlist::recipients(r, env, code)).await
        }
        Route::ApiReservations(code) => {
            api::handle(req, env, |r| sendlist::reservations(r, env, code)).await
        }
        Route::ApiEvents => api::handle(req, env, |r| api::events(r, env)).await,
        Route::Beacon => beacon::handle(req, env, ctx).await,
        Route::ApiConversions => api::handle(req, env, |r| conversions::conversions(r, env)).await,
        Route::ApiOpens => api::handle(req, env, |r| conversions::opens(r, env)).await,
        Route::ApiNotFound => {
            respond::problem(&Problem::not_found("route-not-found", "no such API route"))
        }
        Route::AppleAppSiteAssociation => static_json(&req, env, |c| {
            applinks::apple_app_site_association(&c.ios_app_ids)
        }),
        Route::AssetLinks => static_json(&req, env, |c| applinks::asset_links(&c.android_apps)),
        Route::Health => match redirect::method_of(&req) {
            Some(_) => respond::json(200, String::from(r#"{"status":"ok"}"#)),
            None => respond::method_not_allowed(),
        },
        Route::NotFound => match redirect::method_of(&req) {
            Some(m) => respond::not_found(m),
            None => respond::method_not_allowed(),
        },
    }
}

fn static_json(
    req: &Request,
    env: &Env,
    doc: impl FnOnce(&Config) -> serde_json::Value,
) -> Result<Response> {
    if redirect::method_of(req).is_none() {
        return respond::method_not_allowed();
    }
    let r = respond::json(200, doc(&Config::get(env)).to_string())?;
    let _ = r.headers().set("cache-control", "public, max-age=3600");
    Ok(r)
}

#[event(queue)]
async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, env).await
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match record::drain_spool(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("moved {n} spooled events to the queue"),
        Err(e) => worker::console_error!("spool drain failed: {e}"),
    }
}
