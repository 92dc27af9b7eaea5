-- Exports of one campaign's raw log (GET /api/v1/export?campaign=) read it in (ts, id) order.
CREATE INDEX IF NOT EXISTS events_by_campaign_time ON events (campaign, ts, id);
