//! "Export history" and "Import history…": the task list as one file
//! ([`crate::tasks::history`]), saved with a download and merged back in.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ctx::{Announcer, now_ms};
use crate::tasks::history;
use crate::tasks::store::TaskStore;
use crate::widgets::{download, handler};

/// The two history buttons under the task list.
#[component]
pub fn HistoryTools() -> impl IntoView {
    let tasks = expect_context::<TaskStore>();
    let announcer = expect_context::<Announcer>();
    let export = move |_| {
        let text = history::export(&tasks.records(), now_ms());
        let day = js_sys::Date::new_0()
            .to_iso_string()
            .as_string()
            .unwrap_or_default();
        let name = format!(
            "avatar-studio-history-{}.json",
            day.get(..10).unwrap_or("today")
        );
        if download(&name, "application/json", &text) {
            announcer.say("History exported: your browser saves the file.");
        } else {
            announcer.error("This browser did not let the page save the file.");
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // The same file can be chosen again (after fixing it, say).
        input.set_value("");
        if file.size() > history::MAX_BYTES {
            let mb = (file.size() / 1_048_576.0) as u64;
            announcer.error(history::ImportError::TooLarge(mb).to_string());
            return;
        }
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            let Some(text) = text.ok().and_then(|t| t.as_string()) else {
                announcer.error("The file could not be read.");
                return;
            };
            match history::read(&text) {
                Ok(records) => announcer.info(tasks.import(records).sentence()),
                Err(e) => announcer.error(e.to_string()),
            }
        });
    };
    view! {
        <div class="history-tools">
            <button type="button" class="btn small ghost" id="export-history"
                disabled=move || tasks.is_empty() on:click=handler(export)>
                "Export history"
            </button>
            // The input stays focusable (a keyboard opens it with Space);
            // its label is what shows, ringed when the input has focus.
            <input type="file" id="import-history" class="sr-only"
                accept="application/json,.json" on:change=handler(import)/>
            <label class="btn small ghost" for="import-history">"Import history…"</label>
        </div>
    }
}
