//! The operator API of a deployment (`/api/v1/…`) for the operator commands, and how their
//! answers are shown: a table, CSV, or the API's JSON (`--format`, `--json`).

use std::io::{self, Write};

use clap::Args;
use serde_json::Value;

use wakelink::domain::export::csv_quote;

use crate::api::{agent, api_root, bearer_from_env, describe_error_body};
use crate::{fail, Fail, DEFAULT_API_KEY_ENV};

/// What every operator command takes.
#[derive(Args)]
pub(crate) struct Target {
    /// Base URL of the wakelink deployment, e.g. https://links.example.com
    #[arg(long)]
    pub(crate) api: String,
    /// Name of the environment variable holding the API key.
    #[arg(long, default_value = DEFAULT_API_KEY_ENV)]
    pub(crate) api_key_env: String,
    /// Print the API's JSON instead of a table (same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,
    /// table (the default for reports), csv, or json (the API's answer; NDJSON for streams).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Output>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    Table,
    Csv,
    Json,
}

impl Target {
    pub(crate) fn output(&self) -> Output {
        if self.json {
            Output::Json
        } else {
            self.format.unwrap_or(Output::Table)
        }
    }
}

/// Shows an answer: `rows` under `header` as a table or CSV, or `json` as it came.
pub(crate) fn render(
    t: &Target,
    header: &[&str],
    rows: &[Vec<String>],
    json: &Value,
) -> Result<(), Fail> {
    match t.output() {
        Output::Table => print_table(header, rows),
        Output::Json => print_json(json),
        Output::Csv => {
            let mut out = header
                .iter()
                .map(|h| csv_quote(h))
                .collect::<Vec<_>>()
                .join(",");
            out.push('\n');
            for r in rows {
                out.push_str(&r.iter().map(|c| csv_quote(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            io::stdout()
                .write_all(out.as_bytes())
                .map_err(|e| Fail(format!("writing the answer: {e}")))
        }
    }
}

pub(crate) struct Operator {
    agent: ureq::Agent,
    root: String,
    auth: String,
}

/// Pages a listing reads at most (100 rows each).
const MAX_PAGES: usize = 10_000;

impl Operator {
    pub(crate) fn new(t: &Target) -> Result<Operator, Fail> {
        Ok(Operator {
            agent: agent(),
            root: api_root(&t.api)?,
            auth: bearer_from_env(&t.api_key_env)?,
        })
    }

    /// One call: the JSON answer, or `None` for 204. A refusal is a failure naming the
    /// server's code and message.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<Option<Value>, Fail> {
        let url = format!("{}{path}", self.root);
        let req = self
            .agent
            .request(method, &url)
            .set("Authorization", &self.auth);
        let result = match body {
            Some(b) => req.set("Content-Type", "application/json").send_bytes(b),
            None => req.call(),
        };
        match result {
            Ok(resp) if resp.status() == 204 => Ok(None),
            Ok(resp) => {
                let text = resp
                    .into_string()
                    .map_err(|e| Fail(format!("{method} {path}: reading the answer: {e}")))?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|_| Fail(format!("{method} {path}: the answer is not JSON")))
            }
            Err(ureq::Error::Status(status, resp)) => {
                let detail = describe_error_body(resp.into_string().unwrap_or_default());
                fail(format!("{method} {path}: HTTP {status}{detail}"))
            }
            Err(ureq::Error::Transport(t)) => fail(format!("{method} {path}: {t}")),
        }
    }

    /// A GET whose answer is read as it arrives. Refusals fail like `call`'s; a server or
    /// network failure is `Err(Retry)`, which the caller may retry.
    pub(crate) fn stream(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<Box<dyn io::Read + Send + Sync>, Retry> {
        let url = format!("{}{path}", self.root);
        match self
            .agent
            .get(&url)
            .set("Authorization", &self.auth)
            .set("Accept", accept)
            .call()
        {
            Ok(resp) => Ok(resp.into_reader()),
            Err(ureq::Error::Status(status, resp)) => {
                let detail = describe_error_body(resp.into_string().unwrap_or_default());
                let msg = format!("GET {path}: HTTP {status}{detail}");
                if status >= 500 || status == 429 {
                    Err(Retry::Again(msg))
                } else {
                    Err(Retry::Stop(Fail(msg)))
                }
            }
            Err(ureq::Error::Transport(t)) => Err(Retry::Again(format!("GET {path}: {t}"))),
        }
    }

    /// Every row of a listing (`{field: [...], next_cursor}`), page after page.
    pub(crate) fn list(&self, path: &str, field: &str) -> Result<Vec<Value>, Fail> {
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page_path = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&cursor={}", segment(c)),
                None => format!("{path}{sep}limit=100"),
            };
            let page = self.call("GET", &page_path, None)?.unwrap_or(Value::Null);
            match page.get(field) {
                Some(Value::Array(a)) => rows.extend(a.iter().cloned()),
                _ => return fail(format!("GET {path}: the answer has no {field}")),
            }
            match page.get("next_cursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_owned()),
                None => return Ok(rows),
            }
        }
        fail(format!("GET {path}: more than {MAX_PAGES} pages"))
    }
}

/// Why a streamed read stopped.
pub(crate) enum Retry {
    /// Worth another try (5xx, 429, network).
    Again(String),
    /// A refusal: trying again gets the same answer.
    Stop(Fail),
}

/// A path segment or query value, percent-encoded.
pub(crate) fn segment(s: &str) -> String {
    // `-`, `_` and `~` stay as they are (link codes hold them); `.` is escaped so that a
    // segment `..` can't climb the path.
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Prints JSON, pretty, to stdout.
pub(crate) fn print_json(v: &Value) -> Result<(), Fail> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Fail(e.to_string()))?;
    writeln!(io::stdout(), "{text}").map_err(|e| Fail(format!("writing the answer: {e}")))
}

/// A cell of a JSON value: strings as they are, arrays joined by commas, null as `-`.
pub(crate) fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::from("-"),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| cell(Some(x)))
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, x)| format!("{k}={}", cell(Some(x))))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// Columns a character takes on a terminal: 2 for East Asian wide and full-width ones.
fn char_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD);
    if wide {
        2
    } else {
        1
    }
}

fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// A plain-text table: a header row, then one line per row, columns padded to their widest
/// cell. Control characters in cells are shown as `?`, so a value cannot move the cursor.
///
/// The last column is not padded.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect()
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(c));
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut first = true;
        let mut pending = 0;
        for (i, c) in cells.enumerate() {
            if !first {
                out.push_str(&" ".repeat(pending + 2));
            }
            first = false;
            out.push_str(c);
            pending = widths.get(i).copied().unwrap_or(0).saturating_sub(width(c));
        }
        out.push('\n');
    };
    line(&mut out, &mut header.iter().copied());
    for r in &rows {
        line(&mut out, &mut r.iter().map(String::as_str));
    }
    out
}

/// Prints a table to stdout.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) -> Result<(), Fail> {
    io::stdout()
        .write_all(table(header, rows).as_bytes())
        .map_err(|e| Fail(format!("writing the table: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_line_up_wide_characters_and_escape_controls() {
        let t = table(
            &["CAMPAIGN", "NAME"],
            &[
                vec!["spring".into(), "春季召回".into()],
                vec!["a\u{1b}[2J".into(), "x".into()],
            ],
        );
        assert_eq!(t, "CAMPAIGN  NAME\nspring    春季召回\na?[2J     x\n");
    }

    #[test]
    fn cells() {
        assert_eq!(cell(Some(&json!(["read", "write"]))), "read,write");
        assert_eq!(cell(Some(&json!(null))), "-");
        assert_eq!(cell(None), "-");
        assert_eq!(cell(Some(&json!(72))), "72");
        assert_eq!(cell(Some(&json!({"sms": 5, "email": 1}))), "email=1,sms=5");
        assert_eq!(segment("春 a/b"), "%E6%98%A5%20a%2Fb");
        assert_eq!(segment("cli-a_b~"), "cli-a_b~");
        assert_eq!(segment(".."), "%2E%2E");
    }
}
