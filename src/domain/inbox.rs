//! What the Queue consumer makes of one message, decided without I/O: an event to write, a
//! message to try again later, or a poison message to park as a dead letter. Nothing is
//! acknowledged without being written or parked.
//!
//! Version skew: a message from a newer or older wakelink (a gradual deploy, a rollback) may
//! carry fields this version doesn't know (ignored) or lack fields it added since (new fields
//! are `#[serde(default)]`). A value this version doesn't know in a known field (a new
//! platform, a new bot reason) is retried with growing delays so a newer consumer can take it,
//! and parked when the retries run out; parked messages are replayed by an operator.

use serde::Deserialize;

use super::event::{cap, is_event_id};
use super::funnel::{is_row_id, parse_queued, wire_error, Queued};

/// Largest message body decoded; a click event is a few hundred bytes (user agent ≤ 512).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Largest body kept in a parked dead letter (the Queue's own cap is 128 KB).
pub const MAX_PARKED_BYTES: usize = 64 * 1024;
/// Retry delays: never shorter than this, never longer than the cap.
pub const MIN_RETRY_SECS: u32 = 2;
pub const MAX_RETRY_SECS: u32 = 600;

/// Why a message was parked. The code is stable: operators filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poison {
    /// The body is neither text nor JSON the Queue could hand over.
    NotText,
    Oversized,
    MalformedJson,
    /// JSON, but not the shape of any event this version writes.
    WrongSchema,
    /// No usable event id to key the write on.
    BadId,
    /// The message used up its retries (it arrived through the dead-letter queue).
    RetriesExhausted,
}

impl Poison {
    pub fn code(self) -> &'static str {
        match self {
            Poison::NotText => "not-text",
            Poison::Oversized => "oversized",
            Poison::MalformedJson => "malformed-json",
            Poison::WrongSchema => "wrong-schema",
            Poison::BadId => "bad-id",
            Poison::RetriesExhausted => "retries-exhausted",
        }
    }
}

/// The consumer's reading of one message body.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// An event of any kind this version writes (clicks, funnel steps, conversions).
    Event(Box<Queued>),
    /// Well formed, but holds a value this version doesn't know yet: retry it later.
    Unknown(String),
    Poison(Poison, String),
}

fn short(e: &serde_json::Error) -> String {
    cap(&super::problem::json_reason(e), 200).to_owned()
}

/// Just the id, read when a body isn't a whole event (any other field is skipped).
#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
}

/// Decodes a message body. Never panics, whatever the bytes. Every kind of event goes through
/// [`parse_queued`]; only a body it refuses is looked at again, to say why.
pub fn decode(body: &str) -> Decoded {
    if body.len() > MAX_MESSAGE_BYTES {
        return Decoded::Poison(
            Poison::Oversized,
            format!("{} bytes, more than {MAX_MESSAGE_BYTES}", body.len()),
        );
    }
    if let Some(q) = parse_queued(body) {
        return Decoded::Event(Box::new(q));
    }
    let err = wire_error(body);
    if let Some(e) = err.as_ref().filter(|e| e.is_syntax() || e.is_eof()) {
        return Decoded::Poison(Poison::MalformedJson, short(e));
    }
    match serde_json::from_str::<IdOnly>(body) {
        Ok(IdOnly { id: Some(id) }) if is_event_id(&id) || is_row_id(&id) => {}
        _ => return Decoded::Poison(Poison::BadId, String::from("no valid event id")),
    }
    match err {
        // serde names an enum value it doesn't know this way; every other data error is a
        // shape no version of wakelink writes.
        Some(e) if e.to_string().starts_with("unknown variant") => Decoded::Unknown(short(&e)),
        Some(e) => Decoded::Poison(Poison::WrongSchema, short(&e)),
        None => Decoded::Poison(
            Poison::WrongSchema,
            String::from("lacks the fields its kind needs"),
        ),
    }
}

/// Delay before a failed message is tried again, from how long it has been in the Queue:
/// each retry waits about as long as the message has already waited, so delays double
/// (2 s, 2 s, 4 s, 8 s, … up to 10 min) and ten attempts span ~17 minutes of outage.
pub fn retry_delay_secs(age_ms: u64) -> u32 {
    let secs = (age_ms / 1000).min(u64::from(MAX_RETRY_SECS)) as u32;
    secs.clamp(MIN_RETRY_SECS, MAX_RETRY_SECS)
}

/// A dead letter as it is stored (serialized for the set-based insert).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parked {
    pub message_id: String,
    pub queue: String,
    pub reason: &'static str,
    pub detail: String,
    pub body: String,
    pub size: usize,
    pub truncated: bool,
}

pub fn park(message_id: &str, queue: &str, why: Poison, detail: &str, body: &str) -> Parked {
    let kept = cap(body, MAX_PARKED_BYTES);
    Parked {
        message_id: cap(message_id, 128).to_owned(),
        queue: cap(queue, 128).to_owned(),
        reason: why.code(),
        detail: cap(detail, 200).to_owned(),
        body: kept.to_owned(),
        size: body.len(),
        truncated: kept.len() < body.len(),
    }
}

/// Letters one cron run replays (one Queue batch send takes 100 messages).
pub const REPLAY_PER_RUN: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::phone_event;

    const ID: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

    fn body_of(e: &crate::domain::event::ClickEvent) -> serde_json::Value {
        serde_json::to_value(e).unwrap()
    }

    #[test]
    fn a_click_decodes() {
        let e = phone_event(ID, 1_000, Some(3));
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(decode(&text), Decoded::Event(Box::new(Queued::Click(e))));
    }

    #[test]
    fn fields_from_other_versions_are_tolerated() {
        let e = phone_event(ID, 1_000, Some(3));
        // A newer version added a field: ignored.
        let mut v = body_of(&e);
        v["landing_step"] = "coupon-shown".into();
        v["schema"] = 3.into();
        assert_eq!(
            decode(&v.to_string()),
            Decoded::Event(Box::new(Queued::Click(e.clone())))
        );
        // An older version didn't write the optional fields: defaults.
        let mut v = body_of(&e);
        for k in [
            "variant",
            "recipient",
            "target",
            "vendor",
            "in_app",
            "country",
            "ip_prefix",
            "user_agent",
        ] {
            v.as_object_mut().unwrap().remove(k);
        }
        assert!(matches!(decode(&v.to_string()), Decoded::Event(_)));
    }

    #[test]
    fn an_unknown_value_waits_for_a_newer_consumer() {
        let mut v = body_of(&phone_event(ID, 1_000, None));
        v["platform"] = "harmonyos-next".into();
        assert!(
            matches!(decode(&v.to_string()), Decoded::Unknown(m) if m.contains("harmonyos-next"))
        );
        let mut v = body_of(&phone_event(ID, 1_000, None));
        v["bot_reason"] = "quantum-scanner".into();
        assert!(matches!(decode(&v.to_string()), Decoded::Unknown(_)));
    }

    #[test]
    fn poison_is_named() {
        let e = body_of(&phone_event(ID, 1_000, None));
        let mut no_id = e.clone();
        no_id["id"] = "no id!".into();
        let mut wrong = e.clone();
        wrong["ts"] = "yesterday".into();
        let mut missing = e.clone();
        missing.as_object_mut().unwrap().remove("platform");
        let cases = [
            ("{", Poison::MalformedJson),
            ("", Poison::MalformedJson),
            ("null", Poison::BadId),
            (&no_id.to_string(), Poison::BadId),
            (&wrong.to_string(), Poison::WrongSchema),
            (&missing.to_string(), Poison::WrongSchema),
        ];
        for (body, want) in cases {
            match decode(body) {
                Decoded::Poison(p, _) => assert_eq!(p, want, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        let huge = format!(
            "{{\"id\":\"{ID}\",\"pad\":\"{}\"}}",
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(matches!(
            decode(&huge),
            Decoded::Poison(Poison::Oversized, _)
        ));
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let d: Vec<u32> = [0, 1_500, 2_000, 4_000, 9_999, 3_600_000]
            .iter()
            .map(|a| retry_delay_secs(*a))
            .collect();
        assert_eq!(d, vec![2, 2, 2, 4, 9, 600]);
        // Simulated: each retry waits its delay; ten attempts span minutes, not seconds.
        let mut age = 0u64;
        for _ in 0..10 {
            age += u64::from(retry_delay_secs(age)) * 1000;
        }
        assert!(age >= 10 * 60 * 1000, "{age}");
    }

    #[test]
    fn parked_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(MAX_PARKED_BYTES);
        let p = park("m1", "q", Poison::Oversized, "too big", &body);
        assert!(p.truncated && p.body.len() <= MAX_PARKED_BYTES && p.size == body.len());
        assert_eq!(p.reason, "oversized");
        let p = park("m1", "q", Poison::MalformedJson, "x", "{");
        assert!(!p.truncated && p.body == "{");
    }
}
