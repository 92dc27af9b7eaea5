//! Every statement wakelink runs against D1 (tables: see migrations/).

pub const INSERT_EVENT: &str = "INSERT OR IGNORE INTO events \
 (id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor, in_app, \
  bot, bot_reason, country, ip_prefix, user_agent, received_at) \
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/// Earliest human click per recipient wins; ties go to the smaller id, so any delivery order
/// (and any redelivery) leaves the same row. This statement is the one place the rule lives;
/// tests/e2e/recipients.test.mjs delivers reordered and duplicated batches against it.
pub const UPSERT_FIRST_CLICK: &str = "INSERT INTO first_clicks (link, recipient, event_id, ts) \
 VALUES (?1, ?2, ?3, ?4) \
 ON CONFLICT (link, recipient) DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts \
 WHERE excluded.ts < first_clicks.ts \
    OR (excluded.ts = first_clicks.ts AND excluded.event_id < first_clicks.event_id)";

/// A recipient's coupon code, read only for landing pages of per-recipient links.
pub const SEND_COUPON: &str = "SELECT coupon FROM sends WHERE link = ?1 AND recipient = ?2";

pub const SENT_AT: &str = "SELECT sent_at FROM sends WHERE link = ?1 AND recipient = ?2";

/// Page of the event log (clicks, steps, conversions) after a (ts, id) cursor, optionally
/// for one link, kind, step and recipient.
pub const EVENTS_PAGE: &str =
    "SELECT id, ts, kind, link, campaign, variant, recipient, step, method, outcome, \
 target, platform, vendor, in_app, bot, bot_reason, country, ip_prefix, user_agent, \
 click_id, external_id, value_minor, currency, attributed, props, received_at \
 FROM events WHERE (?1 IS NULL OR link = ?1) AND (ts, id) > (?2, ?3) \
 AND (?5 IS NULL OR kind = ?5) AND (?6 IS NULL OR step = ?6) AND (?7 IS NULL OR recipient = ?7) \
 ORDER BY ts, id LIMIT ?4";

/// Ledger rows touching a batch: by external id or by explicit seq (JSON arrays in ?2, ?3).
pub const LEDGER_EXISTING: &str = "SELECT recipient, external_id FROM sends WHERE link = ?1 \
 AND (external_id IN (SELECT value FROM json_each(?2)) OR recipient IN (SELECT value FROM json_each(?3)))";

pub const LEDGER_MAX_SEQ: &str =
    "SELECT COALESCE(MAX(recipient), 0) AS max_seq FROM sends WHERE link = ?1";

pub const INSERT_SEND: &str =
    "INSERT INTO sends (link, recipient, external_id, segment, variant, sent_at, created_at) \
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// A page step or a conversion; the id decides idempotency (see domain::funnel).
pub const INSERT_STEP: &str = "INSERT OR IGNORE INTO events \
 (id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor, in_app, \
  bot, bot_reason, country, ip_prefix, user_agent, received_at, \
  kind, step, click_id, external_id, value_minor, currency, attributed, props) \
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'post', ?7, NULL, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
  ?7, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";

/// The campaign a link belongs to, kept current from the link API and from clicks.
pub const UPSERT_LINK_CAMPAIGN: &str =
    "INSERT INTO link_campaigns (link, campaign) VALUES (?1, ?2) \
 ON CONFLICT (link) DO UPDATE SET campaign = excluded.campaign \
 WHERE link_campaigns.campaign <> excluded.campaign";

/// Ledger rows (with first click and campaign) for conversions, one statement per way of
/// naming the recipient. ?1 is a JSON array of `[row index, link or campaign, seq or id]`.
pub const TOUCHES_BY_SEQ: &str = "SELECT json_extract(j.value, '$[0]') AS i, s.link, s.recipient, \
 s.external_id, s.variant, s.sent_at, f.ts AS clicked_at, lc.campaign \
 FROM json_each(?1) j \
 JOIN sends s ON s.link = json_extract(j.value, '$[1]') AND s.recipient = json_extract(j.value, '$[2]') \
 LEFT JOIN first_clicks f ON f.link = s.link AND f.recipient = s.recipient \
 LEFT JOIN link_campaigns lc ON lc.link = s.link";

pub const TOUCHES_BY_EXTERNAL_ID: &str = "SELECT json_extract(j.value, '$[0]') AS i, s.link, \
 s.recipient, s.external_id, s.variant, s.sent_at, f.ts AS clicked_at, lc.campaign \
 FROM json_each(?1) j \
 JOIN sends s ON s.link = json_extract(j.value, '$[1]') AND s.external_id = json_extract(j.value, '$[2]') \
 LEFT JOIN first_clicks f ON f.link = s.link AND f.recipient = s.recipient \
 LEFT JOIN link_campaigns lc ON lc.link = s.link";

pub const TOUCHES_BY_CAMPAIGN: &str = "SELECT json_extract(j.value, '$[0]') AS i, s.link, \
 s.recipient, s.external_id, s.variant, s.sent_at, f.ts AS clicked_at, lc.campaign \
 FROM json_each(?1) j \
 JOIN link_campaigns lc ON lc.campaign = json_extract(j.value, '$[1]') \
 JOIN sends s ON s.link = lc.link AND s.external_id = json_extract(j.value, '$[2]') \
 LEFT JOIN first_clicks f ON f.link = s.link AND f.recipient = s.recipient";
