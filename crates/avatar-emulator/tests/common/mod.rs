//! Starts emulators on loopback and talks to them over real HTTP.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use avatar_emulator::{EmulatorConfig, prepare};
use clap::Parser;
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// Samples are generated once and shared by every test binary.
pub fn samples_dir() -> String {
    format!("{}/emulator-samples", env!("CARGO_TARGET_TMPDIR"))
}

/// A running emulator.
pub struct Emu {
    pub base: String,
    pub client: Client,
    _data: Option<tempfile::TempDir>,
}

/// An answer: status, headers, the JSON body (Null when not JSON) and the raw text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The error envelope's code.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// Asserts a 400 `invalid_request` naming `field`, with `hint` in its message.
pub fn assert_invalid(answer: &Answer, field: &str, hint: &str) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert_eq!(answer.code(), "invalid_request", "{}", answer.text);
    assert_eq!(answer.body["error"]["param"], field, "{}", answer.text);
    let message = answer.body["error"]["details"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains(hint), "{message} lacks {hint}");
}

impl Emu {
    /// Starts an emulator in this test's runtime with extra CLI `args`.
    pub async fn start(args: &[&str]) -> Emu {
        let data = tempfile::tempdir().unwrap();
        let mut emu = Emu::start_in(data.path(), args).await;
        emu._data = Some(data);
        emu
    }

    /// Starts an emulator whose `--data-dir` is `data`, left in place after
    /// it (so a "restarted" one with the same `--state` finds its results).
    pub async fn start_in(data: &std::path::Path, args: &[&str]) -> Emu {
        let samples = samples_dir();
        let data_dir = data.display().to_string();
        let mut argv = vec![
            "avatar-emulator",
            "--listen",
            "127.0.0.1:0",
            "--samples-dir",
            &samples,
            "--data-dir",
            &data_dir,
        ];
        argv.extend_from_slice(args);
        let emulator = prepare(EmulatorConfig::parse_from(argv)).await.unwrap();
        let base = format!("http://{}", emulator.addr);
        tokio::spawn(emulator.serve(std::future::pending()));
        Emu {
            base,
            client: Client::new(),
            _data: None,
        }
    }

    /// A client for an emulator running elsewhere (e.g. the binary).
    pub fn attach(base: &str, _data: &std::path::Path) -> Emu {
        Emu {
            base: base.to_owned(),
            client: Client::new(),
            _data: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn sample(&self, name: &str) -> String {
        self.url(&format!("/samples/{name}"))
    }

    pub async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// POSTs JSON with a bearer key (none when `key` is empty).
    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Answer {
        let mut request = self.client.post(self.url(path)).json(body);
        if !key.is_empty() {
            request = request.bearer_auth(key);
        }
        Emu::answer(request.send().await.unwrap()).await
    }

    /// GETs with a bearer key (none when `key` is empty).
    pub async fn get(&self, path: &str, key: &str) -> Answer {
        let mut request = self.client.get(self.url(path));
        if !key.is_empty() {
            request = request.bearer_auth(key);
        }
        Emu::answer(request.send().await.unwrap()).await
    }

    /// Submits a Pro request with the sample portrait and speech merged with `extra`.
    pub async fn submit_pro(&self, key: &str, extra: Value) -> Answer {
        let mut body = json!({
            "image_url": self.sample("portrait-1.png"),
            "audio_url": self.sample("speech-1.mp3"),
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/api/v2/avatar/generate", key, &body).await
    }

    /// Polls a task until it is final (or panics after `limit`), returning every body seen.
    pub async fn wait_final(&self, key: &str, task_id: &str, limit: Duration) -> Vec<Value> {
        let started = Instant::now();
        let mut seen = Vec::new();
        loop {
            let answer = self
                .get(&format!("/api/v2/avatar/tasks/{task_id}"), key)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            let status = answer.body["status"].as_str().unwrap().to_owned();
            seen.push(answer.body);
            if status == "completed" || status == "failed" {
                return seen;
            }
            assert!(
                started.elapsed() < limit,
                "task {task_id} still {status} after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submits a Pro request (as [`Emu::submit_pro`]) and polls it until
    /// it is completed (panics if it fails or takes longer than `limit`).
    pub async fn complete_pro(&self, key: &str, extra: Value, limit: Duration) -> Completed {
        let started = Instant::now();
        let mut not_before = started;
        let submit = self.submit_pro(key, extra).await;
        assert_eq!(submit.status, StatusCode::ACCEPTED, "{}", submit.text);
        let task_id = submit.body["task_id"].as_str().unwrap().to_owned();
        loop {
            let sent = Instant::now();
            let answer = self
                .get(&format!("/api/v2/avatar/tasks/{task_id}"), key)
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            match answer.body["status"].as_str().unwrap() {
                "completed" => {
                    return Completed {
                        video_url: answer.body["videoUrl"].as_str().unwrap().to_owned(),
                        task_id,
                        between: not_before..Instant::now(),
                    };
                }
                "failed" => panic!("task {task_id} failed: {}", answer.body),
                status => assert!(
                    started.elapsed() < limit,
                    "task {task_id} still {status} after {limit:?}"
                ),
            }
            // Still unfinished when this poll was sent: it completed later.
            not_before = sent;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The ledger of `key`.
    pub async fn account(&self, key: &str) -> Value {
        let answer = self.get(&format!("/_emulator/accounts/{key}"), "").await;
        assert_eq!(answer.status, StatusCode::OK);
        answer.body
    }
}

/// A completed task, from [`Emu::complete_pro`].
pub struct Completed {
    pub task_id: String,
    pub video_url: String,
    /// It completed within this span of the test's clock.
    pub between: std::ops::Range<Instant>,
}

/// What ffprobe says about a video: (width, height, frames per second, seconds, has audio).
pub fn ffprobe(path: &std::path::Path) -> (u64, u64, f64, f64, bool) {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries"])
        .arg("stream=codec_type,codec_name,width,height,r_frame_rate:format=duration")
        .args(["-of", "json"])
        .arg(path)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = json["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video["codec_name"], "h264");
    let audio = streams
        .iter()
        .any(|s| s["codec_type"] == "audio" && s["codec_name"] == "aac");
    let (num, den) = video["r_frame_rate"]
        .as_str()
        .unwrap()
        .split_once('/')
        .unwrap();
    let fps = num.parse::<f64>().unwrap() / den.parse::<f64>().unwrap();
    let seconds: f64 = json["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (
        video["width"].as_u64().unwrap(),
        video["height"].as_u64().unwrap(),
        fps,
        seconds,
        audio,
    )
}

/// Downloads `url` into a temporary file.
pub async fn download(client: &Client, url: &str) -> tempfile::NamedTempFile {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(response.headers()["content-type"], "video/mp4");
    let bytes = response.bytes().await.unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    file
}
