//! What the consumer feeds a campaign's rollup: queued events and send-ledger rows turned
//! into [`Fact`]s, with the campaign record deciding each one's group.
//!
//! Groups: a link the campaign lists takes its variant and channel from the campaign; a link
//! it doesn't list keeps the variant label it carries and the campaign's default channel.
//! A ledger row's own variant, channel and cost win over both. Events carry no segment: it is
//! the ledger's, and a recipient's events move to it when the send is known
//! (see `domain::rollup`).

use super::campaign::{Campaign, Channel, Currency};
use super::decide::Outcome;
use super::event::ClickEvent;
use super::funnel::{Queued, StepEvent};
use super::problem::Problem;
use super::rollup::{Event, Fact, Group, Recipient, Send, CLICKED};
use super::time::UnixMs;
use super::visitor::BotReason;

/// A send-ledger row as the campaign's store holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRow<'a> {
    pub link: &'a str,
    pub seq: u64,
    pub segment: Option<&'a str>,
    pub variant: Option<&'a str>,
    /// The row's channel, when the send list names one.
    pub channel: Option<Channel>,
    /// The row's own cost of the send (a long SMS in two parts), in the campaign's currency.
    pub cost_minor: Option<u64>,
    pub sent_at: Option<UnixMs>,
}

/// The group of a link's events.
pub fn link_group(campaign: &Campaign, link: &str, variant: Option<&str>) -> Group {
    match campaign.link(link) {
        Some(l) => Group {
            variant: l.variant.clone(),
            segment: String::new(),
            channel: l.channel,
        },
        None => Group {
            variant: variant.unwrap_or_default().to_owned(),
            segment: String::new(),
            channel: campaign.default_channel,
        },
    }
}

/// The fact of a ledger row.
pub fn send_fact(campaign: &Campaign, row: &LedgerRow<'_>) -> Fact {
    let link = link_group(campaign, row.link, None);
    let channel = row.channel.unwrap_or(link.channel);
    Fact::Send(Send {
        recipient: Recipient {
            link: row.link.to_owned(),
            seq: row.seq,
        },
        group: Group {
            variant: row.variant.map_or(link.variant, str::to_owned),
            segment: row.segment.unwrap_or_default().to_owned(),
            channel,
        },
        sent_at: row.sent_at,
        cost_minor: row.cost_minor.or(campaign.cost_per_send(channel)),
    })
}

fn click(campaign: &Campaign, e: &ClickEvent) -> Event {
    Event {
        id: e.id.clone(),
        recipient: e.recipient.map(|seq| Recipient {
            link: e.link.clone(),
            seq,
        }),
        group: link_group(campaign, &e.link, e.variant.as_deref()),
        step: CLICKED.to_owned(),
        at: e.ts,
        bot: e.bot,
        attributed: true,
        value: None,
        // The click log's first-click rule: a click counts when it sent the visitor somewhere.
        reached: e.target.is_some(),
        hint: e.outcome == Outcome::HintRequested,
        honeypot: e.bot_reason == Some(BotReason::Honeypot),
    }
}

fn step(campaign: &Campaign, e: &StepEvent) -> Result<Event, Problem> {
    let value = match (e.value_minor, e.currency.as_deref()) {
        (None, _) => None,
        (Some(v), Some(c)) => Some((
            v,
            Currency::parse(c)
                .ok_or_else(|| Problem::invalid("currency", "not an ISO 4217 code"))?,
        )),
        (Some(_), None) => return Err(Problem::invalid("currency", "required with a value")),
    };
    // A conversion no ledger row names has no link, hence no recipient.
    let recipient = match (e.link.is_empty(), e.recipient) {
        (false, Some(seq)) => Some(Recipient {
            link: e.link.clone(),
            seq,
        }),
        _ => None,
    };
    Ok(Event {
        id: e.id.clone(),
        recipient,
        group: link_group(campaign, &e.link, e.variant.as_deref()),
        step: e.step.clone(),
        at: e.ts,
        bot: e.bot,
        attributed: e.attributed.unwrap_or(true),
        value,
        reached: true,
        hint: false,
        honeypot: false,
    })
}

/// The fact of a queued event for `campaign`; `None` for another campaign's event.
/// A click as the click log holds it, back to what the edge queued: the flags that re-judging
/// wrote into the log afterwards (too soon after the send, before it, a scanner or network
/// burst) are taken off, since a campaign's store judges the recipient's clicks again itself,
/// and would otherwise hold them as the edge's own verdict, which no later ledger row can
/// undo. Flags the edge set (user agent, HEAD, honeypot, rate limit…) stay.
pub fn as_queued(mut e: ClickEvent) -> ClickEvent {
    if matches!(
        e.bot_reason,
        Some(
            BotReason::TooSoonAfterSend
                | BotReason::BeforeSend
                | BotReason::ScannerBurst
                | BotReason::NetworkBurst
        )
    ) {
        e.bot = false;
        e.bot_reason = None;
    }
    e
}

pub fn event_fact(campaign: &Campaign, q: &Queued) -> Result<Option<Fact>, Problem> {
    let (label, event) = match q {
        Queued::Click(e) => (&e.campaign, click(campaign, e)),
        Queued::Step(e) => (&e.campaign, step(campaign, e)?),
    };
    Ok((*label == campaign.id).then_some(Fact::Event(event)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::campaign::CampaignInput;
    use crate::domain::event::tests::phone_event;
    use crate::domain::funnel::{parse_queued, Kind};

    fn campaign() -> Campaign {
        let body = serde_json::json!({
            "name": "Spring",
            "currency": "CNY",
            "links": [{"code": "demo", "variant": "B", "channel": "email"}],
            "cost_per_send": {"sms": 5, "email": 1},
        });
        CampaignInput::from_json(body.to_string().as_bytes())
            .unwrap()
            .validate("spring-recall")
            .unwrap()
    }

    #[test]
    fn logged_clicks_lose_only_the_rejudged_flags() {
        let e = phone_event("01ARZ3NDEKTSV4RRFFQ69G5FAV", 1_000, Some(9));
        for r in [
            BotReason::TooSoonAfterSend,
            BotReason::BeforeSend,
            BotReason::ScannerBurst,
            BotReason::NetworkBurst,
        ] {
            let mut flagged = e.clone();
            flagged.bot = true;
            flagged.bot_reason = Some(r);
            assert_eq!(
                as_queued(flagged),
                e,
                "{r:?} is the judge's, not the edge's"
            );
        }
        for r in [
            BotReason::Head,
            BotReason::LinkPreview,
            BotReason::Honeypot,
            BotReason::RateLimited,
            BotReason::ScannerNetwork,
        ] {
            let mut flagged = e.clone();
            flagged.bot = true;
            flagged.bot_reason = Some(r);
            assert_eq!(as_queued(flagged.clone()), flagged, "{r:?} is the edge's");
        }
        assert_eq!(as_queued(e.clone()), e);
    }

    #[test]
    fn clicks_take_the_campaigns_group() {
        let c = campaign();
        let e = phone_event("01ARZ3NDEKTSV4RRFFQ69G5FAV", 1_000, Some(9));
        let Some(Fact::Event(f)) = event_fact(&c, &Queued::Click(e.clone())).unwrap() else {
            panic!("a click of the campaign")
        };
        assert_eq!(
            f.group.variant, "B",
            "the campaign's label wins over the link's A"
        );
        assert_eq!(f.group.channel, Channel::Email);
        assert_eq!(f.recipient.as_ref().map(|r| r.seq), Some(9));
        assert!(f.reached && !f.hint && !f.honeypot && !f.bot);
        assert_eq!(f.step, CLICKED);
        let mut gone = e.clone();
        gone.target = None;
        gone.outcome = Outcome::Gone;
        let Some(Fact::Event(f)) = event_fact(&c, &Queued::Click(gone)).unwrap() else {
            panic!()
        };
        assert!(!f.reached);
        let mut other = e;
        other.campaign = "autumn".into();
        assert_eq!(event_fact(&c, &Queued::Click(other)).unwrap(), None);
    }

    #[test]
    fn conversions_carry_checked_money() {
        let c = campaign();
        let json = |value: &str, currency: &str| {
            format!(
                r#"{{"kind":"conversion","id":"c:1","ts":1000,"link":"demo","campaign":"spring-recall",
                "recipient":4,"step":"loan","platform":"other","bot":false,"attributed":false{value}{currency}}}"#
            )
        };
        let q = parse_queued(&json(r#","value_minor":1999"#, r#","currency":"CNY""#)).unwrap();
        let Some(Fact::Event(f)) = event_fact(&c, &q).unwrap() else {
            panic!()
        };
        assert_eq!(f.value, Some((1999, Currency::parse("CNY").unwrap())));
        assert!(!f.attributed);
        let q = parse_queued(&json(r#","value_minor":1999"#, r#","currency":"usd""#)).unwrap();
        assert_eq!(
            event_fact(&c, &q).unwrap_err().field.as_deref(),
            Some("currency")
        );
        let q = parse_queued(&json(r#","value_minor":1999"#, "")).unwrap();
        assert!(event_fact(&c, &q).is_err());
        // No ledger row: no link, no recipient; the campaign's default channel.
        let mut e = match parse_queued(&json("", "")).unwrap() {
            Queued::Step(e) => e,
            Queued::Click(_) => panic!(),
        };
        assert_eq!(e.kind, Kind::Conversion);
        e.link = String::new();
        let Some(Fact::Event(f)) = event_fact(&c, &Queued::Step(e)).unwrap() else {
            panic!()
        };
        assert_eq!((f.recipient, f.group.channel), (None, Channel::Sms));
    }

    /// Queue messages and ledger rows, through the rollup, into the funnel.
    #[test]
    fn from_the_queue_to_the_funnel() {
        use crate::domain::judge::Rules;
        use crate::domain::report::{funnel, Dim};
        use crate::domain::rollup::{Rollup, Store};
        let c = campaign();
        let r = Rollup {
            campaign: &c,
            rules: Rules {
                min_gap_ms: 5_000,
                burst_ms: 60_000,
                ..Rules::DEFAULT
            },
        };
        let sent = 1_772_420_400_000; // 2026-03-02T03:00Z
        let mut store = Store::default();
        for (seq, segment) in [(1, "3m"), (2, "6m")] {
            let row = LedgerRow {
                link: "demo",
                seq,
                segment: Some(segment),
                variant: None,
                channel: None,
                cost_minor: None,
                sent_at: Some(sent),
            };
            store.ingest(&r, &send_fact(&c, &row)).unwrap();
        }
        // Recipient 1 taps twice (one message delivered twice); recipient 2 never does.
        let taps = [
            ("01JNKQ0000000000000000000A", 600_000),
            ("01JNKQ0000000000000000000B", 900_000),
            ("01JNKQ0000000000000000000A", 600_000),
        ];
        for (id, dt) in taps {
            let json = serde_json::to_string(&phone_event(id, sent + dt, Some(1))).unwrap();
            let q = parse_queued(&json).unwrap();
            if let Some(f) = event_fact(&c, &q).unwrap() {
                store.ingest(&r, &f).unwrap();
            }
        }
        let login = r#"{"kind":"conversion","id":"c:9","ts":1772431200000,"link":"demo",
            "campaign":"spring-recall","recipient":1,"step":"login","platform":"other","bot":false,
            "attributed":true}"#;
        let f = event_fact(&c, &parse_queued(login).unwrap())
            .unwrap()
            .unwrap();
        store.ingest(&r, &f).unwrap();
        let groups = funnel(&c, &store.rows(), &[Dim::Segment]);
        // (segment, sends, human clicks, unique clickers, logins, cost)
        type Figures<'a> = (Option<&'a str>, u64, u64, u64, u64, i64);
        let figures: Vec<Figures> = groups
            .iter()
            .map(|g| {
                (
                    g.key.segment.as_deref(),
                    g.sends,
                    g.human_clicks,
                    g.unique_clickers,
                    g.steps[3].unique,
                    g.money.cost_minor,
                )
            })
            .collect();
        assert_eq!(
            figures,
            [(Some("3m"), 1, 2, 1, 1, 1), (Some("6m"), 1, 0, 0, 0, 1)]
        );
        assert_eq!(groups[0].steps[3].step, "login");
    }

    #[test]
    fn ledger_rows_take_their_own_labels_and_costs_first() {
        let c = campaign();
        let row = LedgerRow {
            link: "demo",
            seq: 3,
            segment: Some("6m"),
            variant: None,
            channel: None,
            cost_minor: None,
            sent_at: Some(5),
        };
        let Fact::Send(s) = send_fact(&c, &row) else {
            panic!()
        };
        assert_eq!(
            (
                s.group.variant.as_str(),
                s.group.segment.as_str(),
                s.group.channel,
                s.cost_minor
            ),
            ("B", "6m", Channel::Email, Some(1))
        );
        let own = LedgerRow {
            variant: Some("C"),
            channel: Some(Channel::Sms),
            cost_minor: Some(10),
            ..row
        };
        let Fact::Send(s) = send_fact(&c, &own) else {
            panic!()
        };
        assert_eq!(
            (s.group.variant.as_str(), s.group.channel, s.cost_minor),
            ("C", Channel::Sms, Some(10))
        );
        let priced_by_channel = LedgerRow {
            channel: Some(Channel::Sms),
            ..row
        };
        let Fact::Send(s) = send_fact(&c, &priced_by_channel) else {
            panic!()
        };
        assert_eq!(s.cost_minor, Some(5));
        let unlisted = LedgerRow {
            link: "other",
            channel: Some(Channel::Push),
            ..row
        };
        let Fact::Send(s) = send_fact(&c, &unlisted) else {
            panic!()
        };
        assert_eq!((s.group.variant.as_str(), s.cost_minor), ("", None));
    }
}
