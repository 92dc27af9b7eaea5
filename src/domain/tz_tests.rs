//! Tests of `tz`: rule parsing, known local hours, the table against the system's TZif files,
//! and the generator of `tz_data.rs` (an ignored test: run it to update the table).

use super::*;

/// 2020-01-01T00:00:00Z, where the table's history starts.
const FROM: i64 = 1_577_836_800;
/// 2038-01-01T00:00:00Z: TZif files list transitions explicitly up to 2037.
const TO: i64 = 2_145_916_800;
const ZONEINFO: &str = "/usr/share/zoneinfo";

fn hour(zone: &str, rfc3339: &str) -> u8 {
    let ms = crate::domain::time::parse_rfc3339(rfc3339).unwrap();
    TimeZone::parse(zone).unwrap().local_hour(ms)
}

#[test]
fn rules_parse() {
    let ny = Rule::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
    assert_eq!(ny.std, -5 * 3600);
    assert_eq!(ny.dst.unwrap().offset, -4 * 3600);
    assert_eq!(Rule::parse("CST-8").unwrap().std, 8 * 3600);
    assert_eq!(Rule::parse("<+0330>-3:30").unwrap().std, 3 * 3600 + 1800);
    let lh = Rule::parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").unwrap();
    assert_eq!(lh.dst.unwrap().offset, 11 * 3600);
    let nuuk = Rule::parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0").unwrap();
    assert_eq!(nuuk.dst.unwrap().start.1, -3600);
    assert!(Rule::parse("IST-2IDT,M3.4.4/26,M10.5.0").is_some());
    assert!(Rule::parse("XYZ0ABC,J60/2,300").is_some());
    for bad in [
        "",
        "C-8",
        "<+08",
        "CST",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M3.2.0",
        "CST-8x",
    ] {
        assert_eq!(Rule::parse(bad), None, "{bad}");
    }
}

#[test]
fn local_hours_across_daylight_saving() {
    // New York: EDT from 2026-03-08 02:00 local (07:00Z) to 2026-11-01 02:00 local (06:00Z).
    assert_eq!(hour("America/New_York", "2026-03-08T06:59:59Z"), 1);
    assert_eq!(hour("America/New_York", "2026-03-08T07:00:00Z"), 3);
    assert_eq!(hour("America/New_York", "2026-11-01T05:59:59Z"), 1);
    assert_eq!(hour("America/New_York", "2026-11-01T06:00:00Z"), 1);
    assert_eq!(hour("America/New_York", "2026-11-01T07:00:00Z"), 2);
    // Shanghai: +08:00 all year; 11:00 and 20:00 local, the hours the recall articles favour.
    assert_eq!(hour("Asia/Shanghai", "2026-01-10T03:30:00Z"), 11);
    assert_eq!(hour("Asia/Shanghai", "2026-07-10T12:00:00Z"), 20);
    assert_eq!(hour("Asia/Shanghai", "2026-07-10T16:00:00Z"), 0);
    // Sydney: daylight time across the new year (AEDT +11 in January, AEST +10 in July).
    assert_eq!(hour("Australia/Sydney", "2026-01-15T01:00:00Z"), 12);
    assert_eq!(hour("Australia/Sydney", "2026-07-15T02:00:00Z"), 12);
    // Kolkata (and its old name) +05:30; Lord Howe's half-hour daylight shift.
    assert_eq!(hour("Asia/Kolkata", "2026-05-01T06:29:00Z"), 11);
    assert_eq!(hour("Asia/Calcutta", "2026-05-01T06:31:00Z"), 12);
    assert_eq!(hour("Australia/Lord_Howe", "2026-01-15T00:59:00Z"), 11);
    assert_eq!(hour("Australia/Lord_Howe", "2026-07-15T00:59:00Z"), 11);
    assert_eq!(hour("Australia/Lord_Howe", "2026-07-15T01:30:00Z"), 12);
    // Mexico City kept daylight time until October 2022 and dropped it after.
    assert_eq!(hour("America/Mexico_City", "2021-07-01T17:00:00Z"), 12);
    assert_eq!(hour("America/Mexico_City", "2026-07-01T17:00:00Z"), 11);
    // Morocco: +01 most of the year, +00 during Ramadan (2026-02-15 to 2026-03-22).
    assert_eq!(hour("Africa/Casablanca", "2026-01-10T12:00:00Z"), 13);
    assert_eq!(hour("Africa/Casablanca", "2026-03-01T12:00:00Z"), 12);
    assert_eq!(hour("Etc/UTC", "2026-03-01T12:00:00Z"), 12);
}

#[test]
fn names_are_exact() {
    assert_eq!(TimeZone::parse(DEFAULT_ZONE).unwrap().name(), DEFAULT_ZONE);
    for bad in [
        "asia/shanghai",
        "Asia/Shanghai ",
        "",
        "+08:00",
        "UTC+8",
        "Asia/",
    ] {
        assert!(TimeZone::parse(bad).is_none(), "{bad:?}");
    }
    assert!(ZONES.windows(2).all(|w| w[0].name < w[1].name));
    assert!(LINKS.windows(2).all(|w| w[0].0 < w[1].0));
    for z in ZONES {
        assert!(Rule::parse(z.rule).is_some(), "{}", z.name);
    }
    for (alias, target) in LINKS {
        assert!(TimeZone::parse(alias).is_some(), "{alias} -> {target}");
    }
}

/// A zone's transitions and the offset before the first, from a TZif (v2+) file.
struct Tzif {
    initial: i32,
    transitions: Vec<(i64, i32)>,
    footer: String,
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

fn read_tzif(b: &[u8]) -> Option<Tzif> {
    if b.len() < 44 || &b[..4] != b"TZif" || b[4] < b'2' {
        return None;
    }
    let counts = |at: usize| (0..6).map(|i| be32(b, at + 20 + 4 * i)).collect::<Vec<_>>();
    let c = counts(0);
    let (isut, isstd, leap, time, typ, chr) = (c[0], c[1], c[2], c[3], c[4], c[5]);
    let v1 = time * 5 + typ * 6 + chr + leap * 8 + isstd + isut;
    let h2 = 44 + v1;
    let c = counts(h2);
    let (isut, isstd, leap, time, typ, chr) = (c[0], c[1], c[2], c[3], c[4], c[5]);
    let mut at = h2 + 44;
    let times: Vec<i64> = (0..time)
        .map(|i| i64::from_be_bytes(b[at + 8 * i..at + 8 * i + 8].try_into().unwrap()))
        .collect();
    at += time * 8;
    let idx: Vec<usize> = b[at..at + time].iter().map(|x| *x as usize).collect();
    at += time;
    let offs: Vec<i32> = (0..typ)
        .map(|i| i32::from_be_bytes(b[at + 6 * i..at + 6 * i + 4].try_into().unwrap()))
        .collect();
    at += typ * 6 + chr + leap * 12 + isstd + isut;
    let footer = std::str::from_utf8(&b[at..]).ok()?.trim().to_owned();
    Some(Tzif {
        initial: offs[0],
        transitions: times
            .into_iter()
            .zip(idx.into_iter().map(|i| offs[i]))
            .collect(),
        footer,
    })
}

impl Tzif {
    fn offset_at(&self, t: i64) -> i32 {
        let i = self.transitions.partition_point(|(at, _)| *at <= t);
        match i {
            0 => self.initial,
            i => self.transitions[i - 1].1,
        }
    }
}

/// The table entry for one zone: from when its rule holds, and the offsets before. The rule
/// takes over at the earliest instant (2020-01-01 or an explicit transition) from which it
/// gives every later explicit transition (before 2038), and the offsets an hour either side.
fn entry(tzif: &Tzif) -> Option<(i64, Vec<(i64, i32)>)> {
    let rule = Rule::parse(&tzif.footer)?;
    let explicit: Vec<(i64, i32)> = tzif
        .transitions
        .iter()
        .copied()
        .filter(|(at, _)| (FROM..TO).contains(at))
        .collect();
    let agrees = |t: i64| rule.offset_at(t) == tzif.offset_at(t);
    let holds_from = |start: i64| {
        agrees(start)
            && explicit
                .iter()
                .filter(|(at, _)| *at > start)
                .flat_map(|(at, _)| [at - 3600, at - 1, *at, at + 3600])
                .filter(|t| *t >= start)
                .all(agrees)
    };
    let candidates = std::iter::once(FROM).chain(explicit.iter().map(|(at, _)| *at));
    // A zone whose rule is not reached by 2038 (Gaza's and Hebron's transitions are listed to
    // 2086) keeps every explicit transition.
    let until = candidates
        .into_iter()
        .find(|t| holds_from(*t))
        .unwrap_or(TO);
    if until == FROM {
        return Some((FROM, Vec::new()));
    }
    let mut history = vec![(FROM, tzif.offset_at(FROM))];
    history.extend(
        explicit
            .iter()
            .copied()
            .filter(|(at, _)| *at > FROM && *at < until),
    );
    Some((until, history))
}

/// Whether the system has the tz database release the table was made from (this machine
/// image's tzdata); else the comparisons with it are skipped, saying why.
fn system_is_table_release() -> bool {
    let table = super::super::tz_data::VERSION;
    match std::fs::read_to_string(format!("{ZONEINFO}/tzdata.zi")) {
        Ok(zi) if zi.lines().next() == Some(&format!("# version {table}")) => true,
        Ok(zi) => {
            let first = zi.lines().next().unwrap_or_default().to_owned();
            eprintln!("system tz database '{first}', table {table}: comparison skipped");
            false
        }
        Err(e) => {
            eprintln!("{ZONEINFO}/tzdata.zi: {e}; comparison skipped");
            false
        }
    }
}

fn zone_names() -> (Vec<String>, Vec<(String, String)>, String) {
    let zi = std::fs::read_to_string(format!("{ZONEINFO}/tzdata.zi"))
        .expect("the system tz database (Debian: apt-get install tzdata)");
    let version = zi
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# version "))
        .unwrap_or("unknown")
        .to_owned();
    let mut zones = Vec::new();
    let mut links = Vec::new();
    for line in zi.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["Z", name, ..] => zones.push(name.to_string()),
            ["L", target, alias] => links.push((alias.to_string(), target.to_string())),
            _ => {}
        }
    }
    zones.sort();
    links.sort();
    (zones, links, version)
}

fn system_tzif(name: &str) -> Option<Tzif> {
    read_tzif(&std::fs::read(format!("{ZONEINFO}/{name}")).ok()?)
}

/// Every zone of the table gives, at every explicit transition from 2020 to 2037 and an hour
/// either side, the offset the system's TZif file gives. Run where the system's tz database
/// is the table's version; another version may have changed rules since.
#[test]
fn table_matches_system_tz_database() {
    if !system_is_table_release() {
        return;
    }
    let mut checked = 0;
    for z in ZONES {
        let tzif = system_tzif(z.name).expect(z.name);
        let tz = TimeZone::parse(z.name).unwrap();
        let mut instants = vec![FROM, TO - 1];
        for (at, _) in tzif
            .transitions
            .iter()
            .filter(|(at, _)| (FROM..TO).contains(at))
        {
            instants.extend([at - 3600, at - 1, *at, at + 1, at + 3600]);
        }
        for t in instants.into_iter().filter(|t| *t >= FROM) {
            assert_eq!(tz.offset_at(t), tzif.offset_at(t), "{} at {t}", z.name);
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked}");
}

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/domain/tz_data.rs");

/// Rewrites `src/domain/tz_data.rs` from the system's tz database:
/// `cargo test --lib domain::tz::tests::regenerate -- --ignored`.
#[test]
#[ignore]
fn regenerate() {
    std::fs::write(TABLE, render()).unwrap();
}

/// The committed table is what the generator makes of the same tz database release.
#[test]
fn table_is_current() {
    if system_is_table_release() {
        assert!(
            std::fs::read_to_string(TABLE).unwrap() == render(),
            "run the regenerate test"
        );
    }
}

fn render() -> String {
    use std::fmt::Write;
    let (zones, links, version) = zone_names();
    let mut out = String::new();
    let mut skipped = Vec::new();
    let mut rows = Vec::new();
    for name in &zones {
        let Some(tzif) = system_tzif(name) else {
            skipped.push(name.clone());
            continue;
        };
        match entry(&tzif) {
            Some((until, history)) => rows.push((name.clone(), tzif.footer, until, history)),
            None => skipped.push(name.clone()),
        }
    }
    let kept: Vec<&(String, String)> = links
        .iter()
        .filter(|(_, t)| rows.iter().any(|r| &r.0 == t))
        .collect();
    writeln!(
        out,
        "// @generated by `cargo test --lib domain::tz::tests::regenerate -- --ignored` from the\n\
         // IANA tz database {version} (public domain) as installed in {ZONEINFO}. Do not edit.\n\
         //! {} zones and {} links; see `domain::tz`.{}\n\n\
         use super::tz::ZoneData;\n\n\
         /// The tz database release this table was made from.\n\
         pub const VERSION: &str = \"{version}\";\n\n\
         /// Zones by name, sorted.\n\
         #[rustfmt::skip]\n\
         pub static ZONES: &[ZoneData] = &[",
        rows.len(),
        kept.len(),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(" Left out (rule unreadable): {}.", skipped.join(", "))
        }
    )
    .unwrap();
    for (name, rule, until, history) in &rows {
        let h: Vec<String> = history.iter().map(|(a, o)| format!("({a}, {o})")).collect();
        writeln!(
            out,
            "    ZoneData {{ name: \"{name}\", rule: \"{rule}\", until: {until}, history: &[{}] }},",
            h.join(", ")
        )
        .unwrap();
    }
    out.push_str("];\n\n/// Other names of zones (alias, zone), sorted.\n#[rustfmt::skip]\npub static LINKS: &[(&str, &str)] = &[\n");
    for (alias, target) in kept {
        writeln!(out, "    (\"{alias}\", \"{target}\"),").unwrap();
    }
    out.push_str("];\n");
    out
}
