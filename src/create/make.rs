//! Speech from a script and a portrait from a description, made with the
//! provider's voice and image endpoints (same key, same task list), so a
//! person needs no file host. Each maker is a fold-out beside the URL it
//! fills; its button sends one task through the same [`Sender`] as
//! Generate (one click, one POST, unknown outcomes kept). What it made is
//! used from the task list ("Use this speech", "Use as portrait") and, for
//! portraits, from a row of the latest ones under the portrait's URL.

use avatar_api::image::{Aspect, IMAGE_PRICE, ImageModel};
use avatar_api::number::parse_decimal;
use avatar_api::voice::{self, SCRIPT_WARN_CHARS, VoiceModel};
use avatar_api::{FieldError, ImageRequest, Kind, VoiceRequest};
use leptos::prelude::*;

use super::plan::{NotNow, Plan, may_send};
use super::send::Sender;
use crate::ctx::{Clock, Connection, Draft};
use crate::tasks::request::{TaskRequest, TaskResult};
use crate::tasks::store::TaskStore;
use crate::widgets::{field_id, focus_id, handler};

/// Where this browser remembers that the person read what the voice estimate means.
const ESTIMATE_UNDERSTOOD: &str = "avatar-studio.voice-estimate-understood";

/// The message a maker's field shows: the API's after a refusal, else the
/// request's own once the person tried to send.
fn field_error(
    draft: Draft,
    errors: Memo<Vec<FieldError>>,
    tried: RwSignal<bool>,
    field: &'static str,
) -> Option<String> {
    let message = |errs: &Vec<FieldError>| {
        errs.iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    draft
        .server_errors
        .with(message)
        .or_else(|| tried.get().then(|| errors.with(message)).flatten())
}

/// A maker's button: its label (or why not now), its click, its question
/// before sending a repeat.
fn make_button(
    id: &'static str,
    confirm_id: &'static str,
    request: Memo<TaskRequest>,
    errors: Memo<Vec<FieldError>>,
    tried: RwSignal<bool>,
    ready: Signal<Result<(), String>>,
) -> impl IntoView {
    let sender = Sender::from_context(confirm_id);
    let clock = expect_context::<Clock>();
    let verdict = Memo::new(move |_| {
        may_send(&sender.moment(clock.now()), &[])?;
        match errors.with(|e| e.first().cloned()) {
            Some(e) => Err(NotNow::Field(e)),
            None => Ok(()),
        }
    });
    let label = move || {
        let noun = request.with(|r| r.kind().noun());
        match verdict.get() {
            Err(NotNow::Sending) => "Sending…".to_owned(),
            Err(NotNow::JustSent) => "Sent ✓ see the task list".to_owned(),
            _ => request.with(|r| match (r.price(), r.is_estimate()) {
                (Some(c), true) => format!("Make {noun} · ≈{c} credits (estimate)"),
                (Some(c), false) => format!("Make {noun} · {c} credits"),
                (None, _) => format!("Make {noun}"),
            }),
        }
    };
    let click = move |_| match (verdict.get_untracked(), ready.get_untracked()) {
        (Err(NotNow::Sending | NotNow::JustSent | NotNow::Wait(_)), _) => {}
        (Err(NotNow::Field(first)), _) => {
            tried.set(true);
            sender.announcer.say(first.message.clone());
            focus_id(&field_id(&first.field));
        }
        (Err(why @ NotNow::NoKey), _) => sender.ask_for_key(why.to_string()),
        (Err(why), _) => sender.announcer.error(why.to_string()),
        (Ok(()), Err(why)) => sender.announcer.error(why),
        (Ok(()), Ok(())) => {
            let request = request.get_untracked();
            let credits = request.price().unwrap_or(0);
            sender.ask_or_send(Plan::one(request, credits));
        }
    };
    let reason = move || match (verdict.get(), ready.get()) {
        (Err(why), _) => Some(why.to_string()),
        (Ok(()), Err(why)) => Some(why),
        _ => None,
    };
    let asked = move || sender.question.with(|q| q.as_ref().map(|(_, t)| t.clone()));
    view! {
        <button type="button" id=id class="btn primary"
            aria-disabled=move || (verdict.with(Result::is_err) || ready.with(Result::is_err)).to_string()
            on:click=handler(click)>{label}</button>
        <p class="submit-reason">{reason}</p>
        {move || asked().map(|text| view! {
            <div class="confirm" role="alertdialog">
                <p>{text}</p>
                <div class="task-actions">
                    <button type="button" id=confirm_id class="btn primary" on:click=handler(move |_| {
                        if let Some((plan, _)) = sender.question.get_untracked() {
                            sender.send(plan);
                        }
                    })>"Send again"</button>
                    <button type="button" class="btn ghost" on:click=handler(move |_| {
                        sender.question.set(None);
                        sender.announcer.say("Not sent.");
                    })>"Don't send"</button>
                </div>
            </div>
        })}
    }
}

/// A labelled text input or area bound to a string of a maker's draft.
fn text_input<T: Send + Sync + 'static>(
    draft: RwSignal<T>,
    field: &'static str,
    label: &'static str,
    area: bool,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = field_id(field);
    let value = move || draft.with(get);
    let input = move |ev| draft.update(|d| set(d, event_target_value(&ev)));
    let control = if area {
        view! { <textarea id=id.clone() rows="4" prop:value=value on:input=handler(input)></textarea> }
            .into_any()
    } else {
        view! { <input id=id.clone() type="text" autocomplete="off" spellcheck="false"
        prop:value=value on:input=handler(input)/> }
        .into_any()
    };
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            {control}
            <p class="error-text" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A `<select>` over `(value, text)` options bound to a string of a draft.
fn choice<T: Send + Sync + 'static>(
    draft: RwSignal<T>,
    field: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
) -> impl IntoView {
    let id = field_id(field);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id on:change=handler(move |ev| draft.update(|d| set(d, event_target_value(&ev))))>
                {options.into_iter().map(|(value, text)| view! {
                    <option value=value selected=move || draft.with(get) == value>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// A number input (speed, pitch, volume, seed) kept as typed; `set` gets
/// the parsed number, `None` when it is not one.
fn number_input<T: Send + Sync + 'static>(
    draft: RwSignal<T>,
    field: &'static str,
    label: &'static str,
    initial: String,
    set: fn(&mut T, Option<f64>),
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = field_id(field);
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input id=id type="text" inputmode="decimal" autocomplete="off" value=initial
                on:input=handler(move |ev| {
                    let parsed = parse_decimal(event_target_value(&ev).trim());
                    draft.update(|d| set(d, parsed));
                })/>
            <p class="error-text" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A typed ratio; not a number reads as NaN, which validation refuses.
fn ratio(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// The reference voices to offer: the deployment's (`config.json`), then the
/// audio this browser already used (speech made, audio URLs sent), newest first.
fn known_voices(conn: Connection, tasks: TaskStore) -> Vec<(String, String)> {
    let mut voices: Vec<(String, String)> = conn.config.with_value(|c| {
        (c.voices.iter())
            .map(|v| (v.url.clone(), v.label.clone()))
            .collect()
    });
    for entry in tasks.newest(200) {
        let Some(url) = entry.record.with(|t| match (&t.result, t.request.video()) {
            (Some(TaskResult::Speech(url)), _) => Some(url.clone()),
            (_, Some(avatar_api::AvatarRequest::Pro(r))) => Some(r.audio_url.clone()),
            _ => None,
        }) else {
            continue;
        };
        if !url.is_empty() && voices.iter().all(|(u, _)| *u != url) {
            voices.push((url, "Used before".to_owned()));
        }
    }
    voices
}

/// "Write a script instead": speech from typed text in a reference voice.
#[component]
pub(super) fn SpeechMaker() -> impl IntoView {
    let (conn, tasks, draft) = (
        expect_context::<Connection>(),
        expect_context::<TaskStore>(),
        expect_context::<Draft>(),
    );
    let first_voice = conn
        .config
        .with_value(|c| c.voices.first().map(|v| v.url.clone()));
    let speech = RwSignal::new(VoiceRequest {
        reference_audio_url: first_voice.unwrap_or_default(),
        ..VoiceRequest::default()
    });
    let request = Memo::new(move |_| TaskRequest::Speech(speech.get()));
    let errors = Memo::new(move |_| speech.with(|s| s.validate().err().unwrap_or_default()));
    let tried = RwSignal::new(false);
    let error = move |field| Signal::derive(move || field_error(draft, errors, tried, field));
    let stored =
        crate::storage::local().and_then(|s| s.get_item(ESTIMATE_UNDERSTOOD).ok().flatten());
    let understood = RwSignal::new(stored.is_some());
    let ready = Signal::derive(move || {
        if understood.get() {
            Ok(())
        } else {
            Err("First tick “I understand this is an estimate”.".to_owned())
        }
    });
    let count = move || {
        speech.with(|s| {
            let chars = s.text.chars().count();
            let mut line = format!("{chars} characters · {}", voice::estimate_breakdown(&s.text));
            if chars > SCRIPT_WARN_CHARS {
                line.push_str(" · Long: the provider's older (v1) docs advise under 1,000 characters for quick speech; this may take minutes.");
            }
            line
        })
    };
    let voices = known_voices(conn, tasks);
    let models = VoiceModel::ALL.iter().map(|m| (m.id(), m.id())).collect();
    view! {
        <details class="maker" id="speech-maker">
            <summary>"No recording? Write a script and make the speech"</summary>
            {text_input(speech, "text", "Script", true, |s| s.text.clone(), |s, v| s.text = v, error("text"))}
            <p class="hint" aria-live="polite" id="script-count">{count}</p>
            <div class="field" class:invalid=move || error("reference_audio_url").with(Option::is_some)>
                <label for="f-reference_audio_url">"Reference voice (a recording of the voice to use)"</label>
                <input id="f-reference_audio_url" type="url" list="known-voices" autocomplete="off" spellcheck="false"
                    placeholder="https://…/voice.wav"
                    prop:value=move || speech.with(|s| s.reference_audio_url.clone())
                    on:input=handler(move |ev| speech.update(|s| s.reference_audio_url = crate::form::clean(&event_target_value(&ev))))/>
                <datalist id="known-voices">
                    {voices.into_iter().map(|(url, label)| view! { <option value=url>{label}</option> }).collect_view()}
                </datalist>
                <p class="error-text" role="alert">{move || error("reference_audio_url").get()}</p>
                {move || {
                    let url = speech.with(|s| s.reference_audio_url.clone());
                    voice::check_audio_url(&url).is_ok().then(|| view! { <audio controls preload="none" src=url></audio> })
                }}
            </div>
            <div class="three-col">
                {choice(speech, "model", "Voice model", models, |s| s.model.clone(), |s, v| s.model = v)}
                {number_input(speech, "speed_ratio", "Speed (0.5–2)", "1".into(), |s, v| s.speed_ratio = ratio(v), error("speed_ratio"))}
                {number_input(speech, "pitch_ratio", "Pitch (−10–10)", "0".into(), |s, v| s.pitch_ratio = ratio(v), error("pitch_ratio"))}
                {number_input(speech, "volume_ratio", "Volume (0.1–2)", "1".into(), |s, v| s.volume_ratio = ratio(v), error("volume_ratio"))}
            </div>
            <p class="hint">
                "Price: the provider publishes none for speech. The page estimates it with the rule the provider publishes for the same speech engine (podcast and dubbing): 1 credit per character, 2 per Chinese, Japanese or Korean character, settled when the speech is ready. The API's own answer (a 402 with the amount it wants) is what counts."
            </p>
            <label class="check">
                <input type="checkbox" id="estimate-understood" prop:checked=move || understood.get()
                    on:change=handler(move |ev| {
                        let on = event_target_checked(&ev);
                        understood.set(on);
                        if let Some(s) = crate::storage::local() {
                            let _ = if on { s.set_item(ESTIMATE_UNDERSTOOD, "1") } else { s.remove_item(ESTIMATE_UNDERSTOOD) };
                        }
                    })/>
                "I understand this is an estimate: the charge may differ."
            </label>
            {make_button("make-speech", "make-speech-confirm", request, errors, tried, ready)}
        </details>
    }
}

/// "Describe a face instead": a portrait from a prompt.
#[component]
pub(super) fn PortraitMaker() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let picture = RwSignal::new(ImageRequest {
        size: Aspect::Portrait.id().to_owned(),
        ..ImageRequest::default()
    });
    let request = Memo::new(move |_| TaskRequest::Portrait(picture.get()));
    let errors = Memo::new(move |_| picture.with(|p| p.validate().err().unwrap_or_default()));
    let tried = RwSignal::new(false);
    let error = move |field| Signal::derive(move || field_error(draft, errors, tried, field));
    let aspects = Aspect::ALL.iter().map(|a| (a.id(), a.label())).collect();
    let models = ImageModel::ALL
        .iter()
        .map(|m| (m.id(), m.label()))
        .collect();
    let references = move || {
        picture.with(|p| {
            let most = p.image_model().map_or(0, ImageModel::max_references);
            format!("{} of at most {most} reference images.", p.image_urls.len())
        })
    };
    view! {
        <details class="maker" id="portrait-maker">
            <summary>{format!("No photo? Describe a face and make a portrait · {IMAGE_PRICE} credits")}</summary>
            {text_input(picture, "prompt", "Description", true, |p| p.prompt.clone(), |p, v| p.prompt = v, error("prompt"))}
            <div class="three-col">
                {choice(picture, "size", "Aspect", aspects, |p| p.size.clone(), |p, v| p.size = v)}
                {choice(picture, "image_model", "Image model", models, |p| p.model.clone(), |p, v| p.model = v)}
                {number_input(picture, "seed", "Seed (optional)", String::new(), |p, v| p.seed = v.filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15).map(|n| n as i64), Signal::derive(|| None))}
            </div>
            <p class="hint">"A head-and-shoulders portrait suits Upright 9:16 (the API's own default is 1:1). The same description and seed give the same picture."</p>
            {text_input(picture, "image_urls", "Reference images (optional, one URL per line)", true,
                |p| p.image_urls.join("\n"),
                |p, v| p.image_urls = v.lines().map(crate::form::clean).filter(|l| !l.is_empty()).collect(),
                error("image_urls"))}
            <p class="hint">{references}</p>
            {make_button("make-portrait", "make-portrait-confirm", request, errors, tried, Signal::derive(|| Ok(())))}
        </details>
    }
}

/// The latest portraits made, as thumbnails that fill the portrait's URL.
#[component]
pub(super) fn RecentPortraits() -> impl IntoView {
    let (tasks, draft) = (expect_context::<TaskStore>(), expect_context::<Draft>());
    let latest = Memo::new(move |_| {
        (tasks.results().into_iter())
            .filter_map(|e| {
                e.record.with(|t| match &t.result {
                    Some(r) if r.kind() == Kind::Portrait => Some(r.url().to_owned()),
                    _ => None,
                })
            })
            .take(6)
            .collect::<Vec<_>>()
    });
    move || {
        let urls = latest.get();
        (!urls.is_empty()).then(|| {
            view! {
                <div class="recent-portraits" role="group" aria-label="Portraits you made">
                    <span class="hint">"Portraits you made:"</span>
                    {urls.into_iter().map(|url| {
                        let chosen = url.clone();
                        let current = url.clone();
                        view! {
                            <button type="button" class="thumb-pick"
                                aria-pressed=move || draft.form.with(|f| f.image_url == current).to_string()
                                on:click=handler(move |_| draft.form.update(|f| f.image_url = chosen.clone()))>
                                <img src=url alt="Use this portrait" loading="lazy"/>
                            </button>
                        }
                    }).collect_view()}
                </div>
            }
        })
    }
}
