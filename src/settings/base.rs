//! The API base URL field. What is typed is applied only when the user
//! confirms it (Apply, Enter, or Check key) and [`normalize_base`] accepts
//! it, so pollers never send the key to a half-typed host. The field's
//! state and its changes are [`BaseEntry`] (plain Rust, tested natively).

use avatar_api::connection::normalize_base;
use leptos::prelude::*;

use super::{SettingsFields, base_name};
use crate::ctx::{Announcer, Connection};
use crate::widgets::{ShowWhen, focus_id, handler};

/// The base URL field: what was typed and what its last confirmation said.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BaseEntry {
    /// As typed (applied only on confirmation).
    pub typed: String,
    /// Shown under the field.
    pub message: BaseMessage,
}

/// What the last confirmation of the base field said.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum BaseMessage {
    /// Nothing to say (or edited since).
    None,
    /// Applied; something was stripped and this note says what.
    Note(String),
    /// Refused: why.
    Error(String),
}

/// What confirming the base field asks of the page.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Confirmed {
    /// Refused: the field says why.
    Refused,
    /// Accepted, and it is the base already in use.
    Unchanged,
    /// Requests go to `base` from now on; `announcement` tells screen readers.
    Switched { base: String, announcement: String },
}

impl BaseEntry {
    /// The field showing `base`, with nothing to say.
    pub fn showing(base: String) -> BaseEntry {
        BaseEntry {
            typed: base,
            message: BaseMessage::None,
        }
    }

    /// The user typed `text`: the last message no longer applies.
    pub fn edit(&mut self, text: String) {
        self.typed = text;
        self.message = BaseMessage::None;
    }

    /// True while what is typed is not the base in use.
    pub fn pending(&self, in_use: &str) -> bool {
        self.typed.trim() != in_use
    }

    /// Confirms what is typed against `in_use`. `default` is the
    /// deployment's own base (checked when config.json was read); an empty
    /// one ("this site") lets the user choose this site too.
    pub fn confirm(&mut self, default: &str, in_use: &str) -> Confirmed {
        let checked = if self.typed.trim() == default {
            Ok(avatar_api::connection::Base {
                url: default.to_owned(),
                stripped: None,
            })
        } else {
            normalize_base(&self.typed, default.is_empty())
        };
        let base = match checked {
            Ok(base) => base,
            Err(e) => {
                self.message = BaseMessage::Error(e.to_string());
                return Confirmed::Refused;
            }
        };
        let note = base.note();
        self.typed = base.url.clone();
        self.message = note.clone().map_or(BaseMessage::None, BaseMessage::Note);
        if base.url == in_use {
            return Confirmed::Unchanged;
        }
        let announcement =
            note.unwrap_or_else(|| format!("Requests now go to {}.", base_name(&base.url)));
        Confirmed::Switched {
            base: base.url,
            announcement,
        }
    }

    /// Why the last confirmation refused what is typed, if it did.
    pub fn error(&self) -> Option<String> {
        match &self.message {
            BaseMessage::Error(e) => Some(e.clone()),
            _ => None,
        }
    }

    /// The note under the field: "Not applied yet" while what is typed is
    /// not `in_use`, else what the last confirmation noted.
    pub fn note(&self, in_use: &str) -> Option<String> {
        match &self.message {
            BaseMessage::Error(_) => None,
            _ if self.pending(in_use) => Some(format!(
                "Not applied yet: press Apply or Enter. Requests go to {} until then.",
                base_name(in_use),
            )),
            BaseMessage::Note(note) => Some(note.clone()),
            BaseMessage::None => None,
        }
    }
}

/// Applies the base typed in Settings if it is usable (see
/// [`BaseEntry::confirm`]): true when it is, else the field shows why and
/// has the focus.
pub(super) fn apply_base(fields: SettingsFields, conn: Connection, announcer: Announcer) -> bool {
    let default = conn.config.with_value(|c| c.api_base.clone());
    let in_use = conn.api_base.get_untracked();
    let Some(confirmed) = fields.base.try_update(|e| e.confirm(&default, &in_use)) else {
        return false;
    };
    match confirmed {
        Confirmed::Refused => {
            focus_id("api-base");
            false
        }
        Confirmed::Unchanged => true,
        Confirmed::Switched { base, announcement } => {
            conn.api_base.set(base);
            announcer.say(announcement);
            true
        }
    }
}

/// The hint naming the deployment's own base.
fn default_hint(default: &str) -> String {
    if default.is_empty() {
        "Default: this site (same-origin proxy).".to_owned()
    } else {
        format!("Default: {default}")
    }
}

/// The API base URL field, its Apply button and "Use the default".
pub(super) fn base_url_field() -> impl IntoView {
    let conn = expect_context::<Connection>();
    let announcer = expect_context::<Announcer>();
    let fields = expect_context::<SettingsFields>();
    let default_base = conn.config.with_value(|c| c.api_base.clone());
    let apply = move || apply_base(fields, conn, announcer);
    let error = move || fields.base.with(BaseEntry::error);
    // A base set elsewhere shows in the field (not at start: that would
    // overwrite what was typed before the first run).
    Effect::watch(
        move || conn.api_base.get(),
        move |base, _, _| fields.base.update(|e| e.typed = base.clone()),
        false,
    );
    let use_default = {
        let default_base = default_base.clone();
        move |_| {
            fields.base.update(|e| e.typed = default_base.clone());
            apply();
        }
    };
    let not_default = {
        let default_base = default_base.clone();
        move || conn.api_base.with(|b| *b != default_base)
    };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for="api-base">"API base URL"</label>
            <div class="input-row">
                <input
                    id="api-base"
                    type="url"
                    inputmode="url"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="https://…"
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby="api-base-error api-base-note api-base-hint"
                    prop:value=move || fields.base.with(|e| e.typed.clone())
                    on:input=handler(move |ev| fields.base.update(|e| e.edit(event_target_value(&ev))))
                    on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            apply();
                        }
                    })
                />
                <button type="button" id="apply-base" class="btn" on:click=handler(move |_| { apply(); })>
                    "Apply"
                </button>
            </div>
            <p class="error-text" id="api-base-error" role="alert">{error}</p>
            <p class="hint note" id="api-base-note" role="status">
                {move || conn.api_base.with(|in_use| fields.base.with(|e| e.note(in_use)))}
            </p>
            <p class="hint" id="api-base-hint">
                {default_hint(&default_base)}
                <ShowWhen when=not_default>
                    " "
                    <button type="button" class="link-button" on:click=handler(use_default.clone())>
                        "Use the default"
                    </button>
                </ShowWhen>
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "https://api.test";

    #[test]
    fn a_typed_base_is_pending_until_confirmed() {
        let mut entry = BaseEntry::showing(DEFAULT.into());
        assert!(!entry.pending(DEFAULT));
        assert_eq!(entry.note(DEFAULT), None);
        entry.edit("https://api.exa".into());
        assert!(entry.pending(DEFAULT));
        assert_eq!(
            entry.note(DEFAULT).as_deref(),
            Some(
                "Not applied yet: press Apply or Enter. Requests go to https://api.test until then."
            )
        );
        assert_eq!(
            entry.note("").as_deref(),
            Some("Not applied yet: press Apply or Enter. Requests go to this site until then.")
        );
    }

    #[test]
    fn confirming_switches_and_notes_what_was_stripped() {
        let mut entry = BaseEntry::showing(DEFAULT.into());
        entry.edit(" https://api.example.com/api/v2/ ".into());
        let note = "Using https://api.example.com: the page adds /api/v2/… itself.";
        assert_eq!(
            entry.confirm(DEFAULT, DEFAULT),
            Confirmed::Switched {
                base: "https://api.example.com".into(),
                announcement: note.into(),
            }
        );
        assert_eq!(entry.typed, "https://api.example.com");
        assert_eq!(entry.note("https://api.example.com").as_deref(), Some(note));
        assert_eq!(entry.error(), None);
        // Confirmed again: the base stays, and nothing was stripped this time.
        assert_eq!(
            entry.confirm(DEFAULT, "https://api.example.com"),
            Confirmed::Unchanged
        );
        assert_eq!(entry.message, BaseMessage::None);

        entry.edit("https://other.example".into());
        assert_eq!(
            entry.confirm(DEFAULT, "https://api.example.com"),
            Confirmed::Switched {
                base: "https://other.example".into(),
                announcement: "Requests now go to https://other.example.".into(),
            }
        );
        assert_eq!(entry.note("https://other.example"), None);
    }

    #[test]
    fn an_unusable_base_is_refused_and_kept_as_typed() {
        let mut entry = BaseEntry::showing(DEFAULT.into());
        entry.edit("api.example.com".into());
        assert_eq!(entry.confirm(DEFAULT, DEFAULT), Confirmed::Refused);
        assert_eq!(entry.typed, "api.example.com");
        let error = entry.error().unwrap();
        assert!(
            error.starts_with("The API base URL must start with https://"),
            "{error}"
        );
        assert_eq!(entry.note(DEFAULT), None, "the error, no note");
        entry.edit("api.example.co".into());
        assert_eq!(entry.error(), None, "editing clears it");
    }

    #[test]
    fn this_site_is_a_choice_only_when_it_is_the_default() {
        let mut entry = BaseEntry::showing(DEFAULT.into());
        entry.edit(String::new());
        assert_eq!(entry.confirm(DEFAULT, DEFAULT), Confirmed::Refused);
        let mut entry = BaseEntry::showing("https://api.example.com".into());
        entry.edit(" ".into());
        assert_eq!(
            entry.confirm("", "https://api.example.com"),
            Confirmed::Switched {
                base: String::new(),
                announcement: "Requests now go to this site.".into(),
            }
        );
        assert_eq!(default_hint(""), "Default: this site (same-origin proxy).");
        assert_eq!(default_hint(DEFAULT), "Default: https://api.test");
    }
}
