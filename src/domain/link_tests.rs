//! Tests of `domain::link`: stored and written links, destinations, validation.

use super::*;

#[test]
fn stored_links_tolerate_fields_from_other_versions() {
    let mut v = serde_json::to_value(demo_input()).unwrap();
    v["future_widget"] = serde_json::json!({"template": "coupon"});
    v["destinations"]["harmony"] = "appgallery://x".into();
    v["allow"]["ports"] = serde_json::json!([443]);
    let raw = v.to_string();
    // A PUT refuses them ...
    let e = LinkInput::from_json(raw.as_bytes()).unwrap_err();
    assert!(e.message.contains("unknown field"), "{}", e.message);
    // ... a read drops and names them.
    let (input, dropped) = LinkInput::from_stored(&raw).unwrap();
    assert_eq!(input, demo_input());
    assert_eq!(
        dropped,
        vec!["allow.ports", "destinations.harmony", "future_widget"]
    );
    let known = fields_of::<LinkInput>();
    assert!(known.contains(&"campaign") && known.contains(&"disabled"));
    assert_eq!(fields_of::<AllowInput>(), ["hosts", "schemes"]);
    assert!(LinkInput::from_stored("{").is_err());
    assert_eq!(
        unknown_fields(br#"{"allow":null,"x":[1,{"y":2}]}"#),
        vec!["x"]
    );
    assert!(unknown_fields(b"[1,2]").is_empty() && unknown_fields(b"nope").is_empty());
}

pub fn demo_input() -> LinkInput {
    LinkInput {
        campaign: "spring-recall".into(),
        variant: Some("A".into()),
        destinations: DestinationsInput {
            ios: Some("https://apps.apple.com/app/id1234567890".into()),
            android: Some("https://play.google.com/store/apps/details?id=com.example.app".into()),
            huawei: Some("appmarket://details?id=com.example.app".into()),
            honor: Some("honormarket://details?id=com.example.app".into()),
            xiaomi: Some("mimarket://details?id=com.example.app".into()),
            oppo: Some("oppomarket://details?packagename=com.example.app".into()),
            vivo: Some("vivomarket://details?id=com.example.app".into()),
            samsung: Some("samsungapps://ProductDetail/com.example.app".into()),
            android_unknown: None,
            deep_link: Some("exampleapp://coupon/42".into()),
            universal_link: Some("https://app.example.com/coupon/42".into()),
            web: "https://www.example.com/coupon".into(),
        },
        allow: Some(AllowInput {
            hosts: vec![
                "apps.apple.com".into(),
                "play.google.com".into(),
                "*.example.com".into(),
            ],
            schemes: DEFAULT_SCHEMES
                .iter()
                .map(|s| s.to_string())
                .chain(["exampleapp".into()])
                .collect(),
        }),
        expires_at: None,
        disabled: false,
        attribution_window_hours: None,
        landing: None,
        generation: Some("00000000000000a1".into()),
    }
}

pub fn demo_link() -> Link {
    demo_input()
        .validate(ShortCode::parse("demo").unwrap())
        .unwrap()
}

fn field_of(input: &LinkInput) -> Option<String> {
    input
        .validate(ShortCode::parse("x").unwrap())
        .err()
        .and_then(|p| p.field)
}

#[test]
fn demo_is_valid() {
    let link = demo_link();
    assert_eq!(
        link.destinations.web.as_str(),
        "https://www.example.com/coupon"
    );
}

type Mutation = Box<dyn Fn(&mut LinkInput)>;

#[test]
fn names_the_wrong_field() {
    let cases: Vec<(&str, Mutation)> = vec![
        ("campaign", Box::new(|i| i.campaign = " ".into())),
        ("variant", Box::new(|i| i.variant = Some("x".repeat(65)))),
        (
            "destinations.web",
            Box::new(|i| i.destinations.web = String::new()),
        ),
        (
            "destinations.web",
            Box::new(|i| i.destinations.web = "https://evil.test/".into()),
        ),
        (
            "destinations.web",
            Box::new(|i| i.destinations.web = "exampleapp://x".into()),
        ),
        (
            "destinations.ios",
            Box::new(|i| i.destinations.ios = Some("javascript:alert(1)".into())),
        ),
        (
            "destinations.android",
            Box::new(|i| i.destinations.android = Some("https://user:pw@play.google.com/".into())),
        ),
        (
            "destinations.deep_link",
            Box::new(|i| i.destinations.deep_link = Some("otherapp://x".into())),
        ),
        (
            "destinations.universal_link",
            Box::new(|i| i.destinations.universal_link = Some("exampleapp://x".into())),
        ),
        (
            "destinations.xiaomi",
            Box::new(|i| i.destinations.xiaomi = Some("https://www.example.com/\n".into())),
        ),
        (
            "expires_at",
            Box::new(|i| i.expires_at = Some("tomorrow".into())),
        ),
        (
            "allow.schemes[0]",
            Box::new(|i| i.allow.as_mut().unwrap().schemes[0] = "javascript".into()),
        ),
        (
            "allow.hosts[1]",
            Box::new(|i| i.allow.as_mut().unwrap().hosts[1] = "bad host".into()),
        ),
    ];
    for (want, mutate) in cases {
        let mut input = demo_input();
        mutate(&mut input);
        assert_eq!(field_of(&input).as_deref(), Some(want));
    }
}

#[test]
fn wildcard_hosts_match_subdomains_only() {
    let allow = AllowList::from_input(&AllowInput {
        hosts: vec!["*.example.com".into()],
        schemes: vec!["https".into()],
    })
    .unwrap();
    assert!(allow.check("https://a.example.com/").is_ok());
    assert!(allow.check("https://example.com/").is_err());
    assert!(allow.check("https://badexample.com/").is_err());
    assert!(allow.check("https://a.example.com.evil.test/").is_err());
}

/// Hosts the IDNA adapter can't take are refused before parsing (fuzz/regressions/
/// link_json holds the inputs that tripped it); punycode and Unicode paths still pass.
#[test]
fn hosts_must_be_plain_ascii() {
    let allow = AllowList::from_input(&AllowInput {
        hosts: vec!["*.example.com".into(), "xn--bcher-kva.example".into()],
        schemes: vec!["https".into()],
    })
    .unwrap();
    assert!(allow.check("https://xn--bcher-kva.example/").is_ok());
    assert!(allow
        .check("https://a.example.com/\u{4f18}\u{60e0}?q=\u{e9}")
        .is_ok());
    for bad in [
        "https://b\u{fc}cher.example/",
        "https://a.ex%61mple.com/",
        "https:/XN--ksi%ff.example.com/",
        "https:\\\\a.\u{e9}xample.com",
    ] {
        assert_eq!(
            allow.check(bad).err(),
            Some("host must be plain ASCII: write an international name in punycode (xn--)"),
            "{bad}"
        );
    }
}

#[test]
fn json_errors_are_short() {
    let err = LinkInput::from_json(br#"{"campaign":"c","destinations":{"web":"x"},"nope":1}"#)
        .unwrap_err();
    assert_eq!(err.code, "invalid-json");
    assert!(
        err.message.starts_with("unknown field `nope`"),
        "{}",
        err.message
    );
}

#[test]
fn writes_take_strict_future_expiries_and_no_generation() {
    let now = 1_766_000_000_000;
    let mut input = demo_input();
    assert_eq!(
        input.check_write(now).unwrap_err().field.as_deref(),
        Some("generation")
    );
    input.generation = None;
    assert!(input.check_write(now).is_ok());
    // To the second, in the sender's time zone.
    input.expires_at = Some("2026-12-31T23:59:59+08:00".into());
    assert!(input.check_write(now).is_ok());
    let link = input.validate(ShortCode::parse("x").unwrap()).unwrap();
    assert_eq!(link.expires_at, Some(1_798_732_799_000));
    for bad in [
        "2026-12-31",           // UTC midnight, silently
        "2026-12-31T23:59:59",  // no offset
        "2025-01-01T00:00:00Z", // already past
        "1798732799",
    ] {
        input.expires_at = Some(bad.into());
        assert_eq!(
            input.check_write(now).unwrap_err().field.as_deref(),
            Some("expires_at"),
            "{bad}"
        );
    }
    // A stored link keeps reading whatever form it was written in.
    input.expires_at = Some("2026-12-31".into());
    assert!(input.validate(ShortCode::parse("x").unwrap()).is_ok());
    input.generation = Some("nothex".into());
    assert!(input.validate(ShortCode::parse("x").unwrap()).is_err());
}
