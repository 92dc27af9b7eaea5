//! Reading a streamed NDJSON answer (`export`, `follow-ups`) to the end across cuts: each whole
//! line is handed on with the cursor that resumes after it; a stream that ends early (a cap,
//! a dropped connection, a server error) is asked for again from the last whole line.

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use clap::Args;
use serde_json::Value;

use crate::api::UPLOAD_RETRIES;
use crate::files::Progress;
use crate::operator::{segment, Operator, Output, Retry, Target};
use crate::{fail, Fail};

/// How a stream says where a line is, and whether it ends with a summary line.
pub(crate) trait Lines {
    /// The cursor that resumes after this line.
    fn cursor_of(&self, line: &Value) -> Option<String>;
    /// `true` when a stream ends with `{"summary":{..}}` (a stream without one was cut);
    /// `false` when a clean end of the answer is the end.
    fn has_summary(&self) -> bool;
}

/// Reads `path` (a query string already in it) to the end, from `cursor` on, handing each
/// line to `each`. Returns the lines handed on.
pub(crate) fn read_all(
    op: &Operator,
    path: &str,
    mut cursor: Option<String>,
    kind: &dyn Lines,
    progress: &Progress,
    mut each: impl FnMut(&Value, &str) -> Result<(), Fail>,
) -> Result<u64, Fail> {
    let mut count = 0u64;
    let mut bytes = 0u64;
    let mut attempt = 0;
    let mut delay = Duration::from_millis(250);
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={}", segment(c)),
            None => path.to_owned(),
        };
        let problem = match op.stream(&url, "application/x-ndjson") {
            Err(Retry::Stop(f)) => return Err(resumable(f, &cursor)),
            Err(Retry::Again(p)) => p,
            Ok(body) => {
                let mut reader = BufReader::with_capacity(1 << 16, body);
                let mut line = String::new();
                let mut progressed = false;
                let outcome = loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) => break End::Eof,
                        // A last line without its line break was cut.
                        Ok(_) if !line.ends_with('\n') => {
                            break End::Cut("a line cut short".into())
                        }
                        Ok(n) => {
                            bytes += n as u64;
                            let v: Value = serde_json::from_str(line.trim_end())
                                .map_err(|_| Fail(format!("GET {url}: a line is not JSON")))?;
                            if let Some(s) = v.get("summary") {
                                break End::Summary(s.clone());
                            }
                            each(&v, line.trim_end())?;
                            count += 1;
                            progressed = true;
                            cursor = kind.cursor_of(&v).or(cursor.take());
                            progress.set(bytes, count);
                        }
                        Err(e) => break End::Cut(e.to_string()),
                    }
                };
                if progressed {
                    attempt = 0;
                    delay = Duration::from_millis(250);
                }
                match outcome {
                    End::Eof if !kind.has_summary() => return Ok(count),
                    End::Eof => "the answer ended without its summary line".to_owned(),
                    End::Cut(why) => why,
                    End::Summary(s) => {
                        if s.get("complete").and_then(Value::as_bool) == Some(true) {
                            return Ok(count);
                        }
                        if let Some(c) = s.get("next_cursor").and_then(Value::as_str) {
                            cursor = Some(c.to_owned());
                        }
                        match s.get("error").and_then(Value::as_str) {
                            // A cap, not a failure: carry on at once.
                            None => continue,
                            Some(e) => format!("the server stopped the stream: {e}"),
                        }
                    }
                }
            }
        };
        if attempt == UPLOAD_RETRIES {
            return Err(resumable(
                Fail(format!(
                    "giving up after {UPLOAD_RETRIES} retries: {problem}"
                )),
                &cursor,
            ));
        }
        attempt += 1;
        eprintln!(
            "{problem}; resuming ({attempt}/{UPLOAD_RETRIES}) in {:.2}s",
            delay.as_secs_f64()
        );
        std::thread::sleep(delay);
        delay *= 2;
    }
}

enum End {
    Eof,
    Cut(String),
    Summary(Value),
}

/// A failure that names the cursor to resume from, when there is one.
fn resumable(f: Fail, cursor: &Option<String>) -> Fail {
    match cursor {
        Some(c) => Fail(format!("{f}; resume with --cursor {c}")),
        None => f,
    }
}

/// Where a streamed listing goes, and where it resumes: the options `export` and
/// `follow-ups` share.
#[derive(Args)]
pub(crate) struct Resume {
    /// Resume after this position (what a failed run printed).
    #[arg(long)]
    pub cursor: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, default_value = "-")]
    pub out: String,
    /// Append to --out and write no CSV header (to continue a resumed run).
    #[arg(long, requires = "cursor")]
    pub append: bool,
}

/// The form a listing is saved in: CSV (with its header line) or the NDJSON lines as received.
pub(crate) struct Form<'a> {
    pub csv: bool,
    pub header: &'a [u8],
}

/// Reads the listing at `path` to the end (from `--cursor` on) into `--out`: the CSV header
/// unless appending, then each line as `csv_line` writes it or as received, with progress on a
/// terminal. What was written stays written, so a resumed run appends after it. Returns the
/// lines written.
pub(crate) fn save_all(
    op: &Operator,
    path: &str,
    kind: &dyn Lines,
    to: Resume,
    form: Form,
    csv_line: impl Fn(&Value) -> Vec<u8>,
) -> Result<u64, Fail> {
    let mut out = output(&to.out, to.append)?;
    if form.csv && !to.append {
        write(&mut out, form.header)?;
    }
    let progress = Progress::new(None);
    let result = read_all(op, path, to.cursor, kind, &progress, |v, line| {
        if form.csv {
            write(&mut out, &csv_line(v))
        } else {
            write(&mut out, line.as_bytes())?;
            write(&mut out, b"\n")
        }
    });
    progress.finish();
    finish(&mut out)?;
    result
}

/// Where streamed output goes: stdout, or a file (created, or appended to with `append`).
pub(crate) fn output(out: &str, append: bool) -> Result<Box<dyn Write>, Fail> {
    if out == "-" {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock())));
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(out)
        .map_err(|e| Fail(format!("--out {out}: {e}")))?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

pub(crate) fn write(w: &mut dyn Write, bytes: &[u8]) -> Result<(), Fail> {
    w.write_all(bytes)
        .map_err(|e| Fail(format!("writing the output: {e}")))
}

pub(crate) fn finish(w: &mut dyn Write) -> Result<(), Fail> {
    w.flush()
        .map_err(|e| Fail(format!("writing the output: {e}")))
}

/// CSV (the default) or NDJSON (`--format json`, `--json`) for streamed output; a table is
/// refused (its widths would need every row first).
pub(crate) fn csv_output(t: &Target) -> Result<bool, Fail> {
    match (t.json, t.format) {
        (true, _) | (_, Some(Output::Json)) => Ok(false),
        (_, None | Some(Output::Csv)) => Ok(true),
        (_, Some(Output::Table)) => fail("--format table: streamed output is csv or json (NDJSON)"),
    }
}
