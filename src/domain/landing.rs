//! Coupon-reminder landing pages: the `landing` section of a link, checked into types, the
//! language a page speaks, and the words it uses. Rendering is the glue's (askama templates in
//! `landing/templates`, escaped by default); everything a template shows is decided here.

use serde::{Deserialize, Serialize};

use super::link::{AllowList, Destination};
use super::problem::Problem;
use super::time::{format_at_offset, offset_minutes, parse_rfc3339, UnixMs};

pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_AMOUNT_CHARS: usize = 32;
pub const MAX_TERMS_CHARS: usize = 600;
/// Longest per-recipient coupon code shown (from the send ledger).
pub const MAX_COUPON_CODE_CHARS: usize = 40;
/// Brand colour when the link gives none.
pub const DEFAULT_BRAND_COLOR: &str = "#1d64f2";

/// The `landing` section an operator puts into a link.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LandingInput {
    /// Template name; `coupon` (the default) is the one shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The coupon's headline (`新人回归礼`, `Welcome back`).
    pub title: String,
    /// The amount or discount as the operator writes it (`¥30`, `8折`, `30% off`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
    /// RFC 3339; the page counts down to it and then shows the coupon as expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_color: Option<String>,
    /// An https image on the link's allow-list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// Forces the page's language (`en`, `zh-CN`) whatever the browser asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The templates in `landing/templates` a link can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateName {
    Coupon,
}

/// Languages the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

/// A checked `landing` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub template: TemplateName,
    pub title: String,
    pub amount: Option<String>,
    pub terms: Option<String>,
    pub expires_at: Option<UnixMs>,
    /// The UTC offset the operator wrote the expiry in: the page shows the time there.
    pub expires_offset_min: i32,
    /// `#rrggbb` or `#rgb`: safe to place in CSS as is.
    pub brand_color: String,
    pub logo: Option<Destination>,
    pub lang: Option<Lang>,
}

impl Lang {
    /// `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`, … (case-insensitive). Traditional Chinese
    /// tags fall to `zh-CN` too: it is the only Chinese the pages have.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub const fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }
}

/// The page's language: the link's forced one, else the best of `Accept-Language` that the
/// pages speak (by q-value, then order), else English.
///
/// ```
/// use wakelink::domain::landing::{negotiate, Lang};
/// assert_eq!(negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8"), None), Lang::ZhCn);
/// assert_eq!(negotiate(Some("fr-FR, en;q=0.5, zh;q=0.4"), None), Lang::En);
/// assert_eq!(negotiate(Some("en-US"), Some(Lang::ZhCn)), Lang::ZhCn);
/// assert_eq!(negotiate(None, None), Lang::En);
/// ```
pub fn negotiate(accept_language: Option<&str>, forced: Option<Lang>) -> Lang {
    if let Some(lang) = forced {
        return lang;
    }
    let mut best: Option<(u16, Lang)> = None;
    for item in accept_language.unwrap_or("").split(',').take(16) {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(1000, parse_q);
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, l)| l)
}

/// A q-value in thousandths; anything malformed counts as 0 (not acceptable).
fn parse_q(s: &str) -> u16 {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let frac_val = format!("{frac:0<3}").parse::<u16>().unwrap_or(0);
    match int {
        "1" if frac_val == 0 => 1000,
        "0" => frac_val,
        _ => 0,
    }
}

/// Free text shown on the page: trimmed, capped, no control characters (line breaks only
/// where `multiline`). Markup needs no refusing: templates escape everything.
fn text(field: &str, raw: &str, max: usize, multiline: bool) -> Result<String, Problem> {
    let v = raw.trim();
    if v.chars().count() > max {
        return Err(Problem::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r')))
    {
        return Err(Problem::invalid(field, "holds control characters"));
    }
    Ok(v.to_owned())
}

fn opt_text(
    field: &str,
    raw: &Option<String>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, Problem> {
    match raw {
        Some(r) => Ok(Some(text(field, r, max, multiline)?).filter(|t| !t.is_empty())),
        None => Ok(None),
    }
}

/// `#rgb` or `#rrggbb`, lowercased.
fn brand_color(raw: &str) -> Option<String> {
    let hex = raw.trim().strip_prefix('#')?;
    ((hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

impl LandingInput {
    /// Checks every field against the link's allow-list; errors name `landing.<field>`.
    pub fn validate(&self, allow: &AllowList) -> Result<Landing, Problem> {
        let template = match self.template.as_deref().map(str::trim) {
            None | Some("coupon") => TemplateName::Coupon,
            Some(_) => {
                return Err(Problem::invalid(
                    "landing.template",
                    "unknown template (known: coupon)",
                ))
            }
        };
        let title = text("landing.title", &self.title, MAX_TITLE_CHARS, false)?;
        if title.is_empty() {
            return Err(Problem::invalid("landing.title", "must not be empty"));
        }
        let (expires_at, expires_offset_min) = match &self.expires_at {
            Some(s) => (
                Some(parse_rfc3339(s).ok_or_else(|| {
                    Problem::invalid("landing.expires_at", "not an RFC 3339 date-time")
                })?),
                offset_minutes(s),
            ),
            None => (None, 0),
        };
        let brand_color = match &self.brand_color {
            Some(c) => brand_color(c)
                .ok_or_else(|| Problem::invalid("landing.brand_color", "not #rgb or #rrggbb"))?,
            None => DEFAULT_BRAND_COLOR.to_owned(),
        };
        let logo = match &self.logo_url {
            Some(u) => {
                let d = allow
                    .check(u)
                    .map_err(|m| Problem::invalid("landing.logo_url", m))?;
                if d.https_host().is_none() {
                    return Err(Problem::invalid("landing.logo_url", "must be an https URL"));
                }
                Some(d)
            }
            None => None,
        };
        let lang = match &self.lang {
            Some(l) => Some(Lang::parse(l).ok_or_else(|| {
                Problem::invalid("landing.lang", "not a page language (en, zh-CN)")
            })?),
            None => None,
        };
        Ok(Landing {
            template,
            title,
            amount: opt_text("landing.amount", &self.amount, MAX_AMOUNT_CHARS, false)?,
            terms: opt_text("landing.terms", &self.terms, MAX_TERMS_CHARS, true)?,
            expires_at,
            expires_offset_min,
            brand_color,
            logo,
            lang,
        })
    }
}

impl Landing {
    /// True once the coupon's own expiry has passed (the link may still be live).
    pub fn coupon_expired(&self, now: UnixMs) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// The expiry as the operator's wall-clock time, for readers without JavaScript.
    pub fn expiry_text(&self) -> Option<String> {
        self.expires_at
            .map(|at| format_at_offset(at, self.expires_offset_min))
    }
}

/// A per-recipient coupon code from the send ledger, checked before it is shown: short, no
/// control characters. Anything else is not shown at all.
pub fn coupon_code(raw: &str) -> Option<&str> {
    let v = raw.trim();
    (!v.is_empty()
        && v.chars().count() <= MAX_COUPON_CODE_CHARS
        && !v.chars().any(char::is_control))
    .then_some(v)
}

/// Everything a page says, per language.
#[derive(Debug)]
pub struct Strings {
    pub open_app: &'static str,
    pub valid_until: &'static str,
    /// Shown before the live countdown (`Ends in`).
    pub ends_in: &'static str,
    /// Day unit in the countdown (`d`, `天`).
    pub day_unit: &'static str,
    pub expired: &'static str,
    pub expired_note: &'static str,
    pub your_code: &'static str,
    pub terms: &'static str,
    pub get_app: &'static str,
    pub scan_title: &'static str,
    pub scan_note: &'static str,
    pub continue_web: &'static str,
    pub in_app_title: &'static str,
    pub in_app_step1: &'static str,
    pub in_app_step2: &'static str,
    pub in_app_copy: &'static str,
}

pub static EN: Strings = Strings {
    open_app: "Open the app",
    valid_until: "Valid until",
    ends_in: "Ends in",
    day_unit: "d",
    expired: "This coupon has expired",
    expired_note: "The offer ended. You can still open the app.",
    your_code: "Your code",
    terms: "Terms",
    get_app: "Get the app",
    scan_title: "Open on your phone",
    scan_note: "Scan this code with your phone's camera to claim the coupon in the app.",
    continue_web: "Continue on the web",
    in_app_title: "Open this page in your browser to use the coupon",
    in_app_step1: "Tap ··· at the top right",
    in_app_step2: "Choose Open in Browser",
    in_app_copy: "Or copy this link into your browser:",
};

pub static ZH_CN: Strings = Strings {
    open_app: "打开 App",
    valid_until: "有效期至",
    ends_in: "距结束",
    day_unit: "天",
    expired: "优惠券已过期",
    expired_note: "活动已结束，你仍可打开 App。",
    your_code: "你的券码",
    terms: "使用规则",
    get_app: "下载 App",
    scan_title: "在手机上打开",
    scan_note: "用手机相机扫描二维码，在 App 中领取优惠券。",
    continue_web: "在网页继续",
    in_app_title: "请在浏览器中打开本页以使用优惠券",
    in_app_step1: "点击右上角 ···",
    in_app_step2: "选择「在浏览器打开」",
    in_app_copy: "或复制此链接到浏览器：",
};

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn coupon_input() -> LandingInput {
        LandingInput {
            template: None,
            title: "Welcome back".into(),
            amount: Some("¥30".into()),
            terms: Some("Orders over ¥100.\nOne per person.".into()),
            expires_at: Some("2026-12-31T23:59:00+08:00".into()),
            brand_color: Some("#E4393C".into()),
            logo_url: Some("https://www.example.com/logo.png".into()),
            lang: None,
        }
    }

    fn allow() -> AllowList {
        AllowList::defaults().with_hosts(&["www.example.com"])
    }

    fn field_of(i: &LandingInput) -> Option<String> {
        i.validate(&allow()).err().and_then(|p| p.field)
    }

    #[test]
    fn a_full_section_validates() {
        let l = coupon_input().validate(&allow()).unwrap();
        assert_eq!(l.brand_color, "#e4393c");
        assert_eq!(l.expires_offset_min, 480);
        assert_eq!(
            l.expiry_text().as_deref(),
            Some("2026-12-31 23:59 UTC+08:00")
        );
        let at = l.expires_at.unwrap();
        assert!(!l.coupon_expired(at - 1));
        assert!(l.coupon_expired(at));
    }

    type Mutation = Box<dyn Fn(&mut LandingInput)>;

    #[test]
    fn names_the_wrong_field() {
        let cases: Vec<(&str, Mutation)> = vec![
            (
                "landing.template",
                Box::new(|i| i.template = Some("../x".into())),
            ),
            ("landing.title", Box::new(|i| i.title = "  ".into())),
            ("landing.title", Box::new(|i| i.title = "x".repeat(81))),
            ("landing.title", Box::new(|i| i.title = "a\u{0}b".into())),
            (
                "landing.amount",
                Box::new(|i| i.amount = Some("a\nb".into())),
            ),
            (
                "landing.terms",
                Box::new(|i| i.terms = Some("a\u{7}".into())),
            ),
            (
                "landing.expires_at",
                Box::new(|i| i.expires_at = Some("soon".into())),
            ),
            (
                "landing.brand_color",
                Box::new(|i| i.brand_color = Some("red;background:url(x)".into())),
            ),
            (
                "landing.brand_color",
                Box::new(|i| i.brand_color = Some("#12345".into())),
            ),
            (
                "landing.logo_url",
                Box::new(|i| i.logo_url = Some("javascript:alert(1)".into())),
            ),
            (
                "landing.logo_url",
                Box::new(|i| i.logo_url = Some("https://evil.test/x.png".into())),
            ),
            (
                "landing.logo_url",
                Box::new(|i| i.logo_url = Some("appmarket://details?id=x".into())),
            ),
            ("landing.lang", Box::new(|i| i.lang = Some("fr".into()))),
        ];
        for (want, mutate) in cases {
            let mut input = coupon_input();
            mutate(&mut input);
            assert_eq!(field_of(&input).as_deref(), Some(want), "{input:?}");
        }
    }

    #[test]
    fn markup_and_bidi_controls_are_text_not_errors() {
        // Templates escape; bidi overrides are isolated where shown. Refusing them would
        // only move the problem to the next field.
        let mut i = coupon_input();
        i.title = "<script>alert(1)</script>\u{202E}gnp.exe".into();
        assert!(i.validate(&allow()).is_ok());
    }

    #[test]
    fn accept_language_table() {
        let cases = [
            ("zh-CN,zh;q=0.9", Lang::ZhCn),
            ("zh-TW", Lang::ZhCn),
            ("zh_CN", Lang::ZhCn),
            ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
            ("ja, zh;q=0.2, en;q=0.1", Lang::ZhCn),
            ("zh;q=0, en;q=0.1", Lang::En),
            ("en;q=0.1, zh;q=0.10", Lang::En),
            ("en;q=0.5, zh;q=0.501", Lang::ZhCn),
            ("zh;q=1.5, en;q=0.3", Lang::En),
            ("fr", Lang::En),
            ("", Lang::En),
            ("*", Lang::En),
        ];
        for (header, want) in cases {
            assert_eq!(negotiate(Some(header), None), want, "{header}");
        }
    }

    #[test]
    fn coupon_codes_are_checked() {
        assert_eq!(coupon_code(" WB-30-7F2K "), Some("WB-30-7F2K"));
        assert_eq!(coupon_code(""), None);
        assert_eq!(coupon_code("a\u{1b}[31m"), None);
        assert_eq!(coupon_code(&"x".repeat(41)), None);
    }
}
