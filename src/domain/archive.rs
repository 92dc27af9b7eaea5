//! The daily archive of the raw event log: the events the log received on each finished UTC
//! day, as NDJSON objects in R2, in Hive-style partitions that DuckDB, ClickHouse and Spark
//! read as one table: `events/received=YYYY-MM-DD/part-NNNNN.ndjson`, then
//! `events/received=YYYY-MM-DD/_manifest.json` once the day is complete. Lines are the events
//! as the export API shows them (`eventlog::row_to_json`), in (received_at, id) order across a
//! day's parts.
//!
//! Partitioned by the day of receipt, not of the event (`ts`): every event is in exactly one
//! partition however late it arrives (a Queue retry, the spool drained after an outage, a
//! dead letter replayed days later), while an event-day partition, once written, could not
//! take them. Readers filter and group on `ts` as with the log.

use super::time::{format_rfc3339, UnixMs};

pub const DAY_MS: UnixMs = 86_400_000;
/// A day is archived once this long has passed after its end: every write that took its
/// `received_at` within the day has committed by then (an invocation lasts minutes at most),
/// with room for clocks that disagree.
pub const GRACE_MS: UnixMs = 2 * 3_600_000;
/// Events a D1 read takes.
pub const PAGE_ROWS: u32 = 1_000;
/// Pages a part holds: an object of at most 4,000 events (a few MB).
pub const PART_PAGES: usize = 4;
/// Parts one cron run writes: each costs `PART_PAGES` D1 reads, one progress write and one
/// R2 put, so a run stays near a dozen D1 queries beside the other cron work (50 on the free
/// plan). 8,000 events a minute: about 11 million a day.
pub const PARTS_PER_RUN: usize = 2;

/// The UTC midnight at or before `ts`.
///
/// ```
/// use wakelink::domain::archive::day_start;
/// assert_eq!(day_start(86_400_000 + 5), 86_400_000);
/// ```
pub fn day_start(ts: UnixMs) -> UnixMs {
    ts - ts % DAY_MS
}

/// `YYYY-MM-DD` of the UTC day starting at `start`.
///
/// ```
/// use wakelink::domain::archive::day_name;
/// assert_eq!(day_name(1_795_392_000_000 - 1_795_392_000_000 % 86_400_000), "2026-11-23");
/// ```
pub fn day_name(start: UnixMs) -> String {
    format_rfc3339(start)[..10].to_owned()
}

/// Whether the day starting at `start` is over, with its grace, at `now`.
pub fn finished(start: UnixMs, now: UnixMs) -> bool {
    start + DAY_MS + GRACE_MS <= now
}

/// The prefix of a day's objects.
pub fn day_prefix(day: &str) -> String {
    format!("events/received={day}/")
}

/// The key of a day's part `n` (from 0).
///
/// ```
/// use wakelink::domain::archive::part_key;
/// assert_eq!(part_key("2026-11-23", 7), "events/received=2026-11-23/part-00007.ndjson");
/// ```
pub fn part_key(day: &str, n: u32) -> String {
    format!("{}part-{n:05}.ndjson", day_prefix(day))
}

/// The key of a finished day's manifest (`{"day","parts","events"}`). Names starting with `_`
/// are skipped by Hive-style readers.
pub fn manifest_key(day: &str) -> String {
    format!("{}_manifest.json", day_prefix(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        let t = 1_795_392_001_000; // 2026-11-23T00:00:01Z
        let start = day_start(t);
        assert_eq!(day_name(start), "2026-11-23");
        assert_eq!(day_name(start - 1), "2026-11-22");
        assert_eq!(day_start(start), start);
        assert!(!finished(start, start + DAY_MS));
        assert!(!finished(start, start + DAY_MS + GRACE_MS - 1));
        assert!(finished(start, start + DAY_MS + GRACE_MS));
        assert_eq!(
            manifest_key("2026-11-23"),
            "events/received=2026-11-23/_manifest.json"
        );
    }
}
