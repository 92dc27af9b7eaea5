//! Tests of `campaign`: defaults, every refusal naming its field, strict writes and lenient
//! reads.

use super::*;
use serde_json::json;

fn body(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

pub(crate) fn demo() -> Value {
    json!({
        "name": "Spring recall",
        "currency": "CNY",
        "links": [
            {"code": "spring-a", "variant": "A"},
            {"code": "spring-b", "variant": "B"},
            {"code": "spring-a-mail", "variant": "A", "channel": "email"},
        ],
        "cost_per_send": {"sms": 5, "email": 1, "call": 120},
    })
}

fn check(v: Value) -> Result<Campaign, Problem> {
    CampaignInput::from_json(&body(v))?.validate("spring")
}

#[test]
fn defaults_fill_in() {
    let c = check(demo()).unwrap();
    assert_eq!(c.id, "spring");
    assert_eq!(c.name, "Spring recall");
    assert_eq!(c.follow_up_after_ms, 3 * 86_400_000);
    assert_eq!(c.attribution_window_ms, 3 * 86_400_000);
    assert_eq!(c.time_zone.name(), "Asia/Shanghai");
    assert_eq!(c.currency.as_str(), "CNY");
    assert_eq!(c.default_channel, Channel::Sms);
    assert_eq!(c.link("spring-b").unwrap().channel, Channel::Sms);
    assert_eq!(c.link("spring-a-mail").unwrap().channel, Channel::Email);
    assert_eq!(c.link("nope"), None);
    assert_eq!(c.cost_per_send(Channel::Call), Some(120));
    assert_eq!(c.cost_per_send(Channel::Push), None);
    assert_eq!(c.step_index("login"), Some(3));
    assert_eq!(c.step_index("sent"), Some(0));
    let out = c.to_json();
    assert_eq!(out["steps"][1], "clicked");
    assert_eq!(out["time_zone"], "Asia/Shanghai");
    assert_eq!(
        out["cost_per_send"],
        json!({"sms": 5, "email": 1, "call": 120})
    );
    assert_eq!(out["links"][2]["channel"], "email");
}

#[test]
fn steps_are_ordered_and_checked() {
    let with = |steps: Value| {
        let mut v = demo();
        v["steps"] = steps;
        check(v)
    };
    let names =
        |c: Campaign| -> Vec<String> { c.steps.iter().map(|s| s.as_str().to_owned()).collect() };
    assert_eq!(
        names(with(json!(["login", "x:coupon_used", "loan"])).unwrap()),
        ["sent", "clicked", "login", "x:coupon_used", "loan"]
    );
    assert_eq!(
        names(with(json!(["sent", "clicked", "landing_view", "register"])).unwrap()),
        ["sent", "clicked", "landing_view", "register"]
    );
    for (steps, field) in [
        (json!([]), "steps"),
        (json!(["sent", "clicked"]), "steps"),
        (json!(["sent", "login"]), "steps[1]"),
        (json!(["login", "clicked"]), "steps[1]"),
        (json!(["login", "login"]), "steps[1]"),
        (json!(["login", "Loan"]), "steps[1]"),
        (json!(["sent", "clicked", "x:Bad"]), "steps[2]"),
        (json!(vec!["x:a"; 17]), "steps"),
    ] {
        let e = with(steps.clone()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{steps}");
        assert_eq!((e.status, e.code), (400, "invalid-input"));
    }
}

type Mutation = fn(&mut Value);

#[test]
fn names_the_wrong_field() {
    let cases: Vec<(&str, Mutation)> = vec![
        ("name", |v| v["name"] = json!("  ")),
        ("name", |v| v["name"] = json!("x".repeat(121))),
        ("name", |v| v["name"] = json!("a\u{7}b")),
        ("currency", |v| v["currency"] = json!("cny")),
        ("currency", |v| v["currency"] = json!("YUAN")),
        ("time_zone", |v| v["time_zone"] = json!("UTC+8")),
        ("time_zone", |v| v["time_zone"] = json!("asia/shanghai")),
        ("default_channel", |v| v["default_channel"] = json!("fax")),
        ("links[0].code", |v| v["links"][0]["code"] = json!("a/b")),
        ("links[1].code", |v| {
            v["links"][1]["code"] = json!("spring-a")
        }),
        ("links[1].variant", |v| {
            v["links"][1]["variant"] = json!("A")
        }),
        ("links[1].variant", |v| {
            v["links"][1]["variant"] = json!(" ")
        }),
        ("links[2].channel", |v| {
            v["links"][2]["channel"] = json!("SMS")
        }),
        ("cost_per_send.sms", |v| {
            v["cost_per_send"]["sms"] = json!(MAX_COST_MINOR + 1)
        }),
        ("follow_up_after_hours", |v| {
            v["follow_up_after_hours"] = json!(0)
        }),
        ("attribution_window_hours", |v| {
            v["attribution_window_hours"] = json!(2161)
        }),
    ];
    for (field, mutate) in cases {
        let mut v = demo();
        mutate(&mut v);
        let e = check(v.clone()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{v}");
        assert_eq!((e.status, e.code), (400, "invalid-input"));
    }
    let mut v = demo();
    v["links"] = json!((0..65)
        .map(|i| json!({"code": format!("c{i}"), "variant": format!("v{i}")}))
        .collect::<Vec<_>>());
    assert_eq!(check(v).unwrap_err().field.as_deref(), Some("links"));
    // Same variant on another channel is another link, not a clash.
    let mut v = demo();
    v["links"][1]["channel"] = json!("push");
    v["links"][1]["variant"] = json!("A");
    assert!(check(v).is_ok());
    assert_eq!(
        parse_campaign_id(" spring").unwrap_err().field.as_deref(),
        Some("campaign")
    );
    assert!(parse_campaign_id("").is_err());
    assert!(parse_campaign_id(&"x".repeat(65)).is_err());
    assert_eq!(parse_campaign_id("春季召回").unwrap(), "春季召回");
}

#[test]
fn writes_refuse_unknown_fields_reads_ignore_them() {
    for (v, field) in [
        (json!({"colour": 1}), "colour"),
        (
            json!({"links": [{"code": "a", "variant": "A", "weight": 2}]}),
            "links[0].weight",
        ),
        (json!({"cost_per_send": {"fax": 3}}), "cost_per_send.fax"),
    ] {
        let mut input = demo();
        for (k, x) in v.as_object().unwrap() {
            input[k] = x.clone();
        }
        let e = CampaignInput::from_json(&body(input)).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("invalid-json", Some(field)));
        assert!(e.message.starts_with("unknown field"), "{}", e.message);
    }
    // Wrong types and syntax: serde's reason, no position.
    for bad in [
        json!({"name": "x", "currency": "CNY", "cost_per_send": {"sms": -1}}),
        json!({"name": "x", "currency": "CNY", "links": {}}),
        json!({"name": 3, "currency": "CNY"}),
        json!({"currency": "CNY"}),
        json!([]),
    ] {
        let e = CampaignInput::from_json(&body(bad.clone())).unwrap_err();
        assert_eq!(e.code, "invalid-json", "{bad}");
        assert!(!e.message.contains("line"), "{}", e.message);
    }
    assert_eq!(
        CampaignInput::from_json(b"{").unwrap_err().code,
        "invalid-json"
    );
    // A record a newer version stored, with a field this one doesn't know, still reads.
    let mut stored = demo();
    stored["links"][0]["weight"] = json!(2);
    stored["budget"] = json!({"sms": 1000});
    let input = CampaignInput::from_stored(&stored.to_string()).unwrap();
    assert_eq!(input.validate("spring").unwrap().links.len(), 3);
    // What is stored round-trips.
    let written = CampaignInput::from_json(&body(demo())).unwrap();
    let text = serde_json::to_string(&written).unwrap();
    assert_eq!(CampaignInput::from_stored(&text), Some(written));
}

#[test]
fn channels_and_currencies() {
    for c in Channel::ALL {
        assert_eq!(Channel::parse(c.as_str()), Some(c));
        assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()), "{c:?}");
    }
    assert_eq!(Channel::parse("Sms"), None);
    assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
    for bad in ["usd", "US", "USDT", "U$D", ""] {
        assert_eq!(Currency::parse(bad), None, "{bad}");
    }
}
