//! The smallest page that does what the app's start-up must: mount a Leptos
//! view with a Generate button and read `config.json` (gloo-net, serde_json).
//! The start-up benchmark times it beside the app: what any Leptos CSR page
//! costs on the machine, the floor under the app's own share.

use leptos::prelude::*;

#[derive(serde::Deserialize, Default)]
struct Config {
    #[serde(default)]
    api_base: String,
}

#[component]
fn App() -> impl IntoView {
    let count = RwSignal::new(0);
    let base = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        if let Ok(answer) = gloo_net::http::Request::get("config.json").send().await
            && let Ok(text) = answer.text().await
        {
            let config: Config = serde_json::from_str(&text).unwrap_or_default();
            base.set(config.api_base);
        }
    });
    view! {
        <main>
            <p>{move || base.get()}</p>
            <button on:click=move |_| count.update(|n| *n += 1)>"Generate " {move || count.get()}</button>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
