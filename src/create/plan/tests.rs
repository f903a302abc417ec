//! The plan's tests: rows, records, batch tags and "may we send now?".

use super::*;
use avatar_api::TaskStatus;
use avatar_api::model::{Duration, Resolution};

fn form() -> Form {
    Form {
        image_url: "https://a/p.png".into(),
        audio_url: "https://a/1.mp3".into(),
        ..Form::default()
    }
}

fn plan(states: &[RowState]) -> Plan {
    let mut p = Plan {
        id: "b1".into(),
        rows: (0..states.len())
            .map(|i| Row {
                request: Form::default().to_request().into(),
                credits: 8 + i as u64,
                state: RowState::Unsent,
            })
            .collect(),
        stopped: None,
    };
    for (row, state) in p.rows.iter_mut().zip(states) {
        row.state = *state;
    }
    p
}

fn ready() -> Moment {
    Moment {
        now: 10_000,
        online: true,
        ..Moment::default()
    }
}

#[test]
fn variants_are_listed_as_a_person_says_them() {
    assert_eq!(variants(&[1]), "variant 2");
    assert_eq!(variants(&[2, 3]), "variants 3 and 4");
    assert_eq!(variants(&[0, 1, 2]), "variants 1, 2 and 3");
    assert_eq!(variants_at_start(&[1]), "Variant 2");
    assert_eq!(variants_at_start(&[2, 3]), "Variants 3 and 4");
    assert_eq!(variants_at_start(&[]), "");
}

#[test]
fn the_report_names_what_was_charged_and_what_was_not_sent() {
    use RowState::*;
    let p = plan(&[Accepted, Accepted, Unsent, Unsent]);
    assert_eq!(
        p.report(),
        "Sent and charged: variants 1 and 2 (17 credits). Not sent: variants 3 and 4."
    );
    assert_eq!(p.unsent(), [2, 3]);
    assert_eq!(p.credits(&p.unsent()), 21);
    let p = plan(&[Accepted, Unknown, Unsent]);
    assert!(
        p.report()
            .contains("No answer for variant 2: it may have been charged 9 credits")
    );
}

#[test]
fn a_post_out_at_reload_becomes_unknown_and_is_never_unsent() {
    use RowState::*;
    let mut p = plan(&[Accepted, Sending, Unsent]);
    let saved = serde_json::to_string(&p).unwrap();
    let mut back: Plan = serde_json::from_str(&saved).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.interrupted(), [1]);
    assert_eq!(back.rows[1].state, Unknown);
    assert_eq!(back.unsent(), [2]);
    p.interrupted();
    assert_eq!(p, back);
}

#[test]
fn a_variant_keeps_its_own_fields_and_takes_the_portrait() {
    let variant = Form {
        image_url: "https://stale/old.png".into(),
        audio_url: "https://a/2.mp3".into(),
        resolution: Resolution::Edge720,
        ..Form::default()
    };
    let f = with_shared(&form(), &variant);
    assert_eq!(f.image_url, "https://a/p.png");
    assert_eq!(f.audio_url, "https://a/2.mp3");
    assert_eq!(f.resolution, Resolution::Edge720);
    for m in Model::ALL {
        assert!(!varied_fields(m).contains(&Field::ImageUrl));
    }
}

#[test]
fn a_single_video_is_a_one_row_plan_without_a_tag() {
    let videos = videos(&form(), &[]);
    let p = Plan::new("b1".into(), &videos).unwrap();
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].credits, 20);
    assert!(!p.is_batch());
    assert_eq!(p.tag(0), None);
    let record = p.record(0, Err("no answer".into()), 5, None);
    assert!(record.is_outcome_unknown());
    assert_eq!(record.batch, None);
}

#[test]
fn a_batch_plans_every_row_and_tags_its_records() {
    let second = Form {
        audio_url: "https://a/2.mp3".into(),
        resolution: Resolution::Edge720,
        ..form()
    };
    let videos = videos(&form(), &[second]);
    assert_eq!(total(&videos), Some(20 + 15));
    let p = Plan::new("b1".into(), &videos).unwrap();
    assert!(p.is_batch() && p.is_for(&videos));
    assert!(!p.is_for(&videos[..1]));
    let answer = SubmitResponse {
        task_id: "t2".into(),
        status: TaskStatus::Pending,
        ..SubmitResponse::default()
    };
    let record = p.record(1, Ok(answer), 5, Some("sk_…".into()));
    assert_eq!((record.task_id.as_str(), record.credits), ("t2", 15));
    assert_eq!(
        record.batch,
        Some(BatchTag {
            id: "b1".into(),
            index: 2,
            size: 2
        })
    );
    // No plan while a row has no price.
    let unpriced = Form {
        duration: Duration::FOLLOW_AUDIO,
        ..form()
    };
    let videos = super::videos(&form(), &[unpriced]);
    assert_eq!(total(&videos), None);
    assert_eq!(Plan::new("b2".into(), &videos), None);
}

#[test]
fn may_send_gives_the_first_reason_in_the_buttons_order() {
    let bad_variant = Form {
        audio_url: String::new(),
        ..form()
    };
    let videos = videos(&form(), &[bad_variant]);
    let m = ready();
    assert_eq!(
        may_send(&m, &videos),
        Err(NotNow::Variant("Variant 2: Audio URL is required.".into()))
    );
    // "Send the rest" checks no form.
    assert_eq!(may_send(&m, &[]), Ok(()));
    let no_key = Moment {
        missing_key: true,
        ..m
    };
    assert_eq!(may_send(&no_key, &videos[..1]), Err(NotNow::NoKey));
    let empty = super::videos(&Form::default(), &[]);
    let Err(NotNow::Field(e)) = may_send(&no_key, &empty) else {
        panic!("the form's problem comes before the key");
    };
    assert_eq!(e.message, "Image URL is required.");
    let waiting = Moment {
        blocked_until: m.now + 2_500,
        ..no_key
    };
    assert_eq!(may_send(&waiting, &empty), Err(NotNow::Wait(2_500)));
    assert_eq!(
        NotNow::Wait(2_500).to_string(),
        "The API asked to wait: try again in 3 s."
    );
    let offline = Moment {
        online: false,
        ..waiting
    };
    assert_eq!(may_send(&offline, &[]), Err(NotNow::Offline));
    let sent = Moment {
        sent_until: m.now + 1,
        ..offline
    };
    assert_eq!(may_send(&sent, &[]), Err(NotNow::JustSent));
    let sending = Moment {
        pending: true,
        ..sent
    };
    assert_eq!(may_send(&sending, &[]), Err(NotNow::Sending));
    // Limits that have passed no longer count.
    let later = Moment {
        now: m.now + 3_000,
        sent_until: m.now,
        blocked_until: m.now + 2_500,
        ..m
    };
    assert_eq!(may_send(&later, &videos[..1]), Ok(()));
}

#[test]
fn a_speech_goes_to_the_form_then_to_the_first_variant_without_one() {
    let empty = Form {
        audio_url: " ".into(),
        ..form()
    };
    assert_eq!(speech_slot(&empty, &[form()]), None, "the form first");
    assert_eq!(
        speech_slot(&form(), &[form(), empty.clone(), empty.clone()]),
        Some(1)
    );
    assert_eq!(
        speech_slot(&form(), &[form()]),
        None,
        "all have one: the form"
    );
    let dual = Form {
        model: Model::DualAvatar,
        audio_mix_url: "https://a/mix.wav".into(),
        ..Form::default()
    };
    assert_eq!(
        speech_slot(
            &dual,
            &[Form {
                model: Model::DualAvatar,
                ..Form::default()
            }]
        ),
        Some(0),
        "Dual's billing audio is the mix"
    );
}
