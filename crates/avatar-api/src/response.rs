//! Response bodies: the 202 submit answer, the task status and the error
//! envelope. Parsing is tolerant: unknown fields are ignored, optional
//! fields may be absent or `null`, and unknown `status` strings are kept.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::validate::FieldError;

/// Error codes and types used in the `error` envelope.
pub mod codes {
    /// No or malformed `Authorization` header (401, documented).
    pub const MISSING_API_KEY: &str = "missing_api_key";
    /// Key not recognized or revoked (401, documented).
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// Not enough credits for the request (402).
    pub const INSUFFICIENT_CREDITS: &str = "insufficient_credits";
    /// A field or the body is invalid (400).
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// Body larger than the server accepts (413).
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// Body is not JSON (415).
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// Unknown task id, or a task of another key (404).
    pub const TASK_NOT_FOUND: &str = "task_not_found";
    /// Unknown path (404).
    pub const NOT_FOUND: &str = "not_found";
    /// Too many requests (429, with `Retry-After`).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// Server-side failure (5xx).
    pub const INTERNAL_ERROR: &str = "internal_error";
    /// A task's media could not be downloaded or read.
    pub const MEDIA_UNAVAILABLE: &str = "media_unavailable";
    /// A task failed while generating.
    pub const GENERATION_FAILED: &str = "generation_failed";

    /// `type` of 401s.
    pub const AUTH_ERROR: &str = "auth_error";
    /// `type` of 400, 404, 413, 415.
    pub const INVALID_REQUEST_ERROR: &str = "invalid_request_error";
    /// `type` of 402.
    pub const BILLING_ERROR: &str = "billing_error";
    /// `type` of 429.
    pub const RATE_LIMIT_ERROR: &str = "rate_limit_error";
    /// `type` of 5xx and of failed tasks.
    pub const API_ERROR: &str = "api_error";
}

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
    /// Cancelled.
    Cancelled,
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
            TaskStatus::Other(s) => s,
        }
    }

    /// Parses a wire string; never fails.
    pub fn parse(s: &str) -> TaskStatus {
        match s {
            "pending" => TaskStatus::Pending,
            "processing" => TaskStatus::Processing,
            "completed" => TaskStatus::Completed,
            "failed" => TaskStatus::Failed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            other => TaskStatus::Other(other.to_owned()),
        }
    }

    /// True when the task will not change any more (stop polling).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.map(|s| TaskStatus::parse(&s)).unwrap_or_default())
    }
}

/// The `202` answer of a submit endpoint.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SubmitResponse {
    /// Opaque task id (UUID, `task_...` or digits: never parse it).
    #[serde(deserialize_with = "id_string")]
    pub task_id: String,
    /// Usually `pending`.
    #[serde(default)]
    pub status: TaskStatus,
    /// Usually `avatar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// `generate`, `digital-human` or `dual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `avatar-pro`, `digital-human` or `dual-avatar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Accepts a task id given as a string or a number.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "task_id must be a string, got {other}"
        ))),
    }
}

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

/// Reads `error` as an object, a plain string, or `null`.
fn tolerant_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TaskError>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(message) => Some(TaskError {
            message,
            ..TaskError::default()
        }),
        v @ Value::Object(_) => Some(serde_json::from_value(v).unwrap_or_default()),
        other => Some(TaskError {
            message: other.to_string(),
            ..TaskError::default()
        }),
    })
}

/// Reads a number that may be absent, `null`, a numeric string or garbage.
fn tolerant_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::number::parse_decimal(s.trim()),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite()))
}

/// Reads a Unix timestamp that may be absent, `null`, fractional or a string.
fn tolerant_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(tolerant_number(d)?.map(|n| n as i64))
}

/// The body of `GET /api/v2/avatar/tasks/{task_id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Task {
    /// The id returned at submit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Lifecycle state.
    #[serde(default)]
    pub status: TaskStatus,
    /// E.g. `avatar` or `video`: any string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// E.g. `generate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// E.g. `avatar-pro`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Raw progress as sent; read it through [`Task::progress`].
    #[serde(default, deserialize_with = "tolerant_number")]
    pub progress: Option<f64>,
    /// Set when failed.
    #[serde(default, deserialize_with = "tolerant_error")]
    pub error: Option<TaskError>,
    /// Credits spent (not populated by the provider yet).
    #[serde(default, deserialize_with = "tolerant_number")]
    pub credits_used: Option<f64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "tolerant_time")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "tolerant_time")]
    pub completed_at: Option<i64>,
    /// Fields passed at create time.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// The result video, once completed.
    #[serde(
        default,
        rename = "videoUrl",
        alias = "video_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub video_url: Option<String>,
    /// Which upstream ran it.
    #[serde(
        default,
        rename = "providerUsed",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_used: Option<String>,
}

impl Task {
    /// Progress in `0.0..=1.0`, or `None` when the API did not report it.
    /// Values above 1 and up to 100 are read as percentages.
    pub fn progress(&self) -> Option<f64> {
        normalize_progress(self.progress?)
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

/// The error envelope: `{"error": {"code", "type", "message", ...}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
    /// `required` when a server puts it beside `error` (read, never written).
    #[serde(default, skip_serializing)]
    pub required: Option<f64>,
    /// `balance` when a server puts it beside `error` (read, never written).
    #[serde(default, skip_serializing)]
    pub balance: Option<f64>,
}

/// The inside of the error envelope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable code, see [`codes`].
    #[serde(default)]
    pub code: String,
    /// Error family, see [`codes`].
    #[serde(default, rename = "type")]
    pub kind: String,
    /// What went wrong, for a person.
    #[serde(default)]
    pub message: String,
    /// The first offending field of a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Every offending field of a 400.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// A 402's cost of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<f64>,
    /// A 402's credits of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
}

impl ErrorBody {
    /// An error with a code, a type and a message.
    pub fn new(code: &str, kind: &str, message: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                kind: kind.to_owned(),
                message: message.to_owned(),
                ..ErrorDetail::default()
            },
            ..ErrorBody::default()
        }
    }

    /// A 400 listing every field problem.
    pub fn invalid(details: Vec<FieldError>) -> ErrorBody {
        let message = details
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let mut body = ErrorBody::new(
            codes::INVALID_REQUEST,
            codes::INVALID_REQUEST_ERROR,
            &message,
        );
        body.error.param = details.first().map(|d| d.field.clone());
        body.error.details = details;
        body
    }

    /// A 402 with the cost and the balance.
    pub fn insufficient_credits(required: u64, balance: u64) -> ErrorBody {
        let mut body = ErrorBody::new(
            codes::INSUFFICIENT_CREDITS,
            codes::BILLING_ERROR,
            &format!(
                "Insufficient video credits: this request costs {required}, the key has {balance}."
            ),
        );
        body.error.required = Some(required as f64);
        body.error.balance = Some(balance as f64);
        body
    }

    /// The 402's `required`, inside `error` or beside it.
    pub fn required(&self) -> Option<f64> {
        self.error.required.or(self.required)
    }

    /// The 402's `balance`, inside `error` or beside it.
    pub fn balance(&self) -> Option<f64> {
        self.error.balance.or(self.balance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn submit_response_accepts_numeric_ids() {
        let s: SubmitResponse =
            serde_json::from_value(json!({"task_id": 1939, "status": "pending"})).unwrap();
        assert_eq!(s.task_id, "1939");
        assert!(serde_json::from_value::<SubmitResponse>(json!({"status": "pending"})).is_err());
    }

    #[test]
    fn documented_401_parses() {
        let e: ErrorBody = serde_json::from_value(
            json!({"error": {"code": "missing_api_key", "type": "auth_error",
            "message": "Authorization header missing or malformed. Expected: Bearer sk_..."}}),
        )
        .unwrap();
        assert_eq!(e.error.code, codes::MISSING_API_KEY);
        assert_eq!(e.error.kind, codes::AUTH_ERROR);
    }

    #[test]
    fn required_and_balance_are_read_inside_or_beside_error() {
        let inside = serde_json::to_value(ErrorBody::insufficient_credits(20, 7)).unwrap();
        let inside: ErrorBody = serde_json::from_value(inside).unwrap();
        assert_eq!(
            (inside.required(), inside.balance()),
            (Some(20.0), Some(7.0))
        );
        let beside: ErrorBody = serde_json::from_value(
            json!({"error": {"code": "insufficient_credits"}, "required": 50, "balance": 3}),
        )
        .unwrap();
        assert_eq!(
            (beside.required(), beside.balance()),
            (Some(50.0), Some(3.0))
        );
    }

    #[test]
    fn invalid_lists_every_field() {
        let body = ErrorBody::invalid(vec![
            FieldError::new("duration", "D."),
            FieldError::new("framerate", "F."),
        ]);
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["error"]["param"], "duration");
        assert_eq!(v["error"]["message"], "D. F.");
        assert_eq!(v["error"]["details"][1]["field"], "framerate");
    }
}
