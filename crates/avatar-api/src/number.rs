//! Decimal numbers typed by people or sent as strings, read without the
//! standard library's float parser.
//!
//! `str::parse::<f64>` links core's correctly-rounding decimal parser and its
//! tables (about 15 KB of wasm); serde_json already carries a JSON number
//! parser, so [`parse_decimal`] checks Rust's float syntax itself, rewrites
//! the text as a JSON number and lets serde_json convert it. For every input
//! of at most 15 significant digits whose value is those digits times 10 to
//! a power within ±22 (anything a person types, or an API sends as seconds
//! or progress) the result is bit-for-bit the one `str::parse::<f64>` gives;
//! beyond that it may differ in the last bit.

/// Parses `text` with the syntax `str::parse::<f64>` accepts: an optional
/// sign, digits with an optional `.` and fraction (`7`, `7.5`, `.5`, `5.`),
/// an optional exponent (`1e3`, `2.5E-2`), or `inf`, `infinity`, `nan` in any
/// case. No surrounding whitespace: callers trim first. `None` when `text`
/// is not a number.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    if unsigned.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    // The same number as JSON, unsigned: no leading zeros, digits on both sides of `.`.
    let whole = whole.trim_start_matches('0');
    let mut json = String::with_capacity(text.len().saturating_add(2));
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    if let Some(e) = exponent {
        json.push('e');
        json.push_str(e);
    }
    // serde_json refuses only numbers too large for f64, which Rust reads as
    // infinity. The sign is applied here so that `-0` stays negative zero.
    Some(sign * serde_json::from_str::<f64>(&json).unwrap_or(f64::INFINITY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(text: &str) {
        let ours = parse_decimal(text);
        let std = text.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
            (a, b) => assert_eq!(
                a.map(f64::to_bits),
                b.map(f64::to_bits),
                "{text:?}: {a:?} vs {b:?}"
            ),
        }
    }

    #[test]
    fn accepts_what_rust_accepts() {
        for text in [
            "0",
            "7",
            "7.3",
            "07.30",
            ".5",
            "5.",
            "-0",
            "-0.0",
            "+12",
            "1e3",
            "2.5E-2",
            "1e+2",
            "1e05",
            "41.205",
            "0.1",
            "3600",
            "12.0",
            "inf",
            "-Infinity",
            "NaN",
            "1e400",
            "-1e400",
            "1e-400",
            "0.000001",
            "123456789012345",
        ] {
            same(text);
        }
    }

    #[test]
    fn rejects_what_rust_rejects() {
        for text in [
            "", ".", "-", "+", "e5", "1e", "1e+", "1.2.3", " 1", "1 ", "1,5", "0x10", "1_000",
            "--1", "+-1", "five", "infin", "1e5.5", ".e1", "١",
        ] {
            assert_eq!(parse_decimal(text), None, "{text:?}");
            same(text);
        }
    }

    proptest! {
        #[test]
        fn decimals_read_exactly_like_std(
            whole in 0u64..1_000_000_000,
            fraction in 0u32..1_000_000,
            places in 0usize..7,
            exponent in -16i32..=16,
            negative: bool,
            with_exponent: bool,
        ) {
            let fraction = format!("{fraction:06}");
            let mut text = format!("{}{whole}", if negative { "-" } else { "" });
            if places > 0 {
                text.push('.');
                text.push_str(&fraction[..places]);
            }
            if with_exponent {
                text.push_str(&format!("e{exponent}"));
            }
            same(&text);
        }

        #[test]
        fn never_panics(text in "\\PC{0,12}") {
            let _ = parse_decimal(&text);
        }
    }
}
