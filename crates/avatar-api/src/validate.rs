//! Field validation for the three submit endpoints, exactly as the docs
//! state the rules (and as the crate docs decide where they are silent).
//! Every problem is reported at once, each as a field and a sentence.

pub use crate::model::FieldError;
use crate::model::{self, Field};
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

/// Checks an audio length in seconds; `required` says whether absence is a problem.
fn audio_seconds(errors: &mut Vec<FieldError>, value: Option<f64>, required: &str) {
    let field = Field::AudioDurationSeconds;
    match value {
        None if required.is_empty() => {}
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
    let parts: Vec<String> = values.iter().map(u32::to_string).collect();
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
    if !model::DURATIONS.contains(&r.duration) {
        errors.push(FieldError::of(
            Field::Duration,
            &format!(
                "Duration must be {} seconds, or 0 to follow the audio.",
                one_of(&model::DURATIONS[1..])
            ),
        ));
    }
    let required = if r.duration == model::FOLLOW_AUDIO {
        "Audio length is required when the duration follows the audio."
    } else {
        ""
    };
    audio_seconds(&mut errors, r.audio_duration_seconds, required);
    if !model::RESOLUTIONS.contains(&r.resolution) {
        errors.push(FieldError::of(
            Field::Resolution,
            &format!(
                "Resolution must be {} pixels (long edge).",
                one_of(&model::RESOLUTIONS)
            ),
        ));
    }
    if !model::FRAMERATES.contains(&r.framerate) {
        errors.push(FieldError::of(
            Field::Framerate,
            &format!(
                "Frame rate must be {} frames per second.",
                one_of(&model::FRAMERATES)
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
        r.audio_duration_seconds,
        "Audio length is required (it sets the cost).",
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
        r.audio_duration_seconds,
        "Audio length is required (it sets the cost).",
    );
    optional_url(&mut errors, Field::Mask1Url, r.mask1_url.as_deref());
    if let Some(mode) = r.resize_mode.as_deref().filter(|m| !m.is_empty())
        && !model::RESIZE_MODES.contains(&mode)
    {
        errors.push(FieldError::of(
            Field::ResizeMode,
            "Resize mode must be \"pad\" or \"crop\".",
        ));
    }
    side(&mut errors, Field::Width, r.width);
    side(&mut errors, Field::Height, r.height);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pro_ok() -> ProRequest {
        ProRequest {
            image_url: "https://cdn.example/p.png".into(),
            audio_url: "http://cdn.example/s.mp3".into(),
            ..ProRequest::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn urls() {
        assert_eq!(check_url("https://a.b/c?d#e"), Ok(()));
        assert_eq!(check_url("HTTP://127.0.0.1:8787/x"), Ok(()));
        assert_eq!(check_url("https://user@host/x"), Ok(()));
        assert_eq!(check_url(""), Err(UrlProblem::Missing));
        assert_eq!(check_url("   "), Err(UrlProblem::Missing));
        assert_eq!(check_url("ftp://a/b"), Err(UrlProblem::Scheme));
        assert_eq!(check_url("javascript:alert(1)"), Err(UrlProblem::Scheme));
        assert_eq!(
            check_url("data:image/png;base64,xx"),
            Err(UrlProblem::Scheme)
        );
        assert_eq!(check_url("/relative.png"), Err(UrlProblem::Scheme));
        assert_eq!(check_url("https://"), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https:///path"), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https://a b/c"), Err(UrlProblem::Malformed));
        assert_eq!(check_url(" https://a/b"), Err(UrlProblem::Scheme));
        assert_eq!(check_url("https://é"), Ok(()));
    }

    #[test]
    fn valid_pro_request_has_no_errors() {
        assert!(pro(&pro_ok()).is_empty());
    }

    #[test]
    fn every_pro_problem_is_reported_at_once() {
        let r = ProRequest {
            image_url: "".into(),
            audio_url: "file:///etc/passwd".into(),
            duration: 12,
            resolution: 1080,
            framerate: 60,
            motion_prompt: Some("x".repeat(2001)),
            ..ProRequest::default()
        };
        let errors = pro(&r);
        assert_eq!(
            fields(&errors),
            [
                "image_url",
                "audio_url",
                "duration",
                "resolution",
                "framerate",
                "motion_prompt"
            ]
        );
        assert_eq!(errors[0].message, "Image URL is required.");
        assert_eq!(
            errors[1].message,
            "Audio URL must start with http:// or https://."
        );
        assert_eq!(
            errors[2].message,
            "Duration must be 5, 10, 15, 20, 25, 30 or 35 seconds, or 0 to follow the audio."
        );
        assert_eq!(
            errors[3].message,
            "Resolution must be 720, 1280 or 1536 pixels (long edge)."
        );
        assert_eq!(
            errors[4].message,
            "Frame rate must be 24, 25 or 30 frames per second."
        );
        assert_eq!(
            errors[5].message,
            "Motion prompt is 2001 characters long; the limit is 2000."
        );
    }

    #[test]
    fn motion_prompt_counts_characters_not_bytes() {
        let mut r = pro_ok();
        r.motion_prompt = Some("é".repeat(2000));
        assert!(pro(&r).is_empty(), "2000 two-byte characters are allowed");
        r.motion_prompt = Some("😀".repeat(2001));
        assert_eq!(fields(&pro(&r)), ["motion_prompt"]);
    }

    #[test]
    fn follow_audio_needs_a_positive_audio_length() {
        let mut r = pro_ok();
        r.duration = 0;
        assert_eq!(
            pro(&r)[0].message,
            "Audio length is required when the duration follows the audio."
        );
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            3600.5,
            1e-300,
            18_446_744_073_709_550.0,
            1e300,
            f64::MAX,
        ] {
            r.audio_duration_seconds = Some(bad);
            assert_eq!(fields(&pro(&r)), ["audio_duration_seconds"], "{bad}");
        }
        r.audio_duration_seconds = Some(3600.5);
        assert_eq!(
            pro(&r)[0].message,
            "Audio length must be at most 3600 seconds."
        );
        r.audio_duration_seconds = Some(18_446_744_073_709_550.0);
        assert_eq!(
            pro(&r)[0].message,
            "Audio length must be at most 3600 seconds."
        );
        r.audio_duration_seconds = Some(0.0009);
        assert_eq!(
            pro(&r)[0].message,
            "Audio length must be at least 0.001 seconds."
        );
        r.audio_duration_seconds = Some(41.2);
        assert!(pro(&r).is_empty());
        r.audio_duration_seconds = Some(3600.0);
        assert!(pro(&r).is_empty());
    }

    #[test]
    fn audio_length_is_optional_with_a_fixed_duration() {
        let mut r = pro_ok();
        r.duration = 35;
        assert!(pro(&r).is_empty());
    }

    #[test]
    fn digital_human_needs_exactly_one_source() {
        let mut r = DigitalHumanRequest {
            audio_url: "https://a/s.wav".into(),
            audio_duration_seconds: Some(12.0),
            ..DigitalHumanRequest::default()
        };
        assert_eq!(fields(&digital_human(&r)), ["image_url"]);
        r.image_url = Some("https://a/p.png".into());
        assert!(digital_human(&r).is_empty());
        r.input_video_url = Some("https://a/v.mp4".into());
        assert_eq!(fields(&digital_human(&r)), ["input_video_url"]);
        r.image_url = None;
        assert!(digital_human(&r).is_empty());
        r.width = 853;
        r.height = 5000;
        assert_eq!(fields(&digital_human(&r)), ["width", "height"]);
        assert_eq!(
            digital_human(&r)[0].message,
            "Width must be an even number of pixels from 64 to 3840."
        );
        r.audio_duration_seconds = None;
        assert_eq!(
            fields(&digital_human(&r)),
            ["audio_duration_seconds", "width", "height"]
        );
    }

    #[test]
    fn dual_rules() {
        let mut r = DualRequest::default();
        assert_eq!(
            fields(&dual(&r)),
            [
                "dual_image_url",
                "audio_mix_url",
                "audio1_url",
                "audio2_url",
                "audio_duration_seconds"
            ]
        );
        r = DualRequest {
            dual_image_url: "https://a/d.png".into(),
            audio_mix_url: "https://a/m.wav".into(),
            audio1_url: "https://a/1.wav".into(),
            audio2_url: "https://a/2.wav".into(),
            audio_duration_seconds: Some(15.0),
            ..DualRequest::default()
        };
        assert!(dual(&r).is_empty());
        r.mask1_url = Some("mask.png".into());
        r.resize_mode = Some("stretch".into());
        assert_eq!(fields(&dual(&r)), ["mask1_url", "resize_mode"]);
        r.mask1_url = Some("https://a/m.png".into());
        r.resize_mode = Some("crop".into());
        assert!(dual(&r).is_empty());
    }
}
