//! The task a status check answers with, and a failed task's error.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::fields::{code_of, number, number_of, string_of, task_id_of};
use super::status::{TaskStatus, status_of};
use crate::kind::Kind;
use crate::transcribe::{Subtitles, Transcript, subtitles_of, transcript_of};
use crate::validate;

/// A failed task's error: `{code, message, type}`, or a plain string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskError {
    /// Machine-readable code, e.g. `media_unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong, for a person.
    #[serde(default)]
    pub message: String,
    /// Error family, e.g. `api_error`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Reads `error`: an object (`code` string or number; `message`, `msg` or
/// `detail`; `type`), a plain string, or nothing (`null`, `false`, `""`).
fn task_error_of(v: &Value) -> Option<TaskError> {
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(message) => Some(TaskError {
            message: message.clone(),
            ..TaskError::default()
        }),
        Value::Object(m) => Some(TaskError {
            code: code_of(m, &["code"]),
            message: string_of(m, &["message", "msg", "detail"]).unwrap_or_default(),
            kind: string_of(m, &["type"]),
        }),
        other => Some(TaskError {
            message: other.to_string(),
            ..TaskError::default()
        }),
    }
}

/// The body of `GET /api/v2/avatar/tasks/{task_id}`.
///
/// Deserializing it never fails on an object: fields of the wrong type
/// are dropped, the status defaults to `Pending`. Use
/// [`parse_task`](super::parse_task) for answers from the network: it
/// unwraps and insists on a `status`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Task {
    /// The id returned at submit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Lifecycle state.
    pub status: TaskStatus,
    /// E.g. `avatar` or `video`: any string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// E.g. `generate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// E.g. `avatar-pro`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Raw progress as sent; read it through [`Task::progress`].
    pub progress: Option<f64>,
    /// Set when failed.
    pub error: Option<TaskError>,
    /// Credits spent (not populated by the provider yet).
    pub credits_used: Option<f64>,
    /// Unix seconds.
    pub created_at: Option<i64>,
    /// Unix seconds.
    pub completed_at: Option<i64>,
    /// Fields passed at create time.
    pub metadata: Option<Value>,
    /// The result video as sent (see the [`response`](super) docs for where
    /// it is looked for); show or fetch only [`Task::usable_video_url`].
    #[serde(rename = "videoUrl", skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// The result speech as sent, found the same way under `audioUrl`, …
    #[serde(rename = "audioUrl", skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
    /// The result picture as sent, found the same way under `imageUrl`, …
    #[serde(rename = "imageUrl", skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Which upstream ran it.
    #[serde(rename = "providerUsed", skip_serializing_if = "Option::is_none")]
    pub provider_used: Option<String>,
    /// A transcription's words and times, when the answer has `segments`.
    #[serde(skip)]
    pub transcript: Option<Transcript>,
    /// Subtitles a voice clone made when asked, under any name saying so.
    #[serde(skip)]
    pub subtitles: Option<Subtitles>,
}

/// Objects (or strings) that may hold the result.
const RESULT_KEYS: [&str; 2] = ["result", "output"];

/// The result link of a task object of `kind` (see the [`response`](super)
/// docs for the order).
fn link_of(m: &Map<String, Value>, kind: Kind) -> Option<String> {
    let keys = kind.link_keys();
    let non_blank = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let named = |m: &Map<String, Value>, keys: &[&str]| {
        keys.iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str).and_then(non_blank))
    };
    named(m, keys)
        .or_else(|| {
            RESULT_KEYS.iter().find_map(|k| match m.get(*k)? {
                Value::Object(inner) => named(inner, keys).or_else(|| named(inner, &["url"])),
                Value::String(s) => non_blank(s),
                _ => None,
            })
        })
        .or_else(|| named(m, &["url"]))
}

/// Reads a Unix timestamp: a number or numeric string, fractions dropped.
fn time_of(m: &Map<String, Value>, key: &str) -> Option<i64> {
    match m.get(key)? {
        Value::Number(n) if n.is_i64() => n.as_i64(),
        // `as` saturates: an absurd timestamp stays absurd, it never wraps.
        v => number(v).map(|n| n as i64),
    }
}

impl Task {
    /// Reads a task from an (unwrapped) object; never fails. Fields of the
    /// wrong type are `None`; a missing status is `Pending`.
    pub(super) fn from_map(m: &Map<String, Value>) -> Task {
        let status = m.get("status").and_then(status_of).unwrap_or_default();
        let error = m.get("error").and_then(task_error_of).or_else(|| {
            // `{"status": "failed", "message": "…"}`: keep the reason.
            (status == TaskStatus::Failed)
                .then(|| string_of(m, &["message", "msg"]))
                .flatten()
                .map(|message| TaskError {
                    message,
                    ..TaskError::default()
                })
        });
        Task {
            task_id: task_id_of(m),
            status,
            capability: string_of(m, &["capability"]),
            action: string_of(m, &["action"]),
            model: string_of(m, &["model"]),
            progress: number_of(m, &["progress"]),
            error,
            credits_used: number_of(m, &["credits_used"]),
            created_at: time_of(m, "created_at"),
            completed_at: time_of(m, "completed_at"),
            metadata: m.get("metadata").filter(|v| !v.is_null()).cloned(),
            video_url: link_of(m, Kind::Video),
            audio_url: link_of(m, Kind::Speech),
            image_url: link_of(m, Kind::Portrait),
            provider_used: string_of(m, &["providerUsed", "provider_used"]),
            transcript: transcript_of(m),
            subtitles: subtitles_of(m),
        }
    }

    /// Progress in `0.0..=1.0`, or `None` when the API did not report it.
    /// Values above 1 and up to 100 are read as percentages.
    pub fn progress(&self) -> Option<f64> {
        normalize_progress(self.progress?)
    }

    /// The result link, only when it is an absolute `http://` or `https://`
    /// URL with a host (anything else is never put into a page).
    pub fn usable_video_url(&self) -> Option<&str> {
        self.usable_link(Kind::Video)
    }

    /// The result link of a task of `kind`, only when usable (as
    /// [`Task::usable_video_url`]).
    pub fn usable_link(&self, kind: Kind) -> Option<&str> {
        let link = match kind {
            Kind::Video => &self.video_url,
            Kind::Speech => &self.audio_url,
            Kind::Portrait => &self.image_url,
            Kind::Captions => return None,
        };
        link.as_deref().filter(|url| validate::is_http_url(url))
    }
}

impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => Ok(Task::from_map(&m)),
            _ => Err(serde::de::Error::custom("a task must be a JSON object")),
        }
    }
}

/// Normalizes a raw progress value (see [`Task::progress`]).
pub fn normalize_progress(raw: f64) -> Option<f64> {
    if !raw.is_finite() {
        return None;
    }
    let p = if raw > 1.0 && raw <= 100.0 {
        raw / 100.0
    } else {
        raw
    };
    Some(p.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::parse_task;
    use serde_json::json;

    #[test]
    fn spec_example_task_parses() {
        let t: Task = serde_json::from_value(json!({
            "task_id": "b28f0341-x", "status": "completed", "capability": "video", "action": "generate",
            "model": "avatar-pro", "progress": null, "error": null, "credits_used": null,
            "created_at": 1780704348, "completed_at": 1780704355, "metadata": null,
            "videoUrl": "https://x/result.mp4", "providerUsed": "p"
        }))
        .unwrap();
        assert_eq!(t.status, TaskStatus::Completed);
        assert!(t.status.is_final());
        assert_eq!(t.progress(), None);
        assert_eq!(t.video_url.as_deref(), Some("https://x/result.mp4"));
        assert_eq!(t.completed_at, Some(1780704355));
    }

    #[test]
    fn minimal_and_odd_tasks_parse() {
        let t: Task =
            serde_json::from_value(json!({"status": "queued_upstream", "progress": "45"})).unwrap();
        assert_eq!(t.status, TaskStatus::Other("queued_upstream".into()));
        assert!(!t.status.is_final());
        assert_eq!(t.progress(), Some(0.45));
        let t: Task = serde_json::from_value(json!({})).unwrap();
        assert_eq!(t.status, TaskStatus::Pending);
        let t: Task = serde_json::from_value(json!({"status": "failed", "error": "boom"})).unwrap();
        assert_eq!(t.error.unwrap().message, "boom");
        let t: Task =
            serde_json::from_value(json!({"status": "canceled", "progress": -2})).unwrap();
        assert_eq!(t.status, TaskStatus::Cancelled);
        assert_eq!(t.progress(), Some(0.0));
        let t: Task =
            serde_json::from_value(json!({"progress": 250, "error": {"code": "x"}})).unwrap();
        assert_eq!(t.progress(), Some(1.0));
        assert_eq!(t.error.unwrap().code.as_deref(), Some("x"));
    }

    #[test]
    fn the_video_link_is_found_where_providers_put_it() {
        let url = |body: &str| parse_task(body).unwrap().video_url;
        let v = Some("https://x/v.mp4".to_owned());
        for body in [
            r#"{"status": "completed", "videoUrl": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "video_url": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "result_url": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "url": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "result": {"videoUrl": "https://x/v.mp4"}}"#,
            r#"{"status": "completed", "result": {"url": "https://x/v.mp4"}}"#,
            r#"{"status": "completed", "output": {"video_url": "https://x/v.mp4"}}"#,
            r#"{"status": "completed", "result": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "output": " https://x/v.mp4 "}"#,
            r#"{"status": "completed", "videoUrl": "", "url": "https://x/v.mp4"}"#,
            r#"{"status": "completed", "videoUrl": 3, "result": {"videoUrl": "https://x/v.mp4"}}"#,
            r#"{"status": "completed", "url": "https://x/status", "result": {"url": "https://x/v.mp4"}}"#,
        ] {
            assert_eq!(url(body), v, "{body}");
        }
        assert_eq!(url(r#"{"status": "completed"}"#), None);
        assert_eq!(url(r#"{"status": "completed", "result": {"a": 1}}"#), None);
    }

    #[test]
    fn speech_and_picture_links_are_found_like_videos() {
        let t = parse_task(
            r#"{"status": "completed", "capability": "voice", "audioUrl": "https://o/t.wav", "providerUsed": "v1-async"}"#,
        )
        .unwrap();
        assert_eq!(t.usable_link(Kind::Speech), Some("https://o/t.wav"));
        assert_eq!(t.usable_link(Kind::Portrait), None);
        assert_eq!(t.provider_used.as_deref(), Some("v1-async"));
        let t = parse_task(
            r#"{"status": "completed", "_type": "image.generate", "imageUrl": "https://u/0.png"}"#,
        )
        .unwrap();
        assert_eq!(t.usable_link(Kind::Portrait), Some("https://u/0.png"));
        let t = parse_task(
            r#"{"data": {"status": "done", "result": {"audio_url": "https://o/a.wav"}}}"#,
        )
        .unwrap();
        assert_eq!(t.usable_link(Kind::Speech), Some("https://o/a.wav"));
        let t = parse_task(r#"{"status": "completed", "imageUrl": "data:image/png;base64,xx"}"#)
            .unwrap();
        assert_eq!(t.usable_link(Kind::Portrait), None);
    }

    #[test]
    fn only_absolute_http_links_are_usable() {
        let task = |url: &str| Task {
            video_url: Some(url.to_owned()),
            ..Task::default()
        };
        assert_eq!(
            task("https://x/v.mp4").usable_video_url(),
            Some("https://x/v.mp4")
        );
        assert_eq!(
            task("HTTP://x/v.mp4").usable_video_url(),
            Some("HTTP://x/v.mp4")
        );
        for bad in [
            "javascript:alert(1)",
            "/results/v.mp4",
            "//x/v.mp4",
            "data:video/mp4;base64,AA",
            "https://",
            "ftp://x/v.mp4",
            "https://x/a b.mp4",
        ] {
            assert_eq!(task(bad).usable_video_url(), None, "{bad}");
        }
        assert_eq!(Task::default().usable_video_url(), None);
    }

    #[test]
    fn odd_task_fields_are_dropped_not_fatal() {
        let t = parse_task(
            r#"{"status": "FAILED", "capability": 3, "model": ["x"], "progress": "50",
                "created_at": "1780704348", "completed_at": 1.7807e9, "credits_used": "n/a",
                "error": {"code": 500, "msg": "GPU lost"}, "metadata": null, "provider_used": "p"}"#,
        )
        .unwrap();
        assert_eq!(t.status, TaskStatus::Failed);
        assert_eq!((t.capability.as_deref(), t.model.as_deref()), (None, None));
        assert_eq!(t.progress(), Some(0.5));
        assert_eq!(
            (t.created_at, t.completed_at),
            (Some(1_780_704_348), Some(1_780_700_000))
        );
        assert_eq!(t.credits_used, None);
        let error = t.error.unwrap();
        assert_eq!(
            (error.code.as_deref(), error.message.as_str()),
            (Some("500"), "GPU lost")
        );
        assert_eq!(t.metadata, None);
        assert_eq!(t.provider_used.as_deref(), Some("p"));
        // A failure's reason beside the status is kept.
        let t = parse_task(r#"{"status": "error", "message": "Image too small"}"#).unwrap();
        assert_eq!(t.error.unwrap().message, "Image too small");
        let t = parse_task(r#"{"status": "failed", "error": false}"#).unwrap();
        assert_eq!(t.error, None);
    }
}
