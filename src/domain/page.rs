//! Listing pages of records kept by id (`GET /api/v1/keys`, `GET /api/v1/campaigns`): the
//! next page starts after the last id of this one, so rows written or deleted between two
//! pages neither repeat nor shift the rest.

use super::problem::Problem;

/// Rows per page when the request names no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most rows per page.
pub const MAX_LIMIT: u32 = 100;
/// Longest cursor looked at (ids are at most a 64-character label, 4 bytes a character).
const MAX_CURSOR_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// Rows strictly after this id; `""` sorts before every id.
    pub after: String,
    pub limit: u32,
}

impl PageQuery {
    /// From query pairs: `cursor` (the `next_cursor` of the page before) and `limit`; other
    /// names are ignored.
    ///
    /// ```
    /// use wakelink::domain::page::PageQuery;
    /// let q = PageQuery::parse([("limit", "2"), ("cursor", "spring")]).unwrap();
    /// assert_eq!((q.after.as_str(), q.limit), ("spring", 2));
    /// assert_eq!(PageQuery::parse([]).unwrap().limit, 50);
    /// assert_eq!(PageQuery::parse([("limit", "0")]).unwrap_err().field.as_deref(), Some("limit"));
    /// ```
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<PageQuery, Problem> {
        let mut q = PageQuery {
            after: String::new(),
            limit: DEFAULT_LIMIT,
        };
        for (k, v) in pairs {
            match k {
                "limit" => {
                    q.limit = v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| Problem::invalid("limit", "must be between 1 and 100"))?
                }
                "cursor" => {
                    if v.is_empty() || v.len() > MAX_CURSOR_LEN {
                        return Err(Problem::invalid("cursor", "not a cursor from this API"));
                    }
                    q.after = v.to_owned();
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// The cursor of the page after one that returned `ids` (in order): `None` when the page
    /// was not full, so nothing can follow.
    ///
    /// ```
    /// use wakelink::domain::page::PageQuery;
    /// let q = PageQuery::parse([("limit", "2")]).unwrap();
    /// assert_eq!(q.next(&["a", "b"]), Some("b".to_owned()));
    /// assert_eq!(q.next(&["a"]), None);
    /// ```
    pub fn next<S: AsRef<str>>(&self, ids: &[S]) -> Option<String> {
        (ids.len() as u64 >= u64::from(self.limit))
            .then(|| ids.last().map(|s| s.as_ref().to_owned()))
            .flatten()
    }
}
