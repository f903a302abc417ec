//! The task list and the saved state: rows newest first with their status,
//! results and errors; remove; polling to the end; migration of an old
//! saved format; a damaged one reported, not crashed; a long history shown a
//! page at a time; another tab's changes merged without losing tasks.
#![cfg(target_arch = "wasm32")]

mod common;

use avatar_studio::ctx::Clock;
use avatar_studio::storage;
use avatar_studio::tasks::format::{self, Envelope};
use avatar_studio::tasks::poller::AUTO_CHECK_LIMIT_MS;
use common::*;
use serde_json::{Value, json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> web_sys::Storage {
    leptos::prelude::window().local_storage().unwrap().unwrap()
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn task(id: &str, status: &str, submitted_ms: u64, extra: Value) -> Value {
    let mut t = json!({
        "task_id": id, "request": {"model": "avatar-pro", "body": {"image_url": "https://cdn.test/p.png", "audio_url": "https://cdn.test/s.mp3",
                    "duration": 10, "resolution": 1280, "framerate": 25}},
        "credits": 20, "submitted_ms": submitted_ms, "state": format!("reported:{status}")
    });
    t.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    t
}

fn save(tasks: Vec<Value>) {
    let envelope = json!({"version": format::VERSION, "tasks": tasks, "history": []});
    local()
        .set_item(&scope().tasks(), &envelope.to_string())
        .unwrap();
}

fn saved() -> Envelope {
    format::decode(&local().get_item(&scope().tasks()).unwrap().unwrap()).unwrap()
}

#[wasm_bindgen_test]
async fn rows_are_newest_first_with_status_results_and_errors() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/run",
        200,
        r#"{"status":"processing","progress":0.4}"#,
    )]);
    let t = now();
    save(vec![
        task(
            "old-done",
            "completed",
            t - 300_000,
            json!({"result": "video:http://127.0.0.1:9/r.mp4"}),
        ),
        task("run", "processing", t - 1_000, json!({})),
        task(
            "mid-failed",
            "failed",
            t - 100_000,
            json!({"error": {"code": "media_unavailable", "message": "The audio could not be downloaded."}}),
        ),
        task(
            "bad-link",
            "completed",
            t - 200_000,
            json!({"result": "video:javascript:alert(1)"}),
        ),
    ]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    let list = get(root, "ul[aria-label='Tasks']");
    let rows = list.query_selector_all("li").unwrap();
    let order: Vec<String> = (0..rows.length())
        .map(|i| {
            let e: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(rows.item(i).unwrap());
            e.get_attribute("data-task-id").unwrap()
        })
        .collect();
    assert_eq!(order, ["run", "mid-failed", "bad-link", "old-done"]);
    let row = |id: &str| get(root, &format!("li[data-task-id='{id}']"));
    assert_eq!(
        row("run").get_attribute("data-status").unwrap(),
        "processing"
    );
    assert!(row("run").query_selector("progress").unwrap().is_some());
    let video = row("old-done").query_selector("video").unwrap().unwrap();
    assert!(video.has_attribute("controls") && video.has_attribute("playsinline"));
    assert_eq!(
        video.get_attribute("src").unwrap(),
        "http://127.0.0.1:9/r.mp4"
    );
    assert_eq!(
        video.get_attribute("poster").unwrap(),
        "https://cdn.test/p.png"
    );
    let failed = row("mid-failed").text_content().unwrap();
    assert!(failed.contains("The audio could not be downloaded."));
    assert!(failed.contains("The 20 credits were refunded."));
    // A non-http result never reaches a src attribute.
    assert!(row("bad-link").query_selector("video").unwrap().is_none());
    restore_network();
}

#[wasm_bindgen_test]
async fn remove_takes_a_task_off_the_list_and_the_storage() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    save(vec![
        task(
            "a",
            "completed",
            t - 2_000,
            json!({"result": "video:http://127.0.0.1:9/a.mp4"}),
        ),
        task("b", "failed", t - 1_000, json!({})),
    ]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    let row = get(root, "li[data-task-id='b']");
    let remove: web_sys::HtmlElement =
        wasm_bindgen::JsCast::unchecked_into(row.query_selector("button.danger").unwrap().unwrap());
    remove.click();
    until("row removed", || {
        query(root, "li[data-task-id='b']").is_none()
    })
    .await;
    until("storage updated", || saved().tasks.len() == 1).await;
    assert_eq!(saved().tasks[0].task_id, "a");
    assert_eq!(focused_id(), "tasks-title");
    restore_network();
}

/// Clicks "Reuse these parameters" in a task's row.
fn reuse(root: &web_sys::Element, id: &str) {
    let row = get(root, &format!("li[data-task-id='{id}']"));
    click_button(&row, "Reuse these parameters");
}

fn checked(root: &web_sys::Element, selector: &str) -> bool {
    let input: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::unchecked_into(get(root, selector));
    input.checked()
}

#[wasm_bindgen_test]
async fn reuse_switches_the_form_to_the_tasks_model_and_source_and_focuses_its_first_field() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    let video = json!({
        "task_id": "from-video", "request": {"model": "digital-human", "body": {"input_video_url": "https://cdn.test/v.mp4", "audio_url": "https://cdn.test/s.mp3",
                    "audio_duration_seconds": 12.0, "width": 854, "height": 480}},
        "credits": 12, "submitted_ms": t - 2_000, "state": "reported:completed", "result": "video:http://127.0.0.1:9/v.mp4"});
    let dual = json!({
        "task_id": "dual", "request": {"model": "dual-avatar", "body": {"dual_image_url": "https://cdn.test/d.png", "audio_mix_url": "https://cdn.test/m.mp3",
                    "audio1_url": "https://cdn.test/1.mp3", "audio2_url": "https://cdn.test/2.mp3",
                    "audio_duration_seconds": 15.0, "width": 1280, "height": 720}},
        "credits": 30, "submitted_ms": t - 1_000, "state": "reported:completed", "result": "video:http://127.0.0.1:9/d.mp4"});
    save(vec![video, dual]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert!(checked(root, "#model-avatar-pro"), "the form starts on Pro");

    // An AI Avatar task made from a video: the form switches model and source.
    reuse(root, "from-video");
    until("focus on the source video", || {
        focused_id() == "f-input_video_url"
    })
    .await;
    assert!(checked(root, "#model-digital-human"));
    assert_eq!(
        input_by_label(root, "Video URL").value(),
        "https://cdn.test/v.mp4"
    );
    assert!(
        query(root, "#f-image_url").is_none(),
        "the image field is not shown"
    );
    assert!(
        text(root, "#cost").contains("12"),
        "{}",
        text(root, "#cost")
    );

    // Then a Dual Avatar task.
    reuse(root, "dual");
    until("focus on the dual image", || {
        focused_id() == "f-dual_image_url"
    })
    .await;
    assert!(checked(root, "#model-dual-avatar"));
    assert!(
        text(root, "#cost").contains("30"),
        "{}",
        text(root, "#cost")
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn a_running_task_is_polled_to_its_video() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/api/v2/avatar/tasks/t%201",
        200,
        r#"{"status":"completed","progress":1.0,"videoUrl":"http://127.0.0.1:9/t1.mp4","created_at":1000,"completed_at":1090}"#,
    )]);
    save(vec![task("t 1", "processing", now() - 60_000, json!({}))]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("completed", || {
        query(
            root,
            "li[data-task-id='t 1'][data-status='completed'] video",
        )
        .is_some()
    })
    .await;
    until("saved as completed", || {
        saved().tasks[0]
            .state
            .is(&avatar_api::response::TaskStatus::Completed)
    })
    .await;
    let envelope = saved();
    assert_eq!(envelope.history.len(), 1, "learned how long it took");
    assert_eq!(envelope.history[0].took_ms, 90_000);
    // Finished: its video is fetched once, to save a copy (src/saved.rs),
    // and the API is asked nothing more.
    until("video fetched to be saved", || gets("/t1.mp4") == 1).await;
    let checks = gets("/api/");
    pause(300).await;
    assert_eq!(gets("/api/"), checks);
    assert_eq!(gets("/t1.mp4"), 1);
    restore_network();
}

/// A studio that is gone sends nothing more. Its savers went on
/// downloading videos after it was unmounted (the task list kept its own
/// owner alive, so nothing of the studio was ever cleaned up).
#[wasm_bindgen_test]
async fn an_unmounted_studio_sends_nothing_more() {
    clear_storage();
    let still_running = || {
        vec![Route::new(
            "GET",
            "/api/v2/avatar/tasks/",
            200,
            r#"{"status":"processing","progress":0.5}"#,
        )]
    };
    fake_network(still_running());
    save(vec![
        task("still-running", "processing", now() - 60_000, json!({})),
        task(
            "just-finished",
            "completed",
            now() - 5_000,
            json!({"result": "video:http://127.0.0.1:9/just-finished.mp4"}),
        ),
    ]);
    let app = mount_studio(config()).await;
    drop(app);
    fake_network(still_running());
    // Past the savers' start (1.5 s after mounting).
    pause(3_000).await;
    let sent = sent_requests();
    let urls: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["url"].as_str())
        .collect();
    assert!(
        urls.is_empty(),
        "{} requests after unmount: {:?}…",
        urls.len(),
        &urls[..urls.len().min(3)]
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn a_task_the_api_forgot_is_marked_and_not_retried() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/gone",
        404,
        r#"{"error":{"code":"task_not_found","type":"invalid_request_error","message":"No such task."}}"#,
    )]);
    save(vec![task("gone", "pending", now() - 60_000, json!({}))]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("marked unknown", || {
        query(root, "li[data-status='unknown']").is_some()
    })
    .await;
    assert!(text(root, "li[data-task-id='gone']").contains("no longer knows this task"));
    // Checks of this task only: the test page also sees other tests' video
    // downloads (a saved copy being fetched when their studio was dropped).
    assert_eq!(gets("/tasks/gone"), 1, "{}", sent_requests());
    pause(300).await;
    assert_eq!(
        gets("/tasks/gone"),
        1,
        "not checked again: {}",
        sent_requests()
    );
    restore_network();
}

#[wasm_bindgen_test]
async fn an_old_saved_format_is_migrated() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/v1-task",
        200,
        r#"{"status":"processing"}"#,
    )]);
    let v1 = json!({"version": 1, "tasks": [{
        "task_id": "v1-task", "model": "avatar-pro",
        "request": {"image_url": "https://cdn.test/p.png", "audio_url": "https://cdn.test/s.mp3", "duration": 5, "resolution": 720, "framerate": 24},
        "credits": 8, "submitted_at": now() / 1000 - 30, "status": "processing"
    }]});
    local().set_item(&scope().tasks(), &v1.to_string()).unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    let row = get(root, "li[data-task-id='v1-task']");
    assert_eq!(row.get_attribute("data-status").unwrap(), "processing");
    assert!(
        row.text_content()
            .unwrap()
            .contains("5 s · 720 px · 24 fps")
    );
    assert!(row.text_content().unwrap().contains("Elapsed"));
    assert!(query(root, ".notice.warn").is_none(), "no storage problem");
    restore_network();
}

/// The banner's warning about the saved list, once it shows.
async fn storage_warning(root: &web_sys::Element) -> String {
    until("a storage warning", || {
        query(root, ".notice.warn").is_some()
    })
    .await;
    text(root, ".notice.warn span")
}

#[wasm_bindgen_test]
async fn damaged_saved_data_is_reported_and_kept_aside() {
    clear_storage();
    fake_network(vec![]);
    local().set_item(&scope().tasks(), "{not json").unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    let warning = storage_warning(root).await;
    assert!(
        warning.starts_with("Your saved task list could not be read"),
        "{warning}"
    );
    assert_eq!(
        local().get_item(&scope().unreadable()).unwrap().as_deref(),
        Some("{not json")
    );
    // The page still works: the empty list is shown.
    assert!(text(root, ".tasks").contains("No videos yet."));
    restore_network();
}

#[wasm_bindgen_test]
async fn a_damaged_task_past_the_first_page_is_reported_and_the_others_kept() {
    clear_storage();
    fake_network(vec![]);
    let mut tasks = finished(25, now());
    tasks[22] = json!({"task_id": 22});
    save(tasks);
    let original = local().get_item(&scope().tasks()).unwrap();
    let app = mount_studio(config()).await;
    let root = &app.root;
    let warning = storage_warning(root).await;
    assert!(
        warning.starts_with("Some of your saved tasks could not be read"),
        "{warning}"
    );
    assert!(
        warning.contains("The others are listed.") && !warning.contains("fresh list"),
        "the readable tasks stay, and the banner says so: {warning}"
    );
    assert_eq!(local().get_item(&scope().unreadable()).unwrap(), original);
    assert!(text(root, ".tasks").contains("24 tasks"));
    until("the readable tasks saved again", || {
        local().get_item(&scope().tasks()).unwrap().is_some()
    })
    .await;
    let kept: Vec<String> = saved().tasks.into_iter().map(|t| t.task_id).collect();
    let mut expected = ids(0..25);
    expected.remove(22);
    assert_eq!(kept, expected);
    restore_network();
}

#[wasm_bindgen_test]
async fn a_change_before_the_older_tasks_are_read_keeps_every_one_of_them() {
    clear_storage();
    save(finished(25, now()));
    let owner = leptos::prelude::Owner::new();
    let store = owner.with(|| avatar_studio::tasks::store::TaskStore::load(&scope()));
    // At once, before the page would read the tasks past the first page.
    store.remove("t03");
    assert_eq!(store.len(), 24);
    until("the list saved", || saved().tasks.len() == 24).await;
    let mut expected = ids(0..25);
    expected.remove(3);
    assert_eq!(
        saved()
            .tasks
            .into_iter()
            .map(|t| t.task_id)
            .collect::<Vec<_>>(),
        expected
    );
    drop(owner);
}

/// What `read` gives for each element matching `selector` in `within`, in order.
fn each(
    within: &web_sys::Element,
    selector: &str,
    read: impl Fn(web_sys::Element) -> String,
) -> Vec<String> {
    let found = within.query_selector_all(selector).unwrap();
    (0..found.length())
        .map(|i| read(wasm_bindgen::JsCast::unchecked_into(found.item(i).unwrap())))
        .collect()
}

fn row_ids(root: &web_sys::Element) -> Vec<String> {
    each(&get(root, "ul[aria-label='Tasks']"), "li", |e| {
        e.get_attribute("data-task-id").unwrap()
    })
}

fn done(id: &str, submitted_ms: u64) -> Value {
    task(
        id,
        "completed",
        submitted_ms,
        json!({"result": format!("video:http://127.0.0.1:9/{id}.mp4")}),
    )
}

/// `n` finished tasks `t00`, `t01`, …, newest first, the newest a second before `t`.
fn finished(n: u64, t: u64) -> Vec<Value> {
    (0..n)
        .map(|i| done(&format!("t{i:02}"), t - 1_000 * (i + 1)))
        .collect()
}

/// The ids [`finished`] gives the tasks in `range`.
fn ids(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|i| format!("t{i:02}")).collect()
}

#[wasm_bindgen_test]
async fn a_long_history_shows_the_newest_page_then_more_on_request() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    save(finished(25, t));
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert_eq!(row_ids(root), ids(0..20), "the newest 20, newest first");
    assert!(text(root, ".tasks").contains("25 tasks"));
    assert!(text(root, ".tasks .more").contains("20 of 25 shown"));
    click_button(root, "Show 5 older");
    until("all rows", || row_ids(root).len() == 25).await;
    assert_eq!(row_ids(root)[24], "t24");
    until("focus on the first new row", || focused_id() == "task-t20").await;
    assert!(
        query(root, ".tasks .more").is_none(),
        "nothing left to show"
    );
    restore_network();
}

fn checkbox(root: &web_sys::Element, selector: &str) -> web_sys::HtmlInputElement {
    wasm_bindgen::JsCast::unchecked_into(get(root, selector))
}

/// The ids of the tasks that "Compare videos" offers, in order.
fn offered_ids(root: &web_sys::Element) -> Vec<String> {
    each(&get(root, "#compare"), "input[type=checkbox]", |e| {
        e.id().strip_prefix("cmp-").unwrap().to_owned()
    })
}

#[wasm_bindgen_test]
async fn compare_offers_the_newest_videos_then_more_and_keeps_a_ticked_one() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    save(finished(25, t));
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert_eq!(
        offered_ids(root),
        ids(0..20),
        "the newest 20 videos, newest first"
    );
    assert!(text(root, "#compare .more").contains("20 of 25 shown"));
    let label = |id: &str| text(root, &format!("label[for=cmp-{id}]"));
    assert_ne!(
        label("t00"),
        label("t01"),
        "two takes with the same parameters, a second apart, read differently"
    );
    assert!(label("t00").contains(" · sent 20"), "{}", label("t00"));

    // The oldest one offered is ticked; then another tab finishes a newer video,
    // which pushes the ticked one past the first 20: it stays offered, ticked.
    let ticked = checkbox(root, "#cmp-t19");
    ticked.set_checked(true);
    ticked
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    pause(150).await;
    let mut tasks: Vec<Value> = vec![done("new", t)];
    tasks.extend(finished(25, t));
    other_tab_saves(json!({"version": format::VERSION, "tasks": tasks}));
    until("the new video offered", || {
        offered_ids(root).first().map(String::as_str) == Some("new")
    })
    .await;
    let offered = offered_ids(root);
    assert_eq!(offered.len(), 21, "{offered:?}");
    assert_eq!(
        offered.last().map(String::as_str),
        Some("t19"),
        "the ticked one stays"
    );
    assert!(checkbox(root, "#cmp-t19").checked(), "and stays ticked");
    let more = text(root, "#compare .more");
    assert!(
        more.contains("21 of 26 shown"),
        "the kept one counts: {more}"
    );

    click_button(root, "Show 5 more videos");
    until("every video offered", || offered_ids(root).len() == 26).await;
    until("focus on the first new one", || focused_id() == "cmp-t20").await;
    assert!(
        query(root, "#compare .more").is_none(),
        "nothing left to offer"
    );
    restore_network();
}

/// What another tab does: writes the list, and this tab hears a `storage` event.
fn other_tab_saves(envelope: Value) {
    let text = envelope.to_string();
    local().set_item(&scope().tasks(), &text).unwrap();
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(&scope().tasks()));
    init.set_new_value(Some(&text));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    leptos::prelude::window().dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn another_tabs_changes_are_merged_and_no_task_is_lost() {
    clear_storage();
    fake_network(vec![]);
    let t = now();
    save(vec![done("a", t - 3_000)]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    assert_eq!(row_ids(root), ["a"]);

    // The other tab submitted "b".
    other_tab_saves(
        json!({"version": format::VERSION, "tasks": [done("b", t - 1_000), done("a", t - 3_000)]}),
    );
    until("b listed", || row_ids(root) == ["b", "a"]).await;

    // A tab that has not heard of "a" and "b" yet saves its list with "c":
    // this tab keeps all three and saves the union back for everyone.
    other_tab_saves(json!({"version": format::VERSION, "tasks": [done("c", t - 2_000)]}));
    until("union listed", || row_ids(root) == ["b", "c", "a"]).await;
    until("union saved", || saved().tasks.len() == 3).await;

    // The other tab removed "a": it goes here too, and stays gone.
    other_tab_saves(json!({"version": format::VERSION, "removed": ["a"],
        "tasks": [done("b", t - 1_000), done("c", t - 2_000)]}));
    until("a removed", || row_ids(root) == ["b", "c"]).await;
    until("a removed from storage", || saved().tasks.len() == 2).await;
    let ids: Vec<String> = saved().tasks.into_iter().map(|t| t.task_id).collect();
    assert_eq!(ids, ["b", "c"]);
    restore_network();
}

fn gets(path: &str) -> usize {
    sent_requests()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "GET" && r["url"].as_str().unwrap().contains(path))
        .count()
}

#[wasm_bindgen_test]
async fn provider_variants_of_a_finished_task_are_understood() {
    clear_storage();
    fake_network(vec![
        // Wrapped, numeric id, capitalised status, the link nested in `result`.
        Route::new(
            "GET",
            "/tasks/w1",
            200,
            r#"{"data":{"task_id":1939,"status":"SUCCEEDED","result":{"videoUrl":"http://127.0.0.1:9/w1.mp4"}}}"#,
        ),
        Route::new("GET", "/tasks/w2", 200, r#"{"status":"Expired"}"#),
    ]);
    save(vec![
        task("w1", "processing", now() - 60_000, json!({})),
        task("w2", "processing", now() - 60_000, json!({})),
    ]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("the video", || {
        query(root, "li[data-task-id='w1'][data-status='completed'] video").is_some()
    })
    .await;
    until("expired", || {
        query(root, "li[data-task-id='w2'][data-status='expired']").is_some()
    })
    .await;
    assert!(text(root, "li[data-task-id='w2']").contains("expired"));
    restore_network();
}

#[wasm_bindgen_test]
async fn an_answer_that_is_not_a_task_is_not_queued_forever() {
    clear_storage();
    fake_network(vec![Route::new("GET", "/tasks/odd", 200, r#"{"data":{}}"#)]);
    save(vec![task("odd", "processing", now() - 60_000, json!({}))]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("the problem in the row", || {
        text(root, "li[data-task-id='odd']").contains("could not read")
    })
    .await;
    assert!(text(root, "li[data-task-id='odd']").contains("Retrying automatically"));
    restore_network();
}

#[wasm_bindgen_test]
async fn a_completed_task_without_a_link_is_rechecked_then_said_so() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/nolink",
        200,
        r#"{"status":"completed","videoUrl":"","note":"stored"}"#,
    )]);
    save(vec![task(
        "nolink",
        "processing",
        now() - 60_000,
        json!({}),
    )]);
    let clock = Clock::manual(now());
    let app = mount_studio_on(config(), clock).await;
    let root = &app.root;
    until("waiting for the link", || {
        text(root, "li[data-task-id='nolink']").contains("waiting for the link to the result")
    })
    .await;
    // Three re-checks, 2 s apart on the page's clock, moved here by hand.
    until("said so", || {
        clock.advance(500);
        text(root, "li[data-task-id='nolink']").contains("gave no link to the video")
    })
    .await;
    clock.advance(60_000);
    pause(100).await;
    assert_eq!(
        gets("/tasks/nolink"),
        4,
        "the first answer and three re-checks"
    );
    assert!(text(root, "li[data-task-id='nolink']").contains("stored"));
    restore_network();
}

#[wasm_bindgen_test]
async fn a_410_stops_checks_and_check_again_resumes() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/g1",
        410,
        r#"{"detail":"Task expired."}"#,
    )]);
    save(vec![task("g1", "processing", now() - 60_000, json!({}))]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("stopped", || {
        query(root, "li[data-task-id='g1'][data-status='stopped']").is_some()
    })
    .await;
    assert!(text(root, "li[data-task-id='g1']").contains("Task expired."));
    pause(300).await;
    assert_eq!(gets("/tasks/g1"), 1, "no automatic retry");
    fake_network(vec![Route::new(
        "GET",
        "/tasks/g1",
        200,
        r#"{"status":"completed","videoUrl":"http://127.0.0.1:9/g1.mp4"}"#,
    )]);
    click_button(root, "Check again");
    until("completed", || {
        query(root, "li[data-task-id='g1'][data-status='completed'] video").is_some()
    })
    .await;
    restore_network();
}

#[wasm_bindgen_test]
async fn a_task_past_two_hours_is_not_checked_until_asked() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/old",
        200,
        r#"{"status":"processing"}"#,
    )]);
    save(vec![task(
        "old",
        "processing",
        now() - 3 * 3_600_000,
        json!({}),
    )]);
    let app = mount_studio(config()).await;
    let root = &app.root;
    until("the limit", || {
        text(root, "li[data-task-id='old']").contains("more than 2 hours")
    })
    .await;
    pause(300).await;
    assert_eq!(gets("/tasks/old"), 0);
    click_button(root, "Check again");
    until("one check", || gets("/tasks/old") == 1).await;
    pause(300).await;
    assert_eq!(gets("/tasks/old"), 1);
    restore_network();
}

#[wasm_bindgen_test]
async fn checks_end_when_a_running_task_reaches_two_hours() {
    clear_storage();
    fake_network(vec![Route::new(
        "GET",
        "/tasks/long",
        200,
        r#"{"status":"processing"}"#,
    )]);
    let start = now();
    save(vec![task(
        "long",
        "processing",
        start - AUTO_CHECK_LIMIT_MS + 60_000,
        json!({}),
    )]);
    let clock = Clock::manual(start);
    let app = mount_studio_on(config(), clock).await;
    let root = &app.root;
    until("the first check", || gets("/tasks/long") == 1).await;
    assert!(!text(root, "li[data-task-id='long']").contains("more than 2 hours"));
    // Two minutes pass on the page's clock, a second at a time.
    for _ in 0..120 {
        clock.advance(1_000);
        pause(5).await;
    }
    until("the limit", || {
        text(root, "li[data-task-id='long']").contains("more than 2 hours")
    })
    .await;
    let checks = gets("/tasks/long");
    assert!(checks > 1, "checked on schedule until the limit ({checks})");
    clock.advance(3_600_000);
    pause(300).await;
    assert_eq!(gets("/tasks/long"), checks, "no automatic check past it");
    restore_network();
}

#[wasm_bindgen_test]
fn a_stored_item_reads_back_exactly_whatever_its_characters() {
    let local = local();
    for text in [
        "",
        "plain ASCII {\"a\": 1}",
        "é ß ü (2 bytes), € — 你好 (3 bytes), 😀🎬 (4 bytes), \u{0}",
        &"Lächeln 😀 ".repeat(20_000),
    ] {
        local.set_item("avatar-studio.read-test", text).unwrap();
        let back = storage::read_item(&local, "avatar-studio.read-test");
        assert_eq!(back.as_deref(), Some(text), "{} chars", text.len());
    }
    local.remove_item("avatar-studio.read-test").unwrap();
    assert_eq!(storage::read_item(&local, "avatar-studio.read-test"), None);
}
