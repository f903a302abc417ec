//! Polling: one loop per running task, driven by the contract's schedule
//! (`avatar_api::poll::Policy`) and the page's [`Clock`]. A poller is a
//! component keyed by task id, so removing a task or seeing it finish
//! unmounts it and its timer. What an answer or a failure does to the task
//! is [`crate::tasks::life::apply`]'s to say; the poller only runs timers
//! and carries out the [`Change`] it returns.
//!
//! Checks pause while the key is rejected or the browser is offline, and
//! run at once when that ends or the page comes back from the background.
//! No task is checked forever: automatic checks end
//! [`AUTO_CHECK_LIMIT_MS`] after submit, and the row offers "Check again".

use std::cell::RefCell;
use std::rc::Rc;

use avatar_api::TaskStatus;
use avatar_api::estimate::progress;
use avatar_api::poll::{Check, Policy};
use leptos::prelude::*;
use leptos_use_document_visibility::use_document_visibility;
use web_sys::VisibilityState;

use crate::api::{ApiError, TaskAnswer};
use crate::ctx::{Announcer, Clock, Connection};
use crate::tasks::life::{self, Event, Next, Schedule};
use crate::tasks::record::TaskRecord;
use crate::tasks::store::{TaskEntry, TaskStore};

pub use avatar_api::poll::{AUTO_CHECK_LIMIT_MS, taking_long};

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
    let checks = StatusChecks::from_context();
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

/// What a status check touches: the connection, the task list, the
/// announcer and the clock. Taken from the context where a component is
/// made, so event handlers and futures can carry it.
#[derive(Clone, Copy)]
pub struct StatusChecks {
    conn: Connection,
    tasks: TaskStore,
    announcer: Announcer,
    clock: Clock,
}

impl StatusChecks {
    /// The handles from the current component's context.
    pub fn from_context() -> StatusChecks {
        StatusChecks {
            conn: expect_context::<Connection>(),
            tasks: expect_context::<TaskStore>(),
            announcer: expect_context::<Announcer>(),
            clock: expect_context::<Clock>(),
        }
    }
}

/// Checks one task on the contract's schedule until it is final, removed,
/// or past [`AUTO_CHECK_LIMIT_MS`]: one loop, [`poll`], woken early when
/// the page comes back from the background or a rejected key is replaced.
#[component]
fn TaskPoller(entry: TaskEntry) -> impl IntoView {
    let checks = StatusChecks::from_context();
    let shared = expect_context::<PollShared>();
    // No check is sent while the key is rejected or the browser is offline.
    let paused = Memo::new(move |_| checks.conn.key_rejected() || !checks.conn.online.get());
    let alarm = Alarm::new(checks.clock);
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
    checks: StatusChecks,
    shared: PollShared,
    entry: TaskEntry,
    paused: Signal<bool>,
    alive: StoredValue<()>,
    alarm: Alarm,
) {
    let policy = Policy::default();
    let Some((id, kind, submitted_ms, shape)) = entry.record.try_with_untracked(|t| {
        let kind = t.request.kind();
        (t.task_id.clone(), kind, t.submitted_ms, t.shape())
    }) else {
        return;
    };
    let clock = checks.clock;
    let mut schedule = Schedule::default();
    let next_delay = |state: &Schedule| -> u64 {
        let reported = entry.record.try_with_untracked(|t| t.progress).flatten();
        let typical = untrack(|| checks.tasks.typical_total_ms(shape.as_ref()));
        let elapsed = clock.exact().saturating_sub(submitted_ms);
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
        clock
            .exact()
            .saturating_add(wait_ms)
            .saturating_sub(submitted_ms)
            <= AUTO_CHECK_LIMIT_MS
    };
    // First check: soon after submit, or at once for a task found on load.
    let first = if clock.exact().saturating_sub(submitted_ms) > 5_000 {
        0
    } else {
        next_delay(&schedule)
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
        let result = checks.conn.client().task(kind, &id).await;
        drop(slot);
        if alive.try_get_value().is_none() {
            return;
        }
        wait = match apply(checks, entry, result, Some(&mut schedule)) {
            Next::Schedule => Some(next_delay(&schedule)),
            Next::After(ms) => Some(ms),
            Next::Stop => None,
        }
        .filter(|ms| within_limit(*ms));
    }
}

/// What a poller sleeps on: a timer of the page's [`Clock`] that
/// [`Alarm::ring`] ends early.
#[derive(Clone)]
struct Alarm {
    clock: Clock,
    waker: Rc<RefCell<Option<js_sys::Function>>>,
}

impl Alarm {
    /// How often a poller with nothing due wakes to see whether it is gone.
    const HEARTBEAT_MS: u64 = 30_000;

    fn new(clock: Clock) -> Alarm {
        Alarm {
            clock,
            waker: Rc::default(),
        }
    }

    /// Sleeps `ms` (or a heartbeat, for `None`) or until rung; true when rung.
    async fn sleep(&self, ms: Option<u64>) -> bool {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            self.clock
                .set_timer(&resolve, ms.unwrap_or(Self::HEARTBEAT_MS));
            *self.waker.borrow_mut() = Some(resolve);
        });
        let woken = wasm_bindgen_futures::JsFuture::from(promise).await;
        woken.ok().is_some_and(|v| v.is_truthy())
    }

    /// Ends the current sleep now.
    fn ring(&self) {
        if let Some(resolve) = self.waker.borrow_mut().take() {
            let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::TRUE);
        }
    }
}

/// Checks a task once, now ("Check now", "Check again"), outside the schedule.
pub fn check_now(checks: StatusChecks, entry: TaskEntry) {
    let Some((id, kind)) = entry
        .record
        .try_with_untracked(|t| (t.task_id.clone(), t.request.kind()))
    else {
        return;
    };
    let client = checks.conn.client();
    checks
        .tasks
        .update(entry, |t| t.check_problem = Some("Checking…".to_owned()));
    leptos::task::spawn_local(async move {
        let result = client.task(kind, &id).await;
        apply(checks, entry, result, None);
    });
}

/// Applies a status check to the saved task ([`life::apply`]) and carries
/// out what else it asks; says what the schedule should do next.
/// `schedule` is the poller's (absent for a manual check).
fn apply(
    checks: StatusChecks,
    entry: TaskEntry,
    result: Result<TaskAnswer, ApiError>,
    schedule: Option<&mut Schedule>,
) -> Next {
    let with_key = checks.conn.wants_key();
    let now = checks.clock.exact();
    let mut change = None;
    checks.tasks.update(entry, |task| {
        change = Some(life::apply(task, result, schedule, with_key, now));
    });
    // Removed meanwhile: nothing more to do.
    let Some(change) = change else {
        return Next::Stop;
    };
    if let Some(sample) = change.sample {
        checks.tasks.remember(sample);
    }
    match change.event {
        Some(Event::Finished) => {
            if let Some(task) = entry.record.try_get_untracked() {
                announce_final(checks, &task);
            }
        }
        Some(Event::Forgotten) => checks
            .announcer
            .say("A task is no longer known to the API; the page stopped checking it."),
        Some(Event::KeyRejected) => {
            let key = checks.conn.api_key.get_untracked();
            if checks.conn.rejected_key.get_untracked().as_ref() != Some(&key) {
                checks.conn.rejected_key.set(Some(key));
                checks.announcer.error(
                    "The API rejected the key while checking your tasks: checks are paused until you change the key in Settings.",
                );
            }
        }
        None => {}
    }
    change.next
}

/// Tells the user (screen reader, notification) that a task finished.
fn announce_final(checks: StatusChecks, task: &TaskRecord) {
    let status = task.state.reported().cloned().unwrap_or_default();
    let (text, title) = match status {
        TaskStatus::Completed => (
            format!("Your {} video is ready.", task.request.label()),
            "Video ready",
        ),
        TaskStatus::Failed => (
            format!(
                "A {} task failed; its {} credits were refunded.",
                task.request.label(),
                task.credits
            ),
            "Video failed",
        ),
        TaskStatus::Expired => (
            format!("A {} task expired at the provider.", task.request.label()),
            "Task expired",
        ),
        _ => (
            format!("A {} task was cancelled.", task.request.label()),
            "Task cancelled",
        ),
    };
    notify(checks, title, &text);
    checks.announcer.say(text);
}

/// Shows a notification when allowed and the page is hidden.
fn notify(checks: StatusChecks, title: &str, body: &str) {
    let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
    if !checks.announcer.notify.get_untracked()
        || !hidden
        || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
    {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    let _ = web_sys::Notification::new_with_options(title, &options);
}
