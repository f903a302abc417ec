//! One task's row: its head (model, status, parameters, batch, credits),
//! what it came to ([`task_outcome`]: progress while running, the video,
//! the provider's error, or why checks stopped) and its actions.
//! Each part reads only its own task's record, so an update to another
//! task never touches it.

use avatar_api::estimate::{format_duration, progress};
use avatar_api::validate::is_http_url;
use avatar_api::{Kind, TaskStatus};
use leptos::prelude::*;

use crate::captions::view::CaptionsMade;
use crate::ctx::{Announcer, Clock, Connection, Draft};
use crate::form::Form;
use crate::tasks::made::made;
use crate::tasks::poller::{AUTO_CHECK_LIMIT_MS, StatusChecks, check_now, taking_long};
use crate::tasks::record::{TaskRecord, TaskResult, TaskState, status_label};
use crate::tasks::saved::SavedCopies;
use crate::tasks::store::{TaskEntry, TaskStore};
use crate::tasks::video::ResultVideo;
use crate::widgets::{field_id, focus_id, handler};

/// One task's row.
#[component]
pub fn TaskRow(entry: TaskEntry) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let task = entry.record;
    let first = task.get_untracked();
    let id = first.task_id.clone();
    let thumb = first
        .request
        .thumbnail_url()
        .filter(|u| is_http_url(u))
        .map(str::to_owned);
    let row_id = format!("task-{id}");
    let status_key = Memo::new(move |_| task.with(|t| t.status_key().to_owned()));
    let running = Memo::new(move |_| task.with(TaskRecord::is_running));
    // A batch's rows say which one they are and how far the batch is.
    let batch = first.batch.clone().map(|tag| {
        let finished = Memo::new({
            let id = tag.id.clone();
            move |_| tasks.batch_finished(&id)
        });
        move || {
            format!(
                "Batch · variant {} of {} · {} of {} finished",
                tag.index,
                tag.size,
                finished.get(),
                tag.size
            )
        }
    });
    view! {
        <li
            class="task"
            id=row_id
            tabindex="-1"
            data-task-id=id.clone()
            data-status=move || status_key.get()
            aria-busy=move || running.get().to_string()
        >
            <div class="task-head">
                {thumb.clone().map(|src| view! { <img class="thumb" src=src alt="" loading="lazy"/> })}
                <div class="task-meta">
                    <div class="task-title">
                        <strong>{first.request.label()}</strong>
                        <span class=move || format!("badge {}", status_key.get())>
                            {move || task.with(status_label)}
                        </span>
                    </div>
                    <div class="task-sub">{first.request.summary()}</div>
                    {batch.map(|line| view! { <div class="task-sub batch-line">{line}</div> })}
                    <div class="task-sub muted">
                        {if first.request.is_estimate() {
                            format!("≈{} credits (estimate) · ", first.credits)
                        } else {
                            format!("{} credits · ", first.credits)
                        }}
                        <code class="task-id">{id.clone()}</code>
                    </div>
                </div>
            </div>
            {task_outcome(entry, thumb)}
            {row_actions(entry)}
        </li>
    }
    .into_any()
}

/// What the task came to, rebuilt when its state changes, not on every
/// progress tick (the result and error arrive with the final status).
fn task_outcome(entry: TaskEntry, poster: Option<String>) -> impl IntoView {
    let task = entry.record;
    let state = Memo::new(move |_| task.with(|t| t.state.clone()));
    move || {
        let t = task.get_untracked();
        let credits = t.credits;
        let status = match state.get() {
            TaskState::Reported(status) => status,
            TaskState::OutcomeUnknown(why) => return view! {
                <p class="task-error">{format!("No answer came back for this request, sent at {}: {why}", clock_time(t.submitted_ms))}</p>
                <p class="task-note">{format!("It may have been accepted and charged {credits} credits. Check your balance before sending it again: Generate asks first when the same request is sent again.")}</p>
            }.into_any(),
            TaskState::Forgotten => return view! {
                <p class="task-note">"The API no longer knows this task (it may have expired or belong to another key), so the page stopped checking it."</p>
            }.into_any(),
            TaskState::Stopped(reason) => return view! {
                <p class="task-error">{reason}</p>
                <div class="task-actions">{check_button(entry, "Check again")}</div>
            }
            .into_any(),
        };
        let provider_says = t
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .filter(|m| !m.is_empty());
        match status {
            TaskStatus::Completed => match t.result.as_ref().filter(|r| r.link().is_none_or(is_http_url)) {
                Some(TaskResult::Captions(_)) => view! { <CaptionsMade entry/> }.into_any(),
                Some(r) => made(&t, r).unwrap_or_else(|| {
                    view! { <ResultVideo entry url=r.link().unwrap_or_default().to_owned() poster=poster.clone()/> }.into_any()
                }),
                None => view! {
                    <p class="task-error">{match t.request.kind() {
                        Kind::Captions => "Finished, but the API sent no timed words (no segments).".to_owned(),
                        kind => format!("Finished, but the API gave no link to the {}.", kind.noun()),
                    }}</p>
                    {t.answer.clone().map(|a| view! { <p class="task-note">"It said: " <code class="answer">{a}</code></p> })}
                }.into_any(),
            },
            TaskStatus::Failed => view! {
                <p class="task-error">{provider_says.unwrap_or_else(|| "The provider did not say why.".to_owned())}</p>
                <p class="task-note">{format!("The {credits} credits were refunded.")}</p>
            }.into_any(),
            TaskStatus::Expired => view! {
                <p class="task-error">"The provider says this task expired."</p>
                {provider_says.map(|m| view! { <p class="task-note">{m}</p> })}
            }.into_any(),
            TaskStatus::Cancelled => view! { <p class="task-note">"This task was cancelled."</p> }.into_any(),
            _ => progress_of(entry).into_any(),
        }
    }
}

/// A running task's progress, time left, and what is slowing it.
fn progress_of(entry: TaskEntry) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let clock = expect_context::<Clock>();
    let conn = expect_context::<Connection>();
    let task = entry.record;
    let (submitted, shape) = task.with_untracked(|t| (t.submitted_ms, t.shape()));
    let estimate = move || {
        let reported = task.with(|t| t.progress);
        let elapsed = clock.now().saturating_sub(submitted);
        let typical = tasks.typical_total_ms(shape.as_ref());
        (elapsed, progress(elapsed, reported, typical))
    };
    let late = move || {
        let (elapsed, p) = estimate();
        if elapsed > AUTO_CHECK_LIMIT_MS {
            Some((
                "Automatic checks stopped: the task has run for more than 2 hours.",
                "Check again",
            ))
        } else if taking_long(elapsed, p.expected_total_ms) {
            Some(("Taking longer than usual.", "Check now"))
        } else {
            None
        }
    };
    let problem = move || task.with(|t| t.check_problem.clone());
    view! {
        {move || {
            let (elapsed, p) = estimate();
            let pct = (p.fraction * 100.0).floor() as u32;
            let left = if p.remaining_ms == 0 {
                "finishing…".to_owned()
            } else {
                format!("about {} left", format_duration(p.remaining_ms))
            };
            view! {
                <div class="progress-row">
                    <progress max="100" value=pct aria-label="Progress"></progress>
                    <span class="pct">{format!("{pct}%")}</span>
                </div>
                <p class="task-times">
                    {format!("Elapsed {} · {left}{}", format_duration(elapsed), if p.reported { "" } else { " (estimated)" })}
                </p>
            }.into_any()
        }}
        {move || late().map(|(text, label)| view! {
            <div class="task-late">
                <p class="task-note warn-text">{text}</p>
                {check_button(entry, label)}
            </div>
        }.into_any())}
        {move || problem().map(|p| view! { <p class="task-note warn-text">{p}</p> }.into_any())}
        {move || (!conn.online.get()).then(|| view! { <p class="task-note warn-text offline">{crate::api::OFFLINE}</p> }.into_any())}
    }
}

/// "Check now" / "Check again": one status check, outside the schedule.
fn check_button(entry: TaskEntry, label: &'static str) -> impl IntoView {
    let checks = StatusChecks::from_context();
    view! {
        <button type="button" class="btn small" on:click=handler(move |_| check_now(checks, entry))>{label}</button>
    }
}

/// "Reuse these parameters" and "Remove".
fn row_actions(entry: TaskEntry) -> impl IntoView {
    let announcer = expect_context::<Announcer>();
    let tasks = expect_context::<TaskStore>();
    let draft = expect_context::<Draft>();
    let saved = expect_context::<SavedCopies>();
    let id = entry.id();
    let is_video = entry.record.with_untracked(|t| t.request.video().is_some());
    let remove = {
        let id = id.clone();
        move |_| {
            // Its saved copy goes with it.
            saved.remove(entry);
            tasks.remove(&id);
            announcer.say("Task removed from the list.");
            focus_id("tasks-title");
        }
    };
    let reuse = move |_| {
        let Some(Some(request)) = entry
            .record
            .try_with_untracked(|t| t.request.video().cloned())
        else {
            return;
        };
        let form = Form::from_request(&request);
        let first_field = form.first_field();
        draft.replace(form);
        announcer.say("The task's parameters are in the form.");
        // After the form has re-rendered for the task's model and source.
        request_animation_frame(move || focus_id(&field_id(first_field.name())));
    };
    view! {
        <div class="task-actions secondary">
            {is_video.then(|| view! {
                <button type="button" class="btn small ghost" on:click=handler(reuse)>"Reuse these parameters"</button>
            })}
            <button type="button" class="btn small ghost danger" on:click=handler(remove)
                aria-label=format!("Remove task {id} from the list")>"Remove"</button>
        </div>
    }
}

/// The local time of day of a Unix-ms instant, `HH:MM:SS`.
fn clock_time(ms: u64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
