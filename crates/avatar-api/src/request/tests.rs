use super::*;
use serde_json::json;

#[test]
fn pro_defaults_match_the_docs() {
    let r: ProRequest = serde_json::from_value(
        json!({"image_url": "https://a/b.png", "audio_url": "https://a/b.mp3"}),
    )
    .unwrap();
    assert_eq!((r.duration, r.resolution, r.framerate), (10, 1280, 25));
    assert_eq!(r.motion_prompt, None);
}

#[test]
fn sibling_defaults_are_1280_by_720() {
    let r: DualRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!((r.width, r.height), (1280, 720));
    let r: DigitalHumanRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!((r.width, r.height), (1280, 720));
}

#[test]
fn wrong_json_types_name_the_field() {
    let e = AvatarRequest::from_json(Model::AvatarPro, &json!({"duration": "ten"})).unwrap_err();
    assert_eq!(e.field, "duration");
    assert_eq!(e.message, "Duration must be a whole number.");
    let e = AvatarRequest::from_json(Model::AvatarPro, &json!({"duration": -5})).unwrap_err();
    assert_eq!(e.field, "duration");
    assert_eq!(e.message, "Duration must not be negative.");
    let e = AvatarRequest::from_json(Model::DualAvatar, &json!({"width": 18446744073709550u64}))
        .unwrap_err();
    assert_eq!(e.message, "Width is far too large.");
    let e = AvatarRequest::from_json(Model::DualAvatar, &json!({"height": 1e300})).unwrap_err();
    assert_eq!(e.message, "Height is far too large.");
    let e = AvatarRequest::from_json(Model::DualAvatar, &json!({"height": 10.5})).unwrap_err();
    assert_eq!(e.message, "Height must be a whole number.");
    let e = AvatarRequest::from_json(Model::DualAvatar, &json!({"audio1_url": 3})).unwrap_err();
    assert_eq!(e.field, "audio1_url");
    let e = AvatarRequest::from_json(Model::AvatarPro, &json!([1, 2])).unwrap_err();
    assert_eq!(e.field, "body");
}

/// The body the property test found: `attempt to multiply with overflow`
/// in `billing::digital_human` (tests/properties.proptest-regressions).
#[test]
fn an_absurd_audio_length_is_refused_and_never_overflows() {
    for model in Model::ALL {
        let body = json!({"duration": 0, "audio_duration_seconds": 18446744073709550u64});
        let r = AvatarRequest::from_json(model, &body).unwrap();
        assert_eq!(r.quote(), None, "{model:?}");
        assert_eq!(r.shape(), None, "{model:?}");
        let errors = r.validate().unwrap_err();
        let e = errors
            .iter()
            .find(|e| e.field == "audio_duration_seconds")
            .unwrap();
        assert_eq!(e.message, "Audio length must be at most 3600 seconds.");
    }
}

#[test]
fn unknown_fields_are_ignored_and_metadata_kept() {
    let r = AvatarRequest::from_json(
        Model::AvatarPro,
        &json!({"image_url": "https://a/x.png", "audio_url": "https://a/x.wav", "extra": 1, "metadata": {"k": "v"}}),
    )
    .unwrap();
    assert_eq!(r.to_json()["metadata"], json!({"k": "v"}));
    assert!(r.to_json().get("extra").is_none());
}

#[test]
fn serialized_pro_request_omits_absent_optionals() {
    let r = AvatarRequest::Pro(ProRequest {
        image_url: "https://a/x.png".into(),
        audio_url: "https://a/x.wav".into(),
        ..ProRequest::default()
    });
    assert_eq!(
        r.to_json(),
        json!({"image_url": "https://a/x.png", "audio_url": "https://a/x.wav", "duration": 10, "resolution": 1280, "framerate": 25})
    );
}

#[test]
fn tagged_form_round_trips_every_model_and_names_it() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Saved {
        #[serde(with = "super::tagged")]
        request: AvatarRequest,
    }
    let requests = [
        AvatarRequest::Pro(ProRequest {
            image_url: "https://a/p.png".into(),
            duration: 0,
            audio_duration_seconds: Some(3.5),
            ..ProRequest::default()
        }),
        AvatarRequest::DigitalHuman(DigitalHumanRequest {
            input_video_url: Some("https://a/v.mp4".into()),
            ..DigitalHumanRequest::default()
        }),
        AvatarRequest::Dual(DualRequest::default()),
    ];
    for request in requests {
        let saved = serde_json::to_value(Saved {
            request: request.clone(),
        })
        .unwrap();
        assert_eq!(saved["request"]["model"], request.model().id());
        assert_eq!(saved["request"]["body"], request.to_json());
        let back: Saved = serde_json::from_value(saved).unwrap();
        assert_eq!(back.request, request);
    }
    let foreign = json!({"request": {"model": "sora", "body": {}}});
    assert!(serde_json::from_value::<Saved>(foreign).is_err());
}

#[test]
fn the_long_edge_is_the_resolution_or_the_larger_side() {
    let pro = AvatarRequest::Pro(ProRequest {
        resolution: 720,
        ..ProRequest::default()
    });
    assert_eq!(pro.long_edge(), 720);
    let upright = AvatarRequest::DigitalHuman(DigitalHumanRequest {
        width: 720,
        height: 1280,
        ..DigitalHumanRequest::default()
    });
    assert_eq!(upright.long_edge(), 1280);
    assert_eq!(
        AvatarRequest::Dual(DualRequest::default()).long_edge(),
        1280
    );
}
