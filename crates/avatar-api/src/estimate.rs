//! How long a task takes: the prior for a job's size, learning from the
//! user's own finished tasks, and the progress and time left to show while
//! the provider reports `progress: null`.

use serde::{Deserialize, Serialize};

use crate::model::{Duration, Model, Resolution};

/// The size of a job, which sets how long it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Which endpoint.
    pub model: Model,
    /// Seconds of video billed, in milliseconds.
    pub billable_ms: u64,
    /// Long edge of the output in pixels.
    pub long_edge: u32,
}

impl Shape {
    /// The job of a request with every default: Pro, 10 s at 1280 px (what
    /// an estimate assumes for a task whose request cannot be read).
    pub fn default_pro() -> Shape {
        Shape {
            model: Model::AvatarPro,
            billable_ms: u64::from(Duration::default().fixed_seconds().unwrap_or(0)) * 1000,
            long_edge: Resolution::default().long_edge(),
        }
    }
}

/// Fixed queueing and setup time of every job at the provider, in ms.
pub const PRIOR_BASE_MS: u64 = 30_000;

/// The provider's typical generation time for a job ("usually several
/// minutes"): 30 s plus 8, 12 or 16 s per billed second for a long edge up
/// to 720, up to 1280, or above; Dual Avatar takes 1.5 times as long. A 10 s
/// 1280 px video takes 2.5 min; 35 s at 1536 px about 10 min. The emulator
/// runs on this model too, so the page's first estimate is right there.
/// Saturates at `u64::MAX` for absurd shapes (e.g. read back from storage).
pub fn prior_total_ms(shape: &Shape) -> u64 {
    let per_second_ms: u128 = match shape.long_edge {
        0..=720 => 8_000,
        721..=1280 => 12_000,
        _ => 16_000,
    };
    let work = per_second_ms * u128::from(shape.billable_ms) / 1000;
    let work = if shape.model == Model::DualAvatar {
        work * 3 / 2
    } else {
        work
    };
    u64::try_from(work)
        .unwrap_or(u64::MAX)
        .saturating_add(PRIOR_BASE_MS)
}

/// A finished task: its size and how long it took from submit to completion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The job's size.
    pub shape: Shape,
    /// Milliseconds from submit to completion.
    pub took_ms: u64,
}

/// Expected total time of a job, learned from finished ones: the median of
/// `took / prior` over the samples of the same model (or all samples when
/// there are none of it), applied to this job's prior. With no samples,
/// the prior itself.
pub fn typical_total_ms(history: &[Sample], shape: &Shape) -> u64 {
    let ratio = |s: &Sample| s.took_ms as f64 / prior_total_ms(&s.shape) as f64;
    let finished = history.iter().filter(|s| s.took_ms > 0);
    let mut ratios: Vec<f64> = finished
        .clone()
        .filter(|s| s.shape.model == shape.model)
        .map(ratio)
        .collect();
    if ratios.is_empty() {
        ratios = finished.map(ratio).collect();
    }
    let prior = prior_total_ms(shape);
    match median(&mut ratios) {
        // `as` saturates: an absurd ratio gives u64::MAX, never a wrapped value.
        Some(r) => ((prior as f64) * r).round().max(1000.0) as u64,
        None => prior,
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// What to show for a running task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Fraction done, `0.0..=1.0` (never 1 before the task completes).
    pub fraction: f64,
    /// Expected total run time, ms.
    pub expected_total_ms: u64,
    /// Expected time left, ms (0 when overdue: "finishing").
    pub remaining_ms: u64,
    /// True when `fraction` is the API's own `progress`.
    pub reported: bool,
}

/// Lowest reported progress from which the total is extrapolated from it.
const MIN_PROGRESS_FOR_RATE: f64 = 0.05;
/// Highest fraction shown before the task is known to be complete.
const MAX_SHOWN_FRACTION: f64 = 0.99;

/// Progress and time left after `elapsed_ms`, from the API's `progress`
/// when it is reported, else from the typical total time.
pub fn progress(elapsed_ms: u64, reported: Option<f64>, typical_total_ms: u64) -> Progress {
    let typical = typical_total_ms.max(1);
    match reported {
        Some(p) if p >= MIN_PROGRESS_FOR_RATE => {
            let p = p.min(1.0);
            let total = ((elapsed_ms as f64) / p).round() as u64;
            Progress {
                fraction: p.min(MAX_SHOWN_FRACTION),
                expected_total_ms: total,
                remaining_ms: total.saturating_sub(elapsed_ms),
                reported: true,
            }
        }
        _ => Progress {
            fraction: ((elapsed_ms as f64) / (typical as f64))
                .max(reported.unwrap_or(0.0))
                .min(MAX_SHOWN_FRACTION),
            expected_total_ms: typical,
            remaining_ms: typical.saturating_sub(elapsed_ms),
            reported: reported.is_some(),
        },
    }
}

/// Formats a duration for people: "45 s", "2 min 05 s", "1 h 03 min".
pub fn format_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(model: Model, seconds: u64, long_edge: u32) -> Shape {
        Shape {
            model,
            billable_ms: seconds * 1000,
            long_edge,
        }
    }

    #[test]
    fn prior_is_several_minutes() {
        assert_eq!(prior_total_ms(&shape(Model::AvatarPro, 10, 1280)), 150_000);
        assert_eq!(Shape::default_pro(), shape(Model::AvatarPro, 10, 1280));
        assert_eq!(prior_total_ms(&shape(Model::AvatarPro, 35, 1536)), 590_000);
        assert_eq!(prior_total_ms(&shape(Model::AvatarPro, 5, 720)), 70_000);
        assert_eq!(prior_total_ms(&shape(Model::DualAvatar, 10, 1280)), 210_000);
    }

    #[test]
    fn typical_learns_a_speed_factor_from_history() {
        let s = shape(Model::AvatarPro, 10, 1280);
        assert_eq!(typical_total_ms(&[], &s), 150_000);
        // The user's tasks ran 20 times faster than the prior (an emulator at --speed 20).
        let history: Vec<Sample> = [5, 10, 20]
            .iter()
            .map(|&sec| {
                let sh = shape(Model::AvatarPro, sec, 720);
                Sample {
                    shape: sh,
                    took_ms: prior_total_ms(&sh) / 20,
                }
            })
            .collect();
        assert_eq!(typical_total_ms(&history, &s), 7_500);
        // Another model borrows the learned factor when it has no samples of its own.
        let dual = shape(Model::DualAvatar, 10, 1280);
        assert_eq!(typical_total_ms(&history, &dual), 10_500);
    }

    #[test]
    fn reported_progress_drives_the_estimate() {
        let p = progress(30_000, Some(0.5), 1_000_000);
        assert_eq!(
            (p.expected_total_ms, p.remaining_ms, p.reported),
            (60_000, 30_000, true)
        );
        assert_eq!(p.fraction, 0.5);
    }

    #[test]
    fn null_progress_uses_elapsed_time_and_never_shows_done() {
        let p = progress(75_000, None, 150_000);
        assert_eq!(
            (p.fraction, p.remaining_ms, p.reported),
            (0.5, 75_000, false)
        );
        let late = progress(400_000, None, 150_000);
        assert_eq!((late.fraction, late.remaining_ms), (0.99, 0));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(45_900), "45 s");
        assert_eq!(format_duration(125_000), "2 min 05 s");
        assert_eq!(format_duration(3_780_000), "1 h 03 min");
        assert_eq!(format_duration(u64::MAX), "5124095576030 h 25 min");
    }

    #[test]
    fn absurd_sizes_saturate() {
        let huge = shape(Model::DualAvatar, 0, 4000);
        let huge = Shape {
            billable_ms: u64::MAX,
            ..huge
        };
        assert_eq!(prior_total_ms(&huge), u64::MAX);
        let sample = Sample {
            shape: huge,
            took_ms: u64::MAX,
        };
        let s = shape(Model::DualAvatar, 10, 1280);
        assert_eq!(typical_total_ms(&[sample], &s), prior_total_ms(&s));
        assert_eq!(typical_total_ms(&[sample], &huge), u64::MAX);
        let p = progress(u64::MAX, Some(0.05), u64::MAX);
        assert_eq!(p.expected_total_ms, u64::MAX);
        let p = progress(u64::MAX, Some(f64::NAN), 0);
        assert_eq!((p.fraction, p.remaining_ms), (0.99, 0));
    }
}
