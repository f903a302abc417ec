//! The real binary: its command line, its `listening on` line, and a crash
//! (SIGKILL) and restart with `--state` that loses nothing acknowledged and
//! mints no credits.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Emu, samples_dir};
use reqwest::StatusCode;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_avatar-emulator");

/// A running binary, killed (like a crash) when dropped, also when a test panics.
struct Running(Child);

impl Running {
    fn crash(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads the address from its first stdout line.
fn spawn(listen: &str, args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", listen, "--samples-dir", &samples_dir()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    (Running(child), base)
}

/// A client for a binary started with [`spawn`].
fn attach(base: &str, data: &Path) -> Emu {
    Emu::attach(base, data)
}

#[test]
fn help_documents_every_flag_and_bad_flags_are_refused() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--key",
        "--speed",
        "--progress",
        "--fail-rate",
        "--error-rate",
        "--latency",
        "--rate-limit",
        "--seed",
        "--data-dir",
        "--state",
        "--public-url",
        "--samples-dir",
        "--max-download-mb",
        "--download-timeout",
        "--max-results-mb",
        "--result-ttl",
        "--voice-price",
    ] {
        assert!(text.contains(flag), "--help does not mention {flag}");
    }
    let (any_port, _) = spawn("127.0.0.1:0", &["--key", "sk_x=1"]);
    any_port.crash();
    let bad = Command::new(BIN)
        .args(["--fail-rate", "2"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("probability"));
}

#[tokio::test]
async fn a_crash_and_restart_with_state_keeps_tasks_results_and_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.display().to_string();
    let args = [
        "--state",
        &state_arg,
        "--key",
        "sk_demo=100",
        "--speed",
        "60",
    ];

    // Inputs are URLs of this emulator's own samples: keep the port across the restart.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let (first, base) = spawn(&listen, &args);
    let emu = attach(&base, dir.path());
    let done = emu
        .submit_pro("sk_demo", json!({"duration": 5, "resolution": 720}))
        .await;
    let done_id = done.body["task_id"].as_str().unwrap().to_owned();
    let failed = emu
        .submit_pro(
            "sk_demo",
            json!({"duration": 5, "resolution": 720, "image_url": "http://127.0.0.1:9/x.png"}),
        )
        .await;
    let failed_id = failed.body["task_id"].as_str().unwrap().to_owned();
    let seen = emu
        .wait_final("sk_demo", &done_id, Duration::from_secs(60))
        .await;
    let video_url = seen.last().unwrap()["videoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    emu.wait_final("sk_demo", &failed_id, Duration::from_secs(60))
        .await;
    let open = emu
        .submit_pro("sk_demo", json!({"duration": 5, "resolution": 720}))
        .await;
    assert_eq!(open.status, StatusCode::ACCEPTED);
    let open_id = open.body["task_id"].as_str().unwrap().to_owned();
    // Crash right after the 202: what was acknowledged must survive.
    first.crash();

    let (second, base) = spawn(&listen, &args);
    let emu = attach(&base, dir.path());
    // Two tasks of 8 charged, the failed one refunded: --key sk_demo=100 mints nothing.
    assert_eq!(
        emu.account("sk_demo").await,
        json!({"credits": 84, "charged": 24, "refunded": 8})
    );
    let finished = emu
        .get(&format!("/api/v2/avatar/tasks/{done_id}"), "sk_demo")
        .await;
    assert_eq!(finished.body["status"], "completed");
    assert_eq!(finished.body["videoUrl"], video_url);
    let file = common::download(&emu.client, &video_url).await;
    assert_eq!(common::ffprobe(file.path()).0, 540);
    let failed = emu
        .get(&format!("/api/v2/avatar/tasks/{failed_id}"), "sk_demo")
        .await;
    assert_eq!(failed.body["status"], "failed");
    assert_eq!(failed.body["error"]["code"], "media_unavailable");
    // The unfinished task resumes and completes with a playable result.
    let seen = emu
        .wait_final("sk_demo", &open_id, Duration::from_secs(60))
        .await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    let file = common::download(&emu.client, last["videoUrl"].as_str().unwrap()).await;
    assert_eq!(common::ffprobe(file.path()).0, 540);
    second.crash();
}
