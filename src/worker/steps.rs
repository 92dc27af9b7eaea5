//! D1 statements for funnel steps and conversions, written by the Queue consumer in the same
//! batch as clicks.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::sql::{self, opt_num, opt_str};
use crate::domain::event::ClickEvent;
use crate::domain::funnel::StepEvent;

pub fn insert(db: &D1Database, e: &StepEvent, now: u64) -> Result<D1PreparedStatement> {
    db.prepare(sql::INSERT_STEP).bind(&[
        JsValue::from_str(&e.id),
        JsValue::from_f64(e.ts as f64),
        JsValue::from_str(&e.link),
        JsValue::from_str(&e.campaign),
        opt_str(e.variant.as_deref()),
        opt_num(e.recipient.map(|r| r as f64)),
        JsValue::from_str(e.kind.as_str()),
        JsValue::from_str(e.platform.as_str()),
        opt_str(e.vendor.map(|v| v.as_str())),
        opt_str(e.in_app.map(|v| v.as_str())),
        JsValue::from_f64(if e.bot { 1.0 } else { 0.0 }),
        opt_str(e.bot_reason.map(|v| v.as_str())),
        opt_str(e.country.as_deref()),
        opt_str(e.ip_prefix.as_deref()),
        opt_str(e.user_agent.as_deref()),
        JsValue::from_f64(now as f64),
        JsValue::from_str(&e.step),
        opt_str(e.click_id.as_deref()),
        opt_str(e.external_id.as_deref()),
        // Minor units are integers below 2^53 (checked at the API), exact as a JS number.
        opt_num(e.value_minor.map(|v| v as f64)),
        opt_str(e.currency.as_deref()),
        opt_num(e.attributed.map(|a| if a { 1.0 } else { 0.0 })),
        opt_str(e.props.as_deref()),
    ])
}

/// One upsert per distinct (link, campaign) among the batch's clicks.
pub fn link_campaigns(db: &D1Database, clicks: &[ClickEvent]) -> Result<Vec<D1PreparedStatement>> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for c in clicks {
        let pair = (c.link.as_str(), c.campaign.as_str());
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    pairs
        .into_iter()
        .map(|(link, campaign)| {
            db.prepare(sql::UPSERT_LINK_CAMPAIGN)
                .bind(&[JsValue::from_str(link), JsValue::from_str(campaign)])
        })
        .collect()
}
