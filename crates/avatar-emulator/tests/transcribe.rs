//! Voice transcribe over real HTTP: the emulator's own speech heard
//! sentence by sentence (also inside a video it rendered), any other audio
//! as stand-in segments between silences, the price pre-deducted and
//! refunded on failure, every bad input, the quirks of the segments, and
//! a voice clone's `generate_subtitle` link to an `.srt`.

mod common;

use std::time::{Duration, Instant};

use avatar_api::captions::{parse, sentences};
use avatar_api::response::parse_task;
use avatar_api::transcribe::Subtitles;
use common::{Emu, assert_invalid};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "sk_demo";
const CLONE: &str = "/api/v2/voice/clone";
const TRANSCRIBE: &str = "/api/v2/voice/transcribe";
const SCRIPT: &str = "Hello there, this is the first sentence. Is this the second one? \
    Yes, and here is the third!";

/// Polls `path` + `id` as `key` until `done` says so; the last body.
async fn poll_at(emu: &Emu, key: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let answer = emu.get(path, key).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        if done(&answer.body) {
            return answer.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not done: {}",
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn is_final(body: &Value) -> bool {
    body["status"] == "completed" || body["status"] == "failed"
}

/// A transcription's last body (completed or failed).
async fn transcription(emu: &Emu, id: &str) -> Value {
    poll_at(emu, KEY, &format!("{TRANSCRIBE}/{id}"), is_final).await
}

/// Submits `body` to `path`, expecting 202; the task id.
async fn submit(emu: &Emu, path: &str, body: &Value) -> String {
    let answer = emu.post(path, KEY, body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    answer.body["task_id"].as_str().unwrap().to_owned()
}

/// Clones `script` (with `extra` fields) and waits for it; the completed body.
async fn speech(emu: &Emu, script: &str, extra: Value) -> Value {
    let mut body = json!({"text": script, "reference_audio_url": emu.sample("voice-1.wav")});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let id = submit(emu, CLONE, &body).await;
    let done = poll_at(emu, KEY, &format!("/api/v2/tasks/{id}"), is_final).await;
    assert_eq!(done["status"], "completed", "{done}");
    done
}

/// Seconds of the media at `url`, by ffprobe.
async fn seconds_of(emu: &Emu, url: &str) -> f64 {
    let bytes = emu
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(file.path())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The segments of a completed transcription as (start, end, text).
fn segments(body: &Value) -> Vec<(f64, f64, String)> {
    (body["segments"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["start"].as_f64().unwrap(),
                s["end"].as_f64().unwrap(),
                s["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn own_speech_is_heard_sentence_by_sentence_and_its_subtitles_match() {
    let emu = Emu::start(&["--speed", "2000", "--progress", "null"]).await;
    let clone = speech(&emu, SCRIPT, json!({"generate_subtitle": true})).await;
    let audio = clone["audioUrl"].as_str().unwrap();
    let clone_id = clone["task_id"].as_str().unwrap();
    let length = seconds_of(&emu, audio).await;
    let clone_price = SCRIPT.chars().count() as u64;
    assert_eq!(emu.account(KEY).await["charged"], clone_price);

    let price = length.ceil() as u64;
    let body = json!({"audio_url": audio, "duration_seconds": length, "metadata": {"row": 3}});
    let accepted = emu.post(TRANSCRIBE, KEY, &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let id = accepted.body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted.body,
        json!({"task_id": id, "status": "pending", "capability": "voice", "action": "transcribe"})
    );
    // Pre-deducted at submit, not held.
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500 - clone_price - price, "charged": clone_price + price, "refunded": 0})
    );
    // Only its own path answers for it.
    for path in ["/api/v2/tasks/", "/api/v2/avatar/tasks/"] {
        let elsewhere = emu.get(&format!("{path}{id}"), KEY).await;
        assert_eq!(
            (elsewhere.status, elsewhere.code()),
            (StatusCode::NOT_FOUND, "task_not_found"),
            "{path}"
        );
    }
    let other = emu.get(&format!("{TRANSCRIBE}/{clone_id}"), KEY).await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "a clone is not a transcription"
    );

    let done = transcription(&emu, &id).await;
    let created_at = &done["created_at"];
    let completed_at = &done["completed_at"];
    let said = sentences(SCRIPT);
    let heard = segments(&done);
    assert_eq!(
        done,
        json!({"task_id": id, "status": "completed", "capability": "voice", "action": "transcribe",
               "progress": null, "error": null, "credits_used": null, "created_at": created_at,
               "completed_at": completed_at, "metadata": {"row": 3},
               "providerUsed": "avatar-emulator", "_type": "voice.transcribe",
               "text": said.join(" "), "language": "en", "segments": done["segments"]})
    );
    let texts: Vec<&str> = heard.iter().map(|s| s.2.as_str()).collect();
    assert_eq!(texts, said, "one segment per sentence of the script");
    assert_eq!(heard[0].0, 0.0);
    for pair in heard.windows(2) {
        assert!(pair[0].0 < pair[0].1, "{heard:?}");
        assert_eq!(
            pair[0].1, pair[1].0,
            "sentences follow each other: {heard:?}"
        );
    }
    let last_end = heard.last().unwrap().1;
    assert!((last_end - length).abs() < 0.05, "{last_end} vs {length}");
    // Each sentence takes time in proportion to its length.
    let second = heard[1].1 - heard[1].0;
    assert!(second > 0.8, "{heard:?}");
    // The contract reads it as the page will.
    let task = parse_task(&done.to_string()).unwrap();
    let transcript = task.transcript.unwrap();
    assert_eq!(transcript.segments.len(), 3);
    assert_eq!(transcript.language.as_deref(), Some("en"));

    // The clone's subtitles: the same sentences at the same times, no extra charge.
    let link = clone["subtitleUrl"].as_str().unwrap();
    assert_eq!(link, emu.url(&format!("/results/{clone_id}.srt")));
    assert_eq!(
        parse_task(&clone.to_string()).unwrap().subtitles,
        Some(Subtitles::Link(link.to_owned()))
    );
    let response = emu.client.get(link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let srt = response.text().await.unwrap();
    assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:0"), "{srt}");
    assert_eq!(parse(&srt), transcript.segments);
    let file = tempfile::Builder::new().suffix(".srt").tempfile().unwrap();
    std::fs::write(file.path(), &srt).unwrap();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(probe.status.success());
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "subrip");
    assert_eq!(emu.account(KEY).await["charged"], clone_price + price);
    // Without generate_subtitle there is no field and no file.
    let plain = speech(&emu, "Just one.", json!({})).await;
    assert!(plain.get("subtitleUrl").is_none(), "{plain}");
    let plain_srt = format!("/results/{}.srt", plain["task_id"].as_str().unwrap());
    assert_eq!(emu.get(&plain_srt, "").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_video_of_own_speech_has_its_words_cut_at_the_video_end_and_url_is_an_alias() {
    let emu = Emu::start(&["--speed", "2000"]).await;
    let clone = speech(&emu, SCRIPT, json!({})).await;
    let audio = clone["audioUrl"].as_str().unwrap().to_owned();
    let length = seconds_of(&emu, &audio).await;
    assert!(length > 5.5, "the speech outlasts a 5 s video: {length}");
    let video = emu
        .complete_pro(
            KEY,
            json!({"audio_url": audio, "duration": 5, "resolution": 720}),
            Duration::from_secs(60),
        )
        .await;
    let video_length = seconds_of(&emu, &video.video_url).await;
    let id = submit(
        &emu,
        TRANSCRIBE,
        &json!({"url": video.video_url, "duration_seconds": 5}),
    )
    .await;
    let done = transcription(&emu, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let heard = segments(&done);
    let whole = segments(&{
        let id = submit(
            &emu,
            TRANSCRIBE,
            &json!({"audio_url": audio, "duration_seconds": length, "language": "en-GB"}),
        )
        .await;
        let whole = transcription(&emu, &id).await;
        assert_eq!(whole["language"], "en-GB", "the language asked for");
        whole
    });
    assert!(!heard.is_empty() && heard.len() <= whole.len(), "{heard:?}");
    let last = heard.len() - 1;
    assert!(
        heard[last].1 < whole[last].1,
        "the last one heard is cut: {heard:?}"
    );
    assert_eq!(heard[..last], whole[..last], "the same words and times");
    assert_eq!(heard[last].0, whole[last].0);
    assert_eq!(heard[last].2, whole[last].2);
    assert!(
        (heard[last].1 - video_length).abs() < 0.002,
        "cut at the video's end: {heard:?} vs {video_length}"
    );
}

#[tokio::test]
async fn other_audio_gets_stand_in_segments_timed_by_silence() {
    let emu = Emu::start(&["--speed", "2000"]).await;
    let samples = emu.get("/samples/", "").await.body;
    let length = samples["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "speech-2.mp3")
        .unwrap()["duration_seconds"]
        .as_f64()
        .unwrap();
    let id = submit(
        &emu,
        TRANSCRIBE,
        &json!({"audio_url": emu.sample("speech-2.mp3"), "duration_seconds": length}),
    )
    .await;
    let done = transcription(&emu, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["language"], "en");
    let heard = segments(&done);
    assert!(heard.len() >= 2, "pauses split the speech: {heard:?}");
    for (start, end, text) in &heard {
        assert!(start < end && *end <= length + 0.01, "{heard:?}");
        let expected = format!(
            "[Emulator stand-in: speech from {start:.2} s to {end:.2} s. The emulator does not recognise words.]"
        );
        assert_eq!(*text, expected);
    }
    for pair in heard.windows(2) {
        assert!(pair[0].1 < pair[1].0, "silence between: {heard:?}");
    }
    let texts: Vec<&str> = heard.iter().map(|s| s.2.as_str()).collect();
    assert_eq!(done["text"], texts.join(" "));
    assert_eq!(emu.account(KEY).await["charged"], length.ceil() as u64);
}

#[tokio::test]
async fn bad_requests_are_400_or_402_and_charge_nothing() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--key",
        "sk_demo=500",
        "--key",
        "sk_poor=5",
    ])
    .await;
    let sample = emu.sample("speech-1.mp3");
    let cases = [
        (json!({"audio_url": sample}), "duration_seconds", "required"),
        (
            json!({"audio_url": sample, "duration_seconds": 0}),
            "duration_seconds",
            "",
        ),
        (json!({"duration_seconds": 5}), "audio_url", "required"),
        (
            json!({"url": "ftp://x/a.mp3", "duration_seconds": 5}),
            "audio_url",
            "http",
        ),
        (
            json!({"audio_url": sample, "duration_seconds": "6"}),
            "duration_seconds",
            "must be a number",
        ),
        // The real length is about 6 s.
        (
            json!({"audio_url": sample, "duration_seconds": 20}),
            "duration_seconds",
            "duration_seconds is 20 but the audio at audio_url is 5.",
        ),
        (
            json!({"audio_url": sample, "duration_seconds": 3.5}),
            "duration_seconds",
            "more than 1 s apart",
        ),
    ];
    for (body, field, hint) in cases {
        assert_invalid(&emu.post(TRANSCRIBE, KEY, &body).await, field, hint);
    }
    let poor = emu
        .post(
            TRANSCRIBE,
            "sk_poor",
            &json!({"audio_url": sample, "duration_seconds": 5.2}),
        )
        .await;
    assert_eq!(poor.status, StatusCode::PAYMENT_REQUIRED, "{}", poor.text);
    assert_eq!(poor.code(), "insufficient_credits");
    assert_eq!(
        (
            &poor.body["error"]["required"],
            &poor.body["error"]["balance"]
        ),
        (&json!(6.0), &json!(5.0))
    );
    assert_eq!(
        emu.post(TRANSCRIBE, "", &json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        emu.get(&format!("{TRANSCRIBE}/nope"), KEY).await.code(),
        "task_not_found"
    );
    assert_eq!(
        emu.get(TRANSCRIBE, KEY).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 500, "charged": 0, "refunded": 0})
    );
    assert_eq!(
        emu.get("/_emulator/tasks", "").await.body["tasks"],
        json!([])
    );

    // Within the tolerance: accepted (a length rounded up by the browser).
    let real = emu.get("/samples/", "").await.body["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "speech-1.mp3")
        .unwrap()["duration_seconds"]
        .as_f64()
        .unwrap();
    let rounded = json!({"audio_url": sample, "duration_seconds": real.ceil() + 0.5});
    assert!((real.ceil() + 0.5 - real) <= 1.0);
    submit(&emu, TRANSCRIBE, &rounded).await;

    // The same refusal in the other error dialects.
    let missing = json!({"audio_url": sample});
    let detail = Emu::start(&["--quirks", "detail-errors"]).await;
    let answer = detail.post(TRANSCRIBE, KEY, &missing).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body["detail"][0]["loc"],
        json!(["body", "duration_seconds"])
    );
    let string = Emu::start(&["--quirks", "string-errors"]).await;
    let answer = string
        .post(
            TRANSCRIBE,
            KEY,
            &json!({"audio_url": string.sample("speech-1.mp3"), "duration_seconds": 30}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap()
            .starts_with("duration_seconds is 30 but"),
        "{}",
        answer.text
    );

    // Faults apply before anything is charged.
    let faulty = Emu::start(&["--error-rate", "1", "--seed", "5"]).await;
    let answer = faulty
        .post(
            TRANSCRIBE,
            KEY,
            &json!({"audio_url": faulty.sample("speech-1.mp3"), "duration_seconds": real}),
        )
        .await;
    assert!(answer.status.is_server_error(), "{}", answer.text);
    assert_eq!(faulty.account(KEY).await["charged"], 0);
}

#[tokio::test]
async fn audio_that_cannot_be_heard_fails_the_task_and_is_refunded() {
    let emu = Emu::start(&["--speed", "2000", "--key", "sk_demo=30"]).await;
    let cases = [
        ("http://127.0.0.1:1/speech.wav", "could not be downloaded"),
        (&*emu.url("/samples/none.wav"), "HTTP 404"),
        (
            &*emu.sample("portrait-1.png"),
            "is an image, not an audio file or a video",
        ),
    ];
    for (n, (url, hint)) in (1..).zip(cases) {
        let id = submit(
            &emu,
            TRANSCRIBE,
            &json!({"audio_url": url, "duration_seconds": 9.5}),
        )
        .await;
        // Charged at submit; the refund may already be back (the task fails fast).
        assert_eq!(emu.account(KEY).await["charged"], 10 * n, "10 pre-deducted");
        let failed = transcription(&emu, &id).await;
        assert_eq!(failed["status"], "failed", "{failed}");
        assert_eq!(failed["error"]["code"], "media_unavailable");
        assert_eq!(failed["error"]["type"], "api_error");
        let message = failed["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("audio_url ({url})")),
            "{message}"
        );
        assert!(message.contains(hint), "{message} lacks {hint}");
        assert!(failed.get("segments").is_none() && failed.get("_type").is_none());
        assert_eq!(emu.account(KEY).await["credits"], 30, "refunded");
    }
    assert_eq!(
        emu.account(KEY).await,
        json!({"credits": 30, "charged": 30, "refunded": 30})
    );
}

#[tokio::test]
async fn quirks_reshape_the_segments_and_the_subtitle_field() {
    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--quirks",
        "unordered-segments,segments-as-strings",
    ])
    .await;
    let clone = speech(&emu, SCRIPT, json!({})).await;
    let audio = clone["audioUrl"].as_str().unwrap();
    let length = seconds_of(&emu, audio).await;
    let id = submit(
        &emu,
        TRANSCRIBE,
        &json!({"audio_url": audio, "duration_seconds": length}),
    )
    .await;
    let done = transcription(&emu, &id).await;
    let listed = done["segments"].as_array().unwrap();
    let said = sentences(SCRIPT);
    let texts: Vec<&str> = listed.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert_eq!(texts, [&said[1], &said[0], &said[2]], "neighbours swapped");
    for s in listed {
        let start = s["start"].as_str().unwrap();
        assert!(start.split_once('.').unwrap().1.len() == 2, "{s}");
    }
    let end = |i: usize| listed[i]["end"].as_str().unwrap().parse::<f64>().unwrap();
    let start = |i: usize| listed[i]["start"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(
        (end(1) - start(0) - 0.2).abs() < 0.011,
        "overlaps the next by 200 ms: {done}"
    );
    // The contract still reads every segment.
    let transcript = parse_task(&done.to_string()).unwrap().transcript.unwrap();
    assert_eq!((transcript.segments.len(), transcript.unreadable), (3, 0));

    let emu = Emu::start(&[
        "--speed",
        "2000",
        "--subtitle-field",
        "srt_url",
        "--quirks",
        "whisper-segments,nested-url,wrapped,numeric-ids,capitalized-status,signed-results",
    ])
    .await;
    let accepted = emu
        .post(
            CLONE,
            KEY,
            &json!({"text": SCRIPT, "reference_audio_url": emu.sample("voice-2.wav"), "generate_subtitle": true}),
        )
        .await;
    let clone_id = accepted.body["data"]["task_id"].as_u64().unwrap();
    let clone = poll_at(&emu, KEY, &format!("/api/v2/tasks/{clone_id}"), |b| {
        b["data"]["status"] == "Completed"
    })
    .await;
    let result = &clone["data"]["result"];
    let srt_link = result["srt_url"].as_str().unwrap();
    assert!(
        srt_link.starts_with(&emu.url(&format!("/results/{clone_id}.srt?X-Amz-Expires="))),
        "{clone}"
    );
    assert!(clone["data"].get("subtitleUrl").is_none());
    let srt = emu.client.get(srt_link).send().await.unwrap();
    assert_eq!(srt.status(), StatusCode::OK);
    let unsigned = emu.get(&format!("/results/{clone_id}.srt"), "").await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    let audio = result["audioUrl"].as_str().unwrap();
    let length = seconds_of(&emu, audio).await;
    let accepted = emu
        .post(
            TRANSCRIBE,
            KEY,
            &json!({"audio_url": audio, "duration_seconds": length}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    assert_eq!(accepted.body["data"]["status"], "Pending");
    let id = accepted.body["data"]["task_id"].as_u64().unwrap();
    let done = poll_at(&emu, KEY, &format!("{TRANSCRIBE}/{id}"), |b| {
        b["data"]["status"] == "Completed"
    })
    .await;
    let body = &done["data"];
    assert_eq!(body["_type"], "voice.transcribe");
    assert!(
        body.get("segments").is_none(),
        "nested under result: {done}"
    );
    let first = &body["result"]["segments"][0];
    assert_eq!(first["id"], 0);
    assert_eq!(first["seek"], 0);
    assert_eq!(first["text"], format!(" {}", sentences(SCRIPT)[0]));
    assert!(first["tokens"].as_array().unwrap().len() >= 5, "{first}");
    assert!(first["avg_logprob"].is_f64());
    assert_eq!(first["words"][0]["word"], " Hello");
    assert_eq!(first["words"][0]["start"], 0.0);
    let transcript = parse_task(&done.to_string()).unwrap().transcript.unwrap();
    let texts: Vec<_> = transcript.segments.iter().map(|s| s.text.clone()).collect();
    assert_eq!(texts, sentences(SCRIPT), "trimmed by the contract");
}

#[tokio::test]
async fn transcriptions_survive_a_restart_with_state() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state.json").display().to_string();
    let args = ["--speed", "2000", "--state", &state];
    let first = Emu::start_in(&data, &args).await;
    let clone = speech(&first, SCRIPT, json!({"generate_subtitle": true})).await;
    let audio = clone["audioUrl"].as_str().unwrap();
    let length = seconds_of(&first, audio).await;
    let id = submit(
        &first,
        TRANSCRIBE,
        &json!({"audio_url": audio, "duration_seconds": length}),
    )
    .await;
    let before = transcription(&first, &id).await;

    let second = Emu::start_in(&data, &args).await;
    let after = transcription(&second, &id).await;
    assert_eq!(after, before);
    // The clone's timings were saved too: its speech is still heard as its sentences.
    let moved = audio.replace(&first.base, &second.base);
    let again = submit(
        &second,
        TRANSCRIBE,
        &json!({"audio_url": moved, "duration_seconds": length}),
    )
    .await;
    assert_eq!(
        transcription(&second, &again).await["segments"],
        before["segments"]
    );
    let srt = format!("/results/{}.srt", clone["task_id"].as_str().unwrap());
    assert_eq!(second.get(&srt, "").await.status, StatusCode::OK);
}
