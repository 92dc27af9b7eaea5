//! Reserving sequence numbers: one counter per link, so two send lists for the same code (a
//! second wave, a CLI list after an API list) never hand out the same number — the same link —
//! to two people.
//!
//! The worker takes a range from the counter in one atomic statement and records it in D1
//! (`reservations`), before any token for it exists. The recipients API draws from the same
//! counter; the CLI asks for a range (`POST /api/v1/links/{code}/reservations`) or, offline,
//! takes a *receipt* for one: a range signed with the token key, which it checks before
//! minting, so an offline list can only use numbers the ledger gave out.

use super::code::ShortCode;
use super::ledger::MAX_SEQ;
use super::problem::Problem;
use super::token::{Generation, KeyId, Keyring};

/// Most numbers one reservation takes (one send list; bigger lists reserve again).
pub const MAX_RESERVATION: u64 = 50_000_000;

/// `POST /api/v1/links/{code}/reservations` body: `{"count": N}`.
pub struct ReservationInput;

impl ReservationInput {
    /// The number of sequence numbers asked for, 1..=[`MAX_RESERVATION`].
    pub fn parse(body: &[u8]) -> Result<u64, Problem> {
        let input: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        let count = input
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("count"))
            .ok_or_else(|| Problem::bad_request("invalid-json", "expected {\"count\": N}"))?;
        count
            .as_u64()
            .filter(|n| (1..=MAX_RESERVATION).contains(n))
            .ok_or_else(|| Problem::invalid("count", "must be a whole number from 1 to 50000000"))
    }
}

/// A range of sequence numbers given to one send list, `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub first: u64,
    pub last: u64,
}

impl Range {
    /// The range of `count` numbers after `taken` (the counter's value), or `None` when the
    /// link has no numbers left.
    pub fn after(taken: u64, count: u64) -> Option<Range> {
        let first = taken.checked_add(1)?;
        let last = taken.checked_add(count)?;
        (count >= 1 && last <= MAX_SEQ).then_some(Range { first, last })
    }

    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A reservation as the CLI carries it offline: which link (code and generation), which range,
/// and a tag from the token key over all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub generation: Option<Generation>,
    pub range: Range,
    pub key_id: KeyId,
    tag: u64,
}

const RECEIPT_VERSION: &str = "r1";

fn receipt_message(code: &ShortCode, generation: Option<Generation>, range: Range) -> Vec<u8> {
    let mut m = Vec::with_capacity(96);
    m.push(code.as_str().len() as u8);
    m.extend_from_slice(code.as_str().as_bytes());
    m.push(u8::from(generation.is_some()));
    m.extend_from_slice(&generation.map_or(0, Generation::get).to_be_bytes());
    m.extend_from_slice(&range.first.to_be_bytes());
    m.extend_from_slice(&range.last.to_be_bytes());
    m
}

impl Receipt {
    /// Signs `range` of link `code` (generation `generation`) with the minting key.
    pub fn sign(
        keys: &Keyring,
        code: &ShortCode,
        generation: Option<Generation>,
        range: Range,
    ) -> Option<Receipt> {
        let key_id = keys.minting_key();
        let tag = keys.receipt_tag(key_id, &receipt_message(code, generation, range))?;
        Some(Receipt {
            generation,
            range,
            key_id,
            tag,
        })
    }

    /// `r1.{first}-{last}.{generation or "none"}.{kid}.{tag}`: one token to paste into
    /// `wakelink mint --reservation`.
    ///
    /// ```
    /// use wakelink::domain::code::ShortCode;
    /// use wakelink::domain::reserve::{Range, Receipt};
    /// use wakelink::domain::token::{Generation, Keyring};
    /// let keys = Keyring::parse(&format!("0:{}", "42".repeat(32))).unwrap();
    /// let code = ShortCode::parse("spring").unwrap();
    /// let r = Receipt::sign(&keys, &code, Some(Generation::new(1)), Range { first: 1, last: 500 }).unwrap();
    /// let text = r.to_string();
    /// assert!(text.starts_with("r1.1-500.0000000000000001.0."));
    /// assert_eq!(Receipt::check(&text, &keys, &code), Ok(r));
    /// assert!(Receipt::check(&text, &keys, &ShortCode::parse("autumn").unwrap()).is_err());
    /// ```
    pub fn check(text: &str, keys: &Keyring, code: &ShortCode) -> Result<Receipt, &'static str> {
        const BAD: &str = "not a reservation receipt (r1.FIRST-LAST.GENERATION.KID.TAG)";
        let mut parts = text.trim().split('.');
        if parts.next() != Some(RECEIPT_VERSION) {
            return Err(BAD);
        }
        let (first, last) = parts.next().and_then(|r| r.split_once('-')).ok_or(BAD)?;
        let first: u64 = first.parse().map_err(|_| BAD)?;
        let last: u64 = last.parse().map_err(|_| BAD)?;
        if first == 0 || first > last || last > MAX_SEQ {
            return Err(BAD);
        }
        let generation = match parts.next().ok_or(BAD)? {
            "none" => None,
            g => Some(Generation::parse(g).ok_or(BAD)?),
        };
        let key_id = parts
            .next()
            .and_then(|k| k.parse::<u8>().ok())
            .and_then(KeyId::new)
            .ok_or(BAD)?;
        let tag = parts
            .next()
            .filter(|t| t.len() == 16)
            .and_then(|t| u64::from_str_radix(t, 16).ok())
            .ok_or(BAD)?;
        if parts.next().is_some() {
            return Err(BAD);
        }
        let range = Range { first, last };
        let want = keys
            .receipt_tag(key_id, &receipt_message(code, generation, range))
            .ok_or("the receipt's key id is not in the signing keys")?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&want, &tag)) {
            return Err("the receipt was not issued for this link by this server (or was altered)");
        }
        Ok(Receipt {
            generation,
            range,
            key_id,
            tag,
        })
    }
}

impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{RECEIPT_VERSION}.{}-{}.",
            self.range.first, self.range.last
        )?;
        match self.generation {
            Some(g) => write!(f, "{g}")?,
            None => f.write_str("none")?,
        }
        write!(f, ".{}.{:016x}", self.key_id, self.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keyring {
        Keyring::parse(&format!("3:{},1:{}", "42".repeat(32), "43".repeat(32))).unwrap()
    }

    #[test]
    fn counts_and_ranges() {
        assert_eq!(ReservationInput::parse(br#"{"count":500}"#), Ok(500));
        for bad in [
            r#"{"count":0}"#,
            r#"{"count":-1}"#,
            r#"{"count":1.5}"#,
            r#"{"count":"5"}"#,
            r#"{"count":50000001}"#,
        ] {
            assert_eq!(
                ReservationInput::parse(bad.as_bytes())
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("count"),
                "{bad}"
            );
        }
        assert_eq!(
            ReservationInput::parse(b"{}").unwrap_err().code,
            "invalid-json"
        );
        assert_eq!(Range::after(0, 3), Some(Range { first: 1, last: 3 }));
        assert_eq!(Range::after(10, 1).map(|r| r.len()), Some(1));
        assert_eq!(Range::after(MAX_SEQ - 1, 1).map(|r| r.last), Some(MAX_SEQ));
        assert_eq!(Range::after(MAX_SEQ - 1, 2), None);
        assert_eq!(Range::after(0, 0), None);
    }

    #[test]
    fn receipts_are_checked() {
        let k = keys();
        let code = ShortCode::parse("wave").unwrap();
        let range = Range {
            first: 1001,
            last: 2000,
        };
        let r = Receipt::sign(&k, &code, Some(Generation::new(42)), range).unwrap();
        let text = r.to_string();
        assert_eq!(Receipt::check(&text, &k, &code), Ok(r));
        let legacy = Receipt::sign(&k, &code, None, range).unwrap().to_string();
        assert!(legacy.contains(".none."));
        assert!(Receipt::check(&legacy, &k, &code).is_ok());
        // Any edit breaks it: a wider range, another generation, another code, another key.
        let tampered = [
            text.replace("1001-2000", "1001-2001"),
            text.replace("1001-2000", "1-2000"),
            text.replace("000000000000002a", "000000000000002b"),
            text.replace(".3.", ".1."),
            format!("{text}0"),
            text[..text.len() - 1].to_string(),
            legacy.replace(".none.", ".0000000000000000."),
            String::from("r1.5-1.none.3.0000000000000000"),
            String::new(),
        ];
        for t in tampered {
            assert!(Receipt::check(&t, &k, &code).is_err(), "{t}");
        }
        assert!(Receipt::check(&text, &k, &ShortCode::parse("other").unwrap()).is_err());
        let other_keys = Keyring::parse(&format!("3:{}", "44".repeat(32))).unwrap();
        assert!(Receipt::check(&text, &other_keys, &code).is_err());
    }
}
