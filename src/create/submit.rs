//! Generate and what answers it: the button (its label and its click read
//! one "may we send now?", [`super::plan::may_send`]), a stopped batch with
//! "Send the remaining N", and the question before sending again.

use leptos::prelude::*;

use super::FormState;
use super::plan::{NotNow, Plan, may_send};
use super::send::Sender;
use crate::ctx::{Clock, now_ms};
use crate::widgets::{field_id, focus_id, handler};

/// Generate, a stopped batch and the question before sending again.
#[component]
pub(super) fn SubmitArea() -> impl IntoView {
    let sender = Sender::from_context("confirm-send");
    provide_context(sender);
    sender.resume();
    view! {
        <div class="submit-area">
            {generate_button()}
            {stopped_batch()}
            {send_again()}
        </div>
    }
}

/// "Generate · N credits" (or why not now) and its click.
fn generate_button() -> impl IntoView {
    let sender = expect_context::<Sender>();
    let state = expect_context::<FormState>();
    let clock = expect_context::<Clock>();
    let verdict = Memo::new(move |_| {
        state
            .videos
            .with(|v| may_send(&sender.moment(clock.now()), v))
    });
    let label = move || {
        let videos = state.count();
        match verdict.get() {
            Err(NotNow::Sending) if videos > 1 => "Generating… sending the batch".to_owned(),
            Err(NotNow::Sending) => "Generating… sending the request".to_owned(),
            Err(NotNow::JustSent) => "Sent ✓".to_owned(),
            _ => match (videos, state.total()) {
                (1, Some(credits)) => format!("Generate · {credits} credits"),
                (1, None) => "Generate".to_owned(),
                (_, Some(total)) => format!("Generate {videos} videos · {total} credits"),
                (_, None) => format!("Generate {videos} videos"),
            },
        }
    };
    let click = move |_| match verdict.get_untracked() {
        Ok(()) => {
            let plan = state
                .videos
                .with_untracked(|v| Plan::new(format!("batch-{}", now_ms()), v));
            if let Some(plan) = plan {
                sender.ask_or_send(plan);
            }
        }
        Err(NotNow::Sending | NotNow::JustSent | NotNow::Wait(_)) => {}
        Err(NotNow::Field(first)) => {
            sender.touch_all();
            sender.announcer.say(first.message.clone());
            focus_id(&field_id(&first.field));
        }
        Err(why @ NotNow::NoKey) => sender.ask_for_key(why.to_string()),
        Err(why @ NotNow::Variant(_)) => {
            sender.announcer.error(why.to_string());
            focus_id("variants");
        }
        Err(why @ NotNow::Offline) => sender.announcer.error(why.to_string()),
    };
    let reason = move || verdict.get().err().map(|why| why.to_string());
    view! {
        <button
            type="button"
            id="generate"
            class="btn primary big"
            aria-disabled=move || verdict.with(Result::is_err).to_string()
            aria-describedby="submit-reason"
            on:click=handler(click)
        >
            {label}
        </button>
        <p id="submit-reason" class="submit-reason">{reason}</p>
    }
}

/// A batch stopped before its end (or being sent): what went out, and
/// "Send the remaining N" / "Don't send them".
fn stopped_batch() -> impl IntoView {
    let sender = expect_context::<Sender>();
    let send_rest = move |plan: Plan| {
        // Generate's answer, for rows that were checked when planned.
        match may_send(&untrack(|| sender.moment(now_ms())), &[]) {
            Ok(()) => sender.send(plan),
            Err(why) => sender.announcer.error(why.to_string()),
        }
    };
    let forget = move |_| {
        sender.forget_batch();
        sender
            .announcer
            .say("The rest of the batch will not be sent.");
    };
    move || {
        let plan = sender.batch.get().filter(|p| !p.unsent().is_empty())?;
        let rest = plan.unsent();
        let label = format!(
            "Send the remaining {} · {} credits",
            rest.len(),
            plan.credits(&rest)
        );
        let (stopped, report) = (plan.stopped.clone().unwrap_or_default(), plan.report());
        Some(
            view! {
                <div class="confirm batch-status" id="batch-status" tabindex="-1" role="region" aria-label="Batch">
                    <p>{stopped}</p>
                    <p>{report}</p>
                    <div class="task-actions">
                        <button type="button" class="btn primary" id="send-rest"
                            on:click=handler(move |_| send_rest(plan.clone()))>{label}</button>
                        <button type="button" class="btn ghost" on:click=handler(forget)>"Don't send them"</button>
                    </div>
                </div>
            }
            .into_any(),
        )
    }
}

/// "Send it again and pay again?", while the form still sends that plan.
fn send_again() -> impl IntoView {
    let sender = expect_context::<Sender>();
    let state = expect_context::<FormState>();
    let asked = move || {
        sender.question.with(|q| {
            q.as_ref()
                .filter(|(plan, _)| state.videos.with(|v| plan.is_for(v)))
                .map(|(plan, text)| (text.clone(), plan.credits(&plan.unsent())))
        })
    };
    let confirmed = move |_| {
        if let Some((plan, _)) = sender.question.get_untracked() {
            sender.send(plan);
        }
    };
    let cancel = move |_| {
        sender.question.set(None);
        sender.announcer.say("Not sent.");
        focus_id("generate");
    };
    move || {
        asked().map(|(text, credits)| {
            view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
                    <p id="confirm-text">{text}</p>
                    <div class="task-actions">
                        <button type="button" id="confirm-send" class="btn primary" on:click=handler(confirmed)>
                            {format!("Send again · {credits} credits")}
                        </button>
                        <button type="button" class="btn ghost" on:click=handler(cancel)>"Don't send"</button>
                    </div>
                </div>
            }
            .into_any()
        })
    }
}
