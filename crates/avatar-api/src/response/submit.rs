//! The `202` answer of a submit endpoint.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::fields::{string_of, task_id_of};
use super::status::{TaskStatus, status_of};

/// The `202` answer of a submit endpoint.
///
/// Deserializing it reads `task_id`, `taskId` or `id` (a string or an
/// integer) and fails without one; unwrapping is
/// [`parse_submit`](super::parse_submit)'s.
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
    pub(super) fn from_map(m: &Map<String, Value>) -> Option<SubmitResponse> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn submit_response_accepts_numeric_ids() {
        let s: SubmitResponse =
            serde_json::from_value(json!({"task_id": 1939, "status": "pending"})).unwrap();
        assert_eq!(s.task_id, "1939");
        assert!(serde_json::from_value::<SubmitResponse>(json!({"status": "pending"})).is_err());
    }
}
