//! One field of a JSON object, read tolerantly: ids, strings, numbers and
//! codes of whatever type a provider sends them as.

use serde_json::{Map, Value};

/// Keys a task id is found under, in order.
const ID_KEYS: [&str; 3] = ["task_id", "taskId", "id"];

/// The task id of `m`: a string, or an integer written in decimal.
pub(super) fn task_id_of(m: &Map<String, Value>) -> Option<String> {
    ID_KEYS.iter().find_map(|k| match m.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    })
}

/// The first of `keys` whose value in `m` is a string.
pub(super) fn string_of(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| m.get(*k).and_then(Value::as_str).map(str::to_owned))
}

/// The first of `keys` whose value in `m` is a number or a numeric string.
pub(super) fn number_of(m: &Map<String, Value>, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| number(m.get(*k)?))
}

/// A finite number given as a JSON number or a numeric string.
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::number::parse_decimal(s.trim()),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A code given as a string or a number.
pub(super) fn code_of(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match m.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}
