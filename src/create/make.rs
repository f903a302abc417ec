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

use super::chain_view::ChainControls;
use super::plan::{NotNow, Plan, may_send};
use super::send::Sender;
use crate::ctx::{Clock, Connection, Draft};
use crate::tasks::request::{TaskRequest, TaskResult};
use crate::tasks::store::TaskStore;
use crate::widgets::{field_id, focus_id, handler};

/// Where this browser remembers that the person read what the voice estimate means.
const ESTIMATE_UNDERSTOOD: &str = "avatar-studio.voice-estimate-understood";

/// A maker's button: its label (or why not now, which names the first
/// problem of the request), its click, its question before sending a repeat.
fn make_button(
    id: &'static str,
    confirm_id: &'static str,
    model_field: &'static str,
    request: RwSignal<TaskRequest>,
    ready: Signal<Result<(), String>>,
) -> impl IntoView {
    let sender = Sender::from_context(confirm_id);
    let clock = expect_context::<Clock>();
    let verdict = Memo::new(move |_| {
        may_send(&sender.moment(clock.now()), &[])?;
        match request.with(TaskRequest::problems).into_iter().next() {
            Some(e) => Err(NotNow::Field(e)),
            None => ready
                .get()
                .map_err(|why| NotNow::Field(FieldError::new("", &why))),
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
    let click = move |_| match verdict.get_untracked() {
        Ok(()) => {
            let request = request.get_untracked();
            let credits = request.price().unwrap_or(0);
            sender.ask_or_send(Plan::one(request, credits));
        }
        Err(NotNow::Sending | NotNow::JustSent | NotNow::Wait(_)) => {}
        Err(NotNow::Field(first)) => {
            sender.announcer.say(first.message.clone());
            // The request's `model` is this maker's model select.
            let field = if first.field == "model" {
                model_field
            } else {
                &first.field
            };
            focus_id(&field_id(field));
        }
        Err(why @ NotNow::NoKey) => sender.ask_for_key(why.to_string()),
        Err(why) => sender.announcer.error(why.to_string()),
    };
    let asked = move || sender.question.with(|q| q.as_ref().map(|(_, t)| t.clone()));
    let yes = move |_| {
        if let Some((plan, _)) = sender.question.get_untracked() {
            sender.send(plan);
        }
    };
    let no = move |_| {
        sender.question.set(None);
        sender.announcer.say("Not sent.");
    };
    view! {
        <button type="button" id=id class="btn primary"
            aria-disabled=move || verdict.with(Result::is_err).to_string()
            on:click=handler(click)>{label}</button>
        <p class="submit-reason" role="status">{move || verdict.get().err().map(|why| why.to_string())}</p>
        {move || asked().map(|text| view! {
            <div class="confirm" role="alertdialog">
                <p>{text}</p>
                <div class="task-actions">
                    <button type="button" id=confirm_id class="btn primary" on:click=handler(yes)>"Send again"</button>
                    <button type="button" class="btn ghost" on:click=handler(no)>"Don't send"</button>
                </div>
            </div>
        })}
    }
}

/// The id of the field an input or change event came from (without the `f-` of
/// [`field_id`]) and its value: one handler reads every input of a maker.
fn typed(ev: &web_sys::Event) -> (String, String) {
    use wasm_bindgen::JsCast;
    let id = (ev.target())
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| e.id())
        .unwrap_or_default();
    let field = id.strip_prefix("f-").unwrap_or(&id).to_owned();
    (field, event_target_value(ev))
}

/// A number a person typed; not a number reads as NaN, which validation refuses.
fn ratio(text: &str) -> f64 {
    parse_decimal(text.trim()).unwrap_or(f64::NAN)
}

/// Puts what was typed into `field` of a speech request.
pub fn type_speech(speech: &mut VoiceRequest, field: &str, text: String) {
    match field {
        "text" => speech.text = text,
        "reference_audio_url" => speech.reference_audio_url = crate::form::clean(&text),
        "voice_model" => speech.model = text,
        "speed_ratio" => speech.speed_ratio = ratio(&text),
        "pitch_ratio" => speech.pitch_ratio = ratio(&text),
        "volume_ratio" => speech.volume_ratio = ratio(&text),
        _ => {}
    }
}

/// Puts what was typed into `field` of a picture request. The seed is a
/// whole number or nothing (anything else is left out).
pub fn type_picture(picture: &mut ImageRequest, field: &str, text: String) {
    match field {
        "prompt" => picture.prompt = text,
        "size" => picture.size = text,
        "image_model" => picture.model = text,
        "seed" => {
            picture.seed = parse_decimal(text.trim())
                .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                .map(|n| n as i64)
        }
        "image_urls" => {
            picture.image_urls = (text.lines().map(crate::form::clean))
                .filter(|l| !l.is_empty())
                .collect()
        }
        _ => {}
    }
}

/// `<option>`s of `(value, text)` pairs, `chosen` selected.
fn options(pairs: Vec<(&'static str, &'static str)>, chosen: &'static str) -> impl IntoView {
    (pairs.into_iter())
        .map(|(value, text)| view! { <option value=value selected=value == chosen>{text}</option> })
        .collect_view()
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
        let Some(url) = entry
            .record
            .with_untracked(|t| match (&t.result, t.request.video()) {
                (Some(TaskResult::Speech(url)), _) => Some(url.clone()),
                (_, Some(avatar_api::AvatarRequest::Pro(r))) => Some(r.audio_url.clone()),
                _ => None,
            })
        else {
            continue;
        };
        if !url.is_empty() && voices.iter().all(|(u, _)| *u != url) {
            voices.push((url, "Used before".to_owned()));
        }
    }
    voices
}

/// A fold-out whose body is made when it is first opened (not at start-up:
/// most visits never open it) and kept from then on, with what was typed.
fn fold_out(id: &'static str, summary: String, body: fn() -> AnyView) -> impl IntoView {
    use wasm_bindgen::JsCast;
    let opened = RwSignal::new(false);
    let toggle = move |ev: web_sys::Event| {
        let open = (ev.target())
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.has_attribute("open"));
        if open && !opened.get_untracked() {
            opened.set(true);
        }
    };
    view! {
        <details class="maker" id=id on:toggle=handler(toggle)>
            <summary>{summary}</summary>
            // Untracked: what the body reads as it is made (the task list, for
            // the voices) must not make it again, which would drop what was typed.
            {move || opened.get().then(|| untrack(body))}
        </details>
    }
}

/// "Write a script": speech from typed text in a reference voice.
#[component]
pub(super) fn SpeechMaker() -> impl IntoView {
    fold_out(
        "speech-maker",
        "No recording? Write a script and make the speech".to_owned(),
        speech_body,
    )
}

/// "Describe a face": a portrait from a prompt.
#[component]
pub(super) fn PortraitMaker() -> impl IntoView {
    fold_out(
        "portrait-maker",
        format!("No photo? Describe a face and make a portrait · {IMAGE_PRICE} credits"),
        portrait_body,
    )
}

/// The speech maker's fields, its price and its button.
fn speech_body() -> AnyView {
    let (conn, tasks) = (
        expect_context::<Connection>(),
        expect_context::<TaskStore>(),
    );
    let first_voice = conn
        .config
        .with_value(|c| c.voices.first().map(|v| v.url.clone()));
    // One signal of the one request type (not one per kind and a memo of
    // it): each signal type adds its own copy of the reactive code.
    // Subtitles are asked for too: when the provider sends them, captions
    // cost nothing (no price for them is documented).
    let request = RwSignal::new(TaskRequest::Speech(VoiceRequest {
        reference_audio_url: first_voice.unwrap_or_default(),
        generate_subtitle: true,
        ..VoiceRequest::default()
    }));
    let speech = move |f: &dyn Fn(&VoiceRequest) -> String| {
        request.with(|r| r.speech().map(f)).unwrap_or_default()
    };
    let stored =
        crate::storage::local().and_then(|s| s.get_item(ESTIMATE_UNDERSTOOD).ok().flatten());
    let understood = RwSignal::new(stored.is_some());
    let ready = Signal::derive(move || {
        if understood.get() {
            Ok(())
        } else {
            Err("Tick “I understand this is an estimate” first.".to_owned())
        }
    });
    let count = move || {
        speech(&|s| {
            let mut line = voice::estimate_breakdown(&s.text);
            if s.text.chars().count() > SCRIPT_WARN_CHARS {
                line.push_str(" · Long: the provider's older (v1) docs advise under 1,000 characters for quick speech; this may take minutes.");
            }
            line
        })
    };
    let heard = Memo::new(move |_| speech(&|s| s.reference_audio_url.clone()));
    let player = move || {
        let url = heard.get();
        voice::check_audio_url(&url)
            .is_ok()
            .then(|| view! { <audio controls preload="none" src=url></audio> })
    };
    let understand = move |ev| {
        let on = event_target_checked(&ev);
        understood.set(on);
        if let Some(s) = crate::storage::local() {
            let _ = if on {
                s.set_item(ESTIMATE_UNDERSTOOD, "1")
            } else {
                s.remove_item(ESTIMATE_UNDERSTOOD)
            };
        }
    };
    let voices = known_voices(conn, tasks)
        .into_iter()
        .map(|(url, label)| view! { <option value=url>{label}</option> })
        .collect_view();
    let models = VoiceModel::ALL.iter().map(|m| (m.id(), m.id())).collect();
    let first = untrack(|| heard.get());
    let input = move |ev: web_sys::Event| {
        let (field, text) = typed(&ev);
        request.update(|r| {
            if let TaskRequest::Speech(s) = r {
                type_speech(s, &field, text)
            }
        });
    };
    view! {
            <div class="maker-body" on:input=handler(input)>
                <label for="f-text">"Script"</label>
                <textarea id="f-text" rows="4" aria-describedby="script-count"></textarea>
                <p class="hint" aria-live="polite" id="script-count">{count}</p>
                <label for="f-reference_audio_url">"Reference voice: a recording of the voice to use"</label>
                <input id="f-reference_audio_url" type="url" list="known-voices" autocomplete="off" spellcheck="false"
                    placeholder="https://…/voice.wav" value=first/>
                <datalist id="known-voices">{voices}</datalist>
                {player}
                <label>"Voice model"<select id="f-voice_model">{options(models, VoiceModel::V2Emotion.id())}</select></label>
                <div class="three-col numbers">
                    <label>"Speed (0.5–2)"<input id="f-speed_ratio" type="text" inputmode="decimal" value="1"/></label>
                    <label>"Pitch (−10–10)"<input id="f-pitch_ratio" type="text" inputmode="decimal" value="0"/></label>
                    <label>"Volume (0.1–2)"<input id="f-volume_ratio" type="text" inputmode="decimal" value="1"/></label>
                </div>
            </div>
            <p class="hint">
                "Price: the provider publishes none for speech. The page estimates it by the rule the provider publishes for the same speech engine (podcast and dubbing): 1 credit per character, 2 per Chinese, Japanese or Korean character, settled when the speech is ready. The API's own answer (a 402 with the amount it wants) is what counts. Subtitles are asked for too (no price is documented for them): when the provider sends them, the speech and its video have captions at no cost."
            </p>
            <label class="check">
                <input type="checkbox" id="estimate-understood" checked=stored.is_some() on:change=handler(understand)/>
                "I understand this is an estimate: the charge may differ."
            </label>
            {make_button("make-speech", "make-speech-confirm", "voice_model", request, ready)}
            <ChainControls request ready/>
    }
    .into_any()
}

/// The portrait maker's fields and its button.
fn portrait_body() -> AnyView {
    let request = RwSignal::new(TaskRequest::Portrait(ImageRequest {
        size: Aspect::Portrait.id().to_owned(),
        ..ImageRequest::default()
    }));
    let aspects = Aspect::ALL.iter().map(|a| (a.id(), a.label())).collect();
    let models = ImageModel::ALL
        .iter()
        .map(|m| (m.id(), m.label()))
        .collect();
    let references = move || {
        request.with(|r| match r {
            TaskRequest::Portrait(p) => {
                let most = p.image_model().map_or(0, ImageModel::max_references);
                format!("{} of at most {most} reference images.", p.image_urls.len())
            }
            _ => String::new(),
        })
    };
    let input = move |ev: web_sys::Event| {
        let (field, text) = typed(&ev);
        request.update(|r| {
            if let TaskRequest::Portrait(p) = r {
                type_picture(p, &field, text)
            }
        });
    };
    view! {
            <div class="maker-body" on:input=handler(input)>
                <label for="f-prompt">"Description"</label>
                <textarea id="f-prompt" rows="3" placeholder="A friendly woman in her forties, short grey hair, head and shoulders, soft daylight"></textarea>
                <div class="three-col">
                    <label>"Aspect"<select id="f-size">{options(aspects, Aspect::Portrait.id())}</select></label>
                    <label>"Image model"<select id="f-image_model">{options(models, ImageModel::GptImage2.id())}</select></label>
                    <label>"Seed (optional)"<input id="f-seed" type="text" inputmode="numeric"/></label>
                </div>
                <p class="hint">"A head-and-shoulders portrait suits Upright 9:16 (the API's own default is 1:1). The same description and seed give the same picture."</p>
                <label for="f-image_urls">"Reference images (optional, one URL per line)"</label>
                <textarea id="f-image_urls" rows="2" aria-describedby="reference-count"></textarea>
                <p class="hint" id="reference-count">{references}</p>
            </div>
            {make_button("make-portrait", "make-portrait-confirm", "image_model", request, Signal::derive(|| Ok(())))}
    }
    .into_any()
}

/// The latest portraits made, as thumbnails that fill the portrait's URL.
#[component]
pub(super) fn RecentPortraits() -> impl IntoView {
    let (tasks, draft) = (expect_context::<TaskStore>(), expect_context::<Draft>());
    let latest = Memo::new(move |_| {
        (tasks.results().into_iter())
            .filter_map(|e| {
                e.record.with(|t| match &t.result {
                    Some(r) if r.kind() == Kind::Portrait => r.link().map(str::to_owned),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_typed_lands_in_the_request() {
        let mut s = VoiceRequest::default();
        type_speech(&mut s, "text", "Hi".into());
        type_speech(&mut s, "reference_audio_url", " https://x/v.wav \n".into());
        type_speech(&mut s, "voice_model", "omni".into());
        type_speech(&mut s, "speed_ratio", "1.5".into());
        type_speech(&mut s, "pitch_ratio", "fast".into());
        assert_eq!(
            (s.text.as_str(), s.reference_audio_url.as_str()),
            ("Hi", "https://x/v.wav")
        );
        assert_eq!((s.model.as_str(), s.speed_ratio), ("omni", 1.5));
        assert!(s.pitch_ratio.is_nan());
        assert_eq!(s.validate().unwrap_err()[0].field, "pitch_ratio");

        let mut p = ImageRequest::default();
        type_picture(
            &mut p,
            "image_urls",
            "https://x/a.png\n\n https://x/b.png ".into(),
        );
        type_picture(&mut p, "seed", "42".into());
        type_picture(&mut p, "size", "16:9".into());
        assert_eq!(p.image_urls, ["https://x/a.png", "https://x/b.png"]);
        assert_eq!((p.seed, p.size.as_str()), (Some(42), "16:9"));
        type_picture(&mut p, "seed", "4.5".into());
        assert_eq!(p.seed, None);
    }
}
