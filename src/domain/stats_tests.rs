//! Tests of `stats`: published values, reference values computed with an independent
//! implementation (CPython's `math.erfc`, `statistics.NormalDist`), and invariants.

use super::*;
use proptest::prelude::*;

fn close(got: f64, want: f64, rel: f64) -> bool {
    if want == 0.0 {
        return got.abs() < 1e-300;
    }
    ((got - want) / want).abs() <= rel
}

#[test]
fn erfc_matches_reference_values() {
    // CPython 3 `math.erfc`, printed with repr.
    let table = [
        (0.0, 1.0),
        (0.1, 0.887_537_083_981_715_2),
        (0.5, 0.479_500_122_186_953_5),
        (1.0, 0.157_299_207_050_285_13),
        (1.5, 0.033_894_853_524_689_274),
        (2.0, 0.004_677_734_981_047_265),
        (2.4999, 0.000_407_169_900_333_451_4),
        (2.5, 0.000_406_952_017_444_958_9),
        (3.0, 2.209_049_699_858_543_8e-5),
        (4.0, 1.541_725_790_028_002e-8),
        (5.0, 1.537_459_794_428_035_1e-12),
        (6.0, 2.151_973_671_249_891_6e-17),
        (10.0, 2.088_487_583_762_545e-45),
        (26.0, 5.663_192_408_856_143e-296),
    ];
    for (x, want) in table {
        assert!(close(erfc(x), want, 1e-13), "erfc({x}) = {}", erfc(x));
        assert!(
            close(erfc(-x), 2.0 - want, 1e-15),
            "erfc(-{x}) = {}",
            erfc(-x)
        );
    }
    assert_eq!(erfc(40.0), 0.0);
    assert_eq!(erfc(-40.0), 2.0);
    assert!(erfc(f64::NAN).is_nan());
}

#[test]
fn normal_cdf_matches_reference_values() {
    // `statistics.NormalDist().cdf`; below -5 `math.erfc(-z / sqrt(2)) / 2`, which NormalDist's
    // `1 + erf` form loses digits on.
    for (z, want) in [
        (1.0, 0.841_344_746_068_542_9),
        (1.96, 0.975_002_104_851_779_6),
        (-3.0, 0.001_349_898_031_630_103_5),
        (2.575_829_303_548_900_4, 0.995),
        (-6.0, 9.865_876_450_377_012e-10),
        (0.0, 0.5),
    ] {
        assert!(
            close(normal_cdf(z), want, 1e-13),
            "Φ({z}) = {}",
            normal_cdf(z)
        );
    }
    // The quantile constants invert the distribution function.
    assert!(close(normal_cdf(Z_975), 0.975, 1e-15));
    assert!(close(normal_cdf(Z_80), 0.8, 1e-15));
}

/// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
/// the score method without continuity correction.
#[test]
fn wilson_matches_newcombe_table() {
    for (x, n, lo, hi) in [
        (81, 263, "0.2553", "0.3662"),
        (15, 148, "0.0624", "0.1605"),
        (0, 20, "0.0000", "0.1611"),
        (1, 29, "0.0061", "0.1718"),
    ] {
        let ci = wilson(x, n).unwrap();
        assert_eq!(
            (format!("{:.4}", ci.lo), format!("{:.4}", ci.hi)),
            (lo.to_owned(), hi.to_owned()),
            "{x}/{n}"
        );
    }
    assert_eq!(wilson(0, 0), None);
    assert_eq!(wilson(20, 20).unwrap().hi, 1.0);
    assert_eq!(wilson(0, 20).unwrap().lo, 0.0);
    // More successes than trials (a step counted before its send arrived) reads as all.
    assert_eq!(wilson(25, 20), wilson(20, 20));
}

/// Newcombe (1998), "Interval estimation for the difference between independent
/// proportions", Table II, method 10 (the hybrid score interval).
#[test]
fn difference_interval_matches_newcombe_table() {
    // (xb, nb, xa, na): the table's difference is the first proportion minus the second.
    for (xb, nb, xa, na, lo, hi) in [
        (56, 70, 48, 80, "0.0524", "0.3339"),
        (9, 10, 3, 10, "0.1705", "0.8090"),
        (5, 56, 0, 29, "-0.0381", "0.1926"),
        (0, 10, 0, 20, "-0.1611", "0.2775"),
        (0, 10, 0, 10, "-0.2775", "0.2775"),
        (10, 10, 0, 20, "0.6791", "1.0000"),
        (10, 10, 0, 10, "0.6075", "1.0000"),
    ] {
        let ci = diff_interval(xa, na, xb, nb).unwrap();
        assert_eq!(
            (format!("{:.4}", ci.lo), format!("{:.4}", ci.hi)),
            (lo.to_owned(), hi.to_owned()),
            "{xb}/{nb} - {xa}/{na}"
        );
    }
    assert_eq!(diff_interval(1, 0, 1, 2), None);
}

#[test]
fn z_test_matches_reference_values() {
    // Pooled z and two-sided p computed independently (CPython, math.erfc).
    let t = z_test(30, 100, 45, 100).unwrap();
    assert!(close(t.z, 2.190_890_230_020_664_7, 1e-12), "{t:?}");
    assert!(close(t.p_value, 0.028_459_736_916_310_57, 1e-10), "{t:?}");
    let t = z_test(120, 1000, 150, 1000).unwrap();
    assert!(close(t.z, 1.963_049_807_622_355, 1e-12), "{t:?}");
    assert!(close(t.p_value, 0.049_640_386_865_368_81, 1e-10), "{t:?}");
    // B lower than A: z negative, same p.
    let r = z_test(150, 1000, 120, 1000).unwrap();
    assert!(close(r.z, -1.963_049_807_622_355, 1e-12));
    assert_eq!(r.p_value, t.p_value);
    assert_eq!(
        z_test(0, 10, 0, 30),
        Some(ZTest {
            z: 0.0,
            p_value: 1.0
        })
    );
    assert_eq!(z_test(5, 5, 9, 9).unwrap().p_value, 1.0);
    assert_eq!(z_test(1, 0, 1, 1), None);
}

#[test]
fn sample_sizes_match_fleiss() {
    // 10 % -> 15 %: 686 per arm (Fleiss, no continuity correction); smaller effects need more.
    assert_eq!(sample_size_per_arm(0.10, 0.05), Some(686));
    assert_eq!(sample_size_per_arm(0.15, -0.05), Some(686));
    // 50 % -> 60 %: (1.95996 * sqrt(0.495) + 0.84162 * sqrt(0.49))^2 / 0.01 = 387.3, by hand.
    assert_eq!(sample_size_per_arm(0.5, 0.1), Some(388));
    assert_eq!(sample_size_per_arm(0.2, 0.0), None);
    assert_eq!(sample_size_per_arm(0.98, 0.05), None);
    assert_eq!(sample_size_per_arm(0.0, 0.05), None);
    assert_eq!(sample_size_per_arm(0.1, f64::NAN), None);
    assert_eq!(still_needed(686, 700, 200), (0, 486));
}

proptest! {
    #[test]
    fn wilson_brackets_the_rate(n in 1u64..5_000_000, frac in 0.0f64..=1.0) {
        let x = ((n as f64) * frac) as u64;
        let ci = wilson(x, n).unwrap();
        let p = x as f64 / n as f64;
        prop_assert!(0.0 <= ci.lo && ci.lo <= p && p <= ci.hi && ci.hi <= 1.0, "{x}/{n} {ci:?}");
        // More data, narrower interval at the same rate.
        let wide = wilson(x, n).unwrap();
        let narrow = wilson(x * 4, n * 4).unwrap();
        prop_assert!(narrow.hi - narrow.lo <= wide.hi - wide.lo + 1e-12);
    }

    #[test]
    fn z_test_is_symmetric_and_bounded(na in 1u64..100_000, nb in 1u64..100_000,
                                       fa in 0.0f64..=1.0, fb in 0.0f64..=1.0) {
        let (xa, xb) = (((na as f64) * fa) as u64, ((nb as f64) * fb) as u64);
        let t = z_test(xa, na, xb, nb).unwrap();
        let r = z_test(xb, nb, xa, na).unwrap();
        prop_assert!((0.0..=1.0).contains(&t.p_value));
        prop_assert!(t.z.is_finite());
        prop_assert!((t.z + r.z).abs() < 1e-9 && (t.p_value - r.p_value).abs() < 1e-12);
        let d = xb as f64 / nb as f64 - xa as f64 / na as f64;
        prop_assert!(d == 0.0 || t.z.signum() == d.signum());
        let ci = diff_interval(xa, na, xb, nb).unwrap();
        prop_assert!(-1.0 <= ci.lo && ci.lo <= d && d <= ci.hi && ci.hi <= 1.0, "{ci:?} {d}");
    }

    #[test]
    fn normal_cdf_is_monotone_and_symmetric(a in -9.0f64..9.0, b in -9.0f64..9.0) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(normal_cdf(lo) <= normal_cdf(hi));
        prop_assert!((normal_cdf(a) + normal_cdf(-a) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn bigger_effects_need_fewer(base in 0.01f64..0.5, e in 0.005f64..0.2) {
        let small = sample_size_per_arm(base, e).unwrap();
        let big = sample_size_per_arm(base, e * 2.0).unwrap();
        prop_assert!(big <= small);
    }
}
