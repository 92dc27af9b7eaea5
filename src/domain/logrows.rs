//! Click-log rows as JSON arrays, for the consumer's set-based writes (`INSERT … SELECT …
//! FROM json_each(?)`): a full batch of 100 events is a handful of D1 statements, not one per
//! event, so the consumer stays within the free plan's 50 queries per invocation. The column
//! order of each array is the one `worker::sql` reads with `json_extract(value, '$[i]')`.

use serde_json::json;

use super::event::ClickEvent;
use super::funnel::StepEvent;

/// `[id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor,
/// in_app, bot, bot_reason, country, ip_prefix, user_agent]` (`sql::INSERT_EVENTS`).
pub fn click_row(e: &ClickEvent) -> String {
    json!([
        e.id,
        e.ts,
        e.link,
        e.campaign,
        e.variant,
        e.recipient,
        e.method.as_str(),
        e.outcome.as_str(),
        e.target.map(|v| v.as_str()),
        e.platform.as_str(),
        e.vendor.map(|v| v.as_str()),
        e.in_app.map(|v| v.as_str()),
        u8::from(e.bot),
        e.bot_reason.map(|v| v.as_str()),
        e.country,
        e.ip_prefix,
        e.user_agent,
    ])
    .to_string()
}

/// `[id, ts, link, campaign, variant, recipient, kind, platform, vendor, in_app, bot,
/// bot_reason, country, ip_prefix, user_agent, step, click_id, external_id, value_minor,
/// currency, attributed, props]` (`sql::INSERT_STEPS`).
pub fn step_row(e: &StepEvent) -> String {
    json!([
        e.id,
        e.ts,
        e.link,
        e.campaign,
        e.variant,
        e.recipient,
        e.kind.as_str(),
        e.platform.as_str(),
        e.vendor.map(|v| v.as_str()),
        e.in_app.map(|v| v.as_str()),
        u8::from(e.bot),
        e.bot_reason.map(|v| v.as_str()),
        e.country,
        e.ip_prefix,
        e.user_agent,
        e.step,
        e.click_id,
        e.external_id,
        e.value_minor,
        e.currency,
        e.attributed.map(u8::from),
        e.props,
    ])
    .to_string()
}

/// The distinct `[link, campaign]` pairs of a batch's clicks, in first-seen order
/// (`sql::UPSERT_LINK_CAMPAIGNS`).
pub fn campaign_rows(clicks: &[ClickEvent]) -> Vec<String> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for c in clicks {
        let pair = (c.link.as_str(), c.campaign.as_str());
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    pairs
        .into_iter()
        .map(|(link, campaign)| json!([link, campaign]).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::funnel::parse_queued;
    use crate::domain::funnel::Queued;
    use serde_json::Value;

    fn click(id: &str, link: &str, campaign: &str) -> ClickEvent {
        let body = format!(
            r#"{{"id":"{id}","ts":1763884800123,"link":"{link}","campaign":"{campaign}","recipient":42,
            "method":"get","outcome":"redirect","target":"app-store","platform":"ios","bot":false,
            "country":"CN","ip_prefix":"198.51.100.0/24","user_agent":"Mozilla/5.0 \"quoted\" \\ é"}}"#
        );
        match parse_queued(&body) {
            Some(Queued::Click(e)) => e,
            other => panic!("test click does not parse: {other:?}"),
        }
    }

    /// Every field lands in the column the statement reads it from, with its type, and text
    /// that needs JSON escaping comes back unchanged.
    #[test]
    fn click_rows_hold_every_column_in_statement_order() {
        let e = click("01JD0000000000000000000000", "spring", "c1");
        let row: Value = serde_json::from_str(&click_row(&e)).expect("row is JSON");
        let a = row.as_array().expect("array");
        assert_eq!(a.len(), 17);
        assert_eq!(a[0], "01JD0000000000000000000000");
        assert_eq!(a[1], 1_763_884_800_123u64);
        assert_eq!((a[2].as_str(), a[3].as_str()), (Some("spring"), Some("c1")));
        assert_eq!(a[4], Value::Null);
        assert_eq!(a[5], 42);
        assert_eq!(
            (a[6].as_str(), a[7].as_str()),
            (Some("get"), Some("redirect"))
        );
        assert_eq!(
            (a[8].as_str(), a[9].as_str()),
            (Some("app-store"), Some("ios"))
        );
        assert_eq!(a[12], 0);
        assert_eq!(a[13], Value::Null);
        assert_eq!(a[14], "CN");
        assert_eq!(a[15], "198.51.100.0/24");
        assert_eq!(a[16], "Mozilla/5.0 \"quoted\" \\ é");
    }

    #[test]
    fn campaign_rows_are_distinct_pairs_in_order() {
        let rows = campaign_rows(&[
            click("01JD0000000000000000000001", "a", "x"),
            click("01JD0000000000000000000002", "b", "x"),
            click("01JD0000000000000000000003", "a", "x"),
            click("01JD0000000000000000000004", "a", "y"),
        ]);
        assert_eq!(rows, [r#"["a","x"]"#, r#"["b","x"]"#, r#"["a","y"]"#]);
    }
}
