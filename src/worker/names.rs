//! Binding names and KV key formats: the one place they are spelled.

pub const LINKS_KV: &str = "LINKS";
pub const EVENTS_QUEUE: &str = "EVENTS";
pub const DB: &str = "DB";
/// The campaign stores: one SQLite-backed Durable Object per campaign (`worker::store`).
#[cfg(feature = "ops")]
pub const CAMPAIGN_STORE: &str = "CAMPAIGNS";
/// The R2 bucket of the daily NDJSON archive (`worker::archive`).
#[cfg(feature = "ops")]
pub const ARCHIVE_BUCKET: &str = "ARCHIVE";
/// The edge worker's service binding to the ops worker.
#[cfg(feature = "edge")]
pub const OPS_SERVICE: &str = "OPS";
/// Rate limiters (wrangler.toml `[[ratelimits]]`): clicks per link and client or recipient,
/// and SDK beacons per client.
#[cfg(feature = "edge")]
pub const CLICK_LIMIT: &str = "CLICK_LIMIT";
#[cfg(feature = "edge")]
pub const BEACON_LIMIT: &str = "BEACON_LIMIT";
/// The dead-letter queue's name (wrangler.ops.toml `dead_letter_queue`); its consumer parks.
#[cfg(feature = "ops")]
pub const DEAD_LETTER_QUEUE: &str = "wakelink-events-dlq";

pub const VAR_LINK_CACHE_TTL_SECS: &str = "LINK_CACHE_TTL_SECS";
pub const VAR_MIN_CLICK_DELAY_SECS: &str = "MIN_CLICK_DELAY_SECS";
pub const VAR_SCANNER_BURST_SECS: &str = "SCANNER_BURST_SECS";
pub const VAR_NETWORK_BURST_SECS: &str = "NETWORK_BURST_SECS";
pub const VAR_NETWORK_BURST_RECIPIENTS: &str = "NETWORK_BURST_RECIPIENTS";
pub const VAR_IOS_APP_IDS: &str = "IOS_APP_IDS";
pub const VAR_ANDROID_APPS: &str = "ANDROID_APPS";
pub const VAR_SDK_ORIGINS: &str = "SDK_ORIGINS";
pub const SECRET_API_KEYS: &str = "API_KEYS";
pub const SECRET_SIGNING_KEYS: &str = "WAKELINK_SIGNING_KEYS";

/// Link configuration: `link:{code}` → the operator's JSON.
pub fn link_key(code: &str) -> String {
    format!("link:{code}")
}

/// Events whose Queue send failed, waiting for the cron drain: `spool:{event id}`.
pub const SPOOL_PREFIX: &str = "spool:";

pub fn spool_key(event_id: &str) -> String {
    format!("{SPOOL_PREFIX}{event_id}")
}
