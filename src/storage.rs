//! The task list kept in the browser (`localStorage`), in a versioned
//! envelope so a future format change migrates instead of crashing.
//!
//! Decoding is pure (tested natively); the app reads and writes through
//! leptos-use's `use_local_storage` with [`EnvelopeCodec`], which also keeps
//! tabs in sync through the `storage` event.

use avatar_api::estimate::{Sample, Shape};
use avatar_api::{AvatarRequest, Model, TaskError, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `localStorage` key of the envelope.
pub const KEY: &str = "avatar-studio.tasks";
/// The envelope format this build writes.
pub const VERSION: u32 = 2;
/// Finished-task timings kept for estimates.
pub const HISTORY_LIMIT: usize = 50;

/// Everything the page remembers about tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Format version, [`VERSION`] when written by this build.
    pub version: u32,
    /// Submitted tasks, newest first.
    pub tasks: Vec<TaskRecord>,
    /// How long finished tasks took, to learn the typical duration.
    #[serde(default)]
    pub history: Vec<Sample>,
}

impl Default for Envelope {
    fn default() -> Self {
        Envelope {
            version: VERSION,
            tasks: Vec::new(),
            history: Vec::new(),
        }
    }
}

/// One submitted task, as the page tracks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The API's opaque id.
    pub task_id: String,
    /// Which endpoint.
    pub model: Model,
    /// The exact JSON body sent.
    pub request: Value,
    /// Credits quoted (and charged) at submit.
    pub credits: u64,
    /// When it was submitted, Unix ms (this browser's clock).
    pub submitted_ms: u64,
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
}

impl TaskRecord {
    /// The request as sent, parsed back (for estimates, thumbnails, reuse).
    pub fn parsed_request(&self) -> Option<AvatarRequest> {
        AvatarRequest::from_json(self.model, &self.request).ok()
    }

    /// The job's size, for time estimates.
    pub fn shape(&self) -> Option<Shape> {
        self.parsed_request()?.shape()
    }

    /// True while the page should keep checking on it.
    pub fn is_running(&self) -> bool {
        !self.unknown && !self.status.is_final()
    }

    /// The status attribute the task row exposes: the API's status, or
    /// `unknown` after a 404.
    pub fn status_key(&self) -> &str {
        if self.unknown {
            "unknown"
        } else {
            self.status.as_str()
        }
    }
}

/// Why the saved task list could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StorageError {
    /// Not JSON, or not the expected shape.
    #[error("the saved task list is damaged ({0})")]
    Corrupt(String),
    /// Written by a newer version of the page.
    #[error("the saved task list was written by a newer version of this page (format {0})")]
    TooNew(u32),
}

/// Parses a stored envelope of any known version into the current one.
pub fn decode(raw: &str) -> Result<Envelope, StorageError> {
    let value: Value =
        serde_json::from_str(raw).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    migrate(value)
}

/// Upgrades a stored value, version by version, to [`VERSION`].
///
/// - version 1 (the first release): `{"version":1,"tasks":[...]}` with
///   `submitted_at` in Unix **seconds** and no `history`.
/// - version 2 (current): `submitted_ms` in milliseconds, plus `history`.
pub fn migrate(mut value: Value) -> Result<Envelope, StorageError> {
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| StorageError::Corrupt("no version".to_owned()))? as u32;
    if version > VERSION {
        return Err(StorageError::TooNew(version));
    }
    if version < 1 {
        return Err(StorageError::Corrupt(format!("unknown version {version}")));
    }
    if version == 1 {
        value = v1_to_v2(value);
    }
    serde_json::from_value(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

fn v1_to_v2(mut value: Value) -> Value {
    if let Some(tasks) = value.get_mut("tasks").and_then(Value::as_array_mut) {
        for task in tasks.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(seconds) = task.remove("submitted_at").and_then(|v| v.as_u64()) {
                task.insert("submitted_ms".to_owned(), Value::from(seconds * 1000));
            }
        }
    }
    value["version"] = Value::from(VERSION);
    value["history"] = Value::Array(Vec::new());
    value
}

/// Encodes and decodes the envelope for `use_local_storage`.
pub struct EnvelopeCodec;

impl codee::Encoder<Envelope> for EnvelopeCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &Envelope) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl codee::Decoder<Envelope> for EnvelopeCodec {
    type Error = StorageError;
    type Encoded = str;

    fn decode(val: &str) -> Result<Envelope, StorageError> {
        decode(val)
    }
}

/// Adds a finished task's timing to the history (keeping the newest).
pub fn remember_sample(history: &mut Vec<Sample>, sample: Sample) {
    history.insert(0, sample);
    history.truncate(HISTORY_LIMIT);
}

/// Moves an unreadable saved list aside (so nothing is overwritten) and
/// says where it went. Browser only.
pub fn set_aside() -> String {
    let Some(local) = leptos::prelude::window().local_storage().ok().flatten() else {
        return String::new();
    };
    let Ok(Some(raw)) = local.get_item(KEY) else {
        return String::new();
    };
    let backup = format!("{KEY}.unreadable");
    if local.set_item(&backup, &raw).is_ok() {
        let _ = local.remove_item(KEY);
        format!(
            "It was kept in this browser's storage under \"{backup}\"; new tasks start a fresh list."
        )
    } else {
        "New tasks start a fresh list.".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1() -> Value {
        json!({"version": 1, "tasks": [{
            "task_id": "t1", "model": "avatar-pro",
            "request": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3", "duration": 10, "resolution": 1280, "framerate": 25},
            "credits": 20, "submitted_at": 1_780_000_000, "status": "processing", "progress": null
        }]})
    }

    #[test]
    fn version_1_migrates_to_the_current_format() {
        let e = decode(&v1().to_string()).unwrap();
        assert_eq!(e.version, VERSION);
        assert_eq!(e.tasks[0].submitted_ms, 1_780_000_000_000);
        assert_eq!(e.tasks[0].status, TaskStatus::Processing);
        assert!(e.tasks[0].is_running());
        assert!(e.history.is_empty());
        assert_eq!(e.tasks[0].shape().unwrap().billable_ms, 10_000);
    }

    #[test]
    fn current_format_round_trips() {
        let mut e = decode(&v1().to_string()).unwrap();
        e.tasks[0].status = TaskStatus::Completed;
        e.tasks[0].video_url = Some("https://a/r.mp4".into());
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(decode(&text).unwrap(), e);
    }

    #[test]
    fn corrupt_and_future_data_are_errors_not_panics() {
        assert!(matches!(decode("{not json"), Err(StorageError::Corrupt(_))));
        assert!(matches!(decode("[1,2]"), Err(StorageError::Corrupt(_))));
        assert!(matches!(
            decode(r#"{"version":2,"tasks":"x"}"#),
            Err(StorageError::Corrupt(_))
        ));
        assert_eq!(
            decode(r#"{"version":9,"tasks":[]}"#),
            Err(StorageError::TooNew(9))
        );
    }

    #[test]
    fn unknown_tasks_stop_running() {
        let mut e = decode(&v1().to_string()).unwrap();
        e.tasks[0].unknown = true;
        assert!(!e.tasks[0].is_running());
        assert_eq!(e.tasks[0].status_key(), "unknown");
    }
}
