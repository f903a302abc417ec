//! The create form: model picker, media inputs with previews
//! (`preview`), parameters (`fields`), the cost panel and the submit
//! button (`submit`), plus share link and curl. What the form means (its
//! request, problems and price) is worked out once, in [`FormState`].

mod batch;
mod fields;
mod preview;
mod submit;

use avatar_api::model::{Field, Model};
use avatar_api::{AvatarRequest, FieldError, Quote};
use leptos::prelude::*;

use crate::api::curl_command;
use crate::ctx::{Announcer, Connection, Draft, Touched};
use crate::form::Form;
use crate::widgets::{CopyButton, ShowWhen, handler};
use batch::Variants;
use fields::{Media, ParamsForm, UrlField};
use submit::{CostPanel, SubmitArea};

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
    /// The batch's other rows ([`Draft::variants`] with the form's portrait).
    pub variants: Memo<Vec<BatchRow>>,
}

/// One variant of a batch: its request, problems and price.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// The request it sends.
    pub request: AvatarRequest,
    /// Its problems (empty when valid).
    pub errors: Vec<FieldError>,
    /// Its price, when it has one.
    pub quote: Option<Quote>,
}

impl BatchRow {
    fn of(request: AvatarRequest) -> BatchRow {
        BatchRow {
            errors: request.validate().err().unwrap_or_default(),
            quote: request.quote(),
            request,
        }
    }
}

impl FormState {
    fn new(draft: Draft) -> FormState {
        let form = draft.form;
        let request = Memo::new(move |_| form.with(Form::to_request));
        let errors = Memo::new(move |_| request.with(|r| r.validate().err().unwrap_or_default()));
        let quote = Memo::new(move |_| request.with(AvatarRequest::quote));
        let variants = Memo::new(move |_| {
            form.with(|base| {
                draft.variants.with(|v| {
                    v.iter()
                        .map(|variant| {
                            BatchRow::of(crate::batch::with_shared(base, variant).to_request())
                        })
                        .collect()
                })
            })
        });
        FormState {
            request,
            errors,
            quote,
            variants,
        }
    }

    /// Videos the button sends: the form and its variants.
    pub fn videos(&self) -> usize {
        1 + self.variants.with(Vec::len)
    }

    /// What the whole batch costs, when every row has a price (tracked).
    pub fn batch_credits(&self) -> Option<u64> {
        let first = self.quote.with(|q| q.as_ref().map(|q| q.credits))?;
        self.variants.with(|rows| {
            rows.iter()
                .map(|r| r.quote.as_ref().map(|q| q.credits))
                .sum::<Option<u64>>()
                .map(|rest| first + rest)
        })
    }

    /// The first problem of a variant, as "Variant 3: …" (tracked).
    pub fn variant_problem(&self) -> Option<String> {
        self.variants.with(|rows| {
            rows.iter().enumerate().find_map(|(i, r)| {
                r.errors
                    .first()
                    .map(|e| format!("Variant {}: {}", i + 2, e.message))
            })
        })
    }

    /// True when the form (and its variants) still hold exactly `rows` (tracked).
    pub fn holds(&self, rows: &[(AvatarRequest, u64)]) -> bool {
        let Some((first, rest)) = rows.split_first() else {
            return false;
        };
        self.request.with(|r| *r == first.0)
            && self.variants.with(|v| {
                v.len() == rest.len()
                    && v.iter()
                        .zip(rest)
                        .all(|(row, (request, _))| row.request == *request)
            })
    }

    /// Every row's request and price, the form first (untracked), when
    /// all have a price.
    pub fn batch_rows(&self) -> Option<Vec<(AvatarRequest, u64)>> {
        let first = (
            self.request.get_untracked(),
            self.quote.get_untracked()?.credits,
        );
        let mut rows = vec![first];
        for r in self.variants.get_untracked() {
            let credits = r.quote.as_ref()?.credits;
            rows.push((r.request, credits));
        }
        Some(rows)
    }
}

/// The whole "Create" card.
#[component]
pub fn CreatePanel() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let state = FormState::new(draft);
    provide_context(state);
    let model = Memo::new(move |_| draft.form.with(|f| f.model));
    // A changed form makes the API's last field messages stale.
    Effect::watch(
        move || draft.form.get(),
        move |_, _, _| {
            if draft.server_errors.with_untracked(|e| !e.is_empty()) {
                draft.server_errors.set(Vec::new());
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
                    <UrlField field=Field::ImageUrl kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                        hint="A clear, front-facing portrait photo (PNG or JPEG)."/>
                    <UrlField field=Field::AudioUrl kind=Media::Audio get=|f| f.audio_url.clone() set=set_billing_audio
                        hint="The speech to lip-sync (MP3 or WAV)."/>
                }.into_any(),
                Model::DigitalHuman => view! {
                    <SourceToggle/>
                    {move || if draft.form.with(|f| f.use_video) {
                        view! { <UrlField field=Field::InputVideoUrl kind=Media::Video get=|f| f.video_url.clone() set=|f, v| f.video_url = v
                            hint="A short video of the person to animate."/> }.into_any()
                    } else {
                        view! { <UrlField field=Field::ImageUrl kind=Media::Image get=|f| f.image_url.clone() set=|f, v| f.image_url = v
                            hint="A clear, front-facing portrait photo."/> }.into_any()
                    }}
                    <UrlField field=Field::AudioUrl kind=Media::Audio get=|f| f.audio_url.clone() set=set_billing_audio
                        hint="The speech; its length sets the cost."/>
                }.into_any(),
                Model::DualAvatar => view! {
                    <UrlField field=Field::DualImageUrl kind=Media::Image get=|f| f.dual_image_url.clone() set=|f, v| f.dual_image_url = v
                        hint="One picture showing both people."/>
                    <UrlField field=Field::AudioMixUrl kind=Media::Audio get=|f| f.audio_mix_url.clone() set=set_billing_audio
                        hint="The whole conversation; its length sets the cost."/>
                    <div class="two-col">
                        <UrlField field=Field::Audio1Url kind=Media::Plain get=|f| f.audio1_url.clone() set=|f, v| f.audio1_url = v hint="Speaker 1's track alone."/>
                        <UrlField field=Field::Audio2Url kind=Media::Plain get=|f| f.audio2_url.clone() set=|f, v| f.audio2_url = v hint="Speaker 2's track alone."/>
                    </div>
                }.into_any(),
            }}
            <div class="section-title">"Parameters"</div>
            <ParamsForm/>
            <Variants/>
            <CostPanel/>
            <SubmitArea/>
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
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let draft = expect_context::<Draft>();
    let next = StoredValue::new(0usize);
    let has_samples = conn
        .config
        .with_value(|c| !c.samples.is_empty() || c.dual_sample.is_some());
    let fill = move |_| {
        let config = conn.config.get_value();
        let mut filled = String::new();
        draft.form.update(|f| match f.model {
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
            announcer.say("No sample is configured for this model.");
        } else {
            announcer.say(format!("Filled in: {filled}."));
        }
    };
    view! {
        <ShowWhen when=move || has_samples>
            <button type="button" id="try-sample" class="btn ghost" on:click=handler(fill)>
                "Try a sample"
            </button>
        </ShowWhen>
    }
}

/// The three models as radio cards.
#[component]
fn ModelPicker() -> impl IntoView {
    let draft = expect_context::<Draft>();
    view! {
        <fieldset class="models">
            <legend>"Model"</legend>
            {Model::ALL
                .into_iter()
                .map(|m| {
                    let id = format!("model-{}", m.id());
                    let label_for = id.clone();
                    view! {
                        <label class="model" class:selected=move || draft.form.with(|f| f.model == m) for=label_for>
                            <input
                                type="radio"
                                name="model"
                                id=id
                                value=m.id()
                                prop:checked=move || draft.form.with(|f| f.model == m)
                                on:change=handler(move |_| {
                                    draft.form.update(|f| f.model = m);
                                    draft.touched.set(Touched::default());
                                })
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

/// Share link (the form, never the key) and "Copy as curl" (key masked).
#[component]
fn ShareTools() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let draft = expect_context::<Draft>();
    let state = expect_context::<FormState>();
    let link = Signal::derive(move || {
        let href = window().location().href().unwrap_or_default();
        let base = href.split('#').next().unwrap_or_default().to_owned();
        let fragment = draft
            .form
            .with(|f| draft.variants.with(|v| crate::form::batch_fragment(f, v)));
        format!("{base}#{fragment}")
    });
    let curl = Signal::derive(move || {
        let key = conn.wants_key().then(|| conn.api_key.get());
        let base = conn.api_base.get();
        let base = if base.is_empty() {
            window().location().origin().unwrap_or_default()
        } else {
            base
        };
        // One command per video of the batch.
        let mut commands = vec![
            state
                .request
                .with(|r| curl_command(&base, key.as_deref(), r)),
        ];
        state.variants.with(|rows| {
            commands.extend(
                rows.iter()
                    .map(|r| curl_command(&base, key.as_deref(), &r.request)),
            )
        });
        commands.join("\n\n")
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
