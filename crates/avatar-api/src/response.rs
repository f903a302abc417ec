//! Response bodies: the 202 submit answer, the task status and the error
//! envelope. Parsing is tolerant: unknown fields are ignored, optional
//! fields may be absent or `null`, and unknown `status` strings are kept.
//!
//! A real API answers in ways the docs do not show, so 2xx bodies are read
//! with [`parse_submit`] and [`parse_task`], and error bodies with
//! [`parse_error_body`]. The decisions:
//!
//! - **Wrappers**: the answer may sit inside `data` or `task` (up to three
//!   levels, e.g. `{"data":{"task":{…}}}`), or inside `result` when that
//!   object carries its own `task_id` or `status`.
//! - **Task ids** are strings or integers, under `task_id`, `taskId` or `id`.
//! - **Statuses** are matched ignoring case, surrounding spaces and `-`/`_`/
//!   space differences, with synonyms (see [`TaskStatus::parse`]).
//! - **The video link** is the first string of `videoUrl`, `video_url`,
//!   `result_url`, then the same names and `url` inside `result` or
//!   `output`, then `result`/`output` given as a string, then a top-level
//!   `url`. Only [`Task::usable_video_url`] is ever shown or fetched.
//! - **Not credulous**: a status answer without a `status`, or a submit
//!   answer without a task id, is [`NotUnderstood`], never a pending task.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::validate::{self, FieldError};

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
fn status_of(v: &Value) -> Option<TaskStatus> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(TaskStatus::parse(s)),
        Value::Number(n) => Some(TaskStatus::Other(n.to_string())),
        _ => None,
    }
}

/// The `202` answer of a submit endpoint.
///
/// Deserializing it reads `task_id`, `taskId` or `id` (a string or an
/// integer) and fails without one; unwrapping is [`parse_submit`]'s.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SubmitResponse {
    /// Opaque task id (UUID, `task_...` or digits: never parse it).
    pub task_id: String,
    /// Usually `pending`.
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

impl SubmitResponse {
    /// Reads a submit answer from an (unwrapped) object; `None` without a
    /// usable task id. A missing or unreadable status is `Pending`.
    fn from_map(m: &Map<String, Value>) -> Option<SubmitResponse> {
        let task_id = task_id_of(m).filter(|id| !id.trim().is_empty())?;
        Some(SubmitResponse {
            task_id,
            status: m.get("status").and_then(status_of).unwrap_or_default(),
            capability: string_of(m, &["capability"]),
            action: string_of(m, &["action"]),
            model: string_of(m, &["model"]),
        })
    }
}

impl<'de> Deserialize<'de> for SubmitResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Object(m) => SubmitResponse::from_map(&m)
                .ok_or_else(|| serde::de::Error::custom("a submit answer needs a task_id")),
            _ => Err(serde::de::Error::custom(
                "a submit answer must be a JSON object",
            )),
        }
    }
}

/// Keys a task id is found under, in order.
const ID_KEYS: [&str; 3] = ["task_id", "taskId", "id"];

/// The task id of `m`: a string, or an integer written in decimal.
fn task_id_of(m: &Map<String, Value>) -> Option<String> {
    ID_KEYS.iter().find_map(|k| match m.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    })
}

/// The first of `keys` whose value in `m` is a string.
fn string_of(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| m.get(*k).and_then(Value::as_str).map(str::to_owned))
}

/// The first of `keys` whose value in `m` is a number or a numeric string.
fn number_of(m: &Map<String, Value>, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| number(m.get(*k)?))
}

/// A finite number given as a JSON number or a numeric string.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::number::parse_decimal(s.trim()),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A code given as a string or a number.
fn code_of(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match m.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
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
/// are dropped, the status defaults to `Pending`. Use [`parse_task`] for
/// answers from the network: it unwraps and insists on a `status`.
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
    /// The result video as sent (see the module docs for where it is
    /// looked for); show or fetch only [`Task::usable_video_url`].
    #[serde(rename = "videoUrl", skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// Which upstream ran it.
    #[serde(rename = "providerUsed", skip_serializing_if = "Option::is_none")]
    pub provider_used: Option<String>,
}

/// Names of the result link, in order, at the top level and inside `result`/`output`.
const VIDEO_KEYS: [&str; 3] = ["videoUrl", "video_url", "result_url"];
/// Objects (or strings) that may hold the result.
const RESULT_KEYS: [&str; 2] = ["result", "output"];

/// The result link of a task object (see the module docs for the order).
fn video_url_of(m: &Map<String, Value>) -> Option<String> {
    let non_blank = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let named = |m: &Map<String, Value>, keys: &[&str]| {
        keys.iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str).and_then(non_blank))
    };
    named(m, &VIDEO_KEYS)
        .or_else(|| {
            RESULT_KEYS.iter().find_map(|k| match m.get(*k)? {
                Value::Object(inner) => {
                    named(inner, &VIDEO_KEYS).or_else(|| named(inner, &["url"]))
                }
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
    fn from_map(m: &Map<String, Value>) -> Task {
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
            video_url: video_url_of(m),
            provider_used: string_of(m, &["providerUsed", "provider_used"]),
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
        self.video_url
            .as_deref()
            .filter(|url| validate::is_http_url(url))
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

/// A 2xx answer that is not the expected JSON (not JSON, not an object,
/// no `status` in a status answer, no task id in a submit answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUnderstood {
    /// A short one-line excerpt of what was received (see [`excerpt`]).
    pub excerpt: String,
}

impl NotUnderstood {
    fn of(text: &str) -> NotUnderstood {
        NotUnderstood {
            excerpt: excerpt(text),
        }
    }
}

impl std::fmt::Display for NotUnderstood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.excerpt.is_empty() {
            f.write_str("The API sent an empty answer.")
        } else {
            write!(
                f,
                "The API sent an answer the page could not read: “{}”",
                self.excerpt
            )
        }
    }
}

impl std::error::Error for NotUnderstood {}

/// Wrapper keys an answer may sit under, in the order they are tried.
const WRAPPER_KEYS: [&str; 3] = ["data", "task", "result"];
/// How many wrappers deep an answer is looked for.
const MAX_WRAPPING: usize = 3;

fn has_task_id(m: &Map<String, Value>) -> bool {
    task_id_of(m).is_some()
}

fn has_status(m: &Map<String, Value>) -> bool {
    m.get("status").and_then(status_of).is_some()
}

/// The object inside `m`'s wrappers that `wanted` accepts, preferring the
/// innermost: `{"code":0,"status":"ok","data":{…task…}}` is the task in
/// `data`. An object with both a task id and a status is never unwrapped,
/// and `result` is unwrapped only when it has its own `task_id`/`status`
/// (otherwise it is a task's result, not a wrapper).
fn unwrap_answer(
    m: &Map<String, Value>,
    wanted: fn(&Map<String, Value>) -> bool,
    depth: usize,
) -> Option<&Map<String, Value>> {
    let whole = has_task_id(m) && has_status(m);
    if !whole && depth < MAX_WRAPPING {
        for key in WRAPPER_KEYS {
            let Some(Value::Object(inner)) = m.get(key) else {
                continue;
            };
            let is_wrapper = key != "result"
                || inner.contains_key("task_id")
                || inner.contains_key("taskId")
                || has_status(inner);
            if is_wrapper && let Some(found) = unwrap_answer(inner, wanted, depth + 1) {
                return Some(found);
            }
        }
    }
    wanted(m).then_some(m)
}

/// Reads the answer of a submit endpoint. The task id may be a string or
/// an integer (`task_id`, `taskId` or `id`), the answer may be wrapped (see
/// the module docs), and a missing status is `Pending`.
pub fn parse_submit(text: &str) -> Result<SubmitResponse, NotUnderstood> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Err(NotUnderstood::of(text));
    };
    unwrap_answer(&m, |m| SubmitResponse::from_map(m).is_some(), 0)
        .and_then(SubmitResponse::from_map)
        .ok_or_else(|| NotUnderstood::of(text))
}

/// Reads the answer of a status check. It must be recognisably a task: a
/// JSON object with a `status` (after unwrapping, see the module docs).
pub fn parse_task(text: &str) -> Result<Task, NotUnderstood> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Err(NotUnderstood::of(text));
    };
    unwrap_answer(&m, has_status, 0)
        .map(Task::from_map)
        .ok_or_else(|| NotUnderstood::of(text))
}

/// Whatever could be read from an error answer; see [`parse_error_body`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderError {
    /// What went wrong, for a person.
    pub message: Option<String>,
    /// Machine-readable code (a number is kept as its digits).
    pub code: Option<String>,
    /// Error family (`type`).
    pub kind: Option<String>,
    /// The offending field, when named.
    pub param: Option<String>,
    /// Every offending field that could be read.
    pub details: Vec<FieldError>,
    /// A 402's cost of the request.
    pub required: Option<f64>,
    /// A 402's credits of the key.
    pub balance: Option<f64>,
    /// A short excerpt of the body (see [`excerpt`]) when it is not a JSON
    /// object, or is one in which nothing above was found.
    pub excerpt: Option<String>,
    /// True when the body is a JSON object: a JSON API answered, not a CDN
    /// or static host's HTML page.
    pub json: bool,
}

/// Reads an error answer, whatever it is; never fails. Understood: the
/// documented envelope `{"error":{"code","type","message","param","details",
/// "required","balance"}}` (with `required`/`balance` also beside `error`,
/// as numbers or numeric strings, and `details` entries of odd shapes
/// skipped), `{"error":"text"}`, `{"detail":"text"}`, `{"detail":{"message"
/// or "msg"}}`, FastAPI's `{"detail":[{"loc":[…,"field"],"msg":…}]}`, and a
/// top-level `message`/`msg`/`code`/`type`/`param`.
pub fn parse_error_body(text: &str) -> ProviderError {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return ProviderError {
            excerpt: Some(excerpt(text)).filter(|e| !e.is_empty()),
            ..ProviderError::default()
        };
    };
    let mut e = ProviderError {
        json: true,
        ..ProviderError::default()
    };
    // Most specific first: `error`, then `detail`, then the top level.
    for key in ["error", "detail"] {
        match m.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                e.message.get_or_insert_with(|| s.clone());
            }
            Some(Value::Object(inner)) => read_error_object(&mut e, inner),
            Some(Value::Array(entries)) => e.details.extend(field_errors(entries)),
            _ => {}
        }
    }
    read_error_object(&mut e, &m);
    let nothing = e.message.is_none() && e.code.is_none() && e.details.is_empty();
    if nothing {
        e.excerpt = Some(excerpt(text)).filter(|x| !x.is_empty());
    }
    e
}

/// Fills what `e` still lacks from an error object.
fn read_error_object(e: &mut ProviderError, m: &Map<String, Value>) {
    let message = string_of(m, &["message", "msg"]).filter(|s| !s.trim().is_empty());
    e.message = e.message.take().or(message);
    e.code = e.code.take().or_else(|| code_of(m, &["code"]));
    e.kind = e.kind.take().or_else(|| string_of(m, &["type"]));
    e.param = e.param.take().or_else(|| string_of(m, &["param"]));
    if e.details.is_empty() {
        match m.get("details") {
            Some(Value::Array(entries)) => e.details = field_errors(entries),
            Some(Value::Object(fields)) => e.details = field_map_errors(fields),
            _ => {}
        }
    }
    e.required = e.required.or_else(|| number_of(m, &["required"]));
    e.balance = e.balance.or_else(|| number_of(m, &["balance"]));
}

/// Field errors from a list, skipping entries that are not understood:
/// `{"field"|"param"|"loc": …, "message"|"msg": …}`, where `loc` is a
/// FastAPI path whose last element names the field (`body` when absent).
fn field_errors(entries: &[Value]) -> Vec<FieldError> {
    entries
        .iter()
        .filter_map(|entry| {
            let m = entry.as_object()?;
            let message = string_of(m, &["message", "msg"])?;
            let field = string_of(m, &["field", "param"])
                .or_else(|| match m.get("loc")?.as_array()?.last()? {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| "body".to_owned());
            Some(FieldError { field, message })
        })
        .collect()
}

/// Field errors from `{"field": "message"}` or `{"field": ["message", …]}`.
fn field_map_errors(fields: &Map<String, Value>) -> Vec<FieldError> {
    fields
        .iter()
        .filter_map(|(field, v)| {
            let message = match v {
                Value::String(s) => s.as_str(),
                Value::Array(list) => list.iter().find_map(Value::as_str)?,
                _ => return None,
            };
            Some(FieldError::new(field, message))
        })
        .collect()
}

/// Longest [`excerpt`], in characters.
pub const EXCERPT_MAX_CHARS: usize = 160;

/// A short one-line excerpt of a body for a person: for HTML the
/// `<title>` if it has one, else the text without tags, scripts, styles and
/// comments; entities decoded, whitespace collapsed, control and invisible
/// formatting characters removed, at most [`EXCERPT_MAX_CHARS`] characters
/// (cut with `…`). Empty for an empty body.
pub fn excerpt(text: &str) -> String {
    let trimmed = text.trim_start();
    let html = trimmed.starts_with('<') || contains_ignore_case(text, "</");
    let readable = if html {
        let title = html_title(text).map(|t| decode_entities(&t));
        match title.map(|t| one_line(&t)).filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => one_line(&decode_entities(&strip_tags(text))),
        }
    } else {
        one_line(text)
    };
    truncate_chars(&readable, EXCERPT_MAX_CHARS)
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ignore_case(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (from..=h.len().checked_sub(n.len())?).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    find_ignore_case(hay, needle, 0).is_some()
}

/// The text of the first `<title>` element.
fn html_title(html: &str) -> Option<String> {
    let open = find_ignore_case(html, "<title", 0)?;
    let start = open + html[open..].find('>')? + 1;
    let end = find_ignore_case(html, "</title", start).unwrap_or(html.len());
    Some(strip_tags(&html[start..end]))
}

/// The text of an HTML fragment: tags and comments removed, the contents of
/// `script` and `style` elements dropped, tags replaced by a space.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let skip_to = if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if let Some(name) = ["<script", "<style"].into_iter().find(|n| {
            tag.len() >= n.len() && tag.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        }) {
            let close = format!("</{}", &name[1..]);
            find_ignore_case(tag, &close, 0).and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        } else {
            tag.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &tag[n..],
            None => return out, // an unclosed tag runs to the end
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the few entities error pages use: `&amp; &lt; &gt; &quot; &#39;
/// &apos; &nbsp;` and numeric ones; others are left as they are.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let entity = tail.find(';').filter(|&i| i <= 10).map(|i| &tail[1..i]);
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let num = name.strip_prefix('#')?;
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = &tail[name.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Invisible formatting characters that could reorder or hide text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{AD}')
}

/// Whitespace runs collapsed to one space, control and invisible characters
/// removed, trimmed.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !c.is_control() && !is_invisible(c) {
            out.push(c);
        }
    }
    let len = out.trim_end().len();
    out.truncate(len);
    out
}

/// At most `max` characters, the last one `…` when cut.
fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            format!("{}…", text[..cut].trim_end())
        }
    }
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

    #[test]
    fn task_ids_may_be_numbers_or_aliases() {
        let t = parse_task(r#"{"task_id": 1939, "status": "processing"}"#).unwrap();
        assert_eq!(t.task_id.as_deref(), Some("1939"));
        let t = parse_task(r#"{"id": "abc", "status": "pending"}"#).unwrap();
        assert_eq!(t.task_id.as_deref(), Some("abc"));
        let t = parse_task(r#"{"taskId": -7, "status": "pending"}"#).unwrap();
        assert_eq!(t.task_id.as_deref(), Some("-7"));
        let t = parse_task(r#"{"task_id": 1.5, "status": "pending"}"#).unwrap();
        assert_eq!(t.task_id, None, "a fraction is not an id");
        // The serde path reads them too (the app's storage, the emulator's tests).
        let t: Task = serde_json::from_value(json!({"task_id": 42, "status": "done"})).unwrap();
        assert_eq!(
            (t.task_id.as_deref(), t.status),
            (Some("42"), TaskStatus::Completed)
        );
    }

    #[test]
    fn wrapped_tasks_are_unwrapped() {
        for body in [
            r#"{"data": {"task_id": "t", "status": "completed"}}"#,
            r#"{"data": {"task": {"task_id": "t", "status": "completed"}}}"#,
            r#"{"task": {"id": "t", "status": "completed"}}"#,
            r#"{"result": {"task_id": "t", "status": "completed"}}"#,
            r#"{"code": 0, "status": "ok", "data": {"task_id": "t", "status": "completed"}}"#,
        ] {
            let t = parse_task(body).unwrap();
            assert_eq!(
                (t.task_id.as_deref(), &t.status),
                (Some("t"), &TaskStatus::Completed),
                "{body}"
            );
        }
        // A `result` without its own id or status is the task's result, not a wrapper.
        let t = parse_task(r#"{"status": "completed", "result": {"videoUrl": "https://x/v.mp4"}}"#)
            .unwrap();
        assert_eq!(t.usable_video_url(), Some("https://x/v.mp4"));
        // A whole task is never unwrapped.
        let t = parse_task(r#"{"task_id": "t", "status": "processing", "data": {"status": "x"}}"#)
            .unwrap();
        assert_eq!(t.status, TaskStatus::Processing);
    }

    #[test]
    fn a_status_answer_must_have_a_status() {
        for body in [
            r#"{"ok": true}"#,
            r#"{"data": {}}"#,
            r#"{"task_id": "t"}"#,
            r#"{"status": null}"#,
            r#"{"status": "  "}"#,
            r#"{"status": ["completed"]}"#,
            r#"{"result": {"videoUrl": "https://x/v.mp4"}}"#,
            "[]",
            r#"[{"status": "completed"}]"#,
            r#""completed""#,
            "null",
            "42",
            "",
            "<html><title>Not Found</title></html>",
            r#"{"status": "completed""#,
        ] {
            assert!(parse_task(body).is_err(), "{body}");
        }
        let e = parse_task("<html><head><title>502 Bad Gateway</title></head></html>").unwrap_err();
        assert_eq!(e.excerpt, "502 Bad Gateway");
        assert_eq!(
            e.to_string(),
            "The API sent an answer the page could not read: “502 Bad Gateway”"
        );
        assert_eq!(
            parse_task("").unwrap_err().to_string(),
            "The API sent an empty answer."
        );
        assert_eq!(
            parse_task(r#"{"ok":true}"#).unwrap_err().excerpt,
            r#"{"ok":true}"#
        );
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

    #[test]
    fn submit_answers_need_a_task_id() {
        let s = parse_submit(r#"{"task_id": 1939}"#).unwrap();
        assert_eq!(
            (s.task_id.as_str(), &s.status),
            ("1939", &TaskStatus::Pending)
        );
        let s = parse_submit(
            r#"{"data": {"taskId": "t1", "status": "QUEUED", "model": "avatar-pro"}}"#,
        )
        .unwrap();
        assert_eq!(
            (s.task_id.as_str(), &s.status),
            ("t1", &TaskStatus::Pending)
        );
        assert_eq!(s.model.as_deref(), Some("avatar-pro"));
        let s = parse_submit(r#"{"id": "req_1", "data": {"task_id": "t2"}}"#).unwrap();
        assert_eq!(
            s.task_id, "t2",
            "the wrapped task id wins over a request id"
        );
        let s = parse_submit(r#"{"data": {"task": {"id": 7}}}"#).unwrap();
        assert_eq!(s.task_id, "7");
        for body in [
            r#"{"status": "pending"}"#,
            r#"{"task_id": ""}"#,
            r#"{"task_id": null}"#,
            r#"{"task_id": {"id": 1}}"#,
            r#"{"data": {}}"#,
            "[1939]",
            "ok",
        ] {
            assert!(parse_submit(body).is_err(), "{body}");
        }
    }

    #[test]
    fn documented_error_envelope_is_read() {
        let e = parse_error_body(
            r#"{"error": {"code": "invalid_request", "type": "invalid_request_error",
                "message": "D. F.", "param": "duration",
                "details": [{"field": "duration", "message": "D."}, {"field": "framerate", "message": "F."}]}}"#,
        );
        assert!(e.json);
        assert_eq!(e.code.as_deref(), Some("invalid_request"));
        assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(e.message.as_deref(), Some("D. F."));
        assert_eq!(e.param.as_deref(), Some("duration"));
        assert_eq!(
            e.details,
            [
                FieldError::new("duration", "D."),
                FieldError::new("framerate", "F.")
            ]
        );
        assert_eq!(e.excerpt, None);
        // What the emulator writes is read back.
        let text = serde_json::to_string(&ErrorBody::insufficient_credits(20, 7)).unwrap();
        let e = parse_error_body(&text);
        assert_eq!((e.required, e.balance), (Some(20.0), Some(7.0)));
        assert_eq!(e.code.as_deref(), Some(codes::INSUFFICIENT_CREDITS));
    }

    #[test]
    fn credits_are_read_inside_or_beside_error_as_numbers_or_strings() {
        let e = parse_error_body(
            r#"{"error": {"code": "insufficient_credits"}, "required": "50", "balance": 3}"#,
        );
        assert_eq!((e.required, e.balance), (Some(50.0), Some(3.0)));
        let e =
            parse_error_body(r#"{"error": {"required": 20, "balance": "7.5"}, "required": 99}"#);
        assert_eq!(
            (e.required, e.balance),
            (Some(20.0), Some(7.5)),
            "inside wins"
        );
        let e = parse_error_body(r#"{"error": {"required": "lots", "balance": null}}"#);
        assert_eq!((e.required, e.balance), (None, None));
    }

    #[test]
    fn odd_details_keep_the_good_entries() {
        let e = parse_error_body(r#"{"error": {"message": "Bad.", "details": null}}"#);
        assert_eq!((e.message.as_deref(), e.details.len()), (Some("Bad."), 0));
        let e = parse_error_body(
            r#"{"error": {"details": [1, "x", null, {"field": "width"}, {"param": "height", "msg": "H."},
                {"message": "Whole body."}, {"loc": ["body", "duration"], "msg": "D."}]}}"#,
        );
        assert_eq!(
            e.details,
            [
                FieldError::new("height", "H."),
                FieldError::new("body", "Whole body."),
                FieldError::new("duration", "D."),
            ]
        );
        let e = parse_error_body(
            r#"{"error": {"details": {"width": "W.", "height": ["H.", "H2."], "x": 1}}}"#,
        );
        assert_eq!(
            e.details,
            [
                FieldError::new("height", "H."),
                FieldError::new("width", "W.")
            ]
        );
        let e = parse_error_body(r#"{"error": {"details": "see docs", "message": "M."}}"#);
        assert_eq!((e.message.as_deref(), e.details.len()), (Some("M."), 0));
    }

    #[test]
    fn other_error_shapes_are_read() {
        let message = |text: &str| parse_error_body(text).message;
        assert_eq!(
            message(r#"{"error": "Invalid key"}"#).as_deref(),
            Some("Invalid key")
        );
        assert_eq!(
            message(r#"{"detail": "Task expired."}"#).as_deref(),
            Some("Task expired.")
        );
        assert_eq!(
            message(r#"{"detail": {"message": "Nope."}}"#).as_deref(),
            Some("Nope.")
        );
        assert_eq!(
            message(r#"{"detail": {"msg": "Nope."}}"#).as_deref(),
            Some("Nope.")
        );
        assert_eq!(
            message(r#"{"message": "Too many."}"#).as_deref(),
            Some("Too many.")
        );
        assert_eq!(
            message(r#"{"msg": "Too many."}"#).as_deref(),
            Some("Too many.")
        );
        assert_eq!(
            message(r#"{"error": "", "message": "M."}"#).as_deref(),
            Some("M.")
        );
        let e = parse_error_body(
            r#"{"detail": [{"loc": ["body", "duration"], "msg": "value is not a valid integer", "type": "type_error"},
                {"loc": ["body", "items", 0], "msg": "I."}, {"loc": [], "msg": "B."}, {"loc": "x"}]}"#,
        );
        assert!(e.json);
        assert_eq!(
            e.details,
            [
                FieldError::new("duration", "value is not a valid integer"),
                FieldError::new("0", "I."),
                FieldError::new("body", "B."),
            ]
        );
        let e = parse_error_body(r#"{"code": 429, "message": "Slow down", "type": "rate_limit"}"#);
        assert_eq!(
            (e.code.as_deref(), e.kind.as_deref()),
            (Some("429"), Some("rate_limit"))
        );
        // A JSON object with nothing known: the excerpt is all there is.
        let e = parse_error_body(r#"{"foo": 1}"#);
        assert!(e.json);
        assert_eq!(e.excerpt.as_deref(), Some(r#"{"foo": 1}"#));
    }

    #[test]
    fn non_json_error_bodies_give_an_excerpt() {
        let e = parse_error_body(
            "<!DOCTYPE html>\n<html><head><title>\n  404 &amp; Not Found\n</title></head><body>x</body></html>",
        );
        assert!(!e.json);
        assert_eq!(e.excerpt.as_deref(), Some("404 & Not Found"));
        assert_eq!(e.message, None);
        let e = parse_error_body(
            "<html><head><style>p{}</style><script>var a = '<b>';</script></head>\
             <body><!-- <p>hidden</p> --><h1>Bad&nbsp;Gateway</h1>\n<p>nginx</p></body></html>",
        );
        assert_eq!(e.excerpt.as_deref(), Some("Bad Gateway nginx"));
        let e = parse_error_body("Service\tUnavailable\r\n\u{0}\u{202E}!");
        assert_eq!(e.excerpt.as_deref(), Some("Service Unavailable !"));
        assert_eq!(parse_error_body("").excerpt, None);
        assert_eq!(parse_error_body("  \n ").excerpt, None);
        let e = parse_error_body("[1, 2]");
        assert!(!e.json);
        assert_eq!(e.excerpt.as_deref(), Some("[1, 2]"));
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        let long = "word ".repeat(100);
        let x = excerpt(&long);
        assert_eq!(x.chars().count(), EXCERPT_MAX_CHARS);
        assert!(x.ends_with("word…") || x.ends_with('…'));
        assert!(!x.contains("  "));
        let x = excerpt(&"é".repeat(500));
        assert_eq!(x.chars().count(), EXCERPT_MAX_CHARS);
        assert_eq!(excerpt(&"a".repeat(160)), "a".repeat(160));
        assert_eq!(excerpt("<title></title><p>Body</p>"), "Body");
        assert_eq!(
            excerpt("<p>a &lt;b&gt; &#65;&#x42; &bogus; & c</p>"),
            "a <b> AB &bogus; & c"
        );
        assert_eq!(excerpt("<p>unclosed <b"), "unclosed");
        assert_eq!(excerpt("<title>T"), "T");
        assert_eq!(excerpt("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
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
