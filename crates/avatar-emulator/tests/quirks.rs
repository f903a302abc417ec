//! `--quirks` and `--no-cors`: the real world's answers, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use avatar_api::{AvatarRequest, Model};
use common::{Answer, Completed, Emu};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const KEY: &str = "sk_demo";
const ORIGIN: &str = "http://127.0.0.1:8080";
const UNKNOWN_TASK: &str = "/api/v2/avatar/tasks/none";
/// The cheapest Pro request: 5 s at 720 px, 24 fps (8 credits).
const SMALL: &str = r#"{"duration": 5, "resolution": 720, "framerate": 24}"#;

fn small() -> Value {
    serde_json::from_str(SMALL).unwrap()
}

fn cloudfront(title: &str) -> String {
    format!(
        "<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center><hr><center>cloudfront</center></body></html>"
    )
}

const WAF_PAGE: &str = "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><center>Request blocked.</center><hr><center>waf</center></body></html>";

/// Any request, with an `Origin` (as a browser sends it) and optionally a key and a JSON body.
async fn send(emu: &Emu, method: Method, path: &str, key: &str, body: Option<&Value>) -> Answer {
    let mut request = emu
        .client
        .request(method, emu.url(path))
        .header("Origin", ORIGIN);
    if !key.is_empty() {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    Emu::answer(request.send().await.unwrap()).await
}

async fn preflight(emu: &Emu, path: &str, method: &str) -> Answer {
    let request = emu
        .client
        .request(Method::OPTIONS, emu.url(path))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        );
    Emu::answer(request.send().await.unwrap()).await
}

fn content_type(answer: &Answer) -> &str {
    answer.headers["content-type"].to_str().unwrap()
}

fn has_cors(answer: &Answer) -> bool {
    answer
        .headers
        .keys()
        .any(|h| h.as_str().starts_with("access-control-"))
}

/// Polls `path` until `done(body)` says so, returning every body seen.
async fn poll_until(emu: &Emu, path: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let answer = emu.get(path, KEY).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let finished = done(&answer.body);
        seen.push(answer.body);
        if finished {
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not done: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn unknown_quirks_are_refused_with_the_valid_names() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_avatar-emulator"))
        .args(["--quirks", "wrapped,no-such-quirk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-quirk"), "{stderr}");
    assert!(
        stderr.contains(
            "[possible values: html-errors, no-cors-on-errors, no-expose-retry-after, \
             results-without-cors, signed-results, wrapped, nested-url, numeric-ids, capitalized-status, string-errors, detail-errors, \
             slow-submit, waf-403, model-fallback, segments-as-strings, unordered-segments, \
             whisper-segments]"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn html_errors_turn_every_api_error_into_a_cdn_page() {
    let emu = Emu::start(&[
        "--quirks",
        "html-errors",
        "--key",
        "sk_demo=500",
        "--key",
        "sk_poor=7",
    ])
    .await;
    for (method, path, key, title) in [
        (Method::GET, UNKNOWN_TASK, KEY, "404 Not Found"),
        (Method::GET, "/api/v2/nowhere", KEY, "404 Not Found"),
        (Method::GET, "/api/other", "", "404 Not Found"),
        (Method::GET, UNKNOWN_TASK, "", "401 Unauthorized"),
        (
            Method::GET,
            "/api/v2/avatar/generate",
            KEY,
            "405 Method Not Allowed",
        ),
    ] {
        let answer = send(&emu, method, path, key, None).await;
        assert_eq!(answer.status.canonical_reason(), title.get(4..), "{path}");
        assert_eq!(content_type(&answer), "text/html", "{path}");
        assert_eq!(answer.text, cloudfront(title), "{path}");
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
    }
    // 400 and 402 too, and nothing is charged.
    let bad = emu.submit_pro(KEY, json!({"duration": 7})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.text, cloudfront("400 Bad Request"));
    let poor = emu.submit_pro("sk_poor", json!({"duration": 10})).await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(poor.text, cloudfront("402 Payment Required"));
    // Successes and the emulator's own routes are untouched.
    let ok = emu.submit_pro(KEY, small()).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED);
    assert_eq!(content_type(&ok), "application/json");
    assert_eq!(ok.body["status"], "pending");
    let own = emu.get("/samples/nope.png", "").await;
    assert_eq!(own.status, StatusCode::NOT_FOUND);
    assert_eq!(own.code(), "not_found");
}

#[tokio::test]
async fn html_errors_keep_retry_after_on_429() {
    let emu = Emu::start(&[
        "--quirks",
        "html-errors",
        "--rate-limit",
        "1",
        "--retry-after",
        "3",
    ])
    .await;
    for _ in 0..3 {
        let answer = send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(content_type(&answer), "text/html");
            assert_eq!(answer.headers["retry-after"], "3");
            assert_eq!(answer.text, cloudfront("429 Too Many Requests"));
            return;
        }
    }
    panic!("never limited");
}

#[tokio::test]
async fn html_errors_keep_the_status_of_injected_5xx() {
    let emu = Emu::start(&[
        "--quirks",
        "html-errors",
        "--error-rate",
        "1",
        "--seed",
        "1",
    ])
    .await;
    let mut seen = Vec::new();
    for _ in 0..20 {
        let answer = send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await;
        let title = format!(
            "{} {}",
            answer.status.as_u16(),
            answer.status.canonical_reason().unwrap()
        );
        assert_eq!(answer.text, cloudfront(&title));
        assert_eq!(content_type(&answer), "text/html");
        seen.push(answer.status.as_u16());
    }
    for code in [500, 502, 503] {
        assert!(seen.contains(&code), "{seen:?}");
    }
}

#[tokio::test]
async fn no_cors_on_errors_hides_errors_from_browsers_but_not_successes() {
    let emu = Emu::start(&["--quirks", "no-cors-on-errors", "--rate-limit", "1"]).await;
    let ok = send(
        &emu,
        Method::POST,
        "/api/v2/avatar/generate",
        KEY,
        Some(&json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3")})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED);
    assert_eq!(ok.headers["access-control-allow-origin"], "*");
    let limited = send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "1");
    for answer in [
        limited,
        send(&emu, Method::GET, UNKNOWN_TASK, "", None).await,
        send(&emu, Method::GET, "/api/v2/nowhere", "sk_other", None).await,
    ] {
        assert!(answer.status.is_client_error());
        assert!(!has_cors(&answer), "{:?}", answer.headers);
        // The body itself is the usual envelope (only a browser can't read it).
        assert!(answer.body["error"]["code"].is_string(), "{}", answer.text);
    }
    let pre = preflight(&emu, "/api/v2/avatar/generate", "POST").await;
    assert!(pre.status.is_success());
    assert_eq!(pre.headers["access-control-allow-origin"], "*");
    // Outside /api/ nothing changes.
    let own = send(&emu, Method::GET, "/samples/nope.png", "", None).await;
    assert_eq!(own.headers["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn no_expose_retry_after_leaves_retry_after_unreadable() {
    let emu = Emu::start(&["--quirks", "no-expose-retry-after", "--rate-limit", "1"]).await;
    let first = send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await;
    let limited = send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "1");
    for answer in [first, limited] {
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
        assert_eq!(
            answer.headers["access-control-expose-headers"],
            "content-length,content-range,accept-ranges"
        );
    }
    // The default exposes it.
    let default = Emu::start(&[]).await;
    let answer = send(&default, Method::GET, UNKNOWN_TASK, KEY, None).await;
    assert_eq!(
        answer.headers["access-control-expose-headers"],
        "retry-after,content-length,content-range,accept-ranges"
    );
}

/// An emulator with `quirk` on, and a Pro task it completed.
async fn completed_with(quirk: &str) -> (Emu, Completed) {
    let emu = Emu::start(&["--speed", "2000", "--quirks", quirk]).await;
    let done = emu
        .complete_pro(KEY, small(), Duration::from_secs(60))
        .await;
    (emu, done)
}

#[tokio::test]
async fn signed_results_serve_a_result_only_at_its_link_exactly() {
    let (emu, done) = completed_with("signed-results").await;
    let link = done.video_url.strip_prefix(&emu.base).unwrap();
    let (path, query) = link.split_once('?').expect("a signed link has a query");
    assert!(
        path.starts_with("/results/") && path.ends_with(".mp4"),
        "{link}"
    );
    assert!(
        query.starts_with("X-Amz-Expires=86400&") && query.contains("&X-Amz-Signature="),
        "{link}"
    );
    for method in [Method::GET, Method::HEAD] {
        let answer = send(&emu, method.clone(), link, "", None).await;
        assert_eq!(answer.status, StatusCode::OK, "{method} {link}");
    }
    // What a client that rewrites the query sends (a trailing `&`, reordered
    // or missing parameters) is refused the way S3 refuses it.
    let reordered = format!(
        "{path}?{}",
        query.split('&').rev().collect::<Vec<_>>().join("&")
    );
    for changed in [format!("{link}&"), reordered, path.to_owned()] {
        let answer = send(&emu, Method::GET, &changed, "", None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{changed}");
        assert_eq!(content_type(&answer), "application/xml");
        assert!(
            answer.text.contains("<Code>SignatureDoesNotMatch</Code>"),
            "{}",
            answer.text
        );
        assert!(has_cors(&answer), "the page can read why");
    }
}

#[tokio::test]
async fn results_without_cors_serves_results_without_cors_and_nothing_else_changes() {
    let (emu, done) = completed_with("results-without-cors").await;
    let result = done.video_url.strip_prefix(&emu.base).unwrap();
    let ranged = emu
        .client
        .get(&done.video_url)
        .header("Origin", ORIGIN)
        .header("Range", "bytes=0-99");
    let ranged = Emu::answer(ranged.send().await.unwrap()).await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    let get = send(&emu, Method::GET, result, "", None).await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(content_type(&get), "video/mp4");
    let head = send(&emu, Method::HEAD, result, "", None).await;
    assert_eq!(head.status, StatusCode::OK);
    let missing = send(&emu, Method::GET, "/results/none.mp4", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let pre = preflight(&emu, result, "GET").await;
    for answer in [ranged, get, head, missing, pre] {
        assert!(!has_cors(&answer), "{} {:?}", answer.status, answer.headers);
    }
    // Samples and the API (answers, errors, preflights) keep theirs.
    for answer in [
        send(&emu, Method::GET, "/samples/portrait-1.png", "", None).await,
        send(&emu, Method::GET, "/samples/", "", None).await,
        send(
            &emu,
            Method::GET,
            &format!("/api/v2/avatar/tasks/{}", done.task_id),
            KEY,
            None,
        )
        .await,
        send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await,
        preflight(&emu, "/api/v2/avatar/generate", "POST").await,
    ] {
        assert_eq!(
            answer.headers["access-control-allow-origin"], "*",
            "{:?}",
            answer.headers
        );
    }
    // Without the quirk, results have them.
    let default = Emu::start(&[]).await;
    let missing = send(&default, Method::GET, "/results/none.mp4", "", None).await;
    assert_eq!(missing.headers["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn wrapped_puts_every_success_under_data() {
    let emu = Emu::start(&["--quirks", "wrapped"]).await;
    let submit = emu.submit_pro(KEY, small()).await;
    assert_eq!(submit.status, StatusCode::ACCEPTED);
    let id = submit.body["data"]["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        submit.body,
        json!({"data": {"task_id": id, "status": "pending", "capability": "avatar", "action": "generate", "model": "avatar-pro"}})
    );
    for path in [
        format!("/api/v2/avatar/tasks/{id}"),
        format!("/api/v2/tasks/{id}"),
    ] {
        let task = emu.get(&path, KEY).await;
        assert_eq!(task.status, StatusCode::OK);
        let object = task.body.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["data"]);
        assert_eq!(task.body["data"]["task_id"], id.as_str());
        assert_eq!(task.body["data"]["model"], "avatar-pro");
        assert!(task.body["data"]["status"].is_string());
    }
    // Errors keep the envelope.
    let missing = emu.get(UNKNOWN_TASK, KEY).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "task_not_found");
    assert!(missing.body.get("data").is_none());
}

#[tokio::test]
async fn nested_url_moves_the_link_into_result() {
    let emu = Emu::start(&["--quirks", "nested-url", "--speed", "2000"]).await;
    let id = emu.submit_pro(KEY, small()).await.body["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v2/avatar/tasks/{id}");
    let seen = poll_until(&emu, &path, |b| {
        b["status"] != "pending" && b["status"] != "processing"
    })
    .await;
    for body in &seen[..seen.len() - 1] {
        assert!(
            body.get("result").is_none() && body.get("videoUrl").is_none(),
            "{body}"
        );
    }
    let done = seen.last().unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done.get("videoUrl").is_none(), "{done}");
    let url = emu.url(&format!("/results/{id}.mp4"));
    assert_eq!(done["result"], json!({"videoUrl": url}));
    assert_eq!(
        emu.get(&format!("/api/v2/tasks/{id}"), KEY).await.body,
        *done
    );
    common::download(&emu.client, &url).await;
}

#[tokio::test]
async fn numeric_ids_are_json_numbers_and_find_their_task() {
    let emu = Emu::start(&["--quirks", "numeric-ids"]).await;
    let bodies = [
        (
            "/api/v2/avatar/generate",
            json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3")}),
        ),
        (
            "/api/v2/avatar/digital-human",
            json!({"image_url": emu.sample("portrait-2.png"), "audio_url": emu.sample("speech-1.mp3"), "audio_duration_seconds": 5.96}),
        ),
        (
            "/api/v2/avatar/dual",
            json!({"dual_image_url": emu.sample("dual.png"), "audio_mix_url": emu.sample("conversation-mix.mp3"),
                   "audio1_url": emu.sample("speaker-1.mp3"), "audio2_url": emu.sample("speaker-2.mp3"),
                   "audio_duration_seconds": 8.2}),
        ),
    ];
    for (path, body) in bodies {
        let submit = emu.post(path, KEY, &body).await;
        assert_eq!(submit.status, StatusCode::ACCEPTED, "{}", submit.text);
        let id = submit.body["task_id"]
            .as_u64()
            .unwrap_or_else(|| panic!("{}", submit.text));
        // 15 digits starting with 19: exact in JavaScript too.
        assert!(
            (190_000_000_000_000..200_000_000_000_000).contains(&id),
            "{id}"
        );
        assert!(id < 1 << 53);
        assert!(
            submit.text.contains(&format!("\"task_id\":{id}")),
            "{}",
            submit.text
        );
        for task_path in [
            format!("/api/v2/avatar/tasks/{id}"),
            format!("/api/v2/tasks/{id}"),
        ] {
            let task = emu.get(&task_path, KEY).await;
            assert_eq!(task.status, StatusCode::OK, "{}", task.text);
            assert_eq!(task.body["task_id"], json!(id));
        }
    }
}

#[tokio::test]
async fn capitalized_status_from_pending_to_completed_and_failed() {
    let emu = Emu::start(&["--quirks", "capitalized-status", "--speed", "2000"]).await;
    let submit = emu.submit_pro(KEY, small()).await;
    assert_eq!(submit.body["status"], "Pending");
    let id = submit.body["task_id"].as_str().unwrap().to_owned();
    let seen = poll_until(&emu, &format!("/api/v2/avatar/tasks/{id}"), |b| {
        b["status"] == "Completed" || b["status"] == "Failed"
    })
    .await;
    for body in &seen {
        let status = body["status"].as_str().unwrap();
        assert!(
            ["Pending", "Processing", "Completed"].contains(&status),
            "{body}"
        );
    }
    assert_eq!(seen.last().unwrap()["status"], "Completed");
    assert!(seen.last().unwrap()["videoUrl"].is_string());

    let broken = emu
        .submit_pro(KEY, json!({"image_url": emu.url("/samples/missing.png")}))
        .await;
    let id = broken.body["task_id"].as_str().unwrap().to_owned();
    let seen = poll_until(&emu, &format!("/api/v2/tasks/{id}"), |b| {
        b["status"] == "Completed" || b["status"] == "Failed"
    })
    .await;
    assert_eq!(seen.last().unwrap()["status"], "Failed");
}

/// The contract's message for a Pro request with `duration: 7`.
fn duration_message() -> String {
    let body = json!({"image_url": "http://h/p.png", "audio_url": "http://h/a.mp3", "duration": 7});
    let errors = AvatarRequest::from_json(Model::AvatarPro, &body)
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "duration");
    errors[0].message.clone()
}

#[tokio::test]
async fn string_errors_are_plain_sentences() {
    let emu = Emu::start(&[
        "--quirks",
        "string-errors",
        "--key",
        "sk_demo=500",
        "--key",
        "sk_poor=7",
    ])
    .await;
    let missing = emu.get(UNKNOWN_TASK, "").await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.body,
        json!({"error": "Authorization header missing or malformed. Expected: Bearer sk_..."})
    );
    let unknown = emu.get(UNKNOWN_TASK, KEY).await;
    assert_eq!(
        (unknown.status, unknown.body),
        (
            StatusCode::NOT_FOUND,
            json!({"error": "No task with this id exists for this API key."})
        )
    );
    let bad = emu.submit_pro(KEY, json!({"duration": 7})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body, json!({"error": duration_message()}));
    let poor = emu.submit_pro("sk_poor", json!({"duration": 10})).await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(content_type(&poor), "application/json");
    assert_eq!(
        poor.text,
        r#"{"error":"Insufficient credits","required":20,"balance":7}"#
    );
    assert_eq!(
        emu.account("sk_poor").await,
        json!({"credits": 7, "charged": 0, "refunded": 0})
    );
}

#[tokio::test]
async fn detail_errors_are_fastapi_style() {
    let emu = Emu::start(&[
        "--quirks",
        "detail-errors",
        "--key",
        "sk_demo=500",
        "--key",
        "sk_poor=7",
    ])
    .await;
    let bad = emu.submit_pro(KEY, json!({"duration": 7})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.body,
        json!({"detail": [{"loc": ["body", "duration"], "msg": duration_message(), "type": "value_error"}]})
    );
    let malformed = emu
        .client
        .post(emu.url("/api/v2/avatar/generate"))
        .bearer_auth(KEY)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let malformed = Emu::answer(malformed).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let detail = &malformed.body["detail"];
    assert_eq!(detail.as_array().unwrap().len(), 1, "{detail}");
    assert_eq!(detail[0]["loc"], json!(["body"]));
    assert_eq!(detail[0]["type"], "value_error");
    assert!(
        detail[0]["msg"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let poor = emu.submit_pro("sk_poor", json!({"duration": 10})).await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        poor.text,
        r#"{"detail":"Insufficient credits: required 20, balance 7"}"#
    );
    let unknown = emu.get(UNKNOWN_TASK, KEY).await;
    assert_eq!(
        (unknown.status, unknown.body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "No task with this id exists for this API key."})
        )
    );
    let anonymous = emu.get(UNKNOWN_TASK, "").await;
    assert_eq!(
        anonymous.body,
        json!({"detail": "Authorization header missing or malformed. Expected: Bearer sk_..."})
    );
}

#[tokio::test]
async fn string_and_detail_errors_exclude_each_other() {
    let config = <avatar_emulator::EmulatorConfig as clap::Parser>::parse_from([
        "avatar-emulator",
        "--listen",
        "127.0.0.1:0",
        "--quirks",
        "string-errors,detail-errors",
    ]);
    let error = avatar_emulator::prepare(config).await.err().unwrap();
    assert!(error.contains("exclude each other"), "{error}");
}

#[tokio::test]
async fn slow_submit_charges_and_runs_at_once_but_answers_late() {
    let emu = Emu::start(&["--quirks", "slow-submit", "--slow-submit-ms", "1500"]).await;
    let started = Instant::now();
    let submit = {
        let client = emu.client.clone();
        let url = emu.url("/api/v2/avatar/generate");
        let body = json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3")});
        tokio::spawn(async move {
            Emu::answer(
                client
                    .post(url)
                    .bearer_auth(KEY)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Charged and created while the client still waits for its answer.
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 480, "charged": 20, "refunded": 0})
    );
    let listed = emu.get("/_emulator/tasks", "").await.body["tasks"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let id = listed[0]["task_id"].as_str().unwrap().to_owned();
    let task = emu.get(&format!("/api/v2/avatar/tasks/{id}"), KEY).await;
    assert_eq!(task.status, StatusCode::OK);
    assert!(
        !submit.is_finished(),
        "answered after {:?}",
        started.elapsed()
    );

    let answer = submit.await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(answer.body["task_id"], id.as_str());
    assert_eq!(answer.body["status"], "pending");
    // Only submits are slow.
    let started = Instant::now();
    emu.get(UNKNOWN_TASK, KEY).await;
    assert!(started.elapsed() < Duration::from_millis(1000));
}

#[tokio::test]
async fn waf_403_blocks_before_auth_and_billing() {
    let emu = Emu::start(&["--quirks", "waf-403"]).await;
    let script = json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3"),
                        "motion_prompt": "smile <script>alert(1)</script>"});
    let drop = json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3"),
                      "motion_prompt": "nod'; DROP TABLE tasks; --"});
    let mut blocked = vec![
        send(
            &emu,
            Method::POST,
            "/api/v2/avatar/generate",
            KEY,
            Some(&script),
        )
        .await,
        send(
            &emu,
            Method::POST,
            "/api/v2/avatar/generate",
            "",
            Some(&script),
        )
        .await,
        send(
            &emu,
            Method::POST,
            "/api/v2/avatar/dual",
            "sk_unknown",
            Some(&drop),
        )
        .await,
        send(
            &emu,
            Method::POST,
            "/api/v2/avatar/generate",
            KEY,
            Some(&drop),
        )
        .await,
    ];
    for path in ["/api/v2/avatar/tasks/waf-1939", "/api/v2/tasks/waf"] {
        blocked.push(send(&emu, Method::GET, path, KEY, None).await);
        blocked.push(send(&emu, Method::GET, path, "", None).await);
    }
    for answer in blocked {
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(content_type(&answer), "text/html");
        assert_eq!(answer.text, WAF_PAGE);
    }
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 0, "refunded": 0})
    );
    // Innocent requests pass.
    let ok = emu
        .submit_pro(
            KEY,
            json!({"motion_prompt": "a script reading, drop the table"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.text);
    let id = ok.body["task_id"].as_str().unwrap();
    assert_eq!(
        emu.get(&format!("/api/v2/avatar/tasks/{id}"), KEY)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(emu.get(UNKNOWN_TASK, KEY).await.code(), "task_not_found");
}

#[tokio::test]
async fn no_cors_sends_no_cors_headers_and_refuses_preflights() {
    let emu = Emu::start(&["--no-cors"]).await;
    let generate = preflight(&emu, "/api/v2/avatar/generate", "POST").await;
    assert_eq!(generate.status, StatusCode::METHOD_NOT_ALLOWED);
    let task = preflight(&emu, UNKNOWN_TASK, "GET").await;
    assert_eq!(task.status, StatusCode::METHOD_NOT_ALLOWED);
    let elsewhere = preflight(&emu, "/nowhere", "GET").await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let submit = send(
        &emu,
        Method::POST,
        "/api/v2/avatar/generate",
        KEY,
        Some(&json!({"image_url": emu.sample("portrait-1.png"), "audio_url": emu.sample("speech-1.mp3")})),
    )
    .await;
    assert_eq!(submit.status, StatusCode::ACCEPTED);
    let answers = [
        generate,
        task,
        elsewhere,
        submit,
        send(&emu, Method::GET, UNKNOWN_TASK, KEY, None).await,
        send(&emu, Method::GET, "/samples/", "", None).await,
    ];
    for answer in answers {
        assert!(!has_cors(&answer), "{} {:?}", answer.status, answer.headers);
    }
}
