use super::*;

fn pro_ok() -> ProRequest {
    ProRequest {
        image_url: "https://cdn.example/p.png".into(),
        audio_url: "http://cdn.example/s.mp3".into(),
        ..ProRequest::default()
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn urls() {
    assert_eq!(check_url("https://a.b/c?d#e"), Ok(()));
    assert_eq!(check_url("HTTP://127.0.0.1:8787/x"), Ok(()));
    assert_eq!(check_url("https://user@host/x"), Ok(()));
    assert_eq!(check_url(""), Err(UrlProblem::Missing));
    assert_eq!(check_url("   "), Err(UrlProblem::Missing));
    assert_eq!(check_url("ftp://a/b"), Err(UrlProblem::Scheme));
    assert_eq!(check_url("javascript:alert(1)"), Err(UrlProblem::Scheme));
    assert_eq!(
        check_url("data:image/png;base64,xx"),
        Err(UrlProblem::Scheme)
    );
    assert_eq!(check_url("/relative.png"), Err(UrlProblem::Scheme));
    assert_eq!(check_url("https://"), Err(UrlProblem::Malformed));
    assert_eq!(check_url("https:///path"), Err(UrlProblem::Malformed));
    assert_eq!(check_url("https://a b/c"), Err(UrlProblem::Malformed));
    assert_eq!(check_url(" https://a/b"), Err(UrlProblem::Scheme));
    assert_eq!(check_url("https://é"), Ok(()));
}

#[test]
fn valid_pro_request_has_no_errors() {
    assert!(pro(&pro_ok()).is_empty());
}

#[test]
fn every_pro_problem_is_reported_at_once() {
    let r = ProRequest {
        image_url: "".into(),
        audio_url: "file:///etc/passwd".into(),
        duration: 12,
        resolution: 1080,
        framerate: 60,
        motion_prompt: Some("x".repeat(2001)),
        ..ProRequest::default()
    };
    let errors = pro(&r);
    assert_eq!(
        fields(&errors),
        [
            "image_url",
            "audio_url",
            "duration",
            "resolution",
            "framerate",
            "motion_prompt"
        ]
    );
    assert_eq!(errors[0].message, "Image URL is required.");
    assert_eq!(
        errors[1].message,
        "Audio URL must start with http:// or https://."
    );
    assert_eq!(
        errors[2].message,
        "Duration must be 5, 10, 15, 20, 25, 30 or 35 seconds, or 0 to follow the audio."
    );
    assert_eq!(
        errors[3].message,
        "Resolution must be 720, 1280 or 1536 pixels (long edge)."
    );
    assert_eq!(
        errors[4].message,
        "Frame rate must be 24, 25 or 30 frames per second."
    );
    assert_eq!(
        errors[5].message,
        "Motion prompt is 2001 characters long; the limit is 2000."
    );
}

#[test]
fn motion_prompt_counts_characters_not_bytes() {
    let mut r = pro_ok();
    r.motion_prompt = Some("é".repeat(2000));
    assert!(pro(&r).is_empty(), "2000 two-byte characters are allowed");
    r.motion_prompt = Some("😀".repeat(2001));
    assert_eq!(fields(&pro(&r)), ["motion_prompt"]);
}

#[test]
fn follow_audio_needs_a_positive_audio_length() {
    let mut r = pro_ok();
    r.duration = 0;
    assert_eq!(
        pro(&r)[0].message,
        "Audio length is required when the duration follows the audio."
    );
    for bad in [
        0.0,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        3600.5,
        1e-300,
        18_446_744_073_709_550.0,
        1e300,
        f64::MAX,
    ] {
        r.audio_duration_seconds = Some(bad);
        assert_eq!(fields(&pro(&r)), ["audio_duration_seconds"], "{bad}");
    }
    r.audio_duration_seconds = Some(3600.5);
    assert_eq!(
        pro(&r)[0].message,
        "Audio length must be at most 3600 seconds."
    );
    r.audio_duration_seconds = Some(18_446_744_073_709_550.0);
    assert_eq!(
        pro(&r)[0].message,
        "Audio length must be at most 3600 seconds."
    );
    r.audio_duration_seconds = Some(0.0009);
    assert_eq!(
        pro(&r)[0].message,
        "Audio length must be at least 0.001 seconds."
    );
    r.audio_duration_seconds = Some(41.2);
    assert!(pro(&r).is_empty());
    r.audio_duration_seconds = Some(3600.0);
    assert!(pro(&r).is_empty());
}

#[test]
fn audio_length_is_optional_with_a_fixed_duration() {
    let mut r = pro_ok();
    r.duration = 35;
    assert!(pro(&r).is_empty());
}

#[test]
fn digital_human_needs_exactly_one_source() {
    let mut r = DigitalHumanRequest {
        audio_url: "https://a/s.wav".into(),
        audio_duration_seconds: Some(12.0),
        ..DigitalHumanRequest::default()
    };
    assert_eq!(fields(&digital_human(&r)), ["image_url"]);
    r.image_url = Some("https://a/p.png".into());
    assert!(digital_human(&r).is_empty());
    r.input_video_url = Some("https://a/v.mp4".into());
    assert_eq!(fields(&digital_human(&r)), ["input_video_url"]);
    r.image_url = None;
    assert!(digital_human(&r).is_empty());
    r.width = 853;
    r.height = 5000;
    assert_eq!(fields(&digital_human(&r)), ["width", "height"]);
    assert_eq!(
        digital_human(&r)[0].message,
        "Width must be an even number of pixels from 64 to 3840."
    );
    r.audio_duration_seconds = None;
    assert_eq!(
        fields(&digital_human(&r)),
        ["audio_duration_seconds", "width", "height"]
    );
}

#[test]
fn dual_rules() {
    let mut r = DualRequest::default();
    assert_eq!(
        fields(&dual(&r)),
        [
            "dual_image_url",
            "audio_mix_url",
            "audio1_url",
            "audio2_url",
            "audio_duration_seconds"
        ]
    );
    r = DualRequest {
        dual_image_url: "https://a/d.png".into(),
        audio_mix_url: "https://a/m.wav".into(),
        audio1_url: "https://a/1.wav".into(),
        audio2_url: "https://a/2.wav".into(),
        audio_duration_seconds: Some(15.0),
        ..DualRequest::default()
    };
    assert!(dual(&r).is_empty());
    r.mask1_url = Some("mask.png".into());
    r.resize_mode = Some("stretch".into());
    assert_eq!(fields(&dual(&r)), ["mask1_url", "resize_mode"]);
    r.mask1_url = Some("https://a/m.png".into());
    r.resize_mode = Some("crop".into());
    assert!(dual(&r).is_empty());
}

#[test]
fn the_resize_message_names_exactly_the_modes_accepted() {
    let mut r = DualRequest {
        dual_image_url: "https://a/d.png".into(),
        audio_mix_url: "https://a/m.wav".into(),
        audio1_url: "https://a/1.wav".into(),
        audio2_url: "https://a/2.wav".into(),
        audio_duration_seconds: Some(15.0),
        resize_mode: Some("stretch".into()),
        ..DualRequest::default()
    };
    let message = dual(&r)[0].message.clone();
    assert_eq!(message, "Resize mode must be \"pad\" or \"crop\".");
    let named: Vec<&str> = message.split('"').skip(1).step_by(2).collect();
    assert_eq!(named, model::RESIZE_MODES);
    for mode in named {
        r.resize_mode = Some(mode.into());
        assert!(dual(&r).is_empty(), "{mode}");
    }
}

#[test]
fn the_audio_length_is_required_exactly_when_the_model_needs_it() {
    let missing =
        |errors: Vec<FieldError>| errors.iter().any(|e| e.is(Field::AudioDurationSeconds));
    for duration in Duration::ALL {
        let r = ProRequest {
            duration: duration.wire(),
            ..pro_ok()
        };
        let needed = Model::AvatarPro.needs_audio_length(duration);
        assert_eq!(missing(pro(&r)), needed, "{duration:?}");
        assert_eq!(needed, duration.wire() == 0, "{duration:?}");
    }
    let r = DigitalHumanRequest {
        image_url: Some("https://a/p.png".into()),
        audio_url: "https://a/s.wav".into(),
        ..DigitalHumanRequest::default()
    };
    assert!(missing(digital_human(&r)));
    assert!(missing(dual(&DualRequest::default())));
    for duration in Duration::ALL {
        assert!(Model::DigitalHuman.needs_audio_length(duration));
        assert!(Model::DualAvatar.needs_audio_length(duration));
    }
}
