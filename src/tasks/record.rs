//! One submitted task as the page tracks it: what is saved for it, where it
//! stands ([`TaskState`], one state at a time) and the words the list, the
//! credit log and Compare use for it ([`summary`], [`status_label`]).

use avatar_api::estimate::Shape;
use avatar_api::{TaskError, TaskStatus};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::captions::Captions;

pub use super::request::{TaskRequest, TaskResult, summary};

/// A value saved as one JSON string, `tag` or `tag:words`. Read as a string
/// and split, it costs the wasm a fraction of a derived enum's decoder
/// (TaskState's derived one was 2.9 KB).
pub(crate) trait TaggedText: Sized {
    /// The tag and its words (empty for none).
    fn tagged(&self) -> (&str, &str);
    /// The value for a tag and its words, if the tag is known.
    fn untagged(tag: &str, text: &str) -> Option<Self>;
}

pub(crate) fn write_tagged<S: Serializer>(
    value: &impl TaggedText,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value.tagged() {
        (tag, "") => s.serialize_str(tag),
        (tag, text) => s.serialize_str(&format!("{tag}:{text}")),
    }
}

pub(crate) fn read_tagged<'de, T: TaggedText, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    let (tag, words) = text.split_once(':').unwrap_or((&text, ""));
    T::untagged(tag, words).ok_or_else(|| serde::de::Error::custom("an unknown tag"))
}

impl Serialize for TaskState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_tagged(self, s)
    }
}

impl<'de> Deserialize<'de> for TaskState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_tagged(d)
    }
}

/// Where a task stands, as far as the page knows: exactly one of these.
/// Saved as one string, its tag and its words ([`TaggedText`]):
/// `reported:processing`, `outcome-unknown:<why>`, `forgotten`,
/// `stopped:<reason>`.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskState {
    /// The submit got no readable answer (timeout, hidden by CORS, an
    /// unreadable 2xx), said here in words: it may have been accepted and
    /// charged. The task's id is then this page's own, and it is never
    /// checked.
    OutcomeUnknown(String),
    /// The API's last word on it: still running, or final.
    Reported(TaskStatus),
    /// The API answered 404: it no longer knows the task. Never checked again.
    Forgotten,
    /// Automatic checks stopped, for the reason said here (the API refused
    /// the check for good, e.g. 400 or 410). "Check again" resumes them.
    Stopped(String),
}

impl TaggedText for TaskState {
    fn tagged(&self) -> (&str, &str) {
        match self {
            TaskState::OutcomeUnknown(why) => ("outcome-unknown", why),
            TaskState::Reported(status) => ("reported", status.as_str()),
            TaskState::Forgotten => ("forgotten", ""),
            TaskState::Stopped(reason) => ("stopped", reason),
        }
    }

    fn untagged(tag: &str, text: &str) -> Option<Self> {
        Some(match tag {
            "outcome-unknown" => TaskState::OutcomeUnknown(text.to_owned()),
            "reported" => TaskState::Reported(TaskStatus::parse(text)),
            "forgotten" => TaskState::Forgotten,
            "stopped" => TaskState::Stopped(text.to_owned()),
            _ => return None,
        })
    }
}

impl TaskState {
    /// The API's last reported status, if that is where the task stands.
    pub fn reported(&self) -> Option<&TaskStatus> {
        match self {
            TaskState::Reported(status) => Some(status),
            _ => None,
        }
    }

    /// True once the API reported a final status.
    pub fn is_final(&self) -> bool {
        self.reported().is_some_and(TaskStatus::is_final)
    }

    /// True once the API reported `status`.
    pub fn is(&self, status: &TaskStatus) -> bool {
        self.reported() == Some(status)
    }

    /// The key the task row exposes (`data-status`) and the credit log's
    /// CSV writes: the API's status, or the page's own word.
    pub fn key(&self) -> &str {
        match self {
            TaskState::OutcomeUnknown(_) => "outcome-unknown",
            TaskState::Reported(status) => status.as_str(),
            TaskState::Forgotten => "unknown",
            TaskState::Stopped(_) => "stopped",
        }
    }

    /// What the status badge says.
    pub fn label(&self) -> String {
        let status = match self {
            TaskState::OutcomeUnknown(_) => return "Outcome unknown".to_owned(),
            TaskState::Forgotten => return "Unknown to the API".to_owned(),
            TaskState::Stopped(_) => return "Checks stopped".to_owned(),
            TaskState::Reported(status) => status,
        };
        match status {
            TaskStatus::Pending => "Queued".to_owned(),
            TaskStatus::Processing => "Generating".to_owned(),
            TaskStatus::Completed => "Ready".to_owned(),
            TaskStatus::Failed => "Failed".to_owned(),
            TaskStatus::Cancelled => "Cancelled".to_owned(),
            TaskStatus::Expired => "Expired".to_owned(),
            TaskStatus::Other(s) => format!("Running ({s})"),
        }
    }
}

/// Which batch a task was sent in, and as which row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchTag {
    /// The batch's id (its plan's).
    pub id: String,
    /// The row, from 1.
    pub index: u32,
    /// Rows in the batch.
    pub size: u32,
}

/// One submitted task, as the page tracks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The API's opaque id.
    pub task_id: String,
    /// What it asked for.
    pub request: TaskRequest,
    /// Credits quoted (and charged) at submit.
    pub credits: u64,
    /// When it was submitted, Unix ms (this browser's clock).
    pub submitted_ms: u64,
    /// Which key it was sent with, by its prefix only
    /// ([`crate::credits::key_prefix`]), never the key; `None` for tasks
    /// saved before the page recorded it ("unknown key").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    /// Where it stands.
    pub state: TaskState,
    /// Last reported `progress` (0..=1), if any.
    #[serde(default)]
    pub progress: Option<f64>,
    /// What it made, once completed with a usable link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<TaskResult>,
    /// The provider's error, once failed.
    #[serde(default)]
    pub error: Option<TaskError>,
    /// When the page saw it finish, Unix ms.
    #[serde(default)]
    pub finished_ms: Option<u64>,
    /// What the last status check ran into, or is waiting for (cleared by
    /// the next answer).
    #[serde(default)]
    pub check_problem: Option<String>,
    /// The batch it was sent in, as which row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchTag>,
    /// What the API said when it reported the task finished without a
    /// usable video link (an excerpt of its answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The model the API says it used, for speech and pictures (it may
    /// differ from the one asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_used: Option<String>,
    /// The user removed the copy of its video saved in this browser
    /// ([`crate::tasks::saved`]): it is not saved again unless asked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub copy_removed: bool,
    /// Subtitles a speech came with (`generate_subtitle`), once read: its
    /// captions at no extra price. (A transcription's are its result.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitles: Option<Captions>,
    /// The link to a speech's subtitle file, while it is to be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle_link: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl TaskRecord {
    /// A task the API accepted just now, charged to the key `key_prefix`
    /// stands for.
    pub fn accepted(
        task_id: String,
        request: impl Into<TaskRequest>,
        credits: u64,
        submitted_ms: u64,
        status: TaskStatus,
        key_prefix: Option<String>,
    ) -> TaskRecord {
        TaskRecord {
            task_id,
            request: request.into(),
            credits,
            submitted_ms,
            key_prefix,
            state: TaskState::Reported(status),
            progress: None,
            result: None,
            error: None,
            finished_ms: None,
            check_problem: None,
            batch: None,
            answer: None,
            model_used: None,
            copy_removed: false,
            subtitles: None,
            subtitle_link: None,
        }
    }

    /// A submit whose outcome is unknown, kept under a local id so that the
    /// user sees it and is asked before sending it again.
    pub fn outcome_unknown(
        request: impl Into<TaskRequest>,
        credits: u64,
        submitted_ms: u64,
        why: String,
        key_prefix: Option<String>,
    ) -> TaskRecord {
        TaskRecord {
            state: TaskState::OutcomeUnknown(why),
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

    /// The job's size, for time estimates.
    pub fn shape(&self) -> Option<Shape> {
        self.request.shape()
    }

    /// The link to what it made, once completed.
    pub fn result_url(&self) -> Option<&str> {
        self.result.as_ref().and_then(TaskResult::link)
    }

    /// Its captions: a transcription's result, or the subtitles a speech came with.
    pub fn captions(&self) -> Option<&Captions> {
        match &self.result {
            Some(TaskResult::Captions(captions)) => Some(captions),
            _ => self.subtitles.as_ref(),
        }
    }

    /// Its captions, to change.
    pub fn captions_mut(&mut self) -> Option<&mut Captions> {
        match &mut self.result {
            Some(TaskResult::Captions(captions)) => Some(captions),
            _ => self.subtitles.as_mut(),
        }
    }

    /// True while the page should keep checking on it.
    pub fn is_running(&self) -> bool {
        matches!(&self.state, TaskState::Reported(status) if !status.is_final())
    }

    /// True when its outcome is unknown: it may have been charged.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.state, TaskState::OutcomeUnknown(_))
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

    /// The status attribute the task row exposes ([`TaskState::key`]).
    pub fn status_key(&self) -> &str {
        self.state.key()
    }
}

/// What the status badge says.
pub fn status_label(task: &TaskRecord) -> String {
    task.state.label()
}
