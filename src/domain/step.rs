//! Funnel steps after the click: a fixed vocabulary plus namespaced custom steps.
//!
//! Steps a landing page reports through the browser SDK (`POST /e`) and steps the app's
//! backend reports server to server (`POST /api/v1/conversions`) are separate lists: a browser
//! can't claim a login. Custom steps are `x:` followed by 1–32 of `[a-z0-9_-]` and are accepted
//! from both.
//!
//! ```
//! use wakelink::domain::step::{Source, Step};
//! assert_eq!(Step::parse("landing_view", Source::Browser).unwrap().as_str(), "landing_view");
//! assert!(Step::parse("login", Source::Browser).is_err());
//! assert!(Step::parse("login", Source::Server).is_ok());
//! assert_eq!(Step::parse("x:coupon_copied", Source::Browser).unwrap().as_str(), "x:coupon_copied");
//! assert!(Step::parse("x:Bad Name", Source::Browser).is_err());
//! ```

use std::fmt;

/// Longest custom step name after `x:`.
pub const MAX_CUSTOM_LEN: usize = 32;

/// Who reports a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A landing page, through the browser SDK.
    Browser,
    /// The app's backend, through the API key.
    Server,
}

/// The fixed steps, in funnel order, with who may report each.
const FIXED: &[(&str, Source)] = &[
    ("landing_view", Source::Browser),
    ("coupon_view", Source::Browser),
    ("coupon_claim", Source::Browser),
    ("open_app_attempt", Source::Browser),
    ("app_opened", Source::Browser),
    ("store_fallback", Source::Browser),
    ("install", Source::Server),
    ("register", Source::Server),
    ("login", Source::Server),
    ("credit_apply", Source::Server),
    ("credit_granted", Source::Server),
    ("loan", Source::Server),
];

/// A checked step name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Step(StepName);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum StepName {
    Fixed(&'static str),
    Custom(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepError {
    Unknown,
    /// A fixed step the other side reports (a browser claiming `login`).
    WrongSource(Source),
    BadCustom,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StepError::Unknown => "unknown step; custom steps are x:name",
            StepError::WrongSource(Source::Server) => {
                "this step is reported by the app backend (POST /api/v1/conversions)"
            }
            StepError::WrongSource(Source::Browser) => {
                "this step is reported by the landing page (the browser SDK)"
            }
            StepError::BadCustom => "custom steps are x: then 1-32 of a-z, 0-9, '_' and '-'",
        })
    }
}

impl Step {
    pub fn parse(s: &str, source: Source) -> Result<Step, StepError> {
        if let Some(name) = s.strip_prefix("x:") {
            let ok = (1..=MAX_CUSTOM_LEN).contains(&name.len())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            return if ok {
                Ok(Step(StepName::Custom(s.to_owned())))
            } else {
                Err(StepError::BadCustom)
            };
        }
        match FIXED.iter().find(|(n, _)| *n == s) {
            Some((n, from)) if *from == source => Ok(Step(StepName::Fixed(n))),
            Some((_, from)) => Err(StepError::WrongSource(*from)),
            None => Err(StepError::Unknown),
        }
    }

    /// The app-open step, whoever reports it (the SDK guessing from the page, or the app).
    pub fn app_opened() -> Step {
        Step(StepName::Fixed("app_opened"))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            StepName::Fixed(n) => n,
            StepName::Custom(s) => s,
        }
    }

    pub fn is_custom(&self) -> bool {
        matches!(self.0, StepName::Custom(_))
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary() {
        for (name, from) in FIXED {
            let other = match from {
                Source::Browser => Source::Server,
                Source::Server => Source::Browser,
            };
            assert_eq!(Step::parse(name, *from).unwrap().as_str(), *name);
            assert_eq!(Step::parse(name, other), Err(StepError::WrongSource(*from)));
        }
        for bad in [
            "",
            "Login",
            "login ",
            "x:",
            "x:A",
            "x:a b",
            "x:<script>",
            "y:a",
        ] {
            assert!(Step::parse(bad, Source::Server).is_err(), "{bad:?}");
        }
        let long = format!("x:{}", "a".repeat(MAX_CUSTOM_LEN));
        assert!(Step::parse(&long, Source::Browser).unwrap().is_custom());
        assert!(Step::parse(&format!("{long}a"), Source::Browser).is_err());
    }
}
