//! The log's credits added up: today, the last 7 days and all time.

use super::Charge;

/// Credits added up over some charges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Charged.
    pub charged: u64,
    /// Refunded.
    pub refunded: u64,
    /// Maybe charged (outcome unknown).
    pub maybe_charged: u64,
}

impl Totals {
    /// Charged minus refunded.
    pub fn net(&self) -> u64 {
        self.charged.saturating_sub(self.refunded)
    }

    fn add(&mut self, c: &Charge) {
        self.charged += c.charged;
        self.refunded += c.refunded;
        self.maybe_charged += c.maybe_charged;
    }
}

/// Totals of today, the last 7 days and all time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Periods {
    /// Submitted since `day_start_ms` (local midnight).
    pub today: Totals,
    /// Submitted in the 7 × 24 hours before now.
    pub week: Totals,
    /// Everything in the log.
    pub all: Totals,
}

/// One week, in ms.
pub const WEEK_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Adds up `charges` by period, `now_ms` being now and `day_start_ms` the
/// start of today in the user's time zone.
pub fn periods(charges: &[Charge], now_ms: u64, day_start_ms: u64) -> Periods {
    let week_start = now_ms.saturating_sub(WEEK_MS);
    let mut p = Periods::default();
    for c in charges {
        p.all.add(c);
        if c.at_ms >= week_start {
            p.week.add(c);
        }
        if c.at_ms >= day_start_ms {
            p.today.add(c);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credits::charge;
    use crate::credits::tests::{NOW, task};
    use avatar_api::TaskStatus;

    const DAY: u64 = 24 * 60 * 60 * 1000;

    #[test]
    fn totals_by_period() {
        let day_start = NOW - 3_600_000;
        let charges: Vec<Charge> = [
            task("now", TaskStatus::Completed, 20, NOW, None),
            task("failed", TaskStatus::Failed, 5, NOW - 60_000, None),
            task("yesterday", TaskStatus::Completed, 7, day_start - 1, None),
            task(
                "week-ago",
                TaskStatus::Completed,
                100,
                NOW - WEEK_MS - 1,
                None,
            ),
        ]
        .iter()
        .map(charge)
        .collect();
        let p = periods(&charges, NOW, day_start);
        assert_eq!(
            (p.today.charged, p.today.refunded, p.today.net()),
            (25, 5, 20)
        );
        assert_eq!((p.week.charged, p.week.net()), (32, 27));
        assert_eq!((p.all.charged, p.all.net()), (132, 127));
        assert_eq!(
            periods(&charges, NOW + 8 * DAY, NOW + 8 * DAY).week,
            Totals::default()
        );
    }
}
