//! `GET /api/v1/campaigns/{campaign}/{funnel|compare|timing|retention|follow-ups}`: reads of a
//! campaign's store (`worker::store`), shaped by `domain::report`. Counter reads are a few
//! hundred rows whatever the campaign's size; the follow-up list is streamed page by page, at
//! most [`FOLLOW_UP_PAGES`] store calls a response.
//! The dashboard's campaign page (`worker::admin`) reads through the same functions.

use serde_json::json;
use worker::{Date, Env, Method, Request, Response};

use super::api::{down, ok_json, query_pairs};
use super::names::DB;
use super::paged;
use super::rollups::{call, records};
use super::store::{campaign_of, counter_row, CounterRow, FollowUpCall};
use crate::domain::campaign::{parse_campaign_id, Campaign};
use crate::domain::export::{csv_quote, Format, Summary};
use crate::domain::problem::Problem;
use crate::domain::report::{
    compare, follow_up_cursor, funnel, parse_after, parse_by, parse_follow_up_cursor, retention,
    timing,
};
use crate::domain::rollup::{Axis, Counts, Key, Recipient, SENT};
use crate::domain::route::{decode_segment, Report};

type Answer = std::result::Result<Response, Problem>;

/// Recipients per store call of a follow-up list.
const FOLLOW_UP_PAGE: u32 = 1000;

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Counter rows of one kind (`f`, `t`, `r`) from the campaign's store.
pub(super) async fn rows(env: &Env, id: &str, kind: &str) -> Result<Vec<(Key, Counts)>, Problem> {
    let text = call(env, id, "/rows", json!({ "kind": kind }).to_string())
        .await
        .map_err(down("campaign store"))?;
    let raw: Vec<CounterRow> = serde_json::from_str(&text).map_err(|_| Problem::internal())?;
    Ok(raw.into_iter().filter_map(counter_row).collect())
}

fn missing() -> Problem {
    Problem::not_found(
        "campaign-not-found",
        "no campaign record and nothing counted under this campaign label",
    )
}

/// The campaign a report is about, from its percent-encoded path segment: its record, or
/// the defaults for a label that has counters but no record; 404 when it has neither.
pub(super) async fn load(env: &Env, raw: &str) -> Result<Campaign, Problem> {
    let id = decode_segment(raw)
        .ok_or_else(|| Problem::invalid("campaign", "not UTF-8"))
        .and_then(|s| parse_campaign_id(&s))?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let record = records(&db, &[id.as_str()])
        .await
        .map_err(down("campaign read"))?
        .remove(&id);
    // Links need no record (their label groups them): a label nothing was counted under is
    // what has no campaign (every send and event adds a funnel counter).
    if record.is_none() && rows(env, &id, "f").await?.is_empty() {
        return Err(missing());
    }
    campaign_of(&id, record.as_ref()).ok_or_else(Problem::internal)
}

pub async fn report(req: Request, env: &Env, raw: &str, which: Report) -> Answer {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let q = Query(query_pairs(&req)?);
    let campaign = load(env, raw).await?;
    let id = campaign.id.clone();
    let by = |default: &str| parse_by(q.get("by").unwrap_or(default));
    match which {
        Report::Funnel => {
            let by = by("")?;
            let rows = rows(env, &id, "f").await?;
            ok_json(
                200,
                &json!({
                    "campaign": id,
                    "currency": campaign.currency.as_str(),
                    "by": by,
                    "groups": funnel(&campaign, &rows, &by),
                }),
            )
        }
        Report::Compare => {
            let dims = by("variant")?;
            let [dim] = dims.as_slice() else {
                return Err(Problem::invalid(
                    "by",
                    "one dimension: variant, segment or channel",
                ));
            };
            let a = q
                .get("a")
                .ok_or_else(|| Problem::invalid("a", "required"))?;
            let b = q
                .get("b")
                .ok_or_else(|| Problem::invalid("b", "required"))?;
            let step = q.get("step").unwrap_or("login");
            let effect = match q.get("effect") {
                None => None,
                Some(e) => Some(
                    e.parse::<f64>()
                        .map_err(|_| Problem::invalid("effect", "a number such as 0.02"))?,
                ),
            };
            let rows = rows(env, &id, "f").await?;
            let c = compare(&campaign, &rows, *dim, a, b, step, effect)?;
            ok_json(
                200,
                &serde_json::to_value(c).map_err(|_| Problem::internal())?,
            )
        }
        Report::Timing => {
            let by = by("")?;
            let rows = rows(env, &id, "t").await?;
            let table = |axis| timing(&campaign, &rows, axis, &by);
            ok_json(
                200,
                &json!({
                    "campaign": id,
                    "time_zone": campaign.time_zone.name(),
                    "by": by,
                    "send_hour": table(Axis::SendHour),
                    "click_hour": table(Axis::ClickHour),
                    "delay": table(Axis::Delay),
                }),
            )
        }
        Report::Retention => {
            let by = by("")?;
            let rows = rows(env, &id, "r").await?;
            ok_json(
                200,
                &json!({ "campaign": id, "by": by, "cohorts": retention(&rows, &by) }),
            )
        }
        Report::FollowUps => follow_ups(&req, env, &campaign, &q),
    }
}

/// `follow-ups?step=login&after=3d&cursor=`: the operator ids of recipients sent at least
/// `after` ago (default: the campaign's follow-up window) who haven't reached `step`, in a
/// stable order, streamed up to the per-response cap and ended by the summary line. Each line
/// carries the cursor that resumes after it; the summary's `next_cursor` resumes after the
/// last recipient read (which may have no operator id, so no line).
fn follow_ups(req: &Request, env: &Env, campaign: &Campaign, q: &Query) -> Answer {
    let step = q.get("step").unwrap_or("login");
    if campaign.step_index(step).is_none() || step == SENT {
        return Err(Problem::invalid(
            "step",
            "not a step of this campaign's funnel after sent",
        ));
    }
    let after = match q.get("after") {
        Some(a) => parse_after(a)?,
        None => campaign.follow_up_after_ms,
    };
    let start = match q.get("cursor") {
        Some(c) => parse_follow_up_cursor(c)?,
        None => Recipient {
            link: String::new(),
            seq: 0,
        },
    };
    let accept = req
        .headers()
        .get("accept")
        .ok()
        .flatten()
        .unwrap_or_default();
    let format = Format::negotiate(None, &accept)?;
    follow_up_list(env, campaign, step, after, start, format, Ending::Summary)
}

/// The instant before which a recipient must have been sent to be due for a follow-up.
fn follow_up_cutoff(after_ms: u64) -> u64 {
    Date::now().as_millis().saturating_sub(after_ms)
}

/// How many lines the follow-up list of `step` after `after_ms` has now.
pub(super) async fn follow_up_count(
    env: &Env,
    campaign: &Campaign,
    step: &str,
    after_ms: u64,
) -> Result<u64, Problem> {
    let c = FollowUpCall {
        cutoff: follow_up_cutoff(after_ms),
        step: step.to_owned(),
        after_link: String::new(),
        after_seq: 0,
        limit: 0,
    };
    let text = call(env, &campaign.id, "/follow-up-count", json!(c).to_string())
        .await
        .map_err(down("campaign store"))?;
    serde_json::from_str(&text).map_err(|_| Problem::internal())
}

/// Store calls one follow-up response makes at most: 40 pages of 1,000, far inside the free
/// plan's 50 subrequests per invocation (the campaign check may take one more). The summary
/// line's cursor resumes where it stopped.
pub(super) const FOLLOW_UP_PAGES: u32 = 40;

/// Recipients one follow-up response holds at most.
pub(super) const FOLLOW_UP_MAX: u64 = FOLLOW_UP_PAGES as u64 * FOLLOW_UP_PAGE as u64;

/// Whether a follow-up stream ends with its summary line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Always (the API: a reader tells a finished list from a cut one).
    Summary,
    /// Only when the list was cut (the dashboard's download: a plain CSV when it is whole).
    SummaryWhenCut,
}

struct FollowUpPager {
    env: Env,
    id: String,
    call: FollowUpCall,
    format: Format,
    ending: Ending,
    /// Lines sent.
    sent: u64,
    /// Store calls made.
    pages: u32,
    /// The last recipient read (with or without an operator id): where to resume.
    last: Option<Recipient>,
}

impl paged::Pager for FollowUpPager {
    const WHAT: &'static str = "follow-up";

    fn header(&self) -> Vec<u8> {
        match self.format {
            Format::Csv => b"external_id,cursor\n".to_vec(),
            Format::Ndjson => Vec::new(),
        }
    }

    fn room(&self) -> bool {
        self.pages < FOLLOW_UP_PAGES
    }

    async fn read(&mut self) -> paged::Read {
        self.pages += 1;
        let read = call(
            &self.env,
            &self.id,
            "/follow-ups",
            json!(self.call).to_string(),
        )
        .await
        .and_then(|text| {
            serde_json::from_str::<Vec<(String, u64, Option<String>)>>(&text)
                .map_err(|e| worker::Error::RustError(e.to_string()))
        });
        let page = match read {
            Ok(page) => page,
            Err(e) => return paged::Read::Failed(e),
        };
        let mut lines = Vec::new();
        for (link, seq, external_id) in &page {
            let Some(ext) = external_id else { continue };
            let cursor = follow_up_cursor(&Recipient {
                link: link.clone(),
                seq: *seq,
            });
            let line = match self.format {
                Format::Csv => format!("{},{}\n", follow_up_cell(ext), cursor),
                Format::Ndjson => format!("{}\n", json!({ "external_id": ext, "cursor": cursor })),
            };
            lines.extend_from_slice(line.as_bytes());
            self.sent += 1;
        }
        if let Some((link, seq, _)) = page.last() {
            self.call.after_link = link.clone();
            self.call.after_seq = *seq;
            self.last = Some(Recipient {
                link: link.clone(),
                seq: *seq,
            });
        }
        paged::Read::Lines(lines, page.len() as u32 >= self.call.limit)
    }

    /// The stream's last line, or nothing for a whole download that wants none.
    fn summary(&mut self, complete: bool, error: Option<&'static str>) -> Vec<u8> {
        if complete && self.ending == Ending::SummaryWhenCut {
            return Vec::new();
        }
        // Where to resume; none before the first recipient read (resume with the same cursor).
        let next_cursor = (!complete)
            .then(|| self.last.as_ref().map(follow_up_cursor))
            .flatten();
        self.format.summary(&Summary {
            count: self.sent,
            complete,
            next_cursor,
            error,
        })
    }
}

/// The follow-up list streamed from `start`, as CSV (`external_id,cursor`) or NDJSON
/// (`step` must be a step of the campaign after `sent`): at most [`FOLLOW_UP_PAGES`] store
/// calls, then the summary line export ends with (`{"summary":{"count","complete",
/// "next_cursor"?,"error"?}}`, in CSV after `# `), as `ending` asks.
pub(super) fn follow_up_list(
    env: &Env,
    campaign: &Campaign,
    step: &str,
    after: u64,
    start: Recipient,
    format: Format,
    ending: Ending,
) -> Answer {
    let last = (!start.link.is_empty()).then(|| start.clone());
    let pager = FollowUpPager {
        env: env.clone(),
        id: campaign.id.clone(),
        call: FollowUpCall {
            cutoff: follow_up_cutoff(after),
            step: step.to_owned(),
            after_link: start.link,
            after_seq: start.seq,
            limit: FOLLOW_UP_PAGE,
        },
        format,
        ending,
        sent: 0,
        pages: 0,
        last,
    };
    paged::respond(pager, format.content_type()).map_err(down("stream"))
}

/// An operator id as a CSV cell: quoted as RFC 4180 asks, and also when it starts with `#`
/// so no row reads as the summary comment line.
fn follow_up_cell(ext: &str) -> String {
    let q = csv_quote(ext);
    if q.starts_with('#') {
        format!("\"{q}\"")
    } else {
        q
    }
}
