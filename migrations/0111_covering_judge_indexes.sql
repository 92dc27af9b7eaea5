-- Re-judging reads, for every recipient a consumer batch touches, all of the recipient's clicks
-- (sql::JUDGE_READ), and the other recipients' clicks around them by network
-- (sql::JUDGE_CROWD, JUDGE_CROWD_OF_CLICKS). Through indexes that hold only the key, each row
-- read was also a look-up of the event's row in the table; a recipient's clicks lie days
-- apart in the log, so each look-up read another page. These indexes carry what those reads
-- select: one recipient's clicks sit together in one index page.
--
-- events_by_recipient (migration 0010) also indexed page steps and conversions, which no
-- statement looks up by recipient; its replacement holds clicks only.
DROP INDEX IF EXISTS events_by_recipient;
CREATE INDEX IF NOT EXISTS events_clicks_by_recipient ON events
  (link, recipient, ts, id, bot, bot_reason, ip_prefix, target)
  WHERE kind = 'click' AND recipient IS NOT NULL;
DROP INDEX IF EXISTS events_by_link_network;
CREATE INDEX IF NOT EXISTS events_by_link_network ON events (link, ip_prefix, ts, recipient, kind)
  WHERE kind = 'click' AND recipient IS NOT NULL AND ip_prefix IS NOT NULL;
