//! Signed recipient tokens: the second path segment of a per-recipient link,
//! `https://host/{code}/{token}`.
//!
//! A token carries a recipient sequence number, a key id and an optional expiry, and a 44-bit
//! truncated HMAC-SHA256 tag over those fields, the link code, the link's *generation* (a random
//! nonce made when the link is created, so a deleted and re-created code starts clean) and the
//! token's *kind* (a normal link, or a honeypot link meant to be hidden in an e-mail). Neither
//! the code, the generation nor the kind takes room in the token: the edge has the link when it
//! checks the token, and the kind is told apart by which tag matches. The edge checks a token
//! with the key alone: no lookup. The format is described in `docs/tokens.md`.
//!
//! ```
//! use wakelink::domain::code::ShortCode;
//! use wakelink::domain::token::{Generation, Keyring, Kind, LinkRef};
//!
//! // A test key: 32 bytes of 0x42, hex-encoded. Real keys come from `wakelink keygen`.
//! let keys = Keyring::parse(&format!("0:{}", "42".repeat(32))).unwrap();
//! let code = ShortCode::parse("demo").unwrap();
//! let link = LinkRef { code: &code, generation: Some(Generation::new(7)) };
//! let token = keys.mint(link, 1, None, Kind::Link).unwrap();
//! let who = keys.verify(link, token.as_str(), 1_800_000_000).unwrap();
//! assert_eq!((who.seq, who.kind, who.expired), (1, Kind::Link, false));
//! // The same code re-created (a new generation) does not take the old token.
//! let again = LinkRef { code: &code, generation: Some(Generation::new(8)) };
//! assert!(keys.verify(again, token.as_str(), 1_800_000_000).is_none());
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
pub const MAX_CANONICAL_LEN: usize = 21;
/// Unix seconds of 2020-01-01T00:00:00Z, second 0 of the expiry field.
pub const EPOCH_UNIX: u64 = 1_577_836_800;
/// Expiries are below this Unix second (2020-01-01 + 2^32 s, i.e. 2156-02-07T06:28:16Z).
pub const EXPIRY_LIMIT_UNIX: u64 = EPOCH_UNIX + (1 << 32);

const TAG_MASK: u128 = (1 << TAG_BITS) - 1;
/// Every decoded integer is below this: 44 tag + 3 kid + 1 flag + 40 seq + 32 expiry bits.
const N_LIMIT: u128 = 1 << (TAG_BITS + 3 + 1 + 40 + 32);
/// Domain separation for the MAC input of the current format.
const MAC_DOMAIN: &[u8; 4] = b"wl2\0";
/// The first format (expiry as a whole UTC day, no generation, no kind); still verified for
/// links stored before generations existed, so links sent then keep working.
const MAC_DOMAIN_V1: &[u8; 4] = b"wl1\0";
/// Domain separation for reservation receipts ([`Keyring::receipt_tag`]).
const RECEIPT_DOMAIN: &[u8; 4] = b"wlr\0";
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

/// A link's generation: 64 random bits chosen when the link is created, kept when it is
/// replaced, new when the code is deleted and created again. Written as 16 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Generation(u64);

impl Generation {
    pub fn new(n: u64) -> Generation {
        Generation(n)
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// Exactly 16 hex digits.
    ///
    /// ```
    /// use wakelink::domain::token::Generation;
    /// let g = Generation::parse("00000000000000ff").unwrap();
    /// assert_eq!((g.get(), g.to_string()), (255, "00000000000000ff".to_string()));
    /// assert!(Generation::parse("ff").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Generation> {
        (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok().map(Generation))
            .flatten()
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What a token is bound to: the link's code and generation. `generation` is `None` only for
/// links stored before generations existed; their older tokens keep verifying.
#[derive(Debug, Clone, Copy)]
pub struct LinkRef<'a> {
    pub code: &'a ShortCode,
    pub generation: Option<Generation>,
}

/// The two kinds of per-recipient token. They look alike; only the tag tells them apart, so a
/// scanner can't pick the honeypot out of a message by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The link the recipient is meant to tap.
    Link,
    /// A link hidden in an e-mail: a hit on it comes from a scanner, not a person.
    Honeypot,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Link => 0,
            Kind::Honeypot => 1,
        }
    }
}

/// Who an authentic token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    pub seq: u64,
    pub key_id: KeyId,
    pub kind: Kind,
    /// The Unix second from which the token no longer opens the link, if it has an expiry.
    pub expires_at: Option<u64>,
    /// True when the token is authentic but its expiry has passed: a real recipient, late.
    pub expired: bool,
}

/// A minted token: 1–21 characters of `[0-9A-Za-z]`.
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
    /// The expiry is before 2020 or not below [`EXPIRY_LIMIT_UNIX`].
    ExpiryOutOfRange,
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MintError::SeqOutOfRange => "sequence number is 2^40 or more",
            MintError::ExpiryOutOfRange => "expiry is before 2020 or after 2156-02-07",
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

    /// Mint the token of `kind` for recipient `seq` of `link`, no longer valid from the Unix
    /// second `expires_at` on, if given.
    pub fn mint(
        &self,
        link: LinkRef<'_>,
        seq: u64,
        expires_at: Option<u64>,
        kind: Kind,
    ) -> Result<RecipientToken, MintError> {
        let mut buf = TokenBuf::new();
        self.mint_into(link, seq, expires_at, kind, &mut buf)?;
        Ok(RecipientToken(buf.as_str().to_owned()))
    }

    /// [`Keyring::mint`] without allocating: the token is written into `buf`.
    pub fn mint_into<'b>(
        &self,
        link: LinkRef<'_>,
        seq: u64,
        expires_at: Option<u64>,
        kind: Kind,
        buf: &'b mut TokenBuf,
    ) -> Result<&'b str, MintError> {
        if seq >= SEQ_LIMIT {
            return Err(MintError::SeqOutOfRange);
        }
        let expiry = match expires_at {
            None => None,
            Some(t) if (EPOCH_UNIX..EXPIRY_LIMIT_UNIX).contains(&t) => {
                Some((t - EPOCH_UNIX) as u32)
            }
            Some(_) => return Err(MintError::ExpiryOutOfRange),
        };
        let fields = Fields {
            seq,
            kid: self.minting,
            expiry,
        };
        let tag = match &self.keys[usize::from(self.minting.0)] {
            Some(mac) => tag_v2(mac, link, kind, &fields),
            // `minting` is always one of the parsed keys.
            None => 0,
        };
        encode(fields.pack(tag, Layout::V2), buf);
        Ok(buf.as_str())
    }

    /// Check `token` for `link` at Unix second `now`. Every failure — bad characters, a
    /// non-canonical form, an unknown or retired key id, a wrong tag, another link's or another
    /// generation's token — is the same `None`. An authentic token past its expiry is returned
    /// with `expired` set: that is a real recipient, just late.
    pub fn verify(&self, link: LinkRef<'_>, token: &str, now: u64) -> Option<Recipient> {
        let n = decode(token.as_bytes())?;
        if let Some((f, given)) = Fields::unpack(n, Layout::V2) {
            if let Some(mac) = &self.keys[usize::from(f.kid.0)] {
                for kind in [Kind::Link, Kind::Honeypot] {
                    if bool::from(tag_v2(mac, link, kind, &f).ct_eq(&given)) {
                        let expires_at = f.expiry.map(|e| EPOCH_UNIX + u64::from(e));
                        return Some(f.recipient(kind, expires_at, now));
                    }
                }
            }
        }
        // Tokens of the first format name no generation: only links without one take them.
        if link.generation.is_none() {
            if let Some((f, given)) = Fields::unpack(n, Layout::V1) {
                let mac = self.keys[usize::from(f.kid.0)].as_ref()?;
                if bool::from(tag_v1(mac, link.code, &f).ct_eq(&given)) {
                    // A first-format expiry is a day, valid through its end in UTC.
                    let expires_at = f.expiry.map(|d| EPOCH_UNIX + (u64::from(d) + 1) * 86_400);
                    return Some(f.recipient(Kind::Link, expires_at, now));
                }
            }
        }
        None
    }

    /// A 64-bit tag over `message` with key `kid`, for receipts the CLI checks offline (a
    /// reservation of sequence numbers). `None` if the key id is not active.
    pub fn receipt_tag(&self, kid: KeyId, message: &[u8]) -> Option<u64> {
        let keyed = self.keys[usize::from(kid.0)].as_ref()?;
        let mut input = Vec::with_capacity(RECEIPT_DOMAIN.len() + message.len());
        input.extend_from_slice(RECEIPT_DOMAIN);
        input.extend_from_slice(message);
        Some(first_64_bits(keyed, &input))
    }

    /// The first format's token (expiry day, no generation): kept for tests of the links sent
    /// before generations existed, which must keep resolving.
    #[cfg(test)]
    fn mint_v1(&self, code: &ShortCode, seq: u64, day: Option<u16>) -> String {
        let fields = Fields {
            seq,
            kid: self.minting,
            expiry: day.map(u32::from),
        };
        let tag = self.keys[usize::from(self.minting.0)]
            .as_ref()
            .map_or(0, |mac| tag_v1(mac, code, &fields));
        let mut buf = TokenBuf::new();
        encode(fields.pack(tag, Layout::V1), &mut buf);
        buf.as_str().to_owned()
    }
}

/// How the expiry is carried: a day (first format) or a second (current).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    V1,
    V2,
}

impl Layout {
    fn expiry_bits(self) -> u32 {
        match self {
            Layout::V1 => 16,
            Layout::V2 => 32,
        }
    }
}

/// The signed fields of a token.
struct Fields {
    seq: u64,
    kid: KeyId,
    /// Seconds since 2020-01-01 (V2) or a day number (V1).
    expiry: Option<u32>,
}

impl Fields {
    /// `n = tag + 2^44 · (kid + 8 · (flag + 2 · X))`, with `X = seq` without expiry and
    /// `X = seq · 2^b + expiry` with one (`b` = 32, or 16 in the first format).
    fn pack(&self, tag: u64, layout: Layout) -> u128 {
        let (flag, x) = match self.expiry {
            None => (0u128, u128::from(self.seq)),
            Some(e) => (
                1,
                (u128::from(self.seq) << layout.expiry_bits()) | u128::from(e),
            ),
        };
        let upper = u128::from(self.kid.0) + 8 * (flag + 2 * x);
        (upper << TAG_BITS) | (u128::from(tag) & TAG_MASK)
    }

    /// The inverse of [`Fields::pack`]; `None` for integers no mint produces.
    fn unpack(n: u128, layout: Layout) -> Option<(Fields, u64)> {
        let bits = layout.expiry_bits();
        if n >= N_LIMIT {
            return None;
        }
        let tag = (n & TAG_MASK) as u64;
        let upper = n >> TAG_BITS;
        let kid = KeyId((upper & 7) as u8);
        let flag = (upper >> 3) & 1;
        let x = upper >> 4;
        let (seq, expiry) = if flag == 0 {
            (x, None)
        } else {
            (x >> bits, Some((x & ((1 << bits) - 1)) as u32))
        };
        let seq = u64::try_from(seq).ok().filter(|s| *s < SEQ_LIMIT)?;
        Some((Fields { seq, kid, expiry }, tag))
    }

    fn recipient(&self, kind: Kind, expires_at: Option<u64>, now: u64) -> Recipient {
        Recipient {
            seq: self.seq,
            key_id: self.kid,
            kind,
            expires_at,
            expired: expires_at.is_some_and(|at| now >= at),
        }
    }
}

/// The first 64 bits of HMAC-SHA256(key, input), big-endian.
fn first_64_bits(keyed: &HmacSha256, input: &[u8]) -> u64 {
    let mut mac = keyed.clone();
    mac.update(input);
    let out = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&out[..8]);
    u64::from_be_bytes(first)
}

/// The first [`TAG_BITS`] bits of HMAC-SHA256(key, input).
fn first_bits(keyed: &HmacSha256, input: &[u8]) -> u64 {
    first_64_bits(keyed, input) >> (64 - TAG_BITS)
}

/// The first 44 bits of HMAC-SHA256(key, input), where input is
/// `"wl2\0" ‖ kind ‖ has_generation ‖ generation (8 bytes BE) ‖ len(code) ‖ code ‖ seq (8 BE) ‖
/// kid ‖ flag ‖ expiry (4 BE)`. Everything but the code has a fixed width, and the code is
/// length-prefixed, so the encoding is unambiguous.
fn tag_v2(keyed: &HmacSha256, link: LinkRef<'_>, kind: Kind, fields: &Fields) -> u64 {
    let code = link.code.as_str().as_bytes();
    let mut input = [0u8; 4 + 2 + 8 + 1 + MAX_CODE_LEN + 14];
    input[..4].copy_from_slice(MAC_DOMAIN);
    input[4] = kind.byte();
    input[5] = u8::from(link.generation.is_some());
    input[6..14].copy_from_slice(&link.generation.map_or(0, Generation::get).to_be_bytes());
    // ShortCode holds at most 64 bytes, so the length fits a byte and the buffer.
    let code_len = code.len().min(MAX_CODE_LEN);
    input[14] = code_len as u8;
    input[15..15 + code_len].copy_from_slice(&code[..code_len]);
    let tail = 15 + code_len;
    input[tail..tail + 8].copy_from_slice(&fields.seq.to_be_bytes());
    input[tail + 8] = fields.kid.0;
    input[tail + 9] = u8::from(fields.expiry.is_some());
    input[tail + 10..tail + 14].copy_from_slice(&fields.expiry.unwrap_or(0).to_be_bytes());
    first_bits(keyed, &input[..tail + 14])
}

/// The first format's tag: `"wl1\0" ‖ len(code) ‖ code ‖ seq (8 BE) ‖ kid ‖ flag ‖ day (2 BE)`.
fn tag_v1(keyed: &HmacSha256, code: &ShortCode, fields: &Fields) -> u64 {
    let code = code.as_str().as_bytes();
    let mut input = [0u8; 4 + 1 + MAX_CODE_LEN + 12];
    input[..4].copy_from_slice(MAC_DOMAIN_V1);
    let code_len = code.len().min(MAX_CODE_LEN);
    input[4] = code_len as u8;
    input[5..5 + code_len].copy_from_slice(&code[..code_len]);
    let tail = 5 + code_len;
    input[tail..tail + 8].copy_from_slice(&fields.seq.to_be_bytes());
    input[tail + 8] = fields.kid.0;
    input[tail + 9] = u8::from(fields.expiry.is_some());
    // First-format expiries are days, 16 bits.
    let day = fields.expiry.unwrap_or(0) as u16;
    input[tail + 10..tail + 12].copy_from_slice(&day.to_be_bytes());
    first_bits(keyed, &input[..tail + 12])
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
#[path = "token_tests.rs"]
mod tests;
