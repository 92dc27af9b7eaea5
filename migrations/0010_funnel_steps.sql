-- Funnel steps and conversions share the click log: additive columns, every click row kept
-- as it was (kind 'click').
ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT 'click';   -- click | step | conversion
ALTER TABLE events ADD COLUMN step TEXT;              -- landing_view, login, x:custom, …
ALTER TABLE events ADD COLUMN click_id TEXT;          -- the click event a step is bound to
ALTER TABLE events ADD COLUMN external_id TEXT;       -- the operator's recipient id (conversions)
ALTER TABLE events ADD COLUMN value_minor INTEGER;    -- integer minor units (cents, fen)
ALTER TABLE events ADD COLUMN currency TEXT;          -- ISO 4217, with value_minor
ALTER TABLE events ADD COLUMN attributed INTEGER;     -- conversions: 1 inside the window, 0 outside
ALTER TABLE events ADD COLUMN props TEXT;             -- small flat JSON object from the page
CREATE INDEX events_by_click ON events (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX events_by_recipient ON events (link, recipient, ts) WHERE recipient IS NOT NULL;

-- Which campaign each link belongs to, so a conversion named by campaign finds its links.
CREATE TABLE link_campaigns (
  link        TEXT PRIMARY KEY,
  campaign    TEXT NOT NULL
) STRICT;
INSERT OR IGNORE INTO link_campaigns (link, campaign)
  SELECT link, campaign FROM events GROUP BY link;
CREATE INDEX link_campaigns_by_campaign ON link_campaigns (campaign);
