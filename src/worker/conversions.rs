//! `POST /api/v1/conversions` (the app's backend reports later funnel steps) and
//! `POST /api/v1/opens` (the app reports the URL it was opened with). Rows are checked and
//! attributed here, then take the clicks' path: Queue (or spool) → consumer → D1.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{Date, Env, Method, Request, Response};

use super::api::{body, down, ok_json};
use super::config::Config;
use super::names::DB;
use super::{links, record, respond, sql};
use crate::domain::campaign::{Campaign, CampaignInput, Currency};
use crate::domain::code::ShortCode;
use crate::domain::conversion::{
    attribute, conversion_event, open_event_id, opened_from, parse_batch, recipient_open_id,
    token_links, Conversion, OpenedFrom, Scope, TokenCheck, Touch, Who,
};
use crate::domain::funnel::{Kind, StepEvent};
use crate::domain::link::DEFAULT_ATTRIBUTION_WINDOW_HOURS;
use crate::domain::problem::Problem;
use crate::domain::rollup::check_currency;
use crate::domain::visitor::Platform;

type Answer = std::result::Result<Response, Problem>;

const MAX_BODY: usize = 1024 * 1024;
/// Links whose configuration (window, campaign) one batch reads from KV; the rest use the
/// defaults and the ledger's campaign. Keeps a batch far below the per-invocation KV limit.
const MAX_LINK_READS: usize = 100;
const DEFAULT_WINDOW_MS: u64 = DEFAULT_ATTRIBUTION_WINDOW_HOURS as u64 * 3_600_000;

#[derive(Deserialize)]
struct TouchRow {
    i: f64,
    link: String,
    recipient: f64,
    external_id: String,
    variant: Option<String>,
    sent_at: Option<f64>,
    clicked_at: Option<f64>,
    campaign: Option<String>,
}

/// Campaign, variant and window of a link, from its configuration.
struct LinkFacts {
    code: String,
    campaign: String,
    variant: Option<String>,
    /// The link's own window, when it sets one.
    window_ms: Option<u64>,
}

/// The attribution window of a touch: the link's own, else its campaign record's, else the
/// default (72 h).
fn window_of(facts: Option<&LinkFacts>, campaign: &str, campaigns: &[Campaign]) -> u64 {
    facts
        .and_then(|f| f.window_ms)
        .or_else(|| {
            campaigns
                .iter()
                .find(|c| c.id == campaign)
                .map(|c| c.attribution_window_ms)
        })
        .unwrap_or(DEFAULT_WINDOW_MS)
}

#[derive(Deserialize)]
struct CampaignRecord {
    id: String,
    record: String,
}

/// The campaign records (window, currency) of the campaigns a batch touches, in one D1 read.
/// A record that no longer validates is left out (its links work without one).
async fn campaign_records(
    env: &Env,
    ids: Vec<String>,
) -> std::result::Result<Vec<Campaign>, Problem> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let arg = JsValue::from_str(&Value::from(ids).to_string());
    let rows = db
        .prepare(sql::CAMPAIGNS_BY_ID)
        .bind(&[arg])
        .map_err(down("campaign bind"))?
        .all()
        .await
        .map_err(down("campaign read"))?
        .results::<CampaignRecord>()
        .map_err(down("campaign rows"))?;
    Ok(rows
        .iter()
        .filter_map(|r| CampaignInput::from_stored(&r.record)?.validate(&r.id).ok())
        .collect())
}

fn facts_of<'a>(facts: &'a [LinkFacts], code: &str) -> Option<&'a LinkFacts> {
    facts.iter().find(|f| f.code == code)
}

async fn link_facts(env: &Env, codes: Vec<String>, now: u64) -> Vec<LinkFacts> {
    let ttl = Config::get(env).link_cache_ttl_ms;
    let mut out = Vec::new();
    for code in codes.into_iter().take(MAX_LINK_READS) {
        let Ok(c) = ShortCode::parse(&code) else {
            continue;
        };
        if let Ok(Some(link)) = links::get(env, &c, now, ttl).await {
            out.push(LinkFacts {
                code,
                campaign: link.campaign.clone(),
                variant: link.variant.clone(),
                window_ms: link.attribution_window_ms,
            });
        }
    }
    out
}

/// Ledger rows for every row that names a recipient, in one D1 round trip; each row carries
/// the index of the conversion it answers (`i`).
async fn ledger_touches(
    env: &Env,
    rows: &[&Conversion],
) -> std::result::Result<Vec<TouchRow>, Problem> {
    let (mut by_seq, mut by_ext, mut by_campaign) = (vec![], vec![], vec![]);
    for c in rows {
        match &c.who {
            Who::Click(v) => {
                if let Some(r) = v.recipient {
                    by_seq.push(json!([c.index, v.code.as_str(), r]));
                }
            }
            Who::Recipient { link, seq } => by_seq.push(json!([c.index, link.as_str(), seq])),
            Who::External { id, scope } => match scope {
                Scope::Link(l) => by_ext.push(json!([c.index, l.as_str(), id.as_str()])),
                Scope::Campaign(k) => by_campaign.push(json!([c.index, k, id.as_str()])),
            },
        }
    }
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let mut stmts = Vec::new();
    for (q, args) in [
        (sql::TOUCHES_BY_SEQ, by_seq),
        (sql::TOUCHES_BY_EXTERNAL_ID, by_ext),
        (sql::TOUCHES_BY_CAMPAIGN, by_campaign),
    ] {
        if !args.is_empty() {
            let arg = JsValue::from_str(&Value::Array(args).to_string());
            stmts.push(db.prepare(q).bind(&[arg]).map_err(down("ledger bind"))?);
        }
    }
    let mut out = Vec::new();
    if stmts.is_empty() {
        return Ok(out);
    }
    for res in db.batch(stmts).await.map_err(down("ledger read"))? {
        out.extend(res.results::<TouchRow>().map_err(down("ledger rows"))?);
    }
    Ok(out)
}

fn touch_of(row: &TouchRow, facts: Option<&LinkFacts>, campaigns: &[Campaign]) -> Touch {
    let campaign = facts
        .map(|f| f.campaign.clone())
        .or_else(|| row.campaign.clone())
        .unwrap_or_default();
    Touch {
        link: row.link.clone(),
        window_ms: window_of(facts, &campaign, campaigns),
        campaign,
        variant: row
            .variant
            .clone()
            .or_else(|| facts.and_then(|f| f.variant.clone())),
        recipient: Some(row.recipient as u64),
        external_id: Some(row.external_id.clone()),
        sent_at: row.sent_at.map(|t| t as u64),
        clicked_at: row.clicked_at.map(|t| t as u64),
    }
}

/// A touch known only by its link (a click, or a token the ledger doesn't hold).
fn bare_touch(
    code: &str,
    recipient: Option<u64>,
    clicked_at: Option<u64>,
    facts: &[LinkFacts],
    campaigns: &[Campaign],
) -> Touch {
    let f = facts_of(facts, code);
    let campaign = f.map(|f| f.campaign.clone()).unwrap_or_default();
    Touch {
        link: code.to_owned(),
        window_ms: window_of(f, &campaign, campaigns),
        campaign,
        variant: f.and_then(|f| f.variant.clone()),
        recipient,
        external_id: None,
        sent_at: None,
        clicked_at,
    }
}

/// The touches a conversion may belong to. A click id is its own touch: the click itself.
fn touches_for(
    c: &Conversion,
    ledger: &[TouchRow],
    facts: &[LinkFacts],
    campaigns: &[Campaign],
) -> Vec<Touch> {
    let mut mine = ledger.iter().filter(|r| r.i as usize == c.index).peekable();
    match &c.who {
        Who::Click(v) => {
            let mut t = bare_touch(v.code.as_str(), v.recipient, Some(v.at), facts, campaigns);
            t.external_id = mine.next().map(|r| r.external_id.clone());
            vec![t]
        }
        // A token never recorded in the ledger: the recipient is known, no touch time.
        Who::Recipient { link, seq } if mine.peek().is_none() => {
            vec![bare_touch(
                link.as_str(),
                Some(*seq),
                None,
                facts,
                campaigns,
            )]
        }
        _ => mine
            .map(|r| touch_of(r, facts_of(facts, &r.link), campaigns))
            .collect(),
    }
}

#[derive(Serialize)]
struct RowAnswer<'a> {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<RowProblem<'a>>,
}

impl<'a> RowAnswer<'a> {
    fn rejected(index: usize, id: Option<&'a str>, p: &'a Problem) -> RowAnswer<'a> {
        RowAnswer {
            index,
            id,
            status: "rejected",
            attributed: None,
            link: None,
            campaign: None,
            recipient: None,
            external_id: None,
            error: Some(RowProblem {
                code: p.code,
                message: &p.message,
                field: p.field.as_deref(),
            }),
        }
    }
}

#[derive(Serialize)]
struct RowProblem<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

#[derive(Serialize)]
struct BatchAnswer<'a> {
    accepted: usize,
    rejected: usize,
    results: Vec<RowAnswer<'a>>,
}

/// `POST /api/v1/conversions`
pub async fn conversions(mut req: Request, env: &Env) -> Answer {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let cfg = Config::get(env);
    let bytes = body(&mut req, MAX_BODY).await?;
    let now = Date::now().as_millis();
    // Tokens are bound to their link's generation: read the links rows name with a token.
    let mut generations = Vec::new();
    for code in token_links(&bytes) {
        if let Ok(Some(l)) = links::get(env, &code, now, cfg.link_cache_ttl_ms).await {
            generations.push((code, l.generation));
        }
    }
    let check = cfg.keyring.as_ref().map(|keys| TokenCheck {
        keys,
        generations: &generations,
    });
    let parsed = parse_batch(&bytes, cfg.click_keys.as_ref(), check.as_ref(), now)?;
    let rows: Vec<&Conversion> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
    let ledger = ledger_touches(env, &rows).await?;
    let mut codes: Vec<String> = Vec::new();
    let named = rows.iter().filter_map(|c| match &c.who {
        Who::Click(v) => Some(v.code.as_str()),
        Who::Recipient { link, .. } => Some(link.as_str()),
        Who::External { .. } => None,
    });
    for code in named.chain(ledger.iter().map(|t| t.link.as_str())) {
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    }
    let facts = link_facts(env, codes, now).await;
    let mut ids: Vec<String> = Vec::new();
    let scoped = rows.iter().filter_map(|c| match &c.who {
        Who::External {
            scope: Scope::Campaign(k),
            ..
        } => Some(k.as_str()),
        _ => None,
    });
    let labels = facts.iter().map(|f| f.campaign.as_str());
    let ledgered = ledger.iter().filter_map(|t| t.campaign.as_deref());
    for id in scoped.chain(labels).chain(ledgered) {
        if !id.is_empty() && !ids.iter().any(|c| c == id) {
            ids.push(id.to_owned());
        }
    }
    let campaigns = campaign_records(env, ids).await?;

    let mut results = Vec::with_capacity(parsed.len());
    let mut out = Vec::with_capacity(rows.len());
    let mut refused: Vec<(usize, Option<&str>, Problem)> = Vec::new();
    for r in &parsed {
        match r {
            Ok(c) => {
                let touches = touches_for(c, &ledger, &facts, &campaigns);
                let event = conversion_event(c, attribute(&touches, c.ts));
                // Money is counted in the campaign's one currency: another is refused.
                let record = campaigns.iter().find(|k| k.id == event.campaign);
                let mismatch = match (record, &event.currency) {
                    (Some(k), Some(cur)) => Currency::parse(cur)
                        .map_or(
                            Err(Problem::invalid("currency", "not an ISO 4217 code")),
                            |cur| check_currency(k, &cur),
                        )
                        .err(),
                    _ => None,
                };
                if let Some(p) = mismatch {
                    refused.push((c.index, Some(c.id.as_str()), p));
                    continue;
                }
                let text = serde_json::to_string(&event).map_err(|_| Problem::internal())?;
                results.push(RowAnswer {
                    index: c.index,
                    id: Some(&c.id),
                    status: "accepted",
                    attributed: event.attributed,
                    link: Some(event.link.clone()),
                    campaign: Some(event.campaign.clone()),
                    recipient: event.recipient,
                    external_id: event.external_id.clone(),
                    error: None,
                });
                out.push((event.id, text));
            }
            Err(e) => results.push(RowAnswer::rejected(e.index, e.id.as_deref(), &e.problem)),
        }
    }
    for (index, id, p) in &refused {
        results.push(RowAnswer::rejected(*index, *id, p));
    }
    results.sort_by_key(|r| r.index);
    // Queued (or spooled) before the answer: a 200 means the rows are on their way to D1.
    record::deliver_batch(env, &out).await;
    let answer = BatchAnswer {
        accepted: out.len(),
        rejected: parsed.len() - out.len(),
        results,
    };
    let text = serde_json::to_string(&answer).map_err(|_| Problem::internal())?;
    respond::json(200, text).map_err(down("response"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenInput {
    url: String,
}

/// `POST /api/v1/opens`: `{"url": "<the URL the app was opened with>"}`. Counted once per
/// click together with the page's own `app_opened`.
pub async fn opens(mut req: Request, env: &Env) -> Answer {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let cfg = Config::get(env);
    let input: OpenInput = serde_json::from_slice(&body(&mut req, 8 * 1024).await?)
        .map_err(|e| Problem::invalid_json(&e))?;
    let (Some(keys), Some(ring)) = (cfg.click_keys.as_ref(), cfg.keyring.as_ref()) else {
        return Err(Problem::unavailable("opens need WAKELINK_SIGNING_KEYS"));
    };
    let now = Date::now().as_millis();
    let refused = || {
        Problem::invalid(
            "url",
            "the URL names no click or recipient of this deployment",
        )
    };
    // (row id, link, recipient, click event id)
    let (id, code, recipient, click) = match opened_from(&input.url).ok_or_else(refused)? {
        OpenedFrom::Click(c) => {
            let v = keys.verify(c).ok_or_else(refused)?;
            (open_event_id(&v), v.code, v.recipient, Some(v.event_id))
        }
        OpenedFrom::Recipient { code, token } => {
            let code = ShortCode::parse(code).map_err(|_| refused())?;
            // The token is bound to the link's generation.
            let generation = match links::get(env, &code, now, cfg.link_cache_ttl_ms).await {
                Ok(Some(l)) => l.generation,
                Ok(None) => return Err(refused()),
                Err(_) => return Err(Problem::unavailable("try again shortly")),
            };
            let at = crate::domain::token::LinkRef {
                code: &code,
                generation,
            };
            let seq = ring.verify(at, token, now / 1000).ok_or_else(refused)?.seq;
            (recipient_open_id(&code, seq), code, Some(seq), None)
        }
    };
    let link = links::get(env, &code, now, cfg.link_cache_ttl_ms)
        .await
        .map_err(|_| Problem::unavailable("try again shortly"))?;
    let event = StepEvent {
        kind: Kind::Step,
        id,
        ts: now,
        link: code.as_str().to_owned(),
        campaign: link
            .as_ref()
            .map(|l| l.campaign.clone())
            .unwrap_or_default(),
        variant: link.as_ref().and_then(|l| l.variant.clone()),
        recipient,
        step: String::from("app_opened"),
        click_id: click,
        external_id: None,
        value_minor: None,
        currency: None,
        attributed: None,
        platform: Platform::Other,
        vendor: None,
        in_app: None,
        bot: false,
        bot_reason: None,
        country: None,
        ip_prefix: None,
        user_agent: None,
        props: Some(String::from(r#"{"source":"app"}"#)),
    };
    let text = serde_json::to_string(&event).map_err(|_| Problem::internal())?;
    record::deliver_batch(env, &[(event.id.clone(), text)]).await;
    ok_json(
        202,
        &json!({ "id": event.id, "link": event.link, "recipient": event.recipient, "click_id": event.click_id }),
    )
}
