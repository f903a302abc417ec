//! The create form: model picker, media inputs with previews
//! (`preview`), parameters (`fields`), the batch's variants (`variants`),
//! the cost panel (`cost`) and Generate (`submit`), plus share link and
//! curl. What the form and its variants send (their requests, problems and
//! prices) is worked out once, in [`FormState`], by the pure [`plan`];
//! sending it is [`send`]'s.

pub mod chain;
mod chain_view;
mod cost;
mod fields;
mod make;
pub mod plan;
mod preview;
pub(crate) mod send;
mod submit;
pub(crate) mod variants;

use avatar_api::model::Model;
use avatar_api::{FieldError, Quote};
use leptos::prelude::*;

use crate::api::curl_command;
use crate::ctx::{Announcer, Connection, Draft, Touched};
use crate::widgets::{CopyButton, ShowWhen, handler};
use chain_view::ChainStatus;
use cost::CostPanel;
use fields::{ParamsForm, media_fields};
use plan::Video;
use submit::SubmitArea;
use variants::Variants;

/// What the form means, worked out once per change (provided by
/// [`CreatePanel`]) and read by every field, the variants, the cost panel,
/// Generate and the share tools.
#[derive(Clone, Copy)]
pub struct FormState {
    /// Every video Generate sends, the form first ([`plan::videos`]).
    pub videos: Memo<Vec<Video>>,
    /// The form's model.
    pub model: Memo<Model>,
    /// The form's own problems (its fields show them; empty when valid).
    pub errors: Memo<Vec<FieldError>>,
    /// The form's own price, when it has one.
    pub quote: Memo<Option<Quote>>,
}

impl FormState {
    fn new(draft: Draft) -> FormState {
        let form = draft.form;
        let videos = Memo::new(move |_| form.with(|f| draft.variants.with(|v| plan::videos(f, v))));
        FormState {
            videos,
            model: Memo::new(move |_| form.with(|f| f.model)),
            errors: Memo::new(move |_| videos.with(|v| v[0].errors.clone())),
            quote: Memo::new(move |_| videos.with(|v| v[0].quote.clone())),
        }
    }

    /// How many videos Generate sends (tracked).
    pub fn count(&self) -> usize {
        self.videos.with(Vec::len)
    }

    /// What they all cost, when each has a price (tracked).
    pub fn total(&self) -> Option<u64> {
        self.videos.with(|v| plan::total(v))
    }
}

/// The whole "Create" card.
#[component]
pub fn CreatePanel() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let state = FormState::new(draft);
    provide_context(state);
    provide_context(chain_view::ChainRun::load());
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
            {media_fields()}
            <div class="section-title">"Parameters"</div>
            <ParamsForm/>
            <Variants/>
            <CostPanel/>
            <SubmitArea/>
            <ChainStatus/>
            <ShareTools/>
        </section>
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
        let commands: Vec<String> = state.videos.with(|videos| {
            (videos.iter())
                .map(|v| curl_command(&base, key.as_deref(), &v.request))
                .collect()
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
