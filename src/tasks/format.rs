//! The task list kept in the browser (`localStorage`), in a versioned
//! envelope so a format change migrates instead of crashing.
//!
//! Decoding with migration and [`merge`], which reconciles the list another
//! tab wrote with this tab's, are pure (tested natively). The reactive
//! side, one signal per task, is [`crate::tasks::store`]; where the list is
//! kept, [`crate::storage::Scope::tasks`].

use avatar_api::estimate::Sample;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

pub use crate::tasks::record::TaskRecord;

/// The envelope format this build writes.
pub const VERSION: u32 = 4;
/// Finished-task timings kept for estimates.
pub const HISTORY_LIMIT: usize = 50;
/// Ids of removed tasks remembered, so another tab does not bring them back.
pub const REMOVED_LIMIT: usize = 200;

/// Everything the page remembers about tasks; `T` is a task as read
/// (its text, for the tasks [`decode_newest`] leaves for later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T = TaskRecord> {
    /// Format version, [`VERSION`] when written by this build.
    pub version: u32,
    /// Submitted tasks, newest first.
    pub tasks: Vec<T>,
    /// How long finished tasks took, to learn the typical duration.
    #[serde(default)]
    pub history: Vec<Sample>,
    /// Ids the user removed (newest first), so that a tab which has not
    /// heard of the removal yet does not add them back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

impl<T> Default for Envelope<T> {
    fn default() -> Self {
        Envelope {
            version: VERSION,
            tasks: Vec::new(),
            history: Vec::new(),
            removed: Vec::new(),
        }
    }
}

impl Envelope {
    /// Puts the tasks newest first (the order the list shows).
    pub fn sort(&mut self) {
        self.tasks
            .sort_by_key(|t| std::cmp::Reverse(t.submitted_ms));
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
    // No task is left for later: the first usize::MAX are all of them.
    decode_newest(raw, usize::MAX).map(|(envelope, _)| envelope)
}

/// Tasks of a stored list not decoded yet, each its JSON text.
pub type Rest = Vec<Box<RawValue>>;

/// Parses a stored envelope, decoding only its first `first` tasks (the
/// newest, as this page saves them): the others come back as [`Rest`], for
/// [`decode_rest`] once the first page of the list is on screen.
///
/// A list in the current format (every visit after the first) is read
/// straight into task records, not through a JSON tree; older formats go
/// through one that [`migrate`] rewrites, and are decoded whole.
pub fn decode_newest(raw: &str, first: usize) -> Result<(Envelope, Rest), StorageError> {
    /// Only the version: the rest of the text is skipped, not built.
    #[derive(Deserialize)]
    struct Version {
        version: Option<u64>,
    }
    let corrupt = |e: serde_json::Error| StorageError::Corrupt(e.to_string());
    if serde_json::from_str::<Version>(raw)
        .map_err(corrupt)?
        .version
        != Some(VERSION.into())
    {
        return Ok((
            migrate(serde_json::from_str(raw).map_err(corrupt)?)?,
            Rest::new(),
        ));
    }
    // The current format with each task left as text.
    let mut undecoded: Envelope<Box<RawValue>> = serde_json::from_str(raw).map_err(corrupt)?;
    let rest = undecoded.tasks.split_off(first.min(undecoded.tasks.len()));
    let tasks = undecoded
        .tasks
        .iter()
        .map(|task| read_task(task).map_err(corrupt))
        .collect::<Result<_, _>>()?;
    let envelope = Envelope {
        version: undecoded.version,
        tasks,
        history: undecoded.history,
        removed: undecoded.removed,
    };
    Ok((envelope, rest))
}

/// Decodes the tasks [`decode_newest`] left: those it can read, and why
/// the first of the others could not be.
pub fn decode_rest(rest: Rest) -> (Vec<TaskRecord>, Option<StorageError>) {
    let mut problem = None;
    let records = rest
        .iter()
        .filter_map(|task| {
            read_task(task)
                .map_err(|e| problem.get_or_insert(StorageError::Corrupt(e.to_string())))
                .ok()
        })
        .collect();
    (records, problem)
}

/// One stored task (the one decoder of a task record in the wasm).
#[inline(never)]
fn read_task(task: &RawValue) -> Result<TaskRecord, serde_json::Error> {
    serde_json::from_str(task.get())
}

/// Upgrades a stored value, version by version, to [`VERSION`].
///
/// - version 1 (the first release): `{"version":1,"tasks":[...]}` with
///   `submitted_at` in Unix **seconds** and no `history`.
/// - version 2: `submitted_ms` in milliseconds, plus `history`.
/// - version 3: a task's `model` and `request` body are one tagged value,
///   `"request": {"model": "avatar-pro", "body": {...}}`.
/// - version 4 (current): where a task stands is one `state`
///   ([`crate::tasks::record::TaskState`]) instead of `status` beside the
///   flags `unknown`, `outcome_unknown` and `stopped`; what it made is a
///   typed `result` ([`crate::tasks::record::TaskResult`]) instead of
///   `video_url`.
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
    if version <= 2 {
        value = v2_to_v3(value);
    }
    if version <= 3 {
        value = v3_to_v4(value);
    }
    // Read back from text: the wasm then holds one decoder of the list (the
    // one every later visit uses), not a second one for JSON trees.
    decode(&value.to_string())
}

fn v1_to_v2(mut value: Value) -> Value {
    if let Some(tasks) = value.get_mut("tasks").and_then(Value::as_array_mut) {
        for task in tasks.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(seconds) = task.remove("submitted_at").and_then(|v| v.as_u64()) {
                task.insert("submitted_ms".to_owned(), Value::from(seconds * 1000));
            }
        }
    }
    value["version"] = Value::from(2);
    value["history"] = Value::Array(Vec::new());
    value
}

fn v2_to_v3(mut value: Value) -> Value {
    if let Some(tasks) = value.get_mut("tasks").and_then(Value::as_array_mut) {
        for task in tasks.iter_mut().filter_map(Value::as_object_mut) {
            let model = task.remove("model").unwrap_or(Value::Null);
            let body = task.remove("request").unwrap_or(Value::Null);
            task.insert(
                "request".to_owned(),
                serde_json::json!({"model": model, "body": body}),
            );
        }
    }
    value["version"] = Value::from(3);
    value
}

fn v3_to_v4(mut value: Value) -> Value {
    if let Some(tasks) = value.get_mut("tasks").and_then(Value::as_array_mut) {
        for task in tasks.iter_mut().filter_map(Value::as_object_mut) {
            migrate_task_state(task);
        }
    }
    value["version"] = Value::from(4);
    value
}

/// Rewrites one task written before version 4 (a saved list's, or a
/// history file's of version 1) with its `state` and `result`. Of the old
/// flags, the strongest wins: no answer to the submit, then 404, then
/// stopped.
pub fn migrate_task_state(task: &mut serde_json::Map<String, Value>) {
    let mut take = |name: &str| task.remove(name).unwrap_or(Value::Null);
    let link = take("video_url");
    let status = match take("status") {
        Value::String(status) => status,
        Value::Number(n) => n.to_string(),
        _ => "pending".to_owned(),
    };
    let outcome_unknown = take("outcome_unknown") == Value::Bool(true);
    let unknown = take("unknown") == Value::Bool(true);
    let stopped = take("stopped");
    let state = match (outcome_unknown, unknown, stopped) {
        // Its reason was kept as the last check's problem.
        (true, _, _) => match take("check_problem") {
            Value::String(why) => format!("outcome-unknown:{why}"),
            _ => "outcome-unknown".to_owned(),
        },
        (_, true, _) => "forgotten".to_owned(),
        (_, _, Value::String(reason)) => format!("stopped:{reason}"),
        _ => format!("reported:{status}"),
    };
    task.insert("state".to_owned(), state.into());
    if let Value::String(link) = link {
        task.insert("result".to_owned(), format!("video:{link}").into());
    }
}

/// Reconciles the list another tab saved (`theirs`) with this tab's
/// (`ours`), so that no tab loses what the other did meanwhile:
///
/// - a task either tab knows stays, unless either removed it;
/// - a finished task never goes back to running (the tab that saw it
///   finish wins); otherwise their copy, the newer write, wins;
/// - the finished-task history is theirs (both learn from the same tasks).
pub fn merge(ours: &Envelope, theirs: Envelope) -> Envelope {
    let mut removed = theirs.removed;
    for id in &ours.removed {
        if !removed.contains(id) {
            removed.push(id.clone());
        }
    }
    removed.truncate(REMOVED_LIMIT);
    let mut tasks: Vec<TaskRecord> = theirs
        .tasks
        .into_iter()
        .filter(|t| !removed.contains(&t.task_id))
        .map(
            |their| match ours.tasks.iter().find(|o| o.task_id == their.task_id) {
                Some(our) if our.state.is_final() && !their.state.is_final() => our.clone(),
                _ => their,
            },
        )
        .collect();
    for our in &ours.tasks {
        if !removed.contains(&our.task_id) && !tasks.iter().any(|t| t.task_id == our.task_id) {
            tasks.push(our.clone());
        }
    }
    let mut merged = Envelope {
        version: VERSION,
        tasks,
        history: theirs.history,
        removed,
    };
    merged.sort();
    merged
}

/// Adds a finished task's timing to the history (keeping the newest).
pub fn remember_sample(history: &mut Vec<Sample>, sample: Sample) {
    history.insert(0, sample);
    history.truncate(HISTORY_LIMIT);
}

#[cfg(test)]
mod tests;
