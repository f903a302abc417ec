//! The form's fields: each model's media (URL inputs with their previews),
//! number choices and inputs, the parameters of each model and the motion
//! prompt; each shows its problem once touched (or the API's, after a
//! submit).

use avatar_api::FieldError;
use avatar_api::advice::{self, Advice, Fix};
use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::model::{self, Field, Model};
use avatar_api::number::parse_decimal;
use avatar_api::validate::prompt_chars;
use leptos::prelude::*;

use super::FormState;
use super::make::{PortraitMaker, RecentPortraits, SpeechMaker};
use super::preview::{AudioPreview, ImagePreview, VideoPreview};
use crate::ctx::{Connection, Draft};
use crate::form::{Form, clean};
use crate::widgets::{ShowWhen, field_id, handler};

/// The message to show beside `field`: the API's, else the contract's once touched.
fn shown_error(draft: Draft, errors: Memo<Vec<FieldError>>, field: Field) -> Option<String> {
    let message =
        |errs: &Vec<FieldError>| errs.iter().find(|e| e.is(field)).map(|e| e.message.clone());
    draft.server_errors.with(message).or_else(|| {
        draft
            .touched
            .with(|t| t.has(field))
            .then(|| errors.with(message))
            .flatten()
    })
}

fn touch(draft: Draft, field: Field) {
    draft.touched.update(|t| t.add(field));
}

/// What a URL field previews.
#[derive(Clone, Copy, PartialEq)]
enum Media {
    /// An image with its pixel size.
    Image,
    /// An audio player; its detected length fills the audio length.
    Audio,
    /// A video player.
    Video,
    /// No preview.
    Plain,
}

/// A labelled URL input with an inline message and a live preview.
#[component]
fn UrlField(
    field: Field,
    kind: Media,
    get: fn(&Form) -> String,
    set: fn(&mut Form, String),
    hint: &'static str,
) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field.name());
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let value = Signal::derive(move || draft.form.with(get));
    let error = Signal::derive(move || shown_error(draft, errors, field));
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{field.label()}</label>
            <input
                id=id
                type="url"
                inputmode="url"
                autocomplete="off"
                spellcheck="false"
                placeholder="https://…"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described
                prop:value=value
                on:input=handler(move |ev| {
                    let v = event_target_value(&ev);
                    draft.form.update(|f| set(f, v));
                })
                on:change=handler(move |ev| {
                    // Pasted text often carries spaces or a newline: keep it clean.
                    let v = clean(&event_target_value(&ev));
                    draft.form.update(|f| set(f, v));
                    touch(draft, field);
                })
            />
            <p class="hint" id=hint_id>{hint}</p>
            <p class="error-text" id=error_id role="alert">{move || error.get()}</p>
            {move || advice_line(value.with(|u| advice::share_page(field.name(), u)), set)}
            {match kind {
                Media::Image => view! { <ImagePreview url=value/> }.into_any(),
                Media::Audio => view! { <AudioPreview url=value/> }.into_any(),
                Media::Video => view! { <VideoPreview url=value/> }.into_any(),
                Media::Plain => ().into_any(),
            }}
        </div>
    }
}

/// A warning that does not stop sending, with its one-click fix if it has
/// one (`apply` puts a direct link into the field).
fn advice_line(
    advice: Option<Advice>,
    apply: impl Fn(&mut Form, String) + Copy + 'static,
) -> Option<AnyView> {
    let draft = expect_context::<Draft>();
    let advice = advice?;
    let fix = advice.fix.clone().map(|fix| {
        let label = fix.label();
        let click = move |_| match &fix {
            Fix::FollowAudio => draft
                .form
                .update(|f| f.duration = model::Duration::FOLLOW_AUDIO),
            Fix::UseLink(link) => draft.form.update(|f| apply(f, link.clone())),
        };
        view! { <button type="button" class="btn small" on:click=handler(click)>{label}</button> }
    });
    Some(
        view! {
            <div class="advice" role="status">
                <p class="warn-text">{advice.message}</p>
                {fix}
            </div>
        }
        .into_any(),
    )
}

/// The media inputs of the form's model, each with its preview.
pub(super) fn media_fields() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let model = expect_context::<FormState>().model;
    let billing_audio: fn(&mut Form, String) = Form::set_billing_audio;
    move || {
        match model.get() {
        Model::AvatarPro => view! {
            <UrlField field=Field::ImageUrl kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                hint="A clear, front-facing portrait photo (PNG or JPEG)."/>
            <RecentPortraits/>
            <PortraitMaker/>
            <UrlField field=Field::AudioUrl kind=Media::Audio get=|f| f.audio_url.clone() set=billing_audio
                hint="The speech to lip-sync (MP3 or WAV)."/>
            <SpeechMaker/>
        }.into_any(),
        Model::DigitalHuman => view! {
            <SourceToggle/>
            {move || if draft.form.with(|f| f.use_video) {
                view! { <UrlField field=Field::InputVideoUrl kind=Media::Video get=|f| f.video_url.clone() set=|f, v| f.video_url = v
                    hint="A short video of the person to animate."/> }.into_any()
            } else {
                view! { <UrlField field=Field::ImageUrl kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                    hint="A clear, front-facing portrait photo."/> <RecentPortraits/> <PortraitMaker/> }.into_any()
            }}
            <UrlField field=Field::AudioUrl kind=Media::Audio get=|f| f.audio_url.clone() set=billing_audio
                hint="The speech; its length sets the cost."/>
            <SpeechMaker/>
        }.into_any(),
        Model::DualAvatar => view! {
            <UrlField field=Field::DualImageUrl kind=Media::Image get=|f| f.dual_image_url.clone() set=|f, v| f.dual_image_url = v
                hint="One picture showing both people."/>
            <UrlField field=Field::AudioMixUrl kind=Media::Audio get=|f| f.audio_mix_url.clone() set=billing_audio
                hint="The whole conversation; its length sets the cost."/>
            <div class="two-col">
                <UrlField field=Field::Audio1Url kind=Media::Plain get=|f| f.audio1_url.clone() set=|f, v| f.audio1_url = v hint="Speaker 1's track alone."/>
                <UrlField field=Field::Audio2Url kind=Media::Plain get=|f| f.audio2_url.clone() set=|f, v| f.audio2_url = v hint="Speaker 2's track alone."/>
            </div>
        }.into_any(),
    }
    }
}

/// AI Avatar: animate an image or a video.
#[component]
fn SourceToggle() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let draft = expect_context::<Draft>();
    let option = move |video: bool, label: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name="source"
                    prop:checked=move || draft.form.with(|f| f.use_video == video)
                    on:change=handler(move |_| {
                        draft.form.update(|f| f.use_video = video);
                        if video
                            && draft.form.with_untracked(|f| f.video_url.is_empty())
                            && let Some(v) = conn.config.with_value(|c| c.video_sample.clone())
                        {
                            draft.form.update(|f| f.video_url = v);
                        }
                    })
                />
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="inline-options">
            <legend>"Source"</legend>
            {option(false, "Portrait image")}
            {option(true, "Source video")}
        </fieldset>
    }
}

/// A `<select>` of the values the contract allows for `field`
/// ([`model::choices`]), read and set as the form's text of it.
#[component]
fn ChoiceSelect(field: Field) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field.name());
    let chosen = move || draft.form.with(|f| f.text(field));
    view! {
        <div class="field">
            <label for=id.clone()>{field.label()}</label>
            <select
                id=id
                prop:value=chosen
                on:change=handler(move |ev| {
                    let v = event_target_value(&ev);
                    draft.form.update(|f| f.set_text(field, &v));
                })
            >
                {model::choices(field)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(v, text)| {
                        let v = v.to_string();
                        let selected = {
                            let v = v.clone();
                            move || chosen() == v
                        };
                        view! { <option value=v selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="error-text" role="alert">{move || shown_error(draft, errors, field)}</p>
        </div>
    }
}

/// A number input that keeps what is typed while it parses it into the form.
#[component]
fn NumberField(
    field: Field,
    suffix: &'static str,
    get: fn(&Form) -> Option<f64>,
    set: fn(&mut Form, Option<f64>),
    hint: Signal<String>,
) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field.name());
    let show = |v: Option<f64>| {
        v.map(|n| format_seconds(seconds_to_ms(n)))
            .unwrap_or_default()
    };
    let text = RwSignal::new(show(draft.form.with_untracked(get)));
    // Follow changes made elsewhere (detected audio length, reuse, samples).
    Effect::watch(
        move || draft.form.with(get),
        move |value, _, _| {
            let typed = text.with_untracked(|t| parse_decimal(t.trim()));
            if typed != *value {
                text.set(show(*value));
            }
        },
        false,
    );
    let error = Signal::derive(move || shown_error(draft, errors, field));
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{field.label()}</label>
            <div class="input-suffix">
                <input
                    id=id
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || text.get()
                    on:input=handler(move |ev| {
                        let raw = event_target_value(&ev);
                        let parsed = parse_decimal(raw.trim());
                        text.set(raw);
                        draft.form.update(|f| set(f, parsed));
                    })
                    on:change=handler(move |_| touch(draft, field))
                />
                <span class="suffix">{suffix}</span>
            </div>
            <p class="hint">{move || hint.get()}</p>
            <p class="error-text" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// Duration, resolution, frame rate and motion prompt (Pro); audio length
/// and output size (the siblings).
#[component]
pub(super) fn ParamsForm() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let model = expect_context::<FormState>().model;
    let needs_audio = Memo::new(move |_| draft.form.with(Form::needs_audio_length));
    let audio_hint = Signal::derive(move || {
        if draft.form.with(|f| f.audio_seconds.is_some()) {
            "Filled in from the audio; edit it if it is wrong.".to_owned()
        } else {
            "Detected when the audio loads, or type it in seconds.".to_owned()
        }
    });
    let pro = move || {
        view! {
            <div class="three-col">
                <ChoiceSelect field=Field::Duration/>
                <ChoiceSelect field=Field::Resolution/>
                <ChoiceSelect field=Field::Framerate/>
            </div>
            {move || advice_line(
                draft.form.with(|f| advice::duration_fit(f.resolution, f.duration, f.audio_seconds)),
                |_, _| {},
            )}
            <ShowWhen when=move || needs_audio.get()>
                <NumberField field=Field::AudioDurationSeconds suffix="s"
                    get=|f| f.audio_seconds set=|f, v| f.audio_seconds = v hint=audio_hint/>
            </ShowWhen>
            <MotionPrompt/>
        }
    };
    let sized = move || {
        let side_hint = Signal::derive(move || {
            if draft.form.with(|f| f.model == Model::DigitalHuman) {
                draft
                    .form
                    .with(|f| avatar_api::billing::digital_human_rate_text(f.width, f.height))
            } else {
                "Even number of pixels.".to_owned()
            }
        });
        view! {
            <NumberField field=Field::AudioDurationSeconds suffix="s"
                get=|f| f.audio_seconds set=|f, v| f.audio_seconds = v hint=audio_hint/>
            <div class="two-col">
                <NumberField field=Field::Width suffix="px"
                    get=|f| Some(f64::from(f.width)) set=|f, v| f.width = side(v) hint=side_hint/>
                <NumberField field=Field::Height suffix="px"
                    get=|f| Some(f64::from(f.height)) set=|f, v| f.height = side(v) hint=side_hint/>
            </div>
        }
    };
    move || match model.get() {
        Model::AvatarPro => pro().into_any(),
        _ => sized().into_any(),
    }
}

/// A typed width or height; 0 (invalid, reported by validation) when not a whole number.
fn side(v: Option<f64>) -> u32 {
    v.filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX))
        .map(|n| n as u32)
        .unwrap_or(0)
}

/// The motion prompt with a live character counter.
#[component]
fn MotionPrompt() -> impl IntoView {
    let errors = expect_context::<FormState>().errors;
    let draft = expect_context::<Draft>();
    let count = Memo::new(move |_| draft.form.with(|f| prompt_chars(f.motion_prompt.trim())));
    let over = move || count.get() > model::MOTION_PROMPT_MAX_CHARS;
    let field = Field::MotionPrompt;
    let id = field_id(field.name());
    view! {
        <div class="field" class:invalid=over>
            <div class="label-row">
                <label for=id.clone()>{field.label()}</label>
                <span class="counter" class:over=over id="motion-counter" aria-live="polite">
                    {move || format!("{} / {}", count.get(), model::MOTION_PROMPT_MAX_CHARS)}
                </span>
            </div>
            <textarea
                id=id
                rows="3"
                placeholder=model::DEFAULT_MOTION_PROMPT
                aria-describedby="motion-counter motion-hint"
                prop:value=move || draft.form.with(|f| f.motion_prompt.clone())
                on:input=handler(move |ev| {
                    let v = event_target_value(&ev);
                    draft.form.update(|f| f.motion_prompt = v);
                })
                on:change=handler(move |_| touch(draft, field))
            ></textarea>
            <p class="hint" id="motion-hint">
                {format!("Optional: how the person moves and looks. Empty means \u{201c}{}\u{201d}.", model::DEFAULT_MOTION_PROMPT)}
            </p>
            <p class="error-text" role="alert">{move || shown_error(draft, errors, field)}</p>
        </div>
    }
}
