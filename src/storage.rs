//! The task list kept in the browser (`localStorage`), in a versioned
//! envelope so a future format change migrates instead of crashing.
//!
//! Decoding with migration and [`merge`], which reconciles the list another
//! tab wrote with this tab's, are pure (tested natively); so is
//! [`adopt_legacy`], over any [`Items`]. [`set_aside`] and [`Scope::current`]
//! need the browser.
//! The reactive side, one signal per task, is [`crate::tasks::store`].
//!
//! Every item the page keeps in the browser is named by [`Scope`], so that
//! two deployments on one origin (`/a/` and `/b/`) never see each other's
//! tasks or key; [`adopt_legacy`] moves what older builds saved.

use avatar_api::estimate::Sample;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::batch::Plan;
pub use crate::tasks::record::TaskRecord;

/// The envelope format this build writes.
pub const VERSION: u32 = 3;
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
/// - version 3 (current): a task's `model` and `request` body are one
///   tagged value, `"request": {"model": "avatar-pro", "body": {...}}`.
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
                Some(our) if our.status.is_final() && !their.status.is_final() => our.clone(),
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

/// The names of this deployment's items in the browser's storage: one
/// namespace per base path, e.g. `avatar-studio@/studio/.tasks` for a page
/// served from `https://example.com/studio/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// What every name starts with: `avatar-studio@/studio/`, or
    /// `avatar-studio` for the names builds before namespacing used.
    prefix: String,
}

impl Scope {
    /// The scope of a page whose `document.baseURI` is `base_uri`: the
    /// directory of its path (`/` for `https://host/` or `https://host/index.html`,
    /// `/studio/` for `https://host/studio/?x#y`).
    pub fn from_base_uri(base_uri: &str) -> Scope {
        let without_query = base_uri.split(['?', '#']).next().unwrap_or_default();
        let after_scheme = without_query.split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        Scope {
            prefix: format!("avatar-studio@{dir}"),
        }
    }

    /// The scope of the running page (from `document.baseURI`). Browser only.
    pub fn current() -> Scope {
        let base_uri = leptos::prelude::document()
            .base_uri()
            .ok()
            .flatten()
            .unwrap_or_default();
        Scope::from_base_uri(&base_uri)
    }

    /// The names builds before namespacing used, shared by every deployment
    /// on the origin (`avatar-studio.tasks`…): read once by [`adopt_legacy`].
    pub fn legacy() -> Scope {
        Scope {
            prefix: "avatar-studio".to_owned(),
        }
    }

    /// The task list's envelope (`localStorage`).
    pub fn tasks(&self) -> String {
        self.name("tasks")
    }

    /// Where a batch being sent keeps its rows (`localStorage`).
    pub fn batch(&self) -> String {
        self.name("batch")
    }

    /// Where an unreadable task list is set aside (`localStorage`).
    pub fn unreadable(&self) -> String {
        self.name("tasks.unreadable")
    }

    /// The API key (`localStorage` when remembered, else `sessionStorage`).
    pub fn api_key(&self) -> String {
        self.name("api-key")
    }

    /// The API base URL chosen in Settings (`localStorage`).
    pub fn api_base(&self) -> String {
        self.name("api-base")
    }

    /// The last balance the API reported, per key prefix (`localStorage`).
    pub fn balances(&self) -> String {
        self.name("balances")
    }

    /// The saved copies of finished videos (a Cache Storage cache, see
    /// [`crate::saved`]; deploy/sw.js.in never deletes it).
    pub fn videos(&self) -> String {
        self.name("videos")
    }

    fn name(&self, item: &str) -> String {
        format!("{}.{item}", self.prefix)
    }
}

/// A place items are kept: the browser's `localStorage` or
/// `sessionStorage` (a map in native tests).
pub trait Items {
    /// The item's value, if any.
    fn get(&self, name: &str) -> Option<String>;
    /// Stores a value; false when the browser refused.
    fn set(&self, name: &str, value: &str) -> bool;
    /// Removes the item.
    fn remove(&self, name: &str);
}

impl Items for web_sys::Storage {
    fn get(&self, name: &str) -> Option<String> {
        read_item(self, name)
    }

    fn set(&self, name: &str, value: &str) -> bool {
        self.set_item(name, value).is_ok()
    }

    fn remove(&self, name: &str) {
        let _ = self.remove_item(name);
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A `Storage`, seen through [`get_item_text`].
    type TextStorage;
    /// `Storage.getItem`, its value left in JavaScript.
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item_text(
        this: &TextStorage,
        name: &str,
    ) -> Result<Option<js_sys::JsString>, wasm_bindgen::JsValue>;

    /// The browser's UTF-8 encoder.
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// Writes `text` as UTF-8 into `into`; returns `{ read, written }`.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, text: &js_sys::JsString, into: &mut [u8]) -> js_sys::Object;
}

/// An item of `storage`, copied into the wasm by the browser's own UTF-8
/// encoder: the usual copy of a string runs a JavaScript loop over every
/// character, which cost a 1,000-task list about 25 ms at start-up.
pub fn read_item(storage: &web_sys::Storage, name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let text = storage
        .unchecked_ref::<TextStorage>()
        .get_item_text(name)
        .ok()??;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    let mut bytes = vec![0u8; text.length() as usize * 3];
    let done = TextEncoder::new().encode_into(&text, &mut bytes);
    let written = js_sys::Reflect::get(&done, &"written".into())
        .ok()?
        .as_f64()? as usize;
    bytes.truncate(written);
    String::from_utf8(bytes).ok()
}

/// Copies what builds before namespacing saved into `scope`, for every item
/// `scope` does not have yet (an item it has is never overwritten, so this
/// happens once per deployment). `local` and `session` are the browser's
/// two storages.
///
/// The legacy task list and API base stay where they are: another
/// deployment on the same origin may still need to adopt them, and losing
/// tasks is worse than a stale copy. A legacy API key is removed once
/// copied: a secret should live in one place only, so the first deployment
/// opened takes it and any other asks for it again.
pub fn adopt_legacy(scope: &Scope, local: &impl Items, session: &impl Items) {
    let legacy = Scope::legacy();
    adopt(local, &legacy.tasks(), &scope.tasks(), true);
    adopt(local, &legacy.api_base(), &scope.api_base(), true);
    adopt(local, &legacy.api_key(), &scope.api_key(), false);
    adopt(session, &legacy.api_key(), &scope.api_key(), false);
}

/// Copies `from` to `to` unless `to` exists; removes `from` once copied
/// unless `keep`.
///
/// `from` is read first: it is usually absent, and `to` may be a long task
/// list that would otherwise be copied out of the browser's storage once
/// more on every start.
fn adopt(items: &impl Items, from: &str, to: &str, keep: bool) {
    let Some(value) = items.get(from) else {
        return;
    };
    if items.get(to).is_some() {
        return;
    }
    if items.set(to, &value) && !keep {
        items.remove(from);
    }
}

/// Moves an unreadable saved list aside (so nothing is overwritten): the
/// name it is kept under, or `None` if the browser would not keep a copy.
/// Browser only.
pub fn set_aside(scope: &Scope) -> Option<String> {
    let local = leptos::prelude::window().local_storage().ok().flatten()?;
    let key = scope.tasks();
    let raw = local.get_item(&key).ok()??;
    let backup = scope.unreadable();
    local.set_item(&backup, &raw).ok()?;
    let _ = local.remove_item(&key);
    Some(backup)
}

/// The batch `scope` was sending when the page was left, if any.
pub fn load_plan(scope: &Scope) -> Option<Plan> {
    let text = local()?.get_item(&scope.batch()).ok()??;
    serde_json::from_str(&text).ok()
}

/// Saves the batch being sent (`None`: there is none any more).
pub fn save_plan(scope: &Scope, plan: Option<&Plan>) {
    let Some(storage) = local() else { return };
    let name = scope.batch();
    match plan.and_then(|p| serde_json::to_string(p).ok()) {
        Some(text) => {
            let _ = storage.set_item(&name, &text);
        }
        None => {
            let _ = storage.remove_item(&name);
        }
    }
}

/// The browser's localStorage, `None` where the browser refuses it.
pub fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The browser's sessionStorage, `None` where the browser refuses it.
pub fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(e.tasks[0].status, TaskStatus::Processing);
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
        // The current format's one-pass reading refuses damage just the same.
        assert!(matches!(
            decode(r#"{"version":3,"tasks":[{"task_id":1}]}"#),
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
        t.status = status;
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
        let text = format!(r#"{{"version":3,"tasks":[{good},{{"task_id":1}},{older}]}}"#);
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
            merged.tasks[2].status,
            TaskStatus::Processing,
            "their newer copy wins"
        );
    }

    #[test]
    fn merge_never_takes_a_finished_task_back_to_running() {
        let ours = envelope(vec![record("t", TaskStatus::Completed, 1)], &[]);
        let theirs = envelope(vec![record("t", TaskStatus::Processing, 1)], &[]);
        assert_eq!(merge(&ours, theirs).tasks[0].status, TaskStatus::Completed);
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
        b.status = TaskStatus::Completed;
        assert!(!a.same_outcome(&b));
    }

    #[test]
    fn unknown_tasks_stop_running() {
        let mut e = decode(&v1().to_string()).unwrap();
        e.tasks[0].unknown = true;
        assert!(!e.tasks[0].is_running());
        assert_eq!(e.tasks[0].status_key(), "unknown");
    }

    #[test]
    fn a_scope_is_the_directory_of_the_base_uri() {
        for (uri, tasks) in [
            ("https://example.com/", "avatar-studio@/.tasks"),
            ("https://example.com", "avatar-studio@/.tasks"),
            ("https://example.com/index.html", "avatar-studio@/.tasks"),
            ("https://example.com/studio", "avatar-studio@/.tasks"),
            (
                "https://example.com/studio/",
                "avatar-studio@/studio/.tasks",
            ),
            (
                "https://example.com/studio/index.html?x=/y/#/z/",
                "avatar-studio@/studio/.tasks",
            ),
            ("http://127.0.0.1:8000/a/b/", "avatar-studio@/a/b/.tasks"),
            ("about:blank", "avatar-studio@/.tasks"),
        ] {
            assert_eq!(Scope::from_base_uri(uri).tasks(), tasks, "{uri}");
        }
        let scope = Scope::from_base_uri("https://example.com/studio/");
        assert_eq!(
            scope.unreadable(),
            "avatar-studio@/studio/.tasks.unreadable"
        );
        assert_eq!(scope.api_key(), "avatar-studio@/studio/.api-key");
        assert_eq!(scope.api_base(), "avatar-studio@/studio/.api-base");
        assert_eq!(scope.balances(), "avatar-studio@/studio/.balances");
        assert_eq!(scope.videos(), "avatar-studio@/studio/.videos");
        assert_ne!(
            Scope::from_base_uri("https://example.com/a/").api_key(),
            Scope::from_base_uri("https://example.com/b/").api_key()
        );
    }

    #[test]
    fn legacy_names_are_those_of_builds_before_namespacing() {
        let legacy = Scope::legacy();
        assert_eq!(legacy.tasks(), "avatar-studio.tasks");
        assert_eq!(legacy.unreadable(), "avatar-studio.tasks.unreadable");
        assert_eq!(legacy.api_key(), "avatar-studio.api-key");
        assert_eq!(legacy.api_base(), "avatar-studio.api-base");
    }

    #[derive(Default)]
    struct Map(std::cell::RefCell<std::collections::BTreeMap<String, String>>);

    impl Items for Map {
        fn get(&self, name: &str) -> Option<String> {
            self.0.borrow().get(name).cloned()
        }
        fn set(&self, name: &str, value: &str) -> bool {
            self.0.borrow_mut().insert(name.into(), value.into());
            true
        }
        fn remove(&self, name: &str) {
            self.0.borrow_mut().remove(name);
        }
    }

    #[test]
    fn legacy_items_are_adopted_once_and_a_legacy_key_is_then_removed() {
        let legacy = Scope::legacy();
        let (a, b) = (
            Scope::from_base_uri("https://example.com/a/"),
            Scope::from_base_uri("https://example.com/b/"),
        );
        let (local, session) = (Map::default(), Map::default());
        local.set(&legacy.tasks(), "tasks");
        local.set(&legacy.api_base(), "https://api.example.com");
        local.set(&legacy.api_key(), "sk_remembered");
        session.set(&legacy.api_key(), "sk_session");

        adopt_legacy(&a, &local, &session);
        assert_eq!(local.get(&a.tasks()).as_deref(), Some("tasks"));
        assert_eq!(
            local.get(&a.api_base()).as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(local.get(&a.api_key()).as_deref(), Some("sk_remembered"));
        assert_eq!(session.get(&a.api_key()).as_deref(), Some("sk_session"));
        assert_eq!(local.get(&legacy.tasks()).as_deref(), Some("tasks"), "kept");
        assert_eq!(
            local.get(&legacy.api_key()),
            None,
            "the key is not left behind"
        );
        assert_eq!(session.get(&legacy.api_key()), None);

        // Another deployment still finds the tasks, but not the key.
        adopt_legacy(&b, &local, &session);
        assert_eq!(local.get(&b.tasks()).as_deref(), Some("tasks"));
        assert_eq!(local.get(&b.api_key()), None);

        // What a scope has is never overwritten.
        local.set(&a.tasks(), "a's own");
        local.set(&legacy.tasks(), "newer legacy");
        local.set(&legacy.api_key(), "sk_other");
        adopt_legacy(&a, &local, &session);
        assert_eq!(local.get(&a.tasks()).as_deref(), Some("a's own"));
        assert_eq!(local.get(&a.api_key()).as_deref(), Some("sk_remembered"));
        assert_eq!(
            local.get(&legacy.api_key()).as_deref(),
            Some("sk_other"),
            "not copied, so not removed"
        );
    }
}
