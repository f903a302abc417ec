//! "Notify me when a video is ready": the choice ([`Announcer::notify`])
//! and the browser's permission it needs.

use leptos::prelude::*;

use crate::ctx::Announcer;
use crate::widgets::handler;

/// The notification checkbox; ticking it asks the browser for permission.
pub(super) fn notify_toggle() -> impl IntoView {
    let announcer = expect_context::<Announcer>();
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        announcer.notify.set(on);
        if on {
            request_notifications(announcer.notify, announcer);
        }
    };
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || announcer.notify.get() on:change=handler(toggle)/>
            "Notify me when a video is ready while this tab is in the background"
        </label>
    }
}

/// Asks for permission to show notifications; `notify` goes back to false
/// when the browser refuses.
fn request_notifications(notify: RwSignal<bool>, announcer: Announcer) {
    match web_sys::Notification::request_permission() {
        Ok(promise) => leptos::task::spawn_local(async move {
            let granted = wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .is_some_and(|p| p == "granted");
            if !granted {
                let _ = notify.try_set(false);
                announcer.say("Notifications are blocked for this site in the browser.");
            }
        }),
        Err(_) => notify.set(false),
    }
}
