//! The saved format's tests: every earlier version migrates, the split
//! read, and the merge of two tabs' lists.

use super::*;
use crate::tasks::record::{TaskResult, TaskState};
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
    let Some(avatar_api::AvatarRequest::DigitalHuman(r)) = task.request.video() else {
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
    e.tasks[0].result = Some(TaskResult::Video("https://a/r.mp4".into()));
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
            ("unsent-1", &TaskState::OutcomeUnknown("timeout".into())),
            ("gone", &TaskState::Forgotten),
            (
                "halt",
                &TaskState::Stopped("Automatic checks stopped: gone.".into())
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
    assert_eq!(e.tasks[1].result_url(), Some("https://a/r.mp4"));
    assert_eq!(
        e.tasks[2].check_problem, None,
        "the reason moved into the state"
    );
    let running: Vec<bool> = e.tasks.iter().map(TaskRecord::is_running).collect();
    assert_eq!(running, [true, false, false, false, false, true]);
    // Saved again in the current format, with none of the old fields.
    let saved = serde_json::to_value(&e).unwrap();
    assert_eq!(saved["version"], VERSION);
    for old in [
        "status",
        "unknown",
        "outcome_unknown",
        "stopped",
        "video_url",
    ] {
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
