//! Settings: API base URL and API key (session-only unless remembered),
//! "Check key", and browser notifications.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::app::{Ctx, focus_id};
use crate::config::Config;

const KEY_ITEM: &str = "avatar-studio.api-key";
const BASE_ITEM: &str = "avatar-studio.api-base";

/// The settings signals, initialised from the browser's storage.
pub struct Settings {
    /// API base URL.
    pub api_base: RwSignal<String>,
    /// API key.
    pub api_key: RwSignal<String>,
    /// Keep the key on this device.
    pub remember: RwSignal<bool>,
}

fn local() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn session() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
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

/// Reads the saved settings and keeps them saved as they change.
pub fn load_settings(config: &Config) -> Settings {
    let remembered = get(local(), KEY_ITEM);
    let remember = RwSignal::new(remembered.is_some());
    let api_key = RwSignal::new(
        remembered
            .or_else(|| get(session(), KEY_ITEM))
            .unwrap_or_default(),
    );
    let default_base = config.api_base.clone();
    let api_base = RwSignal::new(get(local(), BASE_ITEM).unwrap_or_else(|| default_base.clone()));
    Effect::new(move |_| {
        let key = api_key.get();
        let key = Some(key.trim()).filter(|k| !k.is_empty());
        if remember.get() {
            set(local(), KEY_ITEM, key);
            set(session(), KEY_ITEM, None);
        } else {
            set(session(), KEY_ITEM, key);
            set(local(), KEY_ITEM, None);
        }
    });
    Effect::new(move |_| {
        let base = api_base.get();
        let custom = Some(base.trim()).filter(|b| *b != default_base.trim());
        set(local(), BASE_ITEM, custom);
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

/// The settings panel (opened by the header's Settings button).
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let reveal = RwSignal::new(false);
    let check = RwSignal::new(KeyCheck::Idle);
    let check_key = move |_| {
        if ctx.wants_key() && ctx.api_key.with_untracked(|k| k.trim().is_empty()) {
            check.set(KeyCheck::Failed("Enter an API key first.".to_owned()));
            focus_id("api-key");
            return;
        }
        check.set(KeyCheck::Checking);
        let client = ctx.client();
        let key = ctx.api_key.get_untracked();
        leptos::task::spawn_local(async move {
            let result = client.check_key().await;
            let state = match result {
                Ok(()) => {
                    ctx.rejected_key.set(None);
                    KeyCheck::Valid
                }
                Err(ApiError::Rejected) => {
                    ctx.rejected_key.set(Some(key));
                    KeyCheck::Failed("API key rejected: the API does not accept this key.".into())
                }
                Err(e) => KeyCheck::Failed(e.to_string()),
            };
            let text = match &state {
                KeyCheck::Valid => "The API accepts this key.".to_owned(),
                KeyCheck::Failed(t) => t.clone(),
                _ => String::new(),
            };
            let _ = check.try_set(state);
            ctx.say(text);
        });
    };
    // Any change makes the last check stale.
    Effect::new(move |_| {
        ctx.api_key.track();
        ctx.api_base.track();
        check.set(KeyCheck::Idle);
    });
    let toggle_notify = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ctx.notify.set(on);
        if on {
            request_notifications(ctx);
        }
    };
    view! {
        <section
            id="settings"
            class="settings card"
            aria-labelledby="settings-title"
            hidden=move || !ctx.settings_open.get()
        >
            <div class="settings-head">
                <h2 id="settings-title">"Settings"</h2>
                <button type="button" class="btn small ghost" on:click=move |_| {
                    ctx.settings_open.set(false);
                    focus_id("settings-button");
                }>"Close"</button>
            </div>
            <div class="settings-grid">
                <div class="field">
                    <label for="api-base">"API base URL"</label>
                    <input
                        id="api-base"
                        type="url"
                        inputmode="url"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || ctx.api_base.get()
                        on:input=move |ev| ctx.api_base.set(event_target_value(&ev).trim().to_owned())
                    />
                    <p class="hint">
                        {move || {
                            let default = ctx.config.with_value(|c| c.api_base.clone());
                            if default.is_empty() { "Default: this site (same-origin proxy).".to_owned() } else { format!("Default: {default}") }
                        }}
                    </p>
                </div>
                <Show when=move || ctx.wants_key() fallback=|| view! {
                    <p class="hint proxy-note">"This deployment sends your requests through its own proxy, which adds the API key: you don't need one."</p>
                }>
                    <div class="field">
                        <label for="api-key">"API key"</label>
                        <div class="input-row">
                            <input
                                id="api-key"
                                type=move || if reveal.get() { "text" } else { "password" }
                                autocomplete="off"
                                spellcheck="false"
                                placeholder="sk_…"
                                prop:value=move || ctx.api_key.get()
                                on:input=move |ev| ctx.api_key.set(event_target_value(&ev))
                            />
                            <button
                                type="button"
                                class="btn ghost"
                                aria-pressed=move || reveal.get().to_string()
                                on:click=move |_| reveal.update(|r| *r = !*r)
                            >
                                {move || if reveal.get() { "Hide" } else { "Show" }}
                            </button>
                        </div>
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || ctx.remember_key.get()
                                on:change=move |ev| ctx.remember_key.set(event_target_checked(&ev))
                            />
                            "Remember on this device"
                        </label>
                        <p class="hint">
                            {move || if ctx.remember_key.get() {
                                "Kept in this browser until you clear it. Use a key made for this app."
                            } else {
                                "Kept for this browser session only. It is sent only to the API, never in a link."
                            }}
                        </p>
                    </div>
                </Show>
                <div class="field">
                    <div class="input-row">
                        <button
                            type="button"
                            id="check-key"
                            class="btn"
                            disabled=move || check.get() == KeyCheck::Checking
                            on:click=check_key
                        >
                            {move || if ctx.wants_key() { "Check key" } else { "Check connection" }}
                        </button>
                        <span class="check-result" aria-live="polite">
                            {move || match check.get() {
                                KeyCheck::Idle => view! { <span></span> }.into_any(),
                                KeyCheck::Checking => view! { <span class="muted">"Checking…"</span> }.into_any(),
                                KeyCheck::Valid => view! { <span class="good">"✓ Valid: the API accepts this key."</span> }.into_any(),
                                KeyCheck::Failed(t) => view! { <span class="bad">{t}</span> }.into_any(),
                            }}
                        </span>
                    </div>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || ctx.notify.get() on:change=toggle_notify/>
                        "Notify me when a video is ready while this tab is in the background"
                    </label>
                </div>
            </div>
        </section>
    }
}

/// Asks for permission to show notifications.
fn request_notifications(ctx: Ctx) {
    match web_sys::Notification::request_permission() {
        Ok(promise) => leptos::task::spawn_local(async move {
            let granted = wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .is_some_and(|p| p == "granted");
            if !granted {
                let _ = ctx.notify.try_set(false);
                ctx.say("Notifications are blocked for this site in the browser.");
            }
        }),
        Err(_) => ctx.notify.set(false),
    }
}

/// Shows a notification when allowed and the page is hidden.
pub fn notify(ctx: Ctx, title: &str, body: &str) {
    let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
    if !ctx.notify.get_untracked()
        || !hidden
        || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
    {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    let _ = web_sys::Notification::new_with_options(title, &options);
}
