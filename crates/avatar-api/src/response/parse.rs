//! Reading a 2xx answer off the network: unwrapping it and insisting that
//! it is what was asked for.

use serde_json::{Map, Value};

use super::excerpt::excerpt;
use super::fields::task_id_of;
use super::status::status_of;
use super::{SubmitResponse, Task};

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
/// the [`response`](super) docs), and a missing status is `Pending`.
pub fn parse_submit(text: &str) -> Result<SubmitResponse, NotUnderstood> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Err(NotUnderstood::of(text));
    };
    unwrap_answer(&m, |m| SubmitResponse::from_map(m).is_some(), 0)
        .and_then(SubmitResponse::from_map)
        .ok_or_else(|| NotUnderstood::of(text))
}

/// Reads the answer of a status check. It must be recognisably a task: a
/// JSON object with a `status` (after unwrapping, see the
/// [`response`](super) docs).
pub fn parse_task(text: &str) -> Result<Task, NotUnderstood> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Err(NotUnderstood::of(text));
    };
    unwrap_answer(&m, has_status, 0)
        .map(Task::from_map)
        .ok_or_else(|| NotUnderstood::of(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::TaskStatus;
    use serde_json::json;

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
}
