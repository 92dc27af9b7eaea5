//! The wakelink API of one link, for `upload`, `reserve` and `mint --api`.

use std::time::Duration;

use serde::Deserialize;

use wakelink::domain::code::ShortCode;
use wakelink::domain::reserve::Receipt;
use wakelink::domain::token::Keyring;

use crate::{fail, Fail};

pub(crate) const UPLOAD_RETRIES: u32 = 5;

/// The wakelink API of one link, with the key, for `upload`, `reserve` and `mint --api`.
pub(crate) struct Api {
    agent: ureq::Agent,
    /// `{api}/api/v1/links/{code}`
    base: String,
    pub(crate) code: ShortCode,
    auth: String,
}

impl Api {
    pub(crate) fn new(api: &str, code: &ShortCode, key_env: &str) -> Result<Api, Fail> {
        Ok(Api {
            agent: agent(),
            base: api_base(api, code)?,
            code: code.clone(),
            auth: bearer_from_env(key_env)?,
        })
    }

    pub(crate) fn url(&self, what: &str) -> String {
        format!("{}/{what}", self.base)
    }

    /// Reserves `count` numbers and checks the receipt with the local keys: a receipt that
    /// doesn't check means the worker signs with other keys than the ones here.
    pub(crate) fn reserve(&self, keys: &Keyring, count: u64) -> Result<Receipt, Fail> {
        let answer = self.post(
            "reservations",
            format!("{{\"count\":{count}}}").as_bytes(),
            "the reservation",
        )?;
        let r: ReservationAnswer = serde_json::from_str(&answer).map_err(|_| {
            Fail("the server's answer to the reservation is not what wakelink sends".into())
        })?;
        let receipt = Receipt::check(&r.receipt, keys, &self.code).map_err(|e| {
            Fail(format!(
                "the server's reservation receipt does not check with the keys here ({e}): \
                 are these the worker's WAKELINK_SIGNING_KEYS?"
            ))
        })?;
        if receipt.range.len() != count
            || (r.first, r.last) != (receipt.range.first, receipt.range.last)
        {
            return fail("the server reserved another range than asked for");
        }
        Ok(receipt)
    }

    /// POST `body` to `{base}/{what}`. 5xx, 429, a `ledger-race` 409 and network errors are
    /// retried (the ledger is recorded idempotently) up to five times with doubling delays; any
    /// other 4xx stops. Returns the answer's body.
    pub(crate) fn post(&self, what: &str, body: &[u8], label: &str) -> Result<String, Fail> {
        let endpoint = self.url(what);
        let mut delay = Duration::from_millis(250);
        let mut attempt = 0;
        loop {
            let result = self
                .agent
                .post(&endpoint)
                .set("Authorization", &self.auth)
                .set("Content-Type", "application/json")
                .send_bytes(body);
            let problem = match result {
                Ok(resp) => {
                    return resp
                        .into_string()
                        .map_err(|e| Fail(format!("reading the answer to {label}: {e}")));
                }
                Err(ureq::Error::Status(status, resp)) => {
                    let retry_after = resp
                        .header("Retry-After")
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let text = resp.into_string().unwrap_or_default();
                    let race = status == 409 && text.contains("\"ledger-race\"");
                    let detail = describe_error_body(text);
                    if status < 500 && status != 429 && !race {
                        return fail(format!("the server refused {label}: HTTP {status}{detail}"));
                    }
                    if let Some(secs) = retry_after {
                        delay = delay.max(Duration::from_secs(secs.min(60)));
                    }
                    format!("HTTP {status}{detail}")
                }
                Err(ureq::Error::Transport(t)) => t.to_string(),
            };
            if attempt == UPLOAD_RETRIES {
                return fail(format!(
                    "giving up on {label} after {UPLOAD_RETRIES} retries: {problem}; \
                     rerunning is safe"
                ));
            }
            attempt += 1;
            eprintln!(
                "{label}: {problem}; retry {attempt}/{UPLOAD_RETRIES} in {:.2}s",
                delay.as_secs_f64()
            );
            std::thread::sleep(delay);
            delay *= 2;
        }
    }
}

/// `: code: message` from `{"error":{"code":..,"message":..}}`, or a short excerpt.
pub(crate) fn describe_error_body(body: String) -> String {
    #[derive(Deserialize)]
    struct Envelope {
        error: Problem,
    }
    #[derive(Deserialize)]
    struct Problem {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_str::<Envelope>(&body) {
        Ok(Envelope { error }) => format!(
            ": {}: {}",
            error.code.as_deref().unwrap_or("error"),
            error.message.as_deref().unwrap_or("")
        ),
        Err(_) if body.trim().is_empty() => String::new(),
        Err(_) => {
            let excerpt: String = body.chars().filter(|c| !c.is_control()).take(200).collect();
            format!(": {excerpt}")
        }
    }
}

/// The answer to a reservation.
#[derive(Deserialize)]
pub(crate) struct ReservationAnswer {
    pub(crate) first: u64,
    pub(crate) last: u64,
    pub(crate) receipt: String,
}

/// `{api}/api/v1/links/{code}/recipients`.
#[cfg(test)]
pub(crate) fn api_endpoint(api: &str, code: &ShortCode) -> Result<String, Fail> {
    api_base(api, code).map(|b| format!("{b}/recipients"))
}

/// `{api}/api/v1/links/{code}`.
pub(crate) fn api_base(api: &str, code: &ShortCode) -> Result<String, Fail> {
    Ok(format!("{}/api/v1/links/{code}", api_root(api)?))
}

/// The deployment's URL without a trailing slash. Plain http only to this machine: requests
/// carry the API key.
pub(crate) fn api_root(api: &str) -> Result<String, Fail> {
    let url = url::Url::parse(api.trim()).map_err(|e| Fail(format!("--api: {e}")))?;
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return fail(
                "--api: refusing to send the API key over plain http to another host; use https",
            )
        }
        _ => return fail("--api: must be an http(s) URL"),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return fail("--api: must not have a query or fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `Bearer {key}` with the API key from the environment variable `key_env`.
pub(crate) fn bearer_from_env(key_env: &str) -> Result<String, Fail> {
    let api_key = match std::env::var(key_env) {
        Ok(k) if !k.trim().is_empty() => k.trim().to_owned(),
        Ok(_) | Err(std::env::VarError::NotPresent) => {
            return fail(format!("environment variable {key_env} is not set"));
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return fail(format!("environment variable {key_env} is not UTF-8"));
        }
    };
    if api_key
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return fail(format!("{key_env}: the API key holds whitespace"));
    }
    Ok(format!("Bearer {api_key}"))
}

/// The HTTP client: bounded waits, no redirects (the key must not follow one elsewhere).
pub(crate) fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .redirects(0)
        .user_agent(concat!("wakelink-cli/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::parse_base_url;

    #[test]
    fn endpoints() {
        let code = ShortCode::parse("spring").unwrap();
        assert_eq!(
            api_endpoint("http://127.0.0.1:8787", &code).unwrap(),
            "http://127.0.0.1:8787/api/v1/links/spring/recipients"
        );
        assert_eq!(
            api_endpoint("https://links.example.com/", &code).unwrap(),
            "https://links.example.com/api/v1/links/spring/recipients"
        );
        assert!(api_endpoint("http://links.example.com", &code).is_err());
        assert!(api_endpoint("ftp://localhost", &code).is_err());
        assert_eq!(
            parse_base_url("https://example.link/").unwrap(),
            "https://example.link"
        );
        assert!(parse_base_url("https://example.link/?a=1").is_err());
    }
}
