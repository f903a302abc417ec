//! Settings: the key stays in the session unless remembered, "Check key"
//! tells valid from rejected, a proxy deployment asks for no key and sends
//! none, the API base URL takes effect only once applied (and only when it
//! is a usable one), and a pasted key is cleaned or refused at input.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_studio::config::AuthMode;
use common::*;
use leptos::prelude::window;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Where this page keeps the key and the base (the tests' default scope).
fn key_item() -> String {
    scope().api_key()
}

fn base_item() -> String {
    scope().api_base()
}

#[wasm_bindgen(inline_js = r#"
export function press_enter(el) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
}
"#)]
extern "C" {
    fn press_enter(el: &web_sys::Element);
}

/// Types into a field without leaving it (an "input" event only).
fn type_only(root: &web_sys::HtmlElement, label: &str, value: &str) {
    let input = input_by_label(root, label);
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

/// The base URL the page sends requests to, as "Copy as curl" shows it.
fn base_in_use(root: &web_sys::HtmlElement) -> String {
    let curl = text(root, ".curl pre");
    let url = curl.split('\'').nth(1).unwrap_or_default();
    url.split("/api/v2/").next().unwrap_or_default().to_owned()
}

#[wasm_bindgen_test]
async fn the_key_is_kept_for_the_session_unless_remembered() {
    clear_storage();
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    let key = input_by_label(root, "API key");
    assert_eq!(key.type_(), "password");
    type_into(root, "API key", "sk_session_123456");
    leptos::task::tick().await;
    let local = window().local_storage().unwrap().unwrap();
    let session = window().session_storage().unwrap().unwrap();
    assert_eq!(
        session.get_item(&key_item()).unwrap().as_deref(),
        Some("sk_session_123456")
    );
    assert_eq!(local.get_item(&key_item()).unwrap(), None);
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
        local.get_item(&key_item()).unwrap().as_deref(),
        Some("sk_session_123456")
    );
    assert_eq!(session.get_item(&key_item()).unwrap(), None);
    // The key is never part of the share link.
    assert!(!text(root, ".curl pre").contains("sk_session_123456"));
}

#[wasm_bindgen_test]
async fn check_key_tells_valid_from_rejected() {
    clear_storage();
    fake_network(vec![no_such_task()]);
    let app = mount_studio(config()).await;
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
    let app = mount_studio(cfg).await;
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

#[wasm_bindgen_test]
async fn the_base_url_takes_effect_only_when_applied() {
    clear_storage();
    fake_network(vec![no_such_task()]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    // Half typed: nothing changes for the requests, and the field says so.
    type_only(root, "API base URL", "https://api.exa");
    leptos::task::tick().await;
    assert_eq!(base_in_use(root), "https://api.test");
    assert!(
        text(root, "#api-base-note").starts_with("Not applied yet"),
        "{}",
        text(root, "#api-base-note")
    );
    // A doubled /api/v2, confirmed with Enter: stripped, with a note.
    type_only(root, "API base URL", "https://api.example.com/api/v2/");
    press_enter(&input_by_label(root, "API base URL"));
    leptos::task::tick().await;
    assert_eq!(base_in_use(root), "https://api.example.com");
    assert_eq!(
        input_by_label(root, "API base URL").value(),
        "https://api.example.com"
    );
    assert_eq!(
        text(root, "#api-base-note"),
        "Using https://api.example.com: the page adds /api/v2/… itself."
    );
    let local = window().local_storage().unwrap().unwrap();
    assert_eq!(
        local.get_item(&base_item()).unwrap().as_deref(),
        Some("https://api.example.com")
    );
    // Check key goes to the applied base.
    type_into(root, "API key", "sk_good_123456789");
    click_button(root, "Check key");
    until("valid", || text(root, ".check-result").contains("Valid")).await;
    let sent = sent_requests();
    let url = sent[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://api.example.com/api/v2/avatar/tasks/"),
        "{url}"
    );
    // "Use the default" goes back.
    click_button(root, "Use the default");
    leptos::task::tick().await;
    assert_eq!(base_in_use(root), "https://api.test");
    assert_eq!(local.get_item(&base_item()).unwrap(), None);
    restore_network();
}

#[wasm_bindgen_test]
async fn an_unusable_base_url_is_refused_with_a_sentence() {
    clear_storage();
    fake_network(vec![]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    for (typed, sentence) in [
        (
            "api.example.com",
            "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost). Did you mean https://api.example.com?",
        ),
        (
            "/api/v2",
            "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost).",
        ),
        (
            "http://api.example.com",
            "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost). api.example.com is not this computer: use https://api.example.com.",
        ),
        (
            "https://api.example.com/?key=1",
            "The API base URL cannot have a ?query or #fragment: give only https://host (and the path the API lives under, if any).",
        ),
    ] {
        type_only(root, "API base URL", typed);
        click_button(root, "Apply");
        leptos::task::tick().await;
        assert_eq!(text(root, "#api-base-error"), sentence, "{typed}");
        let field = input_by_label(root, "API base URL");
        assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert!(
            field
                .get_attribute("aria-describedby")
                .unwrap()
                .contains("api-base-error")
        );
        assert_eq!(
            get(root, "#api-base-error")
                .get_attribute("role")
                .as_deref(),
            Some("alert")
        );
        assert_eq!(field.value(), typed, "what was typed stays");
        assert_eq!(
            base_in_use(root),
            "https://api.test",
            "{typed}: not applied"
        );
    }
    // Check key does not check against it either: it asks to fix it first.
    type_into(root, "API key", "sk_good_123456789");
    leptos::task::tick().await;
    click_button(root, "Check key");
    leptos::task::tick().await;
    assert!(text(root, ".check-result").contains("Fix the API base URL first"));
    assert_eq!(sent_requests().as_array().unwrap().len(), 0, "nothing sent");
    assert_eq!(
        window()
            .local_storage()
            .unwrap()
            .unwrap()
            .get_item(&base_item())
            .unwrap(),
        None
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn a_saved_unusable_base_gives_way_to_the_default() {
    clear_storage();
    let local = window().local_storage().unwrap().unwrap();
    local.set_item(&base_item(), "api.example.com").unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert_eq!(base_in_use(root), "https://api.test");
    local
        .set_item(&base_item(), "https://saved.example/api/v2")
        .unwrap();
    drop(app);
    let app = mount_studio(config()).await;
    assert_eq!(base_in_use(&app.root), "https://saved.example");
}

#[wasm_bindgen_test]
async fn a_pasted_key_is_cleaned_and_the_field_keeps_what_was_typed() {
    clear_storage();
    fake_network(vec![no_such_task()]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    for (typed, note) in [
        ("Bearer sk_good_123456789", "Removed a “Bearer ” prefix."),
        ("sk_good_123456789\t", "Removed 1 space."),
        (
            "sk_good_\u{200B}123456789",
            "Removed 1 invisible character.",
        ),
        ("“sk_good_123456789”", "Removed the quotes around it."),
        (
            " Bearer sk_good_123456789 ",
            "Removed a “Bearer ” prefix and 2 spaces.",
        ),
    ] {
        type_into(root, "API key", typed);
        leptos::task::tick().await;
        assert_eq!(input_by_label(root, "API key").value(), typed);
        assert_eq!(text(root, "#api-key-note"), note, "{typed:?}");
        assert_eq!(text(root, "#api-key-error"), "");
        let session = window().session_storage().unwrap().unwrap();
        assert_eq!(
            session.get_item(&key_item()).unwrap().as_deref(),
            Some("sk_good_123456789"),
            "{typed:?}"
        );
        assert_eq!(text(root, ".chip.ok"), "API key set");
    }
    click_button(root, "Check key");
    until("valid", || text(root, ".check-result").contains("Valid")).await;
    let sent = sent_requests();
    assert_eq!(
        sent[0]["headers"]["authorization"].as_str(),
        Some("Bearer sk_good_123456789")
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn a_key_that_cannot_be_sent_is_refused_and_never_sent() {
    clear_storage();
    fake_network(vec![]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    click_button(root, "Try a sample");
    for (typed, sentence) in [
        (
            "sk_…cdef",
            "This is the masked key from Copy as curl; paste the full key.",
        ),
        (
            "sk_good“123456789",
            "The key contains “ (U+201C), which cannot be sent: paste the key again.",
        ),
    ] {
        type_into(root, "API key", typed);
        leptos::task::tick().await;
        assert_eq!(text(root, "#api-key-error"), sentence);
        let field = input_by_label(root, "API key");
        assert_eq!(field.value(), typed, "what was typed stays");
        assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert!(
            field
                .get_attribute("aria-describedby")
                .unwrap()
                .contains("api-key-error")
        );
        assert_eq!(
            get(root, "#api-key-error").get_attribute("role").as_deref(),
            Some("alert")
        );
        // As if there were no key: the chip, the button, the storage.
        assert_eq!(text(root, ".topbar .chip.warn"), "No API key yet");
        assert_eq!(
            get(root, "#generate")
                .get_attribute("aria-disabled")
                .as_deref(),
            Some("true")
        );
        let session = window().session_storage().unwrap().unwrap();
        assert_eq!(session.get_item(&key_item()).unwrap(), None);
        click_button(root, "Check key");
        leptos::task::tick().await;
        assert_eq!(text(root, ".check-result"), sentence);
    }
    click_button(root, "Generate");
    leptos::task::tick().await;
    assert_eq!(sent_requests().as_array().unwrap().len(), 0, "nothing sent");
    restore_network();
}

#[wasm_bindgen_test]
async fn a_remembered_key_goes_through_the_same_cleaning() {
    clear_storage();
    let local = window().local_storage().unwrap().unwrap();
    local
        .set_item(&key_item(), "Bearer sk_saved_123456789\n")
        .unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    leptos::task::tick().await;
    assert_eq!(text(root, ".topbar .chip.ok"), "API key set");
    assert_eq!(
        local.get_item(&key_item()).unwrap().as_deref(),
        Some("sk_saved_123456789"),
        "saved again clean"
    );
    drop(app);
    local.set_item(&key_item(), "sk_…cdef").unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    leptos::task::tick().await;
    assert_eq!(text(root, ".topbar .chip.warn"), "No API key yet");
    assert_eq!(
        text(root, "#api-key-error"),
        "This is the masked key from Copy as curl; paste the full key."
    );
}
