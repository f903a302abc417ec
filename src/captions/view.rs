//! Captions on screen: [`CaptionsFor`] under a finished video or speech
//! ("Add captions · N credits", then the lines to correct and the
//! downloads), [`CaptionTrack`] inside every player of that video, and
//! [`CaptionsMade`] in the transcription's own row.

use avatar_api::TaskStatus;
use avatar_api::transcribe::{TranscribeRequest, Transcript};
use leptos::prelude::*;

use super::{Captions, Edit, read_time, show_time};
use crate::create::plan::Plan;
use crate::create::send::Sender;
use crate::tasks::record::TaskRecord;
use crate::tasks::request::TaskRequest;
use crate::tasks::saved::{fetch_link, revoke};
use crate::tasks::store::{TaskEntry, TaskStore};
use crate::widgets::{blob_url, download, effect, handler};

/// The captions of a record: a transcription's, or a speech's subtitles.
fn captions_of(t: &TaskRecord) -> Option<&Captions> {
    t.captions()
}

/// Where the captions of `link` are kept ([`TaskStore::captions_for`]);
/// for a video, the subtitles of the speech it says (`speech`) when it has
/// none of its own: they start with it.
fn holder(tasks: TaskStore, link: &str, speech: Option<&str>) -> Option<TaskEntry> {
    let has = |e: &Option<TaskEntry>| {
        e.is_some_and(|e| e.record.try_with(|t| t.captions().is_some()) == Some(true))
    };
    let own = tasks.captions_for(link);
    if has(&own) {
        return own;
    }
    match speech.map(|s| tasks.captions_for(s)) {
        Some(spoken) if has(&spoken) => spoken,
        _ => own,
    }
}

/// Reads the subtitle file a speech came with into its record, once; says
/// in `problem` why it could not (then captions can still be bought).
fn read_subtitles(tasks: TaskStore, entry: TaskEntry, problem: RwSignal<Option<String>>) {
    let Some(Some(link)) = entry
        .record
        .try_with_untracked(|t| t.subtitle_link.clone().filter(|_| t.subtitles.is_none()))
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        let read = match fetch_link(&link, "GET", web_sys::RequestCache::Default).await {
            Ok(answer) if answer.ok() => match answer.text() {
                Ok(text) => wasm_bindgen_futures::JsFuture::from(text)
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                    .map(|t| avatar_api::captions::parse(&t))
                    .filter(|lines| !lines.is_empty())
                    .ok_or("it holds no subtitle lines"),
                Err(_) => Err("it could not be read"),
            },
            Ok(_) => Err("the link answered with an error"),
            Err(_) => Err("the browser may not read it from this page (CORS)"),
        };
        match read {
            Ok(segments) => tasks.update(entry, |t| {
                t.subtitles = Some(Captions::from_transcript(Transcript {
                    segments,
                    ..Transcript::default()
                }));
            }),
            Err(why) => {
                let _ = problem.try_set(Some(format!(
                    "The speech came with subtitles, but the page could not read them: {why}."
                )));
            }
        }
    });
}

/// Where the newest transcription of a link stands, for the panel.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// None asked for, or the last one failed.
    None,
    /// Sent and not finished.
    Running,
    /// Finished with lines.
    Ready,
    /// Finished, and the API heard no speech.
    Silent,
}

fn stage_of(entry: Option<TaskEntry>) -> Stage {
    let Some(entry) = entry else {
        return Stage::None;
    };
    entry
        .record
        .try_with(|t| match captions_of(t) {
            Some(c) if c.is_empty() => Stage::Silent,
            Some(_) => Stage::Ready,
            None if t.request.captions().is_some()
                && (t.is_running() || t.is_outcome_unknown()) =>
            {
                Stage::Running
            }
            None => Stage::None,
        })
        .unwrap_or(Stage::None)
}

/// Under a finished video or speech at `link`: "Add captions" at its exact
/// price once `seconds` (its length, read when it loads) is known; then
/// where the transcription stands; then the captions: their language, the
/// downloads named `name`.srt/.vtt, "Use the script's words" when `script`
/// (the typed words it was read from) is known, and the lines to correct.
/// A video's `speech`, when it has subtitles, captions it at no price.
/// Nothing is offered once the link no longer works (`link_works`): the
/// API could not read it.
#[component]
pub fn CaptionsFor(
    link: String,
    name: String,
    seconds: Signal<Option<f64>>,
    link_works: Signal<bool>,
    script: Option<String>,
    speech: Option<String>,
) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let sender = Sender::from_context("notice");
    let found = Memo::new({
        let link = link.clone();
        move |_| holder(tasks, &link, speech.as_deref())
    });
    // Subtitles that came with the speech are read once they are known.
    let unread = RwSignal::new(None::<String>);
    effect(move || {
        if let Some(entry) = found.get() {
            read_subtitles(tasks, entry, unread);
        }
    });
    let stage = Memo::new(move |_| stage_of(found.get()));
    // The last try, when it failed: its refund is said beside the button.
    let failed = move || {
        found.get().and_then(|e| {
            e.record.with(|t| {
                (t.state.is(&TaskStatus::Failed) && captions_of(t).is_none()).then(|| {
                    format!(
                        "The last transcription failed; its {} credits were refunded.",
                        t.credits
                    )
                })
            })
        })
    };
    let link = StoredValue::new(link);
    // The price, or why there is none yet.
    let offer = Memo::new(move |_| {
        if !link_works.get() {
            return Err(
                "The provider's link no longer works, so the API cannot read it to make captions."
                    .to_owned(),
            );
        }
        let reading = found.get().is_some_and(|e| {
            e.record
                .with(|t| t.subtitle_link.is_some() && t.subtitles.is_none())
        });
        if reading && unread.get().is_none() {
            return Err("Reading the subtitles the speech came with…".to_owned());
        }
        let Some(s) = seconds.get() else {
            return Err("Play it once: its length sets the price of captions.".to_owned());
        };
        let r = TranscribeRequest::new(&link.get_value(), s);
        match (r.price(), r.validate()) {
            (Some(credits), Ok(())) => Ok(credits),
            (_, Err(problems)) => Err(problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>()
                .join(" ")),
            (None, Ok(())) => Err("Its length is unknown.".to_owned()),
        }
    });
    let add = move |_| {
        let (Some(s), Ok(credits)) = (seconds.get_untracked(), offer.get_untracked()) else {
            return;
        };
        if sender.is_sending() {
            return;
        }
        let r = TranscribeRequest::new(&link.get_value(), s);
        sender.send(Plan::one(TaskRequest::Captions(r), credits));
    };
    let button_label = move || match offer.get() {
        Ok(credits) => format!("Add captions · {credits} credits"),
        Err(_) => "Add captions".to_owned(),
    };
    let why_not = move || offer.get().err();
    let panel = move || {
        match stage.get() {
        Stage::None => view! {
            <div class="captions-offer">
                <button type="button" class="btn small" disabled=move || why_not().is_some() || sender.is_sending()
                    title="1 credit per second of audio, rounded up" on:click=handler(add)>{button_label}</button>
                <p class="task-note">{move || why_not().or_else(failed).or_else(|| unread.get())}</p>
            </div>
        }
        .into_any(),
        Stage::Running => view! {
            <p class="task-note captions-wait">"Transcribing for captions (the Captions task in the list): they appear here when it finishes."</p>
        }
        .into_any(),
        Stage::Silent => view! {
            <p class="task-note captions-silent">"No speech found: the transcription heard no words, so there is nothing to caption."</p>
        }
        .into_any(),
        Stage::Ready => {
            let entry = found.get_untracked();
            entry.map(|entry| view! { <CaptionsEditor entry name=name.clone() script=script.clone()/> })
                .into_any()
        }
    }
    };
    view! { <div class="captions">{panel}</div> }
}

/// The downloads of `entry`'s captions, named `name`.srt and `name`.vtt.
fn downloads(entry: TaskEntry, name: String) -> impl IntoView {
    let save = move |vtt: bool| {
        let name = name.clone();
        move |_| {
            let Some(Some(text)) = entry.record.try_with_untracked(|t| {
                captions_of(t).map(|c| if vtt { c.vtt() } else { c.srt() })
            }) else {
                return;
            };
            let (ending, mime) = if vtt {
                ("vtt", "text/vtt")
            } else {
                ("srt", "application/x-subrip")
            };
            download(&format!("{name}.{ending}"), mime, &text);
        }
    };
    view! {
        <button type="button" class="btn small" on:click=handler(save(false))>"Download .srt"</button>
        <button type="button" class="btn small" on:click=handler(save(true))>"Download .vtt"</button>
    }
}

/// The finished captions: what they are, the downloads, the script's words
/// as a one-click correction, and each line's times and words to change.
#[component]
fn CaptionsEditor(entry: TaskEntry, name: String, script: Option<String>) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let read = move |f: &dyn Fn(&Captions) -> String| {
        entry
            .record
            .with(|t| captions_of(t).map(f))
            .unwrap_or_default()
    };
    let count = Memo::new(move |_| {
        entry
            .record
            .with(|t| captions_of(t).map_or(0, |c| c.lines.len()))
    });
    let summary = move || {
        read(&|c| {
            format!(
                "Captions · {} · {} line{}{}",
                c.language_label(),
                c.lines.len(),
                if c.lines.len() == 1 { "" } else { "s" },
                if c.edited { " · edited" } else { "" }
            )
        })
    };
    let note = move || read(&|c| c.note.clone());
    let change = move |i: usize, edit: Edit| {
        tasks.update(entry, |t| {
            if let Some(c) = t.captions_mut() {
                c.edit(i, edit);
            }
        });
    };
    let use_script = script.map(|script| {
        let take = move |_| {
            tasks.update(entry, |t| {
                if let Some(c) = t.captions_mut() {
                    *c = c.with_script(&script);
                }
            });
        };
        view! {
            <button type="button" class="btn small" on:click=handler(take)
                title="The typed script's sentences, on the times the transcription heard">"Use the script's words"</button>
        }
    });
    let lines = move || {
        (0..count.get())
            .map(|i| view! { <CaptionLine entry index=i change/> })
            .collect::<Vec<_>>()
    };
    view! {
        <details class="captions-panel">
            <summary>{summary}</summary>
            <p class="task-note">{note}</p>
            <div class="task-actions">{downloads(entry, name)}{use_script}</div>
            <ol class="caption-lines">{lines}</ol>
        </details>
    }
}

/// One line's start, end and words, each changed when the field is left.
#[component]
fn CaptionLine(
    entry: TaskEntry,
    index: usize,
    change: impl Fn(usize, Edit) + Copy + 'static,
) -> impl IntoView {
    let line = move || {
        entry
            .record
            .with(|t| captions_of(t).and_then(|c| c.lines.get(index).cloned()))
            .unwrap_or_default()
    };
    let wrong = RwSignal::new(false);
    let time_field = move |start: bool| {
        let label = format!("Line {} {}", index + 1, if start { "start" } else { "end" });
        let on_change = move |ev| {
            let typed = event_target_value(&ev);
            match read_time(&typed) {
                Some(ms) => {
                    wrong.set(false);
                    change(
                        index,
                        if start {
                            Edit::Start(ms)
                        } else {
                            Edit::End(ms)
                        },
                    );
                }
                None => wrong.set(true),
            }
        };
        view! {
            <input type="text" inputmode="decimal" class="caption-time" aria-label=label
                prop:value=move || { let l = line(); show_time(if start { l.start_ms } else { l.end_ms }) }
                aria-invalid=move || wrong.get().to_string()
                on:change=handler(on_change)/>
        }
    };
    let on_text = move |ev| change(index, Edit::Text(event_target_value(&ev)));
    view! {
        <li class="caption-line">
            {time_field(true)}
            <span aria-hidden="true">"→"</span>
            {time_field(false)}
            <input type="text" class="caption-text" aria-label=format!("Line {} words", index + 1)
                prop:value=move || line().text on:change=handler(on_text)/>
            <p class="field-error" hidden=move || !wrong.get()>"Type a time like 1:02.500 or 4.25 (seconds)."</p>
        </li>
    }
}

/// The captions of the video at `link` (or of its `speech`, see
/// [`CaptionsFor`]) as a `<track>` inside its player: a WebVTT file made
/// in the page, shown by default, in the language the API reported.
/// Rebuilt when a line changes.
#[component]
pub fn CaptionTrack(link: String, speech: Option<String>) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let found = Memo::new(move |_| holder(tasks, &link, speech.as_deref()));
    let file = Memo::new(move |_| {
        found.get().and_then(|e| {
            e.record.with(|t| {
                captions_of(t)
                    .filter(|c| !c.is_empty())
                    .map(|c| (c.vtt(), c.language.clone()))
            })
        })
    });
    // The `blob:` URL of the track shown; revoked when replaced or gone.
    let shown = StoredValue::new(None::<String>);
    let drop_shown = move || {
        if let Some(Some(url)) = shown.try_update_value(Option::take) {
            revoke(&url);
        }
    };
    on_cleanup(drop_shown);
    move || {
        drop_shown();
        let (text, language) = file.get()?;
        let src = blob_url(&text, "text/vtt")?;
        shown.set_value(Some(src.clone()));
        let label = match &language {
            Some(code) => format!("Captions ({code})"),
            None => "Captions".to_owned(),
        };
        Some(view! {
            <track kind="captions" default src=src srclang=language.unwrap_or_default() label=label
                on:load=handler(|ev| {
                    let track: web_sys::HtmlTrackElement = event_target(&ev);
                    if let Some(track) = track.track() {
                        track.set_mode(web_sys::TextTrackMode::Showing);
                    }
                })/>
        })
    }
}

/// A finished transcription in its own row: what it found, and the
/// downloads (the lines are corrected under the video or speech itself).
#[component]
pub fn CaptionsMade(entry: TaskEntry) -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let (id, link) = entry.record.with_untracked(|t| {
        (
            t.task_id.clone(),
            t.request.captions().map(|r| r.audio_url.clone()),
        )
    });
    // Named after what they caption, when it is still in the list.
    let source = link.as_deref().and_then(|l| tasks.made(l));
    let name = source.as_ref().map_or(id, |t| t.task_id.clone());
    let said = move || {
        entry
            .record
            .with(|t| captions_of(t).map(|c| (c.is_empty(), c.lines.len(), c.language_label())))
    };
    let whose = match &source {
        Some(t) => format!("They show with the {} in its row.", t.request.kind().noun()),
        None => "What they caption is no longer in the list.".to_owned(),
    };
    view! {
        <p class="task-sub">{move || match said() {
            Some((true, ..)) => "No speech found: the transcription heard no words.".to_owned(),
            Some((false, n, language)) => format!("{n} line{} · {language}", if n == 1 { "" } else { "s" }),
            None => String::new(),
        }}</p>
        <p class="task-note">{whose}</p>
        <div class="task-actions" hidden=move || said().is_none_or(|s| s.0)>{downloads(entry, name)}</div>
    }
}
