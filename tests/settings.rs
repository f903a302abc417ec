//! Settings: the key stays in the session unless remembered, "Check key"
//! tells valid from rejected, and a proxy deployment asks for no key and
//! sends none.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_studio::config::AuthMode;
use common::*;
use leptos::prelude::window;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY_ITEM: &str = "avatar-studio.api-key";

#[wasm_bindgen_test]
async fn the_key_is_kept_for_the_session_unless_remembered() {
    clear_storage();
    let app = mount_studio(config());
    let root = &app.root;
    click_button(root, "Settings");
    let key = input_by_label(root, "API key");
    assert_eq!(key.type_(), "password");
    type_into(root, "API key", "sk_session_123456");
    leptos::task::tick().await;
    let local = window().local_storage().unwrap().unwrap();
    let session = window().session_storage().unwrap().unwrap();
    assert_eq!(
        session.get_item(KEY_ITEM).unwrap().as_deref(),
        Some("sk_session_123456")
    );
    assert_eq!(local.get_item(KEY_ITEM).unwrap(), None);
    click_button(root, "Show");
    leptos::task::tick().await;
    assert_eq!(input_by_label(root, "API key").type_(), "text");
    let remember: web_sys::HtmlInputElement = root
        .query_selector(".settings input[type=checkbox]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    remember.click();
    leptos::task::tick().await;
    assert_eq!(
        local.get_item(KEY_ITEM).unwrap().as_deref(),
        Some("sk_session_123456")
    );
    assert_eq!(session.get_item(KEY_ITEM).unwrap(), None);
    // The key is never part of the share link.
    assert!(!text(root, ".curl pre").contains("sk_session_123456"));
}

#[wasm_bindgen_test]
async fn check_key_tells_valid_from_rejected() {
    clear_storage();
    fake_network(vec![Route::new("GET", "/api/v2/avatar/tasks/", 404, "{}")]);
    let app = mount_studio(config());
    let root = &app.root;
    click_button(root, "Settings");
    type_into(root, "API key", "sk_good_123456789");
    click_button(root, "Check key");
    until("valid", || text(root, ".check-result").contains("Valid")).await;
    fake_network(vec![Route::new(
        "GET",
        "/api/v2/avatar/tasks/",
        401,
        r#"{"error":{"code":"invalid_api_key","type":"auth_error","message":"Invalid API key."}}"#,
    )]);
    type_into(root, "API key", "sk_bad_123456789");
    click_button(root, "Check key");
    until("rejected", || {
        text(root, ".check-result").contains("rejected")
    })
    .await;
    restore_network();
}

#[wasm_bindgen_test]
async fn a_proxy_deployment_asks_for_no_key_and_sends_none() {
    clear_storage();
    fake_network(vec![Route::new(
        "POST",
        "/api/v2/avatar/generate",
        202,
        r#"{"task_id":"p1","status":"pending"}"#,
    )]);
    let mut cfg = config();
    cfg.auth = AuthMode::Proxy;
    cfg.api_base = String::new();
    let app = mount_studio(cfg);
    let root = &app.root;
    assert!(root.query_selector("#api-key").unwrap().is_none());
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    leptos::task::tick().await;
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "false"
    );
    click_button(root, "Generate");
    until("the row", || query(root, "li[data-task-id='p1']").is_some()).await;
    let sent = sent_requests();
    let url = sent[0]["url"].as_str().unwrap();
    let origin = window().location().origin().unwrap();
    assert_eq!(
        url,
        format!("{origin}/api/v2/avatar/generate"),
        "same origin"
    );
    assert!(sent[0]["headers"].get("authorization").is_none());
    restore_network();
}
