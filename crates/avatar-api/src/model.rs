//! The three generation endpoints and the fixed values their fields allow.

use serde::{Deserialize, Serialize};

mod pro;

pub use pro::{Duration, Framerate, Resolution, choices};

/// Longest billable length when the duration follows the audio.
pub const FOLLOW_AUDIO_CAP_SECONDS: u32 = 35;
/// Longest `motion_prompt`, in characters (Unicode scalar values).
pub const MOTION_PROMPT_MAX_CHARS: usize = 2000;
/// What the provider uses when `motion_prompt` is empty.
pub const DEFAULT_MOTION_PROMPT: &str = "speaking naturally";
/// Default output width of AI Avatar and Dual Avatar.
pub const DEFAULT_WIDTH: u32 = 1280;
/// Default output height of AI Avatar and Dual Avatar.
pub const DEFAULT_HEIGHT: u32 = 720;
/// Smallest width or height we accept for AI Avatar and Dual Avatar (our decision).
pub const MIN_SIDE: u32 = 64;
/// Largest width or height we accept for AI Avatar and Dual Avatar (our decision).
pub const MAX_SIDE: u32 = 3840;
/// Width or height from which AI Avatar bills at the HD rate.
pub const HD_THRESHOLD: u32 = 1000;
/// AI Avatar's rate in credits per second of audio below [`HD_THRESHOLD`] (SD).
pub const DIGITAL_HUMAN_SD_RATE: u64 = 1;
/// AI Avatar's rate in credits per second of audio from [`HD_THRESHOLD`] (HD).
pub const DIGITAL_HUMAN_HD_RATE: u64 = 5;
/// Dual Avatar's rate in credits per second of audio.
pub const DUAL_RATE: u64 = 2;
/// Longest `audio_duration_seconds` we accept (our decision: one hour).
pub const MAX_AUDIO_SECONDS: f64 = 3600.0;
/// Allowed `resize_mode` values of Dual Avatar.
pub const RESIZE_MODES: [&str; 2] = ["pad", "crop"];

/// One of the provider's avatar generation endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// AI Avatar Pro: portrait + speech → lip-synced video, up to 35 s.
    #[default]
    AvatarPro,
    /// AI Avatar: image or video + speech → talking video.
    DigitalHuman,
    /// Dual Avatar: two people in one image, talking in turns.
    DualAvatar,
}

impl Model {
    /// Every model, in the order a picker shows them.
    pub const ALL: [Model; 3] = [Model::AvatarPro, Model::DigitalHuman, Model::DualAvatar];

    /// Path of the submit endpoint, relative to the API base URL.
    pub fn submit_path(self) -> &'static str {
        match self {
            Model::AvatarPro => "/api/v2/avatar/generate",
            Model::DigitalHuman => "/api/v2/avatar/digital-human",
            Model::DualAvatar => "/api/v2/avatar/dual",
        }
    }

    /// The `model` string the API reports on tasks.
    pub fn id(self) -> &'static str {
        match self {
            Model::AvatarPro => "avatar-pro",
            Model::DigitalHuman => "digital-human",
            Model::DualAvatar => "dual-avatar",
        }
    }

    /// The `action` string the API reports at submit.
    pub fn action(self) -> &'static str {
        match self {
            Model::AvatarPro => "generate",
            Model::DigitalHuman => "digital-human",
            Model::DualAvatar => "dual",
        }
    }

    /// The model whose [`Model::id`] is `id`.
    pub fn from_id(id: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.id() == id)
    }

    /// The product name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Model::AvatarPro => "AI Avatar Pro",
            Model::DigitalHuman => "AI Avatar",
            Model::DualAvatar => "Dual Avatar",
        }
    }

    /// One line saying what the model makes.
    pub fn description(self) -> String {
        match self {
            Model::AvatarPro => format!(
                "One portrait and one speech clip become a lip-synced talking video, up to {} s and {} px.",
                FOLLOW_AUDIO_CAP_SECONDS,
                Resolution::LARGEST.long_edge()
            ),
            Model::DigitalHuman => {
                "A portrait image or a source video plus speech become a talking video of any length."
                    .to_owned()
            }
            Model::DualAvatar => {
                "One image with two people and their speech tracks become a conversation video."
                    .to_owned()
            }
        }
    }

    /// The price rule in one line, written from the rates above.
    pub fn price_rule(self) -> String {
        match self {
            Model::AvatarPro => {
                let halves = |h: u64| {
                    let whole = h / 2;
                    if h.is_multiple_of(2) {
                        whole.to_string()
                    } else {
                        format!("{whole}.5")
                    }
                };
                let rates: Vec<String> = Resolution::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let unit = if i == 0 { " credits/s" } else { "" };
                        format!("{}{unit} at {}", halves(r.rate_halves()), r.label())
                    })
                    .collect();
                format!("{}; rounded up to whole credits.", rates.join(", "))
            }
            Model::DigitalHuman => format!(
                "{} (SD) or {} when width or height is {HD_THRESHOLD} px or more (HD); seconds rounded up.",
                per_second(DIGITAL_HUMAN_SD_RATE),
                per_second(DIGITAL_HUMAN_HD_RATE)
            ),
            Model::DualAvatar => format!(
                "{} of audio (two speakers); rounded up to whole credits.",
                per_second(DUAL_RATE)
            ),
        }
    }

    /// True when the cost depends on the audio's length, so
    /// `audio_duration_seconds` is required: always for AI Avatar and Dual
    /// Avatar, and for AI Avatar Pro when its `duration` follows the audio
    /// (the other two have no `duration`: it is not read for them).
    pub fn needs_audio_length(self, duration: Duration) -> bool {
        self != Model::AvatarPro || duration.follows_audio()
    }
}

/// A whole rate in words: "1 credit/s", "5 credits/s".
pub fn per_second(credits: u64) -> String {
    let unit = if credits == 1 { "credit" } else { "credits" };
    format!("{credits} {unit}/s")
}

/// A field of the three request bodies: its JSON name and the label a
/// person reads, stated once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `image_url`.
    ImageUrl,
    /// `input_video_url`.
    InputVideoUrl,
    /// `audio_url`.
    AudioUrl,
    /// `duration`.
    Duration,
    /// `audio_duration_seconds`.
    AudioDurationSeconds,
    /// `resolution`.
    Resolution,
    /// `framerate`.
    Framerate,
    /// `motion_prompt`.
    MotionPrompt,
    /// `width`.
    Width,
    /// `height`.
    Height,
    /// `dual_image_url`.
    DualImageUrl,
    /// `audio_mix_url`.
    AudioMixUrl,
    /// `audio1_url`.
    Audio1Url,
    /// `audio2_url`.
    Audio2Url,
    /// `mask1_url`.
    Mask1Url,
    /// `resize_mode`.
    ResizeMode,
}

impl Field {
    /// Every field, with its JSON name and label.
    const TABLE: [(Field, &'static str, &'static str); 16] = [
        (Field::ImageUrl, "image_url", "Image URL"),
        (Field::InputVideoUrl, "input_video_url", "Video URL"),
        (Field::AudioUrl, "audio_url", "Audio URL"),
        (Field::Duration, "duration", "Duration"),
        (
            Field::AudioDurationSeconds,
            "audio_duration_seconds",
            "Audio length",
        ),
        (Field::Resolution, "resolution", "Resolution"),
        (Field::Framerate, "framerate", "Frame rate"),
        (Field::MotionPrompt, "motion_prompt", "Motion prompt"),
        (Field::Width, "width", "Width"),
        (Field::Height, "height", "Height"),
        (
            Field::DualImageUrl,
            "dual_image_url",
            "Two-person image URL",
        ),
        (Field::AudioMixUrl, "audio_mix_url", "Mixed audio URL"),
        (Field::Audio1Url, "audio1_url", "Speaker 1 audio URL"),
        (Field::Audio2Url, "audio2_url", "Speaker 2 audio URL"),
        (Field::Mask1Url, "mask1_url", "Speaker 1 mask URL"),
        (Field::ResizeMode, "resize_mode", "Resize mode"),
    ];

    fn row(self) -> &'static (Field, &'static str, &'static str) {
        &Field::TABLE[self as usize]
    }

    /// The JSON name, e.g. `audio_duration_seconds`.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The visible label, e.g. "Audio length".
    pub fn label(self) -> &'static str {
        self.row().2
    }

    /// The field whose JSON name is `name`.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }
}

/// The visible label of a field named `field` (its name when it is none of
/// ours, e.g. one only the provider knows).
pub fn field_label(field: &str) -> &str {
    match Field::from_name(field) {
        Some(known) => known.label(),
        None => field,
    }
}

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The JSON field name, e.g. `duration` (or `body` for the whole body).
    /// A name, not a [`Field`]: the provider may name fields we don't know.
    pub field: String,
    /// What is wrong and what is allowed, in words a person understands.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }
    }
}

impl FieldError {
    /// A problem with one of our fields.
    pub fn of(field: Field, message: &str) -> FieldError {
        FieldError::new(field.name(), message)
    }

    /// True when this is a problem with `field`.
    pub fn is(&self, field: Field) -> bool {
        self.field == field.name()
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_paths_are_distinct() {
        for m in Model::ALL {
            assert_eq!(Model::from_id(m.id()), Some(m));
            assert!(m.submit_path().starts_with("/api/v2/avatar/"));
        }
        assert_eq!(Model::from_id("nope"), None);
        assert_eq!(Model::default(), Model::AvatarPro);
    }

    #[test]
    fn fields_are_in_table_order_and_names_round_trip() {
        for (i, (field, name, label)) in Field::TABLE.iter().enumerate() {
            assert_eq!(*field as usize, i, "{name}");
            assert_eq!(Field::from_name(name), Some(*field));
            assert_eq!(field_label(name), *label);
        }
        assert_eq!(field_label("provider_only"), "provider_only");
    }

    #[test]
    fn model_serializes_as_its_id() {
        for m in Model::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.id());
        }
    }

    #[test]
    fn pro_texts_are_read_from_the_rates() {
        assert_eq!(
            Model::AvatarPro.price_rule(),
            "1.5 credits/s at 720 px, 2 at 1280 px, 2.5 at 1536 px; rounded up to whole credits."
        );
        assert_eq!(
            Model::AvatarPro.description(),
            "One portrait and one speech clip become a lip-synced talking video, up to 35 s and 1536 px."
        );
    }

    #[test]
    fn rates_read_in_words() {
        assert_eq!(per_second(1), "1 credit/s");
        assert_eq!(per_second(DUAL_RATE), "2 credits/s");
    }
}
