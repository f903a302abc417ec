//! "Compare videos": pick two or more finished videos and watch them side
//! by side (stacked on a phone), playing and seeking together, each with
//! its parameters and cost. One set of controls drives them all: a Play /
//! Pause button, a Position slider and a "Sound from" choice (the others
//! are muted), so keyboard and screen reader users have all of it.

use avatar_api::billing::format_seconds;
use avatar_api::number::parse_decimal;
use leptos::prelude::*;

use crate::captions::view::CaptionTrack;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use crate::tasks::saved::{CopyState, SavedCopies, revoke};
use crate::tasks::store::{TaskEntry, TaskStore};
use crate::widgets::{PAGE, ShowMore, ShowWhen, effect, handler, local_time};

/// Followers further than this from the first video are moved to it.
const DRIFT_S: f64 = 0.15;

/// The videos on screen, in the order shown.
fn players() -> Vec<HtmlVideoElement> {
    let Ok(found) = document().query_selector_all("#compare-grid video") else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.get(i)?.dyn_into::<HtmlVideoElement>().ok())
        .collect()
}

/// Milliseconds of a media time in seconds (NaN and negatives are 0).
fn ms(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0).round() as u64
    } else {
        0
    }
}

/// A compared video's source: the copy saved in this browser when one is
/// kept (from a `blob:` URL, revoked when the column goes: it plays after
/// the provider's link has expired, and seeking a local file keeps the
/// videos in step), else the provider's link. While the page is looking
/// in its cache there is no source yet; a copy found later takes over. Returns the `src`, the
/// `<video>`'s error handler and the sentence to show under it.
fn saved_or_link(
    saved: SavedCopies,
    entry: TaskEntry,
    link: String,
) -> (
    impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
    impl Fn(web_sys::ErrorEvent) + Copy + 'static,
    impl Fn() -> Option<&'static str> + Send + Sync + Copy + 'static,
) {
    saved.look_up_while_shown(entry);
    let link = StoredValue::new(link);
    let copy = RwSignal::new(None::<String>);
    // The copy was looked for and not found (e.g. its cache was cleared).
    let not_found = RwSignal::new(false);
    // The provider's link failed to load.
    let broken = RwSignal::new(false);
    on_cleanup(move || {
        if let Some(Some(url)) = copy.try_get_untracked() {
            revoke(&url);
        }
    });
    effect(move || {
        if !matches!(entry.copy.get(), CopyState::Saved(_)) || copy.with_untracked(Option::is_some)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            match saved.object_url(&link.get_value()).await {
                // Unless the column went meanwhile.
                Some(url) => {
                    if copy.try_set(Some(url.clone())).is_some() {
                        revoke(&url);
                    }
                }
                None => {
                    let _ = not_found.try_set(true);
                }
            }
        });
    });
    let src = move || {
        if let Some(url) = copy.get() {
            return Some(url);
        }
        let looking = match entry.copy.get() {
            CopyState::Checking => true,
            CopyState::Saved(_) => !not_found.get(),
            _ => false,
        };
        (!looking).then(|| link.get_value())
    };
    let on_error = move |_| {
        if copy.with_untracked(Option::is_none) {
            broken.set(true);
        }
    };
    let note = move || {
        if copy.with(Option::is_some) {
            Some("Playing the copy saved in this browser.")
        } else if broken.get() {
            Some("The provider's link no longer works and no copy is saved in this browser.")
        } else {
            None
        }
    };
    (src, on_error, note)
}

/// The compare card, shown once two videos have finished.
#[component]
pub fn Compare() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    // Through each task's own "has a video" memo: a progress update of a
    // running task does not walk the whole list.
    let finished = Memo::new(move |_| tasks.results());
    let chosen = RwSignal::new(Vec::<String>::new());
    // Chosen and still comparable (a removed task leaves the comparison).
    let shown = Memo::new(move |_| {
        let ids = chosen.get();
        finished
            .get()
            .into_iter()
            .filter(|e| ids.contains(&e.id()))
            .collect::<Vec<TaskEntry>>()
    });
    let toggle = move |id: String, on: bool| {
        chosen.update(|c| {
            c.retain(|x| *x != id);
            if on {
                c.push(id);
            }
        });
    };
    // The newest `offered` videos are offered, and any chosen one that newer
    // videos have pushed past them: a long history stays quick to show.
    let offered = RwSignal::new(PAGE);
    // The chosen ones past the first `offered`, by index. Read untracked: a
    // tick does not rebuild the picker (nor the count under it).
    let kept = Signal::derive(move || {
        let limit = offered.get();
        finished.with(|f| {
            chosen.with_untracked(|c| {
                if c.is_empty() {
                    return Vec::new();
                }
                (limit..f.len())
                    .filter(|&i| c.contains(&f[i].id()))
                    .collect::<Vec<usize>>()
            })
        })
    });
    let picker = move || {
        let limit = offered.get();
        let kept = kept.get();
        finished
            .get()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i < limit || kept.contains(i))
            .map(|(_, entry)| {
                let t = entry.record.get_untracked();
                let id = t.task_id.clone();
                let input_id = format!("cmp-{id}");
                let checked = {
                    let id = id.clone();
                    move || chosen.with(|c| c.contains(&id))
                };
                // Two takes with the same parameters differ by when they were sent.
                let text = format!(
                    "{} · {} · {} credits · sent {}",
                    t.request.label(),
                    t.request.summary(),
                    t.credits,
                    local_time(t.submitted_ms)
                );
                view! {
                    <li>
                        <input type="checkbox" id=input_id.clone() prop:checked=checked
                            on:change=handler(move |ev| toggle(id.clone(), event_target_checked(&ev)))/>
                        <label for=input_id>{text}</label>
                    </li>
                }
                .into_any()
            })
            .collect::<Vec<_>>()
    };
    let box_id = move |i: usize| {
        Some(format!(
            "cmp-{}",
            finished.with_untracked(|f| f.get(i).map(TaskEntry::id))?
        ))
    };
    view! {
        <ShowWhen when=move || { finished.with(|f| f.len() >= 2) }>
            <section class="card compare" id="compare" aria-labelledby="compare-title">
                <div class="card-head">
                    <h2 id="compare-title">"Compare videos"</h2>
                    <span class="muted">"Pick two or more to watch side by side."</span>
                </div>
                <fieldset class="compare-pick">
                    <legend class="sr-only">"Videos to compare"</legend>
                    <ul>{picker}</ul>
                    <ShowMore total=Signal::derive(move || finished.with(Vec::len)) shown=offered
                        what="more videos" id_at=Callback::new(box_id) kept/>
                </fieldset>
                <ShowWhen when=move || { shown.with(|s| s.len() >= 2) }
                    fallback=|| view! { <p class="muted">"Tick at least two videos."</p> }>
                    <Player shown/>
                </ShowWhen>
            </section>
        </ShowWhen>
    }
}

/// The chosen videos with their shared controls.
#[component]
fn Player(shown: Memo<Vec<TaskEntry>>) -> impl IntoView {
    let saved = expect_context::<SavedCopies>();
    let playing = RwSignal::new(false);
    let position_ms = RwSignal::new(0u64);
    let length_ms = RwSignal::new(0u64);
    let sound = RwSignal::new(0usize);
    let play_pause = move |_| {
        let videos = players();
        let Some(first) = videos.first() else {
            return;
        };
        if playing.get_untracked() {
            for v in &videos {
                let _ = v.pause();
            }
            let at = first.current_time();
            for v in &videos[1..] {
                v.set_current_time(at);
            }
            playing.set(false);
        } else {
            let at = first.current_time();
            for v in &videos {
                v.set_current_time(at);
                let _ = v.play();
            }
            playing.set(true);
        }
    };
    let seek = move |ev: leptos::ev::Event| {
        // The page's own decimal parser: `str::parse::<f64>` would add
        // core's float parsing to the wasm.
        let Some(seconds) = parse_decimal(&event_target_value(&ev)) else {
            return;
        };
        for v in players() {
            v.set_current_time(seconds);
        }
        position_ms.set(ms(seconds));
    };
    // The first video leads: the slider follows it and the others keep up.
    let on_time = move |_| {
        let videos = players();
        let Some(first) = videos.first() else {
            return;
        };
        let at = first.current_time();
        position_ms.set(ms(at));
        if !first.paused() {
            for v in &videos[1..] {
                if !v.ended() && (v.current_time() - at).abs() > DRIFT_S {
                    v.set_current_time(at);
                }
            }
        }
    };
    let on_meta = move |_| {
        let longest = players()
            .iter()
            .map(|v| ms(v.duration()))
            .max()
            .unwrap_or(0);
        length_ms.set(longest);
    };
    let columns = move || {
        shown
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let t = entry.record.get_untracked();
                let link = t.result_url().unwrap_or_default().to_owned();
                let speech = t.request.video().and_then(|v| v.speech_url()).map(str::to_owned);
                let (src, on_error, note) = saved_or_link(saved, entry, link.clone());
                let sent = format!("sent {}", local_time(t.submitted_ms));
                let label = format!("{} · {} · {sent}", t.request.label(), t.request.summary());
                let radio_id = format!("cmp-sound-{i}");
                view! {
                    <figure class="compare-item">
                        <video src=src playsinline preload="auto" prop:muted=move || sound.get() != i
                            aria-label=label.clone()
                            on:timeupdate=handler(on_time) on:seeked=handler(on_time) on:loadedmetadata=handler(on_meta)
                            on:error=handler(on_error)
                            on:ended=handler(move |_| if i == 0 { playing.set(false) })>
                            <CaptionTrack link speech/>
                        </video>
                        <p class="task-note" aria-live="polite">{note}</p>
                        <figcaption>
                            <strong>{t.request.label()}</strong>
                            <span>{t.request.summary()}</span>
                            <span>{format!("{} credits", t.credits)}</span>
                            <span>{sent}</span>
                            <span class="sound">
                                <input type="radio" name="cmp-sound" id=radio_id.clone()
                                    prop:checked=move || sound.get() == i
                                    on:change=handler(move |_| sound.set(i))/>
                                <label for=radio_id>"Sound from this one"</label>
                            </span>
                        </figcaption>
                    </figure>
                }
                .into_any()
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="compare-controls">
            <button type="button" class="btn primary" id="compare-play" on:click=handler(play_pause)>
                {move || if playing.get() { "Pause all" } else { "Play all" }}
            </button>
            <label for="compare-position">"Position"</label>
            <input type="range" id="compare-position" min="0" step="0.05"
                max=move || format_seconds(length_ms.get())
                prop:value=move || format_seconds(position_ms.get())
                aria-valuetext=move || format!("{} s of {} s", format_seconds(position_ms.get()), format_seconds(length_ms.get()))
                on:input=handler(seek)/>
            <span class="muted" aria-hidden="true">
                {move || format!("{} s / {} s", format_seconds(position_ms.get()), format_seconds(length_ms.get()))}
            </span>
        </div>
        <div class="compare-grid" id="compare-grid">{columns}</div>
    }
}
