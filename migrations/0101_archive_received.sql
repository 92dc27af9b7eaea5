-- The daily archive partitions by the day the log received an event (received_at), so an
-- event that arrives after its own day was archived (a Queue retry, the spool drained after
-- an outage, a replayed dead letter) lands in the partition of the day it arrived instead of
-- staying in D1 only. Pages of a received day are read in (received_at, id) order.
CREATE INDEX IF NOT EXISTS events_by_received ON events (received_at, id);

-- Progress of the received-day archive (events/received=YYYY-MM-DD/…), as archive_days kept
-- it for the earlier event-day partitions (events/dt=…), which stay as they were written.
CREATE TABLE IF NOT EXISTS archive_received (
  day         TEXT PRIMARY KEY,        -- YYYY-MM-DD (UTC), the day the log received the events
  day_start   INTEGER NOT NULL,        -- unix ms of its midnight
  next_part   INTEGER NOT NULL,        -- parts written so far
  events      INTEGER NOT NULL,        -- events in those parts
  after_ts    INTEGER NOT NULL,        -- the last archived event's (received_at, id)
  after_id    TEXT NOT NULL,
  done_at     INTEGER,                 -- unix ms, once the manifest is written
  updated_at  INTEGER NOT NULL
) STRICT;
