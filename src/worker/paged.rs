//! Streamed listings (the raw log export, follow-up lists): a header, then pages read one by
//! one as the client takes them, then a summary line that tells a finished listing from a
//! cut one, since the 200 went out before the first page was read. Each listing says how to
//! read a page and how to sum up; the streaming is here once.

use futures_util::stream;
use worker::{Response, Result};

/// What a listing's next read gave.
pub(super) enum Read {
    /// Lines, and whether the listing may have more after them.
    Lines(Vec<u8>, bool),
    /// The read failed; the listing ends here with an error summary.
    Failed(worker::Error),
}

/// One streamed listing.
pub(super) trait Pager: Sized + 'static {
    /// What the log line names when a read fails.
    const WHAT: &'static str;
    /// The first bytes (the CSV header), sent once before the first page.
    fn header(&self) -> Vec<u8>;
    /// Whether this response may make another read (its budget of rows or calls).
    fn room(&self) -> bool;
    /// Reads the next page, advancing the listing's position past it.
    async fn read(&mut self) -> Read;
    /// The last line (or nothing, where a listing wants none): `complete` when the listing
    /// reached its end, else cut with `error` if a read failed.
    fn summary(&mut self, complete: bool, error: Option<&'static str>) -> Vec<u8>;
}

struct State<P> {
    pager: P,
    started: bool,
    done: bool,
}

/// Streams `pager` as a `no-store` response of `content_type`.
pub(super) fn respond<P: Pager>(pager: P, content_type: &str) -> Result<Response> {
    let state = State {
        pager,
        started: false,
        done: false,
    };
    let pages = stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let mut chunk = if s.started {
            Vec::new()
        } else {
            s.started = true;
            s.pager.header()
        };
        if !s.pager.room() {
            s.done = true;
            chunk.extend(s.pager.summary(false, None));
            return Some((Ok::<_, worker::Error>(chunk), s));
        }
        match s.pager.read().await {
            Read::Lines(lines, more) => {
                chunk.extend(lines);
                if !more {
                    s.done = true;
                    chunk.extend(s.pager.summary(true, None));
                }
            }
            Read::Failed(e) => {
                worker::console_error!("{} stream stopped: {e}", P::WHAT);
                s.done = true;
                chunk.extend(s.pager.summary(false, Some("unavailable")));
            }
        }
        Some((Ok(chunk), s))
    });
    let r = Response::from_stream(pages)?;
    let _ = r.headers().set("content-type", content_type);
    let _ = r.headers().set("cache-control", "no-store");
    Ok(r)
}
