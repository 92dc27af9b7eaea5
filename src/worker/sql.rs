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

pub const SENT_AT: &str = "SELECT sent_at FROM sends WHERE link = ?1 AND recipient = ?2";

/// Page of the click log after a (ts, id) cursor, optionally for one link.
pub const EVENTS_PAGE: &str =
    "SELECT id, ts, link, campaign, variant, recipient, method, outcome, \
 target, platform, vendor, in_app, bot, bot_reason, country, ip_prefix, user_agent, received_at \
 FROM events WHERE (?1 IS NULL OR link = ?1) AND (ts, id) > (?2, ?3) \
 ORDER BY ts, id LIMIT ?4";

/// Ledger rows touching a batch: by external id or by explicit seq (JSON arrays in ?2, ?3).
pub const LEDGER_EXISTING: &str = "SELECT recipient, external_id FROM sends WHERE link = ?1 \
 AND (external_id IN (SELECT value FROM json_each(?2)) OR recipient IN (SELECT value FROM json_each(?3)))";

pub const LEDGER_MAX_SEQ: &str =
    "SELECT COALESCE(MAX(recipient), 0) AS max_seq FROM sends WHERE link = ?1";

pub const INSERT_SEND: &str =
    "INSERT INTO sends (link, recipient, external_id, segment, variant, sent_at, created_at) \
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
