//! "Add variant": the form becomes variant 1 of a batch whose other
//! variants share its portrait; each varies what [`plan::varied_fields`]
//! names, is checked and priced by the contract like a single request, and
//! shows its own problem and price. Each variant is a card of labelled
//! fields, readable in the form's column on a desktop and on a phone.

use avatar_api::model::{self, Field};
use avatar_api::validate::is_http_url;
use leptos::prelude::*;

use super::FormState;
use super::plan::{self, Video};
use crate::ctx::{Announcer, Draft};
use crate::form::clean;
use crate::tasks::summary;
use crate::widgets::{ShowWhen, focus_id, handler};

/// "12 credits", or "—" without a price.
fn credits_text(credits: Option<u64>) -> String {
    credits.map_or_else(|| "—".to_owned(), |c| format!("{c} credits"))
}

/// The "Add variant" button and, once there are variants, their cards.
#[component]
pub(super) fn Variants() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let announcer = expect_context::<Announcer>();
    let state = expect_context::<FormState>();
    let count = Memo::new(move |_| draft.variants.with(Vec::len));
    let add = move |_| {
        // A new variant starts as a copy of the last one (or of the form).
        let form = draft.form.get_untracked();
        let last = draft.variants.with_untracked(|v| v.last().cloned());
        let row = plan::with_shared(&form, last.as_ref().unwrap_or(&form));
        draft.variants.update(|v| v.push(row));
        let n = count.get_untracked() + 1;
        announcer.say(format!("Variant {n} added: change what it should vary."));
        let first = plan::varied_fields(state.model.get_untracked())[0];
        request_animation_frame(move || focus_id(&cell_id(n, first)));
    };
    let cards = move || {
        let fields = plan::varied_fields(state.model.get());
        let first = move || state.videos.with(|v| summary(&v[0].request));
        let first_cost = move || state.videos.with(|v| credits_text(v[0].credits()));
        let total = move || {
            state
                .total()
                .map_or_else(|| "—".to_owned(), |c| c.to_string())
        };
        view! {
            <section class="variants" id="variants" tabindex="-1" aria-labelledby="variants-title">
                <h3 id="variants-title">"Variants: one video each, sharing the form's portrait"</h3>
                <ol class="variant-list">
                    <li class="variant">
                        <div class="variant-head">
                            <span class="variant-n">"Variant 1"</span>
                            <span class="variant-credits">{first_cost}</span>
                        </div>
                        <p class="variant-summary">"The form above: "{first}</p>
                    </li>
                    <For each=move || 0..count.get() key=|i| *i let:i>
                        <VariantCard i fields/>
                    </For>
                </ol>
                <p class="variant-total">
                    {move || format!("Total: {} videos · ", count.get() + 1)}
                    <strong id="batch-total">{total}</strong>" credits"
                </p>
            </section>
        }
        .into_any()
    };
    view! {
        <div class="batch">
            <ShowWhen when=move || { count.get() > 0 }>{cards}</ShowWhen>
            <button type="button" class="btn ghost small" id="add-variant" on:click=handler(add)>
                "Add variant"
            </button>
        </div>
    }
}

/// The id of variant `n`'s (from 2) input for `field`.
pub(crate) fn cell_id(n: usize, field: Field) -> String {
    format!("v{n}-{}", field.name())
}

/// A field that takes a card's whole width (a URL or the prompt).
fn is_wide(field: Field) -> bool {
    field == Field::MotionPrompt || field.name().ends_with("_url")
}

/// One variant (video `i + 2` of the batch).
#[component]
fn VariantCard(i: usize, fields: &'static [Field]) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let announcer = expect_context::<Announcer>();
    let state = expect_context::<FormState>();
    let n = i + 2;
    let video = Memo::new(move |_| state.videos.with(|v| v.get(i + 1).cloned()));
    let cells = fields
        .iter()
        .map(|&field| variant_field(i, field, video))
        .collect_view();
    let remove = move |_| {
        draft.variants.update(|v| {
            if i < v.len() {
                v.remove(i);
            }
        });
        announcer.say(format!("Variant {n} removed."));
        focus_id("add-variant");
    };
    let cost = move || video.with(|v| credits_text(v.as_ref().and_then(Video::credits)));
    let problem = move || {
        video.with(|v| {
            let e = v.as_ref()?.errors.first()?;
            Some(view! { <p class="error-text" role="alert">{format!("Variant {n}: {}", e.message)}</p> }.into_any())
        })
    };
    // The audio's length, read as the form's own preview does.
    let audio = move || {
        let url = draft
            .variants
            .with(|v| v.get(i).map(|f| clean(f.billing_audio_url())))
            .filter(|u| is_http_url(u))?;
        let heard = url.clone();
        let measured = handler(move |ev| {
            let el: web_sys::HtmlMediaElement = event_target(&ev);
            let seconds = el.duration();
            if seconds.is_finite() && seconds > 0.0 {
                draft.variants.maybe_update(|v| {
                    v.get_mut(i)
                        .is_some_and(|f| f.audio_measured(&heard, seconds))
                });
            }
        });
        Some(
            view! { <audio preload="metadata" src=url hidden on:loadedmetadata=measured></audio> }
                .into_any(),
        )
    };
    view! {
        <li class="variant" class:invalid=move || video.with(|v| v.as_ref().is_some_and(|v| !v.errors.is_empty()))>
            <div class="variant-head">
                <span class="variant-n">{format!("Variant {n}")}</span>
                <span class="variant-credits">{cost}</span>
                <button type="button" class="btn small ghost" on:click=handler(remove)
                    aria-label=format!("Remove variant {n}")>"Remove"</button>
            </div>
            <div class="variant-fields">{cells}</div>
            {problem}
            {audio}
        </li>
    }
}

/// Variant `i + 2`'s input (or choice) for `field`, labelled "Variant 3:
/// Audio URL" for screen readers and "Audio URL" on screen.
fn variant_field(i: usize, field: Field, video: Memo<Option<Video>>) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let n = i + 2;
    let id = cell_id(n, field);
    let value = move || {
        draft
            .variants
            .with(|v| v.get(i).map(|f| f.text(field)).unwrap_or_default())
    };
    let set = move |text: String| {
        draft.variants.update(|v| {
            if let Some(f) = v.get_mut(i) {
                f.set_text(field, &text);
            }
        })
    };
    let invalid = move || {
        video.with(|v| {
            v.as_ref()
                .is_some_and(|v| v.errors.iter().any(|e| e.is(field)))
        })
    };
    let input = match model::choices(field) {
        Some(options) => view! {
            <select id=id.clone() on:change=handler(move |ev| set(event_target_value(&ev)))>
                {options
                    .into_iter()
                    .map(|(v, text)| {
                        let v = v.to_string();
                        let selected = {
                            let v = v.clone();
                            move || value() == v
                        };
                        view! { <option value=v selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        None => view! {
            <input id=id.clone() type="text" spellcheck="false" autocomplete="off"
                aria-invalid=move || invalid().to_string()
                prop:value=value on:input=handler(move |ev| set(event_target_value(&ev)))/>
        }
        .into_any(),
    };
    view! {
        <div class="variant-field" class:wide=is_wide(field) class:invalid=invalid>
            <label for=id><span class="sr-only">{format!("Variant {n}: ")}</span>{field.label()}</label>
            {input}
        </div>
    }
}
