//! "Check key": applies a pending base first, then asks the API whether it
//! accepts the key in use (in proxy mode: whether the API answers at all),
//! says the outcome and marks a rejected key.

use leptos::prelude::*;

use super::base::apply_base;
use super::key::key_error;
use super::{SettingsFields, base_name};
use crate::api::{ApiError, Client};
use crate::ctx::{Announcer, Connection};
use crate::widgets::{focus_id, handler};

/// Result of "Check key".
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KeyCheck {
    /// Not checked since the last change.
    Idle,
    /// Waiting for the API.
    Checking,
    /// The API accepts the key.
    Valid,
    /// Not accepted, or not asked: the sentence says why.
    Failed(String),
}

impl KeyCheck {
    /// What the API's answer to the check means.
    pub fn from_answer(answer: Result<(), ApiError>) -> KeyCheck {
        match answer {
            Ok(()) => KeyCheck::Valid,
            Err(ApiError::Rejected) => {
                KeyCheck::Failed("API key rejected: the API does not accept this key.".into())
            }
            Err(e) => KeyCheck::Failed(e.to_string()),
        }
    }

    /// What screen readers are told of the outcome.
    pub fn announcement(&self) -> String {
        match self {
            KeyCheck::Failed(t) => t.clone(),
            _ => "The API accepts this key.".to_owned(),
        }
    }
}

/// Asks the API (through `client`) whether it accepts `key`, the one in
/// use, marks it rejected or not, and says the outcome.
async fn check_key_with(
    conn: Connection,
    announcer: Announcer,
    client: Client,
    key: String,
) -> KeyCheck {
    let answer = client.check_key().await;
    match &answer {
        Ok(()) => conn.rejected_key.set(None),
        Err(ApiError::Rejected) => conn.rejected_key.set(Some(key)),
        Err(_) => {}
    }
    let state = KeyCheck::from_answer(answer);
    announcer.say(state.announcement());
    state
}

/// The "Check key" button and its outcome.
pub(super) fn check_key() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let fields = expect_context::<SettingsFields>();
    let check = RwSignal::new(KeyCheck::Idle);
    let on_click = move |_| {
        let pending = fields
            .base
            .with_untracked(|e| conn.api_base.with_untracked(|b| e.pending(b)));
        if pending && !apply_base(fields, conn, announcer) {
            check.set(KeyCheck::Failed(
                "Fix the API base URL first (see above).".to_owned(),
            ));
            return;
        }
        if untrack(|| conn.missing_key()) {
            let why = fields.key.with_untracked(|k| key_error(k));
            check.set(KeyCheck::Failed(
                why.unwrap_or_else(|| "Enter an API key first.".to_owned()),
            ));
            focus_id("api-key");
            return;
        }
        check.set(KeyCheck::Checking);
        // Not a Leptos `Action`: it measured 4.4 KB more gzipped wasm for
        // the same pending flag and value this signal holds.
        let checked = check_key_with(conn, announcer, conn.client(), conn.api_key.get_untracked());
        leptos::task::spawn_local(async move {
            let _ = check.try_set(checked.await);
        });
    };
    // Any change makes the last check stale.
    Effect::new(move |_| {
        conn.api_key.track();
        conn.api_base.track();
        check.set(KeyCheck::Idle);
    });
    view! {
        <div class="input-row">
            <button
                type="button"
                id="check-key"
                class="btn"
                disabled=move || check.get() == KeyCheck::Checking
                on:click=handler(on_click)
            >
                {move || if conn.wants_key() { "Check key" } else { "Check connection" }}
            </button>
            <span class="check-result" aria-live="polite">
                {move || match check.get() {
                    KeyCheck::Idle => view! { <span></span> }.into_any(),
                    KeyCheck::Checking => view! { <span class="muted">"Checking…"</span> }.into_any(),
                    KeyCheck::Valid if conn.wants_key() => view! {
                        <span class="good">"✓ Valid: the API accepts this key."</span>
                        " "
                        <span class="muted">{move || format!("(API at {})", base_name(&conn.api_base.get()))}</span>
                    }.into_any(),
                    KeyCheck::Valid => view! {
                        <span class="good">"✓ Connected: the API answers through this deployment."</span>
                    }.into_any(),
                    KeyCheck::Failed(t) => view! { <span class="bad">{t}</span> }.into_any(),
                }}
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_says_valid_or_why_not() {
        let valid = KeyCheck::from_answer(Ok(()));
        assert_eq!(valid, KeyCheck::Valid);
        assert_eq!(valid.announcement(), "The API accepts this key.");
        let rejected = KeyCheck::from_answer(Err(ApiError::Rejected));
        let sentence = "API key rejected: the API does not accept this key.";
        assert_eq!(rejected, KeyCheck::Failed(sentence.into()));
        assert_eq!(rejected.announcement(), sentence);
        // Any other problem in the client's own words.
        let limited = ApiError::RateLimited {
            retry_after_ms: None,
        };
        let sentence = limited.to_string();
        assert_eq!(
            KeyCheck::from_answer(Err(limited)),
            KeyCheck::Failed(sentence)
        );
    }
}
