//! `/admin/campaigns/{campaign}`: one campaign on the dashboard (funnel with intervals,
//! money, the variant comparison in words, clicks by hour and by delay, retention, the
//! follow-up count) and `/admin/campaigns/{campaign}/follow-ups.csv`, its follow-up list as a
//! download. Reads go through `worker::reports`, the read API's own functions; the page is
//! shaped by `domain::dashboard` and drawn by the template (SVG, labels escaped).

use askama::Template;
use futures_util::future::try_join4;
use worker::{Env, Request, Response, Result};

use super::admin::{page, DashboardPage};
use super::reports::{follow_up_count, follow_up_list, load, rows, Ending, FOLLOW_UP_MAX};
use crate::domain::dashboard::{
    campaign_view, count, download_name, duration, follow_up_step, path_segment, CampaignView,
};
use crate::domain::export::Format;
use crate::domain::problem::Problem;
use crate::domain::report::Dim;
use crate::domain::rollup::Recipient;

/// A link that cuts the page by another dimension.
struct Cut {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin/campaign.html")]
struct CampaignPage<'a> {
    nonce: &'a str,
    csrf: &'a str,
    id: &'a str,
    href: &'a str,
    name: &'a str,
    time_zone: &'a str,
    cuts: Vec<Cut>,
    by: &'static str,
    follow_up_step: &'a str,
    follow_up_after: String,
    follow_ups: u64,
    follow_ups_text: String,
    /// The most one download holds, when the list is longer (else `None`).
    per_file: Option<String>,
    v: CampaignView,
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage<'a> {
    nonce: &'a str,
    csrf: &'a str,
    title: &'a str,
    message: &'a str,
}

fn dim_name(d: Dim) -> &'static str {
    match d {
        Dim::Variant => "variant",
        Dim::Segment => "segment",
        Dim::Channel => "channel",
    }
}

fn message(p: &DashboardPage, status: u16, title: &str, why: &str) -> Result<Response> {
    page(
        status,
        &p.nonce,
        &MessagePage {
            nonce: &p.nonce,
            csrf: &p.csrf,
            title,
            message: why,
        },
    )
}

/// The campaign page; `?by=variant|segment|channel` cuts the funnel, money and retention.
pub async fn campaign(req: &Request, env: &Env, p: &DashboardPage, raw: &str) -> Result<Response> {
    let by = req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "by")
            .map(|(_, v)| v.into_owned())
    });
    let by = match by.as_deref() {
        None | Some("") => Dim::Variant,
        Some(s) => match Dim::parse(s) {
            Some(d) => d,
            None => {
                return message(
                    p,
                    400,
                    "Unknown view",
                    "A campaign can be cut by variant, segment or channel.",
                )
            }
        },
    };
    let campaign = match load(env, raw).await {
        Ok(c) => c,
        Err(e) => return refused(p, &e),
    };
    let step = follow_up_step(&campaign);
    let after = campaign.follow_up_after_ms;
    let id = campaign.id.as_str();
    let read = try_join4(
        rows(env, id, "f"),
        rows(env, id, "t"),
        rows(env, id, "r"),
        follow_up_count(env, &campaign, &step, after),
    )
    .await;
    let (f, t, r, due) = match read {
        Ok(x) => x,
        Err(e) => return refused(p, &e),
    };
    let href = path_segment(id);
    let cuts = [Dim::Variant, Dim::Segment, Dim::Channel]
        .into_iter()
        .map(|d| Cut {
            label: dim_name(d),
            href: format!("/admin/campaigns/{href}?by={}", dim_name(d)),
            current: d == by,
        })
        .collect();
    page(
        200,
        &p.nonce,
        &CampaignPage {
            nonce: &p.nonce,
            csrf: &p.csrf,
            id,
            href: &href,
            name: &campaign.name,
            time_zone: campaign.time_zone.name(),
            cuts,
            by: dim_name(by),
            follow_up_step: &step,
            follow_up_after: duration(after),
            follow_ups: due,
            follow_ups_text: count(due),
            per_file: (due > FOLLOW_UP_MAX).then(|| count(FOLLOW_UP_MAX)),
            v: campaign_view(&campaign, &f, &t, &r, by),
        },
    )
}

fn refused(p: &DashboardPage, e: &Problem) -> Result<Response> {
    let title = match e.status {
        404 => "No such campaign",
        400..=499 => "Not a campaign",
        _ => "Try again",
    };
    message(p, e.status, title, &e.message)
}

/// The follow-up list the page counts, as the API streams it with `Accept: text/csv`, up to
/// the same per-response cap: a plain CSV when the list is whole; a cut one ends with the
/// API's `# {"summary":{..,"complete":false,"next_cursor":..}}` line, so a file that stopped
/// short says so (the page warns before, and `wakelink follow-ups` reads the whole list).
pub async fn follow_ups_csv(env: &Env, raw: &str) -> Result<Response> {
    let answer = async {
        let campaign = load(env, raw).await?;
        let step = follow_up_step(&campaign);
        let start = Recipient {
            link: String::new(),
            seq: 0,
        };
        let r = follow_up_list(
            env,
            &campaign,
            &step,
            campaign.follow_up_after_ms,
            start,
            Format::Csv,
            Ending::SummaryWhenCut,
        )?;
        Ok::<_, Problem>((r, download_name(&campaign.id, &step)))
    }
    .await;
    match answer {
        Ok((r, name)) => {
            let h = r.headers();
            let _ = h.set(
                "content-disposition",
                &format!("attachment; filename=\"{name}\""),
            );
            let _ = h.set("cache-control", "private, no-store");
            let _ = h.set("x-content-type-options", "nosniff");
            Ok(r)
        }
        Err(p) => super::respond::problem(&p),
    }
}
