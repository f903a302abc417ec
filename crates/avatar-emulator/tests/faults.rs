//! Faults on demand (/api/v2 only), CORS and latency, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::Emu;
use reqwest::StatusCode;

const TASK: &str = "/api/v2/avatar/tasks/none";

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_in_the_envelope() {
    let emu = Emu::start(&["--rate-limit", "2"]).await;
    let mut ok = 0;
    let mut limited = 0;
    let started = Instant::now();
    for _ in 0..10 {
        let answer = emu.get(TASK, "sk_demo").await;
        match answer.status {
            StatusCode::NOT_FOUND => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                limited += 1;
                assert_eq!(answer.headers["retry-after"], "1");
                assert_eq!(answer.code(), "rate_limited");
                assert_eq!(answer.body["error"]["type"], "rate_limit_error");
                assert_eq!(answer.headers["access-control-allow-origin"], "*");
            }
            other => panic!("unexpected {other}"),
        }
    }
    // The window slides: two in any one second, wherever the second starts.
    if started.elapsed() < Duration::from_secs(1) {
        assert_eq!((ok, limited), (2, 8));
    } else {
        assert!(limited >= 1, "ok {ok}, limited {limited}");
    }
    // Waiting as Retry-After says is enough.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(emu.get(TASK, "sk_demo").await.status, StatusCode::NOT_FOUND);
    // Limits are per key, and outside /api/v2 nothing is limited.
    assert_eq!(
        emu.get(TASK, "sk_other").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(emu.get("/samples/", "").await.status, StatusCode::OK);
}

#[tokio::test]
async fn retry_after_is_configurable() {
    let emu = Emu::start(&["--rate-limit", "1", "--retry-after", "7"]).await;
    for _ in 0..3 {
        let answer = emu.get(TASK, "sk_demo").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.headers["retry-after"], "7");
            assert!(
                answer.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("retry in 7 s")
            );
            return;
        }
    }
    panic!("three quick requests against a limit of one per second were never limited");
}

async fn statuses(seed: &str) -> Vec<u16> {
    let emu = Emu::start(&["--error-rate", "0.3", "--seed", seed]).await;
    let mut out = Vec::new();
    for _ in 0..100 {
        let answer = emu.get(TASK, "sk_demo").await;
        if answer.status.is_server_error() {
            assert_eq!(answer.code(), "internal_error");
            assert_eq!(answer.body["error"]["type"], "api_error");
        }
        out.push(answer.status.as_u16());
    }
    // Outside /api/v2 there are no injected errors.
    for _ in 0..20 {
        assert_eq!(emu.get("/samples/", "").await.status, StatusCode::OK);
    }
    out
}

#[tokio::test]
async fn error_rate_injects_500_502_503_repeatably_with_a_seed() {
    let first = statuses("7").await;
    let errors = first.iter().filter(|s| **s >= 500).count();
    assert!((15..=45).contains(&errors), "{errors} of 100");
    for code in [500, 502, 503] {
        assert!(first.contains(&code), "{code} never injected");
    }
    assert!(first.iter().all(|s| [404, 500, 502, 503].contains(s)));
    assert_eq!(statuses("7").await, first);
    assert_ne!(statuses("8").await, first);
}

#[tokio::test]
async fn latency_delays_api_requests() {
    let emu = Emu::start(&["--latency", "300"]).await;
    let started = Instant::now();
    emu.get(TASK, "sk_demo").await;
    assert!(started.elapsed() >= Duration::from_millis(225));
}

#[tokio::test]
async fn cors_preflight_allows_the_page_and_exposes_retry_after() {
    let emu = Emu::start(&[]).await;
    let preflight = emu
        .client
        .request(reqwest::Method::OPTIONS, emu.url("/api/v2/avatar/generate"))
        .header("Origin", "http://127.0.0.1:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let actual = emu
        .client
        .get(emu.url(TASK))
        .header("Origin", "http://127.0.0.1:8080")
        .bearer_auth("sk_demo")
        .send()
        .await
        .unwrap();
    let exposed = actual.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
}
