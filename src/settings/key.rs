//! The API key field: what is typed stays in the field, and only the key
//! [`clean_key`] makes of it (or nothing, when it refuses it) is in use.
//! Kept for the browser session unless remembered ([`super::load_settings`]).

use avatar_api::connection::{CleanKey, clean_key};
use leptos::prelude::*;

use super::SettingsFields;
use crate::ctx::Connection;
use crate::widgets::handler;

/// The sendable key in `input`, or empty when it has none.
pub(super) fn usable_key(input: &str) -> String {
    clean_key(input).map(|c| c.key).unwrap_or_default()
}

/// Why `input` cannot be sent as a key, if it cannot.
pub(super) fn key_error(input: &str) -> Option<String> {
    clean_key(input).err().map(|e| e.to_string())
}

/// The API key field, its Show/Hide button and "Remember on this device".
#[component]
pub(super) fn ApiKeyField() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let fields = expect_context::<SettingsFields>();
    let reveal = RwSignal::new(false);
    let cleaned = Memo::new(move |_| fields.key.with(|k| clean_key(k)));
    let error = move || cleaned.with(|r| r.as_ref().err().map(ToString::to_string));
    let note = move || cleaned.with(|r| r.as_ref().ok().and_then(CleanKey::note));
    let on_input = move |ev| {
        let raw = event_target_value(&ev);
        let usable = usable_key(&raw);
        fields.key.set(raw);
        if conn.api_key.with_untracked(|k| *k != usable) {
            conn.api_key.set(usable);
        }
    };
    // A key set elsewhere shows in the field.
    Effect::new(move |_| {
        let key = conn.api_key.get();
        if fields.key.with_untracked(|t| usable_key(t) != key) {
            fields.key.set(key);
        }
    });
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for="api-key">"API key"</label>
            <div class="input-row">
                <input
                    id="api-key"
                    type=move || if reveal.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="sk_…"
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby="api-key-error api-key-note api-key-clear-text api-key-hint"
                    prop:value=move || fields.key.get()
                    on:input=handler(on_input)
                />
                <button
                    type="button"
                    class="btn ghost"
                    aria-pressed=move || reveal.get().to_string()
                    on:click=handler(move |_| reveal.update(|r| *r = !*r))
                >
                    {move || if reveal.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <p class="error-text" id="api-key-error" role="alert">{error}</p>
            <p class="hint note" id="api-key-note" role="status">{note}</p>
            <p class="hint note warn-text" id="api-key-clear-text">
                {move || conn.key_in_clear().map(|w| w.to_string())}
            </p>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || conn.remember_key.get()
                    on:change=handler(move |ev| conn.remember_key.set(event_target_checked(&ev)))
                />
                "Remember on this device"
            </label>
            <p class="hint" id="api-key-hint">
                {move || if conn.remember_key.get() {
                    "Kept in this browser until you clear it. Use a key made for this app."
                } else {
                    "Kept for this browser session only. It is sent only to the API, never in a link."
                }}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sendable_key_is_used() {
        assert_eq!(
            usable_key(" Bearer sk_good_123456789 "),
            "sk_good_123456789"
        );
        assert_eq!(key_error(" Bearer sk_good_123456789 "), None);
        assert_eq!(usable_key("sk_…cdef"), "");
        assert_eq!(
            key_error("sk_…cdef").as_deref(),
            Some("This is the masked key from Copy as curl; paste the full key.")
        );
    }
}
