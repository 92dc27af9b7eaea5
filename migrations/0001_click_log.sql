-- The click log: every event (people, bots, repeats), one row per event id.
CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  ts          INTEGER NOT NULL,          -- Unix ms, at the edge
  link        TEXT NOT NULL,
  campaign    TEXT NOT NULL,
  variant     TEXT,
  recipient   INTEGER,                   -- sequence number for per-recipient links
  method      TEXT NOT NULL,
  outcome     TEXT NOT NULL,             -- redirect | interstitial | gone
  target      TEXT,                      -- app-store | google-play | vendor-store | web
  platform    TEXT NOT NULL,
  vendor      TEXT,
  in_app      TEXT,
  bot         INTEGER NOT NULL,
  bot_reason  TEXT,
  country     TEXT,
  ip_prefix   TEXT,                      -- /24 or /48, never the address
  user_agent  TEXT,
  received_at INTEGER NOT NULL           -- Unix ms, when the consumer wrote it
) STRICT;
CREATE INDEX events_by_link_time ON events (link, ts, id);
CREATE INDEX events_by_time ON events (ts, id);

-- The send ledger: recipient sequence number <-> the operator's own id.
CREATE TABLE sends (
  link        TEXT NOT NULL,
  recipient   INTEGER NOT NULL,
  external_id TEXT NOT NULL,
  segment     TEXT,
  variant     TEXT,
  sent_at     INTEGER,                   -- Unix ms
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (link, recipient),
  UNIQUE (link, external_id)
) STRICT;

-- First human click per recipient: earliest event wins, whatever the delivery order.
CREATE TABLE first_clicks (
  link        TEXT NOT NULL,
  recipient   INTEGER NOT NULL,
  event_id    TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  PRIMARY KEY (link, recipient)
) STRICT;
