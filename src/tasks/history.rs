//! The history file: every task of this browser in one JSON file, to keep
//! or to move to another browser, and merging such a file back in. Pure
//! (tested natively); the buttons are [`crate::tasks::list::HistoryTools`].
//!
//! The file (format 2, documented in the README):
//! `{"format": "avatar-studio.history", "version": 2, "exported_ms": …,
//! "tasks": [task, …]}`, each task exactly as the page saves it (the request
//! sent, where it stands, its outcome). It never holds an API key or video
//! bytes. Format 1's tasks (a `status` beside flags) are migrated on import.

use serde::Serialize;
use serde_json::Value;

use crate::tasks::format::{self, Envelope, TaskRecord};
use crate::tasks::record::TaskState;

/// The `format` value that marks a history file.
pub const FORMAT: &str = "avatar-studio.history";
/// The history file version this build writes (it reads 1 too).
pub const VERSION: u32 = 2;
/// Largest file an import reads (a history of 10,000 tasks is about 10 MB).
pub const MAX_BYTES: f64 = 32.0 * 1024.0 * 1024.0;

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'a str,
    version: u32,
    exported_ms: u64,
    tasks: &'a [TaskRecord],
}

/// The history file for `tasks`, exported at `now_ms`.
pub fn export(tasks: &[TaskRecord], now_ms: u64) -> String {
    let file = FileOut {
        format: FORMAT,
        version: VERSION,
        exported_ms: now_ms,
        tasks,
    };
    serde_json::to_string(&file).unwrap_or_default()
}

/// Why a file could not be imported (nothing was changed).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON at all.
    #[error("This file is not a history file: it is not JSON.")]
    NotJson,
    /// JSON, but not ours.
    #[error(
        "This file is not an Avatar Studio history file (it has no \"format\": \"avatar-studio.history\")."
    )]
    Foreign,
    /// Written by a newer page.
    #[error(
        "This history file was written by a newer version of Avatar Studio (format {0}); update this page to import it."
    )]
    TooNew(u64),
    /// Ours, but a task in it is not readable.
    #[error("This history file is damaged: {0}. Nothing was imported.")]
    Damaged(String),
    /// Larger than [`MAX_BYTES`].
    #[error("This file is too large to be a history file ({0} MB).")]
    TooLarge(u64),
}

/// The tasks of a history file.
pub fn read(text: &str) -> Result<Vec<TaskRecord>, ImportError> {
    let mut value: Value = serde_json::from_str(text).map_err(|_| ImportError::NotJson)?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ImportError::Foreign);
    }
    let version = match value.get("version").and_then(Value::as_u64) {
        Some(v) if v > u64::from(VERSION) => return Err(ImportError::TooNew(v)),
        Some(v) if v >= 1 => v,
        _ => {
            return Err(ImportError::Damaged(
                "its version is missing or unknown".to_owned(),
            ));
        }
    };
    let Some(Value::Array(tasks)) = value.get_mut("tasks").map(Value::take) else {
        return Err(ImportError::Damaged("it has no task list".to_owned()));
    };
    tasks
        .into_iter()
        .enumerate()
        .map(|(i, mut task)| {
            if let (1, Some(fields)) = (version, task.as_object_mut()) {
                format::migrate_task_state(fields);
            }
            // From text, like the saved list: one decoder in the wasm.
            serde_json::from_str(&task.to_string())
                .map_err(|e| ImportError::Damaged(format!("task {} cannot be read ({e})", i + 1)))
        })
        .collect()
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    /// Tasks this browser did not have.
    pub added: usize,
    /// Tasks whose outcome the file knew better.
    pub updated: usize,
    /// Tasks already here as they are in the file (or better).
    pub unchanged: usize,
}

impl Imported {
    /// The sentence the page says after an import.
    pub fn sentence(&self) -> String {
        let n = |count: usize| match count {
            1 => "1 task".to_owned(),
            n => format!("{n} tasks"),
        };
        format!(
            "History imported: {} added, {} updated, {} already here.",
            n(self.added),
            n(self.updated),
            n(self.unchanged)
        )
    }
}

/// `ours` with the file's `tasks` merged in: no task twice (by id), the
/// newer outcome wins, and a finished task never goes back to running.
/// A task the user removed here comes back: importing it says so.
pub fn merge(ours: &Envelope, tasks: Vec<TaskRecord>) -> (Envelope, Imported) {
    let mut merged = ours.clone();
    let mut report = Imported::default();
    for theirs in tasks {
        merged.removed.retain(|id| *id != theirs.task_id);
        match merged
            .tasks
            .iter_mut()
            .find(|t| t.task_id == theirs.task_id)
        {
            None => {
                merged.tasks.push(theirs);
                report.added += 1;
            }
            Some(our) if newer_outcome(&theirs, our) => {
                *our = theirs;
                report.updated += 1;
            }
            Some(_) => report.unchanged += 1,
        }
    }
    merged.version = format::VERSION;
    merged.sort();
    (merged, report)
}

/// True when `theirs` knows more of the task's outcome than `ours`.
fn newer_outcome(theirs: &TaskRecord, ours: &TaskRecord) -> bool {
    let finished = |t: &TaskRecord| t.state.is_final() || matches!(t.state, TaskState::Forgotten);
    match (finished(theirs), finished(ours)) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => theirs.finished_ms > ours.finished_ms,
        (false, false) => theirs.progress > ours.progress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::TaskStatus;
    use serde_json::json;

    fn task(id: &str, status: TaskStatus, finished_ms: Option<u64>) -> TaskRecord {
        let text = json!({
            "task_id": id,
            "request": {"model": "avatar-pro", "body": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3"}},
            "credits": 20, "submitted_ms": 1_780_000_000_000_u64, "state": format!("reported:{}", status.as_str())
        });
        let mut t: TaskRecord = serde_json::from_value(text).unwrap();
        t.finished_ms = finished_ms;
        t
    }

    fn ids(e: &Envelope) -> Vec<(&str, &str)> {
        e.tasks
            .iter()
            .map(|t| (t.task_id.as_str(), t.status_key()))
            .collect()
    }

    #[test]
    fn export_then_read_gives_the_same_tasks() {
        let tasks = vec![
            task("a", TaskStatus::Completed, Some(5)),
            task("b", TaskStatus::Processing, None),
        ];
        let text = export(&tasks, 1_780_000_000_000);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["format"], FORMAT);
        assert_eq!(value["version"], VERSION);
        assert_eq!(read(&text).unwrap(), tasks);
    }

    #[test]
    fn speech_and_portraits_travel_in_the_history_file_with_what_they_made() {
        let mut speech = task("s", TaskStatus::Completed, Some(9));
        speech.request = crate::tasks::request::TaskRequest::Speech(avatar_api::VoiceRequest {
            text: "Hello.".into(),
            reference_audio_url: "https://a/v.wav".into(),
            ..avatar_api::VoiceRequest::default()
        });
        speech.result = Some(crate::tasks::request::TaskResult::Speech(
            "https://o/t.wav".into(),
        ));
        speech.model_used = Some("v1-real".into());
        let mut portrait = task("p", TaskStatus::Completed, Some(9));
        portrait.request = crate::tasks::request::TaskRequest::Portrait(avatar_api::ImageRequest {
            prompt: "a face".into(),
            seed: Some(3),
            ..avatar_api::ImageRequest::default()
        });
        portrait.result = Some(crate::tasks::request::TaskResult::Portrait(
            "https://u/0.png".into(),
        ));
        let tasks = vec![speech, portrait, task("v", TaskStatus::Completed, Some(9))];
        let text = export(&tasks, 1_780_000_000_000);
        assert!(
            text.contains(r#""result":"speech:https://o/t.wav""#),
            "{text}"
        );
        assert_eq!(read(&text).unwrap(), tasks);
    }

    #[test]
    fn captions_travel_in_the_history_file_with_their_edits() {
        use crate::captions::{Captions, Edit};
        let line = avatar_api::captions::Segment::new;
        let mut words = Captions {
            language: Some("en".into()),
            lines: vec![line(0, 1_200, "Helo."), line(1_200, 2_000, "Bye.")],
            ..Captions::default()
        };
        words.edit(0, Edit::Text("Hello.".into()));
        let mut transcription = task("c", TaskStatus::Completed, Some(9));
        transcription.request = crate::tasks::request::TaskRequest::Captions(
            avatar_api::transcribe::TranscribeRequest::new("https://a/r.mp4", 2.0),
        );
        transcription.result = Some(crate::tasks::request::TaskResult::Captions(words.clone()));
        let mut speech = task("s", TaskStatus::Completed, Some(9));
        speech.subtitles = Some(words);
        let tasks = vec![transcription, speech];
        let text = export(&tasks, 1_780_000_000_000);
        assert!(
            text.contains(r#""text":"Hello.""#) && text.contains(r#""edited":true"#),
            "{text}"
        );
        assert_eq!(read(&text).unwrap(), tasks);
    }

    #[test]
    fn foreign_damaged_and_newer_files_are_refused_with_a_reason() {
        assert_eq!(read("<html>"), Err(ImportError::NotJson));
        assert_eq!(read(r#"{"tasks": []}"#), Err(ImportError::Foreign));
        assert_eq!(
            read(r#"{"version": 3, "tasks": []}"#),
            Err(ImportError::Foreign)
        );
        assert_eq!(
            read(r#"{"format": "avatar-studio.history", "version": 3, "tasks": []}"#),
            Err(ImportError::TooNew(3))
        );
        let good = export(&[task("a", TaskStatus::Completed, Some(5))], 0);
        let tampered = good.replace("\"credits\":20", "\"credits\":\"twenty\"");
        let Err(ImportError::Damaged(why)) = read(&tampered) else {
            panic!("{tampered}")
        };
        assert!(why.starts_with("task 1 cannot be read"), "{why}");
        let no_tasks = good.replace("\"tasks\"", "\"jobs\"");
        assert!(matches!(read(&no_tasks), Err(ImportError::Damaged(_))));
    }

    #[test]
    fn a_format_1_file_is_read_with_each_tasks_state() {
        let file = json!({"format": FORMAT, "version": 1, "exported_ms": 0, "tasks": [
            {"task_id": "a", "request": {"model": "avatar-pro", "body": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3"}},
             "credits": 20, "submitted_ms": 1, "status": "completed", "video_url": "https://a/r.mp4"},
            {"task_id": "unsent-2", "request": {"model": "avatar-pro", "body": {"image_url": "https://a/p.png", "audio_url": "https://a/s.mp3"}},
             "credits": 20, "submitted_ms": 2, "status": "pending", "outcome_unknown": true, "check_problem": "timeout"},
        ]});
        let tasks = read(&file.to_string()).unwrap();
        assert_eq!(tasks[0].state, TaskState::Reported(TaskStatus::Completed));
        assert_eq!(tasks[0].result_url(), Some("https://a/r.mp4"));
        assert_eq!(tasks[1].state, TaskState::OutcomeUnknown("timeout".into()));
    }

    #[test]
    fn merge_adds_new_tasks_and_never_takes_a_finished_one_back_to_running() {
        let ours = Envelope {
            tasks: vec![
                task("done-here", TaskStatus::Completed, Some(10)),
                task("running-here", TaskStatus::Processing, None),
            ],
            ..Envelope::default()
        };
        let file = vec![
            task("done-here", TaskStatus::Processing, None),
            task("running-here", TaskStatus::Failed, Some(20)),
            task("new", TaskStatus::Completed, Some(30)),
        ];
        let (merged, report) = merge(&ours, file.clone());
        let mut got = ids(&merged);
        got.sort();
        assert_eq!(
            got,
            [
                ("done-here", "completed"),
                ("new", "completed"),
                ("running-here", "failed")
            ]
        );
        assert_eq!(
            report,
            Imported {
                added: 1,
                updated: 1,
                unchanged: 1
            }
        );
        // Importing the same file again changes nothing.
        let (again, report) = merge(&merged, file);
        assert_eq!(again, merged);
        assert_eq!(report.unchanged, 3);
        assert_eq!(
            report.sentence(),
            "History imported: 0 tasks added, 0 tasks updated, 3 tasks already here."
        );
    }

    #[test]
    fn an_imported_task_the_user_removed_here_comes_back() {
        let ours = Envelope {
            removed: vec!["gone".to_owned()],
            ..Envelope::default()
        };
        let (merged, report) = merge(&ours, vec![task("gone", TaskStatus::Completed, Some(1))]);
        assert_eq!(report.added, 1);
        assert!(merged.removed.is_empty());
    }
}
