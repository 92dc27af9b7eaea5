//! Tests of `token`: known answers, layouts, lengths and properties.

use super::*;
use proptest::prelude::*;

/// Clearly a test key: 32 bytes of 0x42.
fn test_hex() -> String {
    "42".repeat(32)
}

fn ring(kids: &[u8]) -> Keyring {
    let spec: Vec<String> = kids
        .iter()
        .map(|k| {
            format!(
                "{k}:{}",
                "42".repeat(32).replacen("42", &format!("4{k}"), 1)
            )
        })
        .collect();
    Keyring::parse(&spec.join(",")).unwrap()
}

fn code(s: &str) -> ShortCode {
    ShortCode::parse(s).unwrap()
}

fn at(c: &ShortCode, generation: Option<u64>) -> LinkRef<'_> {
    LinkRef {
        code: c,
        generation: generation.map(Generation::new),
    }
}

/// A keyring whose minting key is `kid`, with all eight keys active.
fn ring_minting(kid: u8) -> Keyring {
    let mut kids: Vec<u8> = (0..8).collect();
    kids.retain(|k| *k != kid);
    kids.insert(0, kid);
    ring(&kids)
}

const NOW: u64 = 1_800_000_000;

#[test]
fn round_trip() {
    let keys = ring(&[3, 1]);
    let c = code("spring-26");
    for generation in [None, Some(0), Some(u64::MAX)] {
        let link = at(&c, generation);
        for (seq, exp, kind) in [
            (0, None, Kind::Link),
            (1, None, Kind::Honeypot),
            (42, Some(NOW + 1), Kind::Link),
            (SEQ_LIMIT - 1, Some(EXPIRY_LIMIT_UNIX - 1), Kind::Honeypot),
        ] {
            let t = keys.mint(link, seq, exp, kind).unwrap();
            let r = keys.verify(link, t.as_str(), NOW).unwrap();
            assert_eq!(
                (r.seq, r.key_id, r.expires_at, r.kind, r.expired),
                (seq, KeyId(3), exp, kind, false)
            );
            assert!(t.as_str().len() <= MAX_CANONICAL_LEN, "{t}");
        }
    }
    let link = at(&c, Some(1));
    assert_eq!(
        keys.mint(link, SEQ_LIMIT, None, Kind::Link),
        Err(MintError::SeqOutOfRange)
    );
    for bad in [EPOCH_UNIX - 1, EXPIRY_LIMIT_UNIX, 1_800_000_000_000] {
        assert_eq!(
            keys.mint(link, 1, Some(bad), Kind::Link),
            Err(MintError::ExpiryOutOfRange),
            "{bad}"
        );
    }
}

#[test]
fn expiry_is_to_the_second_and_an_expired_token_is_still_authentic() {
    let keys = ring(&[0]);
    let c = code("late");
    let link = at(&c, Some(9));
    // 2026-12-31T23:59:59+08:00 is 15:59:59Z: live one second before, gone at it.
    let dies = 1_798_732_799;
    let t = keys.mint(link, 5, Some(dies), Kind::Link).unwrap();
    assert!(!keys.verify(link, t.as_str(), dies - 1).unwrap().expired);
    let late = keys.verify(link, t.as_str(), dies).unwrap();
    assert_eq!((late.seq, late.expired), (5, true));
    // Expired but forged is still nothing.
    let mut forged = t.to_string().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'a' { b'b' } else { b'a' };
    assert!(keys
        .verify(link, std::str::from_utf8(&forged).unwrap(), dies + 1)
        .is_none());
}

#[test]
fn a_recreated_code_does_not_take_the_old_generation_tokens() {
    let keys = ring(&[0]);
    let c = code("reborn");
    let t = keys.mint(at(&c, Some(1)), 7, None, Kind::Link).unwrap();
    assert!(keys.verify(at(&c, Some(1)), t.as_str(), NOW).is_some());
    assert!(keys.verify(at(&c, Some(2)), t.as_str(), NOW).is_none());
    assert!(keys.verify(at(&c, None), t.as_str(), NOW).is_none());
    let legacy = keys.mint(at(&c, None), 7, None, Kind::Link).unwrap();
    assert!(keys.verify(at(&c, Some(1)), legacy.as_str(), NOW).is_none());
}

#[test]
fn honeypot_and_link_tokens_look_alike_but_verify_apart() {
    let keys = ring(&[0]);
    let c = code("edm");
    let link = at(&c, Some(3));
    for seq in [1, 999, 9_999_999] {
        let real = keys.mint(link, seq, None, Kind::Link).unwrap();
        let pot = keys.mint(link, seq, None, Kind::Honeypot).unwrap();
        assert_ne!(real, pot);
        assert_eq!(real.as_str().len(), pot.as_str().len());
        assert_eq!(
            keys.verify(link, pot.as_str(), NOW)
                .map(|r| (r.seq, r.kind)),
            Some((seq, Kind::Honeypot))
        );
        assert_eq!(
            keys.verify(link, real.as_str(), NOW).map(|r| r.kind),
            Some(Kind::Link)
        );
    }
}

#[test]
fn first_format_tokens_keep_resolving_on_links_without_a_generation() {
    // Minted before generations existed (the first format's known answers, below).
    let keys = Keyring::parse(&format!("0:{}", test_hex())).unwrap();
    let c = code("demo");
    assert_eq!(keys.mint_v1(&c, 1, None), KAT_V1_NO_EXPIRY);
    assert_eq!(keys.mint_v1(&c, 1, Some(2556)), KAT_V1_EXPIRY);
    let legacy = at(&c, None);
    let r = keys.verify(legacy, KAT_V1_NO_EXPIRY, NOW).unwrap();
    assert_eq!((r.seq, r.kind, r.expired), (1, Kind::Link, false));
    // Day 2556 is 2026-12-31, valid through its end in UTC.
    let r = keys.verify(legacy, KAT_V1_EXPIRY, 1_798_761_599).unwrap();
    assert_eq!((r.expires_at, r.expired), (Some(1_798_761_600), false));
    assert!(
        keys.verify(legacy, KAT_V1_EXPIRY, 1_798_761_600)
            .unwrap()
            .expired
    );
    // A link created since (with a generation) takes none of them.
    assert!(keys
        .verify(at(&c, Some(0)), KAT_V1_NO_EXPIRY, NOW)
        .is_none());
    assert!(keys.verify(at(&c, Some(0)), KAT_V1_EXPIRY, NOW).is_none());
}
const KAT_V1_NO_EXPIRY: &str = "1I7zs2WuA";
const KAT_V1_EXPIRY: &str = "Mpq1rnLMO5h";

#[test]
fn pack_unpack_and_encoding_are_inverse() {
    for layout in [Layout::V1, Layout::V2] {
        let top = u32::MAX >> (32 - layout.expiry_bits());
        for (seq, kid, exp, tag) in [
            (0, 0, None, 0),
            (0, 0, None, TAG_MASK as u64),
            (9_999_999, 7, None, TAG_MASK as u64),
            (SEQ_LIMIT - 1, 7, Some(top), TAG_MASK as u64),
            (123_456_789, 5, Some(0), 12345),
        ] {
            let f = Fields {
                seq,
                kid: KeyId(kid),
                expiry: exp,
            };
            let n = f.pack(tag, layout);
            let mut buf = TokenBuf::new();
            encode(n, &mut buf);
            assert_eq!(decode(buf.as_str().as_bytes()), Some(n));
            let (g, t) = Fields::unpack(n, layout).unwrap();
            assert_eq!((g.seq, g.kid, g.expiry, t), (seq, KeyId(kid), exp, tag));
        }
    }
    let mut buf = TokenBuf::new();
    encode(0, &mut buf);
    assert_eq!(buf.as_str(), "0");
    encode(N_LIMIT - 1, &mut buf);
    assert_eq!(buf.as_str().len(), MAX_CANONICAL_LEN);
}

#[test]
fn ten_million_recipients_fit_twelve_characters() {
    let c = code("x");
    for kid in 0..8 {
        let keys = ring_minting(kid);
        for kind in [Kind::Link, Kind::Honeypot] {
            let t = keys
                .mint(at(&c, Some(u64::MAX)), 9_999_999, None, kind)
                .unwrap();
            assert!(t.as_str().len() <= 12, "kid {kid}: {t}");
        }
        // Worst case whatever the tag: all 44 tag bits set.
        let f = Fields {
            seq: 9_999_999,
            kid: KeyId(kid),
            expiry: None,
        };
        let mut buf = TokenBuf::new();
        encode(f.pack(TAG_MASK as u64, Layout::V2), &mut buf);
        assert!(buf.as_str().len() <= 12, "kid {kid}: {}", buf.as_str());
    }
}

#[test]
fn known_answer() {
    // Pins the format. Cross-checked with Python's hmac module (see docs/tokens.md).
    let keys = Keyring::parse(&format!("0:{}", test_hex())).unwrap();
    let c = code("demo");
    let link = at(&c, Some(0x0123_4567_89ab_cdef));
    let mint = |seq, exp, kind| keys.mint(link, seq, exp, kind).unwrap().to_string();
    assert_eq!(mint(1, None, Kind::Link), KAT_NO_EXPIRY);
    assert_eq!(mint(1, Some(1_798_732_799), Kind::Link), KAT_EXPIRY);
    assert_eq!(mint(1, None, Kind::Honeypot), KAT_HONEYPOT);
    let keys = Keyring::parse(&format!("7:{}", test_hex())).unwrap();
    assert_eq!(
        keys.mint(link, 9_999_999, None, Kind::Link)
            .unwrap()
            .as_str(),
        KAT_KID7
    );
}
const KAT_NO_EXPIRY: &str = "1MWpNTFMl";
const KAT_EXPIRY: &str = "6Lz6USOvL2FaQX";
const KAT_HONEYPOT: &str = "1LJkI3zH9";
const KAT_KID7: &str = "s5gl7Xp5OyCM";

#[test]
fn other_link_expired_and_retired() {
    let keys = ring(&[2, 5]);
    let (a, b) = (code("alpha"), code("beta"));
    let t = keys
        .mint(at(&a, Some(1)), 77, Some(NOW), Kind::Link)
        .unwrap();
    assert!(
        !keys
            .verify(at(&a, Some(1)), t.as_str(), NOW - 1)
            .unwrap()
            .expired
    );
    assert!(
        keys.verify(at(&a, Some(1)), t.as_str(), NOW)
            .unwrap()
            .expired
    );
    assert!(
        keys.verify(at(&b, Some(1)), t.as_str(), 0).is_none(),
        "other link"
    );
    // Same secrets, kid 2 retired: only 5 remains.
    let retired = ring(&[5]);
    assert!(retired.verify(at(&a, Some(1)), t.as_str(), 0).is_none());
    // Tokens of the key that stays active still verify.
    let t5 = ring(&[5, 2])
        .mint(at(&a, Some(1)), 77, None, Kind::Link)
        .unwrap();
    assert!(retired.verify(at(&a, Some(1)), t5.as_str(), 0).is_some());
}

#[test]
fn random_strings_never_verify() {
    let keys = ring(&[0, 1, 2, 3, 4, 5, 6, 7]);
    let c = code("demo");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut ok = 0;
    let mut s = Vec::with_capacity(14);
    for _ in 0..100_000 {
        let len = 1 + (next() % 14) as usize;
        s.clear();
        s.extend((0..len).map(|_| ALPHABET[(next() % 62) as usize]));
        let t = std::str::from_utf8(&s).unwrap();
        // A link without a generation also tries the first format: the widest check.
        ok += usize::from(keys.verify(at(&c, None), t, 0).is_some());
    }
    assert_eq!(ok, 0);
}

#[test]
fn decoder_is_canonical() {
    assert_eq!(decode(b""), None);
    assert_eq!(decode(b"0"), Some(0));
    assert_eq!(decode(b"01"), None);
    assert_eq!(decode(b"a-b"), None);
    assert_eq!(decode(b"ab c"), None);
    assert_eq!(decode("é".as_bytes()), None);
    assert_eq!(decode(&[b'z'; 23]), None);
    assert_eq!(decode(&[b'z'; 22]), None, "overflows u128");
    assert!(decode(&[b'z'; 21]).is_some());
    assert!(Fields::unpack(decode(&[b'z'; 21]).unwrap(), Layout::V2).is_none());
    assert!(Fields::unpack(N_LIMIT, Layout::V2).is_none());
    // Without expiry, X must be a seq below 2^40.
    let beyond = ((u128::from(SEQ_LIMIT) * 2) * 8) << TAG_BITS;
    assert!(Fields::unpack(beyond, Layout::V2).is_none());
}

#[test]
fn receipts() {
    let keys = ring(&[2, 5]);
    let a = keys.receipt_tag(KeyId(2), b"spring:1-100").unwrap();
    assert_eq!(keys.receipt_tag(KeyId(2), b"spring:1-100"), Some(a));
    assert_ne!(keys.receipt_tag(KeyId(2), b"spring:1-101"), Some(a));
    assert_ne!(keys.receipt_tag(KeyId(5), b"spring:1-100"), Some(a));
    assert_eq!(keys.receipt_tag(KeyId(3), b"spring:1-100"), None);
}

#[test]
fn keyring_parse() {
    let hex = test_hex();
    let b64 = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"; // 32 × 0x42
    let a = Keyring::parse(&format!("0:{hex}")).unwrap();
    let b = Keyring::parse(&format!(" 0:{b64}= ")).unwrap();
    let c = code("demo");
    assert_eq!(
        a.mint(at(&c, None), 9, None, Kind::Link),
        b.mint(at(&c, None), 9, None, Kind::Link)
    );
    let r = Keyring::parse(&format!("4:{hex}, 1:{b64}")).unwrap();
    assert_eq!(r.minting_key(), KeyId(4));
    assert_eq!(r.key_ids(), &[KeyId(4), KeyId(1)]);
    assert_eq!(format!("{r:?}"), "Keyring { minting: 4, key_ids: [4, 1] }");

    let cases: &[(String, KeyringError)] = &[
        (String::new(), KeyringError::Empty),
        (" , ".into(), KeyringError::Empty),
        (hex.clone(), KeyringError::MissingColon),
        (format!("8:{hex}"), KeyringError::BadKeyId),
        (format!("01:{hex}"), KeyringError::BadKeyId),
        (
            format!("1:{hex},1:{b64}"),
            KeyringError::DuplicateKeyId(KeyId(1)),
        ),
        ("2:not base64!".into(), KeyringError::BadSecret(KeyId(2))),
        ("2:QkJ".into(), KeyringError::BadSecret(KeyId(2))), // non-canonical tail bits
        (
            format!("3:{}", "42".repeat(31)),
            KeyringError::ShortSecret(KeyId(3)),
        ),
        (
            format!("3:{}", "42".repeat(129)),
            KeyringError::LongSecret(KeyId(3)),
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(Keyring::parse(spec).map(|_| ()), Err(*want), "{spec:?}");
        let msg = want.to_string();
        assert!(!msg.contains("4242") && !msg.contains("QkJC"), "{msg}");
        assert_eq!(msg, msg.to_lowercase());
    }
}

fn minted() -> impl Strategy<Value = (u8, u64, Option<u64>, String, Option<u64>, bool)> {
    (
        0u8..8,
        prop_oneof![0u64..20_000_000, 0u64..SEQ_LIMIT],
        proptest::option::of(EPOCH_UNIX..EXPIRY_LIMIT_UNIX),
        "[A-Za-z0-9_-]{1,64}".prop_filter("reserved", |c| ShortCode::parse(c).is_ok()),
        proptest::option::of(any::<u64>()),
        any::<bool>(),
    )
}

fn kind(honeypot: bool) -> Kind {
    if honeypot {
        Kind::Honeypot
    } else {
        Kind::Link
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_substitution_fails((kid, seq, exp, c, g, h) in minted(), pos in any::<prop::sample::Index>(), with in 0usize..62) {
        let keys = ring_minting(kid);
        let c = code(&c);
        let t = keys.mint(at(&c, g), seq, exp, kind(h)).unwrap().to_string();
        prop_assert!(keys.verify(at(&c, g), &t, 0).is_some());
        let mut b = t.clone().into_bytes();
        let i = pos.index(b.len());
        prop_assume!(b[i] != ALPHABET[with]);
        b[i] = ALPHABET[with];
        prop_assert!(keys.verify(at(&c, g), std::str::from_utf8(&b).unwrap(), 0).is_none());
    }

    #[test]
    fn any_truncation_or_extension_fails((kid, seq, exp, c, g, h) in minted(), cut in any::<prop::sample::Index>(), extra in 0usize..62) {
        let keys = ring_minting(kid);
        let c = code(&c);
        let t = keys.mint(at(&c, g), seq, exp, kind(h)).unwrap().to_string();
        let keep = cut.index(t.len());
        prop_assert!(keys.verify(at(&c, g), &t[..keep], 0).is_none());
        let ch = ALPHABET[extra] as char;
        let appended = format!("{t}{ch}");
        let prepended = format!("{ch}{t}");
        prop_assert!(keys.verify(at(&c, g), &appended, 0).is_none());
        prop_assert!(keys.verify(at(&c, g), &prepended, 0).is_none());
    }

    #[test]
    fn other_code_or_generation_fails((kid, seq, exp, a, g, h) in minted(), b in "[A-Za-z0-9_-]{1,64}", other in any::<u64>()) {
        prop_assume!(a != b && ShortCode::parse(&b).is_ok());
        let keys = ring_minting(kid);
        let t = keys.mint(at(&code(&a), g), seq, exp, kind(h)).unwrap();
        prop_assert!(keys.verify(at(&code(&b), g), t.as_str(), 0).is_none());
        prop_assume!(Some(other) != g);
        prop_assert!(keys.verify(at(&code(&a), Some(other)), t.as_str(), 0).is_none());
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,30}") {
        let _ = ring(&[0]).verify(at(&code("demo"), None), &s, 0);
    }
}
