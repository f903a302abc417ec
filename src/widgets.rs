//! Small pieces shared by the page's parts: focus and field ids, the
//! copy-to-clipboard button, the "Show more" row of a paged list, and
//! [`effect`], [`handler`] and [`ShowWhen`], which keep the wasm from
//! holding a copy of Leptos's generic code per use.

use leptos::prelude::*;

/// The DOM id of a field's input.
pub fn field_id(field: &str) -> String {
    format!("f-{field}")
}

/// Moves keyboard focus to the element with `id`, if present.
pub fn focus_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Runs `f` now and again whenever a signal it reads changes, like
/// `Effect::new`, but through one shared instantiation of it: each effect
/// made here adds only its closure to the wasm.
pub fn effect(f: impl FnMut() + 'static) {
    let f: Box<dyn FnMut()> = Box::new(f);
    Effect::new(f);
}

/// An event handler as one type per event, `Box<dyn FnMut(E)>`
/// (`on:click=handler(move |_| …)`): type erasure leaves each handler
/// closure its own attribute type, so without this each `on:` adds its own
/// copy of the listener code to the wasm.
pub fn handler<E: 'static>(f: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(f)
}

/// `children` while `when` is true, else `fallback` (none by default):
/// Leptos's `<Show>` without its generics. Each `<Show>` links its own copy
/// of Show's code, its condition and children being types of their own;
/// every `<ShowWhen>` shares one.
#[component]
pub fn ShowWhen(
    #[prop(into)] when: Signal<bool>,
    children: ChildrenFn,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    let when = Memo::new(move |_| when.get());
    move || {
        if when.get() {
            children()
        } else {
            fallback.run()
        }
    }
}

/// A Unix-ms instant as `YYYY-MM-DD HH:MM:SS`, local time.
pub fn local_time(ms: u64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// Items a paged list shows at first, and adds with each "Show more": a
/// long history renders quickly and the page stays light.
pub const PAGE: usize = 20;

/// The row under a paged list while some of its `total` items are hidden:
/// a "Show N {what}" button that shows up to [`PAGE`] more (`shown` grows),
/// then moves focus to the first new item (`id_at(index)` is its DOM id),
/// and "N of M shown". `kept`: items at or past `shown` that are on screen
/// anyway (a ticked video), counted as shown and skipped by the next page.
#[component]
pub fn ShowMore(
    total: Signal<usize>,
    shown: RwSignal<usize>,
    what: &'static str,
    id_at: Callback<usize, Option<String>>,
    #[prop(optional)] kept: Option<Signal<Vec<usize>>>,
) -> impl IntoView {
    let kept = move || kept.map(|k| k.get()).unwrap_or_default();
    let visible = move || shown.get().min(total.get()) + kept().len();
    let hidden = move || total.get().saturating_sub(visible());
    let more = move |_| {
        let (limit, first_new) = next_page(shown.get_untracked(), &kept());
        shown.set(limit);
        // Keep the keyboard where the new items start.
        if let Some(id) = id_at.run(first_new) {
            request_animation_frame(move || focus_id(&id));
        }
    };
    view! {
        <ShowWhen when=move || hidden() != 0>
            <div class="more">
                <button type="button" class="btn ghost" on:click=handler(more)>
                    {move || format!("Show {} {what}", hidden().min(PAGE))}
                </button>
                <span class="muted">{move || format!("{} of {} shown", visible(), total.get())}</span>
            </div>
        </ShowWhen>
    }
}

/// "Show more" from a list showing its first `limit` items plus `kept`
/// (indices at or past `limit`): the new limit, past the next [`PAGE`] items
/// not on screen yet, and the first of those.
fn next_page(limit: usize, kept: &[usize]) -> (usize, usize) {
    let mut end = limit;
    let mut first_new = None;
    let mut added = 0;
    while added < PAGE {
        if !kept.contains(&end) {
            added += 1;
            first_new.get_or_insert(end);
        }
        end += 1;
    }
    (end, first_new.unwrap_or(limit))
}

/// A button that copies text and says "Copied ✓" for 1.5 s (from the last copy).
#[component]
pub fn CopyButton(label: &'static str, text: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copies = StoredValue::new(0u32);
    let copy = move |_| {
        let value = text.get_untracked();
        leptos::task::spawn_local(async move {
            if !copy_to_clipboard(&value).await || copied.try_set(true).is_some() {
                return; // Not copied, or the button is gone.
            }
            let Some(this) = copies.try_update_value(|n| {
                *n += 1;
                *n
            }) else {
                return;
            };
            set_timeout(
                move || {
                    if copies.try_get_value() == Some(this) {
                        let _ = copied.try_set(false);
                    }
                },
                std::time::Duration::from_millis(1500),
            );
        });
    };
    view! {
        <button type="button" class="btn small ghost" on:click=handler(copy)>
            {move || if copied.get() { "Copied ✓" } else { label }}
        </button>
    }
}

/// Writes `text` to the clipboard; false when the browser has no clipboard or refuses.
async fn copy_to_clipboard(text: &str) -> bool {
    let navigator = window().navigator();
    if !js_sys::Reflect::has(&navigator, &"clipboard".into()).unwrap_or(false) {
        return false;
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// A `blob:` URL holding `text` as a file of type `mime` (for a download link).
pub fn blob_url(text: &str, mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Offers `text` as a file named `file_name` (the browser saves it);
/// false when the browser refuses.
pub fn download(file_name: &str, mime: &str, text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(url) = blob_url(text, mime) else {
        return false;
    };
    let Ok(link) = document().create_element("a") else {
        return false;
    };
    let link: web_sys::HtmlAnchorElement = link.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // The download has started by then; the URL is not needed after.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_skips_what_is_on_screen_already() {
        assert_eq!(next_page(20, &[]), (40, 20));
        // A ticked item at 20 is shown: the page adds 21..=40 and starts at 21.
        assert_eq!(next_page(20, &[20]), (41, 21));
        assert_eq!(next_page(20, &[22, 25]), (42, 20));
    }
}
