//! A finished task's video in its row, with its actions and the copy
//! saved in this browser ([`crate::tasks::saved`]).

use leptos::prelude::*;

use crate::captions::view::{CaptionTrack, CaptionsFor};
use crate::ctx::Connection;
use crate::tasks::saved::{CopyState, SavedCopies, fetch_link, mark_removed, note, revoke};
use crate::tasks::store::{TaskEntry, TaskStore};
use crate::widgets::{CopyButton, effect, handler};

/// A finished task's video with its actions, and its copy saved in this
/// browser ([`crate::tasks::saved`]): once the provider's link no longer works
/// (the `<video>` fails to load it, or a check of the link when play is
/// pressed answers 403/404/410 or fails although the link was saved from
/// before), the row plays the copy from a `blob:` URL, revoked when the row
/// goes.
#[component]
pub fn ResultVideo(entry: TaskEntry, url: String, poster: Option<String>) -> impl IntoView {
    let saved = expect_context::<SavedCopies>();
    // Its length, read when it loads: it prices captions.
    let seconds = RwSignal::new(None::<f64>);
    // The speech it says, and its words when it was made here from a script.
    let speech = entry
        .record
        .with_untracked(|t| Some(t.request.video()?.speech_url()?.to_owned()));
    let script = (speech.as_deref()).and_then(|s| tasks_script(&expect_context::<TaskStore>(), s));
    let tasks = expect_context::<TaskStore>();
    let conn = expect_context::<Connection>();
    saved.look_up_while_shown(entry);
    let kept = entry.copy;
    let broken = RwSignal::new(false);
    // The copy's `blob:` URL while it plays; revoked when replaced or when the row goes.
    let copy = RwSignal::new(None::<String>);
    let link = StoredValue::new(url.clone());
    let drop_copy = move || {
        if let Some(Some(url)) = copy.try_get_untracked() {
            revoke(&url);
        }
    };
    on_cleanup(drop_copy);
    // The copy plays while the link is broken and a copy is kept.
    effect(move || {
        let has_copy = matches!(kept.get(), CopyState::Saved(_));
        if !broken.get() || !has_copy {
            if copy.with_untracked(Option::is_some) {
                drop_copy();
                copy.set(None);
            }
            return;
        }
        if copy.with_untracked(Option::is_none) {
            leptos::task::spawn_local(async move {
                let Some(found) = saved.object_url(&link.get_value()).await else {
                    return;
                };
                // Unless the row went, the copy was removed, or another load won meanwhile.
                let taken = copy.try_update(|c| {
                    let wanted = c.is_none() && matches!(kept.get_untracked(), CopyState::Saved(_));
                    if wanted {
                        *c = Some(found.clone());
                    }
                    wanted
                });
                if taken != Some(true) {
                    revoke(&found);
                }
            });
        }
    });
    let src = move || copy.get().unwrap_or_else(|| link.get_value());
    let on_error = move |_| {
        if copy.with_untracked(Option::is_none) {
            broken.set(true);
        }
    };
    // Pressing play on a link that was saved from: is it still there?
    let on_play = move |_| {
        if broken.get_untracked()
            || !matches!(kept.get_untracked(), CopyState::Saved(_))
            || !conn.online.get_untracked()
        {
            return;
        }
        leptos::task::spawn_local(async move {
            let head = fetch_link(&link.get_value(), "HEAD", web_sys::RequestCache::NoStore).await;
            if head.map_or(true, |r| matches!(r.status(), 403 | 404 | 410)) {
                let _ = broken.try_set(true);
            }
        });
    };
    // No copy to play and a dead link: nothing to show but the words.
    let dead = move || {
        broken.get()
            && !matches!(
                kept.get(),
                CopyState::Saved(_) | CopyState::Unknown | CopyState::Checking
            )
    };
    // "Remove saved copy" while one is kept, "Save a copy" when none is.
    let copy_action = move || match kept.get() {
        _ if broken.get() => None,
        CopyState::Saved(_) => Some("Remove saved copy"),
        CopyState::Removed | CopyState::Full | CopyState::Failed(_) => Some("Save a copy"),
        _ => None,
    };
    let on_copy_action = move |_| {
        let keep = !matches!(kept.get_untracked(), CopyState::Saved(_));
        mark_removed(tasks, entry, !keep);
        if keep {
            saved.save_again(entry);
        } else {
            saved.remove(entry);
        }
    };
    view! {
        <video class="result" controls playsinline preload="metadata" src=src poster=poster
            hidden=dead on:error=handler(on_error) on:play=handler(on_play)
            on:loadedmetadata=handler(move |ev| seconds.set(media_seconds(&ev)))>
            <CaptionTrack link=url.clone() speech=speech.clone()/>
        </video>
        <p class="task-note saved-note" aria-live="polite">
            {move || note(&kept.get(), broken.get(), conn.online.get())}
        </p>
        <div class="task-actions">
            <a class="btn small" href=src download=format!("{}.mp4", entry.id()) target="_blank" rel="noopener noreferrer">"Download"</a>
            <CopyButton label="Copy link" text=Signal::stored(url.clone())/>
            <button type="button" class="btn small ghost" hidden=move || copy_action().is_none()
                on:click=handler(on_copy_action)>{move || copy_action().unwrap_or_default()}</button>
        </div>
        <p class="hint">"Result links expire after a day or two: download what you want to keep."</p>
        <CaptionsFor link=url.clone() name=entry.id() seconds=seconds.into() link_works=Signal::derive(move || !broken.get()) script speech/>
    }
}

/// The script a speech made in this page was read from.
pub fn tasks_script(tasks: &TaskStore, speech: &str) -> Option<String> {
    tasks.made(speech)?.request.speech().map(|r| r.text.clone())
}

/// The length of the media element an event came from, once known.
pub fn media_seconds(ev: &web_sys::Event) -> Option<f64> {
    let media: web_sys::HtmlMediaElement = event_target(ev);
    Some(media.duration()).filter(|s| s.is_finite() && *s > 0.0)
}
