//! A failed submit is put into words, where the user can act on it:
//! 401 → settings, 402 → cost and balance, 400 → the fields, 429 → wait,
//! network → keep the form. The network is faked; the page is real.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_api::{ErrorBody, FieldError};
use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const SUBMIT: &str = "/api/v2/avatar/generate";

/// Mounts, fills a valid Pro form and a key, and submits.
async fn submit_with(routes: Vec<Route>) -> Mounted {
    clear_storage();
    fake_network(routes);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    type_into(root, "API key", "sk_test_0123456789");
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    click_button(root, "Settings"); // close again
    leptos::task::tick().await;
    click_button(root, "Generate");
    app
}

async fn notice(root: &Element) -> String {
    until("an error notice", || query(root, ".notice.error").is_some()).await;
    text(root, ".notice.error span")
}

#[wasm_bindgen_test]
async fn rejected_key_opens_settings_on_the_key() {
    let app = submit_with(vec![Route::new(
        "POST",
        SUBMIT,
        401,
        r#"{"error":{"code":"invalid_api_key","type":"auth_error","message":"Invalid API key."}}"#,
    )])
    .await;
    let root = &app.root;
    assert_eq!(
        notice(root).await,
        "API key rejected: check the key in Settings."
    );
    assert!(!get(root, "#settings").has_attribute("hidden"));
    until("focus on the key", || focused_id() == "api-key").await;
    // The header no longer claims the key is fine.
    assert_eq!(text(root, ".topbar .chip.warn"), "API key rejected");
    // Only the documented headers went out, with the key as a bearer token.
    let sent = sent_requests();
    let headers = sent[0]["headers"].as_object().unwrap();
    let mut names: Vec<&str> = headers.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["authorization", "content-type"]);
    assert_eq!(headers["authorization"], "Bearer sk_test_0123456789");
    // The form kept what the user typed; nothing went to the task list.
    assert_eq!(
        input_by_label(root, "Image URL").value(),
        "https://cdn.test/p.png"
    );
    assert_eq!(root.query_selector_all("li.task").unwrap().length(), 0);
    restore_network();
}

#[wasm_bindgen_test]
async fn not_enough_credits_names_cost_and_balance() {
    let body = serde_json::to_string(&ErrorBody::insufficient_credits(20, 7)).unwrap();
    let app = submit_with(vec![Route::new("POST", SUBMIT, 402, &body)]).await;
    let root = &app.root;
    assert_eq!(
        notice(root).await,
        "Not enough credits: this request costs 20, the key has 7."
    );
    until("focus on the notice", || focused_id() == "notice").await;
    assert_eq!(
        sent_requests().as_array().unwrap().len(),
        1,
        "never retried"
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn invalid_fields_come_back_beside_their_inputs() {
    let body = serde_json::to_string(&ErrorBody::invalid(vec![FieldError::new(
        "audio_url",
        "Audio URL could not be downloaded.",
    )]))
    .unwrap();
    let app = submit_with(vec![Route::new("POST", SUBMIT, 400, &body)]).await;
    let root = &app.root;
    notice(root).await;
    assert_eq!(
        text(root, "#f-audio_url-error"),
        "Audio URL could not be downloaded."
    );
    assert_eq!(focused_id(), "f-audio_url");
    // Editing the form clears the API's stale message.
    type_into(root, "Audio URL", "https://cdn.test/other.mp3");
    leptos::task::tick().await;
    assert_eq!(text(root, "#f-audio_url-error"), "");
    restore_network();
}

#[wasm_bindgen_test]
async fn rate_limit_waits_as_retry_after_says() {
    let mut route = Route::new(
        "POST",
        SUBMIT,
        429,
        r#"{"error":{"code":"rate_limited","type":"rate_limit_error","message":"Slow down."}}"#,
    );
    route.headers.push(("Retry-After", "7".into()));
    let app = submit_with(vec![route]).await;
    let root = &app.root;
    assert_eq!(
        notice(root).await,
        "Too many requests: the API asks to wait 7 s before trying again."
    );
    assert!(text(root, "#submit-reason").starts_with("The API asked to wait: try again in"));
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "true"
    );
    click_button(root, "Generate");
    leptos::task::tick().await;
    assert_eq!(
        sent_requests().as_array().unwrap().len(),
        1,
        "locked while waiting"
    );
    restore_network();
}

/// A submit with no answer may have been accepted: it is kept as
/// "Outcome unknown", the form stays, and the same request asks first.
async fn assert_outcome_unknown(app: &Mounted) {
    let root = &app.root;
    let notice = notice(root).await;
    assert!(notice.starts_with("No answer came back:"), "{notice}");
    assert!(
        notice.contains("may have been accepted and charged 20 credits"),
        "{notice}"
    );
    until("the outcome-unknown row", || {
        query(root, "li[data-status='outcome-unknown']").is_some()
    })
    .await;
    assert!(text(root, "li[data-status='outcome-unknown']").contains("Outcome unknown"));
    assert_eq!(
        input_by_label(root, "Audio URL").value(),
        "https://cdn.test/s.mp3"
    );
    assert_eq!(
        get(root, "#generate")
            .get_attribute("aria-disabled")
            .unwrap(),
        "false"
    );
    // The same request again: a question first, nothing sent.
    let posts = || {
        sent_requests()
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["method"] == "POST")
            .count()
    };
    let before = posts();
    click_button(root, "Generate");
    until("the question", || query(root, "#confirm-send").is_some()).await;
    assert!(text(root, ".confirm").contains("may have been accepted and charged"));
    assert_eq!(posts(), before, "nothing sent before the user confirms");
}

#[wasm_bindgen_test]
async fn network_failure_is_an_unknown_outcome() {
    let mut post = Route::new("POST", SUBMIT, 0, "");
    post.network_error = true;
    let mut probe = Route::new("GET", SUBMIT, 0, "");
    probe.network_error = true;
    let app = submit_with(vec![post, probe]).await;
    assert_outcome_unknown(&app).await;
    assert!(text(&app.root, ".notice.error span").contains("Could not reach the API"));
    restore_network();
}

#[wasm_bindgen_test]
async fn an_answer_hidden_by_cors_is_named() {
    // The POST fails in the browser, yet the server answers a no-cors probe.
    let mut post = Route::new("POST", SUBMIT, 0, "");
    post.network_error = true;
    let app = submit_with(vec![post, Route::new("GET", SUBMIT, 405, "")]).await;
    assert_outcome_unknown(&app).await;
    let notice = text(&app.root, ".notice.error span");
    assert!(
        notice.contains("(CORS)") && notice.contains("same-origin proxy"),
        "{notice}"
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn an_unreadable_2xx_is_an_unknown_outcome() {
    let app = submit_with(vec![Route::new(
        "POST",
        SUBMIT,
        202,
        "<html>Accepted</html>",
    )])
    .await;
    assert_outcome_unknown(&app).await;
    restore_network();
}

#[wasm_bindgen_test]
async fn accepted_task_appears_at_once_and_takes_focus() {
    let app = submit_with(vec![
        Route::new(
            "POST",
            SUBMIT,
            202,
            r#"{"task_id":"task_42/x","status":"pending","model":"avatar-pro"}"#,
        ),
        Route::new(
            "GET",
            "/tasks/task_42%2Fx",
            200,
            r#"{"status":"processing","progress":0.2}"#,
        ),
    ])
    .await;
    let root = &app.root;
    until("the new row", || {
        query(root, "li[data-task-id='task_42/x']").is_some()
    })
    .await;
    until("focus on the row", || focused_id() == "task-task_42/x").await;
    assert!(text(root, ".notice").contains("20 credits charged"));
    // A person's second click, moments later: the button says it was sent
    // and sends nothing.
    assert_eq!(text(root, "#generate"), "Sent ✓");
    get(root, "#generate")
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    pause(150).await;
    let posts = sent_requests()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST")
        .count();
    assert_eq!(posts, 1);
    assert!(query(root, "#confirm-send").is_none());
    restore_network();
}
