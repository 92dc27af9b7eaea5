//! Campaign records: what an operator PUTs at `/api/v1/campaigns/{campaign}`, parsed into a
//! checked [`Campaign`].
//!
//! A campaign groups the links of its copy variants (each link names its variant and the
//! channel it is sent through), orders the funnel's steps, and carries what reading it needs:
//! the follow-up and attribution windows, the time zone hours are read in, one currency, and
//! the cost of a send per channel in integer minor units. Links keep working without a
//! campaign record: their `campaign` label still groups them.
//!
//! Writes are strict ([`CampaignInput::from_json`] refuses unknown fields, naming them);
//! stored records are read leniently ([`CampaignInput::from_stored`] ignores fields a newer
//! version may have added) and checked again by [`CampaignInput::validate`] on every read.
//!
//! ```
//! use wakelink::domain::campaign::CampaignInput;
//! let body = br#"{"name":"Spring recall","currency":"CNY",
//!   "links":[{"code":"spring-a","variant":"A"},{"code":"spring-b","variant":"B"}],
//!   "cost_per_send":{"sms":5}}"#;
//! let c = CampaignInput::from_json(body).unwrap().validate("spring").unwrap();
//! assert_eq!(c.steps.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
//!   ["sent", "clicked", "landing_view", "login", "credit_apply", "credit_granted", "loan"]);
//! assert_eq!(c.time_zone.name(), "Asia/Shanghai");
//! assert!(CampaignInput::from_json(br#"{"name":"x","currency":"CNY","colour":1}"#).is_err());
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::code::ShortCode;
use super::link::{check_label, MAX_ATTRIBUTION_WINDOW_HOURS};
use super::problem::Problem;
use super::step::{Source, Step};
use super::tz::{TimeZone, DEFAULT_ZONE};

/// Longest campaign name.
pub const MAX_NAME_LEN: usize = 120;
/// Most links (variants × channels) in one campaign.
pub const MAX_LINKS: usize = 64;
/// Most steps after `sent` and `clicked`.
pub const MAX_STEPS: usize = 16;
/// Largest cost of one send, in minor units (100,000.00 in a two-decimal currency): sums over
/// 10^10 sends stay inside SQLite's 63-bit integers.
pub const MAX_COST_MINOR: u64 = 10_000_000;
/// Follow-up window when a campaign sets none: 3 days after the send, as the recall
/// articles advise.
pub const DEFAULT_FOLLOW_UP_HOURS: u32 = 72;
/// Attribution window when a campaign sets none (as links: 3 days).
pub const DEFAULT_ATTRIBUTION_HOURS: u32 = 72;
/// Steps after the click when a campaign lists none.
pub const DEFAULT_STEPS: &[&str] = &[
    "landing_view",
    "login",
    "credit_apply",
    "credit_granted",
    "loan",
];

/// How a message reaches a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
    Push,
    Call,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Email, Channel::Push, Channel::Call];

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::Call => "call",
        }
    }
}

/// An ISO 4217 code: three capital letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(s: &str) -> Option<Currency> {
        let b: [u8; 3] = s.as_bytes().try_into().ok()?;
        b.iter().all(u8::is_ascii_uppercase).then_some(Currency(b))
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII capitals by construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

/// Written as its code (`"CNY"`): how facts carry it to a campaign's store.
impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::parse(&s).ok_or_else(|| serde::de::Error::custom("not an ISO 4217 code"))
    }
}

/// A funnel step as a campaign orders it: the two wakelink records itself, then steps
/// reported by landing pages or the app's backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FunnelStep {
    Sent,
    Clicked,
    Step(Step),
}

impl FunnelStep {
    pub fn as_str(&self) -> &str {
        match self {
            FunnelStep::Sent => "sent",
            FunnelStep::Clicked => "clicked",
            FunnelStep::Step(s) => s.as_str(),
        }
    }

    /// `sent`, `clicked`, or any step either side may report (fixed or `x:` custom).
    pub fn parse(s: &str) -> Option<FunnelStep> {
        match s {
            "sent" => Some(FunnelStep::Sent),
            "clicked" => Some(FunnelStep::Clicked),
            _ => Step::parse(s, Source::Server)
                .or_else(|_| Step::parse(s, Source::Browser))
                .ok()
                .map(FunnelStep::Step),
        }
    }
}

/// The JSON of a campaign, as PUT and as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CampaignInput {
    pub name: String,
    #[serde(default)]
    pub links: Vec<CampaignLinkInput>,
    /// Steps after `sent` and `clicked`, in funnel order; `sent` and `clicked` may be given
    /// first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_after_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_window_hours: Option<u32>,
    /// IANA name; default `Asia/Shanghai`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// ISO 4217; every cost and conversion value of the campaign is in it.
    pub currency: String,
    /// The channel of links that name none; default `sms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_channel: Option<String>,
    #[serde(default)]
    pub cost_per_send: CostsInput,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CampaignLinkInput {
    pub code: String,
    pub variant: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// Cost of one send per channel in minor units; a channel left out has no known cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CostsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<u64>,
}

/// Field names a write may carry, per object; anything else is refused.
const TOP_FIELDS: &[&str] = &[
    "name",
    "links",
    "steps",
    "follow_up_after_hours",
    "attribution_window_hours",
    "time_zone",
    "currency",
    "default_channel",
    "cost_per_send",
];
const LINK_FIELDS: &[&str] = &["code", "variant", "channel"];
const COST_FIELDS: &[&str] = &["sms", "email", "push", "call"];

fn unknown_field(obj: &Value, allowed: &[&str], at: &str) -> Result<(), Problem> {
    let Value::Object(map) = obj else {
        return Ok(());
    };
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Problem {
            field: Some(format!("{at}{k}")),
            ..Problem::new(400, "invalid-json", format!("unknown field `{k}`"))
        }),
        None => Ok(()),
    }
}

/// One link of a checked campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLink {
    pub code: ShortCode,
    pub variant: String,
    pub channel: Channel,
}

/// Costs of one send per channel, in the campaign's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCosts {
    pub sms: Option<u64>,
    pub email: Option<u64>,
    pub push: Option<u64>,
    pub call: Option<u64>,
}

impl ChannelCosts {
    pub fn get(&self, channel: Channel) -> Option<u64> {
        match channel {
            Channel::Sms => self.sms,
            Channel::Email => self.email,
            Channel::Push => self.push,
            Channel::Call => self.call,
        }
    }
}

/// A checked campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// The campaign label links carry (the path segment of the API).
    pub id: String,
    pub name: String,
    pub links: Vec<CampaignLink>,
    /// Starts with `sent`, `clicked`; no step twice.
    pub steps: Vec<FunnelStep>,
    pub follow_up_after_ms: u64,
    pub attribution_window_ms: u64,
    pub time_zone: TimeZone,
    pub currency: Currency,
    pub default_channel: Channel,
    pub costs: ChannelCosts,
}

/// Checks a campaign id (the `{campaign}` path segment): the label rule of links.
pub fn parse_campaign_id(raw: &str) -> Result<String, Problem> {
    match check_label(raw) {
        Ok("") => Err(Problem::invalid("campaign", "must not be empty")),
        Ok(v) if v.len() != raw.len() => Err(Problem::invalid(
            "campaign",
            "has leading or trailing spaces",
        )),
        Ok(v) => Ok(v.to_owned()),
        Err(m) => Err(Problem::invalid("campaign", m)),
    }
}

fn hours(field: &str, v: Option<u32>, default: u32) -> Result<u64, Problem> {
    let h = v.unwrap_or(default);
    if !(1..=MAX_ATTRIBUTION_WINDOW_HOURS).contains(&h) {
        return Err(Problem::invalid(
            field,
            "must be between 1 and 2160 (90 days)",
        ));
    }
    Ok(u64::from(h) * 3_600_000)
}

fn channel(field: String, v: Option<&str>, default: Channel) -> Result<Channel, Problem> {
    match v {
        None => Ok(default),
        Some(s) => Channel::parse(s)
            .ok_or_else(|| Problem::invalid(field, "one of sms, email, push, call")),
    }
}

impl CampaignInput {
    /// Parses the body of a PUT: unknown fields are refused, naming the field.
    pub fn from_json(body: &[u8]) -> Result<CampaignInput, Problem> {
        let v: Value = serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        unknown_field(&v, TOP_FIELDS, "")?;
        if let Some(Value::Array(links)) = v.get("links") {
            for (i, l) in links.iter().enumerate() {
                unknown_field(l, LINK_FIELDS, &format!("links[{i}]."))?;
            }
        }
        if let Some(costs) = v.get("cost_per_send") {
            unknown_field(costs, COST_FIELDS, "cost_per_send.")?;
        }
        serde_json::from_value(v).map_err(|e| Problem::invalid_json(&e))
    }

    /// Reads a stored record, ignoring fields this version doesn't know.
    pub fn from_stored(text: &str) -> Option<CampaignInput> {
        serde_json::from_str(text).ok()
    }

    /// Checks every field; the error names the first one that is wrong.
    pub fn validate(&self, id: &str) -> Result<Campaign, Problem> {
        let id = parse_campaign_id(id)?;
        let name = self.name.trim();
        if name.is_empty() {
            return Err(Problem::invalid("name", "must not be empty"));
        }
        if name.chars().count() > MAX_NAME_LEN {
            return Err(Problem::invalid("name", "is longer than 120 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(Problem::invalid("name", "holds control characters"));
        }
        let name = name.to_owned();
        let currency = Currency::parse(&self.currency)
            .ok_or_else(|| Problem::invalid("currency", "an ISO 4217 code such as CNY or USD"))?;
        let zone_name = self.time_zone.as_deref().unwrap_or(DEFAULT_ZONE);
        let time_zone = TimeZone::parse(zone_name).ok_or_else(|| {
            Problem::invalid(
                "time_zone",
                "not an IANA time zone name (such as Asia/Shanghai or America/New_York)",
            )
        })?;
        let default_channel = channel(
            "default_channel".into(),
            self.default_channel.as_deref(),
            Channel::Sms,
        )?;
        if self.links.len() > MAX_LINKS {
            return Err(Problem::invalid("links", "at most 64 links"));
        }
        let mut links: Vec<CampaignLink> = Vec::with_capacity(self.links.len());
        for (i, l) in self.links.iter().enumerate() {
            let code = ShortCode::parse(&l.code)
                .map_err(|e| Problem::invalid(format!("links[{i}].code"), e.to_string()))?;
            let variant = match check_label(&l.variant) {
                Ok("") => Err("must not be empty"),
                Ok(v) => Ok(v.to_owned()),
                Err(m) => Err(m),
            }
            .map_err(|m| Problem::invalid(format!("links[{i}].variant"), m))?;
            let channel = channel(
                format!("links[{i}].channel"),
                l.channel.as_deref(),
                default_channel,
            )?;
            if links.iter().any(|o| o.code == code) {
                return Err(Problem::invalid(
                    format!("links[{i}].code"),
                    "is listed twice",
                ));
            }
            if links
                .iter()
                .any(|o| o.variant == variant && o.channel == channel)
            {
                return Err(Problem::invalid(
                    format!("links[{i}].variant"),
                    "another link already carries this variant on this channel",
                ));
            }
            links.push(CampaignLink {
                code,
                variant,
                channel,
            });
        }
        let c = &self.cost_per_send;
        for (name, v) in [
            ("sms", c.sms),
            ("email", c.email),
            ("push", c.push),
            ("call", c.call),
        ] {
            if v.is_some_and(|v| v > MAX_COST_MINOR) {
                return Err(Problem::invalid(
                    format!("cost_per_send.{name}"),
                    "at most 10000000 minor units per send",
                ));
            }
        }
        Ok(Campaign {
            id,
            name,
            links,
            steps: self.funnel_steps()?,
            follow_up_after_ms: hours(
                "follow_up_after_hours",
                self.follow_up_after_hours,
                DEFAULT_FOLLOW_UP_HOURS,
            )?,
            attribution_window_ms: hours(
                "attribution_window_hours",
                self.attribution_window_hours,
                DEFAULT_ATTRIBUTION_HOURS,
            )?,
            time_zone,
            currency,
            default_channel,
            costs: ChannelCosts {
                sms: c.sms,
                email: c.email,
                push: c.push,
                call: c.call,
            },
        })
    }

    fn funnel_steps(&self) -> Result<Vec<FunnelStep>, Problem> {
        let given: Vec<&str> = match &self.steps {
            Some(s) => s.iter().map(String::as_str).collect(),
            None => DEFAULT_STEPS.to_vec(),
        };
        // `sent` and `clicked` head every funnel; they may be written out or left implicit.
        let skip = match given.as_slice() {
            ["sent", "clicked", ..] => 2,
            ["sent", ..] => {
                return Err(Problem::invalid("steps[1]", "clicked follows sent"));
            }
            _ => 0,
        };
        let rest = &given[skip..];
        if rest.is_empty() || rest.len() > MAX_STEPS {
            return Err(Problem::invalid(
                "steps",
                "list 1 to 16 steps after sent and clicked",
            ));
        }
        let mut steps = vec![FunnelStep::Sent, FunnelStep::Clicked];
        for (i, s) in rest.iter().enumerate() {
            let field = format!("steps[{}]", i + skip);
            let step = match FunnelStep::parse(s) {
                Some(FunnelStep::Step(st)) => FunnelStep::Step(st),
                Some(_) => return Err(Problem::invalid(field, "sent and clicked come first")),
                None => {
                    return Err(Problem::invalid(
                        field,
                        "unknown step; custom steps are x:name",
                    ))
                }
            };
            if steps.contains(&step) {
                return Err(Problem::invalid(field, "is listed twice"));
            }
            steps.push(step);
        }
        Ok(steps)
    }
}

impl Campaign {
    /// The link of a code, if the campaign lists it.
    pub fn link(&self, code: &str) -> Option<&CampaignLink> {
        self.links.iter().find(|l| l.code.as_str() == code)
    }

    /// Position of a step in the funnel.
    pub fn step_index(&self, name: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.as_str() == name)
    }

    /// The cost of one send through `channel`, when known.
    pub fn cost_per_send(&self, channel: Channel) -> Option<u64> {
        self.costs.get(channel)
    }

    /// The effective record, defaults filled in, as `GET` answers it.
    pub fn to_json(&self) -> Value {
        let costs: serde_json::Map<String, Value> = Channel::ALL
            .iter()
            .filter_map(|c| {
                self.costs
                    .get(*c)
                    .map(|v| (c.as_str().to_owned(), json!(v)))
            })
            .collect();
        json!({
            "campaign": self.id,
            "name": self.name,
            "links": self.links.iter().map(|l| json!({
                "code": l.code.as_str(),
                "variant": l.variant,
                "channel": l.channel.as_str(),
            })).collect::<Vec<_>>(),
            "steps": self.steps.iter().map(FunnelStep::as_str).collect::<Vec<_>>(),
            "follow_up_after_hours": self.follow_up_after_ms / 3_600_000,
            "attribution_window_hours": self.attribution_window_ms / 3_600_000,
            "time_zone": self.time_zone.name(),
            "currency": self.currency.as_str(),
            "default_channel": self.default_channel.as_str(),
            "cost_per_send": costs,
        })
    }
}

#[cfg(test)]
#[path = "campaign_tests.rs"]
mod tests;
