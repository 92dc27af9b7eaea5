//! Every statement wakelink runs against D1 (tables: see migrations/).

/// A batch's clicks, set-based: ?1 is a JSON array of rows as `domain::logrows::click_row`
/// makes them (at most `ledger::MAX_STATEMENT_JSON` bytes), ?2 the time of the write.
/// `ON CONFLICT (id) DO NOTHING`: a redelivered event is skipped, while a NOT NULL or CHECK
/// violation still fails the batch (INSERT OR IGNORE would hide it).
pub const INSERT_EVENTS: &str = "INSERT INTO events \
 (id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor, in_app, \
  bot, bot_reason, country, ip_prefix, user_agent, received_at) \
 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
  json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
  json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'), \
  json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'), \
  json_extract(value, '$[12]'), json_extract(value, '$[13]'), json_extract(value, '$[14]'), \
  json_extract(value, '$[15]'), json_extract(value, '$[16]'), ?2 \
 FROM json_each(?1) WHERE true ON CONFLICT (id) DO NOTHING";

#[cfg(feature = "edge")]
/// A recipient's coupon code, read only for landing pages of per-recipient links.
pub const SEND_COUPON: &str = "SELECT coupon FROM sends WHERE link = ?1 AND recipient = ?2";

/// Page of the event log (clicks, steps, conversions) after a (ts, id) cursor, optionally
/// for one link or campaign, kind, step, recipient, bot flag and before a time. Separate
/// statements rather than `(?1 IS NULL OR link = ?1)` for the scope, so the per-link and
/// per-campaign queries can use their (link|campaign, ts, id) index. Binds: ?1 link, ?2 ?3
/// cursor, ?4 limit, ?5 kind, ?6 step, ?7 recipient, ?8 campaign, ?9 until, ?10 bot.
pub fn events_page(for_link: bool, for_campaign: bool) -> String {
    let link = if for_link { "link = ?1" } else { "?1 IS NULL" };
    let campaign = if for_campaign && !for_link {
        "campaign = ?8"
    } else {
        "(?8 IS NULL OR campaign = ?8)"
    };
    format!(
        "SELECT {} FROM events WHERE {link} AND {campaign} AND (ts, id) > (?2, ?3) \
 AND (?5 IS NULL OR kind = ?5) AND (?6 IS NULL OR step = ?6) AND (?7 IS NULL OR recipient = ?7) \
 AND (?9 IS NULL OR ts < ?9) AND (?10 IS NULL OR bot = ?10) \
 ORDER BY ts, id LIMIT ?4",
        crate::domain::export::COLUMNS.join(", ")
    )
}

/// A page of link codes (optionally of one campaign, ?3) after ?1, from the table every link
/// write keeps; a deleted link's row stays (its ledger is still attributed), so the caller
/// checks the link itself.
pub const LINKS_PAGE: &str = "SELECT link, campaign FROM link_campaigns \
 WHERE link > ?1 AND (?3 IS NULL OR campaign = ?3) ORDER BY link LIMIT ?2";

/// The daily archive (`worker::archive`), by the day the log received each event (table
/// `archive_received`, migration 0101): the day being written, if any.
pub const ARCHIVE_OPEN: &str = "SELECT day, day_start, next_part, events, after_ts, after_id \
 FROM archive_received WHERE done_at IS NULL ORDER BY day_start LIMIT 1";

/// When the log received its first event at or after ?1 (the day after the last archived one).
pub const ARCHIVE_NEXT_EVENT: &str =
    "SELECT received_at AS ts FROM events WHERE received_at >= ?1 ORDER BY received_at, id LIMIT 1";

/// Where the next day to archive starts: after the latest day begun.
pub const ARCHIVE_LAST_DAY: &str = "SELECT MAX(day_start) AS day_start FROM archive_received";

/// Opens a day (?1 name, ?2 its midnight, ?3 now); a day opened already is left as it is.
pub const ARCHIVE_BEGIN: &str = "INSERT INTO archive_received \
 (day, day_start, next_part, events, after_ts, after_id, updated_at) \
 VALUES (?1, ?2, 0, 0, ?2, '', ?3) ON CONFLICT (day) DO NOTHING";

/// Records a written part: only if no other run recorded it first (?2 the part expected).
/// ?3 parts added (0 or 1), ?4 events added, ?5 ?6 the new position, ?7 done (1) or not, ?8 now.
pub const ARCHIVE_ADVANCE: &str = "UPDATE archive_received SET next_part = next_part + ?3, \
 events = events + ?4, after_ts = ?5, after_id = ?6, \
 done_at = CASE WHEN ?7 = 1 THEN ?8 ELSE NULL END, updated_at = ?8 \
 WHERE day = ?1 AND next_part = ?2 AND done_at IS NULL";

/// A page of the events the log received after the position (?1 received_at, ?2 id) and
/// before ?3, in (received_at, id) order, ?4 at most; columns as the export shows them.
pub fn archive_page() -> String {
    format!(
        "SELECT {} FROM events WHERE (received_at, id) > (?1, ?2) AND received_at < ?3 \
 ORDER BY received_at, id LIMIT ?4",
        crate::domain::export::COLUMNS.join(", ")
    )
}

/// Ledger rows touching a batch: by external id within the link's current generation (?4), or
/// by seq (JSON arrays in ?2, ?3).
pub const LEDGER_EXISTING: &str = "SELECT recipient, external_id FROM sends WHERE link = ?1 \
 AND ((generation = ?4 AND external_id IN (SELECT value FROM json_each(?2))) \
   OR recipient IN (SELECT value FROM json_each(?3)))";

/// The first of the explicit seqs (JSON array in ?2) that is neither in the ledger nor in a
/// range reserved for this link generation (?3): a list minted without a reservation.
pub const LEDGER_UNRESERVED: &str = "SELECT j.value AS seq FROM json_each(?2) j \
 WHERE NOT EXISTS (SELECT 1 FROM sends s WHERE s.link = ?1 AND s.recipient = j.value) \
   AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.link = ?1 AND r.generation = ?3 \
                   AND r.first <= j.value AND r.last >= j.value) \
 LIMIT 1";

/// Page steps and conversions, set-based: ?1 is a JSON array of rows as
/// `domain::logrows::step_row` makes them, ?2 the time of the write. The id decides
/// idempotency (see domain::funnel); a step's outcome is its kind, its method `post`.
pub const INSERT_STEPS: &str = "INSERT INTO events \
 (id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor, in_app, \
  bot, bot_reason, country, ip_prefix, user_agent, received_at, \
  kind, step, click_id, external_id, value_minor, currency, attributed, props) \
 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
  json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), 'post', \
  json_extract(value, '$[6]'), NULL, json_extract(value, '$[7]'), json_extract(value, '$[8]'), \
  json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'), \
  json_extract(value, '$[12]'), json_extract(value, '$[13]'), json_extract(value, '$[14]'), ?2, \
  json_extract(value, '$[6]'), json_extract(value, '$[15]'), json_extract(value, '$[16]'), \
  json_extract(value, '$[17]'), json_extract(value, '$[18]'), json_extract(value, '$[19]'), \
  json_extract(value, '$[20]'), json_extract(value, '$[21]') \
 FROM json_each(?1) WHERE true ON CONFLICT (id) DO NOTHING";

/// The campaign a link belongs to, kept current from the link API and from clicks.
pub const UPSERT_LINK_CAMPAIGN: &str =
    "INSERT INTO link_campaigns (link, campaign) VALUES (?1, ?2) \
 ON CONFLICT (link) DO UPDATE SET campaign = excluded.campaign \
 WHERE link_campaigns.campaign <> excluded.campaign";

/// The same for a batch's clicks, set-based: ?1 is a JSON array of `[link, campaign]`.
pub const UPSERT_LINK_CAMPAIGNS: &str = "INSERT INTO link_campaigns (link, campaign) \
 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1) WHERE true \
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

/// Takes the next ?3 numbers of link ?1's one counter and records the range, atomically (one
/// statement): after every range handed out before and every seq in the ledger. No row comes
/// back when the link has no numbers left.
pub const RESERVE: &str =
    "INSERT INTO reservations (link, first, last, generation, source, created_at) \
 SELECT ?1, t + 1, t + ?3, ?2, ?4, ?5 FROM (SELECT MAX( \
   COALESCE((SELECT last FROM reservations WHERE link = ?1 ORDER BY first DESC LIMIT 1), 0), \
   COALESCE((SELECT MAX(recipient) FROM sends WHERE link = ?1), 0)) AS t) \
 WHERE t + ?3 <= 1099511627775 \
 RETURNING first, last";

/// New ledger rows, set-based: ?4 is a JSON array of `[seq, external_id, segment, variant,
/// sent_at]` (at most `ledger::MAX_STATEMENT_JSON` bytes).
pub const INSERT_SENDS: &str =
    "INSERT INTO sends (link, recipient, external_id, segment, variant, sent_at, coupon, channel, \
   cost_minor, created_at, generation) \
 SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
        json_extract(value, '$[6]'), json_extract(value, '$[7]'), ?3, ?2 \
 FROM json_each(?4)";

/// Re-judging: every click (not page steps or conversions) of the recipients in ?1 (JSON `[[link, seq], ...]`) with the ledger's
/// send time, as one JSON text (`j`) of `[link, seq, id, ts, bot, bot_reason, sent_at, ip_prefix]` rows
/// ordered by recipient, so one read needs no per-row decoding in the worker.
pub const JUDGE_READ: &str = "SELECT json_group_array(json_array(link, recipient, id, ts, bot, \
 bot_reason, sent_at, ip_prefix)) AS j \
 FROM (SELECT e.link, e.recipient, e.id, e.ts, e.bot, e.bot_reason, s.sent_at, e.ip_prefix FROM events e \
   JOIN json_each(?1) w ON e.link = json_extract(w.value, '$[0]') \
    AND e.recipient = json_extract(w.value, '$[1]') \
   LEFT JOIN sends s ON s.link = e.link AND s.recipient = e.recipient \
   WHERE e.kind = 'click' \
   ORDER BY e.link, e.recipient)";

/// Re-judging, network bursts: the clicks of other recipients of the same links from the same
/// networks within ?2 ms of the given (link, recipient) pairs' clicks (JSON `[[link, seq], ...]`
/// in ?1), as `[link, recipient, ts, ip_prefix]`, ordered by link. Uses `events_by_link_network`
/// (migration 0100): one network's clicks on the link, not all of the link's. (The `+` keeps
/// that index off `e`, which `events_by_recipient` finds by (link, recipient).)
pub const JUDGE_CROWD: &str =
    "SELECT json_group_array(json_array(link, recipient, ts, ip_prefix)) AS j \
 FROM (SELECT DISTINCT o.link, o.recipient, o.ts, o.ip_prefix FROM json_each(?1) w \
   JOIN events e ON e.link = json_extract(w.value, '$[0]') \
    AND e.recipient = json_extract(w.value, '$[1]') \
   JOIN events o ON o.link = e.link AND o.ip_prefix = +e.ip_prefix \
    AND o.ts BETWEEN e.ts - ?2 AND e.ts + ?2 AND o.recipient <> e.recipient \
   WHERE e.kind = 'click' AND o.kind = 'click' AND +e.ip_prefix IS NOT NULL \
    AND o.ip_prefix IS NOT NULL AND o.recipient IS NOT NULL \
   ORDER BY o.link, o.recipient, o.ts)";

/// The consumer's first crowd read: the same rows as [`JUDGE_CROWD`], around the clicks whose
/// event ids are in ?1 (JSON array: a batch's clicks), found by id. Uses
/// `events_by_link_network` for the others.
pub const JUDGE_CROWD_OF_CLICKS: &str =
    "SELECT json_group_array(json_array(link, recipient, ts, ip_prefix)) AS j \
 FROM (SELECT DISTINCT o.link, o.recipient, o.ts, o.ip_prefix FROM json_each(?1) w \
   JOIN events e ON e.id = w.value \
   JOIN events o ON o.link = e.link AND o.ip_prefix = +e.ip_prefix \
    AND o.ts BETWEEN e.ts - ?2 AND e.ts + ?2 AND o.recipient <> e.recipient \
   WHERE e.kind = 'click' AND o.kind = 'click' AND +e.ip_prefix IS NOT NULL \
    AND e.recipient IS NOT NULL AND o.ip_prefix IS NOT NULL AND o.recipient IS NOT NULL \
   ORDER BY o.link, o.recipient, o.ts)";

/// Re-judging: adds flags (JSON `[[event id, reason], ...]` in ?1), only to clicks not flagged
/// yet: a flag is never lifted or renamed.
pub const JUDGE_FLAG: &str =
    "UPDATE events SET bot = 1, bot_reason = json_extract(j.value, '$[1]') \
 FROM json_each(?1) j WHERE events.id = json_extract(j.value, '$[0]') AND events.bot = 0 \
   AND events.kind = 'click'";

/// Re-judging, first of two statements run together: forget the recipients' first clicks…
pub const FIRST_CLICKS_CLEAR: &str = "DELETE FROM first_clicks WHERE (link, recipient) IN \
 (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))";

/// …and take them again from the log: the earliest unflagged click that reached a destination,
/// ties to the smaller id. With the clear above, in one transaction, this is the one place the
/// first-click rule lives; any order and any redelivery of events or ledger rows ends the same.
pub const FIRST_CLICKS_RECOMPUTE: &str =
    "INSERT INTO first_clicks (link, recipient, event_id, ts) \
 SELECT link, recipient, id, ts FROM ( \
   SELECT e.link, e.recipient, e.id, e.ts, \
          ROW_NUMBER() OVER (PARTITION BY e.link, e.recipient ORDER BY e.ts, e.id) AS rn \
   FROM events e JOIN json_each(?1) j ON e.link = json_extract(j.value, '$[0]') \
    AND e.recipient = json_extract(j.value, '$[1]') \
   WHERE e.kind = 'click' AND e.bot = 0 AND e.target IS NOT NULL) \
 WHERE rn = 1";

/// The consumer's first-click rule for the clicks a batch brought (event ids, JSON array in
/// ?1): each recipient's earliest of them that is unflagged *now* and reached a destination
/// becomes the first click if it is earlier than the one kept (ties to the smaller id). It
/// only moves a first click earlier, so batches may run it in any order and twice; a flag,
/// the one thing that can make a first click later, is followed by the clear and recompute
/// above for that recipient. The flag is read as the statement runs, so a click another run
/// flagged meanwhile never becomes a first click.
pub const FIRST_CLICKS_ADVANCE: &str = "INSERT INTO first_clicks (link, recipient, event_id, ts) \
 SELECT link, recipient, id, ts FROM ( \
   SELECT e.link, e.recipient, e.id, e.ts, \
          ROW_NUMBER() OVER (PARTITION BY e.link, e.recipient ORDER BY e.ts, e.id) AS rn \
   FROM json_each(?1) j JOIN events e ON e.id = j.value \
   WHERE e.kind = 'click' AND e.bot = 0 AND e.target IS NOT NULL AND e.recipient IS NOT NULL) \
 WHERE rn = 1 \
 ON CONFLICT (link, recipient) DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts \
 WHERE (excluded.ts, excluded.event_id) < (first_clicks.ts, first_clicks.event_id)";

/// An issued API key by id, unless revoked.
pub const KEY_BY_ID: &str =
    "SELECT scopes, digest, last_used_at FROM api_keys WHERE id = ?1 AND revoked_at IS NULL";

/// Marks a key used at ?2 (unix ms), at most once a minute: a use within the minute writes
/// nothing.
pub const KEY_USED: &str = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 \
 AND (last_used_at IS NULL OR last_used_at <= ?2 - 60000)";

/// A new key, unless ?6 keys are already active (then no row comes back).
pub const KEY_INSERT: &str = "INSERT INTO api_keys (id, name, scopes, digest, created_at) \
 SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL) < ?6 \
 RETURNING id";

/// Keys (revoked ones too) after the id ?1, in id order, ?2 at most.
pub const KEYS_PAGE: &str = "SELECT id, name, scopes, created_at, last_used_at, revoked_at \
 FROM api_keys WHERE id > ?1 ORDER BY id LIMIT ?2";

pub const KEY_ONE: &str = "SELECT id, name, scopes, created_at, last_used_at, revoked_at \
 FROM api_keys WHERE id = ?1";

/// Revokes a key at ?2; a key revoked before keeps its first revocation time.
pub const KEY_REVOKE: &str =
    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1 RETURNING id";

/// Creates or replaces a campaign record; the revision tells which (1: created).
pub const CAMPAIGN_PUT: &str =
    "INSERT INTO campaigns (id, record, revision, created_at, updated_at) VALUES (?1, ?2, 1, ?3, ?3) \
 ON CONFLICT (id) DO UPDATE SET record = excluded.record, revision = campaigns.revision + 1, \
 updated_at = excluded.updated_at RETURNING revision, created_at, updated_at";

pub const CAMPAIGN_GET: &str =
    "SELECT id, record, revision, created_at, updated_at FROM campaigns WHERE id = ?1";

/// The campaign records named in ?1 (a JSON array of ids).
pub const CAMPAIGNS_BY_ID: &str =
    "SELECT id, record FROM campaigns WHERE id IN (SELECT value FROM json_each(?1))";

pub const CAMPAIGN_DELETE: &str = "DELETE FROM campaigns WHERE id = ?1 RETURNING id";

/// The records of the campaigns named in ?1 (a JSON array of ids).
pub const CAMPAIGN_RECORDS: &str =
    "SELECT id, record FROM campaigns WHERE id IN (SELECT value FROM json_each(?1))";

/// Campaigns after the id ?1, in id order, ?2 at most.
pub const CAMPAIGNS_PAGE: &str = "SELECT id, record, revision, created_at, updated_at \
 FROM campaigns WHERE id > ?1 ORDER BY id LIMIT ?2";

/// Parks dead letters, set-based: ?1 is a JSON array of objects (one statement per chunk,
/// whatever the count). A redelivered message id parks nothing new.
pub const PARK_LETTERS: &str = "INSERT INTO dead_letters \
 (message_id, queue, reason, detail, body, size, truncated, parked_at) \
 SELECT json_extract(value, '$.message_id'), json_extract(value, '$.queue'), \
  json_extract(value, '$.reason'), json_extract(value, '$.detail'), json_extract(value, '$.body'), \
  json_extract(value, '$.size'), json_extract(value, '$.truncated'), ?2 \
 FROM json_each(?1) WHERE true ON CONFLICT (message_id) DO NOTHING";

#[cfg(feature = "edge")]
pub const COUNT_PARKED: &str = "SELECT COUNT(*) AS n FROM dead_letters WHERE replayed_at IS NULL";

/// Letters an operator asked to replay (at most ?1), oldest first. Cut bodies can't be
/// replayed and are never picked.
pub const REPLAY_DUE: &str = "SELECT seq, body FROM dead_letters \
 WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL AND truncated = 0 \
 ORDER BY seq LIMIT ?1";

pub const MARK_REPLAYED: &str = "UPDATE dead_letters SET replayed_at = ?2 \
 WHERE seq IN (SELECT value FROM json_each(?1))";

/// A page of dead letters after the letter ?1, ?2 at most: parked ones (the first, which the
/// (replayed_at, seq) index serves) or all of them.
pub const LETTERS_PARKED: &str = "SELECT seq, message_id, queue, reason, detail, body, size, \
 truncated, parked_at, replay_requested_at, replayed_at FROM dead_letters \
 WHERE replayed_at IS NULL AND seq > ?1 ORDER BY seq LIMIT ?2";

pub const LETTERS_ALL: &str = "SELECT seq, message_id, queue, reason, detail, body, size, \
 truncated, parked_at, replay_requested_at, replayed_at FROM dead_letters \
 WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/// Asks for the replay of the letters in ?1 (a JSON array of ids) at ?2: only parked ones
/// whose body was kept whole. Returns the ids it marked.
pub const REQUEST_REPLAY: &str = "UPDATE dead_letters SET replay_requested_at = ?2 \
 WHERE seq IN (SELECT value FROM json_each(?1)) AND replayed_at IS NULL AND truncated = 0 \
 RETURNING seq";

/// The same for every parked letter.
pub const REQUEST_REPLAY_ALL: &str = "UPDATE dead_letters SET replay_requested_at = ?1 \
 WHERE replayed_at IS NULL AND truncated = 0 RETURNING seq";

/// Store backfill (`worker::backfill`): the links still to move, oldest request first (?1 at
/// most).
#[cfg(feature = "ops")]
pub const BACKFILL_DUE: &str =
    "SELECT link, phase, after_seq, after_ts, after_id FROM store_backfill \
 WHERE phase <> 'done' ORDER BY requested_at, link LIMIT ?1";

/// A page of a link's ledger (generation ?2) after recipient ?3, ?4 rows at most, as one JSON
/// text of `[seq, external_id, segment, variant, sent_at, channel, cost_minor]` rows.
#[cfg(feature = "ops")]
pub const BACKFILL_SENDS: &str = "SELECT json_group_array(json_array(recipient, external_id, \
 segment, variant, sent_at, channel, cost_minor)) FROM (SELECT * FROM sends \
 WHERE link = ?1 AND generation = ?2 AND recipient > ?3 ORDER BY recipient LIMIT ?4)";

/// A page of a link's events after (?2 ts, ?3 id), ?4 at most, in (ts, id) order (the
/// per-link index), each as the Queue message it was written from (a step's method and
/// outcome are the log's own, `post` and its kind, not the message's; the user agent is left
/// out: the stores don't keep it).
#[cfg(feature = "ops")]
pub const BACKFILL_EVENTS: &str = "SELECT json_group_array(json_object('kind', kind, 'id', id, \
 'ts', ts, 'link', link, 'campaign', campaign, 'variant', variant, 'recipient', recipient, \
 'method', CASE WHEN kind = 'click' THEN method END, \
 'outcome', CASE WHEN kind = 'click' THEN outcome END, 'target', target, 'platform', platform, 'vendor', vendor, \
 'in_app', in_app, 'bot', json(CASE WHEN bot THEN 'true' ELSE 'false' END), \
 'bot_reason', bot_reason, 'country', country, 'ip_prefix', ip_prefix, 'step', step, \
 'click_id', click_id, 'external_id', external_id, 'value_minor', value_minor, \
 'currency', currency, 'attributed', CASE attributed WHEN 1 THEN json('true') \
   WHEN 0 THEN json('false') END)) \
 FROM (SELECT * FROM events WHERE link = ?1 AND (ts, id) > (?2, ?3) ORDER BY ts, id LIMIT ?4)";

/// Where a link's backfill got to: ?2 phase, cursors ?3-?5, ?6 sends and ?7 events more,
/// done at ?8 (NULL while not).
#[cfg(feature = "ops")]
pub const BACKFILL_ADVANCE: &str = "UPDATE store_backfill SET phase = ?2, after_seq = ?3, \
 after_ts = ?4, after_id = ?5, sends = sends + ?6, events = events + ?7, done_at = ?8 \
 WHERE link = ?1";

/// The campaign store's statements (one SQLite database per campaign, in its Durable Object;
/// see `docs/campaigns.md` and `worker::store`). JSON arrays carry a batch in one statement.
#[cfg(feature = "ops")]
pub mod store {
    /// Run when the object starts; every table is created if missing.
    pub const SCHEMA: &[&str] = &[
        "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS recipients (link TEXT NOT NULL, seq INTEGER NOT NULL, \
         external_id TEXT, sent_at INTEGER, reached TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, \
         PRIMARY KEY (link, seq)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS counters (kind TEXT NOT NULL, variant TEXT NOT NULL, \
         segment TEXT NOT NULL, channel TEXT NOT NULL, axis TEXT NOT NULL, bucket INTEGER NOT NULL, \
         step TEXT NOT NULL, uniq INTEGER NOT NULL DEFAULT 0, raw INTEGER NOT NULL DEFAULT 0, \
         bot INTEGER NOT NULL DEFAULT 0, late INTEGER NOT NULL DEFAULT 0, \
         value_minor INTEGER NOT NULL DEFAULT 0, cost_minor INTEGER NOT NULL DEFAULT 0, \
         unpriced INTEGER NOT NULL DEFAULT 0, \
         PRIMARY KEY (kind, variant, segment, channel, axis, bucket, step)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS refused (id TEXT PRIMARY KEY, code TEXT NOT NULL) WITHOUT ROWID",
    ];

    /// Event ids (JSON array ?1) not seen before are recorded; the new ones come back.
    pub const SEEN_INSERT: &str = "INSERT INTO seen (id) SELECT value FROM json_each(?1) \
     WHERE true ON CONFLICT (id) DO NOTHING RETURNING id";

    /// States of the recipients `[[link, seq], …]` in ?1, as one JSON text of
    /// `[link, seq, external_id, state]` rows.
    pub const STATES_READ: &str =
        "SELECT json_group_array(json_array(r.link, r.seq, r.external_id, r.state)) \
     FROM json_each(?1) j JOIN recipients r \
     ON r.link = json_extract(j.value, '$[0]') AND r.seq = json_extract(j.value, '$[1]')";

    /// Writes states `[[link, seq, external_id, sent_at, reached, state], …]` (?1).
    pub const STATES_WRITE: &str =
        "INSERT INTO recipients (link, seq, external_id, sent_at, reached, state) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
            json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]') \
     FROM json_each(?1) WHERE true \
     ON CONFLICT (link, seq) DO UPDATE SET \
       external_id = COALESCE(recipients.external_id, excluded.external_id), \
       sent_at = excluded.sent_at, reached = excluded.reached, state = excluded.state";

    /// Adds increments `[[kind, variant, segment, channel, axis, bucket, step, uniq, raw, bot,
    /// late, value_minor, cost_minor, unpriced], …]` (?1) to the counters.
    pub const COUNTERS_ADD: &str = "INSERT INTO counters (kind, variant, segment, channel, axis, \
     bucket, step, uniq, raw, bot, late, value_minor, cost_minor, unpriced) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
       json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'), \
       json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'), \
       json_extract(value, '$[12]'), json_extract(value, '$[13]') \
     FROM json_each(?1) WHERE true \
     ON CONFLICT (kind, variant, segment, channel, axis, bucket, step) DO UPDATE SET \
       uniq = uniq + excluded.uniq, raw = raw + excluded.raw, bot = bot + excluded.bot, \
       late = late + excluded.late, value_minor = value_minor + excluded.value_minor, \
       cost_minor = cost_minor + excluded.cost_minor, unpriced = unpriced + excluded.unpriced";

    /// Refused events `[[id, code], …]` (?1).
    pub const REFUSED_INSERT: &str = "INSERT INTO refused (id, code) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1) \
     WHERE true ON CONFLICT (id) DO NOTHING";

    /// The counters of one kind (?1: f funnel, t timing, r retention) that are not all zero,
    /// as one JSON text.
    pub const ROWS: &str = "SELECT json_group_array(json_array(kind, variant, segment, channel, \
     axis, bucket, step, uniq, raw, bot, late, value_minor, cost_minor, unpriced)) \
     FROM counters WHERE kind = ?1 AND (uniq <> 0 OR raw <> 0 OR bot <> 0 OR late <> 0 \
     OR value_minor <> 0 OR cost_minor <> 0 OR unpriced <> 0)";

    /// A page of the follow-up list: sent at or before ?1, step marker ?2 (`,login,`) not in
    /// `reached`, after recipient (?3, ?4), ?5 at most, as `[link, seq, external_id]` rows.
    pub const FOLLOW_UPS: &str = "SELECT json_group_array(json_array(link, seq, external_id)) \
     FROM (SELECT link, seq, external_id FROM recipients \
       WHERE (link, seq) > (?3, ?4) AND sent_at IS NOT NULL AND sent_at <= ?1 \
         AND instr(reached, ?2) = 0 \
       ORDER BY link, seq LIMIT ?5)";

    /// How many the follow-up list holds: sent at or before ?1, step marker ?2 not in
    /// `reached`, with an operator id (the list's lines).
    pub const COUNT_FOLLOW_UPS: &str = "SELECT COUNT(*) FROM recipients \
     WHERE sent_at IS NOT NULL AND sent_at <= ?1 AND instr(reached, ?2) = 0 \
       AND external_id IS NOT NULL";

    pub const COUNT_RECIPIENTS: &str = "SELECT COUNT(*) FROM recipients";
    pub const COUNT_SEEN: &str = "SELECT COUNT(*) FROM seen";
}
