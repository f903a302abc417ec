//! The exact cost of a request, in whole credits, integer-exact.
//!
//! Seconds are first rounded to whole milliseconds and rates are kept as
//! integer halves of a credit, so `ceil(1.5 × 7) = 11` and `ceil(2.5 × 4.4) = 11`
//! come out exactly, without floating-point surprises.
//!
//! Every function here is total: audio lengths beyond
//! [`model::MAX_AUDIO_SECONDS`] (which validation refuses) have no quote, and
//! all arithmetic is checked, so no input can overflow.

use serde::{Deserialize, Serialize};

use crate::model::{self, Duration, Resolution};

/// Credits, the provider's billing unit.
pub type Credits = u64;

/// A priced request: the credits and how they were worked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Credits charged at submit.
    pub credits: Credits,
    /// Seconds of video billed, in milliseconds.
    pub billable_ms: u64,
    /// The working, e.g. "2 credits/s × 10 s = 20 credits".
    pub breakdown: String,
}

/// Rounds seconds to whole milliseconds: negative, NaN and zero become 0,
/// values too large for `u64` (including infinity) saturate at `u64::MAX`.
pub fn seconds_to_ms(seconds: f64) -> u64 {
    // 2^64 ms, exactly representable; anything at or above it saturates.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    if seconds.is_nan() || seconds <= 0.0 {
        return 0;
    }
    let ms = (seconds * 1000.0).round();
    if ms >= LIMIT { u64::MAX } else { ms as u64 }
}

/// Milliseconds of audio that may be billed: positive and at most
/// [`model::MAX_AUDIO_SECONDS`]; `None` otherwise.
fn billable_audio_ms(audio_seconds: f64) -> Option<u64> {
    let ms = seconds_to_ms(audio_seconds);
    (ms > 0 && ms <= max_audio_ms()).then_some(ms)
}

/// [`model::MAX_AUDIO_SECONDS`] in milliseconds.
fn max_audio_ms() -> u64 {
    seconds_to_ms(model::MAX_AUDIO_SECONDS)
}

/// Formats milliseconds as seconds with at most three decimals: 7300 → "7.3".
pub fn format_seconds(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:03}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Formats half-credits as a rate: 3 → "1.5".
fn format_halves(halves: u64) -> String {
    if halves.is_multiple_of(2) {
        (halves / 2).to_string()
    } else {
        format!("{}.5", halves / 2)
    }
}

/// `ceil(a / b)` for integers.
fn div_ceil(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// Cost of AI Avatar Pro: `ceil(rate × billable seconds)`, where the rate
/// is the resolution's and billable seconds are the duration's, or the audio
/// length capped at [`model::FOLLOW_AUDIO_CAP_SECONDS`] when it follows the
/// audio. `None` when it follows the audio and the audio length is unknown,
/// not positive or beyond [`model::MAX_AUDIO_SECONDS`].
pub fn pro(
    resolution: Resolution,
    duration: Duration,
    audio_seconds: Option<f64>,
) -> Option<Quote> {
    let halves = resolution.rate_halves();
    let cap_ms = u64::from(model::FOLLOW_AUDIO_CAP_SECONDS) * 1000;
    let (billable_ms, note) = if let Some(seconds) = duration.fixed_seconds() {
        (u64::from(seconds) * 1000, String::new())
    } else {
        let audio_ms = billable_audio_ms(audio_seconds?)?;
        if audio_ms > cap_ms {
            let note = format!(
                " (audio {} s, capped at {} s)",
                format_seconds(audio_ms),
                format_seconds(cap_ms)
            );
            (cap_ms, note)
        } else {
            (audio_ms, " (audio length)".to_owned())
        }
    };
    let exact = halves.checked_mul(billable_ms)?;
    let credits = div_ceil(exact, 2000);
    let result = if exact.is_multiple_of(2000) {
        format!("{credits} credits")
    } else {
        format!("{} → {credits} credits", format_exact(exact, 2000))
    };
    let breakdown = format!(
        "{} credits/s × {} s{note} = {result}",
        format_halves(halves),
        format_seconds(billable_ms)
    );
    Some(Quote {
        credits,
        billable_ms,
        breakdown,
    })
}

/// AI Avatar's rate for an output size: credits per second and the tier's
/// name (HD when width or height is at least [`model::HD_THRESHOLD`]).
pub fn digital_human_tier(width: u32, height: u32) -> (u64, &'static str) {
    if width >= model::HD_THRESHOLD || height >= model::HD_THRESHOLD {
        (model::DIGITAL_HUMAN_HD_RATE, "HD")
    } else {
        (model::DIGITAL_HUMAN_SD_RATE, "SD")
    }
}

/// The rate of an AI Avatar output size in words, e.g. "HD: 5 credits/s
/// (width or height ≥ 1000 px)."
pub fn digital_human_rate_text(width: u32, height: u32) -> String {
    match digital_human_tier(width, height) {
        (rate, "HD") => format!(
            "HD: {} (width or height ≥ {} px).",
            model::per_second(rate),
            model::HD_THRESHOLD
        ),
        (rate, tier) => format!("{tier}: {}.", model::per_second(rate)),
    }
}

/// Cost of AI Avatar: `ceil(audio seconds) ×` [`model::DIGITAL_HUMAN_HD_RATE`]
/// when width or height is at least [`model::HD_THRESHOLD`] (HD), else `×`
/// [`model::DIGITAL_HUMAN_SD_RATE`] (SD). `None` when the audio length is not
/// positive or beyond [`model::MAX_AUDIO_SECONDS`].
pub fn digital_human(width: u32, height: u32, audio_seconds: f64) -> Option<Quote> {
    let audio_ms = billable_audio_ms(audio_seconds)?;
    let (rate, tier) = digital_human_tier(width, height);
    let seconds = div_ceil(audio_ms, 1000);
    let credits = seconds.checked_mul(rate)?;
    let billable_ms = seconds.checked_mul(1000)?;
    let rounded = if audio_ms.is_multiple_of(1000) {
        String::new()
    } else {
        format!(" (audio {} s, rounded up)", format_seconds(audio_ms))
    };
    let breakdown = format!(
        "{} ({tier}) × {seconds} s{rounded} = {credits} credits",
        model::per_second(rate)
    );
    Some(Quote {
        credits,
        billable_ms,
        breakdown,
    })
}

/// Cost of Dual Avatar: `ceil(audio seconds ×` [`model::DUAL_RATE`]`)`.
/// `None` when the audio length is not positive or beyond
/// [`model::MAX_AUDIO_SECONDS`].
pub fn dual(audio_seconds: f64) -> Option<Quote> {
    let audio_ms = billable_audio_ms(audio_seconds)?;
    let exact = audio_ms.checked_mul(model::DUAL_RATE)?;
    let credits = div_ceil(exact, 1000);
    let result = if exact.is_multiple_of(1000) {
        format!("{credits} credits")
    } else {
        format!("{} → {credits} credits", format_exact(exact, 1000))
    };
    let breakdown = format!(
        "{} × {} s = {result}",
        model::per_second(model::DUAL_RATE),
        format_seconds(audio_ms)
    );
    Some(Quote {
        credits,
        billable_ms: audio_ms,
        breakdown,
    })
}

/// Formats `numerator / denominator` credits with up to three decimals.
fn format_exact(numerator: u64, denominator: u64) -> String {
    // In thousandths of a credit, rounded up so the shown value never undercounts.
    let thousandths = u128::from(numerator) * 1000;
    let shown = thousandths.div_ceil(u128::from(denominator.max(1)));
    format_seconds(u64::try_from(shown).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::pro`] of the numbers a body carries; `None` for one the docs don't allow.
    fn pro(long_edge: u32, duration: u32, audio_seconds: Option<f64>) -> Option<Quote> {
        super::pro(
            Resolution::from_long_edge(long_edge)?,
            Duration::from_wire(duration)?,
            audio_seconds,
        )
    }

    #[test]
    fn ai_avatar_rates_in_words() {
        assert_eq!(
            digital_human_rate_text(1280, 720),
            "HD: 5 credits/s (width or height ≥ 1000 px)."
        );
        assert_eq!(
            digital_human_rate_text(854, 1000),
            digital_human_rate_text(1280, 720)
        );
        assert_eq!(digital_human_rate_text(854, 480), "SD: 1 credit/s.");
    }

    #[test]
    fn docs_examples() {
        assert_eq!(pro(1280, 10, None).unwrap().credits, 20);
        assert_eq!(pro(1536, 20, None).unwrap().credits, 50);
        assert_eq!(digital_human(854, 480, 12.0).unwrap().credits, 12);
        assert_eq!(digital_human(1280, 720, 12.0).unwrap().credits, 60);
        assert_eq!(dual(15.0).unwrap().credits, 30);
    }

    #[test]
    fn halves_round_up_exactly() {
        assert_eq!(pro(720, 5, None).unwrap().credits, 8); // 7.5 → 8
        assert_eq!(pro(720, 0, Some(7.0)).unwrap().credits, 11); // 10.5 → 11
        assert_eq!(pro(1536, 0, Some(4.4)).unwrap().credits, 11); // exactly 11, not 12
        assert_eq!(pro(720, 0, Some(0.2)).unwrap().credits, 1);
        assert_eq!(dual(7.25).unwrap().credits, 15); // 14.5 → 15
        assert_eq!(dual(2.2).unwrap().credits, 5); // 4.4 → 5
    }

    #[test]
    fn follow_audio_is_capped_at_35_seconds() {
        let q = pro(1280, 0, Some(41.2)).unwrap();
        assert_eq!((q.credits, q.billable_ms), (70, 35_000));
        assert_eq!(
            q.breakdown,
            "2 credits/s × 35 s (audio 41.2 s, capped at 35 s) = 70 credits"
        );
        assert_eq!(pro(1280, 0, Some(35.0)).unwrap().credits, 70);
    }

    #[test]
    fn breakdowns_read_as_sentences() {
        assert_eq!(
            pro(1280, 10, None).unwrap().breakdown,
            "2 credits/s × 10 s = 20 credits"
        );
        assert_eq!(
            pro(720, 5, None).unwrap().breakdown,
            "1.5 credits/s × 5 s = 7.5 → 8 credits"
        );
        assert_eq!(
            pro(1536, 0, Some(7.3)).unwrap().breakdown,
            "2.5 credits/s × 7.3 s (audio length) = 18.25 → 19 credits"
        );
        assert_eq!(
            digital_human(854, 480, 12.0).unwrap().breakdown,
            "1 credit/s (SD) × 12 s = 12 credits"
        );
        assert_eq!(
            digital_human(1280, 720, 12.4).unwrap().breakdown,
            "5 credits/s (HD) × 13 s (audio 12.4 s, rounded up) = 65 credits"
        );
        assert_eq!(
            dual(15.0).unwrap().breakdown,
            "2 credits/s × 15 s = 30 credits"
        );
    }

    #[test]
    fn hd_threshold_is_either_side() {
        assert_eq!(digital_human(720, 1000, 1.0).unwrap().credits, 5);
        assert_eq!(digital_human(998, 998, 1.0).unwrap().credits, 1);
    }

    #[test]
    fn unbillable_inputs_have_no_quote() {
        assert_eq!(pro(1080, 10, None), None);
        assert_eq!(pro(1280, 12, None), None);
        assert_eq!(pro(1280, 0, None), None);
        assert_eq!(pro(1280, 0, Some(0.0)), None);
        assert_eq!(dual(f64::NAN), None);
        assert_eq!(digital_human(1280, 720, -3.0), None);
    }

    #[test]
    fn seconds_format() {
        assert_eq!(format_seconds(7300), "7.3");
        assert_eq!(format_seconds(10_000), "10");
        assert_eq!(format_seconds(41_205), "41.205");
        assert_eq!(seconds_to_ms(4.4), 4400);
        assert_eq!(format_seconds(u64::MAX), "18446744073709551.615");
    }

    /// The case the property test found: `attempt to multiply with overflow`.
    #[test]
    fn absurd_audio_lengths_have_no_quote_and_never_overflow() {
        let found = 18_446_744_073_709_550.0;
        assert_eq!(digital_human(1280, 720, found), None);
        assert_eq!(digital_human(640, 480, found), None);
        assert_eq!(dual(found), None);
        assert_eq!(pro(1280, 0, Some(found)), None);
        for huge in [3600.001, 1e300, f64::MAX, f64::INFINITY] {
            assert_eq!(digital_human(1280, 720, huge), None, "{huge}");
            assert_eq!(dual(huge), None, "{huge}");
            assert_eq!(pro(1536, 0, Some(huge)), None, "{huge}");
        }
        // The limit itself is billable.
        assert_eq!(digital_human(1280, 720, 3600.0).unwrap().credits, 18_000);
        assert_eq!(dual(3600.0).unwrap().credits, 7_200);
        assert_eq!(pro(1280, 0, Some(3600.0)).unwrap().credits, 70);
    }

    #[test]
    fn seconds_to_ms_saturates_instead_of_wrapping() {
        // Just below 2^64 ms: no wrap to a small number.
        assert!(seconds_to_ms(18_446_744_073_709_550.0) > 18_446_744_073_709_000_000);
        assert_eq!(seconds_to_ms(18_446_744_073_709_552.0), u64::MAX);
        assert_eq!(seconds_to_ms(1e300), u64::MAX);
        assert_eq!(seconds_to_ms(f64::INFINITY), u64::MAX);
        assert_eq!(seconds_to_ms(f64::MAX), u64::MAX);
        assert_eq!(seconds_to_ms(f64::NEG_INFINITY), 0);
        assert_eq!(seconds_to_ms(f64::NAN), 0);
        assert_eq!(seconds_to_ms(-0.0), 0);
        assert_eq!(seconds_to_ms(5e-324), 0);
    }

    /// The price rules the model cards show state what billing charges:
    /// each rate and the HD threshold are found from the prices, not from
    /// the constants both read.
    #[test]
    fn price_rules_state_what_billing_charges() {
        use model::Model;
        let rule = Model::AvatarPro.price_rule();
        for (i, edge) in Resolution::ALL
            .map(Resolution::long_edge)
            .iter()
            .enumerate()
        {
            let breakdown = pro(*edge, 10, None).unwrap().breakdown;
            let rate = breakdown.split(" credits/s").next().unwrap();
            let unit = if i == 0 { " credits/s" } else { "" };
            assert!(
                rule.contains(&format!("{rate}{unit} at {edge} px")),
                "{rule}"
            );
        }
        let rule = Model::DigitalHuman.price_rule();
        let sd = digital_human(model::MIN_SIDE, model::MIN_SIDE, 1.0)
            .unwrap()
            .credits;
        let hd = digital_human(model::MAX_SIDE, model::MIN_SIDE, 1.0)
            .unwrap()
            .credits;
        let threshold = (model::MIN_SIDE..=model::MAX_SIDE)
            .find(|w| digital_human(*w, model::MIN_SIDE, 1.0).unwrap().credits == hd)
            .unwrap();
        assert_eq!(
            rule,
            format!(
                "{} (SD) or {} when width or height is {threshold} px or more (HD); seconds rounded up.",
                model::per_second(sd),
                model::per_second(hd)
            )
        );
        assert!(digital_human_rate_text(threshold, 0).contains(&format!("≥ {threshold} px")));
        let rule = Model::DualAvatar.price_rule();
        let rate = dual(1.0).unwrap().credits;
        assert!(
            rule.starts_with(&format!("{} of audio", model::per_second(rate))),
            "{rule}"
        );
        // The texts as the cards show them today.
        assert_eq!(
            Model::DigitalHuman.price_rule(),
            "1 credit/s (SD) or 5 credits/s when width or height is 1000 px or more (HD); seconds rounded up."
        );
        assert_eq!(
            Model::DualAvatar.price_rule(),
            "2 credits/s of audio (two speakers); rounded up to whole credits."
        );
    }
}
