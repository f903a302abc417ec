//! Image generation, `POST /api/v2/image/generate`: a picture from a
//! description, optionally guided by reference images. Polled on the unified
//! [`TASKS_PATH`](crate::kind::TASKS_PATH); the result is `imageUrl`.
//! Price: a flat [`IMAGE_PRICE`] (VOICE-IMAGE-CAPTIONS.md §3.4).

use serde::Serialize;
use serde_json::Value;

use crate::billing::Credits;
use crate::model::FieldError;
use crate::validate::{UrlProblem, check_url};

/// The submit endpoint.
pub const GENERATE_PATH: &str = "/api/v2/image/generate";

/// "Flat 3 video credits per image — independent of size or reference images".
pub const IMAGE_PRICE: Credits = 3;

/// The image models the docs list, the default first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageModel {
    /// `gpt-image-2` (the default): photoreal, faithful to the prompt.
    GptImage2,
    /// `gemini-3.1-flash-image-preview`: fast, many references.
    GeminiFlash,
}

impl ImageModel {
    /// Every model, the default first.
    pub const ALL: [ImageModel; 2] = [ImageModel::GptImage2, ImageModel::GeminiFlash];

    /// The wire id.
    pub fn id(self) -> &'static str {
        match self {
            ImageModel::GptImage2 => "gpt-image-2",
            ImageModel::GeminiFlash => "gemini-3.1-flash-image-preview",
        }
    }

    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            ImageModel::GptImage2 => "GPT Image",
            ImageModel::GeminiFlash => "Gemini Flash Image",
        }
    }

    /// How many reference images it takes at most.
    pub fn max_references(self) -> usize {
        match self {
            ImageModel::GptImage2 => 4,
            ImageModel::GeminiFlash => 14,
        }
    }

    /// The model whose id is `id`.
    pub fn from_id(id: &str) -> Option<ImageModel> {
        ImageModel::ALL.into_iter().find(|m| m.id() == id)
    }
}

/// The picture shapes the docs list (`size`), the default first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aspect {
    /// `1:1`, the API's default.
    Square,
    /// `9:16`, upright: suits a head-and-shoulders portrait.
    Portrait,
    /// `16:9`, wide.
    Landscape,
}

impl Aspect {
    /// Every aspect, the API's default first.
    pub const ALL: [Aspect; 3] = [Aspect::Square, Aspect::Portrait, Aspect::Landscape];

    /// The wire value, e.g. `9:16`.
    pub fn id(self) -> &'static str {
        match self {
            Aspect::Square => "1:1",
            Aspect::Portrait => "9:16",
            Aspect::Landscape => "16:9",
        }
    }

    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Aspect::Square => "Square 1:1",
            Aspect::Portrait => "Upright 9:16",
            Aspect::Landscape => "Wide 16:9",
        }
    }

    /// The aspect whose wire value is `id`.
    pub fn from_id(id: &str) -> Option<Aspect> {
        Aspect::ALL.into_iter().find(|a| a.id() == id)
    }
}

fn default_model() -> String {
    ImageModel::GptImage2.id().to_owned()
}
fn default_size() -> String {
    Aspect::Square.id().to_owned()
}

/// Body of `POST /api/v2/image/generate`. The model and size travel as
/// their wire values so unknown ones are reported by
/// [`validate`](ImageRequest::validate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageRequest {
    /// What to draw.
    pub prompt: String,
    /// An [`ImageModel`] id.
    pub model: String,
    /// An [`Aspect`] value.
    pub size: String,
    /// Reference images to follow or edit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<String>,
    /// The same prompt and seed give the same picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
}

impl Default for ImageRequest {
    fn default() -> Self {
        ImageRequest {
            prompt: String::new(),
            model: default_model(),
            size: default_size(),
            image_urls: Vec::new(),
            seed: None,
        }
    }
}

impl ImageRequest {
    /// The model asked for, when the docs list it.
    pub fn image_model(&self) -> Option<ImageModel> {
        ImageModel::from_id(&self.model)
    }

    /// The shape asked for, when the docs list it.
    pub fn aspect(&self) -> Option<Aspect> {
        Aspect::from_id(&self.size)
    }

    /// Every problem with this request, or `Ok` when the API will accept it.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.prompt.trim().is_empty() {
            errors.push(FieldError::new(
                "prompt",
                "Describe the portrait: the prompt is empty.",
            ));
        }
        match self.image_model() {
            None => {
                let ids: Vec<_> = ImageModel::ALL.iter().map(|m| m.id()).collect();
                errors.push(FieldError::new(
                    "model",
                    &format!("Image model must be one of {}.", ids.join(", ")),
                ));
            }
            Some(model) if self.image_urls.len() > model.max_references() => {
                errors.push(FieldError::new(
                    "image_urls",
                    &format!(
                        "{} takes at most {} reference images; {} are given.",
                        model.label(),
                        model.max_references(),
                        self.image_urls.len()
                    ),
                ));
            }
            Some(_) => {}
        }
        if self.aspect().is_none() {
            let ids: Vec<_> = Aspect::ALL.iter().map(|a| a.id()).collect();
            errors.push(FieldError::new(
                "size",
                &format!("Aspect must be one of {}.", ids.join(", ")),
            ));
        }
        for (i, url) in self.image_urls.iter().enumerate() {
            let why = match check_url(url) {
                Ok(()) => continue,
                Err(UrlProblem::Missing) => "is empty",
                Err(UrlProblem::Scheme) => "must start with http:// or https://",
                Err(UrlProblem::Malformed) => "is not a valid web address",
            };
            errors.push(FieldError::new(
                "image_urls",
                &format!("Reference image {} {why}.", i + 1),
            ));
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
        let d = ImageRequest::default();
        Ok(ImageRequest {
            prompt: body.string("prompt")?.unwrap_or(d.prompt),
            model: body.string("model")?.unwrap_or(d.model),
            size: body.string("size")?.unwrap_or(d.size),
            image_urls: body.strings("image_urls")?.unwrap_or_default(),
            seed: body.integer("seed")?,
        })
    }

    /// The JSON body to send.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_the_documented_ones() {
        let r: ImageRequest = ImageRequest::from_json(&json!({"prompt": "a face"})).unwrap();
        assert_eq!(r.image_model(), Some(ImageModel::GptImage2));
        assert_eq!(r.aspect(), Some(Aspect::Square));
        assert_eq!(r.validate(), Ok(()));
        let body = r.to_json();
        assert!(body.get("image_urls").is_none() && body.get("seed").is_none());
    }

    #[test]
    fn reference_limits_follow_the_model() {
        let refs = |n: usize| (0..n).map(|i| format!("https://x/{i}.png")).collect();
        let with = |model: ImageModel, n| ImageRequest {
            prompt: "p".into(),
            model: model.id().into(),
            image_urls: refs(n),
            ..ImageRequest::default()
        };
        assert_eq!(with(ImageModel::GptImage2, 4).validate(), Ok(()));
        let e = with(ImageModel::GptImage2, 5).validate().unwrap_err();
        assert_eq!(
            e[0].message,
            "GPT Image takes at most 4 reference images; 5 are given."
        );
        assert_eq!(with(ImageModel::GeminiFlash, 14).validate(), Ok(()));
        assert!(with(ImageModel::GeminiFlash, 15).validate().is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let r = ImageRequest {
            prompt: " ".into(),
            model: "dall-e".into(),
            size: "4:3".into(),
            image_urls: vec!["file:///a.png".into(), "https://x/a.png".into()],
            seed: Some(1),
        };
        let e = r.validate().unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["prompt", "model", "size", "image_urls"]);
        assert_eq!(e[2].message, "Aspect must be one of 1:1, 9:16, 16:9.");
        assert_eq!(
            e[3].message,
            "Reference image 1 must start with http:// or https://."
        );
    }

    #[test]
    fn every_id_reads_back() {
        for m in ImageModel::ALL {
            assert_eq!(ImageModel::from_id(m.id()), Some(m));
        }
        for a in Aspect::ALL {
            assert_eq!(Aspect::from_id(a.id()), Some(a));
        }
    }

    #[test]
    fn bodies_are_read_and_a_wrongly_typed_field_is_named() {
        let good: Value = serde_json::from_str(r#"{"prompt": "a face", "seed": 7}"#).unwrap();
        assert!(ImageRequest::from_json(&good).is_ok());
        let bad: Value =
            serde_json::from_str(r#"{"prompt": "a face", "image_urls": "https://x/a.png"}"#)
                .unwrap();
        let e = ImageRequest::from_json(&bad).unwrap_err();
        assert_eq!(e.field, "image_urls");
        assert!(
            e.message == "image_urls must be a list of strings.",
            "{}",
            e.message
        );
        assert_eq!(
            ImageRequest::from_json(&json!([1])).unwrap_err().field,
            "body"
        );
        assert_eq!(
            ImageRequest::from_json(&json!("x")).unwrap_err().field,
            "body"
        );
    }
}
