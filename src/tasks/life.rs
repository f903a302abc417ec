//! What a status check does to a task: one plain function on the record,
//! [`apply`], tested natively. The poller ([`super::poller`]) only decides
//! when to ask, and carries out the [`Change`] this returns.
//!
//! A failed check follows one table, [`ApiError::on_check`]:
//! - 401 (with a key): checks pause for every task until the key changes;
//! - 404 with the API's JSON: the API no longer knows the task: stop;
//! - 400, 410: stop, with the API's reason; the row offers "Check again";
//! - anything else (5xx, 429, 402, 403, network, CORS, an unreadable
//!   answer): back off (full jitter, `Retry-After` wins) and say so in the row.
//!
//! A finished task without a usable link is re-checked
//! [`LINKLESS_RECHECKS`] times, [`LINKLESS_DELAY_MS`] apart, before it is
//! shown as finished without a video.

use avatar_api::estimate::Sample;
use avatar_api::transcribe::{Subtitles, Transcript};
use avatar_api::{Kind, TaskStatus};

use crate::api::{ApiError, CheckFailure, TaskAnswer};
use crate::captions::Captions;
use crate::tasks::record::{TaskRecord, TaskResult, TaskState};

/// How many times a "completed" answer without a usable link is re-checked
/// before the task is shown as finished without a video.
pub const LINKLESS_RECHECKS: u32 = 3;
/// Delay between those re-checks.
pub const LINKLESS_DELAY_MS: u64 = 2_000;

/// What the row says while a finished task's link is awaited.
pub const AWAITING_LINK: &str = "The API says it is finished; waiting for the link to the result…";

/// One poller's schedule so far (a person's "Check now" has none).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Schedule {
    /// Checks answered or failed.
    pub checks_done: u32,
    /// Failures in a row.
    pub failures: u32,
    /// The last failure's `Retry-After`.
    pub retry_after_ms: Option<u64>,
    /// "Completed" answers without a usable link in a row.
    pub linkless: u32,
}

/// What the schedule does after a check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Keep to the schedule.
    Schedule,
    /// Check again after this delay.
    After(u64),
    /// Stop: final, unknown, stopped, or paused.
    Stop,
}

/// What else the page does after a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The task just finished: tell the person.
    Finished,
    /// The API no longer knows the task: tell the person.
    Forgotten,
    /// The API rejected the key: pause every check until it changes.
    KeyRejected,
}

/// What a check changed beyond the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// When to check next.
    pub next: Next,
    /// What to tell or do.
    pub event: Option<Event>,
    /// How long a finished video took, for later estimates.
    pub sample: Option<Sample>,
}

impl Change {
    fn next(next: Next) -> Change {
        Change {
            next,
            event: None,
            sample: None,
        }
    }
}

/// Applies one status check's result to `task`. `schedule` is the
/// poller's (`None` for a person's check); `with_key`: the page sends the
/// user's key; `now_ms`: when the answer came.
pub fn apply(
    task: &mut TaskRecord,
    result: Result<TaskAnswer, ApiError>,
    schedule: Option<&mut Schedule>,
    with_key: bool,
    now_ms: u64,
) -> Change {
    match result {
        Ok(answer) => answered(task, answer, schedule, now_ms),
        Err(e) => failed(task, &e, schedule, with_key),
    }
}

fn answered(
    task: &mut TaskRecord,
    TaskAnswer {
        task: remote,
        excerpt,
    }: TaskAnswer,
    mut schedule: Option<&mut Schedule>,
    now_ms: u64,
) -> Change {
    if let Some(s) = schedule.as_deref_mut() {
        s.checks_done += 1;
        s.failures = 0;
        s.retry_after_ms = None;
    }
    let kind = task.request.kind();
    // A link, or a transcription's words (the page keeps those itself).
    let made = match (kind, remote.transcript.clone()) {
        (Kind::Captions, Some(words)) => {
            Some(TaskResult::Captions(Captions::from_transcript(words)))
        }
        _ => remote
            .usable_link(kind)
            .and_then(|url| TaskResult::of(kind, url.to_owned())),
    };
    if remote.status == TaskStatus::Completed && made.is_none() {
        // A person's check takes the answer as it is.
        let linkless = schedule.map_or(LINKLESS_RECHECKS + 1, |s| {
            s.linkless += 1;
            s.linkless
        });
        if linkless <= LINKLESS_RECHECKS {
            task.check_problem = Some(AWAITING_LINK.to_owned());
            return Change::next(Next::After(LINKLESS_DELAY_MS));
        }
    }
    let was_final = task.state.is_final();
    task.state = TaskState::Reported(remote.status.clone());
    if let Some(p) = remote.progress() {
        task.progress = Some(p);
    }
    task.check_problem = None;
    if made.is_some() {
        task.result = made;
    }
    // Subtitles a speech came with, read once (a later check keeps edits).
    if task.subtitles.is_none() && task.subtitle_link.is_none() {
        match remote.subtitles.clone() {
            Some(Subtitles::Segments(segments)) => {
                task.subtitles = Some(Captions::from_transcript(Transcript {
                    segments,
                    ..Transcript::default()
                }));
            }
            Some(Subtitles::Link(link)) => task.subtitle_link = Some(link),
            None => {}
        }
    }
    if remote.status == TaskStatus::Completed && task.result.is_none() {
        task.answer = Some(excerpt);
    }
    if remote.error.is_some() {
        task.error = remote.error.clone();
    }
    if kind != Kind::Video && remote.model.is_some() {
        task.model_used = remote.model.clone();
    }
    if !remote.status.is_final() {
        return Change::next(Next::Schedule);
    }
    if was_final {
        return Change::next(Next::Stop);
    }
    task.finished_ms = Some(now_ms);
    let sample = task
        .shape()
        .filter(|_| remote.status == TaskStatus::Completed)
        .map(|shape| Sample {
            shape,
            took_ms: match (remote.created_at, remote.completed_at) {
                (Some(a), Some(b)) if b > a => b.abs_diff(a).saturating_mul(1000),
                _ => now_ms.saturating_sub(task.submitted_ms),
            },
        });
    Change {
        next: Next::Stop,
        event: Some(Event::Finished),
        sample,
    }
}

fn failed(
    task: &mut TaskRecord,
    e: &ApiError,
    schedule: Option<&mut Schedule>,
    with_key: bool,
) -> Change {
    match e.on_check(with_key) {
        CheckFailure::Forgotten => {
            task.state = TaskState::Forgotten;
            task.check_problem = None;
            Change {
                event: Some(Event::Forgotten),
                ..Change::next(Next::Stop)
            }
        }
        CheckFailure::KeyRejected => {
            task.check_problem = Some(
                "Checks paused: the API rejected the key. They resume when you change it in Settings."
                    .to_owned(),
            );
            Change {
                event: Some(Event::KeyRejected),
                ..Change::next(Next::Stop)
            }
        }
        CheckFailure::Refused => {
            task.check_problem = None;
            task.state = TaskState::Stopped(format!("Automatic checks stopped: {e}"));
            Change::next(Next::Stop)
        }
        CheckFailure::Temporary { retry_after_ms } => {
            task.check_problem = Some(match schedule {
                Some(s) => {
                    s.checks_done += 1;
                    s.failures += 1;
                    s.retry_after_ms = retry_after_ms;
                    format!("Last check failed: {e} Retrying automatically.")
                }
                None => format!("Check failed: {e}"),
            });
            Change::next(Next::Schedule)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AnswerText;
    use avatar_api::response::parse_task;
    use avatar_api::{AvatarRequest, ProRequest};

    const SENT: u64 = 1_000_000;

    fn running() -> TaskRecord {
        TaskRecord::accepted(
            "t1".into(),
            AvatarRequest::Pro(ProRequest::default()),
            20,
            SENT,
            TaskStatus::Processing,
            None,
        )
    }

    fn answer(body: &str) -> Result<TaskAnswer, ApiError> {
        Ok(TaskAnswer {
            task: parse_task(body).expect("a task answer"),
            excerpt: body.to_owned(),
        })
    }

    #[test]
    fn progress_keeps_the_schedule_and_clears_the_last_problem() {
        let mut task = running();
        task.check_problem = Some("Last check failed".into());
        let mut schedule = Schedule {
            failures: 2,
            ..Schedule::default()
        };
        let change = apply(
            &mut task,
            answer(r#"{"status":"processing","progress":40}"#),
            Some(&mut schedule),
            true,
            SENT + 5_000,
        );
        assert_eq!(change, Change::next(Next::Schedule));
        assert_eq!(task.progress, Some(0.4));
        assert_eq!(task.check_problem, None);
        assert_eq!((schedule.checks_done, schedule.failures), (1, 0));
        assert!(task.is_running());
    }

    #[test]
    fn a_finished_video_stops_checks_is_announced_and_timed() {
        let mut task = running();
        let change = apply(
            &mut task,
            answer(r#"{"status":"completed","videoUrl":"https://cdn.test/r.mp4"}"#),
            Some(&mut Schedule::default()),
            true,
            SENT + 90_000,
        );
        assert_eq!(change.next, Next::Stop);
        assert_eq!(change.event, Some(Event::Finished));
        assert_eq!(change.sample.map(|s| s.took_ms), Some(90_000));
        assert_eq!(task.state, TaskState::Reported(TaskStatus::Completed));
        assert_eq!(task.result_url(), Some("https://cdn.test/r.mp4"));
        assert_eq!(task.finished_ms, Some(SENT + 90_000));
        // The same answer again (another check in flight) announces nothing.
        let again = apply(
            &mut task,
            answer(r#"{"status":"completed","videoUrl":"https://cdn.test/r.mp4"}"#),
            None,
            true,
            SENT + 95_000,
        );
        assert_eq!(again, Change::next(Next::Stop));
        assert_eq!(task.finished_ms, Some(SENT + 90_000));
    }

    #[test]
    fn a_finished_transcription_keeps_its_lines_tidied_and_saved() {
        let mut task = running();
        task.request = crate::tasks::request::TaskRequest::Captions(
            avatar_api::transcribe::TranscribeRequest::new("https://cdn.test/r.mp4", 2.5),
        );
        // Completed without segments yet: waiting, as for a link.
        let change = apply(
            &mut task,
            answer(r#"{"status":"completed","text":"Hi"}"#),
            Some(&mut Schedule::default()),
            true,
            SENT + 3_000,
        );
        assert_eq!(change, Change::next(Next::After(LINKLESS_DELAY_MS)));
        let change = apply(
            &mut task,
            answer(
                r#"{"status":"completed","language":"en","segments":[{"start":"1.0","end":2.4,"text":" there."},{"start":0,"end":1.2,"text":"Hi"}]}"#,
            ),
            Some(&mut Schedule::default()),
            true,
            SENT + 4_000,
        );
        assert_eq!(change.event, Some(Event::Finished));
        let captions = task.result.as_ref().and_then(|r| r.captions()).unwrap();
        assert_eq!(captions.language.as_deref(), Some("en"));
        let times: Vec<_> = captions
            .lines
            .iter()
            .map(|l| (l.start_ms, l.end_ms))
            .collect();
        assert_eq!(times, [(0, 1_000), (1_000, 2_400)]);
        assert!(captions.note.contains("sorted"), "{}", captions.note);
        assert_eq!(task.result_url(), None, "captions are no link");
        let saved = serde_json::to_value(&task).unwrap();
        assert_eq!(saved["result"]["captions"]["lines"][1]["text"], "there.");
        assert_eq!(serde_json::from_value::<TaskRecord>(saved).unwrap(), task);
    }

    #[test]
    fn subtitles_a_speech_came_with_are_kept_once_inline_or_as_a_link_to_read() {
        let speech = || {
            let mut task = running();
            task.request = crate::tasks::request::TaskRequest::Speech(avatar_api::VoiceRequest {
                text: "Hi. Bye.".into(),
                generate_subtitle: true,
                ..avatar_api::VoiceRequest::default()
            });
            task
        };
        let mut task = speech();
        apply(
            &mut task,
            answer(
                r#"{"status":"completed","audioUrl":"https://o/a.wav","subtitle_srt":"1\n00:00:00,000 --> 00:00:01,000\nHi.\n"}"#,
            ),
            None,
            true,
            SENT + 1_000,
        );
        assert_eq!(task.captions().map(|c| c.lines.len()), Some(1));
        assert_eq!(task.subtitle_link, None);
        // Edits survive another check of the same answer.
        task.captions_mut().unwrap().lines[0].text = "Hello.".into();
        apply(
            &mut task,
            answer(
                r#"{"status":"completed","audioUrl":"https://o/a.wav","subtitle_srt":"1\n00:00:00,000 --> 00:00:01,000\nHi.\n"}"#,
            ),
            None,
            true,
            SENT + 2_000,
        );
        assert_eq!(task.captions().unwrap().lines[0].text, "Hello.");
        let mut linked = speech();
        apply(
            &mut linked,
            answer(
                r#"{"status":"completed","audioUrl":"https://o/a.wav","subtitleUrl":"https://o/a.srt"}"#,
            ),
            None,
            true,
            SENT + 1_000,
        );
        assert_eq!(linked.subtitle_link.as_deref(), Some("https://o/a.srt"));
        assert_eq!(linked.captions(), None, "read by the page later");
    }

    #[test]
    fn finished_speech_keeps_its_recording_and_the_model_the_api_used() {
        let mut task = running();
        task.request = crate::tasks::request::TaskRequest::Speech(avatar_api::VoiceRequest {
            text: "Hi.".into(),
            ..avatar_api::VoiceRequest::default()
        });
        // A video link in a speech answer is not the speech: still waiting for its link.
        let change = apply(
            &mut task,
            answer(r#"{"status":"completed","videoUrl":"https://cdn.test/r.mp4"}"#),
            Some(&mut Schedule::default()),
            true,
            SENT + 7_000,
        );
        assert_eq!(change, Change::next(Next::After(LINKLESS_DELAY_MS)));
        let change = apply(
            &mut task,
            answer(
                r#"{"status":"completed","model":"v1-real","audioUrl":"https://oss.test/t.wav"}"#,
            ),
            Some(&mut Schedule::default()),
            true,
            SENT + 8_000,
        );
        assert_eq!(change.event, Some(Event::Finished));
        assert_eq!(change.sample, None, "speech has no video shape to time");
        assert_eq!(
            task.result,
            Some(crate::tasks::request::TaskResult::Speech(
                "https://oss.test/t.wav".into()
            ))
        );
        assert_eq!(task.model_used.as_deref(), Some("v1-real"));
    }

    #[test]
    fn a_failure_keeps_the_providers_error_and_is_not_timed() {
        let mut task = running();
        let change = apply(
            &mut task,
            answer(r#"{"status":"failed","error":{"message":"No face."}}"#),
            Some(&mut Schedule::default()),
            true,
            SENT + 1_000,
        );
        assert_eq!(change.event, Some(Event::Finished));
        assert_eq!(change.sample, None);
        assert_eq!(task.error.map(|e| e.message).as_deref(), Some("No face."));
    }

    #[test]
    fn a_finished_task_without_a_link_is_rechecked_three_times_then_shown_without_a_video() {
        let mut task = running();
        let mut schedule = Schedule::default();
        let linkless = r#"{"status":"completed","videoUrl":"","note":"stored"}"#;
        for _ in 0..LINKLESS_RECHECKS {
            let change = apply(&mut task, answer(linkless), Some(&mut schedule), true, SENT);
            assert_eq!(change, Change::next(Next::After(LINKLESS_DELAY_MS)));
            assert!(task.is_running(), "still awaited");
            assert_eq!(task.check_problem.as_deref(), Some(AWAITING_LINK));
        }
        let change = apply(&mut task, answer(linkless), Some(&mut schedule), true, SENT);
        assert_eq!(change.event, Some(Event::Finished));
        assert_eq!(task.state, TaskState::Reported(TaskStatus::Completed));
        assert_eq!(task.result, None);
        assert!(task.answer.as_deref().is_some_and(|a| a.contains("stored")));
    }

    #[test]
    fn a_persons_check_takes_a_linkless_answer_at_once() {
        let mut task = running();
        let change = apply(
            &mut task,
            answer(r#"{"status":"completed"}"#),
            None,
            true,
            SENT,
        );
        assert_eq!(change.event, Some(Event::Finished));
        assert_eq!(task.result, None);
    }

    #[test]
    fn failures_follow_one_table() {
        let said = AnswerText::default;
        let cases: Vec<(ApiError, bool, &str, Option<Event>)> = vec![
            (ApiError::NotFound, true, "unknown", Some(Event::Forgotten)),
            (
                ApiError::Rejected,
                true,
                "processing",
                Some(Event::KeyRejected),
            ),
            (ApiError::Gone(said()), true, "stopped", None),
            (ApiError::Invalid(Vec::new()), true, "stopped", None),
        ];
        for (e, with_key, key, event) in cases {
            let mut task = running();
            let change = apply(&mut task, Err(e.clone()), None, with_key, SENT);
            assert_eq!(change.next, Next::Stop, "{e:?}");
            assert_eq!(change.event, event, "{e:?}");
            assert_eq!(task.status_key(), key, "{e:?}");
        }
        // Everything else is retried, a 402 and a proxy's 401 included.
        let temporary = [
            ApiError::Rejected,
            ApiError::NotEnoughCredits {
                required: None,
                balance: None,
                said: said(),
            },
            ApiError::Network,
            ApiError::Cors,
            ApiError::Forbidden(said()),
            ApiError::BadResponse("x".into()),
            ApiError::Server {
                status: 503,
                said: said(),
                retry_after_ms: Some(7_000),
            },
        ];
        for e in temporary {
            let mut task = running();
            let mut schedule = Schedule::default();
            let change = apply(&mut task, Err(e.clone()), Some(&mut schedule), false, SENT);
            assert_eq!(change, Change::next(Next::Schedule), "{e:?}");
            assert!(task.is_running(), "{e:?}");
            assert_eq!(schedule.failures, 1);
            assert_eq!(schedule.retry_after_ms, e.retry_after_ms());
            let problem = task.check_problem.unwrap_or_default();
            assert!(problem.ends_with("Retrying automatically."), "{problem}");
        }
    }

    #[test]
    fn check_again_after_a_stop_resumes_the_task() {
        let mut task = running();
        apply(
            &mut task,
            Err(ApiError::Gone(AnswerText::default())),
            None,
            true,
            SENT,
        );
        assert!(!task.is_running());
        let change = apply(
            &mut task,
            answer(r#"{"status":"processing"}"#),
            None,
            true,
            SENT,
        );
        assert_eq!(change.next, Next::Schedule);
        assert!(task.is_running());
    }
}
