-- Parked queue messages: events the consumer could not write (malformed, wrong schema,
-- oversized) or that used up their retries and reached the dead-letter queue. Kept until an
-- operator asks for a replay (sets replay_requested_at); the cron handler then sends them back
-- to the queue and stamps replayed_at. Replayed rows stay.
CREATE TABLE dead_letters (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id  TEXT NOT NULL UNIQUE,      -- the Queue's message id: a redelivery parks nothing new
  queue       TEXT NOT NULL,
  reason      TEXT NOT NULL,             -- stable code: malformed-json, wrong-schema, oversized, ...
  detail      TEXT,                      -- short reason for people (never the body)
  body        TEXT NOT NULL,             -- the message as received, cut to 64 KiB
  size        INTEGER NOT NULL,          -- the body's length in bytes before any cut
  truncated   INTEGER NOT NULL DEFAULT 0,
  parked_at   INTEGER NOT NULL,          -- Unix ms
  replay_requested_at INTEGER,           -- Unix ms, set by an operator to replay the letter
  replayed_at INTEGER                    -- Unix ms of the replay, NULL while parked
) STRICT;
CREATE INDEX dead_letters_parked ON dead_letters (replayed_at, seq);
