//! Request bodies of the three submit endpoints.
//!
//! Required URL fields default to the empty string when absent, so that a
//! missing field is reported by [`crate::validate`] with every other problem
//! at once instead of failing deserialization. Unknown fields are ignored.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::{self, Quote};
use crate::estimate::Shape;
use crate::model::FieldError;
use crate::model::{self, Duration, Framerate, Model, Resolution};

fn default_duration() -> u32 {
    Duration::default().wire()
}
fn default_resolution() -> u32 {
    Resolution::default().long_edge()
}
fn default_framerate() -> u32 {
    Framerate::default().fps()
}
fn default_width() -> u32 {
    model::DEFAULT_WIDTH
}
fn default_height() -> u32 {
    model::DEFAULT_HEIGHT
}

/// Body of `POST /api/v2/avatar/generate` (AI Avatar Pro).
///
/// `duration`, `resolution` and `framerate` are the numbers as sent, any
/// whole number: a body with several wrong ones still parses, so that
/// [`crate::validate`] names every problem at once, and a saved request
/// still reads. Read them typed through [`ProRequest::duration`],
/// [`ProRequest::resolution`] and [`ProRequest::framerate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProRequest {
    /// Portrait photo URL.
    #[serde(default)]
    pub image_url: String,
    /// Speech audio URL.
    #[serde(default)]
    pub audio_url: String,
    /// Seconds of video, a [`Duration`]'s number; `0` follows the audio.
    #[serde(default = "default_duration")]
    pub duration: u32,
    /// Audio length in seconds; required (and billed) when `duration` is `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_duration_seconds: Option<f64>,
    /// Long edge in pixels, a [`Resolution`]'s number.
    #[serde(default = "default_resolution")]
    pub resolution: u32,
    /// Frames per second, a [`Framerate`]'s number.
    #[serde(default = "default_framerate")]
    pub framerate: u32,
    /// Motion and expression description; empty means the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion_prompt: Option<String>,
    /// Passthrough fields echoed back on the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Default for ProRequest {
    fn default() -> Self {
        ProRequest {
            image_url: String::new(),
            audio_url: String::new(),
            duration: default_duration(),
            audio_duration_seconds: None,
            resolution: default_resolution(),
            framerate: default_framerate(),
            motion_prompt: None,
            metadata: None,
        }
    }
}

impl ProRequest {
    /// `duration` typed; `None` when it is none of the allowed values.
    pub fn duration(&self) -> Option<Duration> {
        Duration::from_wire(self.duration)
    }

    /// `resolution` typed; `None` when it is none of the allowed values.
    pub fn resolution(&self) -> Option<Resolution> {
        Resolution::from_long_edge(self.resolution)
    }

    /// `framerate` typed; `None` when it is none of the allowed values.
    pub fn framerate(&self) -> Option<Framerate> {
        Framerate::from_fps(self.framerate)
    }
}

/// Body of `POST /api/v2/avatar/digital-human` (AI Avatar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigitalHumanRequest {
    /// Portrait image URL (either this or `input_video_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Source video URL (either this or `image_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_video_url: Option<String>,
    /// Speech audio URL.
    #[serde(default)]
    pub audio_url: String,
    /// Audio length in seconds, used for billing.
    #[serde(default)]
    pub audio_duration_seconds: Option<f64>,
    /// Output width in pixels.
    #[serde(default = "default_width")]
    pub width: u32,
    /// Output height in pixels.
    #[serde(default = "default_height")]
    pub height: u32,
    /// Passthrough fields echoed back on the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Default for DigitalHumanRequest {
    fn default() -> Self {
        DigitalHumanRequest {
            image_url: None,
            input_video_url: None,
            audio_url: String::new(),
            audio_duration_seconds: None,
            width: model::DEFAULT_WIDTH,
            height: model::DEFAULT_HEIGHT,
            metadata: None,
        }
    }
}

/// Body of `POST /api/v2/avatar/dual` (Dual Avatar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DualRequest {
    /// Image showing both people.
    #[serde(default)]
    pub dual_image_url: String,
    /// The mixed conversation audio.
    #[serde(default)]
    pub audio_mix_url: String,
    /// Speaker 1's track.
    #[serde(default)]
    pub audio1_url: String,
    /// Speaker 2's track.
    #[serde(default)]
    pub audio2_url: String,
    /// Audio length in seconds, used for billing.
    #[serde(default)]
    pub audio_duration_seconds: Option<f64>,
    /// Mask designating speaker 1's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask1_url: Option<String>,
    /// With a mask: `pad` (default) or `crop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize_mode: Option<String>,
    /// Output width in pixels.
    #[serde(default = "default_width")]
    pub width: u32,
    /// Output height in pixels.
    #[serde(default = "default_height")]
    pub height: u32,
    /// Passthrough fields echoed back on the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Default for DualRequest {
    fn default() -> Self {
        DualRequest {
            dual_image_url: String::new(),
            audio_mix_url: String::new(),
            audio1_url: String::new(),
            audio2_url: String::new(),
            audio_duration_seconds: None,
            mask1_url: None,
            resize_mode: None,
            width: model::DEFAULT_WIDTH,
            height: model::DEFAULT_HEIGHT,
            metadata: None,
        }
    }
}

/// A request to any of the three endpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AvatarRequest {
    /// AI Avatar Pro.
    Pro(ProRequest),
    /// AI Avatar.
    DigitalHuman(DigitalHumanRequest),
    /// Dual Avatar.
    Dual(DualRequest),
}

impl AvatarRequest {
    /// Which endpoint this request goes to.
    pub fn model(&self) -> Model {
        match self {
            AvatarRequest::Pro(_) => Model::AvatarPro,
            AvatarRequest::DigitalHuman(_) => Model::DigitalHuman,
            AvatarRequest::Dual(_) => Model::DualAvatar,
        }
    }

    /// Parses a JSON body sent to `model`'s endpoint. The error names the
    /// field whose JSON type is wrong; rule checks are [`AvatarRequest::validate`]'s.
    pub fn from_json(model: Model, body: &Value) -> Result<AvatarRequest, FieldError> {
        fn parse<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, FieldError> {
            if !body.is_object() {
                return Err(FieldError::new(
                    "body",
                    "The request body must be a JSON object.",
                ));
            }
            T::deserialize(body).map_err(|e| type_error(body, &e.to_string()))
        }
        Ok(match model {
            Model::AvatarPro => AvatarRequest::Pro(parse(body)?),
            Model::DigitalHuman => AvatarRequest::DigitalHuman(parse(body)?),
            Model::DualAvatar => AvatarRequest::Dual(parse(body)?),
        })
    }

    /// What this request costs, when its billing fields are valid.
    pub fn quote(&self) -> Option<Quote> {
        match self {
            AvatarRequest::Pro(r) => {
                billing::pro(r.resolution()?, r.duration()?, r.audio_duration_seconds)
            }
            AvatarRequest::DigitalHuman(r) => {
                billing::digital_human(r.width, r.height, r.audio_duration_seconds?)
            }
            AvatarRequest::Dual(r) => billing::dual(r.audio_duration_seconds?),
        }
    }

    /// The size of the job, for time estimates; `None` when it can't be billed.
    pub fn shape(&self) -> Option<Shape> {
        let quote = self.quote()?;
        Some(Shape {
            model: self.model(),
            billable_ms: quote.billable_ms,
            long_edge: self.long_edge(),
        })
    }

    /// The long edge of the video in pixels: Pro's `resolution`, the larger
    /// of `width` and `height` for the other two.
    pub fn long_edge(&self) -> u32 {
        match self {
            AvatarRequest::Pro(r) => r.resolution,
            AvatarRequest::DigitalHuman(r) => r.width.max(r.height),
            AvatarRequest::Dual(r) => r.width.max(r.height),
        }
    }

    /// The URL of the picture a task list shows for this request.
    pub fn thumbnail_url(&self) -> Option<&str> {
        match self {
            AvatarRequest::Pro(r) => Some(&r.image_url),
            AvatarRequest::DigitalHuman(r) => r.image_url.as_deref(),
            AvatarRequest::Dual(r) => Some(&r.dual_image_url),
        }
    }

    /// The one speech the video says (none for two speakers).
    pub fn speech_url(&self) -> Option<&str> {
        match self {
            AvatarRequest::Pro(r) => Some(&r.audio_url),
            AvatarRequest::DigitalHuman(r) => Some(&r.audio_url),
            AvatarRequest::Dual(_) => None,
        }
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Serde for a request together with the model it goes to, for saving it:
/// `{"model": "avatar-pro", "body": {...}}`, read back typed (the untagged
/// [`AvatarRequest`] alone can't say which endpoint a body was for). Use with
/// `#[serde(with = "avatar_api::request::tagged")]`.
pub mod tagged {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    use super::AvatarRequest;
    use crate::model::Model;

    #[derive(Serialize)]
    struct Out<'a> {
        model: Model,
        body: &'a AvatarRequest,
    }

    // Read through a `Value` and [`AvatarRequest::from_json`], the parser the
    // emulator uses on the wire: one parser in the wasm, not a second one
    // derived for the tagged shape.
    #[derive(Deserialize)]
    struct In {
        model: Model,
        body: Value,
    }

    /// Writes `request` with its model.
    pub fn serialize<S: Serializer>(request: &AvatarRequest, s: S) -> Result<S::Ok, S::Error> {
        Out {
            model: request.model(),
            body: request,
        }
        .serialize(s)
    }

    /// Reads a request written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AvatarRequest, D::Error> {
        let saved = In::deserialize(d)?;
        AvatarRequest::from_json(saved.model, &saved.body).map_err(|e| D::Error::custom(e.message))
    }
}

/// Turns a serde type error into a message naming the offending field.
fn type_error(body: &Value, message: &str) -> FieldError {
    // serde's messages look like "invalid type: string \"x\", expected u32";
    // find which top-level field fails to parse on its own to name it.
    let field = body.as_object().and_then(|fields| {
        fields.iter().find_map(|(name, value)| {
            let expected = expected_kind(name)?;
            (!expected.1(value)).then(|| (name.clone(), expected.0))
        })
    });
    match field {
        Some((name, kind)) => {
            let label = model::field_label(&name);
            let message = match out_of_range(&body[&name]) {
                Some(Ordering::Less) => format!("{label} must not be negative."),
                Some(_) => format!("{label} is far too large."),
                None => format!("{label} must be {kind}."),
            };
            FieldError::new(&name, &message)
        }
        None => FieldError::new(
            "body",
            &format!("The request body is not valid: {message}."),
        ),
    }
}

/// For a whole-number field given a JSON number outside `0..=u32::MAX`: which side.
fn out_of_range(value: &Value) -> Option<Ordering> {
    let n = value.as_f64()?;
    if n < 0.0 {
        Some(Ordering::Less)
    } else if n > f64::from(u32::MAX) {
        Some(Ordering::Greater)
    } else {
        None
    }
}

type KindCheck = (&'static str, fn(&Value) -> bool);

/// The JSON kind each known field must have.
fn expected_kind(field: &str) -> Option<KindCheck> {
    fn is_uint(v: &Value) -> bool {
        v.as_u64().is_some_and(|n| n <= u32::MAX as u64)
    }
    fn is_number_or_null(v: &Value) -> bool {
        v.is_number() || v.is_null()
    }
    fn is_string(v: &Value) -> bool {
        v.is_string()
    }
    fn is_string_or_null(v: &Value) -> bool {
        v.is_string() || v.is_null()
    }
    Some(match field {
        "duration" | "resolution" | "framerate" | "width" | "height" => {
            ("a whole number", is_uint as fn(&Value) -> bool)
        }
        "audio_duration_seconds" => ("a number of seconds", is_number_or_null),
        "image_url" | "input_video_url" | "mask1_url" | "resize_mode" | "motion_prompt" => {
            ("a string", is_string_or_null)
        }
        "audio_url" | "dual_image_url" | "audio_mix_url" | "audio1_url" | "audio2_url" => {
            ("a string", is_string)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
