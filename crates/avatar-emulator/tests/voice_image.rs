//! Voice clone and image generate over real HTTP: their answers, the WAV
//! and PNG they make (checked with ffprobe), every bad input, the ledger
//! (held at submit, charged once on completion, released on failure),
//! quirks, faults and `--state`.

mod common;

use std::time::{Duration, Instant};

use avatar_api::Kind;
use avatar_api::response::parse_task;
use common::{Emu, assert_invalid};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "sk_demo";
const CLONE: &str = "/api/v2/voice/clone";
const IMAGE: &str = "/api/v2/image/generate";
const SHORT: &str = "Hello there, this is a short test.";
const LONG: &str = "Hello there, this is a much longer test. It has three sentences, \
    so it takes about three times as long to say. The end is near, and here it is.";

/// Polls `GET /api/v2/tasks/{id}` until `done` says so; every body seen.
async fn poll(emu: &Emu, id: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let answer = emu.get(&format!("/api/v2/tasks/{id}"), KEY).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let finished = done(&answer.body);
        seen.push(answer.body);
        if finished {
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not done: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn is_final(body: &Value) -> bool {
    body["status"] == "completed" || body["status"] == "failed"
}

/// Polls a task to its end and returns the last body, which must be `completed`.
async fn completed(emu: &Emu, id: &str) -> Value {
    let done = poll(emu, id, is_final).await.pop().unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    done
}

/// Downloads a result, checking its content type; the bytes.
async fn fetch(emu: &Emu, url: &str, content_type: &str) -> Vec<u8> {
    let response = emu.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(response.headers()["content-type"], content_type, "{url}");
    response.bytes().await.unwrap().to_vec()
}

/// ffprobe's streams and format of `bytes`.
fn ffprobe(bytes: &[u8]) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries"])
        .arg("stream=codec_type,codec_name,width,height:format=format_name,duration")
        .args(["-of", "json"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Seconds of a WAV with one audio stream.
fn wav_seconds(bytes: &[u8]) -> f64 {
    let probe = ffprobe(bytes);
    assert_eq!(probe["format"]["format_name"], "wav", "{probe}");
    let streams = probe["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 1, "{probe}");
    assert_eq!(streams[0]["codec_type"], "audio");
    probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Width and height of a PNG.
fn png_size(bytes: &[u8]) -> (u64, u64) {
    let probe = ffprobe(bytes);
    let stream = &probe["streams"][0];
    assert_eq!(stream["codec_name"], "png", "{probe}");
    (
        stream["width"].as_u64().unwrap(),
        stream["height"].as_u64().unwrap(),
    )
}

fn voice(emu: &Emu, text: &str, reference: &str) -> Value {
    json!({"text": text, "reference_audio_url": emu.sample(reference)})
}

async fn submit(emu: &Emu, path: &str, key: &str, body: &Value) -> String {
    let answer = emu.post(path, key, body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    answer.body["task_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn voice_clone_speaks_the_text_in_a_voice_per_reference_and_is_charged_once_on_completion() {
    let emu = Emu::start(&["--speed", "2000", "--progress", "null"]).await;
    let mut body = voice(&emu, SHORT, "voice-1.wav");
    body["metadata"] = json!({"order": 7});
    let accepted = emu.post(CLONE, KEY, &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let id = accepted.body["task_id"].as_str().unwrap().to_owned();
    let created_at = accepted.body["created_at"].as_i64().unwrap();
    assert_eq!(
        accepted.body,
        json!({"task_id": id, "status": "pending", "capability": "voice", "action": "clone",
               "model": "v2-emotion", "error": null, "created_at": created_at})
    );
    assert_eq!(id.len(), 36, "a UUID, as in the docs: {id}");
    // 34 characters at 1 credit: held at submit, not yet charged.
    let price = SHORT.chars().count() as u64;
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500 - price, "charged": 0, "refunded": 0, "held": price})
    );

    let seen = poll(&emu, &id, is_final).await;
    for body in &seen[..seen.len() - 1] {
        assert!(body.get("audioUrl").is_none(), "{body}");
    }
    let done = seen.last().unwrap();
    let url = emu.url(&format!("/results/{id}.wav"));
    let completed_at = done["completed_at"].as_i64().unwrap();
    assert!(completed_at >= created_at);
    assert_eq!(
        *done,
        json!({"task_id": id, "status": "completed", "capability": "voice", "action": "clone",
               "model": "v2-emotion", "progress": null, "error": null, "credits_used": null,
               "created_at": created_at, "completed_at": completed_at,
               "metadata": {"order": 7}, "audioUrl": url, "providerUsed": "avatar-emulator"})
    );
    let charged = json!({"credits": 500 - price, "charged": price, "refunded": 0});
    assert_eq!(emu.account(KEY).await, charged);
    // Polling again charges nothing more.
    completed(&emu, &id).await;
    assert_eq!(emu.account(KEY).await, charged);
    // The contract reads it like the page will.
    let task = parse_task(&done.to_string()).unwrap();
    assert_eq!(task.usable_link(Kind::Speech), Some(url.as_str()));
    // The avatar path is for avatar tasks only.
    let elsewhere = emu.get(&format!("/api/v2/avatar/tasks/{id}"), KEY).await;
    assert_eq!(
        (elsewhere.status, elsewhere.code()),
        (StatusCode::NOT_FOUND, "task_not_found")
    );

    let short = fetch(&emu, &url, "audio/wav").await;
    let short_seconds = wav_seconds(&short);
    assert!(short_seconds > 1.0, "{short_seconds}");

    // A longer script takes longer; another reference is another voice; the
    // same script and reference give the same recording.
    let long_id = submit(&emu, CLONE, KEY, &voice(&emu, LONG, "voice-1.wav")).await;
    let other_id = submit(&emu, CLONE, KEY, &voice(&emu, SHORT, "voice-2.wav")).await;
    let again_id = submit(&emu, CLONE, KEY, &voice(&emu, SHORT, "voice-1.wav")).await;
    let mut results = Vec::new();
    for id in [&long_id, &other_id, &again_id] {
        let done = completed(&emu, id).await;
        results.push(fetch(&emu, done["audioUrl"].as_str().unwrap(), "audio/wav").await);
    }
    let ratio = wav_seconds(&results[0]) / short_seconds;
    let chars = LONG.chars().count() as f64 / SHORT.chars().count() as f64;
    assert!(
        (chars * 0.6..chars * 1.4).contains(&ratio),
        "{ratio} vs {chars} times the characters"
    );
    assert_ne!(results[1], short, "another reference, another voice");
    assert_eq!(results[2], short, "the same script and reference");
}

#[tokio::test]
async fn voice_speed_pitch_and_volume_change_the_recording() {
    let emu = Emu::start(&["--speed", "2000"]).await;
    let with = |extra: Value| {
        let mut body = voice(&emu, SHORT, "voice-3.wav");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let mut bytes = Vec::new();
    for extra in [
        json!({}),
        json!({"speed_ratio": 2.0}),
        json!({"pitch_ratio": 5}),
        json!({"volume_ratio": 0.5}),
    ] {
        let id = submit(&emu, CLONE, KEY, &with(extra)).await;
        let done = completed(&emu, &id).await;
        bytes.push(fetch(&emu, done["audioUrl"].as_str().unwrap(), "audio/wav").await);
    }
    let seconds: Vec<f64> = bytes.iter().map(|b| wav_seconds(b)).collect();
    assert!(seconds[1] < seconds[0] * 0.7, "twice as fast: {seconds:?}");
    assert!(
        (seconds[2] - seconds[0]).abs() < 0.1,
        "pitch keeps the length: {seconds:?}"
    );
    assert_ne!(bytes[2], bytes[0]);
    assert_ne!(bytes[3], bytes[0]);
}

#[tokio::test]
async fn bad_voice_requests_are_400_naming_the_field_and_charge_nothing() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--key",
        "sk_demo=500",
        "--key",
        "sk_poor=9",
    ])
    .await;
    let good = voice(&emu, SHORT, "voice-1.wav");
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let unreachable = "http://127.0.0.1:1/voice.wav";
    let cases = [
        (with("text", json!("  ")), "text", "script"),
        (with("text", json!(5)), "text", "must be a string"),
        (with("model", json!("v9")), "model", "v2-emotion"),
        (with("speed_ratio", json!(3)), "speed_ratio", "0.5 to 2"),
        (with("pitch_ratio", json!(-11)), "pitch_ratio", "semitones"),
        (with("volume_ratio", json!(0)), "volume_ratio", "0.1 to 2"),
        (
            with("reference_audio_url", json!("")),
            "reference_audio_url",
            "required",
        ),
        (
            with("reference_audio_url", json!(emu.sample("portrait-1.png"))),
            "reference_audio_url",
            "a picture",
        ),
        // Fetched and probed at submit: a video, or nothing there.
        (
            with("reference_audio_url", json!(emu.sample("talking.mp4"))),
            "reference_audio_url",
            "is a video, not an audio file",
        ),
        (
            with("reference_audio_url", json!(unreachable)),
            "reference_audio_url",
            "could not be downloaded",
        ),
        (
            with("reference_audio_url", json!(emu.url("/samples/none.wav"))),
            "reference_audio_url",
            "HTTP 404",
        ),
        (json!([]), "body", "JSON object"),
    ];
    for (body, field, hint) in cases {
        assert_invalid(&emu.post(CLONE, KEY, &body).await, field, hint);
    }
    let text = emu
        .client
        .post(emu.url(CLONE))
        .bearer_auth(KEY)
        .header("Content-Type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        emu.post(CLONE, "", &good).await.status,
        StatusCode::UNAUTHORIZED
    );
    // 10 characters cost 10; the key has 9.
    let poor = emu
        .post(CLONE, "sk_poor", &voice(&emu, "Ten chars!", "voice-1.wav"))
        .await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED, "{}", poor.text);
    assert_eq!(poor.code(), "insufficient_credits");
    assert_eq!(
        (
            &poor.body["error"]["required"],
            &poor.body["error"]["balance"]
        ),
        (&json!(10.0), &json!(9.0))
    );
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 0, "refunded": 0})
    );
    assert_eq!(emu.account("sk_poor").await["credits"], 9);
    let tasks = emu.get("/_emulator/tasks", "").await;
    assert_eq!(tasks.body["tasks"], json!([]));
}

#[tokio::test]
async fn voice_price_is_a_flag_and_a_failed_clone_releases_its_hold() {
    // Slow enough (about 0.7 s to the failure) to see the hold first.
    let emu = Emu::start(&[
        "--speed",
        "5",
        "--voice-price",
        "2-per-char",
        "--fail-rate",
        "1",
        "--key",
        "sk_demo=25",
    ])
    .await;
    let ten = voice(&emu, "Ten chars!", "voice-1.wav");
    let id = submit(&emu, CLONE, KEY, &ten).await;
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 5, "charged": 0, "refunded": 0, "held": 20})
    );
    let refused = emu.post(CLONE, KEY, &ten).await;
    assert_eq!(
        (
            &refused.body["error"]["required"],
            &refused.body["error"]["balance"]
        ),
        (&json!(20.0), &json!(5.0))
    );
    let failed = poll(&emu, &id, is_final).await.pop().unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "generation_failed");
    assert!(failed.get("audioUrl").is_none());
    // Never charged, so nothing is refunded: the hold goes back.
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 25, "charged": 0, "refunded": 0})
    );

    let free = Emu::start(&[
        "--speed",
        "2000",
        "--voice-price",
        "free",
        "--key",
        "sk_demo=0",
    ])
    .await;
    let id = submit(&free, CLONE, KEY, &voice(&free, SHORT, "voice-2.wav")).await;
    completed(&free, &id).await;
    assert_eq!(
        free.account(KEY).await,
        json!({"credits": 0, "charged": 0, "refunded": 0})
    );
}

#[tokio::test]
async fn image_generate_draws_the_prompt_at_the_aspect_and_is_charged_three_on_completion() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--key",
        "sk_demo=17",
        "--key",
        "sk_more=6",
    ])
    .await;
    let prompt = "A blonde woman in a red jacket at sunset";
    let ask = |prompt: &str, size: &str| json!({"prompt": prompt, "size": size, "seed": 42});
    let accepted = emu.post(IMAGE, KEY, &ask(prompt, "9:16")).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let id = accepted.body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted.body,
        json!({"task_id": id, "status": "pending", "capability": "image", "action": "generate", "model": "gpt-image-2"})
    );
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "32 hex digits, as in the docs: {id}"
    );
    assert_eq!(emu.account(KEY).await["held"], 3);
    let ids = [
        id,
        submit(&emu, IMAGE, KEY, &ask(prompt, "9:16")).await,
        submit(&emu, IMAGE, KEY, &ask("A bald man in a green suit", "9:16")).await,
        submit(&emu, IMAGE, KEY, &ask(prompt, "1:1")).await,
        submit(&emu, IMAGE, KEY, &ask(prompt, "16:9")).await,
    ];
    // 5 × 3 = 15 held of 17: a sixth is refused.
    let sixth = emu.post(IMAGE, KEY, &ask(prompt, "1:1")).await;
    assert_eq!(sixth.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        (
            &sixth.body["error"]["required"],
            &sixth.body["error"]["balance"]
        ),
        (&json!(3.0), &json!(2.0))
    );
    let mut pictures = Vec::new();
    for id in &ids {
        let done = completed(&emu, id).await;
        let url = emu.url(&format!("/results/{id}.png"));
        assert_eq!(done["_type"], "image.generate");
        assert_eq!(
            (&done["capability"], &done["action"], &done["imageUrl"]),
            (&json!("image"), &json!("generate"), &json!(url))
        );
        assert!(done.get("videoUrl").is_none() && done.get("audioUrl").is_none());
        let task = parse_task(&done.to_string()).unwrap();
        assert_eq!(task.usable_link(Kind::Portrait), Some(url.as_str()));
        pictures.push(fetch(&emu, &url, "image/png").await);
    }
    let sizes: Vec<_> = pictures.iter().map(|p| png_size(p)).collect();
    assert_eq!(
        sizes,
        [
            (768, 1344),
            (768, 1344),
            (768, 1344),
            (1024, 1024),
            (1344, 768)
        ]
    );
    assert_eq!(pictures[0], pictures[1], "same prompt and seed");
    assert_ne!(pictures[0], pictures[2], "another prompt");
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 2, "charged": 15, "refunded": 0})
    );
    // Not an avatar task; and its link is only its own extension.
    let elsewhere = emu
        .get(&format!("/api/v2/avatar/tasks/{}", ids[0]), KEY)
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let wrong = emu.get(&format!("/results/{}.mp4", ids[0]), "").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    // Without a seed, each request is a new picture.
    let unseeded = json!({"prompt": prompt});
    let mut drawn = Vec::new();
    for _ in 0..2 {
        let id = submit(&emu, IMAGE, "sk_more", &unseeded).await;
        let done = poll_as(&emu, "sk_more", &id).await;
        drawn.push(fetch(&emu, done["imageUrl"].as_str().unwrap(), "image/png").await);
    }
    assert_ne!(drawn[0], drawn[1]);
    assert_eq!(emu.account("sk_more").await["charged"], 6);
}

/// [`completed`] for another key.
async fn poll_as(emu: &Emu, key: &str, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let body = emu.get(&format!("/api/v2/tasks/{id}"), key).await.body;
        if body["status"] == "completed" {
            return body;
        }
        assert!(
            body["status"] != "failed" && started.elapsed() < Duration::from_secs(60),
            "{body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn bad_image_requests_are_400_naming_the_field_and_charge_nothing() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--key",
        "sk_demo=5",
        "--key",
        "sk_poor=2",
    ])
    .await;
    let refs = |n: usize| -> Vec<String> { (0..n).map(|i| format!("https://x/{i}.png")).collect() };
    let cases = [
        (json!({"prompt": ""}), "prompt", "empty"),
        (
            json!({"prompt": "a", "model": "dall-e"}),
            "model",
            "gpt-image-2",
        ),
        (
            json!({"prompt": "a", "size": "4:3"}),
            "size",
            "1:1, 9:16, 16:9",
        ),
        (
            json!({"prompt": "a", "image_urls": refs(5)}),
            "image_urls",
            "at most 4",
        ),
        (
            json!({"prompt": "a", "model": "gemini-3.1-flash-image-preview", "image_urls": refs(15)}),
            "image_urls",
            "at most 14",
        ),
        (
            json!({"prompt": "a", "image_urls": ["ftp://x/a.png"]}),
            "image_urls",
            "http",
        ),
        (
            json!({"prompt": "a", "seed": "x"}),
            "seed",
            "must be a whole number",
        ),
    ];
    for (body, field, hint) in cases {
        assert_invalid(&emu.post(IMAGE, KEY, &body).await, field, hint);
    }
    let gemini =
        json!({"prompt": "a", "model": "gemini-3.1-flash-image-preview", "image_urls": refs(14)});
    let poor = emu.post(IMAGE, "sk_poor", &gemini).await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED, "{}", poor.text);
    assert_eq!(
        (
            &poor.body["error"]["required"],
            &poor.body["error"]["balance"]
        ),
        (&json!(3.0), &json!(2.0))
    );
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 5, "charged": 0, "refunded": 0})
    );
    // 14 references are fine for Gemini.
    let id = submit(&emu, IMAGE, KEY, &gemini).await;
    assert_eq!(
        completed(&emu, &id).await["model"],
        "gemini-3.1-flash-image-preview"
    );
}

#[tokio::test]
async fn quirk_dialects_apply_to_voice_and_image_answers() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--quirks",
        "wrapped,numeric-ids,capitalized-status,nested-url,model-fallback",
    ])
    .await;
    let bodies = [
        (
            CLONE,
            voice(&emu, SHORT, "voice-1.wav"),
            Kind::Speech,
            "audioUrl",
            "wav",
        ),
        (
            IMAGE,
            json!({"prompt": "a face", "seed": 1}),
            Kind::Portrait,
            "imageUrl",
            "png",
        ),
    ];
    for (path, body, kind, link, extension) in bodies {
        let accepted = emu.post(path, KEY, &body).await;
        assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
        assert_eq!(accepted.body["data"]["status"], "Pending");
        let id = accepted.body["data"]["task_id"].as_u64().unwrap();
        let seen = poll(&emu, &id.to_string(), |b| {
            b["data"]["status"] == "Completed" || b["data"]["status"] == "Failed"
        })
        .await;
        let done = seen.last().unwrap();
        let url = emu.url(&format!("/results/{id}.{extension}"));
        assert_eq!(done["data"]["status"], "Completed", "{done}");
        assert_eq!(done["data"]["task_id"], json!(id));
        assert_eq!(done["data"]["result"], json!({link: url}));
        assert!(done["data"].get(link).is_none());
        let task = parse_task(&done.to_string()).unwrap();
        assert_eq!(task.usable_link(kind), Some(url.as_str()));
        if kind == Kind::Speech {
            // The docs' example: asked v2-emotion, completed as v1-real.
            assert_eq!(accepted.body["data"]["model"], "v2-emotion");
            assert_eq!(done["data"]["model"], "v1-real");
            assert_eq!(done["data"]["providerUsed"], "v1-async");
        } else {
            assert_eq!(done["data"]["model"], "gpt-image-2");
        }
    }
    let error = Emu::start(&["--quirks", "string-errors"]).await;
    let refused = error.post(IMAGE, KEY, &json!({"prompt": ""})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        json!({"error": "Describe the portrait: the prompt is empty."})
    );
}

#[tokio::test]
async fn faults_apply_to_the_new_submits_and_nothing_is_charged() {
    let emu = Emu::start(&["--error-rate", "1", "--seed", "3"]).await;
    for (path, body) in [
        (CLONE, voice(&emu, SHORT, "voice-1.wav")),
        (IMAGE, json!({"prompt": "a face"})),
    ] {
        let answer = emu.post(path, KEY, &body).await;
        assert!(answer.status.is_server_error(), "{}", answer.text);
        assert_eq!(answer.code(), "internal_error");
    }
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 0, "refunded": 0})
    );
    let limited = Emu::start(&["--rate-limit", "1"]).await;
    let body = json!({"prompt": ""});
    assert_eq!(
        limited.post(IMAGE, KEY, &body).await.status,
        StatusCode::BAD_REQUEST
    );
    let second = limited.post(IMAGE, KEY, &body).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn voice_and_image_tasks_survive_a_restart_with_state() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state.json").display().to_string();
    let args = ["--speed", "2000", "--state", &state];
    let first = Emu::start_in(&data, &args).await;
    let clone = submit(&first, CLONE, KEY, &voice(&first, SHORT, "voice-2.wav")).await;
    let image = submit(&first, IMAGE, KEY, &json!({"prompt": "a face", "seed": 5})).await;
    let clone_done = completed(&first, &clone).await;
    let image_done = completed(&first, &image).await;
    let ledger = first.account(KEY).await;

    let second = Emu::start_in(&data, &args).await;
    let moved = |body: &Value, link: &str| {
        body[link]
            .as_str()
            .unwrap()
            .replace(&first.base, &second.base)
    };
    for (id, before, link, content_type) in [
        (&clone, &clone_done, "audioUrl", "audio/wav"),
        (&image, &image_done, "imageUrl", "image/png"),
    ] {
        let after = completed(&second, id).await;
        assert_eq!(after["status"], "completed");
        assert_eq!(after["completed_at"], before["completed_at"]);
        assert_eq!(after["model"], before["model"]);
        assert_eq!(after[link], moved(before, link));
        fetch(&second, after[link].as_str().unwrap(), content_type).await;
    }
    assert_eq!(second.account(KEY).await, ledger);
    assert_eq!(ledger["charged"], SHORT.chars().count() as u64 + 3);
}
