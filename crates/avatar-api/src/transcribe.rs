//! Speech to text, `POST /api/v2/voice/transcribe`: a recording's words
//! with their times, for captions. Polled on its own [`STATUS_PATH`], not
//! the unified one (VOICE-IMAGE-CAPTIONS.md §2.3). Price: 1 credit per
//! second of audio, `ceil(duration_seconds)`, pre-deducted and refunded on
//! failure (§2.2). The caller declares the length; the page measures it.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::billing::{Credits, seconds_to_ms};
use crate::captions::Segment;
use crate::model::FieldError;
use crate::validate::{UrlProblem, check_url};

/// The submit endpoint.
pub const TRANSCRIBE_PATH: &str = "/api/v2/voice/transcribe";
/// Where a transcription is polled, before its id.
pub const STATUS_PATH: &str = "/api/v2/voice/transcribe/";

/// The longest audio sent, in seconds. The docs give no limit (§2.4); this
/// is ours, the same hour the avatar endpoints take.
pub const MAX_SECONDS: f64 = crate::model::MAX_AUDIO_SECONDS;

/// The price of transcribing `ms` milliseconds of audio: one credit per
/// second begun.
pub fn price_of_ms(ms: u64) -> Credits {
    ms.div_ceil(1000)
}

/// Body of `POST /api/v2/voice/transcribe`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TranscribeRequest {
    /// The recording (or video) whose words to read.
    pub audio_url: String,
    /// Its length in seconds: what is billed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// A language code; absent, the API detects it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Passthrough fields (whether the API echoes them is not documented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl TranscribeRequest {
    /// A request for the audio at `audio_url`, `seconds` long.
    pub fn new(audio_url: &str, seconds: f64) -> TranscribeRequest {
        TranscribeRequest {
            audio_url: audio_url.to_owned(),
            duration_seconds: Some(seconds),
            ..TranscribeRequest::default()
        }
    }

    /// The exact price, once the length is known and within the limit.
    pub fn price(&self) -> Option<Credits> {
        let ms = seconds_to_ms(self.duration_seconds?);
        (ms > 0 && ms <= seconds_to_ms(MAX_SECONDS)).then(|| price_of_ms(ms))
    }

    /// Every problem with this request, or `Ok` when the API should accept it.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let url_problem = match check_url(&self.audio_url) {
            Ok(()) => None,
            Err(UrlProblem::Missing) => Some("Audio URL is required: the words are read from it."),
            Err(UrlProblem::Scheme) => Some("Audio URL must start with http:// or https://."),
            Err(UrlProblem::Malformed) => {
                Some("Audio URL is not a valid web address (it needs a host name and no spaces).")
            }
        };
        if let Some(message) = url_problem {
            errors.push(FieldError::new("audio_url", message));
        }
        let length_problem = match self.duration_seconds {
            None => Some(
                "duration_seconds is required: the audio's length in seconds, which is billed."
                    .to_owned(),
            ),
            Some(s) if !(s.is_finite() && seconds_to_ms(s) > 0) => {
                Some("duration_seconds must be a number of seconds above 0.".to_owned())
            }
            Some(s) if seconds_to_ms(s) > seconds_to_ms(MAX_SECONDS) => Some(format!(
                "The audio is too long: at most {} minutes can be transcribed at once.",
                MAX_SECONDS as u64 / 60
            )),
            Some(_) => None,
        };
        if let Some(message) = length_problem {
            errors.push(FieldError::new("duration_seconds", &message));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Reads a submitted JSON body; `url` is taken as an alias of
    /// `audio_url` (the docs: "alias `url` also accepted").
    pub fn from_json(body: &Value) -> Result<Self, FieldError> {
        let body = crate::validate::Body::of(body)?;
        let audio_url = match body.string("audio_url")? {
            Some(url) => url,
            None => body.string("url")?.unwrap_or_default(),
        };
        Ok(TranscribeRequest {
            audio_url,
            duration_seconds: body.number("duration_seconds")?,
            language: body.string("language")?,
            metadata: body.value("metadata"),
        })
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A finished transcription: the words, the language the API reported,
/// and the timed segments as sent (before [`crate::captions::tidy`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    /// The whole text.
    pub text: String,
    /// E.g. `en`, when reported.
    pub language: Option<String>,
    /// Timed lines, in the order sent.
    pub segments: Vec<Segment>,
    /// Segments that had no readable time and were left out (the page says so).
    pub unreadable: usize,
}

/// Objects that may hold the transcription's fields besides the top level.
const NESTS: [&str; 3] = ["result", "output", "data"];

/// The transcription in a completed task object, when it has `segments`
/// (at the top level or inside `result`/`output`/`data`). Times are
/// numbers or numeric strings in seconds; other keys (Whisper's `id`,
/// `words`, …) are ignored; text is trimmed.
pub fn transcript_of(m: &Map<String, Value>) -> Option<Transcript> {
    let holder = std::iter::once(m)
        .chain(NESTS.iter().filter_map(|k| m.get(*k)?.as_object()))
        .find(|o| o.get("segments").is_some_and(Value::is_array))?;
    let listed = holder.get("segments").and_then(Value::as_array)?;
    let mut segments = Vec::with_capacity(listed.len());
    let mut unreadable = 0;
    for item in listed {
        let time = |k: &str| item.get(k).and_then(crate::response::number);
        match (time("start"), time("end")) {
            (Some(start), Some(end)) => {
                let text = item.get("text").and_then(Value::as_str).unwrap_or("");
                segments.push(Segment::from_seconds(start, end, text));
            }
            _ => unreadable += 1,
        }
    }
    let string = |k: &str| {
        (holder.get(k).or_else(|| m.get(k)))
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
    };
    Some(Transcript {
        text: string("text").unwrap_or_default(),
        language: string("language").filter(|l| !l.is_empty()),
        segments,
        unreadable,
    })
}

/// Subtitles a voice clone made when asked (`generate_subtitle`), in
/// whatever form it gave them. The field's name is not documented (§1.6),
/// so any top-level key naming subtitles, SRT, captions or VTT is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Subtitles {
    /// A link to a subtitle file (SRT or WebVTT), to fetch.
    Link(String),
    /// The subtitles themselves, inline or as a list of timed lines.
    Segments(Vec<Segment>),
}

/// Whether a result key names subtitles.
fn names_subtitles(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["subtitle", "srt", "caption", "vtt"]
        .iter()
        .any(|w| key.contains(w))
}

/// The subtitles in a completed task object, if any key names them and
/// holds a usable link, SRT/WebVTT text, or a list of `{start, end, text}`.
pub fn subtitles_of(m: &Map<String, Value>) -> Option<Subtitles> {
    m.iter()
        .filter(|(k, _)| names_subtitles(k))
        .find_map(|(_, v)| match v {
            Value::String(s) if crate::validate::is_http_url(s.trim()) => {
                Some(Subtitles::Link(s.trim().to_owned()))
            }
            Value::String(s) if s.contains("-->") => {
                Some(Subtitles::Segments(crate::captions::parse(s)))
            }
            Value::Array(_) => {
                let wrapped = Map::from_iter([("segments".to_owned(), v.clone())]);
                Some(Subtitles::Segments(transcript_of(&wrapped)?.segments))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_price_is_one_credit_per_second_begun() {
        let price = |s: f64| TranscribeRequest::new("https://x/a.wav", s).price();
        assert_eq!(price(42.0), Some(42));
        assert_eq!(price(12.3), Some(13));
        assert_eq!(price(0.4), Some(1));
        assert_eq!(price(3.0004), Some(3), "rounded to the millisecond first");
        assert_eq!(price(0.0), None);
        assert_eq!(price(MAX_SECONDS + 1.0), None);
        assert_eq!(TranscribeRequest::default().price(), None);
    }

    #[test]
    fn every_problem_is_named_and_url_is_an_alias() {
        let r = TranscribeRequest::from_json(&json!({"url": "https://x/a.mp3"})).unwrap();
        assert_eq!(r.audio_url, "https://x/a.mp3");
        let fields: Vec<_> = (r.validate().unwrap_err().into_iter())
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["duration_seconds"]);
        let long = TranscribeRequest::new("ftp://x", MAX_SECONDS * 2.0);
        let errors = long.validate().unwrap_err();
        assert_eq!(errors[0].field, "audio_url");
        assert!(errors[1].message.contains("too long"), "{errors:?}");
        assert!(
            TranscribeRequest::new("https://x/a", 2.5)
                .validate()
                .is_ok()
        );
        let bad = TranscribeRequest::from_json(&json!({"duration_seconds": "42"}));
        assert_eq!(bad.unwrap_err().field, "duration_seconds");
        assert_eq!(
            TranscribeRequest::new("https://x/a.mp3", 42.0).to_json(),
            json!({"audio_url": "https://x/a.mp3", "duration_seconds": 42.0})
        );
    }

    #[test]
    fn transcripts_are_read_in_the_shapes_providers_send() {
        let documented = object(json!({
            "status": "completed", "_type": "voice.transcribe", "text": " Hi. Bye. ",
            "language": "en",
            "segments": [{"start": 0.0, "end": 1.2, "text": " Hi."},
                         {"start": "1.5", "end": "2.25", "text": "Bye.", "id": 1, "words": []},
                         {"start": null, "end": 3, "text": "lost"}]
        }));
        let t = transcript_of(&documented).unwrap();
        assert_eq!(t.text, "Hi. Bye.");
        assert_eq!(t.language.as_deref(), Some("en"));
        assert_eq!(t.segments[0], Segment::from_seconds(0.0, 1.2, "Hi."));
        assert_eq!((t.segments[1].start_ms, t.segments[1].end_ms), (1500, 2250));
        assert_eq!(t.unreadable, 1);
        let nested = object(json!({"status": "completed", "language": "de",
            "result": {"text": "Hallo", "segments": []}}));
        let t = transcript_of(&nested).unwrap();
        assert_eq!(
            (t.text.as_str(), t.language.as_deref()),
            ("Hallo", Some("de"))
        );
        assert!(t.segments.is_empty());
        assert_eq!(transcript_of(&object(json!({"status": "completed"}))), None);
    }

    #[test]
    fn subtitles_are_found_under_any_name_that_says_so() {
        let link = object(json!({"audioUrl": "https://o/a.wav", "subtitleUrl": "https://o/a.srt"}));
        assert_eq!(
            subtitles_of(&link),
            Some(Subtitles::Link("https://o/a.srt".into()))
        );
        let inline = object(json!({"srt": "1\n00:00:00,000 --> 00:00:01,500\nHi\n"}));
        assert_eq!(
            subtitles_of(&inline),
            Some(Subtitles::Segments(vec![Segment::from_seconds(
                0.0, 1.5, "Hi"
            )]))
        );
        let list = object(json!({"captions": [{"start": 0, "end": 1, "text": "Hi"}]}));
        assert!(matches!(subtitles_of(&list), Some(Subtitles::Segments(s)) if s.len() == 1));
        let none = object(json!({"subtitle_language": "en", "audioUrl": "https://o/a.wav"}));
        assert_eq!(subtitles_of(&none), None);
    }
}
