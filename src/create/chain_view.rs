//! "Make speech, then the video" on the page: its limit and button in the
//! speech maker, and its status under Generate, where it runs. The rule of
//! each step is [`super::chain`]'s; this carries them out.

use avatar_api::FieldError;
use avatar_api::billing::{format_seconds, seconds_to_ms};
use leptos::prelude::*;

use super::chain::{self, Chain, Next, Step};
use super::plan::{NotNow, Plan, may_send};
use super::send::Sender;
use crate::ctx::{Clock, Draft, now_ms};
use crate::storage::Scope;
use crate::tasks::request::TaskRequest;
use crate::tasks::store::TaskStore;
use crate::widgets::{field_id, focus_id, handler};

/// The chain of this deployment, if there is one, and who runs it. A
/// `Copy` handle, provided by [`super::CreatePanel`].
#[derive(Clone, Copy)]
pub(super) struct ChainRun {
    chain: RwSignal<Option<Chain>>,
    /// This page carries it out: it started it, or the person said "Go on"
    /// after a reload. A chain found at start-up only shows where it stands.
    live: RwSignal<bool>,
    sender: Sender,
    tasks: TaskStore,
}

impl ChainRun {
    /// The saved chain, if any: a POST that was out when the page was left
    /// becomes a task of unknown outcome, and the chain stops there.
    pub fn load() -> ChainRun {
        let tasks = expect_context::<TaskStore>();
        let mut saved = tasks.kept::<Chain>(Scope::chain);
        if let Some(chain) = saved.as_mut()
            && let Some(record) = chain.after_reload(now_ms(), None)
        {
            tasks.add(record);
            tasks.keep(Scope::chain, Some(&*chain));
        }
        ChainRun {
            chain: RwSignal::new(saved),
            live: RwSignal::new(false),
            sender: Sender::from_context("chain-status"),
            tasks,
        }
    }

    /// Saves and shows `chain` (`None`: it is over).
    fn set(&self, chain: Option<Chain>) {
        self.tasks.keep(Scope::chain, chain.as_ref());
        let _ = self.chain.try_set(chain);
    }

    /// Sends what `chain`'s step sends (the speech, or the priced video),
    /// and moves it on by the answer; `said`: what to say if it was the
    /// video and it was accepted.
    fn send(self, chain: Chain, said: Option<String>) {
        let plan = match chain.step {
            Step::SendingSpeech => Plan::one(chain.speech.clone(), chain.speech_credits),
            _ => match chain.video_plan() {
                Some(plan) => plan,
                None => return,
            },
        };
        self.set(Some(chain.clone()));
        let sent = self.sender.run(plan);
        leptos::task::spawn_local(async move {
            let answer = sent
                .await
                .map_err(|e| (!e.outcome_unknown()).then(|| e.to_string()));
            let accepted_video = answer.is_ok() && chain.step == Step::SendingVideo;
            self.set(chain.answered(answer));
            if let Some(said) = said.filter(|_| accepted_video) {
                self.sender.announcer.info(said);
            }
        });
    }

    /// The speech at `url` is `seconds` long: sends the video if it is
    /// within the limit, else stops and asks.
    fn measured(self, url: String, seconds: f64) {
        let Some(mut chain) = self.chain.get_untracked() else {
            return;
        };
        if chain.speech_task().is_none() || !self.live.get_untracked() {
            return;
        }
        // Another tab may have moved it on: the saved chain decides.
        let saved = self.tasks.kept::<Chain>(Scope::chain);
        if saved.as_ref().and_then(Chain::speech_task) != chain.speech_task() {
            self.live.set(false);
            let _ = self.chain.try_set(saved);
            return;
        }
        if chain.priced(&url, seconds) {
            let said = format!(
                "The speech was ready ({} s), so the video was sent: {} credits, within the {} you approved. It appears in the task list when it is ready.",
                format_seconds(seconds_to_ms(seconds)),
                chain.video_credits.unwrap_or(0),
                chain.limit
            );
            self.send(chain, Some(said));
        } else {
            self.set(Some(chain));
            request_animation_frame(|| focus_id("chain-status"));
        }
    }

    /// Stops the chain for `why`: the video is not sent.
    fn stop(&self, why: String) {
        if let Some(mut chain) = self.chain.get_untracked() {
            chain.step = Step::Stopped(why);
            chain.video_credits = None;
            self.set(Some(chain));
        }
    }
}

/// The limit and "Make speech, then the video", under the speech maker's
/// own button: `request` is the speech, `ready` its own go-ahead.
#[component]
pub(super) fn ChainControls(
    request: RwSignal<TaskRequest>,
    ready: Signal<Result<(), String>>,
) -> impl IntoView {
    let run = expect_context::<ChainRun>();
    let (draft, clock) = (expect_context::<Draft>(), expect_context::<Clock>());
    let typed = RwSignal::new(None::<String>);
    let suggested = Memo::new(move |_| {
        let script = request.with(|r| r.speech().map(|s| s.text.clone()))?;
        draft.form.with(|f| chain::suggested_limit(f, &script))
    });
    let limit = Memo::new(move |_| match typed.get() {
        Some(text) => text.trim().parse::<u64>().ok(),
        None => suggested.get(),
    });
    let problem = |why: String| NotNow::Field(FieldError::new("chain_limit", &why));
    let verdict = Memo::new(move |_| {
        if run.chain.with(Option::is_some) {
            return Err(problem(
                "A chain is under way: see it under Generate.".to_owned(),
            ));
        }
        may_send(&run.sender.moment(clock.now()), &[])?;
        if let Some(e) = request.with(TaskRequest::problems).into_iter().next() {
            return Err(NotNow::Field(e));
        }
        ready.get().map_err(problem)?;
        let refused = draft
            .form
            .with(|f| draft.variants.with(|v| chain::refusal(f, !v.is_empty())));
        if let Some(why) = refused {
            return Err(problem(why));
        }
        limit
            .get()
            .map(|_| ())
            .ok_or_else(|| problem("Say the most the video may cost, in whole credits.".to_owned()))
    });
    let label = move || {
        let speech = request.with(|r| r.price().unwrap_or(0));
        match limit.get() {
            Some(most) => format!("Make speech, then the video · ≈{speech} + up to {most} credits"),
            None => "Make speech, then the video".to_owned(),
        }
    };
    let click = move |_| match verdict.get_untracked() {
        Ok(()) => {
            let (speech, most) = (request.get_untracked(), limit.get_untracked().unwrap_or(0));
            let credits = speech.price().unwrap_or(0);
            let chain = draft
                .form
                .with_untracked(|f| Chain::new(speech, credits, f, most));
            run.live.set(true);
            run.send(chain, None);
        }
        Err(NotNow::Field(first)) => {
            run.sender.announcer.say(first.message.clone());
            let field = if first.field == "model" {
                "voice_model"
            } else {
                &first.field
            };
            focus_id(&field_id(field));
        }
        Err(why @ NotNow::NoKey) => run.sender.ask_for_key(why.to_string()),
        Err(why) => run.sender.announcer.error(why.to_string()),
    };
    let typed_limit = move |ev| typed.set(Some(event_target_value(&ev)));
    let hint = move || match suggested.get() {
        Some(c) => format!(
            "Suggested: {c} credits, the video's price if the speech runs half as long again as an average reading of the script (about 14 characters a second). The speech's measured length sets the real price; above your limit nothing is sent and the page asks."
        ),
        None => "The video's price is known once the form has a portrait.".to_owned(),
    };
    view! {
        <div class="chain">
            <label for="f-chain_limit">"Then the video, if it costs at most (credits)"</label>
            <input id="f-chain_limit" type="text" inputmode="numeric" autocomplete="off"
                prop:value=move || typed.get().or_else(|| suggested.get().map(|c| c.to_string())).unwrap_or_default()
                on:input=handler(typed_limit)/>
            <p class="hint">{hint}</p>
            <button type="button" id="make-chain" class="btn"
                aria-disabled=move || verdict.with(Result::is_err).to_string()
                on:click=handler(click)>{label}</button>
            <p class="submit-reason">{move || verdict.get().err().map(|why| why.to_string())}</p>
        </div>
    }
}

/// Where the chain stands, under Generate: it carries out the next step
/// (measuring the speech once ready), and offers what is left.
#[component]
pub(super) fn ChainStatus() -> impl IntoView {
    let run = expect_context::<ChainRun>();
    // The speech task the chain waits for: `None` when it waits for none,
    // `Some(None)` when that task is no longer in the list (tracked).
    let speech = move || {
        let id = run
            .chain
            .with(|c| c.as_ref()?.speech_task().map(str::to_owned))?;
        Some(run.tasks.find(&id))
    };
    // The speech to measure, once ready, in the page that runs the chain.
    let measuring = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let task = speech().map(|entry| entry.map(|e| e.record.get()));
        let url = match task.map(|t| chain::next(t.as_ref())) {
            Some(Next::Measure(url)) if run.live.get() => Some(url),
            // A speech that will not be ready stops the chain, in any page.
            Some(Next::Stop(why)) => {
                run.stop(why);
                None
            }
            _ => None,
        };
        if measuring.get_untracked() != url {
            measuring.set(url);
        }
    });
    // Why the speech's checks wait, if they do (a rejected key, the network).
    let waiting = Memo::new(move |_| speech()??.record.with(|t| t.check_problem.clone()));
    let forget = move |_| {
        let going = run.chain.with_untracked(|c| {
            c.as_ref()
                .is_some_and(|c| c.speech_task().is_some() || c.offer().is_some())
        });
        run.set(None);
        run.live.set(false);
        if going {
            run.sender
                .announcer
                .say("The chain was stopped: the video will not be sent.");
        }
    };
    let send_video = move |_| {
        let Some(mut chain) = run.chain.get_untracked() else {
            return;
        };
        match may_send(&untrack(|| run.sender.moment(now_ms())), &[]) {
            Ok(()) => {
                chain.step = Step::SendingVideo;
                run.send(chain, None);
            }
            Err(why) => run.sender.announcer.error(why.to_string()),
        }
    };
    move || {
        let chain = run.chain.get()?;
        let live = run.live.get();
        let go_on = chain.speech_task().is_some() && !live;
        let offer = chain.offer();
        let stop = match (&chain.step, offer) {
            (Step::SendingSpeech | Step::SendingVideo, _) => None,
            (Step::Speech(_), _) => Some("Stop the chain"),
            (_, Some(_)) => Some("Don't send it"),
            _ => Some("Dismiss"),
        };
        Some(
            view! {
                <div class="confirm chain-status" id="chain-status" tabindex="-1" role="region" aria-label="Make speech, then the video">
                    <p>{chain.status(live)}</p>
                    <p class="hint">{move || waiting.get()}</p>
                    <div class="task-actions" hidden=stop.is_none()>
                        {go_on.then(|| view! {
                            <button type="button" class="btn primary" on:click=handler(move |_| run.live.set(true))>"Go on here"</button>
                        })}
                        {offer.map(|credits| view! {
                            <button type="button" class="btn primary" on:click=handler(send_video)>
                                {format!("Send the video · {credits} credits")}
                            </button>
                        })}
                        <button type="button" class="btn ghost" on:click=handler(forget)>{stop}</button>
                    </div>
                    {measuring.get().map(|url| measure_speech(run, url))}
                </div>
            }
            .into_any(),
        )
    }
}

/// A hidden player that reads the length of the speech at `url`.
fn measure_speech(run: ChainRun, url: String) -> impl IntoView {
    let heard = url.clone();
    let loaded = move |ev: web_sys::Event| {
        let audio: web_sys::HtmlMediaElement = event_target(&ev);
        let seconds = audio.duration();
        if seconds.is_finite() && seconds > 0.0 {
            run.measured(heard.clone(), seconds);
        }
    };
    let failed = move |_| {
        run.stop("The speech is ready, but its recording did not load, so its length (and the video's price) is unknown: the video was not sent. Play it in the task list, then use it with \"Use this speech\".".to_owned())
    };
    view! { <audio preload="metadata" hidden src=url on:loadedmetadata=handler(loaded) on:error=handler(failed)></audio> }
}
