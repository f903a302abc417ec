//! Settings' "Saved videos": how much this browser stores for the page, a
//! request for persistent storage, and "Remove all saved copies".

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{CopyState, SavedCopies, caches, format_size, link, mark_removed};
use crate::tasks::store::TaskStore;
use crate::widgets::{effect, handler};

/// Settings' "Saved videos": how much the browser holds for the site, a
/// request for persistent storage, and "Remove all saved copies".
#[component]
pub fn SavedSettings(open: RwSignal<bool>) -> impl IntoView {
    let saved = expect_context::<SavedCopies>();
    let tasks = expect_context::<TaskStore>();
    let usage = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<String>);
    effect(move || {
        saved.changed.track();
        if open.get() {
            leptos::task::spawn_local(async move {
                let text = estimate().await;
                let _ = usage.try_set(Some(text));
            });
        }
    });
    let persist = move |_| {
        leptos::task::spawn_local(async move {
            let text = ask_persist().await;
            let _ = outcome.try_set(Some(text.to_owned()));
        })
    };
    let remove_all = move |_| {
        for entry in tasks.newest(usize::MAX) {
            let Some((_, wanted)) = link(entry) else {
                continue;
            };
            if entry.copy.get_untracked() != CopyState::Unsupported {
                entry.copy.set(CopyState::Removed);
            }
            if wanted {
                mark_removed(tasks, entry, true);
            }
        }
        leptos::task::spawn_local(async move {
            let done = match caches() {
                Some(c) => JsFuture::from(c.delete(&saved.cache.get_value()))
                    .await
                    .is_ok(),
                None => false,
            };
            let _ = saved.changed.try_update(|n| *n += 1);
            let text = if done {
                "Saved copies removed: every task keeps its record and its provider link."
            } else {
                "This browser keeps no saved copies for this page."
            };
            let _ = outcome.try_set(Some(text.to_owned()));
        });
    };
    view! {
        <div class="field saved-videos">
            <h3>"Saved videos"</h3>
            <p class="hint" id="storage-use">{move || usage.get()}</p>
            <div class="input-row">
                <button type="button" class="btn" on:click=handler(persist)>
                    "Keep saved videos (ask the browser for persistent storage)"
                </button>
                <button type="button" class="btn ghost danger" on:click=handler(remove_all)>"Remove all saved copies"</button>
            </div>
            <p class="hint" role="status">{move || outcome.get()}</p>
        </div>
    }
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    let navigator = window().navigator();
    js_sys::Reflect::has(&navigator, &"storage".into())
        .unwrap_or(false)
        .then(|| navigator.storage())
}

/// "This page uses 3.2 MB of about 1.2 GB this browser allows", from
/// `navigator.storage.estimate()`.
async fn estimate() -> String {
    let promise = storage_manager().and_then(|s| s.estimate().ok());
    let Some(estimate) = promise.map(JsFuture::from) else {
        return "This browser does not say how much it stores for this page.".into();
    };
    let Ok(estimate) = estimate.await else {
        return "This browser does not say how much it stores for this page.".into();
    };
    let number = |name: &str| {
        js_sys::Reflect::get(&estimate, &name.into())
            .ok()
            .and_then(|v| v.as_f64())
            .map_or(0, |v| v as u64)
    };
    format!(
        "Stored for this page: {} of about {} this browser allows.",
        format_size(number("usage")),
        format_size(number("quota"))
    )
}

/// Asks for persistent storage and says what the browser answered.
async fn ask_persist() -> &'static str {
    let Some(promise) = storage_manager().and_then(|s| s.persist().ok()) else {
        return "This browser cannot be asked to keep them.";
    };
    match JsFuture::from(promise).await.map(|v| v.is_truthy()) {
        Ok(true) => "Granted: the browser keeps saved videos until you remove them.",
        Ok(false) => {
            "Not granted: the browser may delete saved videos when it runs short of space."
        }
        Err(_) => "The browser did not answer the request.",
    }
}
