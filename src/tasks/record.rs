//! One submitted task as the page tracks it (what is saved for it, and what
//! follows from that: whether it is still running, its status key).

use avatar_api::estimate::Shape;
use avatar_api::{AvatarRequest, Model, TaskError, TaskStatus};
use serde::{Deserialize, Serialize};

/// One submitted task, as the page tracks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The API's opaque id.
    pub task_id: String,
    /// The request sent, with the endpoint it went to.
    #[serde(with = "avatar_api::request::tagged")]
    pub request: AvatarRequest,
    /// Credits quoted (and charged) at submit.
    pub credits: u64,
    /// When it was submitted, Unix ms (this browser's clock).
    pub submitted_ms: u64,
    /// Which key it was sent with, by its prefix only
    /// ([`crate::credits::key_prefix`]), never the key; `None` for tasks
    /// saved before the page recorded it ("unknown key").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    /// Last known status.
    #[serde(default)]
    pub status: TaskStatus,
    /// Last reported `progress` (0..=1), if any.
    #[serde(default)]
    pub progress: Option<f64>,
    /// The result, once completed.
    #[serde(default)]
    pub video_url: Option<String>,
    /// The provider's error, once failed.
    #[serde(default)]
    pub error: Option<TaskError>,
    /// When the page saw it finish, Unix ms.
    #[serde(default)]
    pub finished_ms: Option<u64>,
    /// The API answered 404: it no longer knows the task. Polling stopped.
    #[serde(default)]
    pub unknown: bool,
    /// Why the last status check failed (cleared by the next success).
    #[serde(default)]
    pub check_problem: Option<String>,
    /// The submit got no readable answer (timeout, hidden by CORS, an
    /// unreadable 2xx): it may have been accepted and charged. `task_id` is
    /// then this page's own id, and the task is never checked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub outcome_unknown: bool,
    /// Automatic checks stopped for this reason (the API refused the status
    /// check for good, e.g. 400 or 410). "Check again" clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The batch it was sent in, as which row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<crate::batch::BatchTag>,
    /// What the API said when it reported the task finished without a
    /// usable video link (an excerpt of its answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The user removed the copy of its video saved in this browser
    /// ([`crate::saved`]): it is not saved again unless asked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub copy_removed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl TaskRecord {
    /// A task the API accepted just now, charged to the key `key_prefix`
    /// stands for.
    pub fn accepted(
        task_id: String,
        request: &AvatarRequest,
        credits: u64,
        submitted_ms: u64,
        status: TaskStatus,
        key_prefix: Option<String>,
    ) -> TaskRecord {
        TaskRecord {
            task_id,
            request: request.clone(),
            credits,
            submitted_ms,
            key_prefix,
            status,
            progress: None,
            video_url: None,
            error: None,
            finished_ms: None,
            unknown: false,
            check_problem: None,
            outcome_unknown: false,
            stopped: None,
            batch: None,
            answer: None,
            copy_removed: false,
        }
    }

    /// A submit whose outcome is unknown, kept under a local id so that the
    /// user sees it and is asked before sending it again.
    pub fn outcome_unknown(
        request: &AvatarRequest,
        credits: u64,
        submitted_ms: u64,
        why: String,
        key_prefix: Option<String>,
    ) -> TaskRecord {
        TaskRecord {
            outcome_unknown: true,
            check_problem: Some(why),
            ..TaskRecord::accepted(
                format!("unsent-{submitted_ms}"),
                request,
                credits,
                submitted_ms,
                TaskStatus::Pending,
                key_prefix,
            )
        }
    }

    /// Which endpoint the task went to.
    pub fn model(&self) -> Model {
        self.request.model()
    }

    /// The job's size, for time estimates.
    pub fn shape(&self) -> Option<Shape> {
        self.request.shape()
    }

    /// True while the page should keep checking on it.
    pub fn is_running(&self) -> bool {
        !self.unknown && !self.outcome_unknown && self.stopped.is_none() && !self.status.is_final()
    }

    /// True when `other` differs only in what the next status check
    /// re-reads anyway (progress, the last check's problem): such a change
    /// is not worth rewriting the saved list for.
    pub fn same_outcome(&self, other: &TaskRecord) -> bool {
        let essentials = |t: &TaskRecord| TaskRecord {
            progress: None,
            check_problem: None,
            ..t.clone()
        };
        essentials(self) == essentials(other)
    }

    /// The status attribute the task row exposes: the API's status, or
    /// `unknown` after a 404.
    pub fn status_key(&self) -> &str {
        if self.outcome_unknown {
            "outcome-unknown"
        } else if self.unknown {
            "unknown"
        } else if self.stopped.is_some() {
            "stopped"
        } else {
            self.status.as_str()
        }
    }
}
