//! `/admin`: the operator dashboard, server-rendered (askama, escaped by default), no script
//! and no third-party asset. Signs in with an API key that needs the `read` scope; the key
//! lives in a host-only, Secure, HttpOnly, SameSite=Strict cookie (`domain::admin`), never in
//! a URL. Posts (sign in, sign out) must come from this origin, sign-out with the session's
//! form token too.

use askama::Template;
use serde::Deserialize;
use worker::{Context, Env, Headers, Method, Request, Response, Result};

use super::keys::caller_of;
use super::names::DB;
use super::{entropy, sql};
use crate::domain::admin::{
    clear_cookie, csrf_token, form_field, key_shaped, same_origin, session_cookie, session_key,
    tokens_match,
};
use crate::domain::auth::Need;
use crate::domain::campaign::CampaignInput;
use crate::domain::problem::Problem;
use crate::domain::route::AdminPage;

const MAX_FORM: usize = 2048;
/// Campaigns listed on the home page.
const LIST_LIMIT: u32 = 200;

#[derive(Template)]
#[template(path = "admin/sign-in.html")]
struct SignInPage<'a> {
    nonce: &'a str,
    error: Option<&'a str>,
}

struct CampaignLine {
    id: String,
    href: String,
    name: String,
    links: usize,
    currency: String,
}

#[derive(Template)]
#[template(path = "admin/campaigns.html")]
struct CampaignsPage<'a> {
    nonce: &'a str,
    csrf: &'a str,
    rows: Vec<CampaignLine>,
}

/// What every signed-in page carries: its style nonce and the session's form token.
pub(super) struct DashboardPage {
    pub nonce: String,
    pub csrf: String,
}

fn nonce() -> String {
    let mut b = [0u8; 16];
    entropy::random_fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn headers(nonce: &str) -> Headers {
    let h = Headers::new();
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    for (k, v) in [
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", "private, no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("content-security-policy", csp.as_str()),
    ] {
        let _ = h.set(k, v);
    }
    h
}

pub(super) fn page(status: u16, nonce: &str, t: &impl Template) -> Result<Response> {
    let body = match t.render() {
        Ok(b) => b,
        Err(e) => {
            worker::console_error!("admin template failed: {e}");
            return super::respond::problem(&Problem::internal());
        }
    };
    Ok(Response::from_html(body)?
        .with_status(status)
        .with_headers(headers(nonce)))
}

fn see_other(to: &str, cookie: Option<&str>) -> Result<Response> {
    let h = Headers::new();
    let _ = h.set("location", to);
    let _ = h.set("cache-control", "private, no-store");
    if let Some(c) = cookie {
        let _ = h.set("set-cookie", c);
    }
    Ok(Response::empty()?.with_status(303).with_headers(h))
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// Whether this post comes from a page of this deployment.
fn posted_here(req: &Request) -> bool {
    let host = req.url().ok().and_then(|u| {
        let h = u.host_str()?.to_owned();
        Some(match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h,
        })
    });
    host.is_some_and(|host| {
        same_origin(
            header(req, "sec-fetch-site").as_deref(),
            header(req, "origin").as_deref(),
            &host,
        )
    })
}

/// The session's key, if it still admits `read`.
async fn session(req: &Request, env: &Env, ctx: &Context) -> Option<String> {
    let cookies = header(req, "cookie");
    let key = session_key(cookies.as_deref())?.to_owned();
    let caller = caller_of(&key, env, ctx).await.ok()?;
    caller.check(Need::Read).ok()?;
    Some(key)
}

async fn form(req: &mut Request) -> Option<Vec<u8>> {
    let ct = header(req, "content-type").unwrap_or_default();
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return None;
    }
    let b = req.bytes().await.ok()?;
    (b.len() <= MAX_FORM).then_some(b)
}

/// Every `/admin` page.
pub async fn handle(mut req: Request, env: &Env, ctx: &Context, at: AdminPage) -> Result<Response> {
    let method = req.method();
    match (at, method) {
        (AdminPage::Home, Method::Get | Method::Head) => {
            let n = nonce();
            match session(&req, env, ctx).await {
                Some(key) => home(env, &n, &key).await,
                None => page(
                    200,
                    &n,
                    &SignInPage {
                        nonce: &n,
                        error: None,
                    },
                ),
            }
        }
        (AdminPage::SignIn, Method::Post) => {
            let n = nonce();
            if !posted_here(&req) {
                return refused(&n, 403, "This form can only be sent from this site.");
            }
            let key = form(&mut req)
                .await
                .and_then(|b| form_field(&b, "key"))
                .map(|k| k.trim().to_owned())
                .filter(|k| key_shaped(k));
            let Some(key) = key else {
                return refused(&n, 400, "Enter an API key.");
            };
            let admitted = match caller_of(&key, env, ctx).await {
                Ok(c) => c
                    .check(Need::Read)
                    .map_err(|_| "This key lacks the read scope."),
                Err(p) if p.status == 401 => Err("This key is not valid."),
                Err(_) => Err("Keys can't be checked right now; try again."),
            };
            match admitted {
                Ok(()) => see_other("/admin", Some(&session_cookie(&key))),
                Err(why) => refused(&n, 401, why),
            }
        }
        (AdminPage::SignOut, Method::Post) => {
            let cookies = header(&req, "cookie");
            let key = session_key(cookies.as_deref()).map(str::to_owned);
            let sent = form(&mut req).await.and_then(|b| form_field(&b, "csrf"));
            let ok = posted_here(&req)
                && key
                    .as_deref()
                    .zip(sent.as_deref())
                    .is_some_and(|(k, t)| tokens_match(&csrf_token(k), t));
            if !ok {
                return refused(&nonce(), 403, "Sign out from the dashboard's own button.");
            }
            see_other("/admin", Some(&clear_cookie()))
        }
        (AdminPage::Campaign(raw), Method::Get | Method::Head) => {
            match session(&req, env, ctx).await {
                Some(key) => {
                    let p = DashboardPage {
                        nonce: nonce(),
                        csrf: csrf_token(&key),
                    };
                    super::dashboard::campaign(&req, env, &p, &raw).await
                }
                None => see_other("/admin", None),
            }
        }
        (AdminPage::FollowUps(raw), Method::Get | Method::Head) => {
            match session(&req, env, ctx).await {
                Some(_) => super::dashboard::follow_ups_csv(env, &raw).await,
                None => super::respond::problem(&Problem::unauthorized()),
            }
        }
        (
            AdminPage::Home
            | AdminPage::SignIn
            | AdminPage::SignOut
            | AdminPage::Campaign(_)
            | AdminPage::FollowUps(_),
            _,
        ) => super::respond::method_not_allowed(),
        (AdminPage::NotFound, _) => super::respond::not_found(crate::domain::visitor::Method::Get),
    }
}

fn refused(nonce: &str, status: u16, why: &str) -> Result<Response> {
    page(
        status,
        nonce,
        &SignInPage {
            nonce,
            error: Some(why),
        },
    )
}

#[derive(Deserialize)]
struct CampaignRow {
    id: String,
    record: String,
}

/// The campaign list: records in D1 (links need none; those show up once recorded).
async fn home(env: &Env, nonce: &str, key: &str) -> Result<Response> {
    let db = env.d1(DB)?;
    let rows = db
        .prepare(sql::CAMPAIGNS_PAGE)
        .bind(&["".into(), LIST_LIMIT.into()])?
        .all()
        .await?
        .results::<CampaignRow>()?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let checked =
                CampaignInput::from_stored(&r.record).and_then(|c| c.validate(&r.id).ok());
            CampaignLine {
                href: crate::domain::dashboard::path_segment(&r.id),
                name: checked
                    .as_ref()
                    .map_or_else(String::new, |c| c.name.clone()),
                links: checked.as_ref().map_or(0, |c| c.links.len()),
                currency: checked
                    .as_ref()
                    .map_or_else(String::new, |c| c.currency.as_str().to_owned()),
                id: r.id,
            }
        })
        .collect();
    page(
        200,
        nonce,
        &CampaignsPage {
            nonce,
            csrf: &csrf_token(key),
            rows,
        },
    )
}
