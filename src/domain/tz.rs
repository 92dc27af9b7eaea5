//! IANA time zones for reading hours of day in a campaign's zone (send hour, click hour).
//!
//! A fixed UTC offset is wrong for any zone with daylight saving time, and a whole tz
//! database is large for a worker (a bundled tzdb costs on the order of 100 KB), so this
//! module keeps, per zone, what hours from 2020 on need: the zone's current rule as a POSIX
//! TZ string (the footer of its TZif file, e.g. `EST5EDT,M3.2.0,M11.1.0`), and, for zones whose
//! rules changed since 2020-01-01 (Mexico dropped DST in 2022, Morocco's Ramadan changes are
//! listed year by year), the explicit offsets in force until the current rule took over.
//! The table in `tz_data.rs` is generated from the IANA tz database (public domain) by the
//! ignored test `domain::tz::tests::regenerate` and checked against the system's TZif files by
//! the ordinary tests. Instants before 2020 (which wakelink never records, see
//! `time::MIN_INSTANT_MS`) are read with the offset in force on 2020-01-01.
//!
//! ```
//! use wakelink::domain::tz::TimeZone;
//! let ny = TimeZone::parse("America/New_York").unwrap();
//! // 2026-07-01T16:00Z is noon in New York (EDT), 2026-01-15T17:00Z too (EST).
//! assert_eq!(ny.local_hour(1_782_921_600_000), 12);
//! assert_eq!(ny.local_hour(1_768_496_400_000), 12);
//! assert!(TimeZone::parse("Mars/Olympus").is_none());
//! ```

use super::time::{civil_from_days, days_from_civil, UnixMs};
pub use super::tz_data::VERSION as TZDATA_VERSION;
use super::tz_data::{LINKS, ZONES};

/// The zone a campaign reads hours in when it names none.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// One zone of the generated table.
#[derive(Debug)]
pub struct ZoneData {
    pub name: &'static str,
    /// POSIX TZ rule in force from `until` on.
    pub rule: &'static str,
    /// UTC seconds from which `rule` describes the zone.
    pub until: i64,
    /// (UTC seconds, offset seconds) in force before `until`, from 2020-01-01 on; the first
    /// entry is the offset at 2020-01-01.
    pub history: &'static [(i64, i32)],
}

/// A zone from the table, with its rule parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone {
    name: String,
    data: &'static ZoneData,
    rule: Rule,
}

impl PartialEq for ZoneData {
    fn eq(&self, other: &ZoneData) -> bool {
        self.name == other.name
    }
}
impl Eq for ZoneData {}

impl TimeZone {
    /// A zone by its IANA name (`Asia/Shanghai`; links such as `Asia/Calcutta` too), exactly
    /// as the tz database spells it.
    pub fn parse(name: &str) -> Option<TimeZone> {
        let canonical = match LINKS.binary_search_by(|(alias, _)| (*alias).cmp(name)) {
            Ok(i) => LINKS[i].1,
            Err(_) => name,
        };
        let i = ZONES.binary_search_by(|z| z.name.cmp(canonical)).ok()?;
        let data = &ZONES[i];
        Some(TimeZone {
            name: name.to_owned(),
            data,
            rule: Rule::parse(data.rule)?,
        })
    }

    /// The zone the operator named.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC at the instant `utc_s` (UTC seconds).
    pub fn offset_at(&self, utc_s: i64) -> i32 {
        let d = self.data;
        if utc_s < d.until {
            let i = d.history.partition_point(|(at, _)| *at <= utc_s);
            if let Some((_, off)) = d.history.get(i.saturating_sub(1)) {
                return *off;
            }
        }
        self.rule.offset_at(utc_s)
    }

    /// The local hour of day (0-23) at `ms`.
    pub fn local_hour(&self, ms: UnixMs) -> u8 {
        let s = (ms / 1000) as i64;
        let local = s + i64::from(self.offset_at(s));
        (local.rem_euclid(86_400) / 3600) as u8
    }
}

/// A POSIX TZ rule: a standard offset and, optionally, a daylight offset with the two
/// transitions of each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Seconds east of UTC (the POSIX string counts west, with the opposite sign).
    std: i32,
    dst: Option<Dst>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dst {
    offset: i32,
    start: (Date, i32),
    end: (Date, i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Date {
    /// `Jn`: day 1-365, February 29 never counted.
    Julian1(u16),
    /// `n`: day 0-365, February 29 counted.
    Julian0(u16),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Month(u8, u8, u8),
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.i += 1;
            }
            self.i += 1;
            return Some(());
        }
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        (self.i - start >= 3).then_some(())
    }

    fn number(&mut self) -> Option<i32> {
        let start = self.i;
        let mut n: i32 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            n = n.checked_mul(10)?.checked_add(i32::from(b - b'0'))?;
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn time(&mut self) -> Option<i32> {
        let neg = self.eat(b'-');
        if !neg {
            self.eat(b'+');
        }
        let mut t = self.number()? * 3600;
        if self.eat(b':') {
            t += self.number()? * 60;
            if self.eat(b':') {
                t += self.number()?;
            }
        }
        Some(if neg { -t } else { t })
    }

    fn date(&mut self) -> Option<(Date, i32)> {
        let date = if self.eat(b'J') {
            Date::Julian1(u16::try_from(self.number()?).ok()?)
        } else if self.eat(b'M') {
            let m = self.number()?;
            self.eat(b'.').then_some(())?;
            let w = self.number()?;
            self.eat(b'.').then_some(())?;
            let d = self.number()?;
            let ok = (1..=12).contains(&m) && (1..=5).contains(&w) && (0..=6).contains(&d);
            ok.then_some(Date::Month(m as u8, w as u8, d as u8))?
        } else {
            Date::Julian0(u16::try_from(self.number()?).ok()?)
        };
        let time = if self.eat(b'/') { self.time()? } else { 7200 };
        Some((date, time))
    }
}

impl Rule {
    /// Parses a POSIX TZ string (`CST-8`, `<+0330>-3:30`, `IST-2IDT,M3.4.4/26,M10.5.0`).
    pub fn parse(s: &str) -> Option<Rule> {
        let mut c = Cursor {
            s: s.as_bytes(),
            i: 0,
        };
        c.name()?;
        let std = -c.time()?;
        if c.peek().is_none() {
            return Some(Rule { std, dst: None });
        }
        c.name()?;
        let offset = match c.peek() {
            Some(b',') | None => std + 3600,
            _ => -c.time()?,
        };
        c.eat(b',').then_some(())?;
        let start = c.date()?;
        c.eat(b',').then_some(())?;
        let end = c.date()?;
        c.peek().is_none().then_some(Rule {
            std,
            dst: Some(Dst { offset, start, end }),
        })
    }

    /// Seconds east of UTC at `utc_s`.
    pub fn offset_at(&self, utc_s: i64) -> i32 {
        let Some(dst) = self.dst else {
            return self.std;
        };
        let year = civil_from_days((utc_s + i64::from(self.std)).div_euclid(86_400)).0;
        // Transition times are local: the start in standard time, the end in daylight time.
        let start = local_instant(year, dst.start) - i64::from(self.std);
        let end = local_instant(year, dst.end) - i64::from(dst.offset);
        let in_dst = if start <= end {
            start <= utc_s && utc_s < end
        } else {
            // Southern hemisphere: daylight time spans the new year.
            utc_s >= start || utc_s < end
        };
        if in_dst {
            dst.offset
        } else {
            self.std
        }
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Local seconds (since the epoch, as if the zone were UTC) of a rule date in `year`.
fn local_instant(year: i64, (date, time): (Date, i32)) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    let day = match date {
        Date::Julian1(n) => {
            let n = i64::from(n.clamp(1, 365));
            let leap_skip = i64::from(is_leap(year) && n >= 60);
            jan1 + n - 1 + leap_skip
        }
        Date::Julian0(n) => jan1 + i64::from(n.min(365)),
        Date::Month(m, w, d) => {
            let first = days_from_civil(year, u32::from(m), 1);
            // 1970-01-01 was a Thursday (weekday 4).
            let first_wd = (first + 4).rem_euclid(7);
            let mut day = first + (i64::from(d) - first_wd).rem_euclid(7) + 7 * (i64::from(w) - 1);
            let next_month = if m == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, u32::from(m) + 1, 1)
            };
            while day >= next_month {
                day -= 7;
            }
            day
        }
    };
    day * 86_400 + i64::from(time)
}

#[cfg(test)]
#[path = "tz_tests.rs"]
mod tests;
