//! Previews of the media URLs: the image with its size, the audio with its
//! detected length (written into the form), the source video.

use avatar_api::advice;
use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::model::Field;
use avatar_api::validate::is_http_url;
use leptos::prelude::*;

use crate::ctx::Draft;
use crate::form::clean;
use crate::widgets::handler;

/// Loading state of a previewed URL: which URL, and what it gave.
type Probe<T> = RwSignal<Option<(String, Result<T, ()>)>>;

fn probe_for<T: Clone + Send + Sync + 'static>(
    probe: Probe<T>,
    url: &str,
) -> Option<Result<T, ()>> {
    probe.with(|p| p.as_ref().filter(|(u, _)| u == url).map(|(_, r)| r.clone()))
}

/// The image at `url`, with its pixel size, or a warning when it does not load.
#[component]
pub(super) fn ImagePreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let state = expect_context::<super::FormState>();
    let probe: Probe<(u32, u32)> = RwSignal::new(None);
    // `url` follows the whole form: only a new URL may re-create the element.
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (on_load_url, on_error_url) = (u.clone(), u.clone());
        let caption_url = u.clone();
        Some(view! {
            <figure class="preview image">
                <img
                    src=u
                    alt="Preview of the image"
                    on:load=handler(move |ev| {
                        let img: web_sys::HtmlImageElement = event_target(&ev);
                        probe.set(Some((on_load_url.clone(), Ok((img.natural_width(), img.natural_height())))));
                    })
                    on:error=handler(move |_| probe.set(Some((on_error_url.clone(), Err(())))))
                    class:broken=move || matches!(probe_for(probe, &caption_url), Some(Err(())))
                />
                <figcaption>
                    {let u = src.get_untracked(); move || match probe_for(probe, &u) {
                        None => view! { <span class="muted">"Loading preview…"</span> }.into_any(),
                        Some(Ok((w, h))) => {
                            let wanted = state.videos.with(|v| v[0].request.long_edge());
                            let advice = advice::portrait_size(Field::ImageUrl.name(), wanted, w, h);
                            view! {
                                <span>{format!("Image · {w} × {h} px")}</span>
                                {advice.map(|a| view! { <span class="warn-text advice" role="status">{a.message}</span> })}
                            }.into_any()
                        }
                        Some(Err(())) => view! {
                            <span class="warn-text" role="status">"This image did not load: check that the URL points to a picture anyone can open."</span>
                        }.into_any(),
                    }}
                </figcaption>
            </figure>
        })
    }
}

/// An audio player; its detected length fills the form's audio length.
///
/// The element is made once per URL: `url` follows the whole form, and the
/// length written into the form on `loadedmetadata` used to re-create the
/// `<audio>` (a fresh, unloaded one showing "0:00 / 0:00"), which loaded its
/// metadata and wrote again, over and over.
#[component]
pub(super) fn AudioPreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let probe: Probe<f64> = RwSignal::new(None);
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (on_meta_url, on_error_url, caption_url) = (u.clone(), u.clone(), u.clone());
        Some(view! {
            <div class="preview audio">
                <audio
                    controls
                    preload="metadata"
                    src=u
                    on:loadedmetadata=handler(move |ev| {
                        let audio: web_sys::HtmlMediaElement = event_target(&ev);
                        let seconds = audio.duration();
                        if seconds.is_finite() && seconds > 0.0 {
                            probe.set(Some((on_meta_url.clone(), Ok(seconds))));
                            draft.form.maybe_update(|f| f.audio_measured(&on_meta_url, seconds));
                        }
                    })
                    on:error=handler(move |_| probe.set(Some((on_error_url.clone(), Err(())))))
                ></audio>
                <p class="preview-caption">
                    {move || match probe_for(probe, &caption_url) {
                        None => view! { <span class="muted">"Reading the audio…"</span> }.into_any(),
                        Some(Ok(s)) => view! {
                            <span>{format!("Audio · {} s detected", format_seconds(seconds_to_ms(s)))}</span>
                        }.into_any(),
                        Some(Err(())) => view! {
                            <span class="warn-text" role="status">"This audio did not load: check the URL, or type its length below."</span>
                        }.into_any(),
                    }}
                </p>
            </div>
        })
    }
}

/// A source video player.
#[component]
pub(super) fn VideoPreview(#[prop(into)] url: Signal<String>) -> impl IntoView {
    let probe: Probe<()> = RwSignal::new(None);
    let src = Memo::new(move |_| clean(&url.get()));
    move || {
        let u = src.get();
        if !is_http_url(&u) {
            return None;
        }
        let (ok_url, err_url, caption_url) = (u.clone(), u.clone(), u.clone());
        Some(view! {
            <div class="preview video">
                <video
                    controls
                    playsinline
                    muted
                    preload="metadata"
                    src=u
                    on:loadedmetadata=handler(move |_| probe.set(Some((ok_url.clone(), Ok(())))))
                    on:error=handler(move |_| probe.set(Some((err_url.clone(), Err(())))))
                ></video>
                <p class="preview-caption">
                    {move || matches!(probe_for(probe, &caption_url), Some(Err(()))).then(|| view! {
                        <span class="warn-text" role="status">"This video did not load: check the URL."</span>
                    }.into_any())}
                </p>
            </div>
        })
    }
}
