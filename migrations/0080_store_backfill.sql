-- Moving what the click log and the send ledger held before campaign stores existed into the
-- stores (`worker::backfill`, run by the ops worker's cron). One row per link: its ledger rows
-- (current generation) go first, then its events, each paged with a cursor kept here, so a run
-- that stops half-way resumes where it was. Both feeds are idempotent in the store (sends by
-- recipient, events by id), so events the Queue consumer already fed count once.
CREATE TABLE store_backfill (
  link         TEXT PRIMARY KEY,
  phase        TEXT NOT NULL DEFAULT 'sends' CHECK (phase IN ('sends', 'events', 'done')),
  after_seq    INTEGER NOT NULL DEFAULT 0,     -- the last ledger row fed (recipient number)
  after_ts     INTEGER NOT NULL DEFAULT 0,     -- the last event fed: (ts, id)
  after_id     TEXT NOT NULL DEFAULT '',
  sends        INTEGER NOT NULL DEFAULT 0,     -- rows fed so far
  events       INTEGER NOT NULL DEFAULT 0,
  requested_at INTEGER NOT NULL,
  done_at      INTEGER
) STRICT;

-- Every link the ledger or the log knows, pending.
INSERT INTO store_backfill (link, requested_at)
  SELECT link, CAST(unixepoch('subsec') * 1000 AS INTEGER)
  FROM (SELECT link FROM sends UNION SELECT link FROM events)
  WHERE true
ON CONFLICT (link) DO NOTHING;
