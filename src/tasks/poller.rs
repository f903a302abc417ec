//! Polling: one loop per running task, driven by the contract's schedule
//! (`avatar_api::poll::Policy`). A poller is a component keyed by task id,
//! so removing a task or seeing it finish unmounts it and its timer.
//!
//! What a failed check means decides what happens next:
//! - 401 (with a key): checks pause for every task until the key changes;
//!   they pause too while the browser is offline, and run at once when it
//!   is back;
//! - 404 with the API's JSON: the API no longer knows the task: stop;
//! - 400, 410: stop, with the API's reason; the row offers "Check again";
//! - anything else (5xx, 429, 403, network, CORS, an unreadable answer):
//!   back off (full jitter, `Retry-After` wins) and say so in the row.
//!
//! No task is checked forever: automatic checks end
//! [`AUTO_CHECK_LIMIT_MS`] after submit, and the row offers "Check again".
//! A finished task without a usable link is re-checked a few times before
//! it is shown as finished without a video.

use std::cell::RefCell;
use std::rc::Rc;

use avatar_api::TaskStatus;
use avatar_api::estimate::{Sample, progress};
use avatar_api::poll::{Check, Policy};
use leptos::prelude::*;
use leptos_use_document_visibility::use_document_visibility;
use web_sys::VisibilityState;

use crate::api::{ApiError, TaskAnswer};
use crate::ctx::{Announcer, Connection, SettingsState, now_ms};
use crate::tasks::record::TaskRecord;
use crate::tasks::store::{TaskEntry, TaskStore};

pub use avatar_api::poll::{AUTO_CHECK_LIMIT_MS, taking_long};

/// How many times a "completed" answer without a usable link is re-checked
/// before the task is shown as finished without a video.
const LINKLESS_RECHECKS: u32 = 3;
/// Delay between those re-checks.
const LINKLESS_DELAY_MS: u64 = 2_000;

/// Shared by all pollers: page visibility and requests in flight.
#[derive(Clone, Copy)]
struct PollShared {
    hidden: Signal<bool>,
    in_flight: StoredValue<usize>,
}

/// One request slot of [`PollShared::in_flight`], given back when dropped,
/// whatever way the check ends.
struct Slot(StoredValue<usize>);

impl Slot {
    fn take(counter: StoredValue<usize>) -> Slot {
        counter.update_value(|n| *n += 1);
        Slot(counter)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let _ = self.0.try_update_value(|n| *n = n.saturating_sub(1));
    }
}

/// Renders one poller per running task.
#[component]
pub fn Pollers() -> impl IntoView {
    let checks = Checks::from_context();
    let visibility = use_document_visibility();
    provide_context(PollShared {
        hidden: Signal::derive(move || visibility.get() == VisibilityState::Hidden),
        in_flight: StoredValue::new(0),
    });
    let running = Memo::new(move |_| checks.tasks.running());
    view! {
        <For each=move || running.get() key=|entry| entry.record let:entry>
            <TaskPoller entry/>
        </For>
    }
}

/// Per-task schedule state.
#[derive(Clone, Copy, Default)]
struct PollState {
    checks_done: u32,
    failures: u32,
    retry_after_ms: Option<u64>,
    linkless: u32,
}

/// What a check's answer asks of the schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Keep to the schedule.
    Schedule,
    /// Check again after this delay.
    After(u64),
    /// Stop: final, unknown, stopped, or paused.
    Stop,
}

/// What a status check touches: the connection, the task list, the
/// announcer and the notification choice. Taken from the context where a
/// component is made, so event handlers and futures can carry it.
#[derive(Clone, Copy)]
pub struct Checks {
    conn: Connection,
    tasks: TaskStore,
    announcer: Announcer,
    notify: RwSignal<bool>,
}

impl Checks {
    /// The handles from the current component's context.
    pub fn from_context() -> Checks {
        Checks {
            conn: expect_context::<Connection>(),
            tasks: expect_context::<TaskStore>(),
            announcer: expect_context::<Announcer>(),
            notify: expect_context::<SettingsState>().notify,
        }
    }
}

/// Checks one task on the contract's schedule until it is final, removed,
/// or past [`AUTO_CHECK_LIMIT_MS`]: one loop, [`poll`], woken early when
/// the page comes back from the background or a rejected key is replaced.
#[component]
fn TaskPoller(entry: TaskEntry) -> impl IntoView {
    let checks = Checks::from_context();
    let shared = expect_context::<PollShared>();
    // No check is sent while the key is rejected or the browser is offline.
    let paused = Memo::new(move |_| checks.conn.key_rejected() || !checks.conn.online.get());
    let alarm = Alarm::default();
    Effect::watch(
        move || (shared.hidden.get(), paused.get()),
        {
            let alarm = alarm.clone();
            move |&(hidden, paused): &(bool, bool), before: Option<&(bool, bool)>, _| {
                if let Some(&(was_hidden, was_paused)) = before
                    && !hidden
                    && !paused
                    && (was_hidden || was_paused)
                {
                    alarm.ring();
                }
            }
        },
        false,
    );
    // Lives as long as this component: the loop ends when it is gone.
    let alive = StoredValue::new(());
    leptos::task::spawn_local(poll(checks, shared, entry, paused.into(), alive, alarm));
}

/// The polling loop of one task.
async fn poll(
    checks: Checks,
    shared: PollShared,
    entry: TaskEntry,
    paused: Signal<bool>,
    alive: StoredValue<()>,
    alarm: Alarm,
) {
    let policy = Policy::default();
    let Some((id, submitted_ms, shape)) = entry
        .record
        .try_with_untracked(|t| (t.task_id.clone(), t.submitted_ms, t.shape()))
    else {
        return;
    };
    let mut state = PollState::default();
    let next_delay = |state: &PollState| -> u64 {
        let reported = entry.record.try_with_untracked(|t| t.progress).flatten();
        let typical = untrack(|| checks.tasks.typical_total_ms(shape.as_ref()));
        let elapsed = now_ms().saturating_sub(submitted_ms);
        let estimate = progress(elapsed, reported, typical);
        policy.next_delay_ms(&Check {
            checks_done: state.checks_done,
            elapsed_ms: elapsed,
            expected_total_ms: estimate.expected_total_ms,
            progress_reported: estimate.reported,
            failures: state.failures,
            retry_after_ms: state.retry_after_ms,
            hidden: shared.hidden.get_untracked(),
            random: js_sys::Math::random(),
        })
    };
    // `None`: no check is due until the alarm rings (paused, stopped, or
    // past the limit: the row then offers "Check again").
    let within_limit = |wait_ms: u64| {
        now_ms()
            .saturating_add(wait_ms)
            .saturating_sub(submitted_ms)
            <= AUTO_CHECK_LIMIT_MS
    };
    // First check: soon after submit, or at once for a task found on load.
    let first = if now_ms().saturating_sub(submitted_ms) > 5_000 {
        0
    } else {
        next_delay(&state)
    };
    let mut wait = Some(first).filter(|ms| within_limit(*ms));
    loop {
        let rung = alarm.sleep(wait).await;
        if alive.try_get_value().is_none() {
            return;
        }
        if wait.is_none() && !rung {
            continue; // Only the heartbeat that lets a gone poller end.
        }
        if paused.get_untracked() {
            wait = None;
            continue;
        }
        if shared.in_flight.get_value() >= policy.max_in_flight {
            // Too many requests out: try again shortly.
            wait = Some(250 + (js_sys::Math::random() * 750.0) as u64);
            continue;
        }
        let slot = Slot::take(shared.in_flight);
        let result = checks.conn.client().task(&id).await;
        drop(slot);
        if alive.try_get_value().is_none() {
            return;
        }
        wait = match apply(checks, entry, result, Some(&mut state)) {
            Next::Schedule => Some(next_delay(&state)),
            Next::After(ms) => Some(ms),
            Next::Stop => None,
        }
        .filter(|ms| within_limit(*ms));
    }
}

/// What a poller sleeps on: a timer that [`Alarm::ring`] ends early.
#[derive(Clone, Default)]
struct Alarm(Rc<RefCell<Option<js_sys::Function>>>);

impl Alarm {
    /// How often a poller with nothing due wakes to see whether it is gone.
    const HEARTBEAT_MS: u64 = 30_000;

    /// Sleeps `ms` (or a heartbeat, for `None`) or until rung; true when rung.
    async fn sleep(&self, ms: Option<u64>) -> bool {
        let ms = ms.unwrap_or(Self::HEARTBEAT_MS).min(i32::MAX as u64) as i32;
        let waker = self.0.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            *waker.borrow_mut() = Some(resolve);
        });
        let woken = wasm_bindgen_futures::JsFuture::from(promise).await;
        woken.ok().is_some_and(|v| v.is_truthy())
    }

    /// Ends the current sleep now.
    fn ring(&self) {
        if let Some(resolve) = self.0.borrow_mut().take() {
            let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::TRUE);
        }
    }
}

/// Checks a task once, now ("Check now", "Check again"), outside the schedule.
pub fn check_now(checks: Checks, entry: TaskEntry) {
    let Some(id) = entry.record.try_with_untracked(|t| t.task_id.clone()) else {
        return;
    };
    let client = checks.conn.client();
    checks
        .tasks
        .update(entry, |t| t.check_problem = Some("Checking…".to_owned()));
    leptos::task::spawn_local(async move {
        let result = client.task(&id).await;
        apply(checks, entry, result, None);
    });
}

/// Applies a status check to the saved task and says what the schedule
/// should do next. `state` is the poller's (absent for a manual check).
fn apply(
    checks: Checks,
    entry: TaskEntry,
    result: Result<TaskAnswer, ApiError>,
    mut state: Option<&mut PollState>,
) -> Next {
    let now = now_ms();
    let scheduled = state.is_some();
    match result {
        Ok(TaskAnswer {
            task: remote,
            excerpt,
        }) => {
            if let Some(s) = state.as_deref_mut() {
                s.checks_done += 1;
                s.failures = 0;
                s.retry_after_ms = None;
            }
            let link = remote.usable_video_url().map(str::to_owned);
            if remote.status == TaskStatus::Completed && link.is_none() {
                let linkless = state.as_deref_mut().map_or(LINKLESS_RECHECKS + 1, |s| {
                    s.linkless += 1;
                    s.linkless
                });
                if linkless <= LINKLESS_RECHECKS {
                    checks.tasks.update(entry, |t| {
                        t.stopped = None;
                        t.check_problem = Some(
                            "The API says it is finished; waiting for the video link…".to_owned(),
                        );
                    });
                    return Next::After(LINKLESS_DELAY_MS);
                }
            }
            let mut finished = None;
            let mut sample = None;
            checks.tasks.update(entry, |task| {
                let was_final = task.status.is_final();
                task.status = remote.status.clone();
                task.stopped = None;
                if let Some(p) = remote.progress() {
                    task.progress = Some(p);
                }
                task.check_problem = None;
                if link.is_some() {
                    task.video_url = link.clone();
                }
                if task.status == TaskStatus::Completed && task.video_url.is_none() {
                    task.answer = Some(excerpt.clone());
                }
                if remote.error.is_some() {
                    task.error = remote.error.clone();
                }
                if task.status.is_final() && !was_final {
                    task.finished_ms = Some(now);
                    finished = Some(task.clone());
                    if task.status == TaskStatus::Completed
                        && let Some(shape) = task.shape()
                    {
                        let took_ms = match (remote.created_at, remote.completed_at) {
                            (Some(a), Some(b)) if b > a => b.abs_diff(a).saturating_mul(1000),
                            _ => now.saturating_sub(task.submitted_ms),
                        };
                        sample = Some(Sample { shape, took_ms });
                    }
                }
            });
            if let Some(sample) = sample {
                checks.tasks.remember(sample);
            }
            if let Some(task) = finished {
                announce_final(checks, &task);
                return Next::Stop;
            }
            if remote.status.is_final() {
                Next::Stop
            } else {
                Next::Schedule
            }
        }
        Err(ApiError::NotFound) => {
            checks.tasks.update(entry, |task| {
                task.unknown = true;
                task.check_problem = None;
            });
            checks
                .announcer
                .say("A task is no longer known to the API; the page stopped checking it.");
            Next::Stop
        }
        Err(ApiError::Rejected) if checks.conn.wants_key() => {
            let key = checks.conn.api_key.get_untracked();
            if checks.conn.rejected_key.get_untracked().as_ref() != Some(&key) {
                checks.conn.rejected_key.set(Some(key));
                checks.announcer.error(
                    "The API rejected the key while checking your tasks: checks are paused until you change the key in Settings.",
                );
            }
            checks.tasks.update(entry, |t| {
                t.check_problem = Some(
                    "Checks paused: the API rejected the key. They resume when you change it in Settings."
                        .to_owned(),
                );
            });
            Next::Stop
        }
        Err(e @ (ApiError::Invalid(_) | ApiError::Gone(_))) => {
            let reason = format!("Automatic checks stopped: {e}");
            checks.tasks.update(entry, |t| {
                t.check_problem = None;
                t.stopped = Some(reason);
            });
            Next::Stop
        }
        Err(e) => {
            if let Some(s) = state {
                s.checks_done += 1;
                s.failures += 1;
                s.retry_after_ms = e.retry_after_ms();
            }
            let text = if scheduled {
                format!("Last check failed: {e} Retrying automatically.")
            } else {
                format!("Check failed: {e}")
            };
            checks
                .tasks
                .update(entry, |task| task.check_problem = Some(text));
            Next::Schedule
        }
    }
}

/// Tells the user (screen reader, notification) that a task finished.
fn announce_final(checks: Checks, task: &TaskRecord) {
    let (text, title) = match task.status {
        TaskStatus::Completed => (
            format!("Your {} video is ready.", task.model().label()),
            "Video ready",
        ),
        TaskStatus::Failed => (
            format!(
                "A {} task failed; its {} credits were refunded.",
                task.model().label(),
                task.credits
            ),
            "Video failed",
        ),
        TaskStatus::Expired => (
            format!("A {} task expired at the provider.", task.model().label()),
            "Task expired",
        ),
        _ => (
            format!("A {} task was cancelled.", task.model().label()),
            "Task cancelled",
        ),
    };
    notify(checks, title, &text);
    checks.announcer.say(text);
}

/// Shows a notification when allowed and the page is hidden.
fn notify(checks: Checks, title: &str, body: &str) {
    let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
    if !checks.notify.get_untracked()
        || !hidden
        || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
    {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    let _ = web_sys::Notification::new_with_options(title, &options);
}
