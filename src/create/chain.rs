//! "Make speech, then the video": one click sends the speech, waits for it,
//! measures it and sends the video, but only if the video's price (known
//! once the speech's length is) is within the limit the person approved
//! before the first request; otherwise it stops and asks. Pure: the view
//! is [`super::chain_view`].
//!
//! The chain is saved at each step, so a reload never sends anything
//! twice: a POST that was out when the page went away becomes a task of
//! unknown outcome ([`Chain::after_reload`]), and the next visit shows
//! where the chain stands and offers the rest.

use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::model::{Field, Model};
use avatar_api::{TaskStatus, voice};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::plan::{self, Plan};
use crate::form::Form;
use crate::tasks::record::{TaggedText, TaskRecord, TaskState, read_tagged, write_tagged};
use crate::tasks::request::{TaskRequest, TaskResult};

/// A speech link that stands for the one not made yet, to check and price
/// the video before it exists.
const SOME_SPEECH: &str = "https://speech.invalid/speech.wav";
/// How much longer than its estimate the speech may be in the suggested
/// limit: room for a slower voice or pauses.
const SUGGESTED_ROOM: f64 = 1.5;

/// A speech, and the video to make with it, on their way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// The speech's request.
    pub speech: TaskRequest,
    /// Its estimated price.
    pub speech_credits: u64,
    /// The video: as the form was at the click, then with the speech
    /// filled in once it is measured ([`Chain::priced`]).
    pub video: TaskRequest,
    /// The video's exact price, once the speech is measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_credits: Option<u64>,
    /// The most the video may cost, approved before the first request.
    pub limit: u64,
    /// Where it stands.
    pub step: Step,
}

/// Where a chain stands. Saved as one tagged string ([`TaggedText`]):
/// `sending-speech`, `speech:<task id>`, `sending-video`, `stopped:<why>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The speech's POST is out.
    SendingSpeech,
    /// The speech task with this id is being made.
    Speech(String),
    /// The video's POST is out.
    SendingVideo,
    /// Stopped before the video was sent, for this reason. The video is
    /// still offered when it has a price ([`Chain::offer`]).
    Stopped(String),
}

impl TaggedText for Step {
    fn tagged(&self) -> (&str, &str) {
        match self {
            Step::SendingSpeech => ("sending-speech", ""),
            Step::Speech(id) => ("speech", id),
            Step::SendingVideo => ("sending-video", ""),
            Step::Stopped(why) => ("stopped", why),
        }
    }

    fn untagged(tag: &str, text: &str) -> Option<Self> {
        Some(match tag {
            "sending-speech" => Step::SendingSpeech,
            "speech" => Step::Speech(text.to_owned()),
            "sending-video" => Step::SendingVideo,
            "stopped" => Step::Stopped(text.to_owned()),
            _ => return None,
        })
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_tagged(self, s)
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_tagged(d)
    }
}

/// What the chain does about its speech task.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// It is still being made.
    Wait,
    /// It is ready at this link: measure it.
    Measure(String),
    /// It will not be ready: the chain stops, for this reason.
    Stop(String),
}

/// Why the chain cannot start with this form (`None`: it can).
pub fn refusal(form: &Form, has_variants: bool) -> Option<String> {
    if form.model == Model::DualAvatar {
        return Some("Make speech, then the video works for AI Avatar Pro and AI Avatar: a Dual Avatar needs each speaker's own recording.".to_owned());
    }
    if has_variants {
        return Some("Make speech, then the video sends one video: remove the variants, or make the speech and use it from the task list.".to_owned());
    }
    let video = with_speech(form, SOME_SPEECH, 1.0);
    let first = (video.errors.iter()).find(|e| {
        e.field != Field::AudioUrl.name() && e.field != Field::AudioDurationSeconds.name()
    });
    first.map(|e| format!("The video's form first: {}", e.message))
}

/// The form with the speech at `url`, `seconds` long, as the video it sends.
fn with_speech(form: &Form, url: &str, seconds: f64) -> plan::Video {
    let mut form = form.clone();
    form.set_billing_audio(url.to_owned());
    form.audio_measured(url, seconds);
    plan::videos(&form, &[]).remove(0)
}

/// A limit to suggest for the video of `form` with speech read from
/// `script`: its price with speech [`SUGGESTED_ROOM`] times as long as the
/// script's estimated reading time; `None` while it has no price.
pub fn suggested_limit(form: &Form, script: &str) -> Option<u64> {
    let seconds = (voice::estimate_seconds(script) * SUGGESTED_ROOM).max(1.0);
    with_speech(form, SOME_SPEECH, seconds.ceil()).credits()
}

impl Chain {
    /// A chain about to send `speech` (priced `speech_credits`), then the
    /// video of `form` if it costs at most `limit`.
    pub fn new(speech: TaskRequest, speech_credits: u64, form: &Form, limit: u64) -> Chain {
        Chain {
            speech,
            speech_credits,
            video: form.to_request().into(),
            video_credits: None,
            limit,
            step: Step::SendingSpeech,
        }
    }

    /// The speech task it waits for, if it waits.
    pub fn speech_task(&self) -> Option<&str> {
        match &self.step {
            Step::Speech(id) => Some(id),
            _ => None,
        }
    }

    /// The video and its price, when it was stopped with one still to send.
    pub fn offer(&self) -> Option<u64> {
        matches!(self.step, Step::Stopped(_))
            .then_some(self.video_credits)
            .flatten()
    }

    /// The video to send, once priced.
    pub fn video_plan(&self) -> Option<Plan> {
        Some(Plan::one(self.video.clone(), self.video_credits?))
    }

    /// Fills in the speech at `url`, `seconds` long, and prices the video.
    /// True when it may be sent, within the limit; else the chain is
    /// stopped, saying why (and offering the video when it has a price).
    pub fn priced(&mut self, url: &str, seconds: f64) -> bool {
        let Some(request) = self.video.video() else {
            self.step = Step::Stopped("This chain has no video.".to_owned());
            return false;
        };
        let video = with_speech(&Form::from_request(request), url, seconds);
        let why = match (video.errors.first(), video.credits()) {
            (Some(e), _) => format!(
                "The speech is ready, but the video cannot be sent: {}",
                e.message
            ),
            (None, None) => "The speech is ready, but the video's price is unknown.".to_owned(),
            (None, Some(credits)) => {
                self.video = video.request.into();
                self.video_credits = Some(credits);
                if credits <= self.limit {
                    self.step = Step::SendingVideo;
                    return true;
                }
                format!(
                    "The speech is ready ({} s), and the video costs {credits} credits: more than the {} you approved. It was not sent.",
                    format_seconds(seconds_to_ms(seconds)),
                    self.limit
                )
            }
        };
        self.step = Step::Stopped(why);
        false
    }

    /// The chain after the answer to its POST: the accepted task's id, or
    /// the words of a refusal (`None`: no readable answer, and the task is
    /// kept in the list as "Outcome unknown"). `None` once it is over: the
    /// video was accepted, or the speech was not (the sender says why).
    pub fn answered(mut self, answer: Result<String, Option<String>>) -> Option<Chain> {
        match (&self.step, answer) {
            (Step::SendingSpeech, Ok(id)) => self.step = Step::Speech(id),
            (Step::SendingVideo, Err(Some(why))) => {
                self.step = Step::Stopped(format!("The video was not sent: {why}"))
            }
            _ => return None,
        }
        Some(self)
    }

    /// Where it stands, in words; `here`: this page carries it out.
    pub fn status(&self, here: bool) -> String {
        let most = self.limit;
        match &self.step {
            Step::SendingSpeech => "Make speech, then the video: sending the speech…".to_owned(),
            Step::SendingVideo => format!(
                "Make speech, then the video: sending the video · {} credits…",
                self.video_credits.unwrap_or(0)
            ),
            Step::Speech(id) if here => format!(
                "Make speech, then the video: the speech is being made (task {id}). When it is ready the page measures it and sends the video if it costs at most {most} credits."
            ),
            Step::Speech(id) => format!(
                "From your last visit: Make speech, then the video is waiting for the speech (task {id}), then sends the video if it costs at most {most} credits. If another tab of this page still runs it, go on there."
            ),
            Step::Stopped(why) => why.clone(),
        }
    }

    /// After a reload: a POST that was out when the page went away may have
    /// been accepted and charged. Returns its task (kept in the list as
    /// "Outcome unknown") and stops the chain, saying so.
    pub fn after_reload(&mut self, now_ms: u64, key: Option<String>) -> Option<TaskRecord> {
        let (request, credits, why) = match &self.step {
            Step::SendingSpeech => (
                self.speech.clone(),
                self.speech_credits,
                "The page was closed while the speech was being sent, so the video was not sent. Check the task list and your balance before making the speech again.",
            ),
            Step::SendingVideo => (
                self.video.clone(),
                self.video_credits.unwrap_or(0),
                "The page was closed while the video was being sent: it is in the list as \"Outcome unknown\". Check your balance before sending it again.",
            ),
            Step::Speech(_) | Step::Stopped(_) => return None,
        };
        let closed = "The page was closed while it was being sent: it may have been accepted and charged, and is in the list as \"Outcome unknown\".";
        self.step = Step::Stopped(why.to_owned());
        // Never offered again: it may have been sent.
        self.video_credits = None;
        Some(TaskRecord::outcome_unknown(
            request,
            credits,
            now_ms,
            closed.to_owned(),
            key,
        ))
    }
}

/// What the chain does about its speech `task` (`None`: no longer in the list).
pub fn next(task: Option<&TaskRecord>) -> Next {
    let Some(task) = task else {
        return Next::Stop(
            "The speech task is no longer in your list, so the video was not sent.".to_owned(),
        );
    };
    let stop = |what: String| Next::Stop(format!("{what}, so the video was not sent."));
    match (&task.state, &task.result) {
        (_, Some(TaskResult::Speech(url))) => Next::Measure(url.clone()),
        (TaskState::Reported(TaskStatus::Completed), None) if task.answer.is_some() => {
            stop("The speech finished without a usable link".to_owned())
        }
        (TaskState::Reported(TaskStatus::Completed), None) => Next::Wait,
        (TaskState::Reported(status), _) if !status.is_final() => Next::Wait,
        (TaskState::Reported(TaskStatus::Failed), _) => stop(match &task.error {
            Some(e) => format!("The speech failed ({})", e.message),
            None => "The speech failed".to_owned(),
        }),
        (state, _) => stop(format!("The speech is \"{}\"", state.label())),
    }
}

#[cfg(test)]
mod tests;
