//! The provider's endpoints over real HTTP: both task paths, every
//! documented error, the ledger, media failures and the rendered results.

mod common;

use std::time::{Duration, Instant};

use common::{Answer, Emu, download, ffprobe};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "sk_demo";
const FAST: &[&str] = &["--speed", "2000"];

#[tokio::test]
async fn pro_task_goes_pending_processing_completed_and_renders_the_requested_video() {
    let emu = Emu::start(&["--speed", "300", "--key", "sk_demo=500"]).await;
    let submit = emu
        .submit_pro(
            KEY,
            json!({"duration": 5, "resolution": 720, "framerate": 24, "metadata": {"order": 7}}),
        )
        .await;
    assert_eq!(submit.status, StatusCode::ACCEPTED, "{}", submit.body);
    let id = submit.body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        submit.body,
        json!({"task_id": id, "status": "pending", "capability": "avatar", "action": "generate", "model": "avatar-pro"})
    );
    // ceil(1.5 credits/s × 5 s) = 8, charged at submit.
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 492, "charged": 8, "refunded": 0})
    );

    let seen = emu.wait_final(KEY, &id, Duration::from_secs(60)).await;
    let statuses: Vec<&str> = seen.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"processing"), "{statuses:?}");
    for body in &seen[..seen.len() - 1] {
        assert!(
            body.get("videoUrl").is_none(),
            "result before completion: {body}"
        );
        assert!(body["completed_at"].is_null());
    }
    let progress: Vec<f64> = seen.iter().filter_map(|b| b["progress"].as_f64()).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let done = seen.last().unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(done["model"], "avatar-pro");
    assert_eq!(done["metadata"], json!({"order": 7}));
    assert!(done["completed_at"].as_i64().unwrap() >= done["created_at"].as_i64().unwrap());
    let video_url = done["videoUrl"].as_str().unwrap();
    assert_eq!(video_url, emu.url(&format!("/results/{id}.mp4")));

    // The provider-wide path returns the same body.
    let other = emu.get(&format!("/api/v2/tasks/{id}"), KEY).await;
    assert_eq!(&other.body, done);

    // Portrait 768×1024 at a 720 px long edge → 540×720, 24 fps, exactly 5 s, with AAC audio.
    let file = download(&emu.client, video_url).await;
    let (w, h, fps, seconds, audio) = ffprobe(file.path());
    assert_eq!((w, h, fps), (540, 720, 24.0));
    assert!((seconds - 5.0).abs() < 0.1, "{seconds}");
    assert!(audio);

    // A <video> can seek: byte ranges come back as 206 with Content-Range.
    let ranged = emu
        .client
        .get(video_url)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    let range = ranged.headers()["content-range"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(range.starts_with("bytes 100-199/"), "{range}");
    assert_eq!(ranged.bytes().await.unwrap().len(), 100);
    let unsatisfiable = emu
        .client
        .get(video_url)
        .header("Range", "bytes=999999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(unsatisfiable.status(), StatusCode::RANGE_NOT_SATISFIABLE);
}

#[tokio::test]
async fn follow_audio_renders_the_real_audio_length() {
    let emu = Emu::start(FAST).await;
    let submit = emu
        .submit_pro(
            KEY,
            json!({"duration": 0, "audio_duration_seconds": 5.956, "resolution": 720, "framerate": 30}),
        )
        .await;
    assert_eq!(submit.status, StatusCode::ACCEPTED, "{}", submit.body);
    let id = submit.body["task_id"].as_str().unwrap();
    let done = emu.wait_final(KEY, id, Duration::from_secs(60)).await;
    let done = done.last().unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    let file = download(&emu.client, done["videoUrl"].as_str().unwrap()).await;
    let (_, _, fps, seconds, _) = ffprobe(file.path());
    assert_eq!(fps, 30.0);
    assert!((seconds - 5.95).abs() < 0.2, "{seconds}");
}

#[tokio::test]
async fn digital_human_from_a_video_and_dual_render_at_width_by_height() {
    let emu = Emu::start(FAST).await;
    let dh = emu
        .post(
            "/api/v2/avatar/digital-human",
            KEY,
            &json!({
                "input_video_url": emu.sample("talking.mp4"),
                "audio_url": emu.sample("speech-1.mp3"),
                "audio_duration_seconds": 5.956,
                "width": 640, "height": 360,
            }),
        )
        .await;
    assert_eq!(dh.status, StatusCode::ACCEPTED, "{}", dh.body);
    assert_eq!(dh.body["action"], "digital-human");
    assert_eq!(dh.body["model"], "digital-human");
    let dual = emu
        .post(
            "/api/v2/avatar/dual",
            KEY,
            &json!({
                "dual_image_url": emu.sample("dual.png"),
                "audio_mix_url": emu.sample("conversation-mix.mp3"),
                "audio1_url": emu.sample("speaker-1.mp3"),
                "audio2_url": emu.sample("speaker-2.mp3"),
                "audio_duration_seconds": 8.2,
                "width": 480, "height": 270,
            }),
        )
        .await;
    assert_eq!(dual.status, StatusCode::ACCEPTED, "{}", dual.body);
    assert_eq!(dual.body["model"], "dual-avatar");
    let still = emu
        .post(
            "/api/v2/avatar/digital-human",
            KEY,
            &json!({
                "image_url": emu.sample("portrait-2.png"),
                "audio_url": emu.sample("speech-1.mp3"),
                "audio_duration_seconds": 5.956,
                "width": 320, "height": 240,
            }),
        )
        .await;
    assert_eq!(still.status, StatusCode::ACCEPTED, "{}", still.body);
    assert!(dual.body["task_id"].as_str().unwrap().starts_with("task_"));
    // SD digital human: ceil(5.956) × 1 = 6 (twice); dual: ceil(8.2 × 2) = 17.
    assert_eq!(emu.account(KEY).await["charged"], 6 + 17 + 6);

    let renders = [
        (dh, (640, 360), 5.95),
        (dual, (480, 270), 8.17),
        (still, (320, 240), 5.95),
    ];
    for (submit, (width, height), length) in renders {
        let id = submit.body["task_id"].as_str().unwrap();
        let seen = emu.wait_final(KEY, id, Duration::from_secs(60)).await;
        let done = seen.last().unwrap();
        assert_eq!(done["status"], "completed", "{done}");
        assert_eq!(done["model"], submit.body["model"]);
        let file = download(&emu.client, done["videoUrl"].as_str().unwrap()).await;
        let (w, h, fps, seconds, audio) = ffprobe(file.path());
        assert_eq!((w, h, fps), (width, height, 25.0));
        assert!((seconds - length).abs() < 0.2, "{seconds} vs {length}");
        assert!(audio);
    }
}

#[tokio::test]
async fn progress_null_mode_never_reports_progress() {
    let emu = Emu::start(&["--speed", "2000", "--progress", "null"]).await;
    let submit = emu
        .submit_pro(KEY, json!({"duration": 5, "resolution": 720}))
        .await;
    let id = submit.body["task_id"].as_str().unwrap();
    let seen = emu.wait_final(KEY, id, Duration::from_secs(60)).await;
    assert!(seen.iter().all(|b| b["progress"].is_null()), "{seen:?}");
    assert_eq!(seen.last().unwrap()["status"], "completed");
}

#[tokio::test]
async fn auth_errors_use_the_documented_envelope() {
    let emu = Emu::start(FAST).await;
    let body = json!({});
    let none = emu.post("/api/v2/avatar/generate", "", &body).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.body,
        json!({"error": {"code": "missing_api_key", "type": "auth_error",
            "message": "Authorization header missing or malformed. Expected: Bearer sk_..."}})
    );
    for header in ["Basic c2tfZGVtbzo=", "Bearer", "Bearer abc", "sk_demo"] {
        let r = emu
            .client
            .get(emu.url("/api/v2/avatar/tasks/x"))
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{header}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "missing_api_key", "{header}");
    }
    let unknown = emu.get("/api/v2/avatar/tasks/x", "sk_unknown").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.code(), "invalid_api_key");
    assert_eq!(unknown.body["error"]["type"], "auth_error");
}

#[tokio::test]
async fn bad_input_is_400_413_or_415_naming_the_problem_and_charges_nothing() {
    let emu = Emu::start(FAST).await;
    let bad = emu
        .post(
            "/api/v2/avatar/generate",
            KEY,
            &json!({"image_url": "ftp://x/y.png", "duration": 7, "resolution": 1000}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.code(), "invalid_request");
    assert_eq!(bad.body["error"]["type"], "invalid_request_error");
    let fields: Vec<&str> = bad.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    for field in ["image_url", "audio_url", "duration", "resolution"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    assert_eq!(bad.body["error"]["param"], "image_url");

    let wrong_type = emu.submit_pro(KEY, json!({"framerate": "fast"})).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_type.body["error"]["param"], "framerate");

    let dual_missing = emu
        .post(
            "/api/v2/avatar/dual",
            KEY,
            &json!({"dual_image_url": emu.sample("dual.png")}),
        )
        .await;
    assert_eq!(dual_missing.status, StatusCode::BAD_REQUEST);
    assert!(
        dual_missing.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Speaker 1 audio URL")
    );

    let send = |content_type: &'static str, body: Vec<u8>| {
        emu.client
            .post(emu.url("/api/v2/avatar/generate"))
            .bearer_auth(KEY)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let malformed = send("application/json", b"{\"image_url\": ".to_vec())
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let b: Value = malformed.json().await.unwrap();
    assert_eq!(b["error"]["param"], "body");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    let not_object = send("application/json", b"[1,2]".to_vec()).await.unwrap();
    assert_eq!(not_object.status(), StatusCode::BAD_REQUEST);

    let form = send("application/x-www-form-urlencoded", b"image_url=x".to_vec())
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let b: Value = form.json().await.unwrap();
    assert_eq!(b["error"]["code"], "unsupported_media_type");

    let huge = format!("{{\"motion_prompt\": \"{}\"}}", "x".repeat(100_000));
    let too_large = send("application/json", huge.into_bytes()).await.unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let b: Value = too_large.json().await.unwrap();
    assert_eq!(b["error"]["code"], "payload_too_large");

    assert_eq!(emu.account(KEY).await["charged"], 0);
}

#[tokio::test]
async fn insufficient_credits_is_402_with_required_and_balance_and_charges_nothing() {
    let emu = Emu::start(&["--speed", "2000", "--key", "sk_poor=19"]).await;
    let answer = emu
        .submit_pro("sk_poor", json!({"duration": 10, "resolution": 1280}))
        .await;
    assert_eq!(answer.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(answer.code(), "insufficient_credits");
    assert_eq!(answer.body["error"]["type"], "billing_error");
    assert_eq!(answer.body["error"]["required"], 20.0);
    assert_eq!(answer.body["error"]["balance"], 19.0);
    assert_eq!(
        emu.account("sk_poor").await,
        json!({"credits": 19, "charged": 0, "refunded": 0})
    );
}

#[tokio::test]
async fn tasks_are_private_to_their_key_and_unknown_ids_are_404() {
    let emu = Emu::start(&["--speed", "1", "--key", "sk_a=100", "--key", "sk_b=100"]).await;
    let submit = emu.submit_pro("sk_a", json!({"duration": 5})).await;
    let id = submit.body["task_id"].as_str().unwrap();
    assert_eq!(
        emu.get(&format!("/api/v2/avatar/tasks/{id}"), "sk_a")
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        format!("/api/v2/avatar/tasks/{id}"),
        format!("/api/v2/tasks/{id}"),
    ] {
        let other = emu.get(&path, "sk_b").await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        assert_eq!(other.code(), "task_not_found");
    }
    let unknown = emu
        .get("/api/v2/avatar/tasks/no%20such%2Ftask", "sk_a")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "task_not_found");
    // Inspection lists it with the key prefix only.
    let list = emu.get("/_emulator/tasks", "").await;
    let listed = &list.body["tasks"][0];
    assert_eq!(listed["task_id"], id);
    assert_eq!(listed["key_prefix"], "sk_a…");
    assert!(!list.body.to_string().contains("sk_a\""));
    assert_eq!(
        emu.get("/_emulator/accounts/sk_nobody", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unreachable_or_wrong_media_fails_the_task_naming_the_url_and_refunds() {
    let emu = Emu::start(FAST).await;
    let dead = "http://127.0.0.1:9/portrait.png";
    let unreachable = emu
        .submit_pro(KEY, json!({"image_url": dead, "duration": 5}))
        .await;
    let wrong = emu
        .submit_pro(
            KEY,
            json!({"image_url": emu.sample("speech-2.mp3"), "duration": 5}),
        )
        .await;
    let missing = emu
        .submit_pro(
            KEY,
            json!({"audio_url": emu.sample("nope.mp3"), "duration": 5}),
        )
        .await;
    let cases = [
        (unreachable, dead.to_owned(), "could not be downloaded"),
        (
            wrong,
            emu.sample("speech-2.mp3"),
            "is an audio file, not an image",
        ),
        (missing, emu.sample("nope.mp3"), "HTTP 404"),
    ];
    for (submit, url, why) in &cases {
        assert_eq!(submit.status, StatusCode::ACCEPTED);
        let id = submit.body["task_id"].as_str().unwrap();
        let seen = emu.wait_final(KEY, id, Duration::from_secs(30)).await;
        let done = seen.last().unwrap();
        assert_eq!(done["status"], "failed");
        assert!(done.get("videoUrl").is_none());
        assert_eq!(done["error"]["code"], "media_unavailable");
        assert_eq!(done["error"]["type"], "api_error");
        let message = done["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(url.as_str()) && message.contains(why),
            "{message}"
        );
    }
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 30, "refunded": 30})
    );
}

#[tokio::test]
async fn fail_rate_one_fails_every_task_and_refunds_it_exactly_once() {
    let emu = Emu::start(&["--speed", "2000", "--fail-rate", "1"]).await;
    let submit = emu.submit_pro(KEY, json!({"duration": 10})).await;
    let id = submit.body["task_id"].as_str().unwrap();
    let seen = emu.wait_final(KEY, id, Duration::from_secs(30)).await;
    let done = seen.last().unwrap();
    assert_eq!(done["status"], "failed");
    assert_eq!(done["error"]["code"], "generation_failed");
    assert!(done["completed_at"].is_i64());
    // Polling again changes nothing: the refund happened once.
    emu.wait_final(KEY, id, Duration::from_secs(1)).await;
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 20, "refunded": 20})
    );
    let list = emu.get("/_emulator/tasks", "").await;
    assert_eq!(list.body["tasks"][0]["refunded"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_submits_never_overdraw_the_ledger() {
    // 720 px × 5 s costs 8: a key with 40 credits affords exactly five.
    let emu = Emu::start(&["--speed", "1", "--key", "sk_race=40"]).await;
    let emu = std::sync::Arc::new(emu);
    let submits = (0..50).map(|_| {
        let emu = emu.clone();
        tokio::spawn(async move {
            emu.submit_pro("sk_race", json!({"duration": 5, "resolution": 720}))
                .await
        })
    });
    let mut accepted = Vec::new();
    let mut refused = 0;
    for handle in submits {
        let answer = handle.await.unwrap();
        match answer.status {
            StatusCode::ACCEPTED => {
                accepted.push(answer.body["task_id"].as_str().unwrap().to_owned())
            }
            StatusCode::PAYMENT_REQUIRED => {
                refused += 1;
                assert_eq!(answer.body["error"]["required"], 8.0);
                assert!(answer.body["error"]["balance"].as_f64().unwrap() < 8.0);
            }
            other => panic!("unexpected {other}: {}", answer.body),
        }
    }
    assert_eq!((accepted.len(), refused), (5, 45));
    accepted.sort();
    accepted.dedup();
    assert_eq!(accepted.len(), 5, "task ids are unique");
    assert_eq!(
        emu.account("sk_race").await,
        json!({"credits": 0, "charged": 40, "refunded": 0})
    );
}

#[tokio::test]
async fn samples_are_listed_with_absolute_urls_and_served_with_their_types() {
    let emu = Emu::start(FAST).await;
    let list = emu.get("/samples/", "").await;
    assert_eq!(list.status, StatusCode::OK);
    let samples = list.body["samples"].as_array().unwrap();
    let names: Vec<&str> = samples
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "portrait-1.png",
            "portrait-2.png",
            "speech-1.mp3",
            "speech-2.mp3",
            "speech-long.mp3",
            "dual.png",
            "conversation-mix.mp3",
            "speaker-1.mp3",
            "speaker-2.mp3",
            "talking.mp4",
            "voice-1.wav",
            "voice-2.wav",
            "voice-3.wav",
            "silence.mp3"
        ]
    );
    let seconds = |name: &str| {
        samples.iter().find(|s| s["name"] == name).unwrap()["duration_seconds"]
            .as_f64()
            .unwrap()
    };
    assert!((5.0..=8.0).contains(&seconds("speech-1.mp3")));
    assert!((10.0..=15.0).contains(&seconds("speech-2.mp3")));
    assert!(seconds("speech-long.mp3") > 35.0);
    assert!((seconds("speaker-1.mp3") - seconds("conversation-mix.mp3")).abs() < 0.1);
    for voice in ["voice-1.wav", "voice-2.wav", "voice-3.wav"] {
        assert!((2.0..=8.0).contains(&seconds(voice)), "{voice}");
    }
    let p1 = &samples[0];
    assert_eq!(
        (p1["width"].as_u64(), p1["height"].as_u64()),
        (Some(768), Some(1024))
    );
    for sample in samples {
        let url = sample["url"].as_str().unwrap();
        assert!(url.starts_with(&emu.base), "{url}");
        let response = emu.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let expected = match url.rsplit('.').next().unwrap() {
            "png" => "image/png",
            "mp3" => "audio/mpeg",
            "wav" => "audio/wav",
            _ => "video/mp4",
        };
        assert_eq!(response.headers()["content-type"], expected, "{url}");
    }
    assert_eq!(
        emu.get("/samples/../Cargo.toml", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let emu = Emu::start(FAST).await;
    let missing = emu.get("/api/v2/avatar/nothing", KEY).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");
    let wrong_method = emu.get("/api/v2/avatar/generate", KEY).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.body["error"]["message"].is_string());
    let no_result = emu.get("/results/123.mp4", "").await;
    assert_eq!(no_result.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_task_that_cannot_be_saved_is_refused_and_not_charged() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let state = state_dir.join("state.json").display().to_string();
    let emu = Emu::start(&["--speed", "2000", "--state", &state]).await;
    // Make the state file unwritable: its directory becomes a plain file.
    std::fs::remove_dir_all(&state_dir).unwrap();
    std::fs::write(&state_dir, b"in the way").unwrap();
    let answer = emu.submit_pro(KEY, json!({"duration": 5})).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.code(), "internal_error");
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 0, "refunded": 0})
    );
    assert_eq!(
        emu.get("/_emulator/tasks", "").await.body["tasks"],
        json!([])
    );
}

#[tokio::test]
async fn old_results_beyond_the_disk_cap_are_deleted_and_answer_410() {
    let emu = Emu::start(&["--speed", "2000", "--max-results-mb", "0"]).await;
    let mut urls = Vec::new();
    for _ in 0..2 {
        let submit = emu
            .submit_pro(KEY, json!({"duration": 5, "resolution": 720}))
            .await;
        let id = submit.body["task_id"].as_str().unwrap();
        let seen = emu.wait_final(KEY, id, Duration::from_secs(60)).await;
        urls.push(
            seen.last().unwrap()["videoUrl"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let old = emu.client.get(&urls[0]).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::GONE);
    let body: Value = old.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // The newest result is always kept.
    download(&emu.client, &urls[1]).await;
}

/// `url` asked for the ways a `<video>` or a download does: GET, HEAD and a Range GET.
async fn result_answers(emu: &Emu, url: &str) -> [Answer; 3] {
    let send = |request: reqwest::RequestBuilder| async move {
        Emu::answer(request.send().await.unwrap()).await
    };
    [
        send(emu.client.get(url)).await,
        send(emu.client.head(url)).await,
        send(emu.client.get(url).header("Range", "bytes=0-99")).await,
    ]
}

/// Checks that GET, HEAD and Range of a result link are all its expired 410.
fn assert_link_expired(answers: &[Answer; 3]) {
    let expired = json!({"error": {"code": "not_found", "type": "invalid_request_error",
        "message": "This result link has expired; generate the video again."}});
    for (answer, method) in answers.iter().zip(["GET", "HEAD", "Range GET"]) {
        assert_eq!(answer.status, StatusCode::GONE, "{method}");
        assert_eq!(
            answer.headers["content-type"], "application/json",
            "{method}"
        );
        assert!(answer.headers.get("content-range").is_none(), "{method}");
    }
    assert_eq!(answers[0].body, expired);
    assert_eq!(answers[1].text, "", "HEAD has no body");
    assert_eq!(answers[2].body, expired);
}

/// Sleeps until `ttl` (and a little) has passed since `completed`.
async fn sleep_past(completed: Instant, ttl: Duration) {
    tokio::time::sleep_until((completed + ttl + Duration::from_millis(100)).into()).await;
}

#[tokio::test]
async fn result_links_answer_410_once_result_ttl_has_passed_but_the_task_keeps_its_url() {
    const TTL: Duration = Duration::from_secs(2);
    let emu = Emu::start(&["--speed", "2000", "--result-ttl", "2"]).await;
    let done = emu
        .complete_pro(
            KEY,
            json!({"duration": 5, "resolution": 720}),
            Duration::from_secs(60),
        )
        .await;
    let fresh = result_answers(&emu, &done.video_url).await;
    // Judged only when these answers certainly came within the TTL of the
    // completion (a machine stalled for that long cannot tell).
    if done.between.start.elapsed() < TTL {
        assert_eq!(fresh[0].status, StatusCode::OK);
        assert_eq!(fresh[0].headers["content-type"], "video/mp4");
        assert_eq!(fresh[1].status, StatusCode::OK);
        assert_eq!(fresh[1].headers["content-type"], "video/mp4");
        assert_eq!(fresh[2].status, StatusCode::PARTIAL_CONTENT);
        assert!(
            fresh[2].headers["content-range"]
                .to_str()
                .unwrap()
                .starts_with("bytes 0-99/")
        );
    } else {
        eprintln!("too slow to check the link before its TTL; only its expiry is checked");
    }
    sleep_past(done.between.end, TTL).await;
    assert_link_expired(&result_answers(&emu, &done.video_url).await);
    // The provider's links just stop working: the task still reports its link.
    let task = emu
        .get(&format!("/api/v2/avatar/tasks/{}", done.task_id), KEY)
        .await;
    assert_eq!(task.body["status"], "completed");
    assert_eq!(task.body["videoUrl"], done.video_url);
}

#[tokio::test]
async fn result_ttl_counts_from_the_saved_completion_so_a_restart_renews_no_link() {
    const TTL: Duration = Duration::from_secs(1);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state.json").display().to_string();
    let args = ["--speed", "2000", "--state", &state, "--result-ttl", "1"];
    let first = Emu::start_in(&data, &args).await;
    let done = first
        .complete_pro(
            KEY,
            json!({"duration": 5, "resolution": 720}),
            Duration::from_secs(60),
        )
        .await;
    let path = done.video_url.strip_prefix(&first.base).unwrap().to_owned();
    sleep_past(done.between.end, TTL).await;

    // A new emulator on the same state and data (its own port).
    let second = Emu::start_in(&data, &args).await;
    assert_link_expired(&result_answers(&second, &second.url(&path)).await);
    let task = second
        .get(&format!("/api/v2/avatar/tasks/{}", done.task_id), KEY)
        .await;
    assert_eq!(task.body["status"], "completed");
    assert_eq!(task.body["videoUrl"], second.url(&path));
    // The file was kept: the 410 is the TTL's, and without one the link plays.
    let third = Emu::start_in(&data, &["--speed", "2000", "--state", &state]).await;
    download(&third.client, &third.url(&path)).await;
}

#[tokio::test]
async fn downloads_are_limited_in_size_and_time() {
    // A server that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/portrait.png", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let small = Emu::start(&["--speed", "2000", "--max-download-mb", "0"]).await;
    let impatient = Emu::start(&["--speed", "2000", "--download-timeout", "1"]).await;
    let too_big = small.submit_pro(KEY, json!({"duration": 5})).await;
    let too_slow = impatient
        .submit_pro(KEY, json!({"duration": 5, "image_url": silent_url}))
        .await;
    for (emu, submit, why) in [
        (&small, too_big, "is larger than 0 MB"),
        (
            &impatient,
            too_slow,
            "did not finish downloading within 1 s",
        ),
    ] {
        let id = submit.body["task_id"].as_str().unwrap();
        let seen = emu.wait_final(KEY, id, Duration::from_secs(20)).await;
        let done = seen.last().unwrap();
        assert_eq!(done["error"]["code"], "media_unavailable");
        let message = done["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{message}");
        assert_eq!(emu.account(KEY).await["credits"], 500);
    }
}
