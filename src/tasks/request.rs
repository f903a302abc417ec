//! What a task asked for and what it made, by kind ([`Kind`]): a talking
//! video, speech from a script, or a portrait from a description. The list,
//! the poller, the credit log, Compare and the history file read them
//! through the methods here, never through a kind's own fields.

use avatar_api::billing::{format_seconds, seconds_to_ms};
use avatar_api::estimate::Shape;
use avatar_api::image::IMAGE_PRICE;
use avatar_api::model::{self, Model};
use avatar_api::transcribe::{self, TranscribeRequest};
use avatar_api::{AvatarRequest, ImageRequest, Kind, VoiceRequest};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::record::{TaggedText, write_tagged};
use crate::captions::Captions;

/// The saved name of a speech request's endpoint (beside the avatar models' ids).
const SPEECH_TAG: &str = "voice-clone";
/// The saved name of a portrait request's endpoint.
const PORTRAIT_TAG: &str = "image-generate";
/// The saved name of a transcription's endpoint.
const CAPTIONS_TAG: &str = "voice-transcribe";

/// What a task asked for: the request sent, typed by kind. Saved as
/// `{"model": <endpoint>, "body": {...}}`, one form for every kind
/// (`avatar-pro`, `digital-human`, `dual-avatar`, `voice-clone`,
/// `image-generate`, `voice-transcribe`).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskRequest {
    /// A talking video, from one of the three avatar endpoints.
    Video(AvatarRequest),
    /// Speech read from a script in a reference voice.
    Speech(VoiceRequest),
    /// A picture drawn from a description.
    Portrait(ImageRequest),
    /// The timed words of a finished video or speech, for its captions.
    Captions(TranscribeRequest),
}

impl From<AvatarRequest> for TaskRequest {
    fn from(request: AvatarRequest) -> Self {
        TaskRequest::Video(request)
    }
}

#[derive(Serialize)]
struct Out<'a> {
    model: &'a str,
    body: Value,
}

#[derive(Deserialize)]
struct In {
    model: String,
    body: Value,
}

impl Serialize for TaskRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let model = match self {
            TaskRequest::Video(r) => r.model().id(),
            TaskRequest::Speech(_) => SPEECH_TAG,
            TaskRequest::Portrait(_) => PORTRAIT_TAG,
            TaskRequest::Captions(_) => CAPTIONS_TAG,
        };
        Out {
            model,
            body: self.to_json(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TaskRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let In { model, body } = In::deserialize(d)?;
        let typed = |e: avatar_api::FieldError| D::Error::custom(e.message);
        Ok(match model.as_str() {
            SPEECH_TAG => TaskRequest::Speech(VoiceRequest::from_json(&body).map_err(typed)?),
            PORTRAIT_TAG => TaskRequest::Portrait(ImageRequest::from_json(&body).map_err(typed)?),
            CAPTIONS_TAG => {
                TaskRequest::Captions(TranscribeRequest::from_json(&body).map_err(typed)?)
            }
            id => {
                let model =
                    Model::from_id(id).ok_or_else(|| D::Error::custom("an unknown model"))?;
                let request = AvatarRequest::from_json(model, &body).map_err(typed)?;
                TaskRequest::Video(request)
            }
        })
    }
}

impl TaskRequest {
    /// Which kind of task it is.
    pub fn kind(&self) -> Kind {
        match self {
            TaskRequest::Video(_) => Kind::Video,
            TaskRequest::Speech(_) => Kind::Speech,
            TaskRequest::Portrait(_) => Kind::Portrait,
            TaskRequest::Captions(_) => Kind::Captions,
        }
    }

    /// The video request, for a video task.
    pub fn video(&self) -> Option<&AvatarRequest> {
        match self {
            TaskRequest::Video(request) => Some(request),
            _ => None,
        }
    }

    /// The speech request, for a speech task.
    pub fn speech(&self) -> Option<&VoiceRequest> {
        match self {
            TaskRequest::Speech(request) => Some(request),
            _ => None,
        }
    }

    /// The transcription request, for a captions task.
    pub fn captions(&self) -> Option<&TranscribeRequest> {
        match self {
            TaskRequest::Captions(request) => Some(request),
            _ => None,
        }
    }

    /// Where it is sent, relative to the API base URL.
    pub fn submit_path(&self) -> &'static str {
        match self {
            TaskRequest::Video(r) => r.model().submit_path(),
            TaskRequest::Speech(_) => avatar_api::voice::CLONE_PATH,
            TaskRequest::Portrait(_) => avatar_api::image::GENERATE_PATH,
            TaskRequest::Captions(_) => transcribe::TRANSCRIBE_PATH,
        }
    }

    /// The JSON body sent.
    pub fn to_json(&self) -> Value {
        match self {
            TaskRequest::Video(r) => r.to_json(),
            TaskRequest::Speech(r) => r.to_json(),
            TaskRequest::Portrait(r) => r.to_json(),
            TaskRequest::Captions(r) => r.to_json(),
        }
    }

    /// Its price, when known: exact, except for speech ([`TaskRequest::is_estimate`]).
    pub fn price(&self) -> Option<u64> {
        match self {
            TaskRequest::Video(r) => r.quote().map(|q| q.credits),
            TaskRequest::Speech(r) => Some(r.estimate()),
            TaskRequest::Portrait(_) => Some(IMAGE_PRICE),
            TaskRequest::Captions(r) => r.price(),
        }
    }

    /// Every problem with it (empty when the API should accept it).
    pub fn problems(&self) -> Vec<avatar_api::FieldError> {
        let checked = match self {
            TaskRequest::Video(r) => r.validate(),
            TaskRequest::Speech(r) => r.validate(),
            TaskRequest::Portrait(r) => r.validate(),
            TaskRequest::Captions(r) => r.validate(),
        };
        checked.err().unwrap_or_default()
    }

    /// True when its price is the page's estimate, not a published price
    /// (speech: the provider publishes none).
    pub fn is_estimate(&self) -> bool {
        matches!(self, TaskRequest::Speech(_))
    }

    /// What the task is called: the endpoint's name ("AI Avatar Pro",
    /// "Speech", "Portrait").
    pub fn label(&self) -> &'static str {
        match self {
            TaskRequest::Video(request) => request.model().label(),
            TaskRequest::Speech(_) => "Speech",
            TaskRequest::Portrait(_) => "Portrait",
            TaskRequest::Captions(_) => "Captions",
        }
    }

    /// A short description of its parameters.
    pub fn summary(&self) -> String {
        match self {
            TaskRequest::Video(request) => summary(request),
            TaskRequest::Speech(r) => format!(
                "“{}” · {} characters · {}",
                shortened(&r.text),
                r.text.chars().count(),
                r.model
            ),
            TaskRequest::Portrait(r) => {
                let model = r.image_model().map_or(r.model.as_str(), |m| m.label());
                format!("“{}” · {} · {model}", shortened(&r.prompt), r.size)
            }
            TaskRequest::Captions(r) => format!(
                "The words of {} s of audio · {}",
                r.duration_seconds
                    .map_or("?".to_owned(), |s| format_seconds(seconds_to_ms(s))),
                r.audio_url.rsplit('/').next().unwrap_or_default()
            ),
        }
    }

    /// A picture to show beside it (a video's portrait), if any.
    pub fn thumbnail_url(&self) -> Option<&str> {
        match self {
            TaskRequest::Video(request) => request.thumbnail_url(),
            _ => None,
        }
    }

    /// The job's size, for time estimates (videos only).
    pub fn shape(&self) -> Option<Shape> {
        match self {
            TaskRequest::Video(request) => request.shape(),
            _ => None,
        }
    }
}

/// The first words of `text`, up to 48 characters.
fn shortened(text: &str) -> String {
    const MAX: usize = 48;
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_owned(),
    }
}

/// What a finished task made: a video, speech or picture at the link the
/// provider serves it from ([`TaskResult::link`]), or captions, kept here.
/// The list, Compare, the saved copies and the history file reach it
/// through these methods. A link is saved as one string ([`TaggedText`]):
/// `video:<link>`, `speech:<link>`, `portrait:<link>`; captions as
/// `{"captions": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskResult {
    /// A talking video (the avatar endpoints).
    Video(String),
    /// Speech (a recording).
    Speech(String),
    /// A picture.
    Portrait(String),
    /// The timed words of a video or speech.
    Captions(Captions),
}

impl TaggedText for TaskResult {
    fn tagged(&self) -> (&str, &str) {
        (self.kind().noun(), self.link().unwrap_or_default())
    }

    fn untagged(tag: &str, text: &str) -> Option<Self> {
        let kind = Kind::ALL.into_iter().find(|k| k.noun() == tag)?;
        TaskResult::of(kind, text.to_owned())
    }
}

/// Saved captions: `{"captions": {...}}`.
#[derive(Serialize)]
struct SavedCaptions<'a> {
    captions: &'a Captions,
}

impl Serialize for TaskResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TaskResult::Captions(captions) => SavedCaptions { captions }.serialize(s),
            _ => write_tagged(self, s),
        }
    }
}

/// Reads a link's tagged string, or saved captions, without a buffered
/// `Value` (each deserializer a derived type meets costs the wasm its copy).
struct ResultVisitor;

impl<'de> serde::de::Visitor<'de> for ResultVisitor {
    type Value = TaskResult;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a tagged link or captions")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TaskResult, E> {
        let (tag, words) = text.split_once(':').unwrap_or((text, ""));
        TaskResult::untagged(tag, words).ok_or_else(|| E::custom("an unknown tag"))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TaskResult, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "captions" {
                found = Some(map.next_value::<Captions>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        found
            .map(TaskResult::Captions)
            .ok_or_else(|| A::Error::custom("no captions"))
    }
}

impl<'de> Deserialize<'de> for TaskResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ResultVisitor)
    }
}

impl TaskResult {
    /// What a task of `kind` made, at `url` (`None` for captions: they are
    /// no link).
    pub fn of(kind: Kind, url: String) -> Option<TaskResult> {
        Some(match kind {
            Kind::Video => TaskResult::Video(url),
            Kind::Speech => TaskResult::Speech(url),
            Kind::Portrait => TaskResult::Portrait(url),
            Kind::Captions => return None,
        })
    }

    /// What kind of thing it is.
    pub fn kind(&self) -> Kind {
        match self {
            TaskResult::Video(_) => Kind::Video,
            TaskResult::Speech(_) => Kind::Speech,
            TaskResult::Portrait(_) => Kind::Portrait,
            TaskResult::Captions(_) => Kind::Captions,
        }
    }

    /// The link to what the task made (captions have none).
    pub fn link(&self) -> Option<&str> {
        match self {
            TaskResult::Video(url) | TaskResult::Speech(url) | TaskResult::Portrait(url) => {
                Some(url)
            }
            TaskResult::Captions(_) => None,
        }
    }

    /// The captions, for a transcription.
    pub fn captions(&self) -> Option<&Captions> {
        match self {
            TaskResult::Captions(captions) => Some(captions),
            _ => None,
        }
    }
}

/// A short description of a request's parameters.
pub fn summary(request: &AvatarRequest) -> String {
    match request {
        AvatarRequest::Pro(r) => {
            // A number none of the allowed values (an imported task's) reads as sent.
            let duration = r.duration();
            let mut length =
                duration.map_or_else(|| format!("{} s", r.duration), model::Duration::label);
            if let Some(s) = r
                .audio_duration_seconds
                .filter(|_| duration.is_some_and(model::Duration::follows_audio))
            {
                length = format!("{length} ({} s)", format_seconds(seconds_to_ms(s)));
            }
            format!("{length} · {} px · {} fps", r.resolution, r.framerate)
        }
        AvatarRequest::DigitalHuman(r) => format!(
            "{} audio · {}×{}{}",
            audio(r.audio_duration_seconds),
            r.width,
            r.height,
            if r.input_video_url.is_some() {
                " · from video"
            } else {
                ""
            }
        ),
        AvatarRequest::Dual(r) => format!(
            "{} audio · {}×{} · two speakers",
            audio(r.audio_duration_seconds),
            r.width,
            r.height
        ),
    }
}

fn audio(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) => format!("{} s", format_seconds(seconds_to_ms(s))),
        None => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::ProRequest;
    use serde_json::json;

    fn round_trip(request: TaskRequest) -> TaskRequest {
        let saved = serde_json::to_value(&request).unwrap();
        serde_json::from_value(saved).unwrap()
    }

    #[test]
    fn every_kind_is_saved_in_one_form_and_read_back() {
        let speech = TaskRequest::Speech(VoiceRequest {
            text: "Hello there.".into(),
            reference_audio_url: "https://x/v.wav".into(),
            pitch_ratio: -2.5,
            ..VoiceRequest::default()
        });
        let saved = serde_json::to_value(&speech).unwrap();
        assert_eq!(saved["model"], "voice-clone");
        assert_eq!(saved["body"]["text"], "Hello there.");
        assert_eq!(round_trip(speech.clone()), speech);
        let portrait = TaskRequest::Portrait(ImageRequest {
            prompt: "a face".into(),
            seed: Some(7),
            image_urls: vec!["https://x/a.png".into()],
            ..ImageRequest::default()
        });
        assert_eq!(
            serde_json::to_value(&portrait).unwrap()["model"],
            "image-generate"
        );
        assert_eq!(round_trip(portrait.clone()), portrait);
        let video = TaskRequest::Video(AvatarRequest::Pro(ProRequest::default()));
        assert_eq!(serde_json::to_value(&video).unwrap()["model"], "avatar-pro");
        assert_eq!(round_trip(video.clone()), video);
        let unknown = json!({"model": "voice-podcast", "body": {}});
        assert!(serde_json::from_value::<TaskRequest>(unknown).is_err());
    }

    #[test]
    fn results_are_tagged_by_kind() {
        for (result, saved) in [
            (
                TaskResult::Video("https://x/v.mp4".into()),
                "video:https://x/v.mp4",
            ),
            (
                TaskResult::Speech("https://x/s.wav".into()),
                "speech:https://x/s.wav",
            ),
            (
                TaskResult::Portrait("https://x/p.png".into()),
                "portrait:https://x/p.png",
            ),
        ] {
            assert_eq!(serde_json::to_value(&result).unwrap(), saved);
            assert_eq!(
                serde_json::from_value::<TaskResult>(json!(saved)).unwrap(),
                result
            );
        }
    }

    #[test]
    fn prices_say_whether_they_are_estimates() {
        let speech = TaskRequest::Speech(VoiceRequest {
            text: "你好 world".into(),
            ..VoiceRequest::default()
        });
        assert_eq!((speech.price(), speech.is_estimate()), (Some(10), true));
        let portrait = TaskRequest::Portrait(ImageRequest::default());
        assert_eq!((portrait.price(), portrait.is_estimate()), (Some(3), false));
        assert_eq!(portrait.problems()[0].field, "prompt");
        assert_eq!(speech.kind().status_path(), "/api/v2/tasks/");
        assert_eq!(speech.summary(), "“你好 world” · 8 characters · v2-emotion");
    }
}
