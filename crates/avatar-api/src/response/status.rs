//! A task's lifecycle state, read from any spelling of it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A task's lifecycle state. Unknown strings are kept as [`TaskStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TaskStatus {
    /// Accepted, not started.
    #[default]
    Pending,
    /// Queued upstream, running, or waiting to retry.
    Processing,
    /// Finished; the result URL is set.
    Completed,
    /// Failed; credits are refunded.
    Failed,
    /// Cancelled (the provider documents no refund for it).
    Cancelled,
    /// The provider dropped the task (e.g. its result expired): final. The
    /// provider documents no refund for it.
    Expired,
    /// A status this contract does not know (treated as still running).
    Other(String),
}

impl TaskStatus {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Expired => "expired",
            TaskStatus::Other(s) => s,
        }
    }

    /// Parses a wire string; never fails. Case, surrounding spaces and
    /// `-`/`_`/space are ignored, and synonyms are understood:
    /// pending, queued, waiting, created, submitted, in_queue → `Pending`;
    /// processing, running, in_progress, started, generating → `Processing`;
    /// completed, complete, succeeded, success, done, finished → `Completed`;
    /// failed, failure, error → `Failed`; cancelled, canceled → `Cancelled`;
    /// expired → `Expired`. Anything else is kept as `Other(s)`, unchanged.
    pub fn parse(s: &str) -> TaskStatus {
        let key: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match key.as_str() {
            "pending" | "queued" | "waiting" | "created" | "submitted" | "in_queue" => {
                TaskStatus::Pending
            }
            "processing" | "running" | "in_progress" | "started" | "generating" => {
                TaskStatus::Processing
            }
            "completed" | "complete" | "succeeded" | "success" | "done" | "finished" => {
                TaskStatus::Completed
            }
            "failed" | "failure" | "error" => TaskStatus::Failed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            "expired" => TaskStatus::Expired,
            _ => TaskStatus::Other(s.to_owned()),
        }
    }

    /// True when the provider gives the task's credits back in this
    /// status. The provider charges at submit and documents one refund:
    /// "Credits are refunded automatically when a task fails". Nothing is
    /// said of cancelled or expired tasks, so they count as charged (change
    /// it here if the provider says otherwise); a task still running may yet
    /// fail and be refunded.
    pub fn is_refunded(&self) -> bool {
        matches!(self, TaskStatus::Failed)
    }

    /// True when the task will not change any more (stop polling).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed
                | TaskStatus::Failed
                | TaskStatus::Cancelled
                | TaskStatus::Expired
        )
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    /// A string (see [`TaskStatus::parse`]), a number (kept as `Other`), or
    /// anything else, which is the default, `Pending`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(status_of(&Value::deserialize(d)?).unwrap_or_default())
    }
}

/// The status in `v`: a non-blank string, or a number kept as `Other`.
pub(super) fn status_of(v: &Value) -> Option<TaskStatus> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(TaskStatus::parse(s)),
        Value::Number(n) => Some(TaskStatus::Other(n.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_are_matched_loosely_and_serialize_as_before() {
        use TaskStatus::*;
        for (words, status) in [
            (
                &[
                    "pending",
                    "Queued",
                    "WAITING",
                    "created",
                    "submitted",
                    "in_queue",
                    "in-queue",
                ][..],
                Pending,
            ),
            (
                &[
                    "processing",
                    "RUNNING",
                    "in_progress",
                    "In Progress",
                    "started",
                    "generating",
                ],
                Processing,
            ),
            (
                &[
                    "completed",
                    "complete",
                    "Succeeded",
                    "success",
                    "done",
                    " finished ",
                ],
                Completed,
            ),
            (&["failed", "FAILURE", "error"], Failed),
            (&["cancelled", "Canceled"], Cancelled),
            (&["expired", "EXPIRED"], Expired),
        ] {
            for word in words {
                assert_eq!(TaskStatus::parse(word), status, "{word}");
            }
        }
        assert_eq!(TaskStatus::parse("Uploading"), Other("Uploading".into()));
        assert!(!TaskStatus::parse("Uploading").is_final());
        assert!(Expired.is_final());
        assert!(Failed.is_refunded());
        assert!(TaskStatus::parse("error").is_refunded());
        for kept in [Pending, Processing, Completed, Cancelled, Expired] {
            assert!(!kept.is_refunded(), "{kept:?}");
        }
        for s in [Pending, Processing, Completed, Failed, Cancelled, Expired] {
            let wire = serde_json::to_value(&s).unwrap();
            assert_eq!(wire, s.as_str());
            assert_eq!(serde_json::from_value::<TaskStatus>(wire).unwrap(), s);
        }
        assert_eq!(Expired.as_str(), "expired");
        assert_eq!(
            serde_json::from_value::<TaskStatus>(json!(3)).unwrap(),
            Other("3".into())
        );
        assert_eq!(
            serde_json::from_value::<TaskStatus>(json!(null)).unwrap(),
            Pending
        );
    }
}
