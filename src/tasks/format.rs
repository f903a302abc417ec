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
///   flags `unknown`, `outcome_unknown` and `stopped`.
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
/// history file's of version 1) with its `state`. Of the old flags, the
/// strongest wins: no answer to the submit, then 404, then stopped.
pub fn migrate_task_state(task: &mut serde_json::Map<String, Value>) {
    let flag = |task: &mut serde_json::Map<String, Value>, name: &str| {
        task.remove(name).and_then(|v| v.as_bool()).unwrap_or(false)
    };
    let status = task.remove("status").unwrap_or_else(|| "pending".into());
    let outcome_unknown = flag(task, "outcome_unknown");
    let unknown = flag(task, "unknown");
    let stopped = task.remove("stopped").filter(Value::is_string);
    let state = if outcome_unknown {
        // Its reason was kept as the last check's problem.
        let why = task.remove("check_problem").unwrap_or_else(|| "".into());
        serde_json::json!({"outcome-unknown": {"why": why}})
    } else if unknown {
        "forgotten".into()
    } else if let Some(reason) = stopped {
        serde_json::json!({"stopped": {"reason": reason}})
    } else {
        serde_json::json!({"reported": status})
    };
    task.insert("state".to_owned(), state);
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
mod tests {
    use super::*;
    use crate::tasks::record::TaskState;
    use avatar_api::TaskStatus;
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
        assert_eq!(
            e.tasks[0].state,
            TaskState::Reported(TaskStatus::Processing)
        );
        assert!(e.tasks[0].is_running());
        assert!(e.history.is_empty());
        assert_eq!(e.tasks[0].shape().unwrap().billable_ms, 10_000);
    }

    #[test]
    fn version_2_tasks_get_their_model_and_body_as_one_typed_request() {
        let v2 = json!({"version": 2, "history": [], "tasks": [{
            "task_id": "t2", "model": "digital-human",
            "request": {"input_video_url": "https://a/v.mp4", "audio_url": "https://a/s.mp3",
                        "audio_duration_seconds": 4.2, "width": 1920, "height": 1080},
            "credits": 25, "submitted_ms": 1_780_000_000_000_u64, "status": "completed"
        }]});
        let e = decode(&v2.to_string()).unwrap();
        let task = &e.tasks[0];
        assert_eq!(task.model(), avatar_api::Model::DigitalHuman);
        let avatar_api::AvatarRequest::DigitalHuman(r) = &task.request else {
            panic!("{:?}", task.request)
        };
        assert_eq!(r.input_video_url.as_deref(), Some("https://a/v.mp4"));
        assert_eq!((r.width, r.height), (1920, 1080));
        let saved = serde_json::to_value(&e).unwrap();
        assert_eq!(saved["version"], VERSION);
        assert_eq!(saved["tasks"][0]["request"]["model"], "digital-human");
        assert!(saved["tasks"][0].get("model").is_none());
    }

    #[test]
    fn current_format_round_trips() {
        let mut e = decode(&v1().to_string()).unwrap();
        e.tasks[0].state = TaskState::Reported(TaskStatus::Completed);
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
        // The current format's one-pass reading refuses damage just the same.
        assert!(matches!(
            decode(r#"{"version":4,"tasks":[{"task_id":1}]}"#),
            Err(StorageError::Corrupt(_))
        ));
        assert_eq!(
            decode(r#"{"version":9,"tasks":[]}"#),
            Err(StorageError::TooNew(9))
        );
    }

    fn record(id: &str, status: TaskStatus, submitted_ms: u64) -> TaskRecord {
        let mut t = decode(&v1().to_string()).unwrap().tasks.remove(0);
        t.task_id = id.to_owned();
        t.state = TaskState::Reported(status);
        t.submitted_ms = submitted_ms;
        t
    }

    fn envelope(tasks: Vec<TaskRecord>, removed: &[&str]) -> Envelope {
        Envelope {
            tasks,
            removed: removed.iter().map(|s| s.to_string()).collect(),
            ..Envelope::default()
        }
    }

    fn ids(e: &Envelope) -> Vec<&str> {
        e.tasks.iter().map(|t| t.task_id.as_str()).collect()
    }

    #[test]
    fn the_newest_tasks_are_read_first_and_the_rest_later_to_the_same_list() {
        let tasks = (0..5)
            .map(|i| record(&format!("t{i}"), TaskStatus::Completed, 10 - i))
            .collect();
        let mut whole = envelope(tasks, &["gone"]);
        whole.history = vec![Sample {
            shape: avatar_api::estimate::Shape::default_pro(),
            took_ms: 60_000,
        }];
        let text = serde_json::to_string(&whole).unwrap();
        let (first, rest) = decode_newest(&text, 2).unwrap();
        assert_eq!(ids(&first), ["t0", "t1"]);
        assert_eq!(
            (first.history.clone(), first.removed.clone()),
            (whole.history.clone(), whole.removed.clone())
        );
        assert_eq!(rest.len(), 3);
        let (later, problem) = decode_rest(rest);
        assert_eq!(problem, None);
        let mut joined = first;
        joined.tasks.extend(later);
        assert_eq!(joined, whole);
        assert_eq!(decode(&text).unwrap(), whole);
        // A list shorter than the first page is read whole at once.
        let (all, rest) = decode_newest(&text, 20).unwrap();
        assert_eq!(all, whole);
        assert!(rest.is_empty());
    }

    #[test]
    fn a_damaged_task_past_the_first_page_spoils_only_itself() {
        let good = serde_json::to_string(&record("ok", TaskStatus::Completed, 2)).unwrap();
        let older = serde_json::to_string(&record("older", TaskStatus::Failed, 1)).unwrap();
        let text = format!(r#"{{"version":4,"tasks":[{good},{{"task_id":1}},{older}]}}"#);
        let (first, rest) = decode_newest(&text, 1).unwrap();
        assert_eq!(ids(&first), ["ok"]);
        let (later, problem) = decode_rest(rest);
        assert_eq!(
            later.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(),
            ["older"]
        );
        assert!(
            matches!(problem, Some(StorageError::Corrupt(_))),
            "{problem:?}"
        );
        // Read whole, the same list is refused as before.
        assert!(matches!(decode(&text), Err(StorageError::Corrupt(_))));
        // Not JSON at all is refused before any task is shown.
        assert!(matches!(
            decode_newest(&text[..text.len() - 2], 1),
            Err(StorageError::Corrupt(_))
        ));
    }

    #[test]
    fn an_older_format_is_migrated_and_read_whole() {
        let (first, rest) = decode_newest(&v1().to_string(), 0).unwrap();
        assert_eq!(ids(&first), ["t1"]);
        assert!(rest.is_empty());
    }

    #[test]
    fn merge_keeps_tasks_either_tab_added_newest_first() {
        let ours = envelope(
            vec![
                record("mine", TaskStatus::Pending, 3),
                record("old", TaskStatus::Pending, 1),
            ],
            &[],
        );
        let theirs = envelope(
            vec![
                record("theirs", TaskStatus::Pending, 2),
                record("old", TaskStatus::Processing, 1),
            ],
            &[],
        );
        let merged = merge(&ours, theirs);
        assert_eq!(ids(&merged), ["mine", "theirs", "old"]);
        assert_eq!(
            merged.tasks[2].state,
            TaskState::Reported(TaskStatus::Processing),
            "their newer copy wins"
        );
    }

    #[test]
    fn merge_never_takes_a_finished_task_back_to_running() {
        let ours = envelope(vec![record("t", TaskStatus::Completed, 1)], &[]);
        let theirs = envelope(vec![record("t", TaskStatus::Processing, 1)], &[]);
        assert_eq!(
            merge(&ours, theirs).tasks[0].state,
            TaskState::Reported(TaskStatus::Completed)
        );
    }

    #[test]
    fn merge_honours_removals_from_either_tab() {
        let ours = envelope(
            vec![
                record("a", TaskStatus::Completed, 1),
                record("b", TaskStatus::Completed, 2),
            ],
            &["c"],
        );
        let theirs = envelope(
            vec![
                record("b", TaskStatus::Completed, 2),
                record("c", TaskStatus::Completed, 3),
            ],
            &["a"],
        );
        let merged = merge(&ours, theirs);
        assert_eq!(ids(&merged), ["b"]);
        assert_eq!(merged.removed, ["a", "c"]);
        let text = serde_json::to_string(&merged).unwrap();
        assert_eq!(decode(&text).unwrap(), merged, "tombstones are saved");
    }

    #[test]
    fn progress_alone_is_not_a_new_outcome() {
        let a = record("t", TaskStatus::Processing, 1);
        let mut b = a.clone();
        b.progress = Some(0.5);
        b.check_problem = Some("Last check failed".into());
        assert!(a.same_outcome(&b));
        b.state = TaskState::Reported(TaskStatus::Completed);
        assert!(!a.same_outcome(&b));
    }

    #[test]
    fn unknown_tasks_stop_running() {
        let mut e = decode(&v1().to_string()).unwrap();
        e.tasks[0].state = TaskState::Forgotten;
        assert!(!e.tasks[0].is_running());
        assert_eq!(e.tasks[0].status_key(), "unknown");
    }

    /// A version-3 task with its status and flags as that format wrote them.
    fn v3_task(id: &str, status: &str, extra: Value) -> Value {
        let mut task = json!({
            "task_id": id, "credits": 20, "submitted_ms": 1_780_000_000_000_u64, "status": status,
            "request": {"model": "avatar-pro", "body": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3",
                        "duration": 10, "resolution": 1280, "framerate": 25}}
        });
        task.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        task
    }

    #[test]
    fn version_3_flags_become_one_state_and_every_task_is_kept() {
        let v3 = json!({"version": 3, "history": [], "tasks": [
            v3_task("run", "processing", json!({"progress": 0.5, "check_problem": "Last check failed"})),
            v3_task("done", "completed", json!({"video_url": "https://a/r.mp4"})),
            v3_task("unsent-1", "pending", json!({"outcome_unknown": true, "check_problem": "timeout"})),
            v3_task("gone", "processing", json!({"unknown": true})),
            v3_task("halt", "processing", json!({"stopped": "Automatic checks stopped: gone."})),
            v3_task("odd", "rendering", json!({"unknown": false, "outcome_unknown": false})),
        ]});
        let e = decode(&v3.to_string()).unwrap();
        let states: Vec<(&str, &TaskState)> = e
            .tasks
            .iter()
            .map(|t| (t.task_id.as_str(), &t.state))
            .collect();
        assert_eq!(
            states,
            [
                ("run", &TaskState::Reported(TaskStatus::Processing)),
                ("done", &TaskState::Reported(TaskStatus::Completed)),
                (
                    "unsent-1",
                    &TaskState::OutcomeUnknown {
                        why: "timeout".into()
                    }
                ),
                ("gone", &TaskState::Forgotten),
                (
                    "halt",
                    &TaskState::Stopped {
                        reason: "Automatic checks stopped: gone.".into()
                    }
                ),
                (
                    "odd",
                    &TaskState::Reported(TaskStatus::Other("rendering".into()))
                ),
            ]
        );
        // What is not state is kept as it was.
        assert_eq!(
            e.tasks[0].check_problem.as_deref(),
            Some("Last check failed")
        );
        assert_eq!(e.tasks[0].progress, Some(0.5));
        assert_eq!(e.tasks[1].video_url.as_deref(), Some("https://a/r.mp4"));
        assert_eq!(
            e.tasks[2].check_problem, None,
            "the reason moved into the state"
        );
        let running: Vec<bool> = e.tasks.iter().map(TaskRecord::is_running).collect();
        assert_eq!(running, [true, false, false, false, false, true]);
        // Saved again in the current format, with none of the old fields.
        let saved = serde_json::to_value(&e).unwrap();
        assert_eq!(saved["version"], VERSION);
        for old in ["status", "unknown", "outcome_unknown", "stopped"] {
            assert!(
                saved["tasks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|t| t.get(old).is_none()),
                "{old}"
            );
        }
        assert_eq!(decode(&saved.to_string()).unwrap(), e);
    }

    #[test]
    fn every_earlier_format_reads_to_the_same_running_task() {
        let v2 = json!({"version": 2, "history": [], "tasks": [{
            "task_id": "t1", "model": "avatar-pro",
            "request": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3", "duration": 10, "resolution": 1280, "framerate": 25},
            "credits": 20, "submitted_ms": 1_780_000_000_000_u64, "status": "processing", "progress": null
        }]});
        let v3 =
            json!({"version": 3, "history": [], "tasks": [v3_task("t1", "processing", json!({}))]});
        let from = |v: Value| decode(&v.to_string()).unwrap();
        let current = from(v1());
        assert_eq!(from(v2), current);
        assert_eq!(from(v3), current);
        assert_eq!(
            current.tasks[0].state,
            TaskState::Reported(TaskStatus::Processing)
        );
    }
}
