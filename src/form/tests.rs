//! The form model's tests: requests, fragments, the audio-length rule.

use super::*;

fn pro() -> Form {
    Form {
        image_url: "  https://a/p.png\n".into(),
        audio_url: "https://a/s.mp3".into(),
        ..Form::default()
    }
}

#[test]
fn pasted_whitespace_is_trimmed_and_defaults_are_valid() {
    let r = pro().to_request();
    assert!(r.validate().is_ok(), "{:?}", r.validate());
    assert_eq!(r.quote().unwrap().credits, 20);
    let AvatarRequest::Pro(p) = r else { panic!() };
    assert_eq!(p.image_url, "https://a/p.png");
    assert_eq!(p.audio_duration_seconds, None);
}

#[test]
fn follow_audio_sends_the_detected_length() {
    let mut f = pro();
    f.duration = Duration::FOLLOW_AUDIO;
    assert!(f.needs_audio_length());
    assert!(f.to_request().quote().is_none());
    f.audio_seconds = Some(7.3);
    assert_eq!(f.to_request().quote().unwrap().credits, 15);
}

#[test]
fn share_fragment_round_trips_every_model() {
    let mut forms = vec![pro()];
    let mut f = pro();
    f.duration = Duration::FOLLOW_AUDIO;
    f.audio_seconds = Some(41.25);
    f.motion_prompt = "smiles & nods, 100% calm".into();
    f.resolution = Resolution::Edge1536;
    forms.push(f);
    forms.push(Form {
        model: Model::DigitalHuman,
        use_video: true,
        video_url: "https://a/v.mp4".into(),
        audio_url: "https://a/s.mp3".into(),
        audio_seconds: Some(12.0),
        width: 854,
        height: 480,
        ..Form::default()
    });
    forms.push(Form {
        model: Model::DualAvatar,
        dual_image_url: "https://a/d.png".into(),
        audio_mix_url: "https://a/m.mp3".into(),
        audio1_url: "https://a/1.mp3".into(),
        audio2_url: "https://a/2.mp3".into(),
        audio_seconds: Some(15.5),
        ..Form::default()
    });
    for form in forms {
        let fragment = form.to_fragment();
        assert!(!fragment.contains(' '), "{fragment}");
        let back = Form::from_fragment(&format!("#{fragment}")).unwrap();
        assert_eq!(back.to_request(), form.to_request(), "{fragment}");
    }
}

#[test]
fn a_new_audio_url_clears_the_length_measured_from_the_old_one() {
    let mut f = pro();
    f.audio_seconds = Some(7.0);
    f.set_billing_audio("https://a/s.mp3 \n".into());
    assert_eq!(
        f.audio_seconds,
        Some(7.0),
        "the same URL, pasted with spaces"
    );
    f.set_text(Field::AudioUrl, "https://a/other.mp3");
    assert_eq!(f.audio_seconds, None);
    assert!(
        !f.audio_measured("https://a/s.mp3", 7.0),
        "a length from the old URL"
    );
    assert!(f.audio_measured("https://a/other.mp3", 7.12345));
    assert_eq!(f.audio_seconds, Some(7.123));
    assert!(
        !f.audio_measured("https://a/other.mp3", 7.1234),
        "nothing new"
    );
    let mut dual = Form {
        model: Model::DualAvatar,
        audio_mix_url: "https://a/m.mp3".into(),
        audio_seconds: Some(15.5),
        ..Form::default()
    };
    dual.set_billing_audio("https://a/m2.mp3".into());
    assert_eq!(
        (dual.audio_mix_url.as_str(), dual.audio_seconds),
        ("https://a/m2.mp3", None)
    );
    dual.audio_seconds = Some(3.0);
    dual.set_text(Field::AudioMixUrl, "https://a/m3.mp3");
    assert_eq!(dual.audio_seconds, None);
}

#[test]
fn foreign_fragments_are_ignored() {
    assert_eq!(Form::from_fragment(""), None);
    assert_eq!(Form::from_fragment("#section-2"), None);
    assert_eq!(Form::from_fragment("#model=nope"), None);
    assert_eq!(Form::from_fragment("#model=avatar-pro&x=%ZZ"), None);
}

#[test]
fn a_batch_share_link_carries_every_variant() {
    let form = Form {
        image_url: "https://a/p.png".into(),
        audio_url: "https://a/1.mp3".into(),
        ..Form::default()
    };
    let variants = vec![
        Form {
            audio_url: "https://a/2.mp3?x=1&y=2".into(),
            resolution: Resolution::Edge720,
            ..form.clone()
        },
        Form {
            motion_prompt: "waves, then smiles".into(),
            ..form.clone()
        },
    ];
    let link = batch_fragment(&form, &variants);
    assert_eq!(Form::from_fragment(&link), Some(form.clone()));
    assert_eq!(Form::variants_in_fragment(&link), variants);
    assert!(Form::variants_in_fragment(&form.to_fragment()).is_empty());
}

#[test]
fn pro_choices_hold_only_allowed_values() {
    let mut f = pro();
    f.set_text(Field::Resolution, "720");
    f.set_text(Field::Duration, "0");
    f.set_text(Field::Framerate, "30");
    assert_eq!(
        (f.resolution, f.duration, f.framerate),
        (
            Resolution::Edge720,
            Duration::FOLLOW_AUDIO,
            Framerate::Fps30
        )
    );
    assert_eq!(f.text(Field::Duration), "0");
    // None of the allowed values: the choice stays as it was.
    f.set_text(Field::Resolution, "1000");
    f.set_text(Field::Framerate, "60");
    assert_eq!(
        (f.resolution, f.framerate),
        (Resolution::Edge720, Framerate::Fps30)
    );
    // A hand-made link's value that no picker offers keeps the default.
    let linked = Form::from_fragment("#model=avatar-pro&duration=7&resolution=1536").unwrap();
    assert_eq!(
        (linked.duration, linked.resolution),
        (Duration::default(), Resolution::Edge1536)
    );
}
