//! The task list: newest first, each row with its status, progress,
//! estimate, and once finished the video (or the provider's error).

use avatar_api::TaskStatus;
use avatar_api::estimate::{format_duration, progress};
use avatar_api::validate::is_http_url;
use leptos::prelude::*;

use crate::ctx::{Announcer, Clock, Connection, Draft};
use crate::form::Form;
use crate::saved::{Kept, SavedCopies, fetch_link, mark_removed, note, revoke};
use crate::tasks::poller::{AUTO_CHECK_LIMIT_MS, Checks, check_now, taking_long};
use crate::tasks::record::{TaskRecord, TaskState, status_label, summary};
use crate::tasks::store::TaskEntry;
use crate::tasks::store::TaskStore;
use crate::tasks::transfer::HistoryTools;
use crate::widgets::{CopyButton, PAGE, ShowMore, ShowWhen, effect, field_id, focus_id, handler};

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

/// The list of submitted tasks, newest first, a page at a time.
#[component]
pub fn TaskList() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let shown = RwSignal::new(PAGE);
    let count = move || tasks.len();
    let row_id = move |i: usize| {
        // "Show more" may reach past the tasks read so far.
        tasks.read_all();
        Some(format!("task-{}", tasks.newest(i + 1).get(i)?.id()))
    };
    view! {
        <section class="card tasks" aria-labelledby="tasks-title" aria-busy=move || tasks.loading().to_string()>
            <div class="card-head">
                <h2 id="tasks-title" tabindex="-1">"Your videos"</h2>
                <span class="muted">{move || match count() { 0 => String::new(), 1 => "1 task".to_owned(), n => format!("{n} tasks") }}</span>
            </div>
            <ShowWhen when=move || count() == 0>
                <div class="empty">
                    <div class="empty-art" aria-hidden="true"></div>
                    <p><strong>"No videos yet."</strong></p>
                    <p class="muted">"Pick a portrait and a speech clip, check the cost, and press Generate. Tasks are kept in this browser and keep updating after a reload."</p>
                </div>
            </ShowWhen>
            <ul class="task-list" aria-label="Tasks">
                <For each=move || tasks.newest(shown.get()) key=|entry| entry.record let:entry>
                    <TaskRow entry/>
                </For>
            </ul>
            <ShowMore total=Signal::derive(count) shown what="older" id_at=Callback::new(row_id)/>
            <HistoryTools/>
        </section>
    }
}

/// One task's row: it reads only its own record, so an update to another
/// task never touches it.
#[component]
pub fn TaskRow(entry: TaskEntry) -> impl IntoView {
    let announcer = expect_context::<Announcer>();
    let tasks = expect_context::<TaskStore>();
    let clock = expect_context::<Clock>();
    let draft = expect_context::<Draft>();
    let conn = expect_context::<Connection>();
    let checks = Checks::from_context();
    let task = entry.record;
    let first = task.get_untracked();
    let id = first.task_id.clone();
    let shape = first.shape();
    let thumb = first
        .request
        .thumbnail_url()
        .filter(|u| is_http_url(u))
        .map(str::to_owned);
    let details = summary(&first.request);
    let status_key = Memo::new(move |_| task.with(|t| t.status_key().to_owned()));
    let running = Memo::new(move |_| task.with(TaskRecord::is_running));
    let submitted = first.submitted_ms;
    let estimate = move || {
        let reported = task.with(|t| t.progress);
        let elapsed = clock.now().saturating_sub(submitted);
        let typical = tasks.typical_total_ms(shape.as_ref());
        (elapsed, progress(elapsed, reported, typical))
    };
    let row_id = format!("task-{id}");
    let saved = expect_context::<SavedCopies>();
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
    let reuse = {
        let request = first.request.clone();
        move |_| {
            let form = Form::from_request(&request);
            let first_field = form.first_field();
            draft.replace(form);
            announcer.say("The task's parameters are in the form.");
            // After the form has re-rendered for the task's model and source.
            request_animation_frame(move || focus_id(&field_id(first_field.name())));
        }
    };
    let credits = first.credits;
    let poster = thumb.clone();
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
    // Rebuilt when the status changes, not on every progress tick (the
    // result and error arrive together with the final status).
    let phase = Memo::new(move |_| task.with(|t| t.state.clone()));
    let check_button = move |label: &'static str| {
        view! {
            <button type="button" class="btn small" on:click=handler(move |_| check_now(checks, entry))>{label}</button>
        }
    };
    let outcome = move || {
        let t = task.get_untracked();
        let status = match phase.get() {
            TaskState::Reported(status) => status,
            TaskState::OutcomeUnknown { why } => return view! {
                <p class="task-error">{format!("No answer came back for this request, sent at {}: {why}", clock_time(t.submitted_ms))}</p>
                <p class="task-note">{format!("It may have been accepted and charged {credits} credits. Check your balance before sending it again: Generate asks first when the same request is sent again.")}</p>
            }.into_any(),
            TaskState::Forgotten => return view! {
                <p class="task-note">"The API no longer knows this task (it may have expired or belong to another key), so the page stopped checking it."</p>
            }.into_any(),
            TaskState::Stopped { reason } => return view! {
                <p class="task-error">{reason}</p>
                <div class="task-actions">{check_button("Check again")}</div>
            }
            .into_any(),
        };
        match &status {
            TaskStatus::Completed => match t.video_url.clone().filter(|u| is_http_url(u)) {
                Some(url) => view! { <ResultVideo entry url poster=poster.clone()/> }.into_any(),
                None => view! {
                    <p class="task-error">"Finished, but the API gave no video link."</p>
                    {t.answer.clone().map(|a| view! { <p class="task-note">"It said: " <code class="answer">{a}</code></p> })}
                }.into_any(),
            },
            TaskStatus::Failed => {
                let reason = t
                    .error
                    .as_ref()
                    .map(|e| e.message.clone())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "The provider did not say why.".to_owned());
                view! {
                    <p class="task-error">{reason}</p>
                    <p class="task-note">{format!("The {credits} credits were refunded.")}</p>
                }.into_any()
            }
            TaskStatus::Expired => view! {
                <p class="task-error">"The provider says this task expired."</p>
                {t.error.clone().map(|e| e.message).filter(|m| !m.is_empty()).map(|m| view! { <p class="task-note">{m}</p> })}
            }.into_any(),
            TaskStatus::Cancelled => view! { <p class="task-note">"This task was cancelled."</p> }.into_any(),
            _ => {
                let problem = move || task.with(|t| t.check_problem.clone());
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
                    {move || late().map(|(text, action)| view! {
                        <div class="task-late">
                            <p class="task-note warn-text">{text}</p>
                            {check_button(action)}
                        </div>
                    }.into_any())}
                    {move || problem().map(|p| view! { <p class="task-note warn-text">{p}</p> }.into_any())}
                    {move || (!conn.online.get()).then(|| view! { <p class="task-note warn-text offline">{Connection::OFFLINE}</p> }.into_any())}
                }.into_any()
            }
        }
    };
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
                {thumb.map(|src| view! { <img class="thumb" src=src alt="" loading="lazy"/> })}
                <div class="task-meta">
                    <div class="task-title">
                        <strong>{first.model().label()}</strong>
                        <span class=move || format!("badge {}", status_key.get())>
                            {move || task.with(status_label)}
                        </span>
                    </div>
                    <div class="task-sub">{details}</div>
                    {batch.map(|line| view! { <div class="task-sub batch-line">{line}</div> })}
                    <div class="task-sub muted">
                        {format!("{credits} credits · ")}
                        <code class="task-id">{id.clone()}</code>
                    </div>
                </div>
            </div>
            {outcome}
            <div class="task-actions secondary">
                <button type="button" class="btn small ghost" on:click=handler(reuse)>"Reuse these parameters"</button>
                <button type="button" class="btn small ghost danger" on:click=handler(remove)
                    aria-label=format!("Remove task {id} from the list")>"Remove"</button>
            </div>
        </li>
    }
    .into_any()
}

/// A finished task's video with its actions, and its copy saved in this
/// browser ([`crate::saved`]): once the provider's link no longer works
/// (the `<video>` fails to load it, or a check of the link when play is
/// pressed answers 403/404/410 or fails although the link was saved from
/// before), the row plays the copy from a `blob:` URL, revoked when the row
/// goes.
#[component]
fn ResultVideo(entry: TaskEntry, url: String, poster: Option<String>) -> impl IntoView {
    let saved = expect_context::<SavedCopies>();
    let tasks = expect_context::<TaskStore>();
    let conn = expect_context::<Connection>();
    saved.look_up_while_shown(entry);
    let kept = entry.copy;
    let broken = RwSignal::new(false);
    // The copy's `blob:` URL while it plays; revoked when replaced or when the row goes.
    let copy = RwSignal::new(None::<String>);
    let link = StoredValue::new(url.clone());
    let drop_copy = move || {
        if let Some(Some(url)) = copy.try_get_untracked() {
            revoke(&url);
        }
    };
    on_cleanup(drop_copy);
    // The copy plays while the link is broken and a copy is kept.
    effect(move || {
        let has_copy = matches!(kept.get(), Kept::Saved(_));
        if !broken.get() || !has_copy {
            if copy.with_untracked(Option::is_some) {
                drop_copy();
                copy.set(None);
            }
            return;
        }
        if copy.with_untracked(Option::is_none) {
            leptos::task::spawn_local(async move {
                let Some(found) = saved.object_url(&link.get_value()).await else {
                    return;
                };
                // Unless the row went, the copy was removed, or another load won meanwhile.
                let taken = copy.try_update(|c| {
                    let wanted = c.is_none() && matches!(kept.get_untracked(), Kept::Saved(_));
                    if wanted {
                        *c = Some(found.clone());
                    }
                    wanted
                });
                if taken != Some(true) {
                    revoke(&found);
                }
            });
        }
    });
    let src = move || copy.get().unwrap_or_else(|| link.get_value());
    let on_error = move |_| {
        if copy.with_untracked(Option::is_none) {
            broken.set(true);
        }
    };
    // Pressing play on a link that was saved from: is it still there?
    let on_play = move |_| {
        if broken.get_untracked()
            || !matches!(kept.get_untracked(), Kept::Saved(_))
            || !conn.online.get_untracked()
        {
            return;
        }
        leptos::task::spawn_local(async move {
            let head = fetch_link(&link.get_value(), "HEAD", web_sys::RequestCache::NoStore).await;
            if head.map_or(true, |r| matches!(r.status(), 403 | 404 | 410)) {
                let _ = broken.try_set(true);
            }
        });
    };
    // No copy to play and a dead link: nothing to show but the words.
    let dead = move || {
        broken.get() && !matches!(kept.get(), Kept::Saved(_) | Kept::Unknown | Kept::Checking)
    };
    // "Remove saved copy" while one is kept, "Save a copy" when none is.
    let copy_action = move || match kept.get() {
        _ if broken.get() => None,
        Kept::Saved(_) => Some("Remove saved copy"),
        Kept::Removed | Kept::Full | Kept::Failed(_) => Some("Save a copy"),
        _ => None,
    };
    let on_copy_action = move |_| {
        let keep = !matches!(kept.get_untracked(), Kept::Saved(_));
        mark_removed(tasks, entry, !keep);
        if keep {
            saved.save_again(entry);
        } else {
            saved.remove(entry);
        }
    };
    view! {
        <video class="result" controls playsinline preload="metadata" src=src poster=poster
            hidden=dead on:error=handler(on_error) on:play=handler(on_play)></video>
        <p class="task-note saved-note" aria-live="polite">
            {move || note(&kept.get(), broken.get(), conn.online.get())}
        </p>
        <div class="task-actions">
            <a class="btn small" href=src download=format!("{}.mp4", entry.id()) target="_blank" rel="noopener noreferrer">"Download"</a>
            <CopyButton label="Copy link" text=Signal::stored(url)/>
            <button type="button" class="btn small ghost" hidden=move || copy_action().is_none()
                on:click=handler(on_copy_action)>{move || copy_action().unwrap_or_default()}</button>
        </div>
        <p class="hint">"Result links expire after a day or two: download what you want to keep."</p>
    }
}
