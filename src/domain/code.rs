//! Short codes: the first path segment of a link.

use std::fmt;

/// Longest short code accepted. Longer paths are rejected before any lookup.
pub const MAX_CODE_LEN: usize = 64;

/// First path segments that belong to wakelink itself and can never be link codes.
const RESERVED: &[&str] = &[
    "api",
    "admin",
    "sdk",
    "e",
    "favicon.ico",
    "robots.txt",
    "health",
    "open",
];

/// A checked short code: 1–64 characters of `[A-Za-z0-9_-]`, not a reserved word.
///
/// ```
/// use wakelink::domain::code::ShortCode;
/// assert!(ShortCode::parse("demo").is_ok());
/// assert!(ShortCode::parse("a/b").is_err());
/// assert!(ShortCode::parse("api").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    TooLong,
    InvalidChar,
    Reserved,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeError::Empty => "code is empty",
            CodeError::TooLong => "code is longer than 64 characters",
            CodeError::InvalidChar => "code may only hold letters, digits, '-' and '_'",
            CodeError::Reserved => "code is reserved",
        })
    }
}

impl ShortCode {
    pub fn parse(s: &str) -> Result<ShortCode, CodeError> {
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.len() > MAX_CODE_LEN {
            return Err(CodeError::TooLong);
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(CodeError::InvalidChar);
        }
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
            return Err(CodeError::Reserved);
        }
        Ok(ShortCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, Result<(), CodeError>)] = &[
            ("demo", Ok(())),
            ("Spring-2026_a", Ok(())),
            ("", Err(CodeError::Empty)),
            ("a.b", Err(CodeError::InvalidChar)),
            ("%2e", Err(CodeError::InvalidChar)),
            ("ünï", Err(CodeError::InvalidChar)),
            ("API", Err(CodeError::Reserved)),
            ("sdk", Err(CodeError::Reserved)),
        ];
        for (input, want) in cases {
            assert_eq!(ShortCode::parse(input).map(|_| ()), *want, "{input}");
        }
        assert_eq!(ShortCode::parse(&"a".repeat(65)), Err(CodeError::TooLong));
        assert!(ShortCode::parse(&"a".repeat(64)).is_ok());
    }
}
