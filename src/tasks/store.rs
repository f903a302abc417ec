//! The tasks in memory: one signal per task, so that a status check
//! re-renders only its own row, however long the list.
//!
//! The list is saved to `localStorage` (format in [`crate::storage`]) when
//! something worth keeping changes: a task added, removed, finished or
//! forgotten by the API, not every progress tick (the next status check
//! re-reads progress anyway), and once more when the page is left. A save
//! waits for the end of the current turn (a zero-delay timer): the changed
//! row is on screen first, and changes made together are written once, so
//! a status change costs the same with 1,000 stored tasks as with 10. Another
//! tab's saves arrive through the `storage` event and are merged, so tabs
//! never lose each other's tasks.

use std::collections::HashMap;
use std::time::Duration;

use avatar_api::estimate::{self, Sample, Shape};
use leptos::prelude::*;

use crate::storage::{self, Scope};
use crate::tasks::copy::{CopyState, result_url};
use crate::tasks::format::{self, Envelope, REMOVED_LIMIT, StorageError, TaskRecord};
use crate::tasks::history;
use crate::widgets::PAGE;

/// One task: the signal holding its record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskEntry {
    /// The record (status, progress, result…).
    pub record: RwSignal<TaskRecord>,
    /// Whether it is still checked on: changes with its status only, so the
    /// list of running tasks is not recomputed on every progress tick.
    running: Memo<bool>,
    /// It has a result link whose copy may be kept ([`crate::tasks::saved`]):
    /// changes when the task finishes, not on progress.
    result: Memo<bool>,
    /// What this browser holds of its video ([`crate::tasks::saved`]).
    pub copy: RwSignal<CopyState>,
}

impl TaskEntry {
    /// The task's id (never changes).
    pub fn id(&self) -> String {
        self.record.with_untracked(|t| t.task_id.clone())
    }

    fn has_id(&self, id: &str) -> bool {
        self.record
            .try_with_untracked(|t| t.task_id == id)
            .unwrap_or(false)
    }
}

/// The page's tasks, newest first, kept in `localStorage` and in step with
/// other tabs. A `Copy` handle.
#[derive(Clone, Copy)]
pub struct TaskStore {
    entries: RwSignal<Vec<TaskEntry>>,
    history: RwSignal<Vec<Sample>>,
    removed: StoredValue<Vec<String>>,
    /// The text last written or read, so that an unchanged list is not rewritten.
    saved: StoredValue<String>,
    /// A save is scheduled for the end of this turn.
    save_queued: StoredValue<bool>,
    /// Why the list could not be read or saved, for the banner.
    problem: RwSignal<Option<String>>,
    /// Owns the per-task signals (created later from event handlers too).
    /// Weak: a strong `Owner` kept in a value that owner itself holds would
    /// keep it alive, so an unmounted studio would never be cleaned up (its
    /// timers, pollers and savers would go on).
    owner: StoredValue<WeakOwner>,
    /// Where the list is saved ([`Scope::tasks`]).
    key: StoredValue<String>,
    /// The stored tasks past the first page, not decoded yet
    /// ([`TaskStore::load`]).
    rest: RwSignal<format::Rest>,
    /// The deployment's storage names, to set an unreadable list aside.
    scope: StoredValue<Scope>,
}

impl TaskStore {
    /// What was kept in this deployment's storage under `name` (the batch
    /// this page was sending when it was left, [`Scope::batch`]; a chain,
    /// [`Scope::chain`]), beside the tasks it becomes.
    pub fn kept<T: serde::de::DeserializeOwned>(&self, name: fn(&Scope) -> String) -> Option<T> {
        storage::load_kept(&self.scope.with_value(name))
    }

    /// Keeps `value` under `name` (`None`: there is none any more).
    pub fn keep<T: serde::Serialize>(&self, name: fn(&Scope) -> String, value: Option<&T>) {
        storage::save_kept(&self.scope.with_value(name), value);
    }

    /// The task `id`, if the list holds it (tracked).
    pub fn find(&self, id: &str) -> Option<TaskEntry> {
        self.entries
            .with(|entries| entries.iter().find(|e| e.has_id(id)).copied())
    }

    /// Reads the list saved in `scope` and starts following other tabs'
    /// saves to it. An unreadable list is set aside (not overwritten) and
    /// reported in [`TaskStore::problem`].
    ///
    /// Only the first page of tasks ([`PAGE`]) is decoded now; the others
    /// are two turns later, once the form and the list's first page are on
    /// screen, or at once when something needs the whole list (a save, an
    /// export, another tab's list). [`TaskStore::len`] counts them all.
    pub fn load(scope: &Scope) -> Self {
        let problem = RwSignal::new(None);
        let key = scope.tasks();
        let raw = storage::local().and_then(|s| storage::read_item(&s, &key));
        let (envelope, rest) = match raw.as_deref().map(|raw| format::decode_newest(raw, PAGE)) {
            None => (Envelope::default(), format::Rest::new()),
            Some(Ok(read)) => read,
            Some(Err(e)) => {
                let backup = match storage::set_aside(scope) {
                    Some(name) => format!(
                        "It was kept in this browser's storage under \"{name}\"; new tasks start a fresh list."
                    ),
                    None => "New tasks start a fresh list.".to_owned(),
                };
                problem.set(Some(format!(
                    "Your saved task list could not be read: {e}. {backup}"
                )));
                (Envelope::default(), format::Rest::new())
            }
        };
        let store = TaskStore {
            entries: RwSignal::new(Vec::new()),
            history: RwSignal::new(Vec::new()),
            removed: StoredValue::new(Vec::new()),
            saved: StoredValue::new(raw.unwrap_or_default()),
            save_queued: StoredValue::new(false),
            problem,
            owner: StoredValue::new(Owner::current().unwrap_or_default().downgrade()),
            key: StoredValue::new(key),
            rest: RwSignal::new(rest),
            scope: StoredValue::new(scope.clone()),
        };
        store.replace(envelope);
        // Two turns: `AfterTheForm` (src/app.rs) builds the list in the next one.
        set_timeout(
            move || set_timeout(move || store.read_all(), Duration::ZERO),
            Duration::ZERO,
        );
        let storage_listener = window_event_listener(leptos::ev::storage, move |e| {
            if store.key.with_value(|key| e.key().as_ref() == Some(key)) {
                store.other_tab_saved(e.new_value());
            }
        });
        let leave_listener = window_event_listener(leptos::ev::pagehide, move |_| store.save());
        on_cleanup(move || {
            storage_listener.remove();
            leave_listener.remove();
        });
        store
    }

    /// Why the list could not be read or saved, for the banner (`None` once dismissed).
    pub fn problem(&self) -> RwSignal<Option<String>> {
        self.problem
    }

    /// How many tasks there are (tracked), those not decoded yet included.
    pub fn len(&self) -> usize {
        self.entries.with(Vec::len) + self.rest.with(Vec::len)
    }

    /// True while older stored tasks are still being read (tracked).
    pub fn loading(&self) -> bool {
        self.rest.with(|rest| !rest.is_empty())
    }

    /// Decodes the stored tasks [`TaskStore::load`] left for later and adds
    /// them, if it has not yet. Those that cannot be read are reported, and
    /// the list as it was stored is set aside first, so none is lost.
    pub fn read_all(&self) {
        // Gone with its page, or read already: nothing to do (and nothing to notify).
        if self.rest.try_with_untracked(Vec::is_empty).unwrap_or(true) {
            return;
        }
        let rest = self.rest.try_update(std::mem::take).unwrap_or_default();
        let (records, problem) = format::decode_rest(rest);
        if let Some(e) = problem {
            let backup = match self.scope.with_value(storage::set_aside) {
                Some(name) => format!(
                    " The list as it was is kept in this browser's storage under \"{name}\"."
                ),
                None => String::new(),
            };
            self.problem.set(Some(format!(
                "Some of your saved tasks could not be read: {e}. The others are listed.{backup}"
            )));
            // Set aside: what could be read is saved in its place, at the end of this turn.
            self.save_soon();
        }
        let mut envelope = self.snapshot();
        envelope.tasks.extend(records);
        self.replace(envelope);
    }

    /// True when there are no tasks (tracked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The newest `n` tasks (tracked).
    pub fn newest(&self, n: usize) -> Vec<TaskEntry> {
        self.entries.with(|e| e.iter().take(n).copied().collect())
    }

    /// The tasks still being checked on (tracked, also on each task's status).
    pub fn running(&self) -> Vec<TaskEntry> {
        self.entries
            .with(|e| e.iter().filter(|t| t.running.get()).copied().collect())
    }

    /// The tasks completed with a result link (tracked, also on each
    /// task's outcome).
    pub fn results(&self) -> Vec<TaskEntry> {
        self.entries
            .with(|e| e.iter().filter(|t| t.result.get()).copied().collect())
    }

    /// Where the captions of the video or speech at `link` are kept: the
    /// newest task that holds them (a transcription of it, or the speech
    /// itself with its subtitles), else the newest transcription of it in
    /// any state, else the task that made it. Tracked on the list, and on
    /// the records about `link` (a task's request and link never change).
    pub fn captions_for(&self, link: &str) -> Option<TaskEntry> {
        self.entries.with(|e| {
            let about = (e.iter().copied()).filter(|t| {
                (t.record)
                    .try_with_untracked(|t| {
                        t.result_url() == Some(link)
                            || t.request.captions().is_some_and(|c| c.audio_url == link)
                    })
                    .unwrap_or(false)
            });
            let mut newest: Option<(TaskEntry, bool)> = None;
            for t in about {
                if t.record.try_with(|t| t.captions().is_some()) == Some(true) {
                    return Some(t);
                }
                let transcription = (t.record)
                    .try_with_untracked(|t| t.request.captions().is_some())
                    .unwrap_or(false);
                if newest.is_none() || transcription && newest.is_some_and(|(_, was)| !was) {
                    newest = Some((t, transcription));
                }
            }
            newest.map(|(t, _)| t)
        })
    }

    /// The task that made what is at `link` (untracked).
    pub fn made(&self, link: &str) -> Option<TaskRecord> {
        (self
            .entries
            .with_untracked(|e| e.iter().map(|t| t.record).collect::<Vec<_>>()))
        .into_iter()
        .filter_map(|r| r.try_get_untracked())
        .find(|t| t.result_url() == Some(link))
    }

    /// Expected total time of a task of this shape, learned from the
    /// finished tasks (tracked); for a request the page cannot read, that of
    /// a default Pro task ([`Shape::default_pro`]).
    pub fn typical_total_ms(&self, shape: Option<&Shape>) -> u64 {
        let shape = shape.copied().unwrap_or_else(Shape::default_pro);
        self.history
            .with(|history| estimate::typical_total_ms(history, &shape))
    }

    /// Adds a just-submitted task at the top and saves.
    pub fn add(&self, record: TaskRecord) {
        self.read_all();
        let id = record.task_id.clone();
        let entry = self.new_entry(record);
        self.entries.update(|e| {
            e.retain(|t| !t.has_id(&id));
            e.insert(0, entry);
        });
        self.save_soon();
    }

    /// Removes a task from the list (and, through the saved list, from other tabs).
    pub fn remove(&self, id: &str) {
        self.read_all();
        self.entries.update(|e| e.retain(|t| !t.has_id(id)));
        self.removed.update_value(|r| {
            r.retain(|x| x != id);
            r.insert(0, id.to_owned());
            r.truncate(REMOVED_LIMIT);
        });
        self.save_soon();
    }

    /// Changes one task. Its row re-renders only if something changed; the
    /// list is saved only if more than progress changed.
    pub fn update(&self, entry: TaskEntry, change: impl FnOnce(&mut TaskRecord)) {
        let save = entry.record.try_maybe_update(|task| {
            let before = task.clone();
            change(task);
            (*task != before, !task.same_outcome(&before))
        });
        if save == Some(true) {
            self.save_soon();
        }
    }

    /// How many tasks of batch `id` have finished (tracked, on each task's
    /// running state only: a progress update does not recount).
    pub fn batch_finished(&self, id: &str) -> usize {
        self.entries.with(|entries| {
            entries
                .iter()
                .filter(|e| {
                    // A task's batch never changes.
                    e.record
                        .try_with_untracked(|t| t.batch.as_ref().is_some_and(|b| b.id == id))
                        .unwrap_or(false)
                        && !e.running.try_get().unwrap_or(true)
                })
                .count()
        })
    }

    /// Merges the tasks of a history file in ([`history::merge`]) and saves.
    pub fn import(&self, tasks: Vec<TaskRecord>) -> history::Imported {
        self.read_all();
        let (merged, report) = history::merge(&self.snapshot(), tasks);
        self.replace(merged);
        self.save_soon();
        report
    }

    /// Every task, newest first, as saved (for the history file).
    pub fn records(&self) -> Vec<TaskRecord> {
        self.read_all();
        self.snapshot().tasks
    }

    /// Remembers how long a finished task took, for later estimates.
    pub fn remember(&self, sample: Sample) {
        self.history.update(|h| format::remember_sample(h, sample));
        self.save_soon();
    }

    /// What would be saved now.
    fn snapshot(&self) -> Envelope {
        Envelope {
            tasks: self.entries.with_untracked(|e| {
                e.iter()
                    .filter_map(|t| t.record.try_get_untracked())
                    .collect()
            }),
            history: self.history.get_untracked(),
            removed: self.removed.get_value(),
            ..Envelope::default()
        }
    }

    /// Saves at the end of the current turn, once however many changes ask for it.
    fn save_soon(&self) {
        if self.save_queued.get_value() {
            return;
        }
        self.save_queued.set_value(true);
        let store = *self;
        set_timeout(
            move || {
                // Gone with its page (or a test's mount): nothing to save.
                if store.save_queued.try_set_value(false).is_none() {
                    store.save();
                }
            },
            Duration::ZERO,
        );
    }

    /// Writes the list to `localStorage`, unless it is what is there already.
    fn save(&self) {
        self.read_all();
        let Ok(text) = serde_json::to_string(&self.snapshot()) else {
            return;
        };
        if self.saved.with_value(|s| *s == text) {
            return;
        }
        let written = self
            .key
            .with_value(|key| storage::local().is_some_and(|s| s.set_item(key, &text).is_ok()));
        if written {
            self.saved.set_value(text);
        } else {
            self.problem.set(Some(
                "This browser did not let the page save the task list (storage full or disabled): tasks submitted now will not be listed after a reload.".to_owned(),
            ));
        }
    }

    /// Another tab saved the list: merge it with ours.
    fn other_tab_saved(&self, raw: Option<String>) {
        self.read_all();
        let Some(raw) = raw else {
            // Cleared (site data deleted): start empty like a fresh page.
            self.saved.set_value(String::new());
            self.removed.set_value(Vec::new());
            self.replace(Envelope::default());
            return;
        };
        if self.saved.with_value(|s| *s == raw) {
            return;
        }
        let theirs = match format::decode(&raw) {
            Ok(theirs) => theirs,
            // Written by a newer page in another tab, or damaged there: leave it alone.
            Err(StorageError::TooNew(_) | StorageError::Corrupt(_)) => return,
        };
        self.saved.set_value(raw);
        let merged = format::merge(&self.snapshot(), theirs);
        self.replace(merged);
        // Ours had something theirs lacked: save the union for everyone.
        self.save_soon();
    }

    /// Makes the store hold `envelope`, reusing the signals of tasks it
    /// already has (so their rows stay as they are unless they changed).
    fn replace(&self, mut envelope: Envelope) {
        envelope.sort();
        let old = self.entries.get_untracked();
        let mut by_id: HashMap<String, TaskEntry> = old.iter().map(|t| (t.id(), *t)).collect();
        let entries = envelope
            .tasks
            .into_iter()
            .map(|record| match by_id.remove(&record.task_id) {
                Some(entry) => {
                    entry.record.maybe_update(|r| {
                        let changed = *r != record;
                        *r = record;
                        changed
                    });
                    entry
                }
                None => self.new_entry(record),
            })
            .collect::<Vec<_>>();
        if entries != old {
            self.entries.set(entries);
        }
        self.history.maybe_update(|h| {
            let changed = *h != envelope.history;
            *h = envelope.history;
            changed
        });
        self.removed.set_value(envelope.removed);
    }

    fn new_entry(&self, record: TaskRecord) -> TaskEntry {
        let entry = move || {
            let record = RwSignal::new(record);
            TaskEntry {
                record,
                running: Memo::new(move |_| record.with(TaskRecord::is_running)),
                result: Memo::new(move |_| record.with(|t| result_url(t).is_some())),
                copy: RwSignal::new(CopyState::Unknown),
            }
        };
        // Owned by the studio while it is mounted; an unmounted one's
        // late callers get entries nothing will show.
        match self.owner.with_value(WeakOwner::upgrade) {
            Some(owner) => owner.with(entry),
            None => entry(),
        }
    }
}
