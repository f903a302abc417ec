//! Property tests of the contract: validation never panics, costs are
//! monotonic, what validates serializes to what the docs accept,
//! responses round-trip, and advice is total and never loops.
//!
//! Every numeric input is drawn from strategies that favour where
//! arithmetic breaks (the ends of the integer types, huge, tiny, negative
//! and non-finite floats, numbers sent as strings), so overflow and
//! panics are found here rather than by a real API.

use avatar_api::advice::{self, Fix};
use avatar_api::estimate::{self, Sample, Shape};
use avatar_api::model::{Duration, Framerate, MAX_AUDIO_SECONDS, Resolution};
use avatar_api::poll::{self, Check, Policy};
use avatar_api::response::{self, TaskError};
use avatar_api::{AvatarRequest, Model, ProRequest, Task, TaskStatus, billing};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Cases of the cheap properties (the default is 256).
const MANY: u32 = 2048;
/// Cases of the properties of answer parsing.
const SOME: u32 = 768;

/// Floats where arithmetic breaks, and ordinary ones.
fn edge_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            0.0004,
            0.0005,
            35.0,
            35.0005,
            MAX_AUDIO_SECONDS,
            MAX_AUDIO_SECONDS + 0.0004,
            MAX_AUDIO_SECONDS + 0.001,
            1e300,
            -1e300,
            1.844_674_407_370_955e16,
            1.844_674_407_370_955_2e19,
            -1.0,
        ]),
        any::<f64>(),
        0.0f64..4000.0,
    ]
}

/// Unsigned integers where arithmetic breaks, and ordinary ones.
fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        prop::sample::select(vec![
            0,
            1,
            999,
            1000,
            u64::from(u32::MAX),
            1 << 53,
            i64::MAX as u64,
            u64::MAX - 1,
            u64::MAX,
        ]),
        any::<u64>(),
        0u64..10_000_000,
    ]
}

fn edge_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![0, 1, 720, 999, 1000, 1280, 1536, 3840, u32::MAX]),
        any::<u32>(),
    ]
}

/// Numbers where arithmetic breaks: zero, the ends of every integer type,
/// just past the limits the contract knows, huge and tiny floats.
fn edge_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            json!(0),
            json!(1),
            json!(-1),
            json!(35),
            json!(3600),
            json!(4_294_967_295u64),
            json!(4_294_967_296u64),
            json!(9_007_199_254_740_993u64),
            json!(18_446_744_073_709_550u64),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(-0.0),
            json!(0.0005),
            json!(35.0005),
            json!(3600.0),
            json!(3600.0001),
            json!(1.844_674_407_370_955e16),
            json!(1.8446744073709552e19),
            json!(1e300),
            json!(-1e300),
            json!(f64::MAX),
            json!(f64::MIN),
            json!(f64::MIN_POSITIVE),
            json!(5e-324),
        ]),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0.0f64..1e6).prop_map(Value::from),
    ]
}

/// Numbers sent as strings, and strings that only look like numbers.
fn numeric_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1e309",
            "-1e309",
            "1e300",
            "18446744073709551616",
            "18446744073709550",
            "-0",
            "0x10",
            "1_000",
            " 12 ",
            "12.5",
            "",
        ])
        .prop_map(Value::from),
        edge_number().prop_map(|n| Value::from(n.to_string())),
    ]
}

/// A numeric field's value: mostly numbers, sometimes strings, null or anything.
fn number_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => edge_number(),
        2 => numeric_string(),
        1 => Just(Value::Null),
        1 => any_json(),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        edge_number(),
        numeric_string(),
        ".{0,30}".prop_map(Value::from),
        Just(Value::from("https://cdn.example/p.png")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
        .boxed()
    })
}

const NUMERIC_FIELDS: [&str; 6] = [
    "duration",
    "audio_duration_seconds",
    "resolution",
    "framerate",
    "width",
    "height",
];

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

/// A body of known (and unknown) fields whose values are usually of the
/// right JSON type, so that it gets past parsing to validation and billing,
/// and sometimes anything.
fn any_body() -> impl Strategy<Value = Value> {
    let numeric = (prop::sample::select(NUMERIC_FIELDS.to_vec()), number_like());
    let string = (
        field_name(),
        prop_oneof![
            6 => Just(Value::from("https://cdn.example/p.png")),
            1 => Just(Value::from("pad")),
            1 => ".{0,30}".prop_map(Value::from),
        ],
    );
    let field = prop_oneof![
        5 => numeric.prop_map(|(name, v)| (name.to_owned(), v)),
        4 => string,
        1 => (field_name(), any_json()),
    ];
    prop::collection::vec(field, 0..10)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

fn valid_pro() -> impl Strategy<Value = ProRequest> {
    (
        prop::sample::select(Duration::ALL.map(Duration::wire).to_vec()),
        0.1f64..3600.0,
        prop::sample::select(Resolution::ALL.map(Resolution::long_edge).to_vec()),
        prop::sample::select(Framerate::ALL.map(Framerate::fps).to_vec()),
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

// Cheap properties: many cases.
proptest! {
    #![proptest_config(ProptestConfig { cases: MANY, ..ProptestConfig::default() })]

    #[test]
    fn parsing_and_validating_any_body_never_panics(body in any_body(), m in 0usize..3) {
        let model = Model::ALL[m];
        match AvatarRequest::from_json(model, &body) {
            Ok(request) => {
                let valid = request.validate().is_ok();
                let quote = request.quote();
                // Whatever validates can be billed, and has a size.
                prop_assert!(!valid || quote.is_some());
                prop_assert!(!valid || request.shape().is_some());
                if let Some(shape) = request.shape() {
                    let _ = estimate::prior_total_ms(&shape);
                }
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    #[test]
    fn billing_is_total(r in 0usize..3, d in 0usize..8, w in edge_u32(), h in edge_u32(), seconds in edge_f64()) {
        // Billed at millisecond precision.
        let ms = billing::seconds_to_ms(seconds);
        let within = ms > 0 && ms <= billing::seconds_to_ms(MAX_AUDIO_SECONDS);
        let duration = Duration::ALL[d];
        for quote in [
            billing::pro(Resolution::ALL[r], duration, Some(seconds)),
            billing::digital_human(w, h, seconds),
            billing::dual(seconds),
        ]
        .into_iter()
        .flatten()
        {
            // Fixed durations are billed whatever the audio; audio lengths only within the limit.
            prop_assert!(within || !duration.follows_audio());
            prop_assert!(quote.credits <= 5 * 3600 + 1);
            prop_assert!(quote.billable_ms <= 3_600_000);
        }
        let _ = billing::seconds_to_ms(seconds);
    }

    #[test]
    fn estimates_are_total(
        billable_ms in edge_u64(), long_edge in edge_u32(), m in 0usize..3,
        took in prop::collection::vec((edge_u64(), edge_u64()), 0..4),
        elapsed in edge_u64(), reported in prop::option::of(edge_f64()), typical in edge_u64(),
    ) {
        let shape = Shape { model: Model::ALL[m], billable_ms, long_edge };
        prop_assert!(estimate::prior_total_ms(&shape) >= estimate::PRIOR_BASE_MS);
        let history: Vec<Sample> = took
            .iter()
            .map(|&(billable_ms, took_ms)| Sample { shape: Shape { billable_ms, ..shape }, took_ms })
            .collect();
        prop_assert!(estimate::typical_total_ms(&history, &shape) >= 1000);
        let p = estimate::progress(elapsed, reported, typical);
        prop_assert!((0.0..=0.99).contains(&p.fraction), "{p:?}");
        prop_assert!(p.remaining_ms <= p.expected_total_ms);
        let _ = estimate::format_duration(elapsed);
    }

    #[test]
    fn polling_is_total(
        delays in (edge_u64(), edge_u64(), edge_u64(), edge_u64(), edge_u64(), edge_u64(), edge_u64(), edge_u64(), edge_u64()),
        fractions in (edge_f64(), edge_f64(), edge_f64(), edge_f64()),
        checks_done: u32, elapsed in edge_u64(), total in edge_u64(), reported: bool, failures: u32,
        retry in prop::option::of(edge_u64()), hidden: bool, random in edge_f64(),
    ) {
        let (first_check_ms, min_delay_ms, max_delay_ms, tail_ms, hidden_factor, hidden_max_ms, error_base_ms,
            error_cap_ms, retry_after_max_ms) = delays;
        let (spread_with_progress, spread_without_progress, overrun_growth, jitter) = fractions;
        let p = Policy { first_check_ms, min_delay_ms, max_delay_ms, tail_ms, spread_with_progress,
            spread_without_progress, overrun_growth, hidden_factor, hidden_max_ms, error_base_ms, error_cap_ms,
            retry_after_max_ms, jitter, max_in_flight: 4 };
        let c = Check { checks_done, elapsed_ms: elapsed, expected_total_ms: total, progress_reported: reported,
            failures, retry_after_ms: retry, hidden, random };
        let _ = p.next_delay_ms(&c);
        let _ = p.backoff_ms(failures, random);
    }

    #[test]
    fn pro_cost_is_monotonic_in_seconds_and_resolution(a in 0.001f64..100.0, b in 0.001f64..100.0, r in 0usize..2) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let res = Resolution::ALL[r];
        let next = Resolution::ALL[r + 1];
        let cost = |res, s| billing::pro(res, Duration::FOLLOW_AUDIO, Some(s)).unwrap().credits;
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

// Parsers of answers: text generation is slower in debug builds.
proptest! {
    #![proptest_config(ProptestConfig { cases: SOME, ..ProptestConfig::default() })]

    #[test]
    fn parse_answers_never_panic_on_any_text(text in "\\PC{0,120}") {
        let _ = response::parse_task(&text);
        let _ = response::parse_submit(&text);
        let e = response::parse_error_body(&text);
        prop_assert!(!e.json);
        let x = response::excerpt(&text);
        prop_assert!(x.chars().count() <= response::EXCERPT_MAX_CHARS);
        prop_assert!(!x.chars().any(char::is_control), "{x:?}");
    }

    #[test]
    fn parse_answers_never_panic_on_html(parts in prop::collection::vec(html_part(), 0..12)) {
        let text = parts.concat();
        let _ = response::parse_task(&text);
        let e = response::parse_error_body(&text);
        prop_assert!(!e.json);
        if let Some(x) = e.excerpt {
            prop_assert!(x.chars().count() <= response::EXCERPT_MAX_CHARS);
            prop_assert!(!x.contains('\n') && !x.starts_with(' ') && !x.ends_with(' '));
        }
    }

    #[test]
    fn parse_answers_never_panic_on_any_json(v in answer_json()) {
        let text = v.to_string();
        let task = response::parse_task(&text);
        let submit = response::parse_submit(&text);
        let e = response::parse_error_body(&text);
        prop_assert_eq!(e.json, v.is_object());
        if !v.is_object() {
            prop_assert!(task.is_err() && submit.is_err());
        }
        if let Ok(t) = task {
            prop_assert!(t.progress().is_none_or(|p| (0.0..=1.0).contains(&p)));
            if let Some(url) = t.usable_video_url() {
                prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
            }
        }
        if let Ok(s) = submit {
            prop_assert!(!s.task_id.trim().is_empty());
        }
    }

    #[test]
    fn tasks_round_trip_through_parse_task(task in any_task()) {
        let text = serde_json::to_string(&task).unwrap();
        let back = response::parse_task(&text);
        prop_assert_eq!(back, Ok(task));
    }

    #[test]
    fn retry_after_parsing_is_total(
        text in "\\PC{0,24}", n: u64, day in edge_u64(), year in any::<i64>(), h in edge_u64(), now in edge_u64(),
    ) {
        let _ = poll::parse_retry_after(&text, now);
        prop_assert_eq!(poll::parse_retry_after(&n.to_string(), now), Some(n.saturating_mul(1000)));
        let date = format!("Sun, {day:02} Nov {year} {h:02}:{h:02}:{h:02} GMT");
        let _ = poll::parse_retry_after(&date, now);
    }
}

// Expensive strategies (long prompts, deep JSON): the default 256 cases.
proptest! {
    #[test]
    fn valid_requests_serialize_to_what_the_docs_accept(r in valid_pro()) {
        let request = AvatarRequest::Pro(r);
        prop_assert!(request.validate().is_ok());
        let body = request.to_json();
        prop_assert!(Duration::from_wire(body["duration"].as_u64().unwrap() as u32).is_some());
        prop_assert!(Resolution::from_long_edge(body["resolution"].as_u64().unwrap() as u32).is_some());
        prop_assert!(Framerate::from_fps(body["framerate"].as_u64().unwrap() as u32).is_some());
        prop_assert!(body["image_url"].as_str().unwrap().starts_with("https://"));
        if body["duration"] == 0 {
            prop_assert!(body["audio_duration_seconds"].as_f64().unwrap() > 0.0);
        }
        // And the server side reads back the same request.
        let back = AvatarRequest::from_json(Model::AvatarPro, &body).unwrap();
        prop_assert_eq!(back, request);
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
}

// Advice: total on any input, and a direct link it offers is taken as it is.
proptest! {
    #![proptest_config(ProptestConfig { cases: SOME, ..ProptestConfig::default() })]

    #[test]
    fn share_page_never_panics_and_its_links_are_final(
        url in prop_oneof![share_like_url(), "\\PC{0,80}"],
    ) {
        if let Some(a) = advice::share_page("audio_url", &url) {
            prop_assert_eq!(a.field.as_str(), "audio_url");
            prop_assert!(!a.message.is_empty());
            if let Some(Fix::UseLink(link)) = a.fix {
                prop_assert!(avatar_api::validate::is_http_url(&link), "{link}");
                prop_assert_eq!(advice::share_page("audio_url", &link), None, "{}", link);
            }
        }
    }

    #[test]
    fn duration_fit_is_total_and_quiet_when_the_lengths_agree(
        r in 0usize..Resolution::ALL.len(), seconds in edge_f64(),
        d in 1usize..Duration::ALL.len(),
    ) {
        let resolution = Resolution::ALL[r];
        let fixed = Duration::ALL[d];
        let fixed_s = fixed.fixed_seconds().unwrap();
        prop_assert_eq!(advice::duration_fit(resolution, fixed, Some(f64::from(fixed_s))), None);
        prop_assert_eq!(advice::duration_fit(resolution, Duration::FOLLOW_AUDIO, Some(seconds)), None);
        let ms = billing::seconds_to_ms(seconds);
        let video_ms = u64::from(fixed_s) * 1000;
        let advised = advice::duration_fit(resolution, fixed, Some(seconds)).is_some();
        // Cut off, or silence beyond the tolerance, and nothing else.
        let expected = seconds.is_finite()
            && ms > 0
            && (ms > video_ms || video_ms - ms > advice::SILENCE_TOLERANCE_MS);
        prop_assert_eq!(advised, expected);
    }
}

/// URLs near the share pages advice recognises: their hosts and look-alikes,
/// in any case, with paths and queries of their kind.
fn share_like_url() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["https://", "http://", "HTTPS://", "", "ftp://"]);
    let host = prop::sample::select(vec![
        "drive.google.com",
        "Drive.Google.com",
        "docs.google.com",
        "www.dropbox.com",
        "dropbox.com",
        "notdropbox.com",
        "dl.dropboxusercontent.com",
        "1drv.ms",
        "onedrive.live.com",
        "we.tl",
        "wetransfer.com",
        "user@www.dropbox.com:443",
        "cdn.example",
    ]);
    let path = prop::sample::select(vec![
        "",
        "/",
        "/file/d/",
        "/file/u/0/d/",
        "/open",
        "/uc",
        "/s/",
        "/scl/fi/",
        "/scl/fo/",
        "/sh/",
        "/download",
        "/t-",
    ]);
    let query = prop::sample::select(vec![
        "",
        "?",
        "?dl=0",
        "?dl=1",
        "?DL=0&x=1",
        "?raw=1",
        "?id=1AbC",
        "?rlkey=r&dl=0",
        "?&&",
        "#frag",
        "?id=a b",
    ]);
    (scheme, host, path, "[A-Za-z0-9_./%!-]{0,20}", query)
        .prop_map(|(scheme, host, path, rest, query)| format!("{scheme}{host}{path}{rest}{query}"))
}

fn any_status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        prop::sample::select(vec![
            TaskStatus::Pending,
            TaskStatus::Processing,
            TaskStatus::Completed,
            TaskStatus::Failed,
            TaskStatus::Cancelled,
            TaskStatus::Expired,
        ]),
        // Unknown statuses as parsing keeps them (never blank).
        "[A-Za-z][A-Za-z0-9_ -]{0,11}".prop_map(|s| TaskStatus::parse(&s)),
    ]
}

/// Finite floats that serde_json (without `float_roundtrip`) reads back exactly.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i32..100_000).prop_map(|n| f64::from(n) / 100.0),
        prop::sample::select(vec![0.0, 1.0, 100.0, 1e300, 9_007_199_254_740_992.0]),
    ]
}

fn any_task() -> impl Strategy<Value = Task> {
    let text = || prop::option::of("[a-zA-Z0-9_.-]{1,20}");
    let error = prop::option::of(
        (text(), ".{0,20}", text()).prop_map(|(code, message, kind)| TaskError {
            code,
            message,
            kind,
        }),
    );
    let url = prop::option::of(prop_oneof![
        "https://[a-z]{1,10}/[a-z]{1,10}\\.mp4",
        "[a-z]{1,8}:[a-z/]{0,10}",
    ]);
    let time = || prop::option::of(prop_oneof![any::<i64>(), 1_700_000_000i64..1_900_000_000]);
    // Without arbitrary floats: serde_json does not read every float back exactly.
    let metadata = prop::option::of(
        prop::collection::btree_map(
            "[a-z]{1,6}",
            prop_oneof![
                any::<i64>().prop_map(Value::from),
                ".{0,10}".prop_map(Value::from),
                finite_f64().prop_map(Value::from),
                Just(Value::Null),
            ],
            0..4,
        )
        .prop_map(|m| Value::Object(m.into_iter().collect())),
    );
    (
        (
            prop::option::of("[a-zA-Z0-9_-]{1,40}"),
            any_status(),
            text(),
            text(),
            text(),
        ),
        (
            prop::option::of(finite_f64()),
            error,
            prop::option::of(finite_f64()),
            time(),
            time(),
        ),
        (metadata, url.clone(), url.clone(), url, text()),
    )
        .prop_map(
            |(
                (task_id, status, capability, action, model),
                (progress, error, credits_used, created_at, completed_at),
                (metadata, video_url, audio_url, image_url, provider_used),
            )| Task {
                task_id,
                status,
                capability,
                action,
                model,
                progress,
                error,
                credits_used,
                created_at,
                completed_at,
                metadata,
                video_url,
                audio_url,
                image_url,
                provider_used,
                transcript: None,
                subtitles: None,
            },
        )
}

/// JSON shaped like API answers: wrappers, ids, statuses, links and error
/// fields of every type, nested, and sometimes any JSON at all.
fn answer_json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "data",
        "task",
        "result",
        "output",
        "status",
        "task_id",
        "taskId",
        "id",
        "videoUrl",
        "video_url",
        "audioUrl",
        "imageUrl",
        "result_url",
        "url",
        "progress",
        "created_at",
        "error",
        "detail",
        "details",
        "message",
        "msg",
        "code",
        "loc",
        "required",
        "balance",
        "param",
    ]);
    let value = prop_oneof![
        4 => any_json(),
        1 => prop::sample::select(vec!["completed", "PENDING", "In Progress", "expired", "https://a/v.mp4"])
            .prop_map(Value::from),
    ];
    let object = move |inner: BoxedStrategy<Value>| {
        prop::collection::vec(
            (key.clone(), prop_oneof![2 => value.clone(), 1 => inner]),
            0..6,
        )
        .prop_map(|fields| {
            Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        })
    };
    let level1 = object(any_json().boxed()).boxed();
    let level2 = object(level1).boxed();
    prop_oneof![4 => object(level2), 1 => any_json()]
}

/// Pieces of HTML error pages, glued at random.
fn html_part() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            "<title>",
            "</title>",
            "<TITLE lang=en>",
            "<script>",
            "</script>",
            "<style>",
            "</style>",
            "<!--",
            "-->",
            "<",
            ">",
            "&amp;",
            "&#x41;",
            "&#99999999;",
            "&#;",
            "&",
            ";",
            "\u{202E}",
            "\u{0}",
            "\n\t ",
            "é",
            "😀",
            "502 Bad Gateway",
            "<h1>",
            "</h1>",
            "</",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,10}",
    ]
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
