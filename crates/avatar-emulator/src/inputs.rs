//! A task's inputs before rendering: downloading them (http(s) only, with
//! size and time limits), checking each is the kind of media its field
//! needs, and turning them into a render plan ([`prepare`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use avatar_api::response::codes;
use avatar_api::validate::is_http_url;
use avatar_api::{AvatarRequest, TaskError};
use tokio::io::AsyncWriteExt;

use crate::config::EmulatorConfig;
use crate::ledger::task_error;
use crate::media::{self, RenderPlan};
use crate::probe::{Kind, MediaProbe, probe};

/// Why a task's inputs could not be prepared.
#[derive(Debug)]
pub enum PrepareError {
    /// The input of request field `field` (at `url`) cannot be used.
    Input {
        /// The request field, e.g. `image_url`.
        field: &'static str,
        /// Its value.
        url: String,
        /// What is wrong with it.
        problem: InputProblem,
    },
    /// An AI Avatar request with neither an image nor a video.
    NoPicture,
    /// An AI Avatar Pro request whose duration, resolution or frame rate is
    /// none of the allowed values (validation refuses those at submit).
    NotAllowed,
    /// A download could not be written to disk.
    Write(std::io::Error),
}

/// What is wrong with one input.
#[derive(Debug)]
pub enum InputProblem {
    /// Not an `http://` or `https://` URL.
    NotHttp,
    /// The request failed; the innermost cause.
    Unreachable(String),
    /// The server answered with this non-success status.
    Status(reqwest::StatusCode),
    /// Larger than `--max-download-mb` (this many MB).
    TooLarge(u64),
    /// The transfer failed halfway; the innermost cause.
    BrokeOff(String),
    /// Not done within `--download-timeout` (this many seconds).
    TimedOut(u64),
    /// Audio or video without a positive length.
    NoLength,
    /// A readable file of another kind.
    WrongKind {
        /// What it is.
        found: Kind,
        /// What the field needs.
        wanted: &'static [Kind],
    },
    /// Nothing ffprobe recognises.
    Unreadable {
        /// What the field needs.
        wanted: &'static [Kind],
    },
}

/// "an image or a video".
fn nouns(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.noun())
        .collect::<Vec<_>>()
        .join(" or ")
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputProblem::NotHttp => write!(f, "is not an http(s) URL"),
            InputProblem::Unreachable(cause) => write!(f, "could not be downloaded: {cause}"),
            InputProblem::Status(status) => write!(
                f,
                "could not be downloaded: the server answered HTTP {status}"
            ),
            InputProblem::TooLarge(mb) => write!(f, "is larger than {mb} MB"),
            InputProblem::BrokeOff(cause) => write!(f, "download broke off: {cause}"),
            InputProblem::TimedOut(seconds) => {
                write!(f, "did not finish downloading within {seconds} s")
            }
            InputProblem::NoLength => write!(f, "has no readable length"),
            InputProblem::WrongKind { found, wanted } => {
                write!(f, "is {}, not {}", found.noun(), nouns(wanted))
            }
            InputProblem::Unreadable { wanted } => {
                write!(f, "is not {} that ffmpeg can read", nouns(wanted))
            }
        }
    }
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Input {
                field,
                url,
                problem,
            } => write!(f, "{field} ({url}) {problem}."),
            PrepareError::NoPicture => write!(f, "No image or video URL."),
            PrepareError::NotAllowed => write!(
                f,
                "The duration, resolution or frame rate is none of the allowed values."
            ),
            PrepareError::Write(e) => write!(f, "cannot write the download: {e}"),
        }
    }
}

impl std::error::Error for PrepareError {}

impl PrepareError {
    /// Whether the input is at fault (not the emulator's disk).
    pub fn is_input(&self) -> bool {
        !matches!(self, PrepareError::Write(_))
    }

    /// The task error clients read: the input's fault (`media_unavailable`)
    /// or the emulator's (`generation_failed`).
    pub fn task_error(&self) -> TaskError {
        let code = match self {
            PrepareError::Input { .. } | PrepareError::NoPicture => codes::MEDIA_UNAVAILABLE,
            PrepareError::NotAllowed | PrepareError::Write(_) => codes::GENERATION_FAILED,
        };
        task_error(code, &self.to_string())
    }
}

/// The innermost cause of an error, which is the one a person understands
/// ("Connection refused (os error 111)").
fn describe(e: &dyn std::error::Error) -> String {
    let mut inner = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// Downloads `url` (the value of request field `field`) to `dest`.
async fn download(
    http: &reqwest::Client,
    config: &EmulatorConfig,
    field: &'static str,
    url: &str,
    dest: &Path,
) -> Result<(), PrepareError> {
    let fail = |problem| PrepareError::Input {
        field,
        url: url.to_owned(),
        problem,
    };
    if !is_http_url(url) {
        return Err(fail(InputProblem::NotHttp));
    }
    let limit = config.max_download_mb * 1024 * 1024;
    let timeout = Duration::from_secs(config.download_timeout);
    let fetch = async {
        let mut response = http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(InputProblem::Unreachable(describe(&e))))?;
        if !response.status().is_success() {
            return Err(fail(InputProblem::Status(response.status())));
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(fail(InputProblem::TooLarge(config.max_download_mb)));
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(PrepareError::Write)?;
        let mut size = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fail(InputProblem::BrokeOff(describe(&e))))?
        {
            size += chunk.len() as u64;
            if size > limit {
                return Err(fail(InputProblem::TooLarge(config.max_download_mb)));
            }
            file.write_all(&chunk).await.map_err(PrepareError::Write)?;
        }
        file.flush().await.map_err(PrepareError::Write)?;
        Ok(())
    };
    tokio::time::timeout(timeout, fetch)
        .await
        .unwrap_or_else(|_| Err(fail(InputProblem::TimedOut(config.download_timeout))))
}

/// Where and how one task's inputs are fetched.
struct Inputs<'a> {
    http: &'a reqwest::Client,
    config: &'a EmulatorConfig,
    dir: &'a Path,
}

impl Inputs<'_> {
    /// Downloads one input into the task's folder and checks it is one of `kinds`.
    async fn fetch(
        &self,
        field: &'static str,
        url: &str,
        kinds: &'static [Kind],
    ) -> Result<(PathBuf, MediaProbe), PrepareError> {
        let dest = self.dir.join(field);
        download(self.http, self.config, field, url, &dest).await?;
        let fail = |problem| PrepareError::Input {
            field,
            url: url.to_owned(),
            problem,
        };
        match probe(&dest).await {
            Some(p) if kinds.contains(&p.kind) => {
                if p.kind != Kind::Image && !p.duration.is_some_and(|d| d > 0.0) {
                    return Err(fail(InputProblem::NoLength));
                }
                Ok((dest, p))
            }
            Some(p) => Err(fail(InputProblem::WrongKind {
                found: p.kind,
                wanted: kinds,
            })),
            None => Err(fail(InputProblem::Unreadable { wanted: kinds })),
        }
    }
}

/// Downloads `request`'s inputs into `dir`, checks them and plans the render.
pub async fn prepare(
    http: &reqwest::Client,
    config: &EmulatorConfig,
    dir: &Path,
    request: &AvatarRequest,
) -> Result<RenderPlan, PrepareError> {
    use Kind::*;
    let inputs = Inputs { http, config, dir };
    Ok(match request {
        AvatarRequest::Pro(r) => {
            let (Some(duration), Some(resolution), Some(framerate)) =
                (r.duration(), r.resolution(), r.framerate())
            else {
                return Err(PrepareError::NotAllowed);
            };
            let (image, audio) = tokio::try_join!(
                inputs.fetch("image_url", &r.image_url, &[Image]),
                inputs.fetch("audio_url", &r.audio_url, &[Audio, Video]),
            )?;
            media::plan_pro(
                (&image.0, image.1),
                (&audio.0, audio.1),
                duration,
                resolution,
                framerate,
            )
        }
        AvatarRequest::DigitalHuman(r) => {
            let (field, url, kinds): (_, _, &'static [Kind]) =
                match (&r.input_video_url, &r.image_url) {
                    (Some(v), _) if !v.is_empty() => ("input_video_url", v, &[Video]),
                    (_, Some(i)) => ("image_url", i, &[Image]),
                    _ => return Err(PrepareError::NoPicture),
                };
            let (picture, audio) = tokio::try_join!(
                inputs.fetch(field, url, kinds),
                inputs.fetch("audio_url", &r.audio_url, &[Audio, Video]),
            )?;
            media::plan_digital_human(
                (&picture.0, picture.1),
                (&audio.0, audio.1),
                r.width,
                r.height,
            )
        }
        AvatarRequest::Dual(r) => {
            let (image, mix, s1, s2) = tokio::try_join!(
                inputs.fetch("dual_image_url", &r.dual_image_url, &[Image]),
                inputs.fetch("audio_mix_url", &r.audio_mix_url, &[Audio, Video]),
                inputs.fetch("audio1_url", &r.audio1_url, &[Audio, Video]),
                inputs.fetch("audio2_url", &r.audio2_url, &[Audio, Video]),
            )?;
            media::plan_dual(&image.0, (&mix.0, mix.1), &s1.0, &s2.0, r.width, r.height)
        }
    })
}

/// Downloads a voice clone's reference recording into `dir` and checks it
/// is audio with a length (at submit: the answer is a 400 naming the field).
pub async fn check_reference(
    http: &reqwest::Client,
    config: &EmulatorConfig,
    dir: &Path,
    url: &str,
) -> Result<(), PrepareError> {
    let inputs = Inputs { http, config, dir };
    inputs
        .fetch("reference_audio_url", url, &[Kind::Audio])
        .await
        .map(|_| ())
}

/// Downloads the audio (or video) to transcribe into `dir` and checks it
/// has sound with a length; the file and what ffprobe found.
pub async fn fetch_speech(
    http: &reqwest::Client,
    config: &EmulatorConfig,
    dir: &Path,
    url: &str,
) -> Result<(PathBuf, MediaProbe), PrepareError> {
    let inputs = Inputs { http, config, dir };
    inputs
        .fetch("audio_url", url, &[Kind::Audio, Kind::Video])
        .await
}
