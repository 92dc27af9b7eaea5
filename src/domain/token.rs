//! Signed recipient tokens: the second path segment of a per-recipient link,
//! `https://host/{code}/{token}`.
//!
//! A token carries a recipient sequence number, a key id and an optional expiry day, and a
//! 44-bit truncated HMAC-SHA256 tag over those fields *and the link code*. The code itself is
//! not in the token, so a token minted for one link fails on every other link. The edge checks a
//! token with the key alone: no lookup. The format is described in `docs/tokens.md`.
//!
//! ```
//! use wakelink::domain::code::ShortCode;
//! use wakelink::domain::token::Keyring;
//!
//! // A test key: 32 bytes of 0x42, hex-encoded. Real keys come from `wakelink keygen`.
//! let keys = Keyring::parse(&format!("0:{}", "42".repeat(32))).unwrap();
//! let code = ShortCode::parse("demo").unwrap();
//! let token = keys.mint(&code, 1, None).unwrap();
//! let who = keys.verify(&code, token.as_str(), 2300).unwrap();
//! assert_eq!(who.seq, 1);
//! assert!(keys.verify(&ShortCode::parse("other").unwrap(), token.as_str(), 2300).is_none());
//! ```

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::code::{ShortCode, MAX_CODE_LEN};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Sequence numbers are below this cap (2^40, about 1.1 × 10^12 recipients per link).
pub const SEQ_LIMIT: u64 = 1 << 40;
/// Bits of HMAC-SHA256 kept as the tag.
pub const TAG_BITS: u32 = 44;
/// Longest token the decoder looks at. Canonical tokens are at most [`MAX_CANONICAL_LEN`]
/// characters; anything longer than this is rejected before arithmetic.
pub const MAX_TOKEN_LEN: usize = 22;
/// Longest token [`Keyring::mint`] can produce (seq just under 2^40, expiry, kid 7).
pub const MAX_CANONICAL_LEN: usize = 18;
/// Unix seconds of 2020-01-01T00:00:00Z, day 0 of the expiry calendar.
pub const DAY_ZERO_UNIX: u64 = 1_577_836_800;

const TAG_MASK: u128 = (1 << TAG_BITS) - 1;
/// Every decoded integer is below this: 44 tag + 3 kid + 1 flag + 40 seq + 16 day bits.
const N_LIMIT: u128 = 1 << (TAG_BITS + 3 + 1 + 40 + 16);
/// Domain separation for the MAC input; bump the digit if the layout ever changes.
const MAC_DOMAIN: &[u8; 4] = b"wl1\0";
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Secrets shorter than this (decoded) are refused.
pub const MIN_SECRET_BYTES: usize = 32;
/// Secrets longer than this (decoded) are refused: they add nothing to HMAC-SHA256.
pub const MAX_SECRET_BYTES: usize = 128;

/// A key id, 0..=7. It is carried in every token, so keys can rotate without a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(u8);

impl KeyId {
    pub const MAX: u8 = 7;

    pub fn new(id: u8) -> Option<KeyId> {
        (id <= Self::MAX).then_some(KeyId(id))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who a verified token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    pub seq: u64,
    pub key_id: KeyId,
    /// Last valid day (inclusive), in days since 2020-01-01 UTC.
    pub expires_day: Option<u16>,
}

/// A minted token: 1–18 characters of `[0-9A-Za-z]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecipientToken(String);

impl RecipientToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecipientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stack buffer for [`Keyring::mint_into`], for callers minting millions of tokens.
#[derive(Clone, Copy)]
pub struct TokenBuf {
    bytes: [u8; MAX_TOKEN_LEN],
    start: usize,
}

impl TokenBuf {
    pub fn new() -> TokenBuf {
        TokenBuf {
            bytes: [0; MAX_TOKEN_LEN],
            start: MAX_TOKEN_LEN,
        }
    }

    pub fn as_str(&self) -> &str {
        // The buffer only ever holds ASCII from ALPHABET, so this cannot fail; the fallback keeps
        // the request path free of panics all the same.
        std::str::from_utf8(&self.bytes[self.start..]).unwrap_or("")
    }
}

impl Default for TokenBuf {
    fn default() -> Self {
        TokenBuf::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MintError {
    /// The sequence number is not below [`SEQ_LIMIT`].
    SeqOutOfRange,
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MintError::SeqOutOfRange => "sequence number is 2^40 or more",
        })
    }
}

impl std::error::Error for MintError {}

/// Why a key spec was refused. Messages never include secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringError {
    /// No `kid:secret` entry at all.
    Empty,
    /// An entry without `:`.
    MissingColon,
    /// A key id that is not a single digit 0–7.
    BadKeyId,
    /// The same key id listed twice.
    DuplicateKeyId(KeyId),
    /// A secret that is neither hex nor base64url.
    BadSecret(KeyId),
    /// A secret shorter than 32 bytes once decoded.
    ShortSecret(KeyId),
    /// A secret longer than 128 bytes once decoded.
    LongSecret(KeyId),
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyringError::Empty => f.write_str("no signing key"),
            KeyringError::MissingColon => f.write_str("key entry is not kid:secret"),
            KeyringError::BadKeyId => f.write_str("key id must be a digit 0-7"),
            KeyringError::DuplicateKeyId(k) => write!(f, "key id {k} listed twice"),
            KeyringError::BadSecret(k) => write!(f, "key {k}: secret is not hex or base64url"),
            KeyringError::ShortSecret(k) => write!(f, "key {k}: secret is under 32 bytes"),
            KeyringError::LongSecret(k) => write!(f, "key {k}: secret is over 128 bytes"),
        }
    }
}

impl std::error::Error for KeyringError {}

/// The active signing keys, each held as a precomputed keyed HMAC state.
///
/// The first key listed mints; every listed key verifies. A key id left out of the spec is
/// retired: its tokens stop verifying.
#[derive(Clone)]
pub struct Keyring {
    keys: [Option<HmacSha256>; 8],
    minting: KeyId,
    /// Key ids in the order given, for `Debug` and [`Keyring::key_ids`].
    order: Vec<KeyId>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("minting", &self.minting.0)
            .field(
                "key_ids",
                &self.order.iter().map(|k| k.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// Parse `"kid:secret,kid:secret"`. A secret is hex (an even number of `[0-9a-fA-F]`) or
    /// else base64url (`[A-Za-z0-9_-]`, `=` padding allowed), 32–128 bytes decoded. Spaces
    /// around entries are ignored. The first entry is the minting key.
    pub fn parse(spec: &str) -> Result<Keyring, KeyringError> {
        let mut keys: [Option<HmacSha256>; 8] = Default::default();
        let mut order = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, secret) = entry.split_once(':').ok_or(KeyringError::MissingColon)?;
            let kid = match kid.trim().as_bytes() {
                [d @ b'0'..=b'7'] => KeyId(d - b'0'),
                _ => return Err(KeyringError::BadKeyId),
            };
            if keys[usize::from(kid.0)].is_some() {
                return Err(KeyringError::DuplicateKeyId(kid));
            }
            let mut raw = decode_secret(secret.trim()).ok_or(KeyringError::BadSecret(kid))?;
            let checked = if raw.len() < MIN_SECRET_BYTES {
                Err(KeyringError::ShortSecret(kid))
            } else if raw.len() > MAX_SECRET_BYTES {
                Err(KeyringError::LongSecret(kid))
            } else {
                // Any key length is valid for HMAC, so this never fails.
                HmacSha256::new_from_slice(&raw).map_err(|_| KeyringError::BadSecret(kid))
            };
            raw.fill(0);
            keys[usize::from(kid.0)] = Some(checked?);
            order.push(kid);
        }
        let minting = *order.first().ok_or(KeyringError::Empty)?;
        Ok(Keyring {
            keys,
            minting,
            order,
        })
    }

    /// The key id new tokens are minted with.
    pub fn minting_key(&self) -> KeyId {
        self.minting
    }

    /// Active key ids, minting key first.
    pub fn key_ids(&self) -> &[KeyId] {
        &self.order
    }

    /// The keyed MAC state of `kid`, for MACs derived from the same secrets under their own
    /// domain separation (see [`super::clickid`]).
    pub(crate) fn keyed(&self, kid: KeyId) -> Option<&HmacSha256> {
        self.keys[usize::from(kid.0)].as_ref()
    }

    /// Mint the token for recipient `seq` of link `code`, valid through `expires_day`
    /// (days since 2020-01-01, inclusive) if given.
    pub fn mint(
        &self,
        code: &ShortCode,
        seq: u64,
        expires_day: Option<u16>,
    ) -> Result<RecipientToken, MintError> {
        let mut buf = TokenBuf::new();
        self.mint_into(code, seq, expires_day, &mut buf)?;
        Ok(RecipientToken(buf.as_str().to_owned()))
    }

    /// [`Keyring::mint`] without allocating: the token is written into `buf`.
    pub fn mint_into<'b>(
        &self,
        code: &ShortCode,
        seq: u64,
        expires_day: Option<u16>,
        buf: &'b mut TokenBuf,
    ) -> Result<&'b str, MintError> {
        if seq >= SEQ_LIMIT {
            return Err(MintError::SeqOutOfRange);
        }
        let fields = Fields {
            seq,
            kid: self.minting,
            expires_day,
        };
        let tag = match &self.keys[usize::from(self.minting.0)] {
            Some(mac) => tag(mac, code, &fields),
            // `minting` is always one of the parsed keys.
            None => 0,
        };
        encode(fields.pack(tag), buf);
        Ok(buf.as_str())
    }

    /// Check `token` for link `code` on day `today` (days since 2020-01-01). Every failure —
    /// bad characters, a non-canonical form, an unknown or retired key id, a wrong tag, an
    /// expired token, another link's token — is the same `None`.
    pub fn verify(&self, code: &ShortCode, token: &str, today: u16) -> Option<Recipient> {
        let n = decode(token.as_bytes())?;
        let (fields, given) = Fields::unpack(n)?;
        let mac = self.keys[usize::from(fields.kid.0)].as_ref()?;
        let ok: bool = tag(mac, code, &fields).ct_eq(&given).into();
        let live = fields.expires_day.is_none_or(|last| today <= last);
        (ok && live).then_some(Recipient {
            seq: fields.seq,
            key_id: fields.kid,
            expires_day: fields.expires_day,
        })
    }
}

/// Day number (days since 2020-01-01 UTC) of a Unix time, saturating to `0..=u16::MAX`.
pub fn day_from_unix_secs(secs: u64) -> u16 {
    let days = secs.saturating_sub(DAY_ZERO_UNIX) / 86_400;
    u16::try_from(days).unwrap_or(u16::MAX)
}

/// The signed fields of a token.
struct Fields {
    seq: u64,
    kid: KeyId,
    expires_day: Option<u16>,
}

impl Fields {
    /// `n = tag + 2^44 · (kid + 8 · (flag + 2 · X))`, with `X = seq` without expiry and
    /// `X = seq · 2^16 + day` with one.
    fn pack(&self, tag: u64) -> u128 {
        let (flag, x) = match self.expires_day {
            None => (0u128, u128::from(self.seq)),
            Some(day) => (1, (u128::from(self.seq) << 16) | u128::from(day)),
        };
        let upper = u128::from(self.kid.0) + 8 * (flag + 2 * x);
        (upper << TAG_BITS) | (u128::from(tag) & TAG_MASK)
    }

    /// The inverse of [`Fields::pack`]; `None` for integers no mint produces.
    fn unpack(n: u128) -> Option<(Fields, u64)> {
        if n >= N_LIMIT {
            return None;
        }
        let tag = (n & TAG_MASK) as u64;
        let upper = n >> TAG_BITS;
        let kid = KeyId((upper & 7) as u8);
        let flag = (upper >> 3) & 1;
        let x = upper >> 4;
        let (seq, expires_day) = if flag == 0 {
            (x, None)
        } else {
            (x >> 16, Some((x & 0xffff) as u16))
        };
        let seq = u64::try_from(seq).ok().filter(|s| *s < SEQ_LIMIT)?;
        Some((
            Fields {
                seq,
                kid,
                expires_day,
            },
            tag,
        ))
    }
}

/// The first 44 bits of HMAC-SHA256(key, input), where input is
/// `"wl1\0" ‖ len(code) (1 byte) ‖ code ‖ seq (8 bytes BE) ‖ kid ‖ flag ‖ day (2 bytes BE)`.
/// Everything after the code has a fixed width, so the encoding is unambiguous.
fn tag(keyed: &HmacSha256, code: &ShortCode, fields: &Fields) -> u64 {
    let code = code.as_str().as_bytes();
    let mut input = [0u8; MAC_DOMAIN.len() + 1 + MAX_CODE_LEN + 12];
    input[..4].copy_from_slice(MAC_DOMAIN);
    // ShortCode holds at most 64 bytes, so the length fits a byte and the buffer.
    let code_len = code.len().min(MAX_CODE_LEN);
    input[4] = code_len as u8;
    input[5..5 + code_len].copy_from_slice(&code[..code_len]);
    let tail = 5 + code_len;
    input[tail..tail + 8].copy_from_slice(&fields.seq.to_be_bytes());
    input[tail + 8] = fields.kid.0;
    input[tail + 9] = u8::from(fields.expires_day.is_some());
    input[tail + 10..tail + 12].copy_from_slice(&fields.expires_day.unwrap_or(0).to_be_bytes());

    let mut mac = keyed.clone();
    mac.update(&input[..tail + 12]);
    let out = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&out[..8]);
    u64::from_be_bytes(first) >> (64 - TAG_BITS)
}

/// Base62, big-endian, no leading zeros (zero itself is `"0"`).
fn encode(n: u128, buf: &mut TokenBuf) {
    // One u128 division splits n into two u64 halves; the rest is cheap u64 arithmetic.
    const P10: u64 = 62u64.pow(10);
    let mut pos = MAX_TOKEN_LEN;
    let mut push = |pos: &mut usize, mut v: u64, digits: Option<usize>| {
        let mut written = 0;
        loop {
            *pos -= 1;
            buf.bytes[*pos] = ALPHABET[(v % 62) as usize];
            v /= 62;
            written += 1;
            match digits {
                Some(d) if written < d => {}
                Some(_) => break,
                None if v == 0 => break,
                None => {}
            }
        }
    };
    if n < u128::from(u64::MAX) {
        push(&mut pos, n as u64, None);
    } else {
        let low = (n % u128::from(P10)) as u64;
        let high = n / u128::from(P10);
        push(&mut pos, low, Some(10));
        if high < u128::from(u64::MAX) {
            push(&mut pos, high as u64, None);
        } else {
            push(&mut pos, (high % u128::from(P10)) as u64, Some(10));
            push(&mut pos, (high / u128::from(P10)) as u64, None);
        }
    }
    buf.start = pos;
}

/// The inverse of [`encode`]: `None` for an empty or over-long input, a byte outside the
/// alphabet, a leading `'0'` (unless the whole token is `"0"`), or overflow.
fn decode(token: &[u8]) -> Option<u128> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return None;
    }
    if token[0] == b'0' && token.len() > 1 {
        return None;
    }
    let mut n: u128 = 0;
    for &b in token {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => return None,
        };
        n = n.checked_mul(62)?.checked_add(u128::from(d))?;
    }
    Some(n)
}

/// Hex if the text is an even number of hex digits, else base64url (padding optional).
fn decode_secret(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.is_empty() && b.len().is_multiple_of(2) && b.iter().all(u8::is_ascii_hexdigit) {
        return Some(
            b.chunks_exact(2)
                .map(|p| (hex_val(p[0]) << 4) | hex_val(p[1]))
                .collect(),
        );
    }
    let trimmed = s.trim_end_matches('=');
    if trimmed.len() % 4 == 1 || s.len() - trimmed.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in trimmed.as_bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Canonical: the unused low bits of the last character are zero.
    if acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Clearly a test key: 32 bytes of 0x42.
    fn test_hex() -> String {
        "42".repeat(32)
    }

    fn ring(kids: &[u8]) -> Keyring {
        let spec: Vec<String> = kids
            .iter()
            .map(|k| {
                format!(
                    "{k}:{}",
                    "42".repeat(32).replacen("42", &format!("4{k}"), 1)
                )
            })
            .collect();
        Keyring::parse(&spec.join(",")).unwrap()
    }

    fn code(s: &str) -> ShortCode {
        ShortCode::parse(s).unwrap()
    }

    /// A keyring whose minting key is `kid`, with all eight keys active.
    fn ring_minting(kid: u8) -> Keyring {
        let mut kids: Vec<u8> = (0..8).collect();
        kids.retain(|k| *k != kid);
        kids.insert(0, kid);
        ring(&kids)
    }

    #[test]
    fn round_trip() {
        let keys = ring(&[3, 1]);
        let c = code("spring-26");
        for (seq, exp) in [
            (0, None),
            (1, None),
            (42, Some(2600)),
            (SEQ_LIMIT - 1, Some(u16::MAX)),
        ] {
            let t = keys.mint(&c, seq, exp).unwrap();
            let r = keys.verify(&c, t.as_str(), 2500).unwrap();
            assert_eq!(r.seq, seq);
            assert_eq!(r.key_id, KeyId(3));
            assert_eq!(r.expires_day, exp);
            assert!(t.as_str().len() <= MAX_CANONICAL_LEN, "{t}");
        }
        assert_eq!(
            keys.mint(&c, SEQ_LIMIT, None),
            Err(MintError::SeqOutOfRange)
        );
    }

    #[test]
    fn pack_unpack_and_encoding_are_inverse() {
        for (seq, kid, exp, tag) in [
            (0, 0, None, 0),
            (0, 0, None, TAG_MASK as u64),
            (9_999_999, 7, None, TAG_MASK as u64),
            (SEQ_LIMIT - 1, 7, Some(u16::MAX), TAG_MASK as u64),
            (123_456_789, 5, Some(0), 12345),
        ] {
            let f = Fields {
                seq,
                kid: KeyId(kid),
                expires_day: exp,
            };
            let n = f.pack(tag);
            let mut buf = TokenBuf::new();
            encode(n, &mut buf);
            assert_eq!(decode(buf.as_str().as_bytes()), Some(n));
            let (g, t) = Fields::unpack(n).unwrap();
            assert_eq!(
                (g.seq, g.kid, g.expires_day, t),
                (seq, KeyId(kid), exp, tag)
            );
        }
        let mut buf = TokenBuf::new();
        encode(0, &mut buf);
        assert_eq!(buf.as_str(), "0");
        encode(N_LIMIT - 1, &mut buf);
        assert_eq!(buf.as_str().len(), MAX_CANONICAL_LEN);
    }

    #[test]
    fn ten_million_recipients_fit_twelve_characters() {
        let c = code("x");
        for kid in 0..8 {
            let keys = ring_minting(kid);
            let t = keys.mint(&c, 9_999_999, None).unwrap();
            assert!(t.as_str().len() <= 12, "kid {kid}: {t}");
            // Worst case whatever the tag: all 44 tag bits set.
            let f = Fields {
                seq: 9_999_999,
                kid: KeyId(kid),
                expires_day: None,
            };
            let mut buf = TokenBuf::new();
            encode(f.pack(TAG_MASK as u64), &mut buf);
            assert!(buf.as_str().len() <= 12, "kid {kid}: {}", buf.as_str());
        }
    }

    #[test]
    fn known_answer() {
        // Pins the format. Cross-checked with Python's hmac module (see docs/tokens.md).
        let keys = Keyring::parse(&format!("0:{}", test_hex())).unwrap();
        let c = code("demo");
        assert_eq!(keys.mint(&c, 1, None).unwrap().as_str(), KAT_NO_EXPIRY);
        assert_eq!(keys.mint(&c, 1, Some(2556)).unwrap().as_str(), KAT_EXPIRY);
        let keys = Keyring::parse(&format!("7:{}", test_hex())).unwrap();
        assert_eq!(keys.mint(&c, 9_999_999, None).unwrap().as_str(), KAT_KID7);
    }
    const KAT_NO_EXPIRY: &str = "1I7zs2WuA";
    const KAT_EXPIRY: &str = "Mpq1rnLMO5h";
    const KAT_KID7: &str = "s5gl6WZ0APuf";

    #[test]
    fn other_link_expired_and_retired_fail() {
        let keys = ring(&[2, 5]);
        let (a, b) = (code("alpha"), code("beta"));
        let t = keys.mint(&a, 77, Some(2000)).unwrap();
        assert!(keys.verify(&a, t.as_str(), 2000).is_some());
        assert!(keys.verify(&a, t.as_str(), 2001).is_none(), "expired");
        assert!(keys.verify(&b, t.as_str(), 1000).is_none(), "other link");
        // Same secrets, kid 2 retired: only 5 remains.
        let retired = ring(&[5]);
        assert!(retired.verify(&a, t.as_str(), 1000).is_none());
        // Tokens of the key that stays active still verify.
        let t5 = ring(&[5, 2]).mint(&a, 77, None).unwrap();
        assert!(retired.verify(&a, t5.as_str(), 1000).is_some());
    }

    #[test]
    fn random_strings_never_verify() {
        let keys = ring(&[0, 1, 2, 3, 4, 5, 6, 7]);
        let c = code("demo");
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut ok = 0;
        let mut s = Vec::with_capacity(14);
        for _ in 0..100_000 {
            let len = 1 + (next() % 14) as usize;
            s.clear();
            s.extend((0..len).map(|_| ALPHABET[(next() % 62) as usize]));
            let t = std::str::from_utf8(&s).unwrap();
            ok += usize::from(keys.verify(&c, t, 0).is_some());
        }
        assert_eq!(ok, 0);
    }

    #[test]
    fn decoder_is_canonical() {
        assert_eq!(decode(b""), None);
        assert_eq!(decode(b"0"), Some(0));
        assert_eq!(decode(b"01"), None);
        assert_eq!(decode(b"a-b"), None);
        assert_eq!(decode(b"ab c"), None);
        assert_eq!(decode("é".as_bytes()), None);
        assert_eq!(decode(&[b'z'; 23]), None);
        assert_eq!(decode(&[b'z'; 22]), None, "overflows u128");
        assert!(decode(&[b'z'; 21]).is_some());
        assert!(Fields::unpack(decode(&[b'z'; 21]).unwrap()).is_none());
        assert!(Fields::unpack(N_LIMIT).is_none());
        // Without expiry, X must be a seq below 2^40.
        let beyond = ((u128::from(SEQ_LIMIT) * 2) * 8) << TAG_BITS;
        assert!(Fields::unpack(beyond).is_none());
    }

    #[test]
    fn keyring_parse() {
        let hex = test_hex();
        let b64 = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"; // 32 × 0x42
        let a = Keyring::parse(&format!("0:{hex}")).unwrap();
        let b = Keyring::parse(&format!(" 0:{b64}= ")).unwrap();
        let c = code("demo");
        assert_eq!(a.mint(&c, 9, None), b.mint(&c, 9, None));
        let r = Keyring::parse(&format!("4:{hex}, 1:{b64}")).unwrap();
        assert_eq!(r.minting_key(), KeyId(4));
        assert_eq!(r.key_ids(), &[KeyId(4), KeyId(1)]);
        assert_eq!(format!("{r:?}"), "Keyring { minting: 4, key_ids: [4, 1] }");

        let cases: &[(String, KeyringError)] = &[
            (String::new(), KeyringError::Empty),
            (" , ".into(), KeyringError::Empty),
            (hex.clone(), KeyringError::MissingColon),
            (format!("8:{hex}"), KeyringError::BadKeyId),
            (format!("01:{hex}"), KeyringError::BadKeyId),
            (
                format!("1:{hex},1:{b64}"),
                KeyringError::DuplicateKeyId(KeyId(1)),
            ),
            ("2:not base64!".into(), KeyringError::BadSecret(KeyId(2))),
            ("2:QkJ".into(), KeyringError::BadSecret(KeyId(2))), // non-canonical tail bits
            (
                format!("3:{}", "42".repeat(31)),
                KeyringError::ShortSecret(KeyId(3)),
            ),
            (
                format!("3:{}", "42".repeat(129)),
                KeyringError::LongSecret(KeyId(3)),
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(Keyring::parse(spec).map(|_| ()), Err(*want), "{spec:?}");
            let msg = want.to_string();
            assert!(!msg.contains("4242") && !msg.contains("QkJC"), "{msg}");
            assert_eq!(msg, msg.to_lowercase());
        }
    }

    #[test]
    fn days() {
        assert_eq!(day_from_unix_secs(0), 0);
        assert_eq!(day_from_unix_secs(DAY_ZERO_UNIX), 0);
        assert_eq!(day_from_unix_secs(DAY_ZERO_UNIX + 86_399), 0);
        assert_eq!(day_from_unix_secs(DAY_ZERO_UNIX + 86_400), 1);
        assert_eq!(day_from_unix_secs(1_767_139_200), 2191); // 2025-12-31
        assert_eq!(day_from_unix_secs(u64::MAX), u16::MAX);
    }

    fn minted() -> impl Strategy<Value = (u8, u64, Option<u16>, String)> {
        (
            0u8..8,
            prop_oneof![0u64..20_000_000, 0u64..SEQ_LIMIT],
            proptest::option::of(any::<u16>()),
            "[A-Za-z0-9_-]{1,64}".prop_filter("reserved", |c| ShortCode::parse(c).is_ok()),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_substitution_fails((kid, seq, exp, c) in minted(), pos in any::<prop::sample::Index>(), with in 0usize..62) {
            let keys = ring_minting(kid);
            let c = code(&c);
            let t = keys.mint(&c, seq, exp).unwrap().to_string();
            prop_assert!(keys.verify(&c, &t, 0).is_some());
            let mut b = t.clone().into_bytes();
            let i = pos.index(b.len());
            prop_assume!(b[i] != ALPHABET[with]);
            b[i] = ALPHABET[with];
            prop_assert!(keys.verify(&c, std::str::from_utf8(&b).unwrap(), 0).is_none());
        }

        #[test]
        fn any_truncation_or_extension_fails((kid, seq, exp, c) in minted(), cut in any::<prop::sample::Index>(), extra in 0usize..62) {
            let keys = ring_minting(kid);
            let c = code(&c);
            let t = keys.mint(&c, seq, exp).unwrap().to_string();
            let keep = cut.index(t.len());
            prop_assert!(keys.verify(&c, &t[..keep], 0).is_none());
            let ch = ALPHABET[extra] as char;
            let appended = format!("{t}{ch}");
            let prepended = format!("{ch}{t}");
            prop_assert!(keys.verify(&c, &appended, 0).is_none());
            prop_assert!(keys.verify(&c, &prepended, 0).is_none());
        }

        #[test]
        fn other_code_fails((kid, seq, exp, a) in minted(), b in "[A-Za-z0-9_-]{1,64}") {
            prop_assume!(a != b && ShortCode::parse(&b).is_ok());
            let keys = ring_minting(kid);
            let t = keys.mint(&code(&a), seq, exp).unwrap();
            prop_assert!(keys.verify(&code(&b), t.as_str(), 0).is_none());
        }

        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,30}") {
            let _ = ring(&[0]).verify(&code("demo"), &s, 0);
        }
    }
}
