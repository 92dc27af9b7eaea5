-- Re-judging looks up, for every click of the recipients a batch touches, the other
-- recipients' clicks on the same link from the same network within the burst window
-- (sql::JUDGE_CROWD). With only (link, ts) to go on, that read visits every click of the link
-- in the window, whatever its network: on a busy per-recipient link each consumer batch grew
-- with the link's traffic. This index narrows it to one network's clicks.
CREATE INDEX IF NOT EXISTS events_by_link_network ON events (link, ip_prefix, ts)
  WHERE kind = 'click' AND recipient IS NOT NULL AND ip_prefix IS NOT NULL;
