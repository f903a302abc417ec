//! The credit log: rows, refunds and totals derived from the saved tasks,
//! keys by their prefix only, the CSV export, and the last balance a 402
//! reported.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_api::ErrorBody;
use avatar_studio::credits::{self, view::CSV_FILE};
use avatar_studio::tasks::format::{self, Envelope};
use common::*;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "sk_live_abcdef123456";
const DAY: u64 = 24 * 60 * 60 * 1000;

fn local() -> web_sys::Storage {
    leptos::prelude::window().local_storage().unwrap().unwrap()
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn task(id: &str, status: &str, credits: u64, submitted_ms: u64, extra: Value) -> Value {
    let mut t = json!({
        "task_id": id, "request": {"model": "avatar-pro", "body": {"image_url": "https://cdn.test/p.png", "audio_url": "https://cdn.test/s.mp3",
                    "duration": 10, "resolution": 1280, "framerate": 25}},
        "credits": credits, "submitted_ms": submitted_ms, "state": format!("reported:{status}")
    });
    t.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    t
}

fn saved() -> Envelope {
    format::decode(&local().get_item(&scope().tasks()).unwrap().unwrap()).unwrap()
}

/// Opens the Credits panel.
async fn open(root: &web_sys::Element) {
    let summary: web_sys::HtmlElement = get(root, "#credits > summary").unchecked_into();
    summary.click();
    until("the credit log filled", || {
        query(root, "#credit-log tbody tr").is_some()
    })
    .await;
}

fn cells(root: &web_sys::Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| {
            list.item(i)
                .unwrap()
                .text_content()
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_log_shows_charges_refunds_and_totals_per_key() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    let prefix = json!({"key_prefix": "sk_live_…"});
    let envelope = json!({"version": format::VERSION, "history": [], "tasks": [
        task("done", "completed", 20, t - 1_000, prefix.clone()),
        task("failed", "failed", 30, t - 2_000, prefix.clone()),
        task("unsent-1", "pending", 50, t - 3_000, json!({"key_prefix": "sk_live_…", "state": "outcome-unknown:timeout"})),
        task("old", "expired", 10, t - 3 * DAY, json!({})),
        task("ancient", "completed", 100, t - 30 * DAY, prefix.clone()),
    ]});
    local()
        .set_item(&scope().tasks(), &envelope.to_string())
        .unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert!(
        query(root, "#credit-log tbody tr").is_none(),
        "nothing computed while closed"
    );
    open(root).await;

    let ids: Vec<String> = {
        let rows = root.query_selector_all("#credit-log tbody tr").unwrap();
        (0..rows.length())
            .map(|i| {
                let e: web_sys::Element = rows.item(i).unwrap().unchecked_into();
                e.get_attribute("data-task-id").unwrap()
            })
            .collect()
    };
    assert_eq!(ids, ["done", "failed", "unsent-1", "old", "ancient"]);
    let row = |id: &str| cells(root, &format!("#credit-log tr[data-task-id='{id}'] td"));
    let failed = row("failed");
    assert_eq!(failed[1], "sk_live_…");
    assert_eq!(failed[2], "AI Avatar Pro");
    assert_eq!(failed[3], "10 s · 1280 px · 25 fps");
    assert_eq!(failed[4..], ["30", "30", "Refunded: the task failed."]);
    let unsent = row("unsent-1");
    assert_eq!(unsent[4..6], ["50?", "0"]);
    assert!(unsent[6].starts_with("May have been charged"));
    let old = row("old");
    assert_eq!(old[1], "unknown key");
    assert_eq!(old[4..6], ["10", "0"], "an expired task is not refunded");

    // Totals: today (charged, refunded, net, maybe), 7 days, all.
    let totals = cells(root, "#credit-totals tbody td");
    assert_eq!(
        totals,
        [
            "50", "30", "20", "50", "60", "30", "30", "50", "160", "30", "130", "50"
        ]
    );
    assert_eq!(
        cells(root, "#credit-totals tbody th"),
        ["Today", "Last 7 days", "All"]
    );
    assert!(query(root, "#credit-log caption").is_some());
    assert!(query(root, "#credit-log th[scope='col']").is_some());

    // One key only.
    choose(root, "Key", "unknown key");
    until("filtered", || {
        cells(root, "#credit-log tbody tr").len() == 1
    })
    .await;
    assert_eq!(
        cells(root, "#credit-totals tbody td")[8..],
        ["10", "0", "10", "0"]
    );
    choose(root, "Key", "");
    until("all keys again", || {
        cells(root, "#credit-log tbody tr").len() == 5
    })
    .await;

    // The CSV the button makes is the log's, from the same function.
    let expected = credits::csv(
        &format::decode(&envelope.to_string())
            .unwrap()
            .tasks
            .iter()
            .map(credits::charge)
            .collect::<Vec<_>>(),
    );
    assert!(expected.starts_with(
        "time_utc,key,task_id,model,parameters,status,charged,refunded,maybe_charged,note,estimate\r\n"
    ));
    assert_eq!(expected.matches("\r\n").count(), 6);
    assert!(expected.contains("Z,sk_live_…,failed,AI Avatar Pro,10 s · 1280 px · 25 fps,failed,30,30,0,Refunded: the task failed.,\r\n"));
    click_button(root, "Export CSV");
    until("a download link", || query(root, "a#credits-csv").is_some()).await;
    let link = get(root, "a#credits-csv");
    assert_eq!(link.get_attribute("download").unwrap(), CSV_FILE);
    let href = link.get_attribute("href").unwrap();
    assert!(href.starts_with("blob:"), "{href}");
    restore_network();
    let response: web_sys::Response =
        JsFuture::from(leptos::prelude::window().fetch_with_str(&href))
            .await
            .unwrap()
            .unchecked_into();
    assert_eq!(
        response.headers().get("content-type").unwrap().unwrap(),
        "text/csv;charset=utf-8"
    );
    let text = JsFuture::from(response.text().unwrap()).await.unwrap();
    assert_eq!(text.as_string().unwrap(), expected);
    assert!(!root.text_content().unwrap().contains(KEY));
}

/// Mounts, fills a valid Pro form and `KEY`, and submits.
async fn submit_with(routes: Vec<Route>) -> Mounted {
    clear_storage();
    fake_network(routes);
    let app = mount_studio(config()).await;
    let root = &app.root;
    click_button(root, "Settings");
    type_into(root, "API key", KEY);
    type_into(root, "Image URL", "https://cdn.test/p.png");
    type_into(root, "Audio URL", "https://cdn.test/s.mp3");
    click_button(root, "Settings");
    leptos::task::tick().await;
    click_button(root, "Generate");
    app
}

#[wasm_bindgen_test]
async fn an_accepted_task_records_the_key_prefix_never_the_key() {
    let app = submit_with(vec![
        Route::new(
            "POST",
            "/api/v2/avatar/generate",
            202,
            r#"{"task_id":"t-new","status":"pending"}"#,
        ),
        Route::new(
            "GET",
            "/api/v2/avatar/tasks/t-new",
            200,
            r#"{"status":"processing"}"#,
        ),
    ])
    .await;
    let root = &app.root;
    until("the task listed", || {
        query(root, "li[data-task-id='t-new']").is_some()
    })
    .await;
    pause(10).await;
    let raw = local().get_item(&scope().tasks()).unwrap().unwrap();
    assert!(!raw.contains(KEY), "{raw}");
    assert_eq!(saved().tasks[0].key_prefix.as_deref(), Some("sk_live_…"));
    open(root).await;
    assert_eq!(
        cells(root, "#credit-log tr[data-task-id='t-new'] td")[1],
        "sk_live_…"
    );
    assert!(!get(root, "#credits").text_content().unwrap().contains(KEY));
    restore_network();
}

#[wasm_bindgen_test]
async fn a_402_balance_is_remembered_per_key_prefix() {
    let body = serde_json::to_string(&ErrorBody::insufficient_credits(20, 7)).unwrap();
    let app = submit_with(vec![Route::new(
        "POST",
        "/api/v2/avatar/generate",
        402,
        &body,
    )])
    .await;
    let root = &app.root;
    until("the balance saved", || {
        local().get_item(&scope().balances()).unwrap().is_some()
    })
    .await;
    let raw = local().get_item(&scope().balances()).unwrap().unwrap();
    assert!(!raw.contains(KEY));
    let balances = credits::decode_balances(&raw);
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].0, "sk_live_…");
    assert_eq!(balances[0].1.credits, 7);
    let summary: web_sys::HtmlElement = get(root, "#credits > summary").unchecked_into();
    summary.click();
    until("the balance shown", || {
        text(root, "#credit-balances").starts_with("sk_live_…: 7 credits, ")
    })
    .await;
    restore_network();
}
