//! Deployments: two deployments on one origin (`/a/` and `/b/`) keep their
//! own tasks and key, what older builds saved is adopted by each (a legacy
//! key by the first only), other tabs' saves count only within a
//! deployment; and a deployment that sends the key over plain http says so
//! before anything is typed.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_studio::config::AuthMode;
use avatar_studio::storage::Scope;
use avatar_studio::tasks::format;
use common::*;
use leptos::prelude::window;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> web_sys::Storage {
    window().local_storage().unwrap().unwrap()
}

/// The scope of the page deployed under `path` on one shared origin.
fn at(path: &str) -> Scope {
    Scope::from_base_uri(&format!("https://example.com{path}"))
}

fn envelope(ids: &[&str]) -> Value {
    let now = js_sys::Date::now() as u64;
    let tasks: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "task_id": id, "request": {"model": "avatar-pro", "body": {"image_url": "https://cdn.test/p.png", "audio_url": "https://cdn.test/s.mp3",
                            "duration": 10, "resolution": 1280, "framerate": 25}},
                "credits": 20, "submitted_ms": now - 5_000, "state": "reported:completed",
                "result": format!("video:http://127.0.0.1:9/{id}.mp4")})
        })
        .collect();
    json!({"version": format::VERSION, "tasks": tasks, "history": []})
}

fn listed(root: &web_sys::Element, id: &str) -> bool {
    query(root, &format!("li[data-task-id='{id}']")).is_some()
}

fn saved_ids(key: &str) -> Vec<String> {
    local()
        .get_item(key)
        .unwrap()
        .map(|raw| format::decode(&raw).unwrap().tasks)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.task_id)
        .collect()
}

fn key_chip(root: &web_sys::Element) -> String {
    text(root, ".topbar .chip:not(.running)")
}

#[wasm_bindgen_test]
async fn tasks_and_key_saved_under_one_base_path_stay_there() {
    clear_storage();
    fake_network(vec![
        Route::new(
            "POST",
            "/api/v2/avatar/generate",
            202,
            r#"{"task_id":"made-in-a","status":"pending"}"#,
        ),
        Route::new(
            "GET",
            "/api/v2/avatar/tasks/",
            200,
            r#"{"status":"processing"}"#,
        ),
    ]);
    let app = mount_studio_in(config(), at("/a/")).await;
    let root = &app.root;
    click_button(root, "Settings");
    type_into(root, "API key", "sk_deployment_a_123");
    let remember: web_sys::HtmlInputElement =
        get(root, ".settings input[type=checkbox]").unchecked_into();
    remember.click();
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    leptos::task::tick().await;
    click_button(root, "Generate");
    until("the row", || listed(root, "made-in-a")).await;
    until("saved", || saved_ids(&at("/a/").tasks()) == ["made-in-a"]).await;
    drop(app);

    let app = mount_studio_in(config(), at("/b/")).await;
    let root = &app.root;
    assert!(!listed(root, "made-in-a"), "/b/ does not show /a/'s task");
    assert!(text(root, ".tasks").contains("No videos yet."));
    assert_eq!(key_chip(root), "No API key yet", "nor uses its key");
    drop(app);

    let app = mount_studio_in(config(), at("/a/")).await;
    let root = &app.root;
    assert!(listed(root, "made-in-a"));
    assert_eq!(key_chip(root), "API key set");
    restore_network();
}

#[wasm_bindgen_test]
async fn legacy_tasks_show_up_in_every_deployment_and_are_adopted_once() {
    clear_storage();
    fake_network(vec![]);
    let legacy = Scope::legacy().tasks();
    local()
        .set_item(&legacy, &envelope(&["old"]).to_string())
        .unwrap();
    for path in ["/a/", "/b/"] {
        let app = mount_studio_in(config(), at(path)).await;
        assert!(listed(&app.root, "old"), "{path}");
        assert_eq!(saved_ids(&at(path).tasks()), ["old"], "{path}: adopted");
    }
    assert_eq!(saved_ids(&legacy), ["old"], "the legacy list stays");

    // Adopted once: removing it in /a/ does not bring it back from the legacy list.
    let app = mount_studio_in(config(), at("/a/")).await;
    let root = &app.root;
    let remove: web_sys::HtmlElement =
        get(root, "li[data-task-id='old'] button.danger").unchecked_into();
    remove.click();
    until("removed and saved", || {
        saved_ids(&at("/a/").tasks()).is_empty()
    })
    .await;
    drop(app);
    let app = mount_studio_in(config(), at("/a/")).await;
    assert!(!listed(&app.root, "old"), "not adopted again");
    drop(app);
    let app = mount_studio_in(config(), at("/b/")).await;
    assert!(listed(&app.root, "old"), "/b/ keeps its copy");
    restore_network();
}

#[wasm_bindgen_test]
async fn a_legacy_remembered_key_is_used_and_no_longer_kept_under_the_legacy_name() {
    clear_storage();
    fake_network(vec![no_such_task()]);
    let legacy = Scope::legacy().api_key();
    local().set_item(&legacy, "sk_legacy_123456789").unwrap();
    let app = mount_studio_in(config(), at("/a/")).await;
    let root = &app.root;
    assert_eq!(key_chip(root), "API key set");
    click_button(root, "Settings");
    click_button(root, "Check key");
    until("valid", || text(root, ".check-result").contains("Valid")).await;
    assert_eq!(
        sent_requests()[0]["headers"]["authorization"].as_str(),
        Some("Bearer sk_legacy_123456789")
    );
    assert_eq!(local().get_item(&legacy).unwrap(), None);
    assert_eq!(
        local().get_item(&at("/a/").api_key()).unwrap().as_deref(),
        Some("sk_legacy_123456789"),
        "still remembered, in /a/"
    );
    drop(app);
    let app = mount_studio_in(config(), at("/b/")).await;
    assert_eq!(key_chip(&app.root), "No API key yet");
    restore_network();
}

/// What another tab of the deployment `scope` does: writes its list, and
/// this tab hears a `storage` event.
fn other_tab_saves(scope: &Scope, envelope: Value) {
    let key = scope.tasks();
    let text = envelope.to_string();
    local().set_item(&key, &text).unwrap();
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(&key));
    init.set_new_value(Some(&text));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    window().dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn other_tabs_saves_are_merged_only_within_the_same_deployment() {
    clear_storage();
    fake_network(vec![]);
    let app = mount_studio_in(config(), at("/a/")).await;
    let root = &app.root;
    other_tab_saves(&at("/b/"), envelope(&["from-b"]));
    pause(50).await;
    assert!(
        !listed(root, "from-b"),
        "another deployment's save is ignored"
    );
    other_tab_saves(&at("/a/"), envelope(&["from-a"]));
    until("merged", || listed(root, "from-a")).await;
    assert!(!listed(root, "from-b"));
    pause(50).await;
    assert_eq!(
        saved_ids(&at("/b/").tasks()),
        ["from-b"],
        "/b/'s list untouched"
    );
    restore_network();
}

/// The warning a deployment sending the key to `to` over plain http shows.
fn clear_text_warning(to: &str) -> String {
    format!(
        "This deployment sends your API key to {to} without encryption: anyone on the network path can read it and spend your credits. Ask whoever runs this site to use https."
    )
}

#[wasm_bindgen_test]
async fn a_plain_http_deployment_warns_before_a_key_is_typed() {
    clear_storage();
    let mut cfg = config();
    cfg.api_base = "http://intranet.example".into();
    let app = mount_studio(cfg).await;
    let root = &app.root;
    let warning = clear_text_warning("http://intranet.example");
    assert_eq!(text(root, "#key-in-clear span"), warning, "at load");
    assert_eq!(
        get(root, "#key-in-clear").get_attribute("role").as_deref(),
        Some("alert")
    );
    // The same sentence beside the key field, which it describes.
    click_button(root, "Settings");
    assert_eq!(text(root, "#api-key-clear-text"), warning);
    let field = input_by_label(root, "API key");
    assert!(
        field
            .get_attribute("aria-describedby")
            .unwrap()
            .split(' ')
            .any(|id| id == "api-key-clear-text")
    );
    assert_eq!(field.value(), "", "nothing typed yet");
    // Dismissed, the banner goes; the Settings note stays.
    click_button(root, "Dismiss");
    leptos::task::tick().await;
    assert!(query(root, "#key-in-clear").is_none());
    assert_eq!(text(root, "#api-key-clear-text"), warning);
}

#[wasm_bindgen_test]
async fn https_loopback_and_proxy_deployments_do_not_warn() {
    clear_storage();
    let bases = [
        ("https://api.example.com", AuthMode::Key),
        ("http://127.0.0.1:8787", AuthMode::Key),
        ("http://localhost:8787", AuthMode::Key),
        // This site: the test page itself is served from 127.0.0.1.
        ("", AuthMode::Key),
        ("http://intranet.example", AuthMode::Proxy),
    ];
    for (base, auth) in bases {
        let mut cfg = config();
        cfg.api_base = base.into();
        cfg.auth = auth;
        let app = mount_studio(cfg).await;
        let root = &app.root;
        assert!(query(root, "#key-in-clear").is_none(), "{base} {auth:?}");
        assert!(
            !root.text_content().unwrap().contains("without encryption"),
            "{base} {auth:?}"
        );
    }
}
