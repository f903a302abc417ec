//! Voice cloning, `POST /api/v2/voice/clone`: a typed script read aloud in
//! the timbre of a reference recording. Polled on the unified
//! [`TASKS_PATH`](crate::kind::TASKS_PATH); the result is `audioUrl`.
//!
//! The provider publishes no price for it (VOICE-IMAGE-CAPTIONS.md §1.4), so
//! [`estimate`] applies the rule it publishes for the same speech engine
//! (podcast and dubbing): 2 credits per CJK character, 1 per other
//! character, settled on completion. Everything showing it says "estimate".

use serde::Serialize;
use serde_json::Value;

use crate::billing::Credits;
use crate::model::FieldError;
use crate::validate::{UrlProblem, check_url};

/// The submit endpoint.
pub const CLONE_PATH: &str = "/api/v2/voice/clone";

/// Scripts longer than this get a warning, not a refusal: the provider's
/// older (v1) docs advise synchronous cloning for "less than 1000
/// characters"; the v2 docs give no limit.
pub const SCRIPT_WARN_CHARS: usize = 1000;

/// The ranges the v1 docs gave for the fields of the same names (the v2 docs
/// give none), as (least, default, most). Steps of a tenth.
pub const SPEED_RANGE: (f64, f64, f64) = (0.5, 1.0, 2.0);
/// Semitones.
pub const PITCH_RANGE: (f64, f64, f64) = (-10.0, 0.0, 10.0);
/// Loudness factor.
pub const VOLUME_RANGE: (f64, f64, f64) = (0.1, 1.0, 2.0);

/// The speech models the docs list, the default first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceModel {
    /// `v2-emotion` (the default).
    V2Emotion,
    /// `v1-real`.
    V1Real,
    /// `v3-qwen`.
    V3Qwen,
    /// `omni`.
    Omni,
    /// `voxcpm`.
    VoxCpm,
}

impl VoiceModel {
    /// Every model, the default first.
    pub const ALL: [VoiceModel; 5] = [
        VoiceModel::V2Emotion,
        VoiceModel::V1Real,
        VoiceModel::V3Qwen,
        VoiceModel::Omni,
        VoiceModel::VoxCpm,
    ];

    /// The wire id, e.g. `v2-emotion`.
    pub fn id(self) -> &'static str {
        match self {
            VoiceModel::V2Emotion => "v2-emotion",
            VoiceModel::V1Real => "v1-real",
            VoiceModel::V3Qwen => "v3-qwen",
            VoiceModel::Omni => "omni",
            VoiceModel::VoxCpm => "voxcpm",
        }
    }

    /// The model whose id is `id`.
    pub fn from_id(id: &str) -> Option<VoiceModel> {
        VoiceModel::ALL.into_iter().find(|m| m.id() == id)
    }
}

fn default_model() -> String {
    VoiceModel::V2Emotion.id().to_owned()
}

/// Body of `POST /api/v2/voice/clone`. Unknown fields are ignored; the
/// model travels as its id so an unknown one is reported by [`validate`](VoiceRequest::validate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceRequest {
    /// What to say.
    pub text: String,
    /// The recording whose voice to use (wav/mp3, public).
    pub reference_audio_url: String,
    /// A [`VoiceModel`] id.
    pub model: String,
    /// Speaking speed factor.
    pub speed_ratio: f64,
    /// Pitch offset in semitones.
    pub pitch_ratio: f64,
    /// Loudness factor.
    pub volume_ratio: f64,
    /// Asks for subtitles too (their result field is not documented).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generate_subtitle: bool,
    /// Passthrough fields echoed back on the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Default for VoiceRequest {
    fn default() -> Self {
        VoiceRequest {
            text: String::new(),
            reference_audio_url: String::new(),
            model: default_model(),
            speed_ratio: SPEED_RANGE.1,
            pitch_ratio: PITCH_RANGE.1,
            volume_ratio: VOLUME_RANGE.1,
            generate_subtitle: false,
            metadata: None,
        }
    }
}

impl VoiceRequest {
    /// The model asked for, when it is one the docs list.
    pub fn voice_model(&self) -> Option<VoiceModel> {
        VoiceModel::from_id(&self.model)
    }

    /// The estimated price (see the module docs).
    pub fn estimate(&self) -> Credits {
        estimate(&self.text)
    }

    /// Every problem with this request, or `Ok` when the API should accept it.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.text.trim().is_empty() {
            errors.push(FieldError::new(
                "text",
                "Write the script: the speech needs at least one word.",
            ));
        }
        if let Err(problem) = check_audio_url(&self.reference_audio_url) {
            errors.push(FieldError::new("reference_audio_url", &problem));
        }
        if self.voice_model().is_none() {
            let ids: Vec<_> = VoiceModel::ALL.iter().map(|m| m.id()).collect();
            errors.push(FieldError::new(
                "model",
                &format!("Voice model must be one of {}.", ids.join(", ")),
            ));
        }
        // Texts, not formatted floats: printing an f64 links core's float formatting.
        let ranges = [
            (
                "speed_ratio",
                self.speed_ratio,
                SPEED_RANGE,
                "Speed must be from 0.5 to 2.",
            ),
            (
                "pitch_ratio",
                self.pitch_ratio,
                PITCH_RANGE,
                "Pitch must be from -10 to 10 semitones.",
            ),
            (
                "volume_ratio",
                self.volume_ratio,
                VOLUME_RANGE,
                "Volume must be from 0.1 to 2.",
            ),
        ];
        for (field, value, (least, _, most), message) in ranges {
            if !(least..=most).contains(&value) {
                errors.push(FieldError::new(field, message));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Reads a submitted JSON body; a field of the wrong JSON type is named
    /// (rule checks are [`validate`](Self::validate)'s).
    pub fn from_json(body: &Value) -> Result<Self, FieldError> {
        let body = crate::validate::Body::of(body)?;
        let d = VoiceRequest::default();
        Ok(VoiceRequest {
            text: body.string("text")?.unwrap_or(d.text),
            reference_audio_url: body
                .string("reference_audio_url")?
                .unwrap_or(d.reference_audio_url),
            model: body.string("model")?.unwrap_or(d.model),
            speed_ratio: body.number("speed_ratio")?.unwrap_or(d.speed_ratio),
            pitch_ratio: body.number("pitch_ratio")?.unwrap_or(d.pitch_ratio),
            volume_ratio: body.number("volume_ratio")?.unwrap_or(d.volume_ratio),
            generate_subtitle: body.boolean("generate_subtitle")?.unwrap_or(false),
            metadata: body.value("metadata"),
        })
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Whether `c` counts double: Han ideographs, kana, Hangul and the CJK
/// punctuation and full-width forms (our reading of "CJK chars").
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF      // Hangul Jamo
        | 0x2E80..=0x303F    // CJK radicals, symbols and punctuation
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3100..=0x318F    // Bopomofo, Hangul compatibility Jamo
        | 0x31A0..=0x31FF    // Bopomofo extended, strokes, Katakana extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF00..=0xFFEF    // Half-width and full-width forms
        | 0x20000..=0x3FFFF  // CJK extensions B and later
    )
}

/// The estimated price of reading `text`: 2 credits per CJK character, 1 per
/// any other character (spaces and punctuation included: the rule does not
/// say they are free, so the estimate does not assume it).
pub fn estimate(text: &str) -> Credits {
    text.chars().map(|c| if is_cjk(c) { 2 } else { 1 }).sum()
}

/// The working of an estimate, e.g. "12 characters × 1 + 3 CJK × 2 ≈ 18 credits (estimate)".
pub fn estimate_breakdown(text: &str) -> String {
    let cjk = text.chars().filter(|&c| is_cjk(c)).count();
    let other = text.chars().count() - cjk;
    let total = estimate(text);
    if cjk == 0 {
        format!("{other} characters × 1 ≈ {total} credits (estimate)")
    } else {
        format!("{other} characters × 1 + {cjk} CJK × 2 ≈ {total} credits (estimate)")
    }
}

/// Characters read per second at an average pace: about 2.5 English words.
/// The provider says nothing of pace; this only suggests a limit before the
/// speech exists. The speech's measured length is what prices a video.
pub const CHARS_PER_SECOND: f64 = 14.0;
/// CJK characters read per second at an average pace.
pub const CJK_PER_SECOND: f64 = 4.0;

/// About how long reading `text` takes, in seconds ([`CHARS_PER_SECOND`]).
pub fn estimate_seconds(text: &str) -> f64 {
    (text.chars())
        .map(|c| {
            1.0 / if is_cjk(c) {
                CJK_PER_SECOND
            } else {
                CHARS_PER_SECOND
            }
        })
        .sum()
}

/// File endings of recordings the API reads (its docs: "wav/mp3"; the rest
/// are common formats a decoder takes).
const AUDIO_ENDINGS: [&str; 8] = ["wav", "mp3", "m4a", "aac", "ogg", "oga", "flac", "opus"];
/// File endings that are surely not a recording, with what they are.
const NOT_AUDIO: [(&str, &str); 12] = [
    ("png", "a picture"),
    ("jpg", "a picture"),
    ("jpeg", "a picture"),
    ("gif", "a picture"),
    ("webp", "a picture"),
    ("svg", "a picture"),
    ("html", "a web page"),
    ("htm", "a web page"),
    ("pdf", "a document"),
    ("txt", "a text file"),
    ("zip", "an archive"),
    ("json", "a data file"),
];

/// The lower-case ending of the last path segment of `url`, if it has one.
pub fn file_ending(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let after_scheme = path.split_once("://").map_or(path, |(_, rest)| rest);
    let (_, file) = after_scheme.split_once('/')?;
    let name = file.rsplit('/').next()?;
    let (_, ending) = name.rsplit_once('.')?;
    Some(ending.to_ascii_lowercase()).filter(|e| !e.is_empty())
}

/// Checks a reference voice URL: an http(s) address that does not end in a
/// known non-audio file type. An address without a known ending passes (the
/// page then tries to play it). The error is a sentence.
pub fn check_audio_url(url: &str) -> Result<(), String> {
    const LABEL: &str = "Reference voice URL";
    match check_url(url) {
        Err(UrlProblem::Missing) => {
            return Err(format!(
                "{LABEL} is required: the speech is read in the voice of this recording."
            ));
        }
        Err(UrlProblem::Scheme) => {
            return Err(format!("{LABEL} must start with http:// or https://."));
        }
        Err(UrlProblem::Malformed) => {
            return Err(format!(
                "{LABEL} is not a valid web address (it needs a host name and no spaces)."
            ));
        }
        Ok(()) => {}
    }
    let ending = file_ending(url);
    let what = ending
        .as_deref()
        .and_then(|e| NOT_AUDIO.iter().find(|(n, _)| *n == e))
        .map(|(_, what)| *what);
    match what {
        Some(what) => Err(format!(
            "{LABEL} points to {what}, not a recording: use a .wav or .mp3 of the voice."
        )),
        None => Ok(()),
    }
}

/// Whether `url` ends like a recording (`.wav`, `.mp3`, …).
pub fn looks_like_audio(url: &str) -> bool {
    file_ending(url).is_some_and(|e| AUDIO_ENDINGS.contains(&e.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reading_time_is_estimated_per_character_cjk_slower() {
        assert_eq!(estimate_seconds(""), 0.0);
        assert!((estimate_seconds(&"a".repeat(140)) - 10.0).abs() < 1e-9);
        assert!((estimate_seconds("你好你好") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_estimate_counts_cjk_twice_and_everything_else_once() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("Hello, world."), 13);
        assert_eq!(estimate("你好"), 4);
        assert_eq!(estimate("こんにちは"), 10);
        assert_eq!(estimate("안녕"), 4);
        assert_eq!(estimate("Hi 你好。"), 3 + 4 + 2);
        assert_eq!(
            estimate_breakdown("Hi 你好"),
            "3 characters × 1 + 2 CJK × 2 ≈ 7 credits (estimate)"
        );
        assert_eq!(
            estimate_breakdown("Hello"),
            "5 characters × 1 ≈ 5 credits (estimate)"
        );
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let r: VoiceRequest = VoiceRequest::from_json(&json!({"text": "hi"})).unwrap();
        assert_eq!(r.model, "v2-emotion");
        assert_eq!(
            (r.speed_ratio, r.pitch_ratio, r.volume_ratio),
            (1.0, 0.0, 1.0)
        );
        assert_eq!(
            r,
            VoiceRequest {
                text: "hi".into(),
                ..VoiceRequest::default()
            }
        );
        let body = VoiceRequest::default().to_json();
        assert_eq!(body["model"], "v2-emotion");
        assert!(body.get("generate_subtitle").is_none());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let r = VoiceRequest {
            text: "  ".into(),
            reference_audio_url: "https://x/face.png".into(),
            model: "v9".into(),
            speed_ratio: 3.0,
            pitch_ratio: -11.0,
            volume_ratio: 0.0,
            ..VoiceRequest::default()
        };
        let errors = r.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "text",
                "reference_audio_url",
                "model",
                "speed_ratio",
                "pitch_ratio",
                "volume_ratio"
            ]
        );
        assert!(
            errors[1].message.contains("a picture"),
            "{}",
            errors[1].message
        );
        let ok = VoiceRequest {
            text: "Hello".into(),
            reference_audio_url: "https://x/voice".into(),
            ..VoiceRequest::default()
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn reference_voices_are_checked_by_their_ending() {
        assert!(check_audio_url("https://x/a.wav?sig=1").is_ok());
        assert!(check_audio_url("https://x/a").is_ok());
        assert!(check_audio_url("https://x/").is_ok());
        assert!(check_audio_url("https://x.com").is_ok());
        assert!(
            check_audio_url("https://x/a.JPG")
                .unwrap_err()
                .contains("a picture")
        );
        assert!(
            check_audio_url("https://x/page.html#a.wav")
                .unwrap_err()
                .contains("web page")
        );
        assert!(check_audio_url("").unwrap_err().contains("is required"));
        assert!(
            check_audio_url("ftp://x/a.wav")
                .unwrap_err()
                .contains("http://")
        );
        assert!(looks_like_audio("https://x/a.MP3?x=1"));
        assert!(!looks_like_audio("https://x/a.png"));
        assert!(!looks_like_audio("https://x.wav"));
        assert_eq!(file_ending("https://x.com/a.b/c"), None);
    }

    #[test]
    fn every_model_id_reads_back() {
        for m in VoiceModel::ALL {
            assert_eq!(VoiceModel::from_id(m.id()), Some(m));
        }
        assert_eq!(VoiceModel::from_id("V2-emotion"), None);
    }

    #[test]
    fn bodies_are_read_and_a_wrongly_typed_field_is_named() {
        let good: Value = serde_json::from_str(r#"{"text": "Hi", "speed_ratio": 1.5}"#).unwrap();
        assert!(VoiceRequest::from_json(&good).is_ok());
        let bad: Value = serde_json::from_str(r#"{"text": "Hi", "speed_ratio": "fast"}"#).unwrap();
        let e = VoiceRequest::from_json(&bad).unwrap_err();
        assert_eq!(e.field, "speed_ratio");
        assert!(
            e.message == "speed_ratio must be a number.",
            "{}",
            e.message
        );
        assert_eq!(
            VoiceRequest::from_json(&json!([1])).unwrap_err().field,
            "body"
        );
        assert_eq!(
            VoiceRequest::from_json(&json!("x")).unwrap_err().field,
            "body"
        );
    }
}
