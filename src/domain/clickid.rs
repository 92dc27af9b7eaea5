//! Signed click ids: what the edge puts into a landing page (and into the deep link it opens)
//! so that later funnel steps can be bound to the click that started them.
//!
//! A click id names the click's event id, the link code and, for per-recipient links, the
//! recipient's sequence number, with a 96-bit HMAC-SHA256 tag over all three. Whoever holds a
//! click id can report steps for *that* click on *that* link only: changing any field, or
//! presenting it for another link, fails verification. The event id is time-ordered, so a
//! verified click id also says when the click happened (and how old it is).
//!
//! Layout (ASCII, URL-safe, no escaping needed in HTML attributes or query strings):
//!
//! ```text
//! {event id, 26 Crockford base32}.{code}[.{seq, decimal}].{kid digit}{tag, 16 base64url}
//! ```
//!
//! Keys: derived from the recipient-token keys (`WAKELINK_SIGNING_KEYS`), one per key id, as
//! `HMAC(secret, "wakelink/click-id/v1")`. A click id is signed with the minting key and checked
//! with any listed key, so key rotation works as it does for tokens; no new secret is needed.
//!
//! Interface used by the landing page and `POST /e`:
//!
//! ```
//! use wakelink::domain::clickid::ClickKeys;
//! use wakelink::domain::code::ShortCode;
//! use wakelink::domain::token::Keyring;
//!
//! let keys = ClickKeys::derive(&Keyring::parse(&format!("1:{}", "42".repeat(32))).unwrap());
//! let code = ShortCode::parse("demo").unwrap();
//! let id = keys.sign(&code, "01KAQ4Z0000000000000000000", Some(7));
//! let click = keys.verify(&id).unwrap();
//! assert_eq!((click.code.as_str(), click.recipient), ("demo", Some(7)));
//! assert!(keys.verify(&id.replace(".demo.", ".other.")).is_none());
//! ```

use hmac::Mac;
use subtle::ConstantTimeEq;

use super::code::ShortCode;
use super::event::{event_time, is_event_id};
use super::time::UnixMs;
use super::token::{HmacSha256, KeyId, Keyring, SEQ_LIMIT};

/// Label of the key derivation; bump the version if the layout ever changes.
const DERIVE_LABEL: &[u8] = b"wakelink/click-id/v1";
/// Bytes of HMAC-SHA256 kept as the tag (96 bits).
const TAG_BYTES: usize = 12;
/// Longest click id looked at: event id, 64-char code, 13-digit seq, kid, tag and dots.
pub const MAX_CLICK_ID_LEN: usize = 26 + 1 + 64 + 1 + 13 + 1 + 1 + 16;

/// Keys for signing and checking click ids, derived once from the token keyring.
#[derive(Clone)]
pub struct ClickKeys {
    keys: [Option<HmacSha256>; 8],
    minting: KeyId,
}

impl std::fmt::Debug for ClickKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClickKeys(minting {})", self.minting)
    }
}

/// What a verified click id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClick {
    /// The click event's id (the `id` of its row in the click log).
    pub event_id: String,
    pub code: ShortCode,
    pub recipient: Option<u64>,
    /// When the click happened, Unix ms (from the event id).
    pub at: UnixMs,
}

impl ClickKeys {
    /// One derived key per key id of `keyring`; the keyring's minting key signs.
    pub fn derive(keyring: &Keyring) -> ClickKeys {
        let mut keys: [Option<HmacSha256>; 8] = Default::default();
        for kid in keyring.key_ids() {
            if let Some(base) = keyring.keyed(*kid) {
                let mut mac = base.clone();
                mac.update(DERIVE_LABEL);
                let derived = mac.finalize().into_bytes();
                // HMAC takes keys of any length, so this never fails.
                keys[usize::from(kid.get())] = HmacSha256::new_from_slice(&derived).ok();
            }
        }
        ClickKeys {
            keys,
            minting: keyring.minting_key(),
        }
    }

    /// The click id of event `event_id` on link `code` (recipient `recipient` if per-recipient).
    pub fn sign(&self, code: &ShortCode, event_id: &str, recipient: Option<u64>) -> String {
        let tag = self.keys[usize::from(self.minting.get())]
            .as_ref()
            .map(|k| tag(k, event_id, code.as_str(), recipient))
            .unwrap_or_default();
        let mut out = String::with_capacity(64 + code.as_str().len());
        out.push_str(event_id);
        out.push('.');
        out.push_str(code.as_str());
        if let Some(r) = recipient {
            out.push('.');
            out.push_str(&r.to_string());
        }
        out.push('.');
        out.push(char::from(b'0' + self.minting.get()));
        base64url(&tag, &mut out);
        out
    }

    /// Checks a click id. Every failure — shape, unknown key, wrong tag, a field changed — is
    /// the same `None`.
    pub fn verify(&self, click_id: &str) -> Option<VerifiedClick> {
        if click_id.len() > MAX_CLICK_ID_LEN {
            return None;
        }
        let mut parts = click_id.split('.');
        let event_id = parts.next()?;
        let code = parts.next()?;
        let third = parts.next()?;
        let (recipient, sig) = match parts.next() {
            Some(sig) => (Some(parse_seq(third)?), sig),
            None => (None, third),
        };
        if parts.next().is_some() || !is_event_id(event_id) {
            return None;
        }
        let code = ShortCode::parse(code).ok()?;
        let (kid, given) = match sig.as_bytes() {
            [d @ b'0'..=b'7', rest @ ..] => (KeyId::new(d - b'0')?, rest),
            _ => return None,
        };
        let key = self.keys[usize::from(kid.get())].as_ref()?;
        let mut want = String::with_capacity(16);
        base64url(&tag(key, event_id, code.as_str(), recipient), &mut want);
        if !bool::from(want.as_bytes().ct_eq(given)) {
            return None;
        }
        Some(VerifiedClick {
            event_id: event_id.to_owned(),
            at: event_time(event_id)?,
            code,
            recipient,
        })
    }
}

/// Canonical decimal below [`SEQ_LIMIT`]: no sign, no leading zeros.
fn parse_seq(s: &str) -> Option<u64> {
    let canonical = !s.is_empty() && s.len() <= 13 && (s == "0" || !s.starts_with('0'));
    if !canonical || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n < SEQ_LIMIT)
}

/// The first 96 bits of HMAC(key, event_id ‖ 0 ‖ code ‖ 0 ‖ seq or "-"). Neither the event
/// id nor the code holds a 0 byte, so the encoding is unambiguous.
fn tag(key: &HmacSha256, event_id: &str, code: &str, recipient: Option<u64>) -> [u8; TAG_BYTES] {
    let mut mac = key.clone();
    mac.update(event_id.as_bytes());
    mac.update(&[0]);
    mac.update(code.as_bytes());
    mac.update(&[0]);
    match recipient {
        Some(r) => mac.update(r.to_string().as_bytes()),
        None => mac.update(b"-"),
    }
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_BYTES];
    out.copy_from_slice(&full[..TAG_BYTES]);
    out
}

/// Unpadded base64url of a 12-byte tag (16 characters).
fn base64url(bytes: &[u8; TAG_BYTES], out: &mut String) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(A[((n >> shift) & 63) as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::event_id;

    fn keys(spec: &str) -> ClickKeys {
        ClickKeys::derive(&Keyring::parse(spec).unwrap())
    }

    fn k1() -> ClickKeys {
        keys(&format!("1:{},2:{}", "42".repeat(32), "43".repeat(32)))
    }

    fn code(s: &str) -> ShortCode {
        ShortCode::parse(s).unwrap()
    }

    #[test]
    fn round_trip_with_and_without_recipient() {
        let k = k1();
        let ev = event_id(1_763_884_800_123, [1; 10]);
        for r in [None, Some(0), Some(1), Some(SEQ_LIMIT - 1)] {
            let id = k.sign(&code("spring_sms-1"), &ev, r);
            assert!(id.len() <= MAX_CLICK_ID_LEN, "{id}");
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
            let v = k.verify(&id).unwrap();
            assert_eq!(v.event_id, ev);
            assert_eq!(v.code, code("spring_sms-1"));
            assert_eq!(v.recipient, r);
            assert_eq!(v.at, 1_763_884_800_123);
        }
    }

    #[test]
    fn any_change_is_refused() {
        let k = k1();
        let ev = event_id(1_763_884_800_123, [1; 10]);
        let id = k.sign(&code("demo"), &ev, Some(5));
        let other_ev = event_id(1_763_884_800_124, [1; 10]);
        let forged = [
            id.replace(".demo.", ".demo2."),
            id.replace(".5.", ".6."),
            id.replace(".5.", "."),
            id.replace(".5.", ".05."),
            id.replace(&ev, &other_ev),
            id.replace(".1", ".2"),
            id.replace(".1", ".3"),
            format!("{id}A"),
            id[..id.len() - 1].to_owned(),
            format!("{id}.1"),
            String::new(),
            "...".into(),
        ];
        for f in &forged {
            assert!(k.verify(f).is_none(), "{f}");
        }
        // Flip each tag character in turn.
        let tag_start = id.len() - 16;
        for i in tag_start..id.len() {
            let mut b = id.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            assert!(k.verify(std::str::from_utf8(&b).unwrap()).is_none());
        }
        // A campaign-link click id is not a recipient one, nor the other way round.
        let plain = k.sign(&code("demo"), &ev, None);
        let (head, sig) = plain.rsplit_once('.').unwrap();
        assert!(k.verify(&format!("{head}.5.{sig}")).is_none());
    }

    #[test]
    fn keys_rotate_like_tokens() {
        let old = keys(&format!("2:{}", "43".repeat(32)));
        let ev = event_id(1, [0; 10]);
        let id = old.sign(&code("demo"), &ev, None);
        // Still listed (not minting): verifies. Dropped: refused. Another secret: refused.
        assert!(k1().verify(&id).is_some());
        assert!(keys(&format!("1:{}", "42".repeat(32)))
            .verify(&id)
            .is_none());
        assert!(keys(&format!("2:{}", "44".repeat(32)))
            .verify(&id)
            .is_none());
    }

    #[test]
    fn click_ids_are_not_recipient_tokens() {
        // Same secret, different derivation: a token's MAC never checks out as a click id tag.
        let ring = Keyring::parse(&format!("1:{}", "42".repeat(32))).unwrap();
        let c = code("demo");
        let link = crate::domain::token::LinkRef {
            code: &c,
            generation: None,
        };
        let token = ring
            .mint(link, 5, None, crate::domain::token::Kind::Link)
            .unwrap();
        let ck = ClickKeys::derive(&ring);
        assert!(ck.verify(token.as_str()).is_none());
        assert!(format!("{ck:?}").len() < 40);
    }
}
