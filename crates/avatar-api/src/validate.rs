//! Field validation for the three submit endpoints, exactly as the docs
//! state the rules (and as the crate docs decide where they are silent).
//! Every problem is reported at once, each as a field and a sentence.

pub use crate::model::FieldError;
use crate::model::{self, Duration, Field, Framerate, Model, Resolution};
use crate::request::{AvatarRequest, DigitalHumanRequest, DualRequest, ProRequest};

impl AvatarRequest {
    /// Every problem with this request, or `Ok` when the API will accept it.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors = match self {
            AvatarRequest::Pro(r) => pro(r),
            AvatarRequest::DigitalHuman(r) => digital_human(r),
            AvatarRequest::Dual(r) => dual(r),
        };
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Why a string is not an acceptable media URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Empty (or only whitespace).
    Missing,
    /// Not `http://` or `https://` (e.g. `file:`, `data:`, `javascript:`).
    Scheme,
    /// No host, or spaces or control characters inside.
    Malformed,
}

/// Checks that `url` is an absolute `http(s)` URL with a host. Surrounding
/// whitespace is not allowed here: callers trim pasted text first.
pub fn check_url(url: &str) -> Result<(), UrlProblem> {
    if url.trim().is_empty() {
        return Err(UrlProblem::Missing);
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err(UrlProblem::Scheme);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host_ok = !host.is_empty() && !host.starts_with(':');
    if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Malformed);
    }
    Ok(())
}

/// True when `url` may be put into a `src` attribute or fetched.
pub fn is_http_url(url: &str) -> bool {
    check_url(url).is_ok()
}

/// The message for a URL problem of `field`.
pub fn url_message(field: Field, problem: UrlProblem) -> String {
    let label = field.label();
    match problem {
        UrlProblem::Missing => format!("{label} is required."),
        UrlProblem::Scheme => format!("{label} must start with http:// or https://."),
        UrlProblem::Malformed => {
            format!("{label} is not a valid web address (it needs a host name and no spaces).")
        }
    }
}

fn url(errors: &mut Vec<FieldError>, field: Field, value: &str) {
    if let Err(problem) = check_url(value) {
        errors.push(FieldError::of(field, &url_message(field, problem)));
    }
}

fn optional_url(errors: &mut Vec<FieldError>, field: Field, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        url(errors, field, value);
    }
}

/// Checks the audio length of a `model` request, required when the cost
/// depends on it ([`Model::needs_audio_length`]). `duration` is Pro's
/// (`None` when it is not allowed: that is reported on its own); the other
/// two pass [`Duration::FOLLOW_AUDIO`]: their video is as long as the audio.
fn audio_seconds(
    errors: &mut Vec<FieldError>,
    model: Model,
    duration: Option<Duration>,
    value: Option<f64>,
) {
    let field = Field::AudioDurationSeconds;
    let required = match model {
        Model::AvatarPro => "Audio length is required when the duration follows the audio.",
        Model::DigitalHuman | Model::DualAvatar => "Audio length is required (it sets the cost).",
    };
    match value {
        None if !duration.is_some_and(|d| model.needs_audio_length(d)) => {}
        None => errors.push(FieldError::of(field, required)),
        Some(s) if !s.is_finite() || s <= 0.0 => errors.push(FieldError::of(
            field,
            "Audio length must be a positive number of seconds.",
        )),
        Some(s) if s > model::MAX_AUDIO_SECONDS => errors.push(FieldError::of(
            field,
            // A whole number of seconds: formatting an f64 would link core's float printing.
            &format!(
                "Audio length must be at most {} seconds.",
                model::MAX_AUDIO_SECONDS as u32
            ),
        )),
        // Billing rounds to whole milliseconds: one is the least there is to bill.
        Some(s) if s < 0.001 => errors.push(FieldError::of(
            field,
            "Audio length must be at least 0.001 seconds.",
        )),
        Some(_) => {}
    }
}

fn side(errors: &mut Vec<FieldError>, field: Field, value: u32) {
    let (min, max) = (model::MIN_SIDE, model::MAX_SIDE);
    if !(min..=max).contains(&value) || !value.is_multiple_of(2) {
        errors.push(FieldError::of(
            field,
            &format!(
                "{} must be an even number of pixels from {min} to {max}.",
                field.label()
            ),
        ));
    }
}

/// Joins allowed values as "a, b or c".
fn one_of(values: &[u32]) -> String {
    or_list(values.iter().map(u32::to_string).collect())
}

/// Joins allowed words, quoted, as "\"a\" or \"b\"".
fn quoted_one_of(words: &[&str]) -> String {
    or_list(words.iter().map(|w| format!("\"{w}\"")).collect())
}

/// Joins parts as "a, b or c".
fn or_list(parts: Vec<String>) -> String {
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => parts.join(""),
    }
}

/// Number of characters of a motion prompt, as the limit counts them.
pub fn prompt_chars(prompt: &str) -> usize {
    prompt.chars().count()
}

/// Every problem of an AI Avatar Pro request.
pub fn pro(r: &ProRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    url(&mut errors, Field::ImageUrl, &r.image_url);
    url(&mut errors, Field::AudioUrl, &r.audio_url);
    if r.duration().is_none() {
        let fixed: Vec<u32> = Duration::ALL
            .iter()
            .filter_map(|d| d.fixed_seconds())
            .collect();
        errors.push(FieldError::of(
            Field::Duration,
            &format!(
                "Duration must be {} seconds, or 0 to follow the audio.",
                one_of(&fixed)
            ),
        ));
    }
    audio_seconds(
        &mut errors,
        Model::AvatarPro,
        r.duration(),
        r.audio_duration_seconds,
    );
    if r.resolution().is_none() {
        errors.push(FieldError::of(
            Field::Resolution,
            &format!(
                "Resolution must be {} pixels (long edge).",
                one_of(&Resolution::ALL.map(Resolution::long_edge))
            ),
        ));
    }
    if r.framerate().is_none() {
        errors.push(FieldError::of(
            Field::Framerate,
            &format!(
                "Frame rate must be {} frames per second.",
                one_of(&Framerate::ALL.map(Framerate::fps))
            ),
        ));
    }
    if let Some(prompt) = &r.motion_prompt {
        let n = prompt_chars(prompt);
        if n > model::MOTION_PROMPT_MAX_CHARS {
            errors.push(FieldError::of(
                Field::MotionPrompt,
                &format!(
                    "Motion prompt is {n} characters long; the limit is {}.",
                    model::MOTION_PROMPT_MAX_CHARS
                ),
            ));
        }
    }
    errors
}

/// Every problem of an AI Avatar (digital-human) request.
pub fn digital_human(r: &DigitalHumanRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let image = r.image_url.as_deref().filter(|s| !s.is_empty());
    let video = r.input_video_url.as_deref().filter(|s| !s.is_empty());
    match (image, video) {
        (None, None) => errors.push(FieldError::of(
            Field::ImageUrl,
            "Give an Image URL or a Video URL: one of the two is required.",
        )),
        (Some(_), Some(_)) => errors.push(FieldError::of(
            Field::InputVideoUrl,
            "Give an Image URL or a Video URL, not both.",
        )),
        _ => {
            optional_url(&mut errors, Field::ImageUrl, image);
            optional_url(&mut errors, Field::InputVideoUrl, video);
        }
    }
    url(&mut errors, Field::AudioUrl, &r.audio_url);
    audio_seconds(
        &mut errors,
        Model::DigitalHuman,
        Some(Duration::FOLLOW_AUDIO),
        r.audio_duration_seconds,
    );
    side(&mut errors, Field::Width, r.width);
    side(&mut errors, Field::Height, r.height);
    errors
}

/// Every problem of a Dual Avatar request.
pub fn dual(r: &DualRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    url(&mut errors, Field::DualImageUrl, &r.dual_image_url);
    url(&mut errors, Field::AudioMixUrl, &r.audio_mix_url);
    url(&mut errors, Field::Audio1Url, &r.audio1_url);
    url(&mut errors, Field::Audio2Url, &r.audio2_url);
    audio_seconds(
        &mut errors,
        Model::DualAvatar,
        Some(Duration::FOLLOW_AUDIO),
        r.audio_duration_seconds,
    );
    optional_url(&mut errors, Field::Mask1Url, r.mask1_url.as_deref());
    if let Some(mode) = r.resize_mode.as_deref().filter(|m| !m.is_empty())
        && !model::RESIZE_MODES.contains(&mode)
    {
        errors.push(FieldError::of(
            Field::ResizeMode,
            &format!(
                "Resize mode must be {}.",
                quoted_one_of(&model::RESIZE_MODES)
            ),
        ));
    }
    side(&mut errors, Field::Width, r.width);
    side(&mut errors, Field::Height, r.height);
    errors
}

/// A JSON request body read field by field, without a serde-derived
/// decoder per request type (each costs the page's wasm several KB): a
/// field absent or `null` takes its default, one of the wrong JSON type is
/// reported by its name. Rule checks are the request's own `validate`.
pub struct Body<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl<'a> Body<'a> {
    /// The body's fields; it must be a JSON object.
    pub fn of(body: &'a serde_json::Value) -> Result<Body<'a>, FieldError> {
        body.as_object()
            .map(Body)
            .ok_or_else(|| FieldError::new("body", "The request body must be a JSON object."))
    }

    fn field<T>(
        &self,
        name: &str,
        kind: &str,
        read: impl Fn(&serde_json::Value) -> Option<T>,
    ) -> Result<Option<T>, FieldError> {
        match self.0.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => read(v)
                .map(Some)
                .ok_or_else(|| FieldError::new(name, &format!("{name} must be {kind}."))),
        }
    }

    /// A string field.
    pub fn string(&self, name: &str) -> Result<Option<String>, FieldError> {
        self.field(name, "a string", |v| v.as_str().map(str::to_owned))
    }

    /// A number field.
    pub fn number(&self, name: &str) -> Result<Option<f64>, FieldError> {
        self.field(name, "a number", serde_json::Value::as_f64)
    }

    /// A whole-number field.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, FieldError> {
        self.field(name, "a whole number", serde_json::Value::as_i64)
    }

    /// A true/false field.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, FieldError> {
        self.field(name, "true or false", serde_json::Value::as_bool)
    }

    /// A list of strings.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, FieldError> {
        self.field(name, "a list of strings", |v| {
            (v.as_array()?.iter())
                .map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
    }

    /// Any JSON value (passthrough fields), unless `null`.
    pub fn value(&self, name: &str) -> Option<serde_json::Value> {
        self.0.get(name).filter(|v| !v.is_null()).cloned()
    }
}

#[cfg(test)]
mod tests;
