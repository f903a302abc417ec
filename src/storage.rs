//! Where the page keeps things in the browser: one name per item and
//! deployment ([`Scope`]), so that two deployments on one origin (`/a/` and
//! `/b/`) never see each other's tasks or key; the browser's storages
//! ([`local`], [`Items`], a fast [`read_item`]); [`adopt_legacy`], which
//! moves what older builds saved; what is on its way (a batch, a chain), kept
//! as JSON ([`load_kept`]).
//! The saved task list's format is [`crate::tasks::format`].

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The names of this deployment's items in the browser's storage: one
/// namespace per base path, e.g. `avatar-studio@/studio/.tasks` for a page
/// served from `https://example.com/studio/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// What every name starts with: `avatar-studio@/studio/`, or
    /// `avatar-studio` for the names builds before namespacing used.
    prefix: String,
}

impl Scope {
    /// The scope of a page whose `document.baseURI` is `base_uri`: the
    /// directory of its path (`/` for `https://host/` or `https://host/index.html`,
    /// `/studio/` for `https://host/studio/?x#y`).
    pub fn from_base_uri(base_uri: &str) -> Scope {
        let without_query = base_uri.split(['?', '#']).next().unwrap_or_default();
        let after_scheme = without_query.split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        Scope {
            prefix: format!("avatar-studio@{dir}"),
        }
    }

    /// The scope of the running page (from `document.baseURI`). Browser only.
    pub fn current() -> Scope {
        let base_uri = leptos::prelude::document()
            .base_uri()
            .ok()
            .flatten()
            .unwrap_or_default();
        Scope::from_base_uri(&base_uri)
    }

    /// The names builds before namespacing used, shared by every deployment
    /// on the origin (`avatar-studio.tasks`…): read once by [`adopt_legacy`].
    pub fn legacy() -> Scope {
        Scope {
            prefix: "avatar-studio".to_owned(),
        }
    }

    /// The task list's envelope (`localStorage`).
    pub fn tasks(&self) -> String {
        self.name("tasks")
    }

    /// Where a batch being sent keeps its rows (`localStorage`).
    pub fn batch(&self) -> String {
        self.name("batch")
    }

    /// Where "Make speech, then the video" keeps its step (`localStorage`).
    pub fn chain(&self) -> String {
        self.name("chain")
    }

    /// Where an unreadable task list is set aside (`localStorage`).
    pub fn unreadable(&self) -> String {
        self.name("tasks.unreadable")
    }

    /// The API key (`localStorage` when remembered, else `sessionStorage`).
    pub fn api_key(&self) -> String {
        self.name("api-key")
    }

    /// The API base URL chosen in Settings (`localStorage`).
    pub fn api_base(&self) -> String {
        self.name("api-base")
    }

    /// The last balance the API reported, per key prefix (`localStorage`).
    pub fn balances(&self) -> String {
        self.name("balances")
    }

    /// The saved copies of finished videos (a Cache Storage cache, see
    /// [`crate::tasks::saved`]; deploy/sw.js.in never deletes it).
    pub fn videos(&self) -> String {
        self.name("videos")
    }

    fn name(&self, item: &str) -> String {
        format!("{}.{item}", self.prefix)
    }
}

/// A place items are kept: the browser's `localStorage` or
/// `sessionStorage` (a map in native tests).
pub trait Items {
    /// The item's value, if any.
    fn get(&self, name: &str) -> Option<String>;
    /// Stores a value; false when the browser refused.
    fn set(&self, name: &str, value: &str) -> bool;
    /// Removes the item.
    fn remove(&self, name: &str);
}

impl Items for web_sys::Storage {
    fn get(&self, name: &str) -> Option<String> {
        read_item(self, name)
    }

    fn set(&self, name: &str, value: &str) -> bool {
        self.set_item(name, value).is_ok()
    }

    fn remove(&self, name: &str) {
        let _ = self.remove_item(name);
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A `Storage`, seen through [`get_item_text`].
    type TextStorage;
    /// `Storage.getItem`, its value left in JavaScript.
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item_text(
        this: &TextStorage,
        name: &str,
    ) -> Result<Option<js_sys::JsString>, wasm_bindgen::JsValue>;

    /// The browser's UTF-8 encoder.
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// Writes `text` as UTF-8 into `into`; returns `{ read, written }`.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, text: &js_sys::JsString, into: &mut [u8]) -> js_sys::Object;
}

/// An item of `storage`, copied into the wasm by the browser's own UTF-8
/// encoder: the usual copy of a string runs a JavaScript loop over every
/// character, which cost a 1,000-task list about 25 ms at start-up.
pub fn read_item(storage: &web_sys::Storage, name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let text = storage
        .unchecked_ref::<TextStorage>()
        .get_item_text(name)
        .ok()??;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    let mut bytes = vec![0u8; text.length() as usize * 3];
    let done = TextEncoder::new().encode_into(&text, &mut bytes);
    let written = js_sys::Reflect::get(&done, &"written".into())
        .ok()?
        .as_f64()? as usize;
    bytes.truncate(written);
    String::from_utf8(bytes).ok()
}

/// Copies what builds before namespacing saved into `scope`, for every item
/// `scope` does not have yet (an item it has is never overwritten, so this
/// happens once per deployment). `local` and `session` are the browser's
/// two storages.
///
/// The legacy task list and API base stay where they are: another
/// deployment on the same origin may still need to adopt them, and losing
/// tasks is worse than a stale copy. A legacy API key is removed once
/// copied: a secret should live in one place only, so the first deployment
/// opened takes it and any other asks for it again.
pub fn adopt_legacy(scope: &Scope, local: &impl Items, session: &impl Items) {
    let legacy = Scope::legacy();
    adopt(local, &legacy.tasks(), &scope.tasks(), true);
    adopt(local, &legacy.api_base(), &scope.api_base(), true);
    adopt(local, &legacy.api_key(), &scope.api_key(), false);
    adopt(session, &legacy.api_key(), &scope.api_key(), false);
}

/// Copies `from` to `to` unless `to` exists; removes `from` once copied
/// unless `keep`.
///
/// `from` is read first: it is usually absent, and `to` may be a long task
/// list that would otherwise be copied out of the browser's storage once
/// more on every start.
fn adopt(items: &impl Items, from: &str, to: &str, keep: bool) {
    let Some(value) = items.get(from) else {
        return;
    };
    if items.get(to).is_some() {
        return;
    }
    if items.set(to, &value) && !keep {
        items.remove(from);
    }
}

/// Moves an unreadable saved list aside (so nothing is overwritten): the
/// name it is kept under, or `None` if the browser would not keep a copy.
/// Browser only.
pub fn set_aside(scope: &Scope) -> Option<String> {
    let local = local()?;
    let key = scope.tasks();
    let raw = local.get_item(&key).ok()??;
    let backup = scope.unreadable();
    local.set_item(&backup, &raw).ok()?;
    let _ = local.remove_item(&key);
    Some(backup)
}

/// What was kept under `name` (a batch or a chain on its way when the page
/// was left), if any.
pub fn load_kept<T: DeserializeOwned>(name: &str) -> Option<T> {
    let text = local()?.get_item(name).ok()??;
    serde_json::from_str(&text).ok()
}

/// Keeps `value` under `name` (`None`: there is none any more).
pub fn save_kept<T: Serialize>(name: &str, value: Option<&T>) {
    let Some(storage) = local() else { return };
    match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(text) => {
            let _ = storage.set_item(name, &text);
        }
        None => {
            let _ = storage.remove_item(name);
        }
    }
}

/// The browser's localStorage, `None` where the browser refuses it.
pub fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The browser's sessionStorage, `None` where the browser refuses it.
pub fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_the_directory_of_the_base_uri() {
        for (uri, tasks) in [
            ("https://example.com/", "avatar-studio@/.tasks"),
            ("https://example.com", "avatar-studio@/.tasks"),
            ("https://example.com/index.html", "avatar-studio@/.tasks"),
            ("https://example.com/studio", "avatar-studio@/.tasks"),
            (
                "https://example.com/studio/",
                "avatar-studio@/studio/.tasks",
            ),
            (
                "https://example.com/studio/index.html?x=/y/#/z/",
                "avatar-studio@/studio/.tasks",
            ),
            ("http://127.0.0.1:8000/a/b/", "avatar-studio@/a/b/.tasks"),
            ("about:blank", "avatar-studio@/.tasks"),
        ] {
            assert_eq!(Scope::from_base_uri(uri).tasks(), tasks, "{uri}");
        }
        let scope = Scope::from_base_uri("https://example.com/studio/");
        assert_eq!(
            scope.unreadable(),
            "avatar-studio@/studio/.tasks.unreadable"
        );
        assert_eq!(scope.api_key(), "avatar-studio@/studio/.api-key");
        assert_eq!(scope.api_base(), "avatar-studio@/studio/.api-base");
        assert_eq!(scope.balances(), "avatar-studio@/studio/.balances");
        assert_eq!(scope.videos(), "avatar-studio@/studio/.videos");
        assert_ne!(
            Scope::from_base_uri("https://example.com/a/").api_key(),
            Scope::from_base_uri("https://example.com/b/").api_key()
        );
    }

    #[test]
    fn legacy_names_are_those_of_builds_before_namespacing() {
        let legacy = Scope::legacy();
        assert_eq!(legacy.tasks(), "avatar-studio.tasks");
        assert_eq!(legacy.unreadable(), "avatar-studio.tasks.unreadable");
        assert_eq!(legacy.api_key(), "avatar-studio.api-key");
        assert_eq!(legacy.api_base(), "avatar-studio.api-base");
    }

    #[derive(Default)]
    struct Map(std::cell::RefCell<std::collections::BTreeMap<String, String>>);

    impl Items for Map {
        fn get(&self, name: &str) -> Option<String> {
            self.0.borrow().get(name).cloned()
        }
        fn set(&self, name: &str, value: &str) -> bool {
            self.0.borrow_mut().insert(name.into(), value.into());
            true
        }
        fn remove(&self, name: &str) {
            self.0.borrow_mut().remove(name);
        }
    }

    #[test]
    fn legacy_items_are_adopted_once_and_a_legacy_key_is_then_removed() {
        let legacy = Scope::legacy();
        let (a, b) = (
            Scope::from_base_uri("https://example.com/a/"),
            Scope::from_base_uri("https://example.com/b/"),
        );
        let (local, session) = (Map::default(), Map::default());
        local.set(&legacy.tasks(), "tasks");
        local.set(&legacy.api_base(), "https://api.example.com");
        local.set(&legacy.api_key(), "sk_remembered");
        session.set(&legacy.api_key(), "sk_session");

        adopt_legacy(&a, &local, &session);
        assert_eq!(local.get(&a.tasks()).as_deref(), Some("tasks"));
        assert_eq!(
            local.get(&a.api_base()).as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(local.get(&a.api_key()).as_deref(), Some("sk_remembered"));
        assert_eq!(session.get(&a.api_key()).as_deref(), Some("sk_session"));
        assert_eq!(local.get(&legacy.tasks()).as_deref(), Some("tasks"), "kept");
        assert_eq!(
            local.get(&legacy.api_key()),
            None,
            "the key is not left behind"
        );
        assert_eq!(session.get(&legacy.api_key()), None);

        // Another deployment still finds the tasks, but not the key.
        adopt_legacy(&b, &local, &session);
        assert_eq!(local.get(&b.tasks()).as_deref(), Some("tasks"));
        assert_eq!(local.get(&b.api_key()), None);

        // What a scope has is never overwritten.
        local.set(&a.tasks(), "a's own");
        local.set(&legacy.tasks(), "newer legacy");
        local.set(&legacy.api_key(), "sk_other");
        adopt_legacy(&a, &local, &session);
        assert_eq!(local.get(&a.tasks()).as_deref(), Some("a's own"));
        assert_eq!(local.get(&a.api_key()).as_deref(), Some("sk_remembered"));
        assert_eq!(
            local.get(&legacy.api_key()).as_deref(),
            Some("sk_other"),
            "not copied, so not removed"
        );
    }
}
