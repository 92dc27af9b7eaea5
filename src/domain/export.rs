//! Exporting the raw event log: the two formats (CSV, NDJSON), their columns, and the summary
//! line a stream ends with so a reader can tell a finished export from a cut one.
//!
//! Events hold no contact data (see DESIGN.md): the operator's own `external_id` at most.

use serde::Serialize;
use serde_json::Value;

use super::problem::Problem;

/// The log's columns, in the order CSV prints them (and `sql::events_page` selects them).
pub const COLUMNS: [&str; 26] = [
    "id",
    "ts",
    "kind",
    "link",
    "campaign",
    "variant",
    "recipient",
    "step",
    "method",
    "outcome",
    "target",
    "platform",
    "vendor",
    "in_app",
    "bot",
    "bot_reason",
    "country",
    "ip_prefix",
    "user_agent",
    "click_id",
    "external_id",
    "value_minor",
    "currency",
    "attributed",
    "props",
    "received_at",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Csv,
}

impl Format {
    /// `?format=csv|ndjson` wins; else the `Accept` header (`text/csv`); else NDJSON.
    ///
    /// ```
    /// use wakelink::domain::export::Format;
    /// assert_eq!(Format::negotiate(None, "text/csv").unwrap(), Format::Csv);
    /// assert_eq!(Format::negotiate(Some("ndjson"), "text/csv").unwrap(), Format::Ndjson);
    /// assert_eq!(Format::negotiate(None, "*/*").unwrap(), Format::Ndjson);
    /// assert!(Format::negotiate(Some("xlsx"), "").is_err());
    /// ```
    pub fn negotiate(param: Option<&str>, accept: &str) -> Result<Format, Problem> {
        match param {
            Some("csv") => Ok(Format::Csv),
            Some("ndjson") => Ok(Format::Ndjson),
            Some(_) => Err(Problem::invalid("format", "csv or ndjson")),
            None if accept.contains("text/csv") => Ok(Format::Csv),
            None => Ok(Format::Ndjson),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// What a stream starts with: the CSV header line, nothing for NDJSON.
    pub fn header(self) -> Vec<u8> {
        match self {
            Format::Ndjson => Vec::new(),
            Format::Csv => {
                let mut h = COLUMNS.join(",").into_bytes();
                h.push(b'\n');
                h
            }
        }
    }

    /// One event (as `eventlog::row_to_json` shows it) as one line.
    pub fn line(self, row: &Value) -> Vec<u8> {
        let mut out = match self {
            Format::Ndjson => row.to_string(),
            Format::Csv => COLUMNS
                .iter()
                .map(|c| csv_cell(row.get(*c)))
                .collect::<Vec<_>>()
                .join(","),
        }
        .into_bytes();
        out.push(b'\n');
        out
    }

    /// The last line: `{"summary":{..}}` in NDJSON; in CSV the same JSON after `# ` (a
    /// comment line: `comment='#'` in DuckDB, `comment="#"` in pandas skip it). No row's
    /// first cell starts with `#`: it is an event id.
    pub fn summary(self, s: &Summary) -> Vec<u8> {
        let json = serde_json::to_string(&SummaryLine { summary: s }).unwrap_or_default();
        let mut out = match self {
            Format::Ndjson => json,
            Format::Csv => format!("# {json}"),
        }
        .into_bytes();
        out.push(b'\n');
        out
    }
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    summary: &'a Summary,
}

/// How a stream ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Events in this stream.
    pub count: u64,
    /// True when the stream reached the end of what was asked for.
    pub complete: bool,
    /// Present when the stream was cut: the cursor to resume from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
/// doubled.
///
/// ```
/// use wakelink::domain::export::csv_quote;
/// assert_eq!(csv_quote("a,\"b\"\n"), "\"a,\"\"b\"\"\n\"");
/// assert_eq!(csv_quote("plain"), "plain");
/// ```
pub fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A cell of an exported row. Numbers and booleans as they are, absent as empty. Text that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: user agents and page properties come from strangers) is prefixed with `'`, then
/// quoted. NDJSON carries every value unchanged.
///
/// ```
/// use serde_json::json;
/// use wakelink::domain::export::csv_cell;
/// assert_eq!(csv_cell(Some(&json!("=HYPERLINK(\"x\")"))), "\"'=HYPERLINK(\"\"x\"\")\"");
/// assert_eq!(csv_cell(Some(&json!(12))), "12");
/// assert_eq!(csv_cell(Some(&json!(true))), "true");
/// assert_eq!(csv_cell(None), "");
/// ```
pub fn csv_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            csv_quote(&format!("'{s}"))
        }
        Some(Value::String(s)) => csv_quote(s),
        Some(other) => csv_quote(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_lines_follow_the_columns_and_neutralise_formulas() {
        let row = json!({
            "id": "01JDQ000000000000000000001", "ts": 5, "kind": "click", "link": "l",
            "campaign": "a,b", "bot": false, "user_agent": "-1+1", "props": "{\"k\":\"v\"}",
            "value_minor": 250
        });
        let line = String::from_utf8(Format::Csv.line(&row)).unwrap();
        let cells: Vec<&str> = line.trim_end().splitn(6, ',').collect();
        assert_eq!(
            &cells[..4],
            &["01JDQ000000000000000000001", "5", "click", "l"]
        );
        assert!(line.contains(",\"a,b\","));
        assert!(line.contains(",'-1+1,"));
        assert!(line.contains(",\"{\"\"k\"\":\"\"v\"\"}\","));
        assert!(line.contains(",250,"));
        // 25 separators and the comma inside "a,b".
        assert_eq!(line.matches(',').count(), COLUMNS.len());
        assert!(line.ends_with(",\n"), "received_at absent: empty last cell");
    }

    #[test]
    fn summaries() {
        let s = Summary {
            count: 3,
            complete: false,
            next_cursor: Some("7.x".into()),
            error: None,
        };
        assert_eq!(
            Format::Ndjson.summary(&s),
            b"{\"summary\":{\"count\":3,\"complete\":false,\"next_cursor\":\"7.x\"}}\n"
        );
        assert!(String::from_utf8(Format::Csv.summary(&s))
            .unwrap()
            .starts_with("# {\"summary\":{\"count\":3,"));
        assert_eq!(
            String::from_utf8(Format::Csv.header()).unwrap(),
            format!("{}\n", COLUMNS.join(","))
        );
    }
}
