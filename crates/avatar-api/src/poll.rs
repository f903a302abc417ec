//! When to check a task next: a pure schedule, so it is unit-tested here and
//! simulated by the benchmarks, and the page only runs timers.
//!
//! Two concerns are kept apart, as in Google's AIP-151 clients: the delay
//! while the task runs normally (from how far it is from its expected end),
//! and the backoff after a failed check (full jitter, `Retry-After` wins).
//!
//! While the task runs, the expected end is a window: the expected total
//! time ± a spread (narrow when the API reports `progress`, wide when it
//! does not). Before the window the schedule waits half the time left to
//! it; inside the window it checks every `tail_ms`, so a finish is noticed
//! within a few seconds; past the window it slowly stretches the interval.

/// Automatic status checks end this long after submit (2 hours): no task is
/// checked forever. The page then offers a manual "Check again".
pub const AUTO_CHECK_LIMIT_MS: u64 = 2 * 60 * 60 * 1000;

/// True when a task still running after `elapsed_ms` is taking clearly
/// longer than expected (`expected_total_ms`): more than one and a half
/// times the expected total, and at least a minute over it.
pub fn taking_long(elapsed_ms: u64, expected_total_ms: u64) -> bool {
    let late_by = elapsed_ms.saturating_sub(expected_total_ms);
    late_by > 60_000 && late_by.saturating_mul(2) > expected_total_ms
}

/// The tunable constants of the schedule. The defaults are tuned with the
/// polling simulation (`avatar-bench poll-sim`, see BENCHMARKS.md), whose
/// tests fail when a change breaks the efficiency targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Delay of the very first check after submit: catches early failures.
    pub first_check_ms: u64,
    /// Never check more often than this.
    pub min_delay_ms: u64,
    /// Never wait longer than this while the page is visible.
    pub max_delay_ms: u64,
    /// Interval inside the expected-finish window.
    pub tail_ms: u64,
    /// Half-width of the window, as a fraction of the expected total, when `progress` is reported.
    pub spread_with_progress: f64,
    /// Same, when `progress` is `null`.
    pub spread_without_progress: f64,
    /// Past the window the interval grows by this fraction of the overrun.
    pub overrun_growth: f64,
    /// Delays are multiplied by this while the page is hidden…
    pub hidden_factor: u64,
    /// …up to this.
    pub hidden_max_ms: u64,
    /// First backoff step after a failed check.
    pub error_base_ms: u64,
    /// Largest backoff.
    pub error_cap_ms: u64,
    /// Largest `Retry-After` obeyed (longer ones are clamped).
    pub retry_after_max_ms: u64,
    /// ± fraction of random spread applied to normal delays.
    pub jitter: f64,
    /// Most status requests the page has in flight at once.
    pub max_in_flight: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            first_check_ms: 2_000,
            min_delay_ms: 1_000,
            max_delay_ms: 30_000,
            tail_ms: 4_000,
            spread_with_progress: 0.06,
            spread_without_progress: 0.3,
            overrun_growth: 0.1,
            hidden_factor: 4,
            hidden_max_ms: 120_000,
            error_base_ms: 2_000,
            error_cap_ms: 60_000,
            retry_after_max_ms: 600_000,
            jitter: 0.1,
            max_in_flight: 4,
        }
    }
}

/// Everything the schedule needs to know about one task at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    /// Status checks made so far (0 right after submit).
    pub checks_done: u32,
    /// Milliseconds since submit.
    pub elapsed_ms: u64,
    /// Expected total run time (from [`crate::estimate::progress`]).
    pub expected_total_ms: u64,
    /// True when the API reported `progress` on the last check.
    pub progress_reported: bool,
    /// Failed checks in a row (network errors, 429, 5xx); 0 after a success.
    pub failures: u32,
    /// The last response's `Retry-After`, in ms.
    pub retry_after_ms: Option<u64>,
    /// True while the page is hidden.
    pub hidden: bool,
    /// A uniform random number in `0.0..1.0`, for jitter.
    pub random: f64,
}

impl Policy {
    /// Milliseconds to wait before the next status check.
    pub fn next_delay_ms(&self, c: &Check) -> u64 {
        let random = if c.random.is_finite() {
            c.random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let delay = if let Some(retry_after) = c.retry_after_ms {
            clamp_ms(retry_after, self.min_delay_ms, self.retry_after_max_ms)
        } else if c.failures > 0 {
            self.backoff_ms(c.failures, random)
        } else if c.checks_done == 0 {
            self.first_check_ms
        } else {
            self.jittered(self.running_delay_ms(c), random)
        };
        if c.hidden {
            delay.max(
                delay
                    .saturating_mul(self.hidden_factor)
                    .min(self.hidden_max_ms),
            )
        } else {
            delay
        }
    }

    /// Full-jitter exponential backoff: `random(0, min(cap, base × 2^(n-1)))`, at least the minimum.
    pub fn backoff_ms(&self, failures: u32, random: f64) -> u64 {
        let exp = self
            .error_base_ms
            .saturating_mul(1u64 << failures.saturating_sub(1).min(20));
        let ceiling = exp.min(self.error_cap_ms);
        ((ceiling as f64 * random.clamp(0.0, 1.0)) as u64).max(self.min_delay_ms)
    }

    /// The delay of a healthy, running task, before jitter.
    fn running_delay_ms(&self, c: &Check) -> u64 {
        let spread = if c.progress_reported {
            self.spread_with_progress
        } else {
            self.spread_without_progress
        };
        let total = c.expected_total_ms as f64;
        let window_start = (total * (1.0 - spread)) as u64;
        let window_end = (total * (1.0 + spread)) as u64;
        let delay = if c.elapsed_ms < window_start {
            let to_window = window_start - c.elapsed_ms;
            // Far away: halve the distance. Close: land right at the window.
            if to_window > self.tail_ms.saturating_mul(2) {
                to_window / 2
            } else {
                to_window.max(self.tail_ms / 2)
            }
        } else if c.elapsed_ms <= window_end {
            self.tail_ms
        } else {
            let overrun = c.elapsed_ms - window_end;
            self.tail_ms
                .saturating_add((overrun as f64 * self.overrun_growth) as u64)
        };
        clamp_ms(delay, self.min_delay_ms, self.max_delay_ms)
    }

    fn jittered(&self, delay: u64, random: f64) -> u64 {
        let factor = 1.0 + self.jitter * (2.0 * random - 1.0);
        ((delay as f64 * factor) as u64).max(self.min_delay_ms)
    }
}

/// `value` within `lo..=hi`; unlike `Ord::clamp` it never panics: when a
/// policy has `lo > hi`, `lo` wins (never check more often than the minimum).
fn clamp_ms(value: u64, lo: u64, hi: u64) -> u64 {
    value.min(hi).max(lo)
}

/// Parses a `Retry-After` value (RFC 9110: delay in seconds, or an HTTP date)
/// into milliseconds from `now_unix_ms`. Dates in the past give 0.
pub fn parse_retry_after(value: &str, now_unix_ms: u64) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1000));
    }
    let at = parse_http_date(value)?;
    Some(at.saturating_mul(1000).saturating_sub(now_unix_ms))
}

/// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into Unix seconds.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let rest = s.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: u64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as u64
        + 1;
    let year: i64 = year.parse().ok()?;
    // IMF-fixdate years have four digits; this also keeps the arithmetic small.
    if !(0..=9999).contains(&year) {
        return None;
    }
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    u64::try_from(days * 86_400 + (*h * 3600 + *m * 60 + *sec) as i64).ok()
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(elapsed_ms: u64, expected_total_ms: u64) -> Check {
        Check {
            checks_done: 3,
            elapsed_ms,
            expected_total_ms,
            progress_reported: true,
            failures: 0,
            retry_after_ms: None,
            hidden: false,
            random: 0.5,
        }
    }

    #[test]
    fn first_check_is_soon() {
        let p = Policy::default();
        let c = Check {
            checks_done: 0,
            ..running(0, 600_000)
        };
        assert_eq!(p.next_delay_ms(&c), 2_000);
    }

    #[test]
    fn slow_early_fast_near_the_end() {
        let p = Policy::default();
        let total = 300_000;
        let early = p.next_delay_ms(&running(10_000, total));
        let middle = p.next_delay_ms(&running(200_000, total));
        let near = p.next_delay_ms(&running(262_000, total));
        let inside = p.next_delay_ms(&running(290_000, total));
        assert_eq!(early, 30_000, "capped at the maximum");
        assert!(middle > near, "{middle} > {near}");
        assert!(inside <= 4_000, "{inside}");
        assert_eq!(p.next_delay_ms(&running(350_000, total)), 4_000 + 3_200);
    }

    #[test]
    fn without_progress_the_window_is_wider() {
        let p = Policy::default();
        let with = running(220_000, 300_000);
        let without = Check {
            progress_reported: false,
            ..with
        };
        assert!(p.next_delay_ms(&without) < p.next_delay_ms(&with));
    }

    #[test]
    fn errors_back_off_with_full_jitter() {
        let p = Policy::default();
        assert_eq!(p.backoff_ms(1, 1.0), 2_000);
        assert_eq!(p.backoff_ms(3, 1.0), 8_000);
        assert_eq!(p.backoff_ms(30, 1.0), 60_000);
        assert_eq!(p.backoff_ms(3, 0.0), 1_000, "never below the minimum");
        let c = Check {
            failures: 2,
            random: 0.5,
            ..running(1_000, 300_000)
        };
        assert_eq!(p.next_delay_ms(&c), 2_000);
    }

    #[test]
    fn retry_after_wins_and_is_clamped() {
        let p = Policy::default();
        let c = Check {
            failures: 1,
            retry_after_ms: Some(7_000),
            ..running(1_000, 300_000)
        };
        assert_eq!(p.next_delay_ms(&c), 7_000);
        let c = Check {
            retry_after_ms: Some(86_400_000),
            ..c
        };
        assert_eq!(p.next_delay_ms(&c), 600_000);
        let c = Check {
            retry_after_ms: Some(0),
            ..c
        };
        assert_eq!(p.next_delay_ms(&c), 1_000);
    }

    #[test]
    fn hidden_pages_check_less_often() {
        let p = Policy::default();
        let visible = running(290_000, 300_000);
        let hidden = Check {
            hidden: true,
            ..visible
        };
        assert_eq!(p.next_delay_ms(&hidden), 4 * p.next_delay_ms(&visible));
        let far = Check {
            hidden: true,
            ..running(0, 10_000_000)
        };
        assert_eq!(p.next_delay_ms(&far), 120_000);
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("5", 0), Some(5_000));
        assert_eq!(parse_retry_after(" 0 ", 0), Some(0));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        let now = 784_111_777_000 - 3_000;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(3_000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 10_000),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
        assert_eq!(parse_retry_after("-3", 0), None);
        assert_eq!(parse_retry_after("18446744073709551615", 0), Some(u64::MAX));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 9223372036854775807 08:49:37 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov -400 08:49:37 GMT"), None);
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:60 GMT", u64::MAX),
            Some(0)
        );
    }

    #[test]
    fn odd_policies_never_panic_or_overflow() {
        let p = Policy {
            min_delay_ms: 50_000,
            max_delay_ms: 1_000,
            retry_after_max_ms: 10,
            tail_ms: u64::MAX,
            overrun_growth: f64::INFINITY,
            hidden_factor: u64::MAX,
            hidden_max_ms: u64::MAX,
            jitter: f64::NAN,
            ..Policy::default()
        };
        let c = Check {
            hidden: true,
            ..running(u64::MAX, u64::MAX)
        };
        assert_eq!(p.next_delay_ms(&c), u64::MAX);
        let c = Check {
            retry_after_ms: Some(u64::MAX),
            hidden: false,
            ..c
        };
        assert_eq!(p.next_delay_ms(&c), 50_000, "the minimum wins");
        assert_eq!(p.backoff_ms(u32::MAX, f64::NAN), 50_000);
        assert_eq!(Policy::default().backoff_ms(3, 7.0), 8_000);
    }

    #[test]
    fn taking_long_needs_half_again_and_a_minute() {
        assert!(!taking_long(100_000, 100_000));
        assert!(!taking_long(149_000, 100_000));
        assert!(taking_long(161_000, 100_000));
        assert!(!taking_long(12_000, 10_000)); // half again, but seconds over
        assert!(taking_long(71_000, 10_000));
        assert!(!taking_long(u64::MAX, u64::MAX));
        assert!(taking_long(u64::MAX, 0));
    }
}
