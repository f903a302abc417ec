//! "Add variant": the form becomes the first row of a small table of
//! variants that share its portrait; each row varies what
//! [`batch::varied_fields`] names, is validated and priced by the contract
//! like a single request, and shows its own problem and price.

use avatar_api::model::{self, Field};
use avatar_api::validate::is_http_url;
use leptos::prelude::*;

use super::FormState;
use crate::batch;
use crate::ctx::{Announcer, Draft};
use crate::form::clean;
use crate::tasks::summary;
use crate::widgets::{ShowWhen, focus_id, handler};

/// Choices of a numeric field the contract fixes, as `(value, text)`.
fn choices(field: Field) -> Option<Vec<(u32, String)>> {
    let list = |values: &[u32], unit: &str| {
        values
            .iter()
            .map(|&v| (v, format!("{v} {unit}")))
            .collect::<Vec<_>>()
    };
    match field {
        Field::Duration => Some(
            model::DURATIONS
                .iter()
                .map(|&d| (d, model::duration_label(d)))
                .collect(),
        ),
        Field::Resolution => Some(list(&model::RESOLUTIONS, "px")),
        Field::Framerate => Some(list(&model::FRAMERATES, "fps")),
        _ => None,
    }
}

/// The "Add variant" button and, once there are variants, their table.
#[component]
pub(super) fn Variants() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let announcer = expect_context::<Announcer>();
    let state = expect_context::<FormState>();
    let count = Memo::new(move |_| draft.variants.with(Vec::len));
    let model = Memo::new(move |_| draft.form.with(|f| f.model));
    let add = move |_| {
        // A new row starts as a copy of the last one (or of the form).
        let mut row = draft
            .variants
            .with_untracked(|v| v.last().cloned())
            .unwrap_or_else(|| draft.form.get_untracked());
        row = batch::with_shared(&draft.form.get_untracked(), &row);
        draft.variants.update(|v| v.push(row));
        let n = count.get_untracked() + 1;
        announcer.say(format!("Variant {n} added: change what it should vary."));
        let first = batch::varied_fields(model.get_untracked())[0];
        request_animation_frame(move || focus_id(&cell_id(n, first)));
    };
    let table = move || {
        let fields = batch::varied_fields(model.get());
        let head = fields
            .iter()
            .map(|f| view! { <th scope="col">{f.label()}</th> }.into_any())
            .collect::<Vec<_>>();
        let first_row = move || {
            state
                .request
                .with(|r| format!("The form above: {}", summary(r)))
        };
        let first_cost = move || state.quote.get().map(|q| q.credits.to_string());
        view! {
            <div class="variants-scroll">
                <table class="variants" id="variants">
                    <caption>"Variants: one video each, sharing the form's portrait"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"#"</th>
                            {head}
                            <th scope="col">"Credits"</th>
                            <th scope="col"><span class="sr-only">"Remove"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr>
                            <th scope="row">"1"</th>
                            <td colspan=fields.len().to_string()>{first_row}</td>
                            <td class="num">{move || first_cost().unwrap_or_else(|| "—".to_owned())}</td>
                            <td></td>
                        </tr>
                        <For each=move || 0..count.get() key=|i| *i let:i>
                            <VariantRow i fields/>
                        </For>
                    </tbody>
                    <tfoot>
                        <tr>
                            <th scope="row">"Total"</th>
                            <td colspan=fields.len().to_string()>{move || format!("{} videos", count.get() + 1)}</td>
                            <td class="num" id="batch-total">
                                {move || state.batch_credits().map(|c| c.to_string()).unwrap_or_else(|| "—".to_owned())}
                            </td>
                            <td></td>
                        </tr>
                    </tfoot>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="batch">
            <ShowWhen when=move || { count.get() > 0 }>{table}</ShowWhen>
            <button type="button" class="btn ghost small" id="add-variant" on:click=handler(add)>
                "Add variant"
            </button>
        </div>
    }
}

/// The id of variant `n`'s (from 2) input for `field`.
fn cell_id(n: usize, field: Field) -> String {
    format!("v{n}-{}", field.name())
}

/// One variant (row `i + 2` of the batch).
#[component]
fn VariantRow(i: usize, fields: &'static [Field]) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let announcer = expect_context::<Announcer>();
    let state = expect_context::<FormState>();
    let n = i + 2;
    let row = Memo::new(move |_| state.variants.with(|v| v.get(i).cloned()));
    let cells = fields
        .iter()
        .map(|&field| {
            let id = cell_id(n, field);
            let label = format!("Variant {n}: {}", field.label());
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
                row.with(|r| {
                    r.as_ref()
                        .is_some_and(|r| r.errors.iter().any(|e| e.is(field)))
                })
            };
            let cell = match choices(field) {
                Some(options) => view! {
                    <select id=id aria-label=label on:change=handler(move |ev| set(event_target_value(&ev)))>
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
                    <input id=id type="text" aria-label=label spellcheck="false" autocomplete="off"
                        aria-invalid=move || invalid().to_string()
                        prop:value=value on:input=handler(move |ev| set(event_target_value(&ev)))/>
                }
                .into_any(),
            };
            view! { <td class:invalid=invalid>{cell}</td> }.into_any()
        })
        .collect::<Vec<_>>();
    let remove = move |_| {
        draft.variants.update(|v| {
            if i < v.len() {
                v.remove(i);
            }
        });
        announcer.say(format!("Variant {n} removed."));
        focus_id("add-variant");
    };
    let cost = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.quote.as_ref())
                .map(|q| q.credits.to_string())
        })
        .unwrap_or_else(|| "—".to_owned())
    };
    let problem = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.errors.first())
                .map(|e| e.message.clone())
        })
    };
    // The audio's length, read as the form's own preview does.
    let audio = move || {
        draft
            .variants
            .with(|v| v.get(i).map(|f| clean(f.billing_audio_url())))
            .filter(|u| is_http_url(u))
    };
    let colspan = (fields.len() + 3).to_string();
    view! {
        <tr>
            <th scope="row">{n.to_string()}</th>
            {cells}
            <td class="num">{cost}</td>
            <td>
                <button type="button" class="btn small ghost" on:click=handler(remove)
                    aria-label=format!("Remove variant {n}")>"Remove"</button>
                {move || audio().map(|url| {
                    let heard = url.clone();
                    view! {
                        <audio preload="metadata" src=url hidden on:loadedmetadata=handler(move |ev| {
                            let el: web_sys::HtmlMediaElement = event_target(&ev);
                            let seconds = el.duration();
                            if seconds.is_finite() && seconds > 0.0 {
                                let detected = Some((seconds * 1000.0).round() / 1000.0);
                                draft.variants.maybe_update(|v| match v.get_mut(i) {
                                    Some(f) if clean(f.billing_audio_url()) == heard && f.audio_seconds != detected => {
                                        f.audio_seconds = detected;
                                        true
                                    }
                                    _ => false,
                                });
                            }
                        })></audio>
                    }.into_any()
                })}
            </td>
        </tr>
        {move || problem().map(|p| view! {
            <tr class="variant-problem"><td colspan=colspan.clone() role="alert">{format!("Variant {n}: {p}")}</td></tr>
        }.into_any())}
    }
}
