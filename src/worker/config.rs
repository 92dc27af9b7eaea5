//! Configuration, read once per isolate from the environment into a typed struct.

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use super::names::*;
use crate::domain::auth::ApiKeys;
use crate::domain::clickid::ClickKeys;
use crate::domain::funnel::parse_origins;
use crate::domain::judge::Rules;
use crate::domain::token::Keyring;

pub struct Config {
    pub api_keys: ApiKeys,
    /// Recipient-token keys; `None` when the secret is unset (per-recipient links then 404).
    pub keyring: Option<Keyring>,
    /// Click-id keys, derived from the same secret; `None` without it (no signed click ids).
    pub click_keys: Option<ClickKeys>,
    pub link_cache_ttl_ms: u64,
    pub min_click_delay_ms: u64,
    pub scanner_burst_ms: u64,
    pub network_burst_ms: u64,
    pub network_burst_recipients: usize,
    #[cfg_attr(feature = "ops", allow(dead_code))]
    pub ios_app_ids: String,
    #[cfg_attr(feature = "ops", allow(dead_code))]
    pub android_apps: String,
    #[cfg_attr(feature = "ops", allow(dead_code))]
    /// Other origins whose pages may post events (`SDK_ORIGINS`, comma-separated).
    pub sdk_origins: Vec<String>,
}

thread_local! {
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|v| v.to_string())
}

fn secs_ms(env: &Env, name: &str, default_secs: u64) -> u64 {
    var(env, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(default_secs)
        .saturating_mul(1000)
}

impl Config {
    fn read(env: &Env) -> Config {
        let keyring =
            secret(env, SECRET_SIGNING_KEYS).and_then(|spec| match Keyring::parse(&spec) {
                Ok(k) => Some(k),
                Err(e) => {
                    worker::console_error!("{SECRET_SIGNING_KEYS} is unusable: {e}");
                    None
                }
            });
        let api_keys = ApiKeys::parse(&secret(env, SECRET_API_KEYS).unwrap_or_default());
        if api_keys.is_empty() {
            worker::console_warn!(
                "{SECRET_API_KEYS} holds no key of 16+ bytes: the API refuses all requests"
            );
        }
        Config {
            api_keys,
            click_keys: keyring.as_ref().map(ClickKeys::derive),
            keyring,
            link_cache_ttl_ms: secs_ms(env, VAR_LINK_CACHE_TTL_SECS, 30),
            min_click_delay_ms: secs_ms(env, VAR_MIN_CLICK_DELAY_SECS, 5),
            scanner_burst_ms: secs_ms(env, VAR_SCANNER_BURST_SECS, 60),
            network_burst_ms: secs_ms(env, VAR_NETWORK_BURST_SECS, 10),
            network_burst_recipients: var(env, VAR_NETWORK_BURST_RECIPIENTS)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(Rules::DEFAULT.net_burst_recipients),
            ios_app_ids: var(env, VAR_IOS_APP_IDS).unwrap_or_default(),
            android_apps: var(env, VAR_ANDROID_APPS).unwrap_or_default(),
            sdk_origins: parse_origins(&var(env, VAR_SDK_ORIGINS).unwrap_or_default()),
        }
    }

    /// The windows re-judging uses (`domain::judge`).
    pub fn judge_rules(&self) -> Rules {
        Rules {
            min_gap_ms: self.min_click_delay_ms,
            burst_ms: self.scanner_burst_ms,
            net_burst_ms: self.network_burst_ms,
            net_burst_recipients: self.network_burst_recipients,
        }
    }

    /// The isolate's configuration, read on first use.
    pub fn get(env: &Env) -> Rc<Config> {
        CONFIG.with(|cell| {
            let mut slot = cell.borrow_mut();
            match slot.as_ref() {
                Some(cfg) => cfg.clone(),
                None => {
                    let cfg = Rc::new(Config::read(env));
                    *slot = Some(cfg.clone());
                    cfg
                }
            }
        })
    }
}
