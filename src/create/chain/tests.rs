//! The chain's tests: when it may start, the limit it suggests, what it
//! does with the speech task's answers, the video it sends, and reloads.

use super::*;
use avatar_api::VoiceRequest;
use avatar_api::response::TaskError;

const SPEECH: &str = "https://api/files/speech.wav";

/// AI Avatar at 1280×720: 5 credits a second of speech (HD).
fn form() -> Form {
    Form {
        model: Model::DigitalHuman,
        image_url: "https://a/p.png".into(),
        ..Form::default()
    }
}

fn speech() -> TaskRequest {
    TaskRequest::Speech(VoiceRequest {
        text: "Hello there.".into(),
        reference_audio_url: "https://a/voice.wav".into(),
        ..VoiceRequest::default()
    })
}

fn chain(limit: u64) -> Chain {
    Chain::new(speech(), 12, &form(), limit)
}

fn task(state: TaskState, result: Option<TaskResult>) -> TaskRecord {
    let mut t = TaskRecord::accepted("s1".into(), speech(), 12, 1_000, TaskStatus::Pending, None);
    t.state = state;
    t.result = result;
    t
}

#[test]
fn it_starts_for_one_video_whose_form_is_ready_but_for_the_speech() {
    assert_eq!(refusal(&form(), false), None);
    assert!(
        refusal(&form(), true)
            .unwrap()
            .contains("remove the variants")
    );
    let dual = Form {
        model: Model::DualAvatar,
        ..form()
    };
    assert!(refusal(&dual, false).unwrap().contains("Dual Avatar"));
    let no_portrait = Form {
        image_url: String::new(),
        ..form()
    };
    let why = refusal(&no_portrait, false).unwrap();
    assert!(why.starts_with("The video's form first:"), "{why}");
}

#[test]
fn the_suggested_limit_prices_the_video_with_room_for_a_slow_voice() {
    // 140 characters ≈ 10 s; with half as much again, 15 s at 5 credits.
    assert_eq!(suggested_limit(&form(), &"a".repeat(140)), Some(75));
    // Pro with a fixed duration: the speech's length does not matter.
    let pro = Form {
        image_url: "https://a/p.png".into(),
        ..Form::default()
    };
    assert_eq!(
        suggested_limit(&pro, "short"),
        suggested_limit(&pro, &"long ".repeat(100))
    );
}

#[test]
fn a_video_within_the_limit_is_sent_with_the_speech_and_its_length() {
    let mut c = chain(35);
    assert!(c.priced(SPEECH, 7.0));
    assert_eq!(
        (c.step.clone(), c.video_credits),
        (Step::SendingVideo, Some(35))
    );
    let plan = c.video_plan().unwrap();
    let Some(avatar_api::AvatarRequest::DigitalHuman(r)) = plan.rows[0].request.video() else {
        panic!("not the AI Avatar video: {plan:?}");
    };
    assert_eq!(
        (r.audio_url.as_str(), r.audio_duration_seconds),
        (SPEECH, Some(7.0))
    );
    assert_eq!(r.image_url.as_deref(), Some("https://a/p.png"));
    assert_eq!(plan.rows[0].credits, 35);
}

#[test]
fn a_video_over_the_limit_stops_the_chain_and_offers_it() {
    let mut c = chain(30);
    assert!(!c.priced(SPEECH, 7.0));
    let Step::Stopped(why) = &c.step else {
        panic!("the chain should stop: {c:?}");
    };
    assert!(why.contains("(7 s)"), "{why}");
    assert!(
        why.contains("costs 35 credits: more than the 30 you approved"),
        "{why}"
    );
    assert_eq!(c.offer(), Some(35));
    assert_eq!(c.status(true), *why);
    // A form that cannot make the video stops it with nothing to offer.
    let mut no_portrait = Chain::new(
        speech(),
        12,
        &Form {
            image_url: String::new(),
            ..form()
        },
        50,
    );
    assert!(!no_portrait.priced(SPEECH, 7.0));
    assert_eq!(no_portrait.offer(), None);
}

#[test]
fn each_answer_to_a_post_moves_the_chain_on_or_ends_it() {
    let speech_sent = chain(50);
    assert_eq!(
        speech_sent.clone().answered(Ok("s1".into())).unwrap().step,
        Step::Speech("s1".into())
    );
    // A refused or unanswered speech ends it: the sender says why, the
    // unanswered one is kept in the list as "Outcome unknown".
    assert_eq!(speech_sent.clone().answered(Err(Some("402".into()))), None);
    assert_eq!(speech_sent.answered(Err(None)), None);

    let mut video_sent = chain(50);
    assert!(video_sent.priced(SPEECH, 7.0));
    assert_eq!(video_sent.clone().answered(Ok("v1".into())), None, "done");
    assert_eq!(
        video_sent.clone().answered(Err(None)),
        None,
        "kept as outcome unknown, never offered"
    );
    let refused = video_sent
        .answered(Err(Some("Not enough credits.".into())))
        .unwrap();
    assert_eq!(
        refused.step,
        Step::Stopped("The video was not sent: Not enough credits.".into())
    );
    assert_eq!(refused.offer(), Some(35), "offered again");
}

#[test]
fn the_speech_tasks_answers_decide_what_the_chain_does() {
    let running = task(TaskState::Reported(TaskStatus::Processing), None);
    assert_eq!(next(Some(&running)), Next::Wait);
    let ready = task(
        TaskState::Reported(TaskStatus::Completed),
        Some(TaskResult::Speech(SPEECH.into())),
    );
    assert_eq!(next(Some(&ready)), Next::Measure(SPEECH.into()));
    // Completed without a link: re-checked for one, then given up on.
    let mut linkless = task(TaskState::Reported(TaskStatus::Completed), None);
    assert_eq!(next(Some(&linkless)), Next::Wait);
    linkless.answer = Some("{\"status\":\"completed\"}".into());
    assert!(
        matches!(next(Some(&linkless)), Next::Stop(why) if why.contains("without a usable link"))
    );
    let mut failed = task(TaskState::Reported(TaskStatus::Failed), None);
    failed.error = Some(TaskError {
        message: "The voice sample is silent.".into(),
        ..TaskError::default()
    });
    let Next::Stop(why) = next(Some(&failed)) else {
        panic!("a failed speech stops the chain");
    };
    assert!(
        why.contains("The voice sample is silent.") && why.ends_with("the video was not sent.")
    );
    assert!(
        matches!(next(Some(&task(TaskState::Forgotten, None))), Next::Stop(why) if why.contains("Unknown to the API"))
    );
    assert!(matches!(next(None), Next::Stop(why) if why.contains("no longer in your list")));
}

#[test]
fn a_reload_while_a_post_was_out_keeps_its_task_and_stops_the_chain() {
    let mut c = chain(50);
    let speech_task = c.after_reload(5_000, Some("sk_demo…".into())).unwrap();
    assert!(speech_task.is_outcome_unknown());
    assert_eq!(
        (speech_task.request.clone(), speech_task.credits),
        (speech(), 12)
    );
    assert!(matches!(&c.step, Step::Stopped(why) if why.contains("the video was not sent")));
    assert_eq!(c.offer(), None);
    assert_eq!(
        c.after_reload(6_000, None),
        None,
        "a stopped chain adds nothing"
    );

    let mut c = chain(50);
    assert!(c.priced(SPEECH, 7.0));
    let video = c.video.clone();
    let video_task = c.after_reload(5_000, None).unwrap();
    assert!(video_task.is_outcome_unknown());
    assert_eq!((video_task.request, video_task.credits), (video, 35));
    assert_eq!(
        c.offer(),
        None,
        "it may have been sent: never offered again"
    );

    let mut waiting = chain(50);
    waiting.step = Step::Speech("s1".into());
    assert_eq!(waiting.after_reload(5_000, None), None);
    assert_eq!(waiting.speech_task(), Some("s1"), "it goes on waiting");
    assert!(waiting.status(false).starts_with("From your last visit"));
}

#[test]
fn every_step_survives_the_saved_format() {
    let mut priced = chain(50);
    assert!(priced.priced(SPEECH, 7.0));
    for step in [
        Step::SendingSpeech,
        Step::Speech("s1".into()),
        Step::SendingVideo,
        Step::Stopped("why: words".into()),
    ] {
        for c in [chain(50), priced.clone()] {
            let c = Chain {
                step: step.clone(),
                ..c
            };
            let text = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<Chain>(&text).unwrap(), c, "{text}");
        }
    }
    let text = serde_json::to_string(&Chain {
        step: Step::Speech("s1".into()),
        ..chain(50)
    })
    .unwrap();
    assert!(text.contains(r#""step":"speech:s1""#), "{text}");
}
