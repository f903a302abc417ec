//! The credit log: every charge and refund of the tasks this browser has
//! seen, derived from the task records themselves (no second copy), per
//! key (by its prefix only, [`key_prefix`]), with totals by period and a CSV
//! export. Which statuses are refunded is the provider's rule,
//! [`avatar_api::TaskStatus::is_refunded`].
//!
//! One file per concern: a task's [`Charge`] (here), the totals by period
//! (`totals.rs`), the balances a 402 reported (`balances.rs`) and the CSV
//! file (`csv.rs`). Everything is pure (tested natively) except [`view`],
//! the panel.

use avatar_api::TaskStatus;

use crate::tasks::record::{TaskRecord, TaskState};

mod balances;
mod csv;
mod totals;
pub mod view;

pub use balances::{Balance, Balances, CreditBalances, decode_balances, encode_balances};
pub use csv::{CSV_COLUMNS, csv, iso_utc};
pub use totals::{Periods, Totals, WEEK_MS, periods};

/// The key label of tasks saved before the page recorded the key.
pub const UNKNOWN_KEY: &str = "unknown key";
/// The key label of tasks sent through a same-origin proxy (no key asked for).
pub const PROXY_KEY: &str = "site proxy";

/// A key shown by its start only: up to 8 characters and "…", but never
/// more than all but 4 of its characters, so a short key is never shown
/// whole (`sk_live_…` for `sk_live_abcdef123456`, `sk_…` for `sk_demo`).
pub fn key_prefix(key: &str) -> String {
    let key = key.trim();
    let shown = key.chars().count().saturating_sub(4).min(8);
    let start: String = key.chars().take(shown).collect();
    format!("{start}…")
}

/// Whom a request sent with `key` is charged to: the key's prefix, or the
/// site's proxy when the page sends no key.
pub fn charged_to(key: Option<&str>) -> String {
    key.map_or_else(|| PROXY_KEY.to_owned(), key_prefix)
}

/// What one task was charged, and refunded: its line in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    /// When it was submitted, Unix ms.
    pub at_ms: u64,
    /// The key's prefix, [`PROXY_KEY`] or [`UNKNOWN_KEY`].
    pub key: String,
    /// The task's id (this page's own for an outcome-unknown submit).
    pub task_id: String,
    /// The model's name.
    pub model: &'static str,
    /// Its parameters, as the task list shows them.
    pub parameters: String,
    /// The status key the task row exposes (`completed`, `failed`, `outcome-unknown`…).
    pub status: String,
    /// Credits charged.
    pub charged: u64,
    /// Credits the submit may have been charged (no answer came back).
    pub maybe_charged: u64,
    /// Credits refunded.
    pub refunded: u64,
    /// Why (refunded or not, charged or maybe).
    pub note: &'static str,
    /// The amounts are the page's estimate (speech: no published price).
    pub estimate: bool,
}

/// What `task` was charged and refunded.
pub fn charge(task: &TaskRecord) -> Charge {
    let refunded = task.state.reported().is_some_and(TaskStatus::is_refunded);
    let note = match &task.state {
        TaskState::OutcomeUnknown(_) => "May have been charged: no answer came back to the submit.",
        TaskState::Forgotten => "The API no longer knows this task.",
        _ if refunded => "Refunded: the task failed.",
        TaskState::Reported(TaskStatus::Completed) if task.request.is_estimate() => {
            "Estimated: the provider publishes no price for speech."
        }
        TaskState::Reported(TaskStatus::Completed) => "",
        TaskState::Reported(status) if status.is_final() => {
            "Not refunded: the provider refunds failed tasks only."
        }
        _ => "Not finished: refunded if it fails.",
    };
    let (charged, maybe_charged) = if task.is_outcome_unknown() {
        (0, task.credits)
    } else {
        (task.credits, 0)
    };
    Charge {
        at_ms: task.submitted_ms,
        key: task
            .key_prefix
            .clone()
            .unwrap_or_else(|| UNKNOWN_KEY.to_owned()),
        task_id: task.task_id.clone(),
        model: task.request.label(),
        parameters: task.request.summary(),
        status: task.status_key().to_owned(),
        charged,
        maybe_charged,
        refunded: if refunded { task.credits } else { 0 },
        note,
        estimate: task.request.is_estimate(),
    }
}

/// The keys in `charges`, in the order they first appear.
pub fn keys(charges: &[Charge]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for c in charges {
        if !keys.contains(&c.key) {
            keys.push(c.key.clone());
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::{AvatarRequest, ProRequest, TaskStatus};

    pub(super) const NOW: u64 = 1_780_000_000_000;

    /// A Pro task (10 s, 1280 px, 25 fps) as the list keeps it.
    pub(super) fn task(
        id: &str,
        status: TaskStatus,
        credits: u64,
        at: u64,
        key: Option<&str>,
    ) -> TaskRecord {
        let request = AvatarRequest::Pro(ProRequest {
            duration: 10,
            resolution: 1280,
            framerate: 25,
            ..ProRequest::default()
        });
        TaskRecord::accepted(
            id.into(),
            request,
            credits,
            at,
            status,
            key.map(str::to_owned),
        )
    }

    #[test]
    fn a_key_is_shown_by_its_start_never_whole() {
        assert_eq!(key_prefix("sk_live_abcdef123456"), "sk_live_…");
        assert_eq!(key_prefix(" sk_demo_12345 "), "sk_demo_…");
        assert_eq!(key_prefix("sk_demo"), "sk_…");
        assert_eq!(key_prefix("abc"), "…");
        assert_eq!(charged_to(None), PROXY_KEY);
        assert_eq!(charged_to(Some("sk_live_abcdef123456")), "sk_live_…");
    }

    #[test]
    fn failed_tasks_are_refunded_and_unknown_outcomes_maybe_charged() {
        let ok = charge(&task("a", TaskStatus::Completed, 20, NOW, Some("sk_a…")));
        assert_eq!((ok.charged, ok.refunded, ok.maybe_charged), (20, 0, 0));
        assert_eq!(ok.key, "sk_a…");
        assert_eq!(ok.model, "AI Avatar Pro");
        assert_eq!(ok.parameters, "10 s · 1280 px · 25 fps");

        let failed = charge(&task("b", TaskStatus::Failed, 30, NOW, None));
        assert_eq!((failed.charged, failed.refunded), (30, 30));
        assert_eq!(failed.key, UNKNOWN_KEY);
        assert_eq!(failed.note, "Refunded: the task failed.");

        for status in [TaskStatus::Expired, TaskStatus::Cancelled] {
            let c = charge(&task("c", status, 10, NOW, None));
            assert_eq!((c.charged, c.refunded), (10, 0));
            assert!(c.note.starts_with("Not refunded"), "{}", c.note);
        }
        let running = charge(&task("d", TaskStatus::Processing, 10, NOW, None));
        assert_eq!((running.charged, running.refunded), (10, 0));

        let request = task("x", TaskStatus::Pending, 0, 0, None).request;
        let unsent = TaskRecord::outcome_unknown(request, 20, NOW, "timeout".into(), None);
        let c = charge(&unsent);
        assert_eq!((c.charged, c.refunded, c.maybe_charged), (0, 0, 20));
        assert_eq!(c.status, "outcome-unknown");
    }

    #[test]
    fn speech_charges_are_marked_as_estimates() {
        let request = avatar_api::VoiceRequest {
            text: "Hello there".into(),
            ..avatar_api::VoiceRequest::default()
        };
        let mut t = task("s", TaskStatus::Completed, 0, NOW, None);
        t.request = crate::tasks::request::TaskRequest::Speech(request);
        t.credits = t.request.price().unwrap();
        let c = charge(&t);
        assert_eq!((c.charged, c.estimate, c.model), (11, true, "Speech"));
        assert!(c.note.starts_with("Estimated"), "{}", c.note);
        assert!(!charge(&task("v", TaskStatus::Completed, 5, NOW, None)).estimate);
    }

    #[test]
    fn keys_in_the_order_they_first_appear() {
        let charges: Vec<Charge> = [
            task("a", TaskStatus::Completed, 1, 0, Some("sk_a…")),
            task("b", TaskStatus::Completed, 1, 0, None),
            task("c", TaskStatus::Completed, 1, 0, Some("sk_a…")),
        ]
        .iter()
        .map(charge)
        .collect();
        assert_eq!(keys(&charges), ["sk_a…", UNKNOWN_KEY]);
    }
}
