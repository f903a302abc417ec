//! The cost panel, the submit button with its guards (sent lock, rate
//! limit, the question before sending the same request again) and where a
//! failed submit's words go.

use avatar_api::{AvatarRequest, Quote};
use leptos::prelude::*;

use super::FormState;
use crate::api::ApiError;
use crate::batch::{Plan, RowState};
use crate::credits::charged_to;
use crate::credits::view::CreditBalances;
use crate::ctx::{Announcer, Clock, Connection, Draft, SettingsState, Touched, now_ms};
use crate::storage::Scope;
use crate::storage::{load_plan, save_plan};
use crate::tasks::record::TaskRecord;
use crate::tasks::store::TaskStore;
use crate::widgets::{field_id, focus_id, handler};

/// The price of the current form, always visible.
#[component]
pub(super) fn CostPanel() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let state = expect_context::<FormState>();
    let quote = state.quote;
    view! {
        <div class="cost" id="cost" aria-live="polite">
            <div class="cost-label">"Cost"</div>
            {move || match quote.get() {
                Some(Quote { credits, breakdown, .. }) => view! {
                    <div class="cost-value"><strong>{credits}</strong>" credits"</div>
                    <div class="cost-breakdown">{breakdown}</div>
                }.into_any(),
                None => {
                    let why = if draft.form.with(|f| f.needs_audio_length() && f.audio_seconds.is_none()) {
                        "Appears once the audio length is known."
                    } else {
                        "Choose valid options to see the cost."
                    };
                    view! {
                        <div class="cost-value muted">"—"</div>
                        <div class="cost-breakdown">{why}</div>
                    }.into_any()
                }
            }}
            {move || (state.videos() > 1).then(|| view! {
                <div class="cost-total" id="cost-total">
                    {match state.batch_credits() {
                        Some(total) => format!("The form is variant 1 of {}: {total} credits for the whole batch.", state.videos()),
                        None => format!("The form is variant 1 of {}: the total appears once every variant has a price.", state.videos()),
                    }}
                </div>
            }.into_any())}
            <div class="cost-rule">{move || draft.form.with(|f| f.model.price_rule())}</div>
        </div>
    }
}

/// How long the Generate button shows "Sent" after an accepted submit, so
/// a person's second click does not send the form again.
const SENT_LOCK_MS: u64 = 2_000;
/// Sending a request identical to one sent this recently asks first.
const DUPLICATE_WINDOW_MS: u64 = 10 * 60 * 1000;

/// The newest task that sent `request` recently (or whose outcome is
/// unknown, however long ago): sending it again asks first.
fn recent_duplicate(tasks: TaskStore, request: &AvatarRequest, now: u64) -> Option<TaskRecord> {
    tasks
        .newest(usize::MAX)
        .into_iter()
        .filter_map(|entry| entry.record.try_get_untracked())
        .find(|t| {
            &t.request == request
                && (t.is_outcome_unknown()
                    || now.saturating_sub(t.submitted_ms) < DUPLICATE_WINDOW_MS)
        })
}

/// "It was sent at 21:40:03 (20 credits) and its outcome is unknown…"
fn duplicate_question(task: &TaskRecord, now: u64) -> String {
    let ago = avatar_api::estimate::format_duration(now.saturating_sub(task.submitted_ms));
    let state = if task.is_outcome_unknown() {
        "no answer came back, so it may have been accepted and charged".to_owned()
    } else {
        format!("it is in your list ({})", crate::tasks::status_label(task))
    };
    format!(
        "You sent this same request {ago} ago for {} credits, and {state}. Send it again and pay again?",
        task.credits
    )
}

/// The submit button ("Generate · N credits") and why it is unavailable.
#[component]
pub(super) fn SubmitArea() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let panel = expect_context::<SettingsState>();
    let tasks = expect_context::<TaskStore>();
    let clock = expect_context::<Clock>();
    let draft = expect_context::<Draft>();
    let balances = expect_context::<CreditBalances>();
    let pending = RwSignal::new(false);
    let blocked_until = RwSignal::new(0u64);
    let sent_until = RwSignal::new(0u64);
    // The question asked before sending a duplicate, with the request it is about.
    // The question asked before sending a duplicate, with the rows it is
    // about (one for a single request).
    let confirm = RwSignal::new(None::<(Vec<(AvatarRequest, u64)>, String)>);
    let state = expect_context::<FormState>();
    let (quote, errors) = (state.quote, state.errors);
    let reason = move || -> Option<String> {
        if pending.get() {
            return Some("Sending…".to_owned());
        }
        if sent_until.get() > clock.now() {
            return Some("Sent: the task is in the list.".to_owned());
        }
        if !conn.online.get() {
            return Some(Connection::OFFLINE.to_owned());
        }
        let wait = blocked_until.get().saturating_sub(clock.now());
        if wait > 0 {
            return Some(format!(
                "The API asked to wait: try again in {} s.",
                wait.div_ceil(1000)
            ));
        }
        if let Some(first) = errors.with(|e| e.first().cloned()) {
            return Some(first.message);
        }
        if let Some(problem) = state.variant_problem() {
            return Some(problem);
        }
        if conn.missing_key() {
            return Some("Add your API key in Settings to generate.".to_owned());
        }
        None
    };
    let label = move || {
        let videos = state.videos();
        match (pending.get(), quote.get()) {
            (true, _) if videos > 1 => "Generating… sending the batch".to_owned(),
            (true, _) => "Generating… sending the request".to_owned(),
            _ if sent_until.get() > clock.now() => "Sent ✓".to_owned(),
            _ if videos > 1 => match state.batch_credits() {
                Some(total) => format!("Generate {videos} videos · {total} credits"),
                None => format!("Generate {videos} videos"),
            },
            (false, Some(q)) => format!("Generate · {} credits", q.credits),
            (false, None) => "Generate".to_owned(),
        }
    };
    // Puts a failed submit's words where the user can act on them.
    let show_error = move |e: ApiError| match &e {
        ApiError::Invalid(fields) => {
            announcer.error(e.to_string());
            draft.server_errors.set(fields.clone());
            let known = fields
                .iter()
                .find(|f| document().get_element_by_id(&field_id(&f.field)).is_some());
            match known {
                Some(f) => focus_id(&field_id(&f.field)),
                None => focus_id("notice"),
            }
        }
        ApiError::Rejected if !conn.wants_key() => {
            announcer.error(
                    "The API rejected this site's key (HTTP 401): the proxy in front of the API needs a valid key. Tell whoever runs this site.",
                );
            request_animation_frame(|| focus_id("notice"));
        }
        ApiError::Rejected => {
            announcer.error(e.to_string());
            conn.rejected_key.set(Some(conn.api_key.get_untracked()));
            panel.open.set(true);
            request_animation_frame(|| focus_id("api-key"));
        }
        ApiError::RateLimited { retry_after_ms } => {
            announcer.error(e.to_string());
            blocked_until.set(now_ms() + retry_after_ms.unwrap_or(5_000));
            request_animation_frame(|| focus_id("notice"));
        }
        _ => {
            announcer.error(e.to_string());
            if let Some(ms) = e.retry_after_ms() {
                blocked_until.set(now_ms() + ms);
            }
            request_animation_frame(|| focus_id("notice"));
        }
    };
    // Sends `request` once. Every way out of here clears `pending`.
    let send = move |request: AvatarRequest, credits: u64| {
        let client = conn.client();
        let key = charged_to(client.key.as_deref());
        announcer.clear();
        draft.server_errors.set(Vec::new());
        confirm.set(None);
        pending.set(true);
        announcer.say("Sending the request…");
        let sent_ms = now_ms();
        leptos::task::spawn_local(async move {
            let result = client.submit(&request).await;
            let _ = pending.try_set(false);
            match result {
                Ok(accepted) => {
                    let _ = sent_until.try_set(now_ms() + SENT_LOCK_MS);
                    let id = format!("task-{}", accepted.task_id);
                    tasks.add(TaskRecord::accepted(
                        accepted.task_id,
                        &request,
                        credits,
                        sent_ms,
                        accepted.status,
                        Some(key),
                    ));
                    let text = format!(
                        "Submitted: {credits} credits charged. The video appears in the task list when it is ready."
                    );
                    announcer.info(text);
                    request_animation_frame(move || focus_id(&id));
                }
                Err(e) if e.outcome_unknown() => {
                    let record = TaskRecord::outcome_unknown(
                        &request,
                        credits,
                        sent_ms,
                        e.to_string(),
                        Some(key),
                    );
                    let id = format!("task-{}", record.task_id);
                    tasks.add(record);
                    announcer.error(format!(
                        "No answer came back: {e} The request may have been accepted and charged {credits} credits; it is kept in your list as \"Outcome unknown\". Check your balance before sending it again."
                    ));
                    request_animation_frame(move || focus_id(&id));
                }
                Err(e) => {
                    if let ApiError::NotEnoughCredits {
                        balance: Some(b), ..
                    } = e
                    {
                        balances.remember(key, b, now_ms());
                    }
                    show_error(e)
                }
            }
        });
    };
    // A batch: its rows not sent yet go out one after another, each once;
    // the first answer that is not an acceptance stops it (the plan, saved
    // before every POST, says what went out).
    let scope = StoredValue::new(expect_context::<Scope>());
    let plan = RwSignal::new(None::<Plan>);
    let send_batch = move |mut sending: Plan| {
        let client = conn.client();
        let key = charged_to(client.key.as_deref());
        announcer.clear();
        draft.server_errors.set(Vec::new());
        pending.set(true);
        announcer.say("Sending the batch…");
        leptos::task::spawn_local(async move {
            let mut stop = None;
            for i in sending.unsent() {
                sending.rows[i].state = RowState::Sending;
                sending.stopped = None;
                scope.with_value(|scope| save_plan(scope, Some(&sending)));
                let _ = plan.try_set(Some(sending.clone()));
                let row = sending.rows[i].clone();
                let sent_ms = now_ms();
                match client.submit(&row.request).await {
                    Ok(accepted) => {
                        sending.rows[i].state = RowState::Accepted;
                        let mut record = TaskRecord::accepted(
                            accepted.task_id,
                            &row.request,
                            row.credits,
                            sent_ms,
                            accepted.status,
                            Some(key.clone()),
                        );
                        record.batch = Some(sending.tag(i));
                        tasks.add(record);
                    }
                    Err(e) => {
                        if e.outcome_unknown() {
                            sending.rows[i].state = RowState::Unknown;
                            let mut record = TaskRecord::outcome_unknown(
                                &row.request,
                                row.credits,
                                sent_ms,
                                e.to_string(),
                                Some(key.clone()),
                            );
                            record.batch = Some(sending.tag(i));
                            tasks.add(record);
                        } else {
                            sending.rows[i].state = RowState::Unsent;
                        }
                        sending.stopped = Some(format!("Variant {}: {e}", i + 1));
                        stop = Some(e);
                        break;
                    }
                }
            }
            let _ = pending.try_set(false);
            let done = sending.unsent().is_empty() && stop.is_none();
            scope.with_value(|scope| save_plan(scope, (!done).then_some(&sending)));
            let report = sending.report();
            let _ = plan.try_set((!done).then_some(sending));
            match stop {
                None => {
                    let _ = sent_until.try_set(now_ms() + SENT_LOCK_MS);
                    announcer.info(format!(
                        "Batch sent. {report} The videos appear in the list as they finish."
                    ));
                }
                Some(e) => {
                    if let ApiError::NotEnoughCredits {
                        balance: Some(b), ..
                    } = e
                    {
                        balances.remember(key, b, now_ms());
                    }
                    if !e.outcome_unknown() {
                        show_error(e.clone());
                    }
                    announcer.error(format!("The batch stopped: {e} {report}"));
                    request_animation_frame(|| focus_id("batch-status"));
                }
            }
        });
    };
    // A batch the page was sending when it was left: its POST in flight
    // counts as outcome unknown; the rest waits for the user.
    if let Some(mut interrupted) = scope.with_value(load_plan) {
        for i in interrupted.interrupted() {
            let row = interrupted.rows[i].clone();
            let mut record = TaskRecord::outcome_unknown(
                &row.request,
                row.credits,
                now_ms(),
                "The page was closed while this request was being sent.".to_owned(),
                None,
            );
            record.batch = Some(interrupted.tag(i));
            tasks.add(record);
        }
        if interrupted.unsent().is_empty() {
            scope.with_value(|scope| save_plan(scope, None));
        } else {
            interrupted.stopped =
                Some("The page was closed while the batch was being sent.".to_owned());
            scope.with_value(|scope| save_plan(scope, Some(&interrupted)));
            plan.set(Some(interrupted));
        }
    }
    let submit = move |_| {
        let now = now_ms();
        if pending.get_untracked()
            || blocked_until.get_untracked() > now
            || sent_until.get_untracked() > now
        {
            return;
        }
        if !conn.online.get_untracked() {
            announcer.error(Connection::OFFLINE);
            return;
        }
        if let Some(first) = errors.with_untracked(|e| e.first().cloned()) {
            draft.touched.set(Touched::all());
            announcer.say(first.message.clone());
            focus_id(&field_id(&first.field));
            return;
        }
        if untrack(|| conn.missing_key()) {
            panel.open.set(true);
            announcer.error("Add your API key in Settings to generate.");
            focus_id("api-key");
            return;
        }
        if state.videos() > 1 {
            if let Some(problem) = untrack(|| state.variant_problem()) {
                announcer.error(problem);
                focus_id("variants");
                return;
            }
            let Some(rows) = state.batch_rows() else {
                return;
            };
            let repeated: Vec<usize> = (0..rows.len())
                .filter(|&i| recent_duplicate(tasks, &rows[i].0, now).is_some())
                .collect();
            if repeated.is_empty() {
                send_batch(Plan::new(format!("batch-{now}"), rows));
            } else {
                let question = format!(
                    "{} of this batch repeat{} a request you sent in the last 10 minutes (or whose outcome is unknown). Send the whole batch and pay again?",
                    crate::batch::variants_at_start(&repeated),
                    if repeated.len() == 1 { "s" } else { "" }
                );
                announcer.say(question.clone());
                confirm.set(Some((rows, question)));
                request_animation_frame(|| focus_id("confirm-send"));
            }
            return;
        }
        let request = state.request.get_untracked();
        let Some(quote) = state.quote.get_untracked() else {
            return;
        };
        if let Some(earlier) = recent_duplicate(tasks, &request, now) {
            let question = duplicate_question(&earlier, now);
            announcer.say(question.clone());
            confirm.set(Some((vec![(request, quote.credits)], question)));
            request_animation_frame(|| focus_id("confirm-send"));
            return;
        }
        send(request, quote.credits);
    };
    // The question stays only while the form still holds those rows.
    let question = move || {
        confirm.with(|c| {
            c.as_ref()
                .filter(|(rows, _)| state.holds(rows))
                .map(|(rows, q)| (q.clone(), rows.iter().map(|r| r.1).sum::<u64>()))
        })
    };
    let confirmed = move |_| {
        let Some((mut rows, _)) = confirm.get_untracked() else {
            return;
        };
        if rows.len() == 1 {
            let (request, credits) = rows.remove(0);
            send(request, credits);
        } else {
            confirm.set(None);
            send_batch(Plan::new(format!("batch-{}", now_ms()), rows));
        }
    };
    let cancel = move |_| {
        confirm.set(None);
        announcer.say("Not sent.");
        focus_id("generate");
    };
    view! {
        <div class="submit-area">
            <button
                type="button"
                id="generate"
                class="btn primary big"
                aria-disabled=move || reason().is_some().to_string()
                aria-describedby="submit-reason"
                on:click=handler(submit)
            >
                {label}
            </button>
            <p id="submit-reason" class="submit-reason">{move || reason()}</p>
            {move || plan.get().filter(|p| !p.unsent().is_empty()).map(|p| {
                let rest = p.unsent().len();
                let credits = p.unsent_credits();
                let again = send_batch;
                let kept = p.clone();
                view! {
                    <div class="confirm batch-status" id="batch-status" tabindex="-1" role="region" aria-label="Batch">
                        <p>{p.stopped.clone().unwrap_or_default()}</p>
                        <p>{p.report()}</p>
                        <div class="task-actions">
                            <button type="button" class="btn primary" id="send-rest"
                                on:click=handler(move |_| {
                                    if pending.get_untracked() || !conn.online.get_untracked() || blocked_until.get_untracked() > now_ms() {
                                        announcer.error(reason().unwrap_or_else(|| "Not now.".to_owned()));
                                        return;
                                    }
                                    again(kept.clone())
                                })>
                                {format!("Send the remaining {rest} · {credits} credits")}
                            </button>
                            <button type="button" class="btn ghost" on:click=handler(move |_| {
                                scope.with_value(|scope| save_plan(scope, None));
                                plan.set(None);
                                announcer.say("The rest of the batch will not be sent.");
                            })>"Don't send them"</button>
                        </div>
                    </div>
                }.into_any()
            })}
            {move || question().map(|(q, credits)| view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
                    <p id="confirm-text">{q}</p>
                    <div class="task-actions">
                        <button type="button" id="confirm-send" class="btn primary" on:click=handler(confirmed)>
                            {format!("Send again · {credits} credits")}
                        </button>
                        <button type="button" class="btn ghost" on:click=handler(cancel)>"Don't send"</button>
                    </div>
                </div>
            }.into_any())}
        </div>
    }
}
