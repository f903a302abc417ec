//! The cost panel: the price of what Generate sends, always visible. One
//! video: its credits and how they were worked out. A batch: the total for
//! all its videos (each variant's price sits in its row).

use avatar_api::Quote;
use leptos::prelude::*;

use super::FormState;
use crate::ctx::Draft;

/// The price of the form (or of the whole batch).
#[component]
pub(super) fn CostPanel() -> impl IntoView {
    let draft = expect_context::<Draft>();
    let state = expect_context::<FormState>();
    let single = move || match state.quote.get() {
        Some(Quote {
            credits, breakdown, ..
        }) => view! {
            <div class="cost-value"><strong>{credits}</strong>" credits"</div>
            <div class="cost-breakdown">{breakdown}</div>
        }
        .into_any(),
        None => {
            let why = if draft
                .form
                .with(|f| f.needs_audio_length() && f.audio_seconds.is_none())
            {
                "Appears once the audio length is known."
            } else {
                "Choose valid options to see the cost."
            };
            view! {
                <div class="cost-value muted">"—"</div>
                <div class="cost-breakdown">{why}</div>
            }
            .into_any()
        }
    };
    let batch = move |videos: usize| {
        match state.total() {
        Some(total) => view! {
            <div class="cost-value"><strong>{total}</strong>{format!(" credits for {videos} videos")}</div>
            <div class="cost-breakdown" id="cost-total">"Each variant's price is on its card above."</div>
        }
        .into_any(),
        None => view! {
            <div class="cost-value muted">"—"</div>
            <div class="cost-breakdown" id="cost-total">
                {format!("The total for {videos} videos appears once every variant has a price.")}
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <div class="cost" id="cost" aria-live="polite">
            <div class="cost-label">"Cost"</div>
            {move || match state.count() {
                1 => single(),
                videos => batch(videos),
            }}
            <div class="cost-rule">{move || draft.form.with(|f| f.model.price_rule())}</div>
        </div>
    }
}
