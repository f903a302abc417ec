//! Saved copies: each finished video is fetched once and kept in this
//! browser, so that it still plays once the provider's link has expired.
//!
//! Where: Cache Storage, one cache per deployment ([`Scope::videos`], e.g.
//! `avatar-studio@/studio/.videos`), each copy under its result URL. Why
//! Cache Storage rather than the origin-private file system (OPFS): a whole
//! `Response` is put atomically (a copy is there complete or not at all), a
//! full disk surfaces as a rejected `put` (`QuotaExceededError`), a copy is
//! deleted by its URL, and no worker is needed (OPFS writes that are both
//! fast and simple are worker-only). Playback reads the cached body as a
//! `Blob` and plays a `blob:` URL of it, which seeks like a file. The
//! service worker's clean-up of older builds never touches this cache
//! (deploy/sw.js.in deletes only `…:<build id>` names).
//!
//! When: once per task, when it is found completed (just finished, or on
//! load, or from another tab or a history file), unless a copy is there
//! already or the user removed it ([`TaskRecord::copy_removed`], the only
//! trace of copies in `localStorage`), one at a time. A copy is claimed
//! before it is looked for, so one task is never saved twice at once. Only
//! tasks that finished in the last two days are saved by themselves; an
//! older task's copy is only looked up, and only while the page shows it
//! ([`SavedCopies::look_up_while_shown`]).

use std::collections::VecDeque;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::ctx::Connection;
use crate::storage::Scope;
use crate::tasks::store::{TaskEntry, TaskStore};
use crate::widgets::effect;

mod panel;

pub use crate::tasks::copy::{CopyState, format_size, note, put_failure, result_url};
pub use panel::SavedSettings;

/// Tasks that finished longer ago than this are not saved by themselves:
/// the provider's links last a day or two.
const SAVE_WINDOW_MS: u64 = 48 * 60 * 60 * 1000;
/// How long after the page starts saving begins.
const START_DELAY_MS: u64 = 1_500;

/// Records in the task that the user removed its copy (or wants one again).
pub fn mark_removed(tasks: TaskStore, entry: TaskEntry, removed: bool) {
    tasks.update(entry, |t| t.copy_removed = removed);
}

/// Frees a `blob:` URL made by [`SavedCopies::object_url`].
pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// The saved copies of this deployment (what each task knows of its own
/// copy is its [`TaskEntry::copy`]). A `Copy` handle, provided by
/// [`crate::app::Studio`].
#[derive(Clone, Copy)]
pub struct SavedCopies {
    cache: StoredValue<String>,
    /// Bumped when copies are added or removed (Settings re-reads the estimate).
    pub changed: RwSignal<u64>,
    /// Set [`START_DELAY_MS`] after the page starts: no copy is looked
    /// for before.
    started: RwSignal<bool>,
    /// The claimed copies waiting their turn, looked up one after the other.
    queue: StoredValue<VecDeque<Lookup>>,
    /// Whether a loop is working through `queue`.
    draining: StoredValue<bool>,
}

/// A copy claimed for looking up: no one else looks for it meanwhile.
struct Lookup {
    url: String,
    /// Whether to download it when it is not there.
    save: bool,
    state: RwSignal<CopyState>,
}

fn caches() -> Option<web_sys::CacheStorage> {
    window().caches().ok().filter(|c| !c.is_undefined())
}

async fn open(name: &str) -> Option<web_sys::Cache> {
    let cache = JsFuture::from(caches()?.open(name)).await.ok()?;
    Some(cache.unchecked_into())
}

/// The cached answer for `url`, if any.
async fn find(cache: &web_sys::Cache, url: &str) -> Option<web_sys::Response> {
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    found.dyn_into().ok()
}

async fn blob(response: &web_sys::Response) -> Option<web_sys::Blob> {
    let body = JsFuture::from(response.blob().ok()?).await.ok()?;
    body.dyn_into().ok()
}

/// The size of a cached answer: its `Content-Length`, else its body's.
async fn size(response: &web_sys::Response) -> u64 {
    let length = response.headers().get("content-length").ok().flatten();
    match length.and_then(|l| l.trim().parse().ok()) {
        Some(n) => n,
        None => blob(response).await.map_or(0, |b| b.size() as u64),
    }
}

/// `fetch()` of a result link exactly as the provider gave it: gloo-net's
/// request builder writes a link's query string anew (`?a=1` becomes
/// `?a=1&`), which a signed link (S3, CloudFront) refuses. `Err` when
/// `fetch()` itself fails: no CORS headers, or no network.
pub async fn fetch_link(
    url: &str,
    method: &str,
    cache: web_sys::RequestCache,
) -> Result<web_sys::Response, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_cache(cache);
    let answer = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await?;
    Ok(answer.unchecked_into())
}

fn error_name(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// The task's result link, and whether a copy is wanted.
fn link(entry: TaskEntry) -> Option<(String, bool)> {
    entry
        .record
        .try_with_untracked(|t| result_url(t).map(|u| (u.to_owned(), !t.copy_removed)))
        .flatten()
}

/// Whether the task finished recently enough for its link to still work.
fn recent(entry: TaskEntry) -> bool {
    entry
        .record
        .try_with_untracked(|t| {
            crate::ctx::now_ms().saturating_sub(t.finished_ms.unwrap_or(t.submitted_ms))
                < SAVE_WINDOW_MS
        })
        .unwrap_or(false)
}

impl SavedCopies {
    /// The copies of `scope`'s deployment.
    pub fn new(scope: &Scope) -> SavedCopies {
        SavedCopies {
            cache: StoredValue::new(scope.videos()),
            changed: RwSignal::new(0),
            started: RwSignal::new(false),
            queue: StoredValue::new(VecDeque::new()),
            draining: StoredValue::new(false),
        }
    }

    /// Claims a completed task's copy for looking up (and saving, unless
    /// the user removed it; for an old task only when `asked`): only a copy not looked for yet is claimed, so
    /// no copy is ever saved twice at once.
    fn claim(&self, entry: TaskEntry, asked: bool) -> Option<Lookup> {
        let (url, wanted) = link(entry)?;
        if entry.copy.get_untracked() != CopyState::Unknown {
            return None;
        }
        // An older task's link has most likely expired: its copy is looked
        // up, not downloaded (a long history is never fetched at once); its
        // row offers "Save a copy".
        let save = wanted && (asked || recent(entry));
        entry.copy.set(CopyState::Checking);
        Some(Lookup {
            url,
            save,
            state: entry.copy,
        })
    }

    /// Queues claimed copies to be looked up, and saved when missing, one
    /// after the other (a long history is not looked up or downloaded all at once).
    fn enqueue(&self, todo: impl IntoIterator<Item = Lookup>) {
        let pending = self.queue.try_update_value(|queue| {
            queue.extend(todo);
            !queue.is_empty()
        });
        if pending != Some(true) || self.draining.get_value() {
            return;
        }
        self.draining.set_value(true);
        let saved = *self;
        leptos::task::spawn_local(async move {
            while let Some(next) = saved.queue.try_update_value(VecDeque::pop_front).flatten() {
                saved.keep(next).await;
            }
            let _ = saved.draining.try_set_value(false);
        });
    }

    /// Looks up the copy of a task the page shows (its row, a compared
    /// video) once saving has started, and again when the network is back:
    /// only what is shown is looked for, so a long history costs no more
    /// than its first page. (Recent tasks are looked up, and saved, by [`Savers`].)
    pub fn look_up_while_shown(&self, entry: TaskEntry) {
        let saved = *self;
        let conn = expect_context::<Connection>();
        effect(move || {
            if saved.started.get() {
                conn.online.track();
                saved.enqueue(saved.claim(entry, false));
            }
        });
    }

    async fn keep(self, Lookup { url, save, state }: Lookup) {
        // Removed while it waited its turn, or while it was looked up
        // ("Remove all saved copies"): it stays removed.
        let claimed = || state.try_get_untracked() == Some(CopyState::Checking);
        if !claimed() {
            return;
        }
        let Some(name) = self.cache.try_get_value() else {
            return;
        };
        let Some(cache) = open(&name).await else {
            let _ = state.try_set(CopyState::Unsupported);
            return;
        };
        let found = match find(&cache, &url).await {
            Some(found) => Some(size(&found).await),
            None => None,
        };
        if !claimed() {
            return;
        }
        if let Some(bytes) = found {
            let _ = state.try_set(CopyState::Saved(bytes));
            return;
        }
        if !save {
            let _ = state.try_set(CopyState::Removed);
            return;
        }
        if !window().navigator().on_line() {
            // Tried again when the network is back.
            let _ = state.try_set(CopyState::Unknown);
            return;
        }
        let _ = state.try_set(CopyState::Saving);
        let response = match fetch_link(&url, "GET", web_sys::RequestCache::Default).await {
            Ok(answer) => answer,
            // A TypeError (the host sends no CORS headers) or no network.
            Err(_) => {
                let _ = state.try_set(CopyState::Blocked);
                return;
            }
        };
        if response.status() != 200 {
            let _ = state.try_set(CopyState::Failed(response.status()));
            return;
        }
        let put = JsFuture::from(cache.put_with_str(&url, &response)).await;
        let kept = match put {
            Ok(_) => match find(&cache, &url).await {
                Some(found) => CopyState::Saved(size(&found).await),
                None => CopyState::Failed(0),
            },
            Err(e) => put_failure(&error_name(&e)),
        };
        if state.try_get_untracked() != Some(CopyState::Saving) {
            // Removed meanwhile: keep nothing.
            let _ = JsFuture::from(cache.delete_with_str(&url)).await;
            return;
        }
        let saved = matches!(kept, CopyState::Saved(_));
        let _ = state.try_set(kept);
        if saved {
            let _ = self.changed.try_update(|n| *n += 1);
        }
    }

    /// Forgets the copy of a task's video (the task keeps its record).
    pub fn remove(&self, entry: TaskEntry) {
        let Some((url, _)) = link(entry) else {
            return;
        };
        entry.copy.set(CopyState::Removed);
        let name = self.cache.get_value();
        let changed = self.changed;
        leptos::task::spawn_local(async move {
            if let Some(cache) = open(&name).await {
                let _ = JsFuture::from(cache.delete_with_str(&url)).await;
            }
            let _ = changed.try_update(|n| *n += 1);
        });
    }

    /// Looks for the copy again and saves one if missing ("Save a copy").
    pub fn save_again(&self, entry: TaskEntry) {
        if matches!(
            entry.copy.get_untracked(),
            CopyState::Saving | CopyState::Checking
        ) {
            return;
        }
        entry.copy.set(CopyState::Unknown);
        self.enqueue(self.claim(entry, true));
    }

    /// A `blob:` URL of the copy of `url`, to play it (to be [`revoke`]d).
    pub async fn object_url(&self, url: &str) -> Option<String> {
        let cache = open(&self.cache.try_get_value()?).await?;
        let body = blob(&find(&cache, url).await?).await?;
        web_sys::Url::create_object_url_with_blob(&body).ok()
    }
}

/// Saves a copy of every recently finished task's video that has none yet
/// (and again for those skipped while the browser was offline).
#[component]
pub fn Savers() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let saved = expect_context::<SavedCopies>();
    let conn = expect_context::<Connection>();
    // Not while the page starts: the first render and the form come first.
    set_timeout(
        move || {
            let _ = saved.started.try_set(true);
        },
        std::time::Duration::from_millis(START_DELAY_MS),
    );
    effect(move || {
        if !saved.started.get() {
            return;
        }
        // Again when the network is back, for the copies skipped meanwhile
        // (those saved are found offline too).
        conn.online.track();
        let todo = tasks
            .results()
            .into_iter()
            .filter(|e| recent(*e))
            .filter_map(|e| saved.claim(e, false));
        saved.enqueue(todo);
    });
}
