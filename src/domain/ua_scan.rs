//! The classifier's prefilter: which entries of the rule tables can match a user agent,
//! found in one pass over its bytes.
//!
//! Every entry of the tables that [`super::visitor`] walks (platform, in-app, vendor, model,
//! bot and generated bot rules, and the heuristics' token lists) has a slot: its table's
//! offset plus its position. Every distinct literal needle text is filed by a hash of its
//! first two bytes into [`BUCKETS`] buckets, with the slots of the entries that use it.
//! [`Index::scan`] lowercases the user agent into a buffer and, at each byte, compares only the
//! few texts filed under the bucket of the byte pair starting there. Each text found marks its
//! entries as [`Candidates`]; entries without a literal text of two or more bytes (heuristics,
//! shapes) always are.
//!
//! An entry whose text does not occur cannot match, so the walk in [`super::visitor`] visits
//! only the candidates, in table order, and tests each one as before (boundaries, the model
//! slot, the start of the string): the prefilter never changes a result, it only skips work.
//! The index is built once per process (per isolate, in the worker) from the tables
//! themselves, so a rule added to a table is filtered with no further step.

use std::sync::OnceLock;

use super::agent::MAX_UA_LEN;
use super::ua_rules::{
    generated_needle, Needle, BOT_RULES, BROWSER_TOKENS, COMPATIBLE_BROWSERS,
    GENERATED_BOT_NEEDLES, HOST_TLDS, IN_APP_RULES, MODEL_RULES, PLATFORM_RULES, VENDOR_RULES,
};

/// Buckets for the first byte pair of a text (a power of two; [`bucket`] gives 12 bits).
const BUCKETS: usize = 4096;

/// The literal a heuristic looks for besides its token lists.
pub const COMPATIBLE: &str = "compatible;";

/// The tables whose entries have slots, in slot order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Platform,
    InApp,
    Vendor,
    Model,
    Bot,
    Generated,
    BrowserTokens,
    CompatibleBrowsers,
    HostTlds,
    Compatible,
}

/// Entries per table, in the order of [`Table`].
const LENS: [usize; 10] = [
    PLATFORM_RULES.len(),
    IN_APP_RULES.len(),
    VENDOR_RULES.len(),
    MODEL_RULES.len(),
    BOT_RULES.len(),
    GENERATED_BOT_NEEDLES.len(),
    BROWSER_TOKENS.len(),
    COMPATIBLE_BROWSERS.len(),
    HOST_TLDS.len(),
    1,
];

/// The first slot of each table, and the total.
const OFFSETS: [usize; 11] = {
    let mut out = [0; 11];
    let mut i = 0;
    while i < LENS.len() {
        out[i + 1] = out[i] + LENS[i];
        i += 1;
    }
    out
};

const WORDS: usize = OFFSETS[10].div_ceil(64);

impl Table {
    const ALL: [Table; 10] = [
        Table::Platform,
        Table::InApp,
        Table::Vendor,
        Table::Model,
        Table::Bot,
        Table::Generated,
        Table::BrowserTokens,
        Table::CompatibleBrowsers,
        Table::HostTlds,
        Table::Compatible,
    ];

    /// The literal needle text of entry `i`, if it has one the scan can look for.
    fn text(self, i: usize) -> Option<&'static str> {
        let needle = match self {
            Table::Platform => PLATFORM_RULES.get(i).map(|r| r.needle),
            Table::InApp => IN_APP_RULES.get(i).map(|r| r.needle),
            Table::Vendor => VENDOR_RULES.get(i).map(|r| r.needle),
            Table::Model => MODEL_RULES.get(i).map(|r| r.needle),
            Table::Bot => BOT_RULES.get(i).map(|r| r.needle),
            Table::Generated => GENERATED_BOT_NEEDLES
                .get(i)
                .and_then(|l| generated_needle(l)),
            Table::BrowserTokens => BROWSER_TOKENS.get(i).map(|t| Needle::Contains(t)),
            Table::CompatibleBrowsers => COMPATIBLE_BROWSERS.get(i).map(|t| Needle::Contains(t)),
            Table::HostTlds => HOST_TLDS.get(i).map(|t| Needle::Contains(t)),
            Table::Compatible => Some(Needle::Contains(COMPATIBLE)),
        };
        needle.and_then(literal)
    }

    /// The slots of this table's entries.
    fn slots(self) -> std::ops::Range<usize> {
        let t = self as usize;
        OFFSETS[t]..OFFSETS[t + 1]
    }
}

/// The entries that may match: a bit per slot.
#[derive(Clone, Copy)]
pub struct Candidates {
    bits: [u64; WORDS],
    /// Whether the bits come from a scan: then an entry with a text is a candidate exactly
    /// when its text occurs (see [`Candidates::occurs`]).
    scanned: bool,
}

impl Candidates {
    /// Every entry (no prefilter).
    pub fn all() -> Self {
        Candidates {
            bits: [u64::MAX; WORDS],
            scanned: false,
        }
    }

    fn none() -> Self {
        Candidates {
            bits: [0; WORDS],
            scanned: true,
        }
    }

    /// Whether `text`, the literal of a candidate entry, is known to occur without searching:
    /// true after a scan (a text of two bytes or more is a candidate only where it occurs).
    pub fn occurs(&self, text: &str) -> bool {
        self.scanned && text.len() >= 2
    }

    fn set(&mut self, slot: usize) {
        if let Some(w) = self.bits.get_mut(slot / 64) {
            *w |= 1 << (slot % 64);
        }
    }

    /// The positions in `table` of its candidate entries, in table order.
    pub fn of(&self, table: Table) -> Positions<'_> {
        let slots = table.slots();
        Positions {
            words: &self.bits,
            at: slots.start,
            first: slots.start,
            end: slots.end,
        }
    }

    /// Whether any entry of `table` is a candidate.
    pub fn any(&self, table: Table) -> bool {
        self.of(table).next().is_some()
    }
}

/// An iterator over the candidate positions of one table (see [`Candidates::of`]).
pub struct Positions<'a> {
    words: &'a [u64; WORDS],
    at: usize,
    first: usize,
    end: usize,
}

impl Iterator for Positions<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.at < self.end {
            let word = self.words.get(self.at / 64)? >> (self.at % 64);
            if word == 0 {
                self.at = (self.at / 64 + 1) * 64;
                continue;
            }
            let slot = self.at + word.trailing_zeros() as usize;
            if slot >= self.end {
                break;
            }
            self.at = slot + 1;
            return Some(slot - self.first);
        }
        self.at = self.end;
        None
    }
}

/// The bucket of a text's first three bytes (the low three bytes of `word`): a multiplicative
/// hash, top 12 bits.
fn bucket(word: u32) -> usize {
    ((word & 0x00ff_ffff).wrapping_mul(0x9E37_79B1) >> 20) as usize
}

/// The literal text of a needle that the scan can look for, if any: not a shape (tested on
/// the whole model slot), not a heuristic, and two bytes or more.
fn literal(needle: Needle) -> Option<&'static str> {
    match needle {
        Needle::Shape(_) | Needle::Heuristic(_) => None,
        other => Some(other.text()).filter(|t| t.len() >= 2),
    }
}

/// An entry's needle text: its first four bytes (padded with zeros) and a mask of them, for a
/// quick test before the whole text is compared; the entry's slot; and the next text in the
/// same bucket ([`NONE`] at the end).
struct Text {
    bytes: &'static [u8],
    head: u32,
    mask: u32,
    slot: u16,
    next: u16,
}

/// The end of a bucket's chain.
const NONE: u16 = u16::MAX;

/// Up to four bytes from the start of `bytes`, as a little-endian word padded with zeros.
fn head(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    let n = bytes.len().min(4);
    word[..n].copy_from_slice(&bytes[..n]);
    u32::from_le_bytes(word)
}

/// Every entry's needle text, chained by bucket. Texts of three bytes or more are filed by
/// their first three bytes; two-byte texts (none today) are searched one by one.
pub struct Index {
    /// The first text of each bucket, or [`NONE`].
    first: Box<[u16; BUCKETS]>,
    /// A bit per bucket that holds a text: a few cache lines that rule most positions out.
    filled: [u64; BUCKETS / 64],
    texts: Vec<Text>,
    /// Two-byte texts.
    pairs: Vec<Text>,
    /// The slots of entries without a text: always candidates.
    always: Candidates,
}

impl Index {
    /// The index of the tables, built on first use.
    pub fn get() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(Index::build)
    }

    fn build() -> Index {
        let mut texts = Vec::with_capacity(OFFSETS[10]);
        for table in Table::ALL {
            for i in 0..table.slots().len() {
                texts.push(table.text(i));
            }
        }
        Index::of(&texts)
    }

    /// The index of entries with these texts (by slot; `None` for an entry without one).
    fn of(entries: &[Option<&'static str>]) -> Index {
        let mut index = Index {
            first: Box::new([NONE; BUCKETS]),
            filled: [0; BUCKETS / 64],
            texts: Vec::with_capacity(entries.len()),
            pairs: Vec::new(),
            always: Candidates::none(),
        };
        for (slot, text) in entries.iter().enumerate() {
            let Some(bytes) = text.map(str::as_bytes).filter(|t| t.len() >= 2) else {
                index.always.set(slot);
                continue;
            };
            let mut text = Text {
                bytes,
                head: head(bytes),
                mask: head(&[0xff; 4][..bytes.len().min(4)]),
                slot: slot as u16,
                next: NONE,
            };
            if bytes.len() == 2 {
                index.pairs.push(text);
                continue;
            }
            let b = bucket(text.head);
            text.next = index.first[b];
            index.first[b] = index.texts.len() as u16;
            index.filled[b / 64] |= 1 << (b % 64);
            index.texts.push(text);
        }
        index
    }

    /// Lowercases `ua` (ASCII only, at most [`MAX_UA_LEN`] bytes) into `buf` and returns the
    /// lowercased bytes with the entries that may match them.
    pub fn scan<'b>(&self, ua: &[u8], buf: &'b mut [u8; MAX_UA_LEN]) -> (&'b [u8], Candidates) {
        let len = ua.len().min(MAX_UA_LEN);
        lowercase_into(&ua[..len], buf);
        // Zeros after the string, so the window below reads them as padding.
        for b in buf.iter_mut().skip(len).take(3) {
            *b = 0;
        }
        let bytes = &buf[..];
        let mut found = self.always;
        // The four bytes from position `i`, the first in the low byte.
        let mut window = head(bytes);
        for i in 0..len {
            if i > 0 {
                let next = bytes.get(i + 3).copied().unwrap_or(0);
                window = window >> 8 | u32::from(next) << 24;
            }
            let b = bucket(window);
            if self.filled[b / 64] & 1 << (b % 64) == 0 {
                continue;
            }
            let mut at = self.first[b];
            while let Some(text) = self.texts.get(usize::from(at)) {
                if window & text.mask == text.head
                    && bytes.get(i..i + text.bytes.len()) == Some(text.bytes)
                {
                    found.set(usize::from(text.slot));
                }
                at = text.next;
            }
        }
        let lower = &buf[..len];
        for text in &self.pairs {
            if lower.windows(2).any(|w| w == text.bytes) {
                found.set(usize::from(text.slot));
            }
        }
        (lower, found)
    }
}

/// Copies `from` into `to` with ASCII letters lowercased, eight bytes at a time; other bytes
/// (including every byte of a multi-byte character) are copied as they are.
fn lowercase_into(from: &[u8], to: &mut [u8; MAX_UA_LEN]) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let mut chunks = from.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Per byte, with the top bit cleared (no carry between bytes): is it 'A'..='Z'?
        let low = x & !HIGH;
        let from_a = low + ONES * u64::from(0x80 - b'A');
        let past_z = low + ONES * u64::from(0x80 - b'Z' - 1);
        let upper = from_a & !past_z & !x & HIGH;
        if let Some(out) = to.get_mut(at..at + 8) {
            out.copy_from_slice(&(x | upper >> 2).to_le_bytes());
        }
        at += 8;
    }
    for (out, b) in to.iter_mut().skip(at).zip(chunks.remainder()) {
        *out = b.to_ascii_lowercase();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fit_and_tables_line_up() {
        assert!(OFFSETS[10] < usize::from(u16::MAX));
        assert_eq!(Table::Compatible.slots(), OFFSETS[9]..OFFSETS[10]);
        assert_eq!(Table::Bot.slots().len(), BOT_RULES.len());
        assert_eq!(
            Table::Generated.slots().len(),
            crate::domain::ua_rules::generated_bot_needles().count()
        );
        for (t, table) in Table::ALL.iter().enumerate() {
            assert_eq!(*table as usize, t);
        }
        let index = Index::get();
        assert!(index.texts.len() > 300, "{}", index.texts.len());
    }

    #[test]
    fn positions_walk_set_bits_in_order() {
        let mut c = Candidates::none();
        let bot = Table::Bot.slots();
        for p in [0, 1, 63, 64, 65, bot.len() - 1] {
            c.set(bot.start + p);
        }
        c.set(bot.end); // the next table's first entry
        c.set(bot.start - 1); // the previous table's last entry
        let got: Vec<usize> = c.of(Table::Bot).collect();
        assert_eq!(got, vec![0, 1, 63, 64, 65, bot.len() - 1]);
        assert!(!Candidates::none().any(Table::Platform));
        assert_eq!(
            Candidates::all().of(Table::Vendor).count(),
            VENDOR_RULES.len()
        );
    }

    /// An entry with a text is a candidate exactly when its text occurs in the lowercased
    /// string; one without is always a candidate.
    #[test]
    fn candidates_are_exact() {
        let index = Index::get();
        let samples = [
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.4.0",
            "WhatsApp/2.23.20.0 A",
            "",
            "x",
            "ÄÖÜ Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) FBAN/FBIOS",
        ];
        let bot_texts: Vec<Option<&str>> =
            (0..BOT_RULES.len()).map(|i| Table::Bot.text(i)).collect();
        for s in samples {
            let mut buf = [0; MAX_UA_LEN];
            let (lower, found) = index.scan(s.as_bytes(), &mut buf);
            let lower = std::str::from_utf8(lower).unwrap();
            assert_eq!(lower, s.to_ascii_lowercase());
            let mut dirty = [b'Q'; MAX_UA_LEN];
            assert_eq!(index.scan(s.as_bytes(), &mut dirty).0, lower.as_bytes());
            let got: Vec<usize> = found.of(Table::Bot).collect();
            let want: Vec<usize> = (0..BOT_RULES.len())
                .filter(|i| bot_texts[*i].is_none_or(|t| lower.contains(t)))
                .collect();
            assert_eq!(got, want, "{s:?}");
            let got: Vec<usize> = found.of(Table::BrowserTokens).collect();
            let want: Vec<usize> = (0..BROWSER_TOKENS.len())
                .filter(|i| lower.contains(BROWSER_TOKENS[*i]))
                .collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn lowercases_every_byte_value() {
        let all: Vec<u8> = (0..=255).chain(b'A'..=b'Z').chain(0..=255).collect();
        for len in 0..all.len().min(MAX_UA_LEN) {
            let mut buf = [0; MAX_UA_LEN];
            lowercase_into(&all[..len], &mut buf);
            assert_eq!(&buf[..len], &all[..len].to_ascii_lowercase()[..], "{len}");
        }
    }

    /// Texts of two bytes (searched apart from the buckets) and texts sharing a bucket or a
    /// text are found all the same.
    #[test]
    fn short_and_shared_texts() {
        let texts = [
            Some("qq"),
            Some("mozilla/"),
            None,
            Some("qq"),
            Some("moz"),
            Some("x"),
        ];
        let index = Index::of(&texts);
        let found = |s: &str| {
            let mut buf = [0; MAX_UA_LEN];
            let (_, c) = index.scan(s.as_bytes(), &mut buf);
            (0..texts.len())
                .filter(|slot| c.bits[slot / 64] & 1 << (slot % 64) != 0)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("Mozilla/5.0 QQ/1"), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(found("MOZ qq"), vec![0, 2, 3, 4, 5]);
        assert_eq!(found("q"), vec![2, 5]);
        assert_eq!(found(""), vec![2, 5]);
    }
}
