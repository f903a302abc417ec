//! The page's contexts, each a small `Copy` handle for one concern: a
//! component's `expect_context` says exactly what it may touch.
//!
//! Provided by [`crate::app::Studio`] for the whole page:
//! - [`Connection`]: where requests go, with which key, and what the API
//!   said of keys (rejected, their last balance);
//! - [`Announcer`]: the banner, the screen readers' live region and the
//!   notification choice;
//! - [`Clock`]: the time, ticking every second, and the status checks'
//!   timers (a test's moves by hand);
//! - [`SettingsState`]: the settings panel;
//! - [`Draft`]: the form being edited, shared by the create card and the
//!   task list's "Reuse these parameters";
//! - [`crate::storage::Scope`]: this deployment's names in the browser's storage;
//! - [`crate::tasks::store::TaskStore`]: the task list;
//! - [`crate::tasks::saved::SavedCopies`]: the copies of videos kept in this browser;
//!
//! Provided by a part of the page for its own children: the create card's
//! derived form state (`crate::create::FormState`), the settings panel's
//! fields (in [`crate::settings`]) and the pollers' shared state (in
//! [`crate::tasks::poller`]).

use avatar_api::FieldError;
use avatar_api::connection::{ClearTextKey, key_in_clear};
use avatar_api::model::Field;
use leptos::prelude::*;

use crate::api::Client;
use crate::config::{AuthMode, Config};
use crate::credits::CreditBalances;
use crate::form::Form;

/// Where requests go and with which key.
#[derive(Clone, Copy)]
pub struct Connection {
    /// The deployment's configuration.
    pub config: StoredValue<Config>,
    /// API base URL (from config, changeable in Settings).
    pub api_base: RwSignal<String>,
    /// The user's key, clean and sendable, or empty (never in a URL, log or message).
    pub api_key: RwSignal<String>,
    /// Keep the key in `localStorage` instead of `sessionStorage`.
    pub remember_key: RwSignal<bool>,
    /// The key the API last answered 401 to (shown as rejected while it is in use).
    pub rejected_key: RwSignal<Option<String>>,
    /// The last balance the API reported per key prefix (a submit's 402
    /// records it, the credit log shows it).
    pub balances: CreditBalances,
    /// The browser says it has a network (`navigator.onLine`, kept up to
    /// date by the `online`/`offline` events).
    pub online: RwSignal<bool>,
}

impl Connection {
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

    /// True when the page asks the user for a key.
    pub fn wants_key(&self) -> bool {
        self.config.with_value(|c| c.auth == AuthMode::Key)
    }

    /// True when the page asks for a key and none usable is set (tracked).
    pub fn missing_key(&self) -> bool {
        self.wants_key() && self.api_key.with(|k| k.trim().is_empty())
    }

    /// True while the API rejects the key in use (tracked).
    pub fn key_rejected(&self) -> bool {
        self.wants_key()
            && self
                .rejected_key
                .with(|r| r.as_ref().is_some_and(|r| self.api_key.with(|k| k == r)))
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
}

/// A message shown in the banner under the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The sentence.
    pub text: String,
    /// Error (red, `role=alert`) or information.
    pub error: bool,
}

/// How the page tells the person something: the banner under the header,
/// the screen readers' live region, and (when chosen) a system
/// notification while the tab is hidden.
#[derive(Clone, Copy)]
pub struct Announcer {
    /// The banner.
    pub notice: RwSignal<Option<Notice>>,
    /// Text for screen readers (`aria-live`).
    pub live: RwSignal<String>,
    /// Notify when a task finishes while the tab is hidden (Settings).
    pub notify: RwSignal<bool>,
}

impl Announcer {
    /// Tells screen readers about something.
    pub fn say(&self, text: impl Into<String>) {
        self.live.set(text.into());
    }

    /// Shows information in the banner and tells screen readers.
    pub fn info(&self, text: impl Into<String>) {
        let text = text.into();
        self.live.set(text.clone());
        self.notice.set(Some(Notice { text, error: false }));
    }

    /// Shows an error in the banner and tells screen readers.
    pub fn error(&self, text: impl Into<String>) {
        let text = text.into();
        self.live.set(text.clone());
        self.notice.set(Some(Notice { text, error: true }));
    }

    /// Takes the banner away.
    pub fn clear(&self) {
        self.notice.set(None);
    }
}

/// The page's one clock: the time, ticking every second (tracked), and the
/// timers of the status checks. The page's follows the browser
/// ([`Clock::browser`]); a test's ([`Clock::manual`], provided as a context
/// before the studio is mounted) moves only when told ([`Clock::advance`]),
/// so re-checks, back-off and time limits run without real waiting.
#[derive(Clone, Copy)]
pub struct Clock {
    tick: RwSignal<u64>,
    /// Moved by hand: its time and timers are [`MANUAL`]'s.
    manual: bool,
}

/// A manual clock's time and the timers waiting on it (one per page: tests
/// mount one studio at a time).
struct ManualTime {
    now_ms: u64,
    timers: Vec<(u64, js_sys::Function)>,
}

thread_local! {
    static MANUAL: std::cell::RefCell<ManualTime> = const {
        std::cell::RefCell::new(ManualTime { now_ms: 0, timers: Vec::new() })
    };
}

impl Clock {
    /// The browser's clock.
    pub fn browser() -> Clock {
        Clock {
            tick: RwSignal::new(now_ms()),
            manual: false,
        }
    }

    /// A clock that starts at `start_ms` and moves only by [`Clock::advance`].
    pub fn manual(start_ms: u64) -> Clock {
        MANUAL.with_borrow_mut(|m| {
            m.now_ms = start_ms;
            m.timers.clear();
        });
        Clock {
            tick: RwSignal::new(start_ms),
            manual: true,
        }
    }

    /// The time of the last tick (tracked).
    pub fn now(&self) -> u64 {
        self.tick.get()
    }

    /// The time now, to the millisecond (untracked).
    pub fn exact(&self) -> u64 {
        if self.manual {
            MANUAL.with_borrow(|m| m.now_ms)
        } else {
            now_ms()
        }
    }

    /// The browser clock's second hand (a manual clock ignores it).
    pub fn tick(&self) {
        if !self.manual {
            self.tick.set(now_ms());
        }
    }

    /// Calls `callback` (with no argument) `ms` from now.
    pub fn set_timer(&self, callback: &js_sys::Function, ms: u64) {
        let ms = ms.min(i32::MAX as u64);
        if self.manual && ms > 0 {
            MANUAL.with_borrow_mut(|m| m.timers.push((m.now_ms + ms, callback.clone())));
        } else {
            let _ =
                window().set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms as i32);
        }
    }

    /// Moves a manual clock `ms` forward, firing the timers that fall due.
    pub fn advance(&self, ms: u64) {
        if !self.manual {
            return;
        }
        let (now, due) = MANUAL.with_borrow_mut(|m| {
            m.now_ms += ms;
            let now = m.now_ms;
            let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut m.timers)
                .into_iter()
                .partition(|(at, _)| *at <= now);
            m.timers = later;
            (now, due)
        });
        self.tick.set(now);
        for (_, callback) in due {
            let _ = callback.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

/// The settings panel.
#[derive(Clone, Copy)]
pub struct SettingsState {
    /// The panel is open.
    pub open: RwSignal<bool>,
}

/// The form being edited, with what its fields show.
#[derive(Clone, Copy)]
pub struct Draft {
    /// What the user typed.
    pub form: RwSignal<Form>,
    /// Fields whose problems are shown.
    pub touched: RwSignal<Touched>,
    /// Field problems reported by the API on the last submit.
    pub server_errors: RwSignal<Vec<FieldError>>,
    /// The batch's other rows (the form is the first): each keeps its own
    /// [`crate::create::plan::varied_fields`] and shares the rest with the form.
    pub variants: RwSignal<Vec<Form>>,
}

impl Draft {
    /// Puts `form` in the editor as if freshly opened (nothing touched).
    pub fn replace(&self, form: Form) {
        self.form.set(form);
        self.touched.set(Touched::default());
    }
}

/// Which fields show their problems: those the user has left, or all of
/// them once a submit was refused.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Touched {
    every: bool,
    fields: Vec<Field>,
}

impl Touched {
    /// Every field shows its problem.
    pub fn all() -> Touched {
        Touched {
            every: true,
            fields: Vec::new(),
        }
    }

    /// The user has left `field`.
    pub fn add(&mut self, field: Field) {
        if !self.fields.contains(&field) {
            self.fields.push(field);
        }
    }

    /// True when `field` shows its problem.
    pub fn has(&self, field: Field) -> bool {
        self.every || self.fields.contains(&field)
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
