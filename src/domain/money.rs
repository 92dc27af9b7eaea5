//! Money as operators read it: integer minor units of one currency, shown with that
//! currency's decimals (ISO 4217: 2 for CNY, 0 for JPY, 3 for KWD) and grouped thousands.
//! No float ever touches an amount.

use super::currency_data::MINOR_DIGITS;

/// Decimals of a currency's minor unit (2 unless ISO 4217 says otherwise).
pub fn minor_digits(code: &str) -> u8 {
    MINOR_DIGITS
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .map_or(2, |i| MINOR_DIGITS[i].1)
}

/// A whole number with thousands grouped: `12,345`.
pub fn grouped(whole: u128) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An amount in minor units as `CNY 1,234.56` (`CNY -0.05`, `JPY 1,200`).
pub fn format_minor(amount: i64, code: &str) -> String {
    format!("{code} {}", format_amount(amount, code))
}

/// The same amount without the code (`1,234.56`), for a column whose currency is said once.
pub fn format_amount(amount: i64, code: &str) -> String {
    let d = u32::from(minor_digits(code));
    let unit = 10u128.pow(d);
    let abs = u128::from(amount.unsigned_abs());
    let sign = if amount < 0 { "-" } else { "" };
    let (whole, frac) = (abs / unit, abs % unit);
    if d == 0 {
        format!("{sign}{}", grouped(whole))
    } else {
        let w = d as usize;
        format!("{sign}{}.{frac:0w$}", grouped(whole))
    }
}

/// An input-output ratio in basis points as a multiple with two decimals (`15000` → `1.50×`),
/// rounded half away from zero.
pub fn format_ratio_bp(bp: i64) -> String {
    let hundredths = super::report::div_round(i128::from(bp), 100).unwrap_or(0);
    let sign = if hundredths < 0 { "-" } else { "" };
    let a = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}×", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_iso_4217() {
        assert_eq!(minor_digits("CNY"), 2);
        assert_eq!(minor_digits("USD"), 2);
        assert_eq!(minor_digits("JPY"), 0);
        assert_eq!(minor_digits("KWD"), 3);
        assert_eq!(minor_digits("CLF"), 4);
        assert_eq!(minor_digits("XXX"), 0);
        let mut sorted = MINOR_DIGITS.to_vec();
        sorted.sort();
        assert_eq!(sorted, MINOR_DIGITS, "binary search needs the table sorted");
    }

    #[test]
    fn amounts() {
        assert_eq!(format_minor(0, "CNY"), "CNY 0.00");
        assert_eq!(format_minor(5, "CNY"), "CNY 0.05");
        assert_eq!(format_minor(123_456, "CNY"), "CNY 1,234.56");
        assert_eq!(format_minor(-5, "CNY"), "CNY -0.05");
        assert_eq!(format_minor(1_200, "JPY"), "JPY 1,200");
        assert_eq!(format_minor(1_234_567, "KWD"), "KWD 1,234.567");
        assert_eq!(format_minor(100_000, "USD"), "USD 1,000.00");
        assert_eq!(format_minor(99_999, "USD"), "USD 999.99");
        assert_eq!(
            format_minor(i64::MIN, "USD"),
            "USD -92,233,720,368,547,758.08"
        );
        assert_eq!(
            format_minor(i64::MAX, "JPY"),
            "JPY 9,223,372,036,854,775,807"
        );
        assert_eq!(format_amount(-123_456, "CNY"), "-1,234.56");
        assert_eq!(format_amount(1_200, "JPY"), "1,200");
    }

    #[test]
    fn ratios() {
        assert_eq!(format_ratio_bp(15_000), "1.50×");
        assert_eq!(format_ratio_bp(0), "0.00×");
        assert_eq!(format_ratio_bp(12_345), "1.23×");
        assert_eq!(format_ratio_bp(12_350), "1.24×");
        assert_eq!(format_ratio_bp(-50), "-0.01×");
        assert_eq!(format_ratio_bp(1_234_567), "123.46×");
    }
}
