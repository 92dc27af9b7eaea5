//! The URL contract, parsed once into a typed route. Methods are checked by the handlers.

use super::code::{ShortCode, MAX_CODE_LEN};

/// Longest path looked at; anything longer is a 404 without further work.
pub const MAX_PATH_LEN: usize = 512;
/// Longest recipient token segment looked at (real ones are far shorter).
pub const MAX_TOKEN_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/{code}`
    Link(ShortCode),
    /// `/{code}/{token}`; the token is checked by the keyring.
    RecipientLink(ShortCode, String),
    /// `/open/{code}[/{token}]`: the app-open path the association files claim. Reached on
    /// the web only when the app did not take the URL; then it forwards to the store.
    AppOpen(ShortCode, Option<String>),
    AppleAppSiteAssociation,
    AssetLinks,
    Health,
    /// `/api/v1/links`
    ApiLinks,
    /// `/api/v1/links/{code}`
    ApiLink(ShortCode),
    /// `/api/v1/links/{code}/recipients`
    ApiRecipients(ShortCode),
    /// `/api/v1/links/{code}/reservations`
    ApiReservations(ShortCode),
    /// `/api/v1/events`
    ApiEvents,
    /// `/api/v1/export`: the raw log streamed as CSV or NDJSON.
    ApiExport,
    /// `/e`: page events from the browser SDK
    Beacon,
    /// `/api/v1/conversions`
    ApiConversions,
    /// `/api/v1/opens`
    ApiOpens,
    /// `/api/v1/keys`
    ApiKeys,
    /// `/api/v1/keys/{id}`; the id is checked by the handler.
    ApiKey(String),
    /// `/api/v1/campaigns`
    ApiCampaigns,
    /// `/api/v1/campaigns/{campaign}`, still percent-encoded; checked by the handler.
    ApiCampaign(String),
    /// `/api/v1/dead-letters`
    ApiDeadLetters,
    /// `/api/v1/dead-letters/replay`
    ApiDeadLettersReplay,
    /// `/api/v1/campaigns/{campaign}/{report}`: reads of the campaign's rollups.
    ApiCampaignReport(String, Report),
    /// Anything under `/api/` that isn't above.
    ApiNotFound,
    /// `/admin[/…]`: the operator dashboard (signs in with an API key held in a cookie).
    Admin(AdminPage),
    NotFound,
}

impl Route {
    /// Operator routes (`/api/…`): served by the operator worker, which the edge worker
    /// reaches through a service binding. Everything else is the edge's own.
    ///
    /// ```
    /// use wakelink::domain::route::parse;
    /// assert!(parse("/api/v1/events").is_operator());
    /// assert!(parse("/api/v9/anything").is_operator());
    /// assert!(!parse("/demo").is_operator());
    /// assert!(!parse("/e").is_operator());
    /// assert!(parse("/admin/campaigns/spring").is_operator());
    /// ```
    pub fn is_operator(&self) -> bool {
        matches!(
            self,
            Route::ApiLink(_)
                | Route::ApiLinks
                | Route::ApiRecipients(_)
                | Route::ApiReservations(_)
                | Route::ApiEvents
                | Route::ApiExport
                | Route::ApiConversions
                | Route::ApiOpens
                | Route::ApiKeys
                | Route::ApiKey(_)
                | Route::ApiCampaigns
                | Route::ApiCampaign(_)
                | Route::ApiDeadLetters
                | Route::ApiDeadLettersReplay
                | Route::ApiCampaignReport(..)
                | Route::ApiNotFound
                | Route::Admin(_)
        )
    }
}

/// A page of the operator dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminPage {
    /// `/admin`: the campaign list, or the sign-in form.
    Home,
    /// `/admin/sign-in` (POST, the form) and `/admin/sign-out` (POST).
    SignIn,
    SignOut,
    /// `/admin/campaigns/{campaign}` (still percent-encoded).
    Campaign(String),
    /// `/admin/campaigns/{campaign}/follow-ups.csv`: the follow-up list as a download.
    FollowUps(String),
    NotFound,
}

/// The reads of a campaign's rollups (`docs/campaigns.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Funnel,
    Compare,
    Timing,
    Retention,
    FollowUps,
}

fn report(campaign: &str, r: Report) -> Route {
    Route::ApiCampaignReport(campaign.to_owned(), r)
}

/// Maps a request path (as the runtime gives it: percent-encoded, no query) to a route.
///
/// ```
/// use wakelink::domain::route::{parse, Route};
/// assert!(matches!(parse("/demo"), Route::Link(c) if c.as_str() == "demo"));
/// assert!(matches!(parse("/demo/3kTMd9aQx1"), Route::RecipientLink(_, t) if t == "3kTMd9aQx1"));
/// assert_eq!(parse("/demo/a/b"), Route::NotFound);
/// ```
pub fn parse(path: &str) -> Route {
    if path.len() > MAX_PATH_LEN || !path.starts_with('/') {
        return Route::NotFound;
    }
    let rest = &path[1..];
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        [".well-known", "apple-app-site-association"] => Route::AppleAppSiteAssociation,
        [".well-known", "assetlinks.json"] => Route::AssetLinks,
        ["health"] => Route::Health,
        ["open", code] => {
            ShortCode::parse(code).map_or(Route::NotFound, |c| Route::AppOpen(c, None))
        }
        ["open", code, token] if !token.is_empty() && token.len() <= MAX_TOKEN_LEN => {
            ShortCode::parse(code).map_or(Route::NotFound, |c| {
                Route::AppOpen(c, Some((*token).to_owned()))
            })
        }
        ["api", "v1", "links"] => Route::ApiLinks,
        ["api", "v1", "links", code] => api_code(code).map_or(Route::ApiNotFound, Route::ApiLink),
        ["api", "v1", "links", code, "recipients"] => {
            api_code(code).map_or(Route::ApiNotFound, Route::ApiRecipients)
        }
        ["api", "v1", "links", code, "reservations"] => {
            api_code(code).map_or(Route::ApiNotFound, Route::ApiReservations)
        }
        ["api", "v1", "events"] => Route::ApiEvents,
        ["api", "v1", "export"] => Route::ApiExport,
        ["api", "v1", "conversions"] => Route::ApiConversions,
        ["api", "v1", "opens"] => Route::ApiOpens,
        ["api", "v1", "keys"] => Route::ApiKeys,
        ["api", "v1", "keys", id] if !id.is_empty() => Route::ApiKey((*id).to_owned()),
        ["api", "v1", "campaigns"] => Route::ApiCampaigns,
        ["api", "v1", "campaigns", c] if !c.is_empty() => Route::ApiCampaign((*c).to_owned()),
        ["api", "v1", "campaigns", c, "funnel"] if !c.is_empty() => report(c, Report::Funnel),
        ["api", "v1", "campaigns", c, "compare"] if !c.is_empty() => report(c, Report::Compare),
        ["api", "v1", "campaigns", c, "timing"] if !c.is_empty() => report(c, Report::Timing),
        ["api", "v1", "campaigns", c, "retention"] if !c.is_empty() => report(c, Report::Retention),
        ["api", "v1", "campaigns", c, "follow-ups"] if !c.is_empty() => {
            report(c, Report::FollowUps)
        }
        ["e"] => Route::Beacon,
        ["api", "v1", "dead-letters"] => Route::ApiDeadLetters,
        ["api", "v1", "dead-letters", "replay"] => Route::ApiDeadLettersReplay,
        ["api", ..] => Route::ApiNotFound,
        ["admin"] => Route::Admin(AdminPage::Home),
        ["admin", "sign-in"] => Route::Admin(AdminPage::SignIn),
        ["admin", "sign-out"] => Route::Admin(AdminPage::SignOut),
        ["admin", "campaigns", c] if !c.is_empty() => {
            Route::Admin(AdminPage::Campaign((*c).to_owned()))
        }
        ["admin", "campaigns", c, "follow-ups.csv"] if !c.is_empty() => {
            Route::Admin(AdminPage::FollowUps((*c).to_owned()))
        }
        ["admin", ..] => Route::Admin(AdminPage::NotFound),
        [code] => ShortCode::parse(code).map_or(Route::NotFound, Route::Link),
        [code, token] if !token.is_empty() && token.len() <= MAX_TOKEN_LEN => {
            match ShortCode::parse(code) {
                Ok(c) => Route::RecipientLink(c, (*token).to_owned()),
                Err(_) => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

/// A path segment with its percent-escapes decoded, when they spell UTF-8.
///
/// ```
/// use wakelink::domain::route::decode_segment;
/// assert_eq!(decode_segment("spring%20recall").as_deref(), Some("spring recall"));
/// assert_eq!(decode_segment("%E6%98%A5").as_deref(), Some("春"));
/// assert_eq!(decode_segment("%FF"), None);
/// ```
pub fn decode_segment(raw: &str) -> Option<String> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn api_code(code: &str) -> Option<ShortCode> {
    (code.len() <= MAX_CODE_LEN)
        .then(|| ShortCode::parse(code).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let code = |s: &str| ShortCode::parse(s).unwrap();
        let cases = [
            ("/demo", Route::Link(code("demo"))),
            ("/demo/", Route::Link(code("demo"))),
            (
                "/demo/tok",
                Route::RecipientLink(code("demo"), "tok".into()),
            ),
            ("/", Route::NotFound),
            ("", Route::NotFound),
            ("//", Route::NotFound),
            ("/demo//", Route::NotFound),
            ("/de%20mo", Route::NotFound),
            ("/../etc/passwd", Route::NotFound),
            ("/api", Route::ApiNotFound),
            ("/api/v1/links/demo", Route::ApiLink(code("demo"))),
            (
                "/api/v1/links/demo/recipients",
                Route::ApiRecipients(code("demo")),
            ),
            (
                "/api/v1/links/demo/reservations",
                Route::ApiReservations(code("demo")),
            ),
            ("/api/v1/links/bad.code", Route::ApiNotFound),
            ("/api/v1/events", Route::ApiEvents),
            ("/api/v1/export", Route::ApiExport),
            ("/api/v1/links", Route::ApiLinks),
            ("/api/v1/dead-letters", Route::ApiDeadLetters),
            ("/api/v1/dead-letters/replay", Route::ApiDeadLettersReplay),
            ("/api/v1/dead-letters/1", Route::ApiNotFound),
            ("/api/v2/x", Route::ApiNotFound),
            ("/admin", Route::Admin(AdminPage::Home)),
            ("/admin/", Route::Admin(AdminPage::Home)),
            ("/admin/sign-in", Route::Admin(AdminPage::SignIn)),
            ("/admin/sign-out", Route::Admin(AdminPage::SignOut)),
            (
                "/admin/campaigns/spring%20recall",
                Route::Admin(AdminPage::Campaign("spring%20recall".into())),
            ),
            (
                "/admin/campaigns/spring/follow-ups.csv",
                Route::Admin(AdminPage::FollowUps("spring".into())),
            ),
            ("/admin/campaigns/", Route::Admin(AdminPage::NotFound)),
            ("/admin/x/y", Route::Admin(AdminPage::NotFound)),
            ("/.well-known/assetlinks.json", Route::AssetLinks),
            (
                "/.well-known/apple-app-site-association",
                Route::AppleAppSiteAssociation,
            ),
            ("/.well-known/other", Route::NotFound),
            ("/health", Route::Health),
            ("/e", Route::Beacon),
            ("/api/v1/conversions", Route::ApiConversions),
            ("/api/v1/opens", Route::ApiOpens),
            ("/api/v1/keys", Route::ApiKeys),
            ("/api/v1/keys/abc", Route::ApiKey("abc".into())),
            ("/api/v1/keys/abc/x", Route::ApiNotFound),
            ("/api/v1/campaigns", Route::ApiCampaigns),
            (
                "/api/v1/campaigns/spring%20recall",
                Route::ApiCampaign("spring%20recall".into()),
            ),
            (
                "/api/v1/campaigns/spring/funnel",
                Route::ApiCampaignReport("spring".into(), Report::Funnel),
            ),
            (
                "/api/v1/campaigns/spring/follow-ups",
                Route::ApiCampaignReport("spring".into(), Report::FollowUps),
            ),
            ("/api/v1/campaigns/spring/other", Route::ApiNotFound),
            ("/api/v1/campaigns/spring/funnel/x", Route::ApiNotFound),
            ("/open/demo", Route::AppOpen(code("demo"), None)),
            (
                "/open/demo/tok",
                Route::AppOpen(code("demo"), Some("tok".into())),
            ),
            ("/open", Route::NotFound),
            ("/open/api", Route::NotFound),
            ("/open/demo/tok/x", Route::NotFound),
        ];
        for (path, want) in cases {
            assert_eq!(parse(path), want, "{path}");
        }
        assert_eq!(parse(&format!("/demo/{}", "a".repeat(33))), Route::NotFound);
        assert_eq!(parse(&format!("/{}", "a".repeat(600))), Route::NotFound);
    }
}
