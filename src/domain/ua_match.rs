//! The classifier's matcher: how one needle of [`super::ua_rules`] is tested on a lowercased
//! user agent (substrings with word boundaries, device-model shapes, and the structural
//! heuristics of the crawler family), and the walk over a table's prefilter candidates.
//! [`super::visitor`] decides what the matches mean.

use super::ua_rules::{
    Heuristic, Needle, BROWSER_TOKENS, COMPATIBLE_BROWSERS, CPU_WORDS, HOST_TLDS, NOT_BOT_WORDS,
    PLATFORM_RULES, SYSTEM_WORDS,
};
use super::ua_scan::{Candidates, Table, COMPATIBLE};

/// The first entry of `rules` (which is `table`) that passes `test`, among the candidates.
pub(super) fn first<'r, R>(
    rules: &'r [R],
    scan: &Candidates,
    table: Table,
    test: impl Fn(&R) -> bool,
) -> Option<&'r R> {
    scan.of(table)
        .filter_map(|i| rules.get(i))
        .find(|rule| test(rule))
}

/// [`matches`] on the string `scan` was made of: a `Contains` needle that is a candidate after
/// a scan occurs, so unless hits in `skip` must be left out, it needs no search.
pub(super) fn found_in(needle: Needle, lower: &str, skip: Option<Span>, scan: &Candidates) -> bool {
    match needle {
        Needle::Contains(text) if skip.is_none() && scan.occurs(text) => true,
        _ => matches(needle, lower, skip),
    }
}

/// Whether any of `tokens` (which is `table`) occurs in `lower`.
pub(super) fn any_token(lower: &str, tokens: &[&str], scan: &Candidates, table: Table) -> bool {
    scan.of(table)
        .filter_map(|i| tokens.get(i))
        .any(|token| scan.occurs(token) || lower.contains(token))
}

/// A byte range in the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Span {
    pub(super) fn overlaps(self, start: usize, end: usize) -> bool {
        start < self.end && self.start < end
    }
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Whether `needle` matches `hay`. Hits that overlap `skip` (the device-model slot, for bot
/// rules) do not count. Heuristics are tested without a prefilter here (the bot walk passes
/// its scan to [`heuristic`] itself).
pub(super) fn matches(needle: Needle, hay: &str, skip: Option<Span>) -> bool {
    let bytes = hay.as_bytes();
    let found = |pat: &str, accept: &dyn Fn(usize, usize) -> bool| {
        hay.match_indices(pat).any(|(start, _)| {
            let end = start + pat.len();
            !skip.is_some_and(|span| span.overlaps(start, end)) && accept(start, end)
        })
    };
    match needle {
        Needle::Contains(pat) => found(pat, &|_, _| true),
        Needle::Prefix(pat) => hay.starts_with(pat),
        Needle::WordStart(pat) => found(pat, &|start, _| {
            start == 0 || !is_word_byte(bytes[start - 1])
        }),
        Needle::Word(pat) => found(pat, &|start, end| {
            (start == 0 || !is_word_byte(bytes[start - 1]))
                && (end == bytes.len() || !is_word_byte(bytes[end]))
        }),
        Needle::WordEnd(pat) => found(pat, &|start, end| {
            if end < bytes.len() && bytes[end].is_ascii_alphabetic() {
                return false;
            }
            let mut word_start = start;
            while word_start > 0 && bytes[word_start - 1].is_ascii_alphabetic() {
                word_start -= 1;
            }
            !NOT_BOT_WORDS.contains(&&hay[word_start..end])
        }),
        Needle::Versioned(pat) => found(pat, &|start, end| {
            (start == 0 || !is_word_byte(bytes[start - 1]))
                && bytes.get(end).is_some_and(u8::is_ascii_digit)
        }),
        Needle::Shape(pat) => shape_matches(pat.as_bytes(), bytes),
        Needle::Heuristic(h) => heuristic(h, hay, &Candidates::all()),
    }
}

/// Whether the whole of `hay` fits `pat`: `@` a letter, `#` a digit, `%` either, `+` a digit but
/// `0`, `~` a
/// `0` or `1`, a final `*` any tail, anything else itself.
pub(super) fn shape_matches(pat: &[u8], hay: &[u8]) -> bool {
    let mut at = 0;
    loop {
        match (pat.get(at), hay.get(at)) {
            (Some(b'*'), _) | (None, None) => return true,
            (Some(&p), Some(&h)) if fits(p, h) => at += 1,
            _ => return false,
        }
    }
}

/// Whether byte `h` fits shape byte `p` (see [`shape_matches`]).
fn fits(p: u8, h: u8) -> bool {
    match p {
        b'@' => h.is_ascii_alphabetic(),
        b'#' => h.is_ascii_digit(),
        b'%' => h.is_ascii_alphanumeric(),
        b'+' => matches!(h, b'1'..=b'9'),
        b'~' => h == b'0' || h == b'1',
        _ => p == h,
    }
}

pub(super) fn heuristic(h: Heuristic, lower: &str, scan: &Candidates) -> bool {
    match h {
        Heuristic::NotABrowser => {
            !any_token(lower, BROWSER_TOKENS, scan, Table::BrowserTokens)
                && !groups(lower).any(|group| {
                    has_screen_size(group) || names_platform(group, scan) && names_cpu(group)
                })
        }
        Heuristic::CompatibleNonBrowser => {
            scan.any(Table::Compatible)
                && lower.contains(COMPATIBLE)
                && !any_token(lower, COMPATIBLE_BROWSERS, scan, Table::CompatibleBrowsers)
        }
        Heuristic::ContactAddress => has_contact_address(lower),
        Heuristic::HostName => has_host_name(lower, scan),
        Heuristic::MozillaOnly => {
            let other_browser_token = scan
                .of(Table::BrowserTokens)
                .filter_map(|k| BROWSER_TOKENS.get(k))
                .any(|token| *token != "mozilla/" && (scan.occurs(token) || lower.contains(token)));
            lower.starts_with("mozilla/")
                && !other_browser_token
                && !any_token(lower, COMPATIBLE_BROWSERS, scan, Table::CompatibleBrowsers)
                && first(PLATFORM_RULES, scan, Table::Platform, |rule| {
                    found_in(rule.needle, lower, None, scan)
                })
                .is_none()
                && !groups(lower).any(|group| SYSTEM_WORDS.iter().any(|w| group.contains(w)))
        }
    }
}

/// The parenthesised groups of `lower`, each with its brackets ("(win10 x64)"); an unclosed
/// last group runs to the end.
fn groups(lower: &str) -> impl Iterator<Item = &str> {
    let mut rest = lower;
    std::iter::from_fn(move || {
        let open = rest.find('(')?;
        let group = &rest[open..];
        let end = group.find(')').map_or(group.len(), |at| at + 1);
        rest = &group[end..];
        Some(&group[..end])
    })
}

/// Whether a group names a platform of [`PLATFORM_RULES`]. `scan` is of the whole string, so
/// it filters the rules for a part of it too.
fn names_platform(group: &str, scan: &Candidates) -> bool {
    first(PLATFORM_RULES, scan, Table::Platform, |rule| {
        matches(rule.needle, group, None)
    })
    .is_some()
}

/// Whether a group names a CPU architecture of [`CPU_WORDS`] as a whole word.
fn names_cpu(group: &str) -> bool {
    CPU_WORDS
        .iter()
        .any(|word| matches(Needle::Word(word), group, None))
}

/// Whether a group holds a screen size: two to four digits, `x`, two to four digits, as a
/// whole word ("153x130", "1920x1080").
fn has_screen_size(group: &str) -> bool {
    group
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| match word.split_once('x') {
            Some((w, h)) => [w, h]
                .iter()
                .all(|n| (2..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())),
            None => false,
        })
}

/// A word of two or more letters or digits, then one of [`HOST_TLDS`], then `/`, a space,
/// `)`, `;` or the end.
fn has_host_name(lower: &str, scan: &Candidates) -> bool {
    let bytes = lower.as_bytes();
    scan.of(Table::HostTlds)
        .filter_map(|k| HOST_TLDS.get(k))
        .any(|tld| {
            lower.match_indices(tld).any(|(at, _)| {
                let end = at + tld.len();
                let name = bytes[..at]
                    .iter()
                    .rev()
                    .take_while(|b| is_word_byte(**b) || **b == b'-')
                    .count();
                name >= 2
                    && bytes
                        .get(end)
                        .is_none_or(|b| matches!(b, b'/' | b' ' | b')' | b';'))
            })
        })
}

/// `local@host.tld`: a word character before the `@`, then a host with a dot and a
/// letters-only top-level label of two or more.
fn has_contact_address(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    lower.match_indices('@').any(|(at, _)| {
        if at == 0 || !is_word_byte(bytes[at - 1]) {
            return false;
        }
        let host_len = bytes[at + 1..]
            .iter()
            .take_while(|b| is_word_byte(**b) || matches!(b, b'.' | b'-'))
            .count();
        let host = &lower[at + 1..at + 1 + host_len];
        match host.trim_end_matches('.').rsplit_once('.') {
            Some((name, tld)) => {
                !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
            }
            None => false,
        }
    })
}

#[cfg(test)]
#[path = "ua_match_tests.rs"]
mod tests;
