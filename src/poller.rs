//! Polling: one timer per running task, driven by the contract's schedule
//! (`avatar_api::poll::Policy`). A poller is a component keyed by task id,
//! so removing a task or seeing it finish unmounts it and its timer.

use avatar_api::estimate::{Sample, progress};
use avatar_api::poll::{Check, Policy};
use avatar_api::{Task, TaskStatus};
use leptos::prelude::*;
use leptos_use_document_visibility::use_document_visibility;
use leptos_use_timeout_fn::use_timeout_fn;
use web_sys::VisibilityState;

use crate::api::ApiError;
use crate::app::{Ctx, now_ms};
use crate::settings::notify;
use crate::storage::TaskRecord;
use crate::store::TaskEntry;

/// Shared by all pollers: page visibility and requests in flight.
#[derive(Clone, Copy)]
struct PollShared {
    hidden: Signal<bool>,
    in_flight: StoredValue<usize>,
}

/// Renders one poller per running task.
#[component]
pub fn Pollers() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let visibility = use_document_visibility();
    provide_context(PollShared {
        hidden: Signal::derive(move || visibility.get() == VisibilityState::Hidden),
        in_flight: StoredValue::new(0),
    });
    let running = Memo::new(move |_| ctx.tasks.running());
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
    busy: bool,
}

/// Checks one task on the contract's schedule until it is final or removed.
#[component]
fn TaskPoller(entry: TaskEntry) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = entry.id();
    let (submitted_ms, shape) = entry.record.with_untracked(|t| (t.submitted_ms, t.shape()));
    let shared = expect_context::<PollShared>();
    let policy = Policy::default();
    let state = StoredValue::new(PollState::default());
    let delay = RwSignal::new(0.0);
    let fire = RwSignal::new(0u32);
    let timer = use_timeout_fn(move |()| fire.update(|n| *n += 1), delay);
    let start = timer.start.clone();

    // Arms the timer for the next check.
    let schedule = move |wait_ms: u64| {
        if delay.try_set(wait_ms as f64).is_some() {
            return; // Unmounted meanwhile.
        }
        start(());
    };
    let next_delay = move || -> u64 {
        let s = state.get_value();
        let Some(reported) = entry.record.try_with_untracked(|t| t.progress) else {
            return policy.max_delay_ms; // Removed meanwhile.
        };
        let typical = untrack(|| ctx.tasks.typical_total_ms(shape.as_ref()));
        let elapsed = now_ms().saturating_sub(submitted_ms);
        let estimate = progress(elapsed, reported, typical);
        policy.next_delay_ms(&Check {
            checks_done: s.checks_done,
            elapsed_ms: elapsed,
            expected_total_ms: estimate.expected_total_ms,
            progress_reported: estimate.reported,
            failures: s.failures,
            retry_after_ms: s.retry_after_ms,
            hidden: shared.hidden.get_untracked(),
            random: js_sys::Math::random(),
        })
    };

    let check = {
        let id = id.clone();
        let schedule = schedule.clone();
        move || {
            if state.with_value(|s| s.busy) {
                return;
            }
            if shared.in_flight.get_value() >= policy.max_in_flight {
                // Too many requests out: try again shortly.
                schedule(250 + (js_sys::Math::random() * 750.0) as u64);
                return;
            }
            state.update_value(|s| s.busy = true);
            shared.in_flight.update_value(|n| *n += 1);
            let client = ctx.client();
            let id = id.clone();
            let schedule = schedule.clone();
            leptos::task::spawn_local(async move {
                let result = client.task(&id).await;
                shared.in_flight.update_value(|n| *n = n.saturating_sub(1));
                let keep_going = apply(ctx, entry, result, state);
                let alive = state.try_update_value(|s| s.busy = false).is_some();
                if alive && keep_going {
                    schedule(next_delay());
                }
            });
        }
    };

    // The timer fired: check now.
    Effect::watch(
        move || fire.get(),
        {
            let check = check.clone();
            move |_, _, _| check()
        },
        false,
    );
    // Back from the background: check at once instead of waiting.
    let stop = timer.stop.clone();
    Effect::watch(
        move || shared.hidden.get(),
        {
            let check = check.clone();
            move |hidden: &bool, was_hidden: Option<&bool>, _| {
                if !*hidden && was_hidden == Some(&true) {
                    stop();
                    check();
                }
            }
        },
        false,
    );
    // First check: soon after submit, or at once for a task found on load.
    let first = if now_ms().saturating_sub(submitted_ms) > 5_000 {
        0
    } else {
        next_delay()
    };
    schedule(first);
}

/// Applies a status check to the saved task; true while it should continue.
fn apply(
    ctx: Ctx,
    entry: TaskEntry,
    result: Result<Task, ApiError>,
    state: StoredValue<PollState>,
) -> bool {
    let now = now_ms();
    match result {
        Ok(remote) => {
            let _ = state.try_update_value(|s| {
                s.checks_done += 1;
                s.failures = 0;
                s.retry_after_ms = None;
            });
            let mut finished = None;
            let mut sample = None;
            ctx.tasks.update(entry, |task| {
                let was_final = task.status.is_final();
                task.status = remote.status.clone();
                if let Some(p) = remote.progress() {
                    task.progress = Some(p);
                }
                task.check_problem = None;
                if remote.video_url.is_some() {
                    task.video_url = remote.video_url.clone();
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
                            (Some(a), Some(b)) if b > a => (b - a) as u64 * 1000,
                            _ => now.saturating_sub(task.submitted_ms),
                        };
                        sample = Some(Sample { shape, took_ms });
                    }
                }
            });
            if let Some(sample) = sample {
                ctx.tasks.remember(sample);
            }
            if let Some(task) = finished {
                announce_final(ctx, &task);
                return false;
            }
            !remote.status.is_final()
        }
        Err(ApiError::NotFound) => {
            ctx.tasks.update(entry, |task| {
                task.unknown = true;
                task.check_problem = None;
            });
            ctx.say("A task is no longer known to the API; the page stopped checking it.");
            false
        }
        Err(e) => {
            let _ = state.try_update_value(|s| {
                s.checks_done += 1;
                s.failures += 1;
                s.retry_after_ms = e.retry_after_ms();
            });
            let text = format!("Last check failed: {e} Retrying automatically.");
            ctx.tasks
                .update(entry, |task| task.check_problem = Some(text));
            true
        }
    }
}

/// Tells the user (screen reader, notification) that a task finished.
fn announce_final(ctx: Ctx, task: &TaskRecord) {
    let (text, title) = match task.status {
        TaskStatus::Completed => (
            format!("Your {} video is ready.", task.model.label()),
            "Video ready",
        ),
        TaskStatus::Failed => (
            format!(
                "A {} task failed; its {} credits were refunded.",
                task.model.label(),
                task.credits
            ),
            "Video failed",
        ),
        _ => (
            format!("A {} task was cancelled.", task.model.label()),
            "Task cancelled",
        ),
    };
    notify(ctx, title, &text);
    ctx.say(text);
}
