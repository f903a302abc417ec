//! The app-wide state every component may reach ([`Ctx`], provided by
//! [`crate::app::Studio`]) and the clock.

use avatar_api::FieldError;
use avatar_api::connection::{ClearTextKey, key_in_clear};
use leptos::prelude::*;

use crate::api::Client;
use crate::config::{AuthMode, Config};
use crate::form::Form;
use crate::store::TaskStore;

/// A message shown in the banner under the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The sentence.
    pub text: String,
    /// Error (red, `role=alert`) or information.
    pub error: bool,
}

/// App-wide state, provided as context. Every field is a `Copy` handle.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The deployment's configuration.
    pub config: StoredValue<Config>,
    /// API base URL (from config, changeable in Settings).
    pub api_base: RwSignal<String>,
    /// The user's key (never in a URL, log or message).
    pub api_key: RwSignal<String>,
    /// Keep the key in `localStorage` instead of `sessionStorage`.
    pub remember_key: RwSignal<bool>,
    /// Settings panel open.
    pub settings_open: RwSignal<bool>,
    /// Notify when a task finishes while the tab is hidden.
    pub notify: RwSignal<bool>,
    /// The tasks (saved in `localStorage`, in step with other tabs).
    pub tasks: TaskStore,
    /// Reading the saved tasks failed: what happened.
    pub storage_problem: RwSignal<Option<String>>,
    /// The form.
    pub form: RwSignal<Form>,
    /// Fields the user has left (their problems are shown).
    pub touched: RwSignal<Vec<String>>,
    /// Field problems reported by the API on the last submit.
    pub server_errors: RwSignal<Vec<FieldError>>,
    /// The banner.
    pub notice: RwSignal<Option<Notice>>,
    /// Text for screen readers (`aria-live`).
    pub live: RwSignal<String>,
    /// Current time, Unix ms, ticking every second.
    pub now: RwSignal<u64>,
    /// The key the API last answered 401 to (the header shows it as rejected while it is in use).
    pub rejected_key: RwSignal<Option<String>>,
}

impl Ctx {
    /// A client for the current settings.
    pub fn client(&self) -> Client {
        let key = match self.config.with_value(|c| c.auth) {
            AuthMode::Proxy => None,
            AuthMode::Key => Some(self.api_key.get_untracked()).filter(|k| !k.trim().is_empty()),
        };
        Client {
            base: self.api_base.get_untracked(),
            key,
        }
    }

    /// True when the page asks for a key and none usable is set (tracked).
    pub fn missing_key(&self) -> bool {
        self.wants_key() && self.api_key.with(|k| k.trim().is_empty())
    }

    /// True when the page asks the user for a key.
    pub fn wants_key(&self) -> bool {
        self.config.with_value(|c| c.auth == AuthMode::Key)
    }

    /// Where the key would travel without encryption with the base in use
    /// (tracked), if anywhere: the page warns. Nothing in proxy mode, where
    /// no key is asked for.
    pub fn key_in_clear(&self) -> Option<ClearTextKey> {
        if !self.wants_key() {
            return None;
        }
        let origin = window().location().origin().unwrap_or_default();
        self.api_base.with(|base| key_in_clear(base, &origin))
    }

    /// Tells screen readers about something (the live region; the banner is [`Ctx::error`]'s).
    pub fn say(&self, text: impl Into<String>) {
        self.live.set(text.into());
    }

    /// Shows an error in the banner and announces it.
    pub fn error(&self, text: impl Into<String>) {
        let text = text.into();
        self.live.set(text.clone());
        self.notice.set(Some(Notice { text, error: true }));
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
