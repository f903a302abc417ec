//! Settings: API base URL (checked and applied on confirmation) and API key
//! (cleaned as typed; session-only unless remembered), "Check key", and
//! browser notifications, and the saved videos (storage used, persistent
//! storage, "Remove all saved copies": [`crate::saved`]).
//!
//! What the user types stays in the fields; only what is usable reaches
//! the [`Connection`]: `api_base` changes when a base passes
//! [`normalize_base`] and the user confirms it (Apply, Enter, or Check key),
//! so pollers never send the key to a half-typed host; `api_key` holds the
//! key [`clean_key`] made of the input, or nothing when it refused it.

use avatar_api::connection::{CleanKey, KeyError, clean_key, normalize_base};
use leptos::prelude::*;

use crate::api::{ApiError, Client};
use crate::config::Config;
use crate::ctx::{Announcer, Connection, SettingsState};
use crate::saved::SavedSettings;
use crate::storage::{Scope, local, session};
use crate::widgets::{ShowWhen, focus_id, handler};

/// The settings signals, initialised from the browser's storage.
pub struct Settings {
    /// API base URL in use (normalized; empty: this site).
    pub api_base: RwSignal<String>,
    /// API key in use: clean and sendable, or empty.
    pub api_key: RwSignal<String>,
    /// Keep the key on this device.
    pub remember: RwSignal<bool>,
}

/// What the Settings fields hold (what the user typed), provided as context
/// by [`load_settings`] so the panel shows a refused remembered key too.
#[derive(Clone, Copy)]
struct Typed {
    /// The API key field, as typed or pasted.
    key: RwSignal<String>,
    /// The API base URL field, as typed (applied only on confirmation).
    base: RwSignal<String>,
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

/// The sendable key in `input`, or empty when it has none.
fn usable_key(input: &str) -> String {
    clean_key(input).map(|c| c.key).unwrap_or_default()
}

/// Reads the settings saved in `scope` and keeps them saved as they
/// change. A saved key goes through [`clean_key`] and a saved base through
/// [`normalize_base`] (an unusable one gives way to the default).
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
    provide_context(Typed {
        key: RwSignal::new(typed_key),
        base: RwSignal::new(api_base.get_untracked()),
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

/// Result of "Check key".
#[derive(Clone, PartialEq)]
enum KeyCheck {
    Idle,
    Checking,
    Valid,
    Failed(String),
}

/// Asks the API whether it accepts the key ("Check key"), says the outcome
/// and marks a rejected key.
async fn check_key_with(
    conn: Connection,
    announcer: Announcer,
    client: Client,
    key: String,
) -> KeyCheck {
    let state = match client.check_key().await {
        Ok(()) => {
            conn.rejected_key.set(None);
            KeyCheck::Valid
        }
        Err(ApiError::Rejected) => {
            conn.rejected_key.set(Some(key));
            KeyCheck::Failed("API key rejected: the API does not accept this key.".into())
        }
        Err(e) => KeyCheck::Failed(e.to_string()),
    };
    announcer.say(match &state {
        KeyCheck::Failed(t) => t.clone(),
        _ => "The API accepts this key.".to_owned(),
    });
    state
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
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let panel = expect_context::<SettingsState>();
    let typed = expect_context::<Typed>();
    let reveal = RwSignal::new(false);
    let check = RwSignal::new(KeyCheck::Idle);
    let allow_empty = conn.config.with_value(|c| c.api_base.is_empty());
    let default_base = conn.config.with_value(|c| c.api_base.clone());

    // The key: cleaned as typed; the field keeps what was typed.
    let key_state = Memo::new(move |_| typed.key.with(|k| clean_key(k)));
    let key_error = move || key_state.with(|r| r.as_ref().err().map(KeyError::to_string));
    let key_note = move || key_state.with(|r| r.as_ref().ok().and_then(CleanKey::note));
    let on_key_input = move |ev| {
        let raw = event_target_value(&ev);
        let usable = usable_key(&raw);
        typed.key.set(raw);
        if conn.api_key.with_untracked(|k| *k != usable) {
            conn.api_key.set(usable);
        }
    };
    // A key set elsewhere shows in the field.
    Effect::new(move |_| {
        let key = conn.api_key.get();
        if typed.key.with_untracked(|t| usable_key(t) != key) {
            typed.key.set(key);
        }
    });

    // The base: applied on confirmation only.
    let base_error = RwSignal::new(None::<String>);
    let base_note = RwSignal::new(None::<String>);
    let pending = move || typed.base.with(|t| t.trim() != conn.api_base.get());
    let apply_base = move || -> bool {
        let raw = typed.base.get_untracked();
        // The deployment's own base was checked when config.json was read.
        let trusted = conn.config.with_value(|c| c.api_base.clone());
        let checked = if raw.trim() == trusted {
            Ok(avatar_api::connection::Base {
                url: trusted,
                stripped: None,
            })
        } else {
            normalize_base(&raw, allow_empty)
        };
        match checked {
            Ok(base) => {
                base_error.set(None);
                base_note.set(base.note());
                typed.base.set(base.url.clone());
                if conn.api_base.with_untracked(|b| *b != base.url) {
                    let said = base
                        .note()
                        .unwrap_or_else(|| format!("Requests now go to {}.", base_name(&base.url)));
                    conn.api_base.set(base.url);
                    announcer.say(said);
                }
                true
            }
            Err(e) => {
                base_error.set(Some(e.to_string()));
                focus_id("api-base");
                false
            }
        }
    };
    // A base set elsewhere shows in the field (not at start: that would
    // overwrite what was typed before the first run).
    Effect::watch(
        move || conn.api_base.get(),
        move |base, _, _| typed.base.set(base.clone()),
        false,
    );
    let use_default = {
        let default_base = default_base.clone();
        move |_| {
            typed.base.set(default_base.clone());
            apply_base();
        }
    };
    let not_default = {
        let default_base = default_base.clone();
        move || conn.api_base.with(|b| *b != default_base)
    };

    let check_key = move |_| {
        if pending() && !apply_base() {
            check.set(KeyCheck::Failed(
                "Fix the API base URL first (see above).".to_owned(),
            ));
            return;
        }
        if untrack(|| conn.missing_key()) {
            let why = key_error().unwrap_or_else(|| "Enter an API key first.".to_owned());
            check.set(KeyCheck::Failed(why));
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
    let toggle_notify = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        panel.notify.set(on);
        if on {
            request_notifications(panel.notify, announcer);
        }
    };
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
                <div class="field" class:invalid=move || base_error.with(Option::is_some)>
                    <label for="api-base">"API base URL"</label>
                    <div class="input-row">
                        <input
                            id="api-base"
                            type="url"
                            inputmode="url"
                            autocomplete="off"
                            spellcheck="false"
                            placeholder="https://…"
                            aria-invalid=move || base_error.with(Option::is_some).to_string()
                            aria-describedby="api-base-error api-base-note api-base-hint"
                            prop:value=move || typed.base.get()
                            on:input=handler(move |ev| {
                                typed.base.set(event_target_value(&ev));
                                base_error.set(None);
                                base_note.set(None);
                            })
                            on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" {
                                    ev.prevent_default();
                                    apply_base();
                                }
                            })
                        />
                        <button type="button" id="apply-base" class="btn" on:click=handler(move |_| { apply_base(); })>
                            "Apply"
                        </button>
                    </div>
                    <p class="error-text" id="api-base-error" role="alert">{move || base_error.get()}</p>
                    <p class="hint note" id="api-base-note" role="status">
                        {move || {
                            if base_error.with(Option::is_some) {
                                None
                            } else if pending() {
                                Some(format!(
                                    "Not applied yet: press Apply or Enter. Requests go to {} until then.",
                                    base_name(&conn.api_base.get()),
                                ))
                            } else {
                                base_note.get()
                            }
                        }}
                    </p>
                    <p class="hint" id="api-base-hint">
                        {
                            let default_base = default_base.clone();
                            move || {
                                if default_base.is_empty() {
                                    "Default: this site (same-origin proxy).".to_owned()
                                } else {
                                    format!("Default: {default_base}")
                                }
                            }
                        }
                        <ShowWhen when=not_default.clone()>
                            " "
                            <button type="button" class="link-button" on:click=handler(use_default.clone())>
                                "Use the default"
                            </button>
                        </ShowWhen>
                    </p>
                </div>
                <ShowWhen when=move || conn.wants_key() fallback=|| view! {
                    <p class="hint proxy-note">"This deployment sends your requests through its own proxy, which adds the API key: you don't need one."</p>
                }>
                    <div class="field" class:invalid=move || key_error().is_some()>
                        <label for="api-key">"API key"</label>
                        <div class="input-row">
                            <input
                                id="api-key"
                                type=move || if reveal.get() { "text" } else { "password" }
                                autocomplete="off"
                                spellcheck="false"
                                placeholder="sk_…"
                                aria-invalid=move || key_error().is_some().to_string()
                                aria-describedby="api-key-error api-key-note api-key-clear-text api-key-hint"
                                prop:value=move || typed.key.get()
                                on:input=handler(on_key_input)
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
                        <p class="error-text" id="api-key-error" role="alert">{key_error}</p>
                        <p class="hint note" id="api-key-note" role="status">{key_note}</p>
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
                </ShowWhen>
                <div class="field">
                    <div class="input-row">
                        <button
                            type="button"
                            id="check-key"
                            class="btn"
                            disabled=move || check.get() == KeyCheck::Checking
                            on:click=handler(check_key)
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
                    <label class="check">
                        <input type="checkbox" prop:checked=move || panel.notify.get() on:change=handler(toggle_notify)/>
                        "Notify me when a video is ready while this tab is in the background"
                    </label>
                </div>
                <SavedSettings open=panel.open/>
            </div>
        </section>
    }
}

/// Asks for permission to show notifications.
fn request_notifications(notify: RwSignal<bool>, announcer: Announcer) {
    match web_sys::Notification::request_permission() {
        Ok(promise) => leptos::task::spawn_local(async move {
            let granted = wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .is_some_and(|p| p == "granted");
            if !granted {
                let _ = notify.try_set(false);
                announcer.say("Notifications are blocked for this site in the browser.");
            }
        }),
        Err(_) => notify.set(false),
    }
}
