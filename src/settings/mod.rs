//! Settings: API base URL (checked and applied on confirmation) and API key
//! (cleaned as typed; session-only unless remembered), "Check key", and
//! browser notifications, and the saved videos (storage used, persistent
//! storage, "Remove all saved copies": [`crate::tasks::saved`]).
//!
//! What the user types stays in the fields; only what is usable reaches
//! the [`Connection`]: `api_base` changes when a base passes
//! [`normalize_base`] and the user confirms it (Apply, Enter, or Check key),
//! so pollers never send the key to a half-typed host; `api_key` holds the
//! key [`clean_key`] made of the input, or nothing when it refused it.
//!
//! The panel ([`SettingsPanel`]) only lays out its parts, one file each:
//! the base field (`base.rs`, its logic in `BaseEntry`), the key field
//! (`key.rs`), "Check key" (`check.rs`), the notification choice
//! (`notify.rs`), and the saved videos' part, [`SavedSettings`].
//!
//! [`clean_key`]: avatar_api::connection::clean_key

use avatar_api::connection::normalize_base;
use leptos::prelude::*;

use crate::config::Config;
use crate::ctx::{Connection, SettingsState};
use crate::storage::{Scope, local, session};
use crate::tasks::saved::SavedSettings;
use crate::widgets::{ShowWhen, focus_id, handler};

mod base;
mod check;
mod key;
mod notify;

use base::{BaseEntry, base_url_field};
use check::check_key;
use key::{ApiKeyField, usable_key};
use notify::notify_toggle;

/// The settings signals, initialised from the browser's storage.
pub struct Settings {
    /// API base URL in use (normalized; empty: this site).
    pub api_base: RwSignal<String>,
    /// API key in use: clean and sendable, or empty.
    pub api_key: RwSignal<String>,
    /// Keep the key on this device.
    pub remember: RwSignal<bool>,
}

/// What the Settings fields hold (what the user typed, not what is in
/// use), provided as context by [`load_settings`] so the panel shows a
/// refused remembered key too.
#[derive(Clone, Copy)]
struct SettingsFields {
    /// The API key field, as typed or pasted.
    key: RwSignal<String>,
    /// The API base URL field.
    base: RwSignal<BaseEntry>,
}

fn get(storage: Option<web_sys::Storage>, item: &str) -> Option<String> {
    storage?.get_item(item).ok().flatten()
}

fn set(storage: Option<web_sys::Storage>, item: &str, value: Option<&str>) {
    if let Some(storage) = storage {
        let _ = match value {
            Some(v) => storage.set_item(item, v),
            None => storage.remove_item(item),
        };
    }
}

/// Reads the settings saved in `scope` and keeps them saved as they
/// change. A saved key goes through [`clean_key`] and a saved base through
/// [`normalize_base`] (an unusable one gives way to the default).
///
/// [`clean_key`]: avatar_api::connection::clean_key
pub fn load_settings(config: &Config, scope: &Scope) -> Settings {
    let key_item = scope.api_key();
    let base_item = scope.api_base();
    let remembered = get(local(), &key_item);
    let remember = RwSignal::new(remembered.is_some());
    let typed_key = remembered
        .or_else(|| get(session(), &key_item))
        .unwrap_or_default();
    let api_key = RwSignal::new(usable_key(&typed_key));
    let default_base = config.api_base.clone();
    let allow_empty = default_base.is_empty();
    let saved_base = get(local(), &base_item)
        .and_then(|b| normalize_base(&b, allow_empty).ok())
        .map(|b| b.url);
    let api_base = RwSignal::new(saved_base.unwrap_or_else(|| default_base.clone()));
    provide_context(SettingsFields {
        key: RwSignal::new(typed_key),
        base: RwSignal::new(BaseEntry::showing(api_base.get_untracked())),
    });
    Effect::new(move |_| {
        let key = api_key.get();
        let key = Some(key.as_str()).filter(|k| !k.is_empty());
        if remember.get() {
            set(local(), &key_item, key);
            set(session(), &key_item, None);
        } else {
            set(session(), &key_item, key);
            set(local(), &key_item, None);
        }
    });
    Effect::new(move |_| {
        let base = api_base.get();
        let custom = Some(base.as_str()).filter(|b| *b != default_base);
        set(local(), &base_item, custom);
    });
    Settings {
        api_base,
        api_key,
        remember,
    }
}

/// How a base in use is named in sentences.
fn base_name(base: &str) -> String {
    if base.is_empty() {
        "this site".to_owned()
    } else {
        base.to_owned()
    }
}

/// The settings panel (opened by the header's Settings button).
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let panel = expect_context::<SettingsState>();
    let conn = expect_context::<Connection>();
    view! {
        <section
            id="settings"
            class="settings card"
            aria-labelledby="settings-title"
            hidden=move || !panel.open.get()
        >
            <div class="settings-head">
                <h2 id="settings-title">"Settings"</h2>
                <button type="button" class="btn small ghost" on:click=handler(move |_| {
                    panel.open.set(false);
                    focus_id("settings-button");
                })>"Close"</button>
            </div>
            <div class="settings-grid">
                {base_url_field()}
                <ShowWhen when=move || conn.wants_key() fallback=|| view! {
                    <p class="hint proxy-note">"This deployment sends your requests through its own proxy, which adds the API key: you don't need one."</p>
                }>
                    <ApiKeyField/>
                </ShowWhen>
                <div class="field">
                    {check_key()}
                    {notify_toggle()}
                </div>
                <SavedSettings open=panel.open/>
            </div>
        </section>
    }
}
