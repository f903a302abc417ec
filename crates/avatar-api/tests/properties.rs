//! Property tests of the contract: validation never panics, costs are
//! monotonic, what validates serializes to what the docs accept, and
//! responses round-trip.

use avatar_api::billing;
use avatar_api::model::{DURATIONS, FRAMERATES, RESOLUTIONS};
use avatar_api::poll::{Check, Policy};
use avatar_api::{AvatarRequest, Model, ProRequest, Task, TaskStatus};
use proptest::prelude::*;
use serde_json::{Value, json};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,30}".prop_map(Value::from),
        Just(Value::from("https://cdn.example/p.png")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop::collection::vec(inner.clone(), 0..4)
            .prop_map(Value::from)
            .boxed()
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("image_url"),
        Just("audio_url"),
        Just("duration"),
        Just("audio_duration_seconds"),
        Just("resolution"),
        Just("framerate"),
        Just("motion_prompt"),
        Just("width"),
        Just("height"),
        Just("input_video_url"),
        Just("dual_image_url"),
        Just("audio_mix_url"),
        Just("audio1_url"),
        Just("audio2_url"),
        Just("mask1_url"),
        Just("resize_mode"),
        Just("metadata"),
        Just("other"),
    ]
    .prop_map(str::to_owned)
}

fn any_body() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(field_name(), any_json(), 0..10)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn valid_pro() -> impl Strategy<Value = ProRequest> {
    (
        prop::sample::select(DURATIONS.to_vec()),
        0.1f64..3600.0,
        prop::sample::select(RESOLUTIONS.to_vec()),
        prop::sample::select(FRAMERATES.to_vec()),
        prop::option::of("\\PC{0,2000}"),
    )
        .prop_map(
            |(duration, audio, resolution, framerate, motion_prompt)| ProRequest {
                image_url: "https://cdn.example/portrait.png".into(),
                audio_url: "https://cdn.example/speech.mp3".into(),
                duration,
                audio_duration_seconds: (duration == 0).then_some(audio),
                resolution,
                framerate,
                motion_prompt,
                metadata: None,
            },
        )
}

proptest! {
    #[test]
    fn parsing_and_validating_any_body_never_panics(body in any_body(), m in 0usize..3) {
        let model = Model::ALL[m];
        if let Ok(request) = AvatarRequest::from_json(model, &body) {
            let valid = request.validate().is_ok();
            let quote = request.quote();
            // Whatever validates can be billed.
            prop_assert!(!valid || quote.is_some());
        }
    }

    #[test]
    fn valid_requests_serialize_to_what_the_docs_accept(r in valid_pro()) {
        let request = AvatarRequest::Pro(r);
        prop_assert!(request.validate().is_ok());
        let body = request.to_json();
        prop_assert!(DURATIONS.contains(&(body["duration"].as_u64().unwrap() as u32)));
        prop_assert!(RESOLUTIONS.contains(&(body["resolution"].as_u64().unwrap() as u32)));
        prop_assert!(FRAMERATES.contains(&(body["framerate"].as_u64().unwrap() as u32)));
        prop_assert!(body["image_url"].as_str().unwrap().starts_with("https://"));
        if body["duration"] == 0 {
            prop_assert!(body["audio_duration_seconds"].as_f64().unwrap() > 0.0);
        }
        // And the server side reads back the same request.
        let back = AvatarRequest::from_json(Model::AvatarPro, &body).unwrap();
        prop_assert_eq!(back, request);
    }

    #[test]
    fn pro_cost_is_monotonic_in_seconds_and_resolution(a in 0.001f64..100.0, b in 0.001f64..100.0, r in 0usize..2) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let res = RESOLUTIONS[r];
        let next = RESOLUTIONS[r + 1];
        let cost = |res, s| billing::pro(res, 0, Some(s)).unwrap().credits;
        prop_assert!(cost(res, lo) <= cost(res, hi));
        prop_assert!(cost(res, hi) <= cost(next, hi));
        prop_assert!(cost(res, hi) <= cost(res, 35.0), "capped at 35 s");
        // ceil(rate × s) is never below the exact product, and less than one credit above it.
        let exact = [1.5, 2.0, 2.5][r] * (hi.min(35.0) * 1000.0).round() / 1000.0;
        let c = cost(res, hi) as f64;
        prop_assert!(c + 1e-9 >= exact && c < exact + 1.0, "{c} vs {exact}");
    }

    #[test]
    fn sibling_costs_are_monotonic(a in 0.001f64..3600.0, b in 0.001f64..3600.0, w in 64u32..3840, h in 64u32..3840) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(billing::dual(lo).unwrap().credits <= billing::dual(hi).unwrap().credits);
        let dh = |s| billing::digital_human(w, h, s).unwrap().credits;
        prop_assert!(dh(lo) <= dh(hi));
        prop_assert!(billing::digital_human(w, h, hi).unwrap().credits <= billing::digital_human(w.max(1000), h, hi).unwrap().credits);
    }

    #[test]
    fn tasks_round_trip(status in "[a-z]{1,12}", progress in prop::option::of(0.0f64..=1.0), id in "[a-zA-Z0-9_-]{1,40}", url in prop::option::of("https://[a-z]{1,10}/[a-z]{1,10}\\.mp4")) {
        let task = Task {
            task_id: Some(id),
            status: TaskStatus::parse(&status),
            progress,
            video_url: url,
            created_at: Some(1_780_704_348),
            ..Task::default()
        };
        let json = serde_json::to_value(&task).unwrap();
        let back: Task = serde_json::from_value(json).unwrap();
        prop_assert_eq!(back, task);
    }

    #[test]
    fn task_parsing_never_panics(body in any_body(), status in any_json(), progress in any_json()) {
        let mut body = body;
        body["status"] = status;
        body["progress"] = progress;
        if let Ok(task) = serde_json::from_value::<Task>(body)
            && let Some(p) = task.progress()
        {
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }

    #[test]
    fn poll_delays_stay_in_bounds(
        checks_done in 0u32..100, elapsed in 0u64..3_600_000, total in 1u64..3_600_000,
        reported: bool, failures in 0u32..50, retry in prop::option::of(0u64..10_000_000),
        hidden: bool, random in 0.0f64..1.0,
    ) {
        let p = Policy::default();
        let c = Check { checks_done, elapsed_ms: elapsed, expected_total_ms: total, progress_reported: reported,
            failures, retry_after_ms: retry, hidden, random };
        let d = p.next_delay_ms(&c);
        prop_assert!(d >= p.min_delay_ms);
        prop_assert!(d <= p.retry_after_max_ms.max(p.hidden_max_ms));
        if let Some(r) = retry {
            prop_assert!(d >= r.min(p.retry_after_max_ms));
        }
        let visible = p.next_delay_ms(&Check { hidden: false, ..c });
        prop_assert!(d >= visible);
    }

    #[test]
    fn backoff_ceiling_grows_with_failures(n in 1u32..30) {
        let p = Policy::default();
        prop_assert!(p.backoff_ms(n, 1.0) <= p.backoff_ms(n + 1, 1.0));
    }
}

#[test]
fn docs_example_body_validates() {
    let body = json!({
        "image_url": "https://your-cdn.com/portrait.png",
        "audio_url": "https://your-cdn.com/speech.mp3",
        "duration": 10, "resolution": 1280, "framerate": 25,
        "motion_prompt": "speaking to the camera naturally with subtle expressions and head movement"
    });
    let r = AvatarRequest::from_json(Model::AvatarPro, &body).unwrap();
    assert_eq!(r.validate(), Ok(()));
    assert_eq!(r.quote().unwrap().credits, 20);
}
