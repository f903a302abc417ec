//! Property-based fuzzing of the HTTP surface: whatever a client sends
//! (bodies, content types, keys, ids), a client mistake is never a 5xx and
//! every error is the JSON envelope.

mod common;

use std::sync::OnceLock;

use common::Emu;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

struct Fixture {
    runtime: tokio::runtime::Runtime,
    emu: Emu,
}

/// One emulator for every case; the key can afford a few accepted tasks.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emu = runtime.block_on(Emu::start(&[
            "--key",
            "sk_fuzz=60",
            "--download-timeout",
            "2",
        ]));
        Fixture { runtime, emu }
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|n| json!(n)),
        prop_oneof![0u32..40, Just(720), Just(1280), Just(1536)].prop_map(|n| json!(n)),
        ".{0,24}".prop_map(Value::String),
        "https?://[a-z0-9.:/]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Objects using the API's real field names with arbitrary values.
fn near_valid_body() -> impl Strategy<Value = Value> {
    let field = prop::sample::select(vec![
        "image_url",
        "audio_url",
        "duration",
        "audio_duration_seconds",
        "resolution",
        "framerate",
        "motion_prompt",
        "input_video_url",
        "width",
        "height",
        "dual_image_url",
        "audio_mix_url",
        "audio1_url",
        "audio2_url",
        "mask1_url",
        "resize_mode",
        "metadata",
    ]);
    prop::collection::btree_map(field, json_value(), 0..8)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => near_valid_body().prop_map(Body::Json),
        1 => json_value().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Body::Bytes),
    ]
}

fn auth() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("Bearer sk_fuzz".to_owned())),
        Just(Some("Bearer sk_nobody".to_owned())),
        "[ -~]{0,24}".prop_map(Some),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(Some("application/json".to_owned())),
        Just(Some("application/json; charset=utf-8".to_owned())),
        Just(None),
        "[ -~]{0,24}".prop_map(Some),
    ]
}

fn path() -> impl Strategy<Value = (bool, String)> {
    prop_oneof![
        Just((true, "/api/v2/avatar/generate".to_owned())),
        Just((true, "/api/v2/avatar/digital-human".to_owned())),
        Just((true, "/api/v2/avatar/dual".to_owned())),
        "[a-zA-Z0-9_%-]{0,16}".prop_map(|id| (false, format!("/api/v2/avatar/tasks/{id}"))),
        "[a-zA-Z0-9_%-]{0,16}".prop_map(|id| (false, format!("/api/v2/tasks/{id}"))),
        "[a-z/]{0,12}".prop_map(|p| (true, format!("/api/v2/{p}"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn client_mistakes_are_never_5xx_and_always_the_envelope(
        (post, path) in path(),
        auth in auth(),
        content_type in content_type(),
        body in body(),
    ) {
        let f = fixture();
        let (status, text) = f.runtime.block_on(async {
            let url = f.emu.url(&path);
            let mut request = if post { f.emu.client.post(url) } else { f.emu.client.get(url) };
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth.as_str());
            }
            if let Some(ct) = &content_type {
                request = request.header("Content-Type", ct.as_str());
            }
            request = match &body {
                Body::Json(v) => request.body(v.to_string()),
                Body::Bytes(b) => request.body(b.clone()),
            };
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        });
        prop_assert!(status.as_u16() < 500, "{status}: {text}");
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{status} body is not JSON ({e}): {text}")))?;
        if status.is_success() {
            prop_assert_eq!(status.as_u16(), if post { 202 } else { 200 });
            prop_assert!(json["task_id"].is_string());
        } else {
            let error = &json["error"];
            for part in ["code", "type", "message"] {
                prop_assert!(
                    error[part].as_str().is_some_and(|s| !s.is_empty()),
                    "{} without error.{}: {}", status, part, text
                );
            }
        }
    }
}
