//! What the user typed, as plain data: turned into the contract's request
//! (which validates and prices it) and into a share link.

use avatar_api::model::{self, Duration, Field, Framerate, Model, Resolution};
use avatar_api::number::parse_decimal;
use avatar_api::{AvatarRequest, DigitalHumanRequest, DualRequest, ProRequest};
use serde_json::Value;

/// The state of the form for every model (each shows only its own fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Which endpoint.
    pub model: Model,
    /// Portrait (Pro, AI Avatar).
    pub image_url: String,
    /// AI Avatar's source video, used instead of the image when `use_video`.
    pub video_url: String,
    /// AI Avatar: source is a video.
    pub use_video: bool,
    /// Speech (Pro, AI Avatar).
    pub audio_url: String,
    /// Pro duration.
    pub duration: Duration,
    /// Pro long edge.
    pub resolution: Resolution,
    /// Pro frames per second.
    pub framerate: Framerate,
    /// Pro motion prompt.
    pub motion_prompt: String,
    /// Siblings' output width.
    pub width: u32,
    /// Siblings' output height.
    pub height: u32,
    /// Dual: image with both people.
    pub dual_image_url: String,
    /// Dual: mixed conversation.
    pub audio_mix_url: String,
    /// Dual: speaker 1.
    pub audio1_url: String,
    /// Dual: speaker 2.
    pub audio2_url: String,
    /// Audio length in seconds: detected from the audio, or typed.
    pub audio_seconds: Option<f64>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            model: Model::AvatarPro,
            image_url: String::new(),
            video_url: String::new(),
            use_video: false,
            audio_url: String::new(),
            duration: Duration::default(),
            resolution: Resolution::default(),
            framerate: Framerate::default(),
            motion_prompt: String::new(),
            width: model::DEFAULT_WIDTH,
            height: model::DEFAULT_HEIGHT,
            dual_image_url: String::new(),
            audio_mix_url: String::new(),
            audio1_url: String::new(),
            audio2_url: String::new(),
            audio_seconds: None,
        }
    }
}

/// A pasted URL without surrounding whitespace.
pub fn clean(url: &str) -> String {
    url.trim().to_owned()
}

/// Sets a speech URL; a new one (spaces aside) clears the audio length,
/// which was measured from the old one.
fn set_audio(slot: &mut String, seconds: &mut Option<f64>, url: String) {
    if clean(slot) != clean(&url) {
        *seconds = None;
    }
    *slot = url;
}

/// Sets `slot` to `value`, when there is one.
fn set_some<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn optional(url: &str) -> Option<String> {
    Some(clean(url)).filter(|u| !u.is_empty())
}

impl Form {
    /// The URL whose audio length sets the cost of the current model.
    pub fn billing_audio_url(&self) -> &str {
        match self.model {
            Model::DualAvatar => &self.audio_mix_url,
            _ => &self.audio_url,
        }
    }

    /// Sets the URL whose audio length sets the cost (as typed).
    pub fn set_billing_audio(&mut self, url: String) {
        let slot = match self.model {
            Model::DualAvatar => &mut self.audio_mix_url,
            _ => &mut self.audio_url,
        };
        set_audio(slot, &mut self.audio_seconds, url);
    }

    /// Writes the length (`seconds`) an audio element read from `url`, if
    /// `url` is still the billing audio and the length is new; returns true
    /// when it changed the form.
    pub fn audio_measured(&mut self, url: &str, seconds: f64) -> bool {
        let detected = Some((seconds * 1000.0).round() / 1000.0);
        let changed = clean(self.billing_audio_url()) == url && self.audio_seconds != detected;
        if changed {
            self.audio_seconds = detected;
        }
        changed
    }

    /// The first field this form shows: where a reused task puts the focus.
    pub fn first_field(&self) -> Field {
        match self.model {
            Model::DualAvatar => Field::DualImageUrl,
            Model::DigitalHuman if self.use_video => Field::InputVideoUrl,
            _ => Field::ImageUrl,
        }
    }

    /// True when the cost depends on the audio's length.
    pub fn needs_audio_length(&self) -> bool {
        self.model.needs_audio_length(self.duration)
    }

    /// What `field` holds, as a text input shows it (`None` for a field this
    /// form has no input for).
    pub fn text(&self, field: Field) -> String {
        let number = |n: u32| n.to_string();
        match field {
            Field::ImageUrl => self.image_url.clone(),
            Field::InputVideoUrl => self.video_url.clone(),
            Field::AudioUrl => self.audio_url.clone(),
            Field::Duration => number(self.duration.wire()),
            Field::Resolution => number(self.resolution.long_edge()),
            Field::Framerate => number(self.framerate.fps()),
            Field::MotionPrompt => self.motion_prompt.clone(),
            Field::Width => number(self.width),
            Field::Height => number(self.height),
            Field::DualImageUrl => self.dual_image_url.clone(),
            Field::AudioMixUrl => self.audio_mix_url.clone(),
            Field::Audio1Url => self.audio1_url.clone(),
            Field::Audio2Url => self.audio2_url.clone(),
            Field::AudioDurationSeconds => self
                .audio_seconds
                .map(|s| avatar_api::billing::format_seconds(avatar_api::billing::seconds_to_ms(s)))
                .unwrap_or_default(),
            Field::Mask1Url | Field::ResizeMode => String::new(),
        }
    }

    /// Sets `field` from what was typed; a number that does not parse
    /// becomes 0 (or no audio length), which validation then reports. A
    /// duration, resolution or frame rate is chosen from a list: one that is
    /// none of the allowed values leaves the choice as it was.
    pub fn set_text(&mut self, field: Field, text: &str) {
        let number = || text.trim().parse::<u32>().unwrap_or(0);
        match field {
            Field::ImageUrl => self.image_url = clean(text),
            Field::InputVideoUrl => self.video_url = clean(text),
            Field::AudioUrl => set_audio(&mut self.audio_url, &mut self.audio_seconds, clean(text)),
            Field::Duration => set_some(&mut self.duration, Duration::from_wire(number())),
            Field::Resolution => {
                set_some(&mut self.resolution, Resolution::from_long_edge(number()))
            }
            Field::Framerate => set_some(&mut self.framerate, Framerate::from_fps(number())),
            Field::MotionPrompt => self.motion_prompt = text.to_owned(),
            Field::Width => self.width = number(),
            Field::Height => self.height = number(),
            Field::DualImageUrl => self.dual_image_url = clean(text),
            Field::AudioMixUrl => set_audio(
                &mut self.audio_mix_url,
                &mut self.audio_seconds,
                clean(text),
            ),
            Field::Audio1Url => self.audio1_url = clean(text),
            Field::Audio2Url => self.audio2_url = clean(text),
            Field::AudioDurationSeconds => self.audio_seconds = parse_decimal(text.trim()),
            Field::Mask1Url | Field::ResizeMode => {}
        }
    }

    /// The request this form sends (URLs trimmed; validation is the contract's).
    pub fn to_request(&self) -> AvatarRequest {
        match self.model {
            Model::AvatarPro => AvatarRequest::Pro(ProRequest {
                image_url: clean(&self.image_url),
                audio_url: clean(&self.audio_url),
                duration: self.duration.wire(),
                audio_duration_seconds: if self.duration.follows_audio() {
                    self.audio_seconds
                } else {
                    None
                },
                resolution: self.resolution.long_edge(),
                framerate: self.framerate.fps(),
                motion_prompt: Some(self.motion_prompt.trim().to_owned()).filter(|p| !p.is_empty()),
                metadata: None,
            }),
            Model::DigitalHuman => AvatarRequest::DigitalHuman(DigitalHumanRequest {
                image_url: if self.use_video {
                    None
                } else {
                    optional(&self.image_url)
                },
                input_video_url: if self.use_video {
                    optional(&self.video_url)
                } else {
                    None
                },
                audio_url: clean(&self.audio_url),
                audio_duration_seconds: self.audio_seconds,
                width: self.width,
                height: self.height,
                metadata: None,
            }),
            Model::DualAvatar => AvatarRequest::Dual(DualRequest {
                dual_image_url: clean(&self.dual_image_url),
                audio_mix_url: clean(&self.audio_mix_url),
                audio1_url: clean(&self.audio1_url),
                audio2_url: clean(&self.audio2_url),
                audio_duration_seconds: self.audio_seconds,
                width: self.width,
                height: self.height,
                ..DualRequest::default()
            }),
        }
    }

    /// The form filled from a JSON body meant for `model`'s endpoint (a
    /// share link's fields); fields it can't read keep their defaults.
    pub fn from_body(model: Model, body: &Value) -> Form {
        match AvatarRequest::from_json(model, body) {
            Ok(request) => Form::from_request(&request),
            Err(_) => Form {
                model,
                ..Form::default()
            },
        }
    }

    /// The form filled from a request (a task's, for "Reuse"). A duration,
    /// resolution or frame rate that is none of the allowed values (a
    /// hand-made share link's) keeps the form's default.
    pub fn from_request(request: &AvatarRequest) -> Form {
        let mut form = Form {
            model: request.model(),
            ..Form::default()
        };
        match request.clone() {
            AvatarRequest::Pro(r) => {
                form.duration = r.duration().unwrap_or_default();
                form.resolution = r.resolution().unwrap_or_default();
                form.framerate = r.framerate().unwrap_or_default();
                form.image_url = r.image_url;
                form.audio_url = r.audio_url;
                form.motion_prompt = r.motion_prompt.unwrap_or_default();
                form.audio_seconds = r.audio_duration_seconds;
            }
            AvatarRequest::DigitalHuman(r) => {
                form.use_video = r.input_video_url.is_some();
                form.image_url = r.image_url.unwrap_or_default();
                form.video_url = r.input_video_url.unwrap_or_default();
                form.audio_url = r.audio_url;
                form.audio_seconds = r.audio_duration_seconds;
                form.width = r.width;
                form.height = r.height;
            }
            AvatarRequest::Dual(r) => {
                form.dual_image_url = r.dual_image_url;
                form.audio_mix_url = r.audio_mix_url;
                form.audio1_url = r.audio1_url;
                form.audio2_url = r.audio2_url;
                form.audio_seconds = r.audio_duration_seconds;
                form.width = r.width;
                form.height = r.height;
            }
        }
        form
    }

    /// The form as a URL fragment (`#model=…&image_url=…`): the request's
    /// fields, never the key. A fragment never reaches a server's logs.
    pub fn to_fragment(&self) -> String {
        let mut parts = vec![format!("model={}", self.model.id())];
        if self.model == Model::DigitalHuman && self.use_video {
            parts.push("use_video=1".to_owned());
        }
        if let Value::Object(fields) = self.to_request().to_json() {
            for (name, value) in fields {
                let text = match value {
                    Value::String(s) => s,
                    Value::Null => continue,
                    other => other.to_string(),
                };
                parts.push(format!("{name}={}", percent_encode(&text)));
            }
        }
        parts.join("&")
    }

    /// A form from a share fragment (with or without the leading `#`);
    /// `None` when the fragment is not a shared form.
    pub fn from_fragment(fragment: &str) -> Option<Form> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut model = None;
        let mut use_video = false;
        let mut body = serde_json::Map::new();
        for pair in fragment.split('&') {
            let (name, raw) = pair.split_once('=')?;
            let value = percent_decode(raw)?;
            match name {
                "model" => model = Model::from_id(&value),
                "use_video" => use_video = value == "1",
                // A batch's other rows: [`Form::variants_in_fragment`].
                "variant" => {}
                _ => {
                    let number: Option<Value> = parse_decimal(&value).and_then(|n| {
                        if name.ends_with("_url") || name == "motion_prompt" {
                            None
                        } else if n.fract() == 0.0 && n >= 0.0 {
                            Some(Value::from(n as u64))
                        } else {
                            serde_json::Number::from_f64(n).map(Value::Number)
                        }
                    });
                    body.insert(name.to_owned(), number.unwrap_or(Value::String(value)));
                }
            }
        }
        let model = model?;
        let mut form = Form::from_body(model, &Value::Object(body));
        form.use_video = form.use_video || use_video;
        Some(form)
    }
}

/// A share fragment for `form` and a batch's `variants` (each as its own
/// fragment in a `variant=` parameter).
pub fn batch_fragment(form: &Form, variants: &[Form]) -> String {
    let mut text = form.to_fragment();
    for v in variants {
        text.push_str("&variant=");
        text.push_str(&percent_encode(&v.to_fragment()));
    }
    text
}

impl Form {
    /// The variants of a batch's share fragment ([`batch_fragment`]).
    pub fn variants_in_fragment(fragment: &str) -> Vec<Form> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        fragment
            .split('&')
            .filter_map(|pair| pair.strip_prefix("variant="))
            .filter_map(percent_decode)
            .filter_map(|f| Form::from_fragment(&f))
            .collect()
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    crate::api::escape_segment(text)
}

/// Decodes `%XX` escapes (and `+` as a space); `None` when malformed.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests;
