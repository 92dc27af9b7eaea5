//! The one error type that reaches clients: a stable machine code, an HTTP status and a short
//! message. Internal detail goes to logs, never into a `Problem`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// The input field at fault, for validation errors (`destinations.web`).
    pub field: Option<String>,
}

/// serde_json's message without its position: the reason is about the input, never about
/// internals, and the position is noise for one-line bodies.
pub fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.split_once(" at line ") {
        Some((reason, _)) => reason.to_owned(),
        None => msg,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl Problem {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.into()),
            ..Problem::new(400, "invalid-input", message)
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Problem {
        Problem::new(400, code, message)
    }

    /// A body that isn't the JSON expected, with serde's reason ("unknown field `x`").
    pub fn invalid_json(e: &serde_json::Error) -> Problem {
        Problem::new(400, "invalid-json", json_reason(e))
    }

    pub fn unauthorized() -> Problem {
        Problem::new(401, "unauthorized", "a valid bearer API key is required")
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Problem {
        Problem::new(404, code, message)
    }

    pub fn method_not_allowed() -> Problem {
        Problem::new(405, "method-not-allowed", "method not allowed")
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Problem {
        Problem::new(409, code, message)
    }

    pub fn too_large(message: impl Into<String>) -> Problem {
        Problem::new(413, "payload-too-large", message)
    }

    pub fn unsupported_media_type() -> Problem {
        Problem::new(415, "unsupported-media-type", "send application/json")
    }

    pub fn rate_limited() -> Problem {
        Problem::new(429, "rate-limited", "too many requests, retry later")
    }

    pub fn unavailable(message: impl Into<String>) -> Problem {
        Problem::new(503, "unavailable", message)
    }

    pub fn internal() -> Problem {
        Problem::new(500, "internal", "internal error")
    }

    /// `{"error":{"code":..,"message":..,"field":..}}`
    pub fn to_json(&self) -> String {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        serde_json::to_string(&body).unwrap_or_else(|_| {
            String::from(r#"{"error":{"code":"internal","message":"internal error"}}"#)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_stable() {
        let p = Problem::invalid("destinations.web", "must be an https URL");
        assert_eq!(
            p.to_json(),
            r#"{"error":{"code":"invalid-input","message":"must be an https URL","field":"destinations.web"}}"#
        );
        assert_eq!(Problem::unauthorized().status, 401);
    }
}
