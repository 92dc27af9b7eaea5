//! The statistics an operator reads next to each rate: the 95 % Wilson interval of a
//! proportion, the two-proportion z-test, Newcombe's interval for a difference of proportions,
//! and the sample size per arm needed to see a chosen effect.
//!
//! Counts go in as integers; only rates and intervals are `f64` (money never is, see
//! `domain::rollup`). Every function is total: an empty arm gives `None`, never a NaN.
//!
//! ```
//! use wakelink::domain::stats::{wilson, z_test};
//! let ci = wilson(81, 263).unwrap();
//! assert_eq!((format!("{:.4}", ci.lo), format!("{:.4}", ci.hi)), ("0.2553".into(), "0.3662".into()));
//! let t = z_test(30, 100, 45, 100).unwrap();
//! assert!(t.p_value < 0.05 && t.z > 0.0);
//! ```

use serde::Serialize;

/// The standard normal quantile for 0.975: two-sided 95 % intervals, alpha = 0.05.
pub const Z_975: f64 = 1.959_963_984_540_054;
/// The standard normal quantile for 0.8: power 0.8.
pub const Z_80: f64 = 0.841_621_233_572_914_3;

/// A closed interval of proportions (or of a difference of proportions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// The complementary error function, to about 1e-14 relative error: a series without
/// cancelling terms below 1.5, Laplace's continued fraction from there (where the series'
/// `1 - erf` would cancel digits away).
///
/// ```
/// use wakelink::domain::stats::erfc;
/// assert!((erfc(1.0) - 0.157_299_207_050_285_13).abs() < 1e-15);
/// ```
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
    if x < 1.5 {
        // erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)): every term positive.
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * FRAC_1_SQRT_PI * (-x2).exp() * sum
    } else if x > 27.3 {
        0.0
    } else {
        // erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated
        // from the tail; 150 levels converge to the last bit for x >= 1.5.
        let mut f = x;
        for k in (1..=150).rev() {
            f = x + f64::from(k) / 2.0 / f;
        }
        FRAC_1_SQRT_PI * (-x * x).exp() / f
    }
}

/// The standard normal distribution function Φ(z).
///
/// ```
/// use wakelink::domain::stats::normal_cdf;
/// assert!((normal_cdf(1.96) - 0.975_002_104_851_78).abs() < 1e-14);
/// ```
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The 95 % Wilson score interval of `successes` out of `n`; `None` when `n` is 0.
/// `successes` above `n` are read as `n` (a rate is never above one).
pub fn wilson(successes: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let x = successes.min(n) as f64;
    let n = n as f64;
    let p = x / n;
    let z2 = Z_975 * Z_975;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z_975 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and n the exact bound is 0 (or 1); rounding must not leave it a hair beside.
    let lo = if x == 0.0 { 0.0 } else { center - half };
    let hi = if x == n { 1.0 } else { center + half };
    Some(Interval {
        lo: lo.clamp(0.0, p),
        hi: hi.clamp(p, 1.0),
    })
}

/// A two-proportion z-test of arm B against arm A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    /// (p_b - p_a) / pooled standard error: positive when B's rate is higher.
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

/// The pooled two-proportion z-test of `xb/nb` against `xa/na`; `None` when an arm is empty.
/// Two arms at 0 % (or both at 100 %) differ by nothing: z = 0, p = 1.
pub fn z_test(xa: u64, na: u64, xb: u64, nb: u64) -> Option<ZTest> {
    if na == 0 || nb == 0 {
        return None;
    }
    let (xa, xb) = (xa.min(na) as f64, xb.min(nb) as f64);
    let (na, nb) = (na as f64, nb as f64);
    let pooled = (xa + xb) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return Some(ZTest {
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = (xb / nb - xa / na) / se;
    // Two-sided: 2 (1 - Φ(|z|)) = erfc(|z| / sqrt 2), without the cancellation.
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0);
    Some(ZTest { z, p_value })
}

/// Newcombe's hybrid score interval (1998, method 10) for `pb - pa`, from the two Wilson
/// intervals; `None` when an arm is empty. Unlike the Wald interval it stays inside [-1, 1]
/// and keeps its coverage at rates near 0 %, where recall campaigns live.
pub fn diff_interval(xa: u64, na: u64, xb: u64, nb: u64) -> Option<Interval> {
    let (wa, wb) = (wilson(xa, na)?, wilson(xb, nb)?);
    let pa = xa.min(na) as f64 / na as f64;
    let pb = xb.min(nb) as f64 / nb as f64;
    let d = pb - pa;
    let lo = d - ((pb - wb.lo).powi(2) + (wa.hi - pa).powi(2)).sqrt();
    let hi = d + ((wb.hi - pb).powi(2) + (pa - wa.lo).powi(2)).sqrt();
    Some(Interval {
        lo: lo.clamp(-1.0, d),
        hi: hi.clamp(d, 1.0),
    })
}

/// Recipients needed in each arm to detect an absolute change `effect` from a baseline rate
/// `base` with a two-sided test at alpha 0.05 and power 0.8 (Fleiss' formula without
/// continuity correction). `None` when the rates fall outside (0, 1) or the effect is 0.
///
/// ```
/// use wakelink::domain::stats::sample_size_per_arm;
/// assert_eq!(sample_size_per_arm(0.10, 0.05), Some(686));
/// ```
pub fn sample_size_per_arm(base: f64, effect: f64) -> Option<u64> {
    let p1 = base;
    let p2 = base + effect;
    let inside = |p: f64| p > 0.0 && p < 1.0;
    if !inside(p1) || !inside(p2) || effect == 0.0 || !effect.is_finite() {
        return None;
    }
    let pbar = (p1 + p2) / 2.0;
    let a = Z_975 * (2.0 * pbar * (1.0 - pbar)).sqrt();
    let b = Z_80 * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let n = ((a + b) / effect).powi(2);
    // A hair of rounding must not add a recipient: 686.0000000001 is 686.
    Some((n - 1e-9).ceil().max(1.0) as u64)
}

/// How many more recipients arm A and arm B each still need to reach `per_arm`.
pub fn still_needed(per_arm: u64, na: u64, nb: u64) -> (u64, u64) {
    (per_arm.saturating_sub(na), per_arm.saturating_sub(nb))
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
