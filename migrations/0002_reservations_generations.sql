-- One sequence-number counter per link: every range handed out (to the recipients API, or to
-- `wakelink mint` before it mints) is recorded here first, so two send lists for one code can
-- never hold the same number. `generation` is the link generation the range was given under
-- ('' for links stored before generations existed).
CREATE TABLE reservations (
  link        TEXT NOT NULL,
  first       INTEGER NOT NULL,
  last        INTEGER NOT NULL,
  generation  TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,             -- api | cli | migration
  created_at  INTEGER NOT NULL,          -- Unix ms
  PRIMARY KEY (link, first),
  CHECK (first >= 1 AND last >= first)
) STRICT;

-- The send ledger gains the link generation its rows were sent under, and one recipient id is
-- unique per generation, so a code deleted and created again starts a clean ledger. Copied,
-- then swapped: no row is lost.
CREATE TABLE sends_v2 (
  link        TEXT NOT NULL,
  recipient   INTEGER NOT NULL,
  external_id TEXT NOT NULL,
  segment     TEXT,
  variant     TEXT,
  sent_at     INTEGER,                   -- Unix ms
  created_at  INTEGER NOT NULL,
  generation  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (link, recipient),
  UNIQUE (link, generation, external_id)
) STRICT;
INSERT INTO sends_v2 (link, recipient, external_id, segment, variant, sent_at, created_at)
  SELECT link, recipient, external_id, segment, variant, sent_at, created_at FROM sends;
DROP TABLE sends;
ALTER TABLE sends_v2 RENAME TO sends;

-- Numbers already in a ledger count as handed out.
INSERT INTO reservations (link, first, last, generation, source, created_at)
  SELECT link, 1, MAX(recipient), '', 'migration', 0 FROM sends GROUP BY link;

-- Re-judging reads one recipient's clicks through events_by_recipient (migration 0010).
