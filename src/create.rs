//! The create form: model picker, media inputs with previews, parameters,
//! the cost panel and the submit button, plus share link and curl.

use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::model::{self, Model, field_label};
use avatar_api::number::parse_decimal;
use avatar_api::validate::{is_http_url, prompt_chars};
use avatar_api::{AvatarRequest, FieldError, Quote};
use leptos::prelude::*;

use crate::api::{ApiError, curl_command};
use crate::ctx::{Ctx, Notice, now_ms};
use crate::form::{Form, clean};
use crate::storage::TaskRecord;
use crate::widgets::{CopyButton, field_id, focus_id};

/// What the form means, worked out once per change (provided by
/// [`CreatePanel`]) and read by every field, the cost panel, the submit
/// area and the share tools.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The request the form sends.
    pub request: Memo<AvatarRequest>,
    /// Its problems, from the contract's validation (empty when valid).
    pub errors: Memo<Vec<FieldError>>,
    /// Its price, when it has one.
    pub quote: Memo<Option<Quote>>,
}

impl FormState {
    fn new(form: RwSignal<Form>) -> FormState {
        let request = Memo::new(move |_| form.with(Form::to_request));
        let errors = Memo::new(move |_| request.with(|r| r.validate().err().unwrap_or_default()));
        let quote = Memo::new(move |_| request.with(AvatarRequest::quote));
        FormState {
            request,
            errors,
            quote,
        }
    }
}

/// The message to show beside `field`: the API's, else the contract's once touched.
fn shown_error(ctx: Ctx, errors: Memo<Vec<FieldError>>, field: &'static str) -> Option<String> {
    let server = ctx.server_errors.with(|errs| {
        errs.iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    });
    server.or_else(|| {
        let touched = ctx
            .touched
            .with(|t| t.iter().any(|f| f == field || f == "*"));
        if !touched {
            return None;
        }
        errors.with(|errs| {
            errs.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    })
}

fn touch(ctx: Ctx, field: &str) {
    ctx.touched.update(|t| {
        if !t.iter().any(|f| f == field) {
            t.push(field.to_owned());
        }
    });
}

/// The whole "Create" card.
#[component]
pub fn CreatePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let state = FormState::new(ctx.form);
    provide_context(state);
    let errors = state.errors;
    let model = Memo::new(move |_| ctx.form.with(|f| f.model));
    // A changed form makes the API's last field messages stale.
    Effect::watch(
        move || ctx.form.get(),
        move |_, _, _| {
            if ctx.server_errors.with_untracked(|e| !e.is_empty()) {
                ctx.server_errors.set(Vec::new());
            }
        },
        false,
    );
    view! {
        <section id="create" class="card create" aria-labelledby="create-title">
            <div class="card-head">
                <h2 id="create-title">"Create a video"</h2>
                <SampleButton/>
            </div>
            <ModelPicker/>
            <div class="section-title">"Media"</div>
            {move || match model.get() {
                Model::AvatarPro => view! {
                    <UrlField field="image_url" kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                        hint="A clear, front-facing portrait photo (PNG or JPEG)."/>
                    <UrlField field="audio_url" kind=Media::Audio get=|f| f.audio_url.clone() set=set_billing_audio
                        hint="The speech to lip-sync (MP3 or WAV)."/>
                }.into_any(),
                Model::DigitalHuman => view! {
                    <SourceToggle/>
                    {move || if ctx.form.with(|f| f.use_video) {
                        view! { <UrlField field="input_video_url" kind=Media::Video get=|f| f.video_url.clone() set=|f, v| f.video_url = v
                            hint="A short video of the person to animate."/> }.into_any()
                    } else {
                        view! { <UrlField field="image_url" kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                            hint="A clear, front-facing portrait photo."/> }.into_any()
                    }}
                    <UrlField field="audio_url" kind=Media::Audio get=|f| f.audio_url.clone() set=set_billing_audio
                        hint="The speech; its length sets the cost."/>
                }.into_any(),
                Model::DualAvatar => view! {
                    <UrlField field="dual_image_url" kind=Media::Image get=|f| f.dual_image_url.clone() set=|f, v| f.dual_image_url = v
                        hint="One picture showing both people."/>
                    <UrlField field="audio_mix_url" kind=Media::Audio get=|f| f.audio_mix_url.clone() set=set_billing_audio
                        hint="The whole conversation; its length sets the cost."/>
                    <div class="two-col">
                        <UrlField field="audio1_url" kind=Media::Plain get=|f| f.audio1_url.clone() set=|f, v| f.audio1_url = v hint="Speaker 1's track alone."/>
                        <UrlField field="audio2_url" kind=Media::Plain get=|f| f.audio2_url.clone() set=|f, v| f.audio2_url = v hint="Speaker 2's track alone."/>
                    </div>
                }.into_any(),
            }}
            <div class="section-title">"Parameters"</div>
            <ParamsForm errors/>
            <CostPanel/>
            <SubmitArea errors/>
            <ShareTools/>
        </section>
    }
}

fn set_billing_audio(f: &mut Form, v: String) {
    if f.billing_audio_url() != v {
        f.audio_seconds = None;
    }
    match f.model {
        Model::DualAvatar => f.audio_mix_url = v,
        _ => f.audio_url = v,
    }
}

/// "Try a sample": fills in the configured sample media for the current model.
#[component]
fn SampleButton() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let next = StoredValue::new(0usize);
    let has_samples = ctx
        .config
        .with_value(|c| !c.samples.is_empty() || c.dual_sample.is_some());
    let fill = move |_| {
        let config = ctx.config.get_value();
        let mut filled = String::new();
        ctx.form.update(|f| match f.model {
            Model::DualAvatar => {
                if let Some(s) = &config.dual_sample {
                    f.dual_image_url = s.dual_image_url.clone();
                    f.audio_mix_url = s.audio_mix_url.clone();
                    f.audio1_url = s.audio1_url.clone();
                    f.audio2_url = s.audio2_url.clone();
                    f.audio_seconds = None;
                    filled = "Dual Avatar sample".to_owned();
                }
            }
            _ => {
                if config.samples.is_empty() {
                    return;
                }
                let i = next.get_value() % config.samples.len();
                next.set_value(i + 1);
                let s = &config.samples[i];
                f.image_url = s.image_url.clone();
                f.audio_url = s.audio_url.clone();
                f.audio_seconds = None;
                if f.model == Model::DigitalHuman {
                    f.use_video = false;
                }
                filled = if s.label.is_empty() {
                    "sample".to_owned()
                } else {
                    s.label.clone()
                };
            }
        });
        if filled.is_empty() {
            ctx.say("No sample is configured for this model.");
        } else {
            ctx.say(format!("Filled in: {filled}."));
        }
    };
    view! {
        <Show when=move || has_samples>
            <button type="button" id="try-sample" class="btn ghost" on:click=fill>
                "Try a sample"
            </button>
        </Show>
    }
}

/// The three models as radio cards.
#[component]
fn ModelPicker() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <fieldset class="models">
            <legend>"Model"</legend>
            {Model::ALL
                .into_iter()
                .map(|m| {
                    let id = format!("model-{}", m.id());
                    let label_for = id.clone();
                    view! {
                        <label class="model" class:selected=move || ctx.form.with(|f| f.model == m) for=label_for>
                            <input
                                type="radio"
                                name="model"
                                id=id
                                value=m.id()
                                prop:checked=move || ctx.form.with(|f| f.model == m)
                                on:change=move |_| {
                                    ctx.form.update(|f| f.model = m);
                                    ctx.touched.set(Vec::new());
                                }
                            />
                            <span class="model-name">{m.label()}</span>
                            <span class="model-desc">{m.description()}</span>
                            <span class="model-price">{m.price_rule()}</span>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// AI Avatar: animate an image or a video.
#[component]
fn SourceToggle() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let option = move |video: bool, label: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name="source"
                    prop:checked=move || ctx.form.with(|f| f.use_video == video)
                    on:change=move |_| {
                        ctx.form.update(|f| f.use_video = video);
                        if video
                            && ctx.form.with_untracked(|f| f.video_url.is_empty())
                            && let Some(v) = ctx.config.with_value(|c| c.video_sample.clone())
                        {
                            ctx.form.update(|f| f.video_url = v);
                        }
                    }
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

/// What a URL field previews.
#[derive(Clone, Copy, PartialEq)]
pub enum Media {
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
    field: &'static str,
    kind: Media,
    get: fn(&Form) -> String,
    set: fn(&mut Form, String),
    hint: &'static str,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let value = Signal::derive(move || ctx.form.with(get));
    let error = Signal::derive(move || shown_error(ctx, errors, field));
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{field_label(field)}</label>
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
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    ctx.form.update(|f| set(f, v));
                }
                on:change=move |ev| {
                    // Pasted text often carries spaces or a newline: keep it clean.
                    let v = clean(&event_target_value(&ev));
                    ctx.form.update(|f| set(f, v));
                    touch(ctx, field);
                }
            />
            <p class="hint" id=hint_id>{hint}</p>
            <p class="error-text" id=error_id role="alert">{move || error.get()}</p>
            {match kind {
                Media::Image => view! { <ImagePreview url=value/> }.into_any(),
                Media::Audio => view! { <AudioPreview url=value/> }.into_any(),
                Media::Video => view! { <VideoPreview url=value/> }.into_any(),
                Media::Plain => ().into_any(),
            }}
        </div>
    }
}

/// Loading state of a previewed URL: which URL, and what it gave.
type Probe<T> = RwSignal<Option<(String, Result<T, ()>)>>;

fn probe_for<T: Clone + Send + Sync + 'static>(
    probe: Probe<T>,
    url: &str,
) -> Option<Result<T, ()>> {
    probe.with(|p| p.as_ref().filter(|(u, _)| u == url).map(|(_, r)| r.clone()))
}

/// The image at `url`, with its pixel size, or a warning when it does not load.
#[component]
fn ImagePreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let probe: Probe<(u32, u32)> = RwSignal::new(None);
    // `url` follows the whole form: only a new URL may re-create the element.
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (on_load_url, on_error_url) = (u.clone(), u.clone());
        let caption_url = u.clone();
        Some(view! {
            <figure class="preview image">
                <img
                    src=u
                    alt="Preview of the image"
                    on:load=move |ev| {
                        let img: web_sys::HtmlImageElement = event_target(&ev);
                        probe.set(Some((on_load_url.clone(), Ok((img.natural_width(), img.natural_height())))));
                    }
                    on:error=move |_| probe.set(Some((on_error_url.clone(), Err(()))))
                    class:broken=move || matches!(probe_for(probe, &caption_url), Some(Err(())))
                />
                <figcaption>
                    {let u = src.get_untracked(); move || match probe_for(probe, &u) {
                        None => view! { <span class="muted">"Loading preview…"</span> }.into_any(),
                        Some(Ok((w, h))) => view! { <span>{format!("Image · {w} × {h} px")}</span> }.into_any(),
                        Some(Err(())) => view! {
                            <span class="warn-text" role="status">"This image did not load: check that the URL points to a picture anyone can open."</span>
                        }.into_any(),
                    }}
                </figcaption>
            </figure>
        })
    }
}

/// An audio player; its detected length fills the form's audio length.
///
/// The element is made once per URL: `url` follows the whole form, and the
/// length written into the form on `loadedmetadata` used to re-create the
/// `<audio>` (a fresh, unloaded one showing "0:00 / 0:00"), which loaded its
/// metadata and wrote again, over and over.
#[component]
fn AudioPreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let probe: Probe<f64> = RwSignal::new(None);
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (on_meta_url, on_error_url, caption_url) = (u.clone(), u.clone(), u.clone());
        Some(view! {
            <div class="preview audio">
                <audio
                    controls
                    preload="metadata"
                    src=u
                    on:loadedmetadata=move |ev| {
                        let audio: web_sys::HtmlMediaElement = event_target(&ev);
                        let seconds = audio.duration();
                        if seconds.is_finite() && seconds > 0.0 {
                            probe.set(Some((on_meta_url.clone(), Ok(seconds))));
                            let detected = Some((seconds * 1000.0).round() / 1000.0);
                            ctx.form.maybe_update(|f| {
                                let changed = clean(f.billing_audio_url()) == on_meta_url
                                    && f.audio_seconds != detected;
                                if changed {
                                    f.audio_seconds = detected;
                                }
                                changed
                            });
                        }
                    }
                    on:error=move |_| probe.set(Some((on_error_url.clone(), Err(()))))
                ></audio>
                <p class="preview-caption">
                    {move || match probe_for(probe, &caption_url) {
                        None => view! { <span class="muted">"Reading the audio…"</span> }.into_any(),
                        Some(Ok(s)) => view! {
                            <span>{format!("Audio · {} s detected", format_seconds(seconds_to_ms(s)))}</span>
                        }.into_any(),
                        Some(Err(())) => view! {
                            <span class="warn-text" role="status">"This audio did not load: check the URL, or type its length below."</span>
                        }.into_any(),
                    }}
                </p>
            </div>
        })
    }
}

/// A source video player.
#[component]
fn VideoPreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let probe: Probe<()> = RwSignal::new(None);
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (ok_url, err_url, caption_url) = (u.clone(), u.clone(), u.clone());
        Some(view! {
            <div class="preview video">
                <video
                    controls
                    playsinline
                    muted
                    preload="metadata"
                    src=u
                    on:loadedmetadata=move |_| probe.set(Some((ok_url.clone(), Ok(()))))
                    on:error=move |_| probe.set(Some((err_url.clone(), Err(()))))
                ></video>
                <p class="preview-caption">
                    {move || matches!(probe_for(probe, &caption_url), Some(Err(()))).then(|| view! {
                        <span class="warn-text" role="status">"This video did not load: check the URL."</span>
                    })}
                </p>
            </div>
        })
    }
}

/// A `<select>` of whole numbers.
#[component]
fn NumberSelect(
    field: &'static str,
    options: Vec<(u32, String)>,
    get: fn(&Form) -> u32,
    set: fn(&mut Form, u32),
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field);
    view! {
        <div class="field">
            <label for=id.clone()>{field_label(field)}</label>
            <select
                id=id
                prop:value=move || ctx.form.with(get).to_string()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse() {
                        ctx.form.update(|f| set(f, v));
                    }
                }
            >
                {options
                    .into_iter()
                    .map(|(v, text)| {
                        view! {
                            <option value=v.to_string() selected=move || ctx.form.with(get) == v>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="error-text" role="alert">{move || shown_error(ctx, errors, field)}</p>
        </div>
    }
}

/// A number input that keeps what is typed while it parses it into the form.
#[component]
fn NumberField(
    field: &'static str,
    label: &'static str,
    suffix: &'static str,
    get: fn(&Form) -> Option<f64>,
    set: fn(&mut Form, Option<f64>),
    hint: Signal<String>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let errors = expect_context::<FormState>().errors;
    let id = field_id(field);
    let show = |v: Option<f64>| {
        v.map(|n| format_seconds(seconds_to_ms(n)))
            .unwrap_or_default()
    };
    let text = RwSignal::new(show(ctx.form.with_untracked(get)));
    // Follow changes made elsewhere (detected audio length, reuse, samples).
    Effect::watch(
        move || ctx.form.with(get),
        move |value, _, _| {
            let typed = text.with_untracked(|t| parse_decimal(t.trim()));
            if typed != *value {
                text.set(show(*value));
            }
        },
        false,
    );
    let error = Signal::derive(move || shown_error(ctx, errors, field));
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <div class="input-suffix">
                <input
                    id=id
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let raw = event_target_value(&ev);
                        let parsed = parse_decimal(raw.trim());
                        text.set(raw);
                        ctx.form.update(|f| set(f, parsed));
                    }
                    on:change=move |_| touch(ctx, field)
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
fn ParamsForm(errors: Memo<Vec<FieldError>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let model = Memo::new(move |_| ctx.form.with(|f| f.model));
    let needs_audio = Memo::new(move |_| ctx.form.with(Form::needs_audio_length));
    let audio_hint = Signal::derive(move || {
        if ctx.form.with(|f| f.audio_seconds.is_some()) {
            "Filled in from the audio; edit it if it is wrong.".to_owned()
        } else {
            "Detected when the audio loads, or type it in seconds.".to_owned()
        }
    });
    let pro = move || {
        let durations = model::DURATIONS
            .iter()
            .map(|&d| {
                let text = if d == model::FOLLOW_AUDIO {
                    "Follow audio".to_owned()
                } else {
                    format!("{d} s")
                };
                (d, text)
            })
            .collect();
        let resolutions = model::RESOLUTIONS
            .iter()
            .map(|&r| (r, format!("{r} px")))
            .collect();
        let framerates = model::FRAMERATES
            .iter()
            .map(|&r| (r, format!("{r} fps")))
            .collect();
        view! {
            <div class="three-col">
                <NumberSelect field="duration" options=durations get=|f| f.duration set=|f, v| f.duration = v/>
                <NumberSelect field="resolution" options=resolutions get=|f| f.resolution set=|f, v| f.resolution = v/>
                <NumberSelect field="framerate" options=framerates get=|f| f.framerate set=|f, v| f.framerate = v/>
            </div>
            <Show when=move || needs_audio.get()>
                <NumberField field="audio_duration_seconds" label="Audio length" suffix="s"
                    get=|f| f.audio_seconds set=|f, v| f.audio_seconds = v hint=audio_hint/>
            </Show>
            <MotionPrompt errors/>
        }
    };
    let sized = move || {
        let side_hint = Signal::derive(move || {
            if ctx.form.with(|f| f.model == Model::DigitalHuman) {
                ctx.form
                    .with(|f| avatar_api::billing::digital_human_rate_text(f.width, f.height))
            } else {
                "Even number of pixels.".to_owned()
            }
        });
        view! {
            <NumberField field="audio_duration_seconds" label="Audio length" suffix="s"
                get=|f| f.audio_seconds set=|f, v| f.audio_seconds = v hint=audio_hint/>
            <div class="two-col">
                <NumberField field="width" label="Width" suffix="px"
                    get=|f| Some(f64::from(f.width)) set=|f, v| f.width = side(v) hint=side_hint/>
                <NumberField field="height" label="Height" suffix="px"
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
fn MotionPrompt(errors: Memo<Vec<FieldError>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let count = Memo::new(move |_| ctx.form.with(|f| prompt_chars(f.motion_prompt.trim())));
    let over = move || count.get() > model::MOTION_PROMPT_MAX_CHARS;
    let id = field_id("motion_prompt");
    view! {
        <div class="field" class:invalid=over>
            <div class="label-row">
                <label for=id.clone()>"Motion prompt"</label>
                <span class="counter" class:over=over id="motion-counter" aria-live="polite">
                    {move || format!("{} / {}", count.get(), model::MOTION_PROMPT_MAX_CHARS)}
                </span>
            </div>
            <textarea
                id=id
                rows="3"
                placeholder=model::DEFAULT_MOTION_PROMPT
                aria-describedby="motion-counter motion-hint"
                prop:value=move || ctx.form.with(|f| f.motion_prompt.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    ctx.form.update(|f| f.motion_prompt = v);
                }
                on:change=move |_| touch(ctx, "motion_prompt")
            ></textarea>
            <p class="hint" id="motion-hint">
                {format!("Optional: how the person moves and looks. Empty means \u{201c}{}\u{201d}.", model::DEFAULT_MOTION_PROMPT)}
            </p>
            <p class="error-text" role="alert">{move || shown_error(ctx, errors, "motion_prompt")}</p>
        </div>
    }
}

/// The price of the current form, always visible.
#[component]
fn CostPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let quote = expect_context::<FormState>().quote;
    view! {
        <div class="cost" id="cost" aria-live="polite">
            <div class="cost-label">"Cost"</div>
            {move || match quote.get() {
                Some(Quote { credits, breakdown, .. }) => view! {
                    <div class="cost-value"><strong>{credits}</strong>" credits"</div>
                    <div class="cost-breakdown">{breakdown}</div>
                }.into_any(),
                None => {
                    let why = if ctx.form.with(|f| f.needs_audio_length() && f.audio_seconds.is_none()) {
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
            <div class="cost-rule">{move || ctx.form.with(|f| f.model.price_rule())}</div>
        </div>
    }
}

/// The submit button ("Generate · N credits") and why it is unavailable.
/// How long the Generate button shows "Sent" after an accepted submit, so
/// a person's second click does not send the form again.
const SENT_LOCK_MS: u64 = 2_000;
/// Sending a request identical to one sent this recently asks first.
const DUPLICATE_WINDOW_MS: u64 = 10 * 60 * 1000;

/// The newest task that sent `request` recently (or whose outcome is
/// unknown, however long ago): sending it again asks first.
fn recent_duplicate(ctx: Ctx, request: &AvatarRequest, now: u64) -> Option<TaskRecord> {
    ctx.tasks
        .newest(usize::MAX)
        .into_iter()
        .filter_map(|entry| entry.record.try_get_untracked())
        .find(|t| {
            t.same_request(request)
                && (t.outcome_unknown || now.saturating_sub(t.submitted_ms) < DUPLICATE_WINDOW_MS)
        })
}

/// "It was sent at 21:40:03 (20 credits) and its outcome is unknown…"
fn duplicate_question(task: &TaskRecord, now: u64) -> String {
    let ago = avatar_api::estimate::format_duration(now.saturating_sub(task.submitted_ms));
    let state = if task.outcome_unknown {
        "no answer came back, so it may have been accepted and charged".to_owned()
    } else {
        format!("it is in your list ({})", crate::tasks::status_label(task))
    };
    format!(
        "You sent this same request {ago} ago for {} credits, and {state}. Send it again and pay again?",
        task.credits
    )
}

#[component]
fn SubmitArea(errors: Memo<Vec<FieldError>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let pending = RwSignal::new(false);
    let blocked_until = RwSignal::new(0u64);
    let sent_until = RwSignal::new(0u64);
    // The question asked before sending a duplicate, with the request it is about.
    let confirm = RwSignal::new(None::<(AvatarRequest, String)>);
    let state = expect_context::<FormState>();
    let quote = state.quote;
    let reason = move || -> Option<String> {
        if pending.get() {
            return Some("Sending…".to_owned());
        }
        if sent_until.get() > ctx.now.get() {
            return Some("Sent: the task is in the list.".to_owned());
        }
        let wait = blocked_until.get().saturating_sub(ctx.now.get());
        if wait > 0 {
            return Some(format!(
                "The API asked to wait: try again in {} s.",
                wait.div_ceil(1000)
            ));
        }
        if let Some(first) = errors.with(|e| e.first().cloned()) {
            return Some(first.message);
        }
        if ctx.missing_key() {
            return Some("Add your API key in Settings to generate.".to_owned());
        }
        None
    };
    let label = move || match (pending.get(), quote.get()) {
        (true, _) => "Generating… sending the request".to_owned(),
        _ if sent_until.get() > ctx.now.get() => "Sent ✓".to_owned(),
        (false, Some(q)) => format!("Generate · {} credits", q.credits),
        (false, None) => "Generate".to_owned(),
    };
    // Sends `request` once. Every way out of here clears `pending`.
    let send = move |request: AvatarRequest, credits: u64| {
        let client = ctx.client();
        ctx.notice.set(None);
        ctx.server_errors.set(Vec::new());
        confirm.set(None);
        pending.set(true);
        ctx.say("Sending the request…");
        let sent_ms = now_ms();
        leptos::task::spawn_local(async move {
            let result = client.submit(&request).await;
            let _ = pending.try_set(false);
            match result {
                Ok(accepted) => {
                    let _ = sent_until.try_set(now_ms() + SENT_LOCK_MS);
                    let id = format!("task-{}", accepted.task_id);
                    ctx.tasks.add(TaskRecord::accepted(
                        accepted.task_id,
                        &request,
                        credits,
                        sent_ms,
                        accepted.status,
                    ));
                    let text = format!(
                        "Submitted: {credits} credits charged. The video appears in the task list when it is ready."
                    );
                    ctx.notice.set(Some(Notice {
                        text: text.clone(),
                        error: false,
                    }));
                    ctx.say(text);
                    request_animation_frame(move || focus_id(&id));
                }
                Err(e) if e.outcome_unknown() => {
                    let record =
                        TaskRecord::outcome_unknown(&request, credits, sent_ms, e.to_string());
                    let id = format!("task-{}", record.task_id);
                    ctx.tasks.add(record);
                    ctx.error(format!(
                        "No answer came back: {e} The request may have been accepted and charged {credits} credits; it is kept in your list as \"Outcome unknown\". Check your balance before sending it again."
                    ));
                    request_animation_frame(move || focus_id(&id));
                }
                Err(e) => show_submit_error(ctx, e, blocked_until),
            }
        });
    };
    let submit = move |_| {
        let now = now_ms();
        if pending.get_untracked()
            || blocked_until.get_untracked() > now
            || sent_until.get_untracked() > now
        {
            return;
        }
        if let Some(first) = errors.with_untracked(|e| e.first().cloned()) {
            ctx.touched.set(vec!["*".to_owned()]);
            ctx.say(first.message.clone());
            focus_id(&field_id(&first.field));
            return;
        }
        if untrack(|| ctx.missing_key()) {
            ctx.settings_open.set(true);
            ctx.error("Add your API key in Settings to generate.");
            focus_id("api-key");
            return;
        }
        let request = state.request.get_untracked();
        let Some(quote) = state.quote.get_untracked() else {
            return;
        };
        if let Some(earlier) = recent_duplicate(ctx, &request, now) {
            let question = duplicate_question(&earlier, now);
            ctx.say(question.clone());
            confirm.set(Some((request, question)));
            request_animation_frame(|| focus_id("confirm-send"));
            return;
        }
        send(request, quote.credits);
    };
    // The question stays only while the form still holds that request.
    let question = move || {
        confirm.with(|c| {
            c.as_ref()
                .filter(|(r, _)| state.request.with(|now| r == now))
                .map(|(_, q)| q.clone())
        })
    };
    let confirmed = move |_| {
        let Some((request, _)) = confirm.get_untracked() else {
            return;
        };
        let Some(quote) = request.quote() else { return };
        send(request, quote.credits);
    };
    let cancel = move |_| {
        confirm.set(None);
        ctx.say("Not sent.");
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
                on:click=submit
            >
                {label}
            </button>
            <p id="submit-reason" class="submit-reason">{move || reason()}</p>
            {move || question().map(|q| view! {
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
                    <p id="confirm-text">{q}</p>
                    <div class="task-actions">
                        <button type="button" id="confirm-send" class="btn primary" on:click=confirmed>
                            {move || match quote.get() {
                                Some(q) => format!("Send again · {} credits", q.credits),
                                None => "Send again".to_owned(),
                            }}
                        </button>
                        <button type="button" class="btn ghost" on:click=cancel>"Don't send"</button>
                    </div>
                </div>
            })}
        </div>
    }
}

/// Puts a failed submit's words where the user can act on them.
pub fn show_submit_error(ctx: Ctx, e: ApiError, blocked_until: RwSignal<u64>) {
    match &e {
        ApiError::Invalid(fields) => {
            ctx.error(e.to_string());
            ctx.server_errors.set(fields.clone());
            let known = fields
                .iter()
                .find(|f| document().get_element_by_id(&field_id(&f.field)).is_some());
            match known {
                Some(f) => focus_id(&field_id(&f.field)),
                None => focus_id("notice"),
            }
        }
        ApiError::Rejected if !ctx.wants_key() => {
            ctx.error(
                "The API rejected this site's key (HTTP 401): the proxy in front of the API needs a valid key. Tell whoever runs this site.",
            );
            request_animation_frame(|| focus_id("notice"));
        }
        ApiError::Rejected => {
            ctx.error(e.to_string());
            ctx.rejected_key.set(Some(ctx.api_key.get_untracked()));
            ctx.settings_open.set(true);
            request_animation_frame(|| focus_id("api-key"));
        }
        ApiError::RateLimited { retry_after_ms } => {
            ctx.error(e.to_string());
            blocked_until.set(now_ms() + retry_after_ms.unwrap_or(5_000));
            request_animation_frame(|| focus_id("notice"));
        }
        _ => {
            ctx.error(e.to_string());
            if let Some(ms) = e.retry_after_ms() {
                blocked_until.set(now_ms() + ms);
            }
            request_animation_frame(|| focus_id("notice"));
        }
    }
}

/// Share link (the form, never the key) and "Copy as curl" (key masked).
#[component]
fn ShareTools() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let request = expect_context::<FormState>().request;
    let link = Signal::derive(move || {
        let href = window().location().href().unwrap_or_default();
        let base = href.split('#').next().unwrap_or_default().to_owned();
        format!("{base}#{}", ctx.form.with(Form::to_fragment))
    });
    let curl = Signal::derive(move || {
        let key = ctx.wants_key().then(|| ctx.api_key.get());
        let base = ctx.api_base.get();
        let base = if base.is_empty() {
            window().location().origin().unwrap_or_default()
        } else {
            base
        };
        request.with(|r| curl_command(&base, key.as_deref(), r))
    });
    view! {
        <div class="share">
            <CopyButton label="Copy share link" text=link/>
            <details class="curl">
                <summary>"Copy as curl"</summary>
                <pre><code>{move || curl.get()}</code></pre>
                <CopyButton label="Copy command" text=curl/>
                <p class="hint">"The key is masked: put your own in place of sk_…"</p>
            </details>
        </div>
    }
}
