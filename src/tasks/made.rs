//! What a speech or portrait task made, in its row: the recording with its
//! length, or the picture at its size, and the button that puts it into
//! the form ("Use this speech", "Use as portrait"). Once the provider's link
//! no longer loads, the copy saved in this browser is shown instead
//! ([`crate::tasks::saved`]), and the button goes: the API cannot read it.

use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::model::Field;
use leptos::prelude::*;

use crate::captions::view::CaptionsFor;
use crate::create::plan::speech_slot;
use crate::create::variants::cell_id;
use crate::ctx::{Announcer, Draft};
use crate::tasks::record::TaskRecord;
use crate::tasks::request::TaskResult;
use crate::tasks::saved::{SavedCopies, revoke};
use crate::tasks::video::media_seconds;
use crate::widgets::{field_id, focus_id, handler};

/// The speech or picture `result` of `task`, with its use; `None` for a video.
pub fn made(task: &TaskRecord, result: &TaskResult) -> Option<AnyView> {
    let (draft, announcer) = (expect_context::<Draft>(), expect_context::<Announcer>());
    let url = result.link()?.to_owned();
    let size = RwSignal::new(None::<String>);
    // A speech's length, read when it loads: it prices captions.
    let seconds = RwSignal::new(None::<f64>);
    let script = task.request.speech().map(|r| r.text.clone());
    // The API may use another model than the one asked for: say which it used.
    let model = task.model_used.clone().map(|used| {
        let asked = task.request.speech().map(|s| s.model.as_str());
        match asked {
            Some(asked) if asked != used => format!("Made by {used} (asked for {asked})"),
            _ => format!("Made by {used}"),
        }
    });
    // The link, or the saved copy's `blob:` URL once the link fails; the note says which.
    let src = RwSignal::new(url.clone());
    let note = RwSignal::new(None::<String>);
    on_cleanup(move || {
        if let Some(shown) = src.try_get_untracked().filter(|u| u.starts_with("blob:")) {
            revoke(&shown);
        }
    });
    // Read here: an event handler runs with no owner, so no context.
    let (saved, link) = (expect_context::<SavedCopies>(), url.clone());
    let on_error = move |_| {
        if note.get_untracked().is_some() {
            return;
        }
        let link = link.clone();
        leptos::task::spawn_local(async move {
            let copy = saved.object_url(&link).await;
            let said = match &copy {
                Some(_) => {
                    "The provider's link has expired: showing the copy saved in this browser."
                }
                None => {
                    "The provider's link no longer works and no copy was saved in this browser."
                }
            };
            let _ = note.try_set(Some(said.to_owned()));
            if let Some(copy) = copy
                && src.try_set(copy.clone()).is_some()
            {
                revoke(&copy);
            }
        });
    };
    let view = match result {
        TaskResult::Video(_) | TaskResult::Captions(_) => return None,
        TaskResult::Speech(_) => {
            let chosen = url.clone();
            // Into the form, or the first variant still without a speech.
            let use_it = move |_| {
                let slot = draft
                    .form
                    .with_untracked(|f| draft.variants.with_untracked(|v| speech_slot(f, v)));
                let url = chosen.clone();
                let (place, id) = match slot {
                    None => {
                        draft.form.update(|f| f.set_billing_audio(url));
                        ("the form".to_owned(), field_id(Field::AudioUrl.name()))
                    }
                    Some(i) => {
                        draft.variants.update(|v| v[i].set_billing_audio(url));
                        (
                            format!("variant {}", i + 2),
                            cell_id(i + 2, Field::AudioUrl),
                        )
                    }
                };
                announcer.say(format!(
                    "The speech is in {place}; its length is read when it loads."
                ));
                focus_id(&id);
            };
            view! {
                <div class="made">
                    <audio controls preload="metadata" src=move || src.get() on:error=handler(on_error)
                        on:loadedmetadata=handler(move |ev| {
                            let s = media_seconds(&ev);
                            seconds.set(s);
                            size.set(s.map(|s| format!("{} s of speech", format_seconds(seconds_to_ms(s)))));
                        })></audio>
                    <p class="task-sub">{move || [size.get(), model.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                    <p class="task-note">{move || note.get()}</p>
                    <button type="button" class="btn small" hidden=move || note.get().is_some() on:click=handler(use_it)>"Use this speech"</button>
                    <CaptionsFor link=url.clone() name=task.task_id.clone() seconds=seconds.into() link_works=Signal::derive(move || note.get().is_none()) script=script.clone() speech=None/>
                </div>
            }
            .into_any()
        }
        TaskResult::Portrait(_) => {
            let chosen = url.clone();
            let use_it = move |_| {
                draft.form.update(|f| f.image_url = chosen.clone());
                announcer.say("The portrait is in the form.");
                focus_id(&field_id(Field::ImageUrl.name()));
            };
            view! {
                <div class="made">
                    <img class="made-picture" src=move || src.get() alt="The portrait made from the description" on:error=handler(on_error)
                        on:load=handler(move |ev| {
                            let img: web_sys::HtmlImageElement = event_target(&ev);
                            size.set(Some(format!("{}×{} px", img.natural_width(), img.natural_height())));
                        })/>
                    <p class="task-sub">{move || [size.get(), model.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                    <p class="task-note">{move || note.get()}</p>
                    <button type="button" class="btn small" hidden=move || note.get().is_some() on:click=handler(use_it)>"Use as portrait"</button>
                </div>
            }
            .into_any()
        }
    };
    Some(view)
}
