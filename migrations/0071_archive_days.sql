-- The daily NDJSON archive in R2 (src/worker/archive.rs): one row per UTC day being or done
-- written, with the position the next part starts after. A day is done when done_at is set.
CREATE TABLE IF NOT EXISTS archive_days (
  day         TEXT PRIMARY KEY,        -- YYYY-MM-DD (UTC)
  day_start   INTEGER NOT NULL,        -- unix ms of its midnight
  next_part   INTEGER NOT NULL,        -- parts written so far
  events      INTEGER NOT NULL,        -- events in those parts
  after_ts    INTEGER NOT NULL,        -- the last archived event's (ts, id)
  after_id    TEXT NOT NULL,
  done_at     INTEGER,                 -- unix ms, once the manifest is written
  updated_at  INTEGER NOT NULL
) STRICT;
