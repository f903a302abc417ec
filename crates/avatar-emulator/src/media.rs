//! Real media: downloading inputs (http(s) only, with size and time
//! limits), recognising them with ffprobe, and rendering the result with
//! ffmpeg (H.264 + AAC, with a waveform at the mouth that reacts to speech).

use std::path::{Path, PathBuf};
use std::time::Duration;

use avatar_api::response::codes;
use avatar_api::validate::is_http_url;
use avatar_api::{AvatarRequest, TaskError};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::state::{AppState, TaskRecord, task_error};

/// Longest video rendered for AI Avatar and Dual Avatar (their audio has no
/// documented cap; this keeps a demo machine responsive).
pub const MAX_RENDER_SECONDS: f64 = 300.0;
/// Frame rate of AI Avatar and Dual Avatar results (the API takes none).
pub const SIBLING_FPS: u32 = 25;
/// Where the mouth sits in a portrait, as a fraction of its height.
pub const MOUTH_Y: f64 = 0.555;

/// Why a task's media could not be produced.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaError {
    /// An input could not be fetched or is not what the field needs.
    Unavailable(String),
    /// ffmpeg failed on inputs that looked fine.
    Render(String),
}

impl MediaError {
    /// The task error clients read.
    pub fn task_error(&self) -> TaskError {
        match self {
            MediaError::Unavailable(m) => task_error(codes::MEDIA_UNAVAILABLE, m),
            MediaError::Render(m) => task_error(codes::GENERATION_FAILED, m),
        }
    }
}

/// What a media file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A still picture.
    Image,
    /// Sound only.
    Audio,
    /// Moving pictures.
    Video,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Image => "an image",
            Kind::Audio => "an audio file",
            Kind::Video => "a video",
        }
    }
}

/// What ffprobe found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probe {
    /// Image, audio or video.
    pub kind: Kind,
    /// Length in seconds, for audio and video.
    pub duration: Option<f64>,
    /// Picture size, for images and videos.
    pub width: u32,
    /// Picture height.
    pub height: u32,
}

/// Recognises a media file with ffprobe; `None` when it is none of the kinds.
pub async fn probe(path: &Path) -> Option<Probe> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries"])
        .arg("stream=codec_type,codec_name,width,height,duration:format=format_name,duration")
        .args(["-of", "json"])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let json: Value = serde_json::from_slice(&out.stdout).ok()?;
    let streams = json["streams"].as_array()?;
    let format = json["format"]["format_name"].as_str().unwrap_or("");
    let seconds = |v: &Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    let duration = seconds(&json["format"]["duration"]);
    let video = streams.iter().find(|s| s["codec_type"] == "video");
    let audio = streams.iter().any(|s| s["codec_type"] == "audio");
    let size = |s: &Value| {
        (
            s["width"].as_u64().unwrap_or(0) as u32,
            s["height"].as_u64().unwrap_or(0) as u32,
        )
    };
    let still = format.contains("image2") || format.ends_with("_pipe") || format == "gif";
    match video {
        Some(v) if still && !audio => {
            let (width, height) = size(v);
            Some(Probe {
                kind: Kind::Image,
                duration: None,
                width,
                height,
            })
        }
        // An audio file with cover art has a single-frame "video" stream.
        Some(v) if !still && v["codec_name"] != "mjpeg" && v["codec_name"] != "png" => {
            let (width, height) = size(v);
            Some(Probe {
                kind: Kind::Video,
                duration,
                width,
                height,
            })
        }
        _ if audio => Some(Probe {
            kind: Kind::Audio,
            duration,
            width: 0,
            height: 0,
        }),
        _ => None,
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
pub async fn download(
    state: &AppState,
    field: &str,
    url: &str,
    dest: &Path,
) -> Result<(), MediaError> {
    let fail = |why: String| MediaError::Unavailable(format!("{field} ({url}) {why}."));
    if !is_http_url(url) {
        return Err(fail("is not an http(s) URL".into()));
    }
    let limit = state.config.max_download_mb * 1024 * 1024;
    let timeout = Duration::from_secs(state.config.download_timeout);
    let fetch = async {
        let mut response = state
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(format!("could not be downloaded: {}", describe(&e))))?;
        if !response.status().is_success() {
            return Err(fail(format!(
                "could not be downloaded: the server answered HTTP {}",
                response.status()
            )));
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(fail(format!(
                "is larger than {} MB",
                state.config.max_download_mb
            )));
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| MediaError::Render(format!("cannot write the download: {e}")))?;
        let mut size = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fail(format!("download broke off: {}", describe(&e))))?
        {
            size += chunk.len() as u64;
            if size > limit {
                return Err(fail(format!(
                    "is larger than {} MB",
                    state.config.max_download_mb
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| MediaError::Render(format!("cannot write the download: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| MediaError::Render(format!("cannot write the download: {e}")))?;
        Ok(())
    };
    tokio::time::timeout(timeout, fetch)
        .await
        .unwrap_or_else(|_| {
            Err(fail(format!(
                "did not finish downloading within {} s",
                state.config.download_timeout
            )))
        })
}

/// Downloads one input and checks it is one of `kinds`.
async fn fetch_input(
    state: &AppState,
    dir: &Path,
    field: &str,
    url: &str,
    kinds: &[Kind],
) -> Result<(PathBuf, Probe), MediaError> {
    let dest = dir.join(field);
    download(state, field, url, &dest).await?;
    let wanted = kinds
        .iter()
        .map(|k| k.noun())
        .collect::<Vec<_>>()
        .join(" or ");
    let found = probe(&dest).await;
    match found {
        Some(p) if kinds.contains(&p.kind) => {
            if p.kind != Kind::Image && !p.duration.is_some_and(|d| d > 0.0) {
                return Err(MediaError::Unavailable(format!(
                    "{field} ({url}) has no readable length."
                )));
            }
            Ok((dest, p))
        }
        Some(p) => Err(MediaError::Unavailable(format!(
            "{field} ({url}) is {}, not {wanted}.",
            p.kind.noun()
        ))),
        None => Err(MediaError::Unavailable(format!(
            "{field} ({url}) is not {wanted} that ffmpeg can read."
        ))),
    }
}

/// Rounds to an even number of pixels, at least 2.
pub fn even(x: f64) -> u32 {
    ((x / 2.0).round() as u32 * 2).max(2)
}

/// Output size of a Pro render: the image's aspect with `long_edge` as its longer side.
pub fn fit_long_edge(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    let l = long_edge as f64;
    if w >= h {
        (even(l), even(l * h / w))
    } else {
        (even(l * w / h), even(l))
    }
}

/// ffmpeg's arguments for one render.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderPlan {
    /// Input arguments (`-loop 1 -i img -i audio` ...).
    pub inputs: Vec<String>,
    /// The filter graph producing `[v]` and `[a]`.
    pub filter: String,
    /// Output frame rate.
    pub fps: u32,
    /// Output length in seconds.
    pub seconds: f64,
}

fn plain_input(path: &Path) -> Vec<String> {
    vec!["-i".into(), path.display().to_string()]
}

/// Audio from input `index`: stereo 44.1 kHz, padded with silence or cut to `seconds`.
fn audio_chain(index: usize, seconds: f64, label: &str) -> String {
    format!(
        "[{index}:a]aresample=44100,aformat=channel_layouts=stereo,apad,atrim=0:{seconds:.3},asetpts=N/SR/TB[{label}]"
    )
}

/// A waveform of `input` (a labelled audio stream) `w`×`h`, drawn over `base` centred at (`cx`, `cy`).
fn waveform(
    input: &str,
    base: &str,
    out: &str,
    geometry: (u32, u32, u32, u32),
    fps: u32,
) -> String {
    let (w, h, cx, cy) = geometry;
    format!(
        "[{input}]volume=4,showwaves=s={w}x{h}:mode=cline:rate={fps}:colors=0xb01030[{input}w];\
         [{base}][{input}w]overlay=x={x}:y={y}:format=auto[{out}]",
        x = cx.saturating_sub(w / 2),
        y = cy.saturating_sub(h / 2)
    )
}

/// One speaker: `picture` (a filter ending in `[bg]`, frame size `w`×`h`) with the speech
/// (input 1, cut or padded to `seconds`) and its `ww`×`wh` waveform over the mouth.
fn one_speaker_filter(
    picture: &str,
    seconds: f64,
    (w, h): (u32, u32),
    (ww, wh): (u32, u32),
    fps: u32,
) -> String {
    let mouth = (ww, wh, w / 2, (h as f64 * MOUTH_Y) as u32);
    format!(
        "{picture};{};[mix]asplit[a][s];{}",
        audio_chain(1, seconds, "mix"),
        waveform("s", "bg", "v", mouth, fps)
    )
}

/// Size of a speaker's waveform over a picture `width`×`height`.
fn wave_size(width: u32, height: u32) -> (u32, u32) {
    (
        even(width as f64 * 0.22),
        even((height as f64 * 0.08).max(16.0)),
    )
}

/// Scales a picture into exactly `w`×`h`, keeping its aspect (letterboxed).
fn fit_box(index: usize, w: u32, h: u32, fps: u32, still: bool) -> String {
    format!(
        "[{index}:v]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bicubic,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x1e2630,setsar=1,format=yuv420p,{}[bg]",
        frames(fps, still)
    )
}

/// Turns the picture into a stream at `fps`: a still image is scaled once
/// and repeated (cheaper than decoding and scaling it for every frame).
fn frames(fps: u32, still: bool) -> String {
    if still {
        format!("loop=loop=-1:size=1,settb=1/{fps},setpts=N")
    } else {
        format!("fps={fps}")
    }
}

/// Pro: the portrait at the requested long edge and frame rate, for the billed length.
pub fn plan_pro(
    image: (&Path, Probe),
    audio: (&Path, Probe),
    duration: u32,
    long_edge: u32,
    fps: u32,
) -> RenderPlan {
    let (w, h) = fit_long_edge(image.1.width, image.1.height, long_edge);
    let seconds = if duration > 0 {
        duration as f64
    } else {
        audio
            .1
            .duration
            .unwrap_or(0.0)
            .min(avatar_api::model::FOLLOW_AUDIO_CAP_SECONDS as f64)
    };
    let (ww, wh) = wave_size(w, h);
    let picture = format!(
        "[0:v]scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p,{}[bg]",
        frames(fps, true)
    );
    let filter = one_speaker_filter(&picture, seconds, (w, h), (ww, wh), fps);
    let mut inputs = plain_input(image.0);
    inputs.extend(plain_input(audio.0));
    RenderPlan {
        inputs,
        filter,
        fps,
        seconds,
    }
}

/// AI Avatar: the image, or the input video looped, at `w`×`h` for the audio's length.
pub fn plan_digital_human(
    picture: (&Path, Probe),
    audio: (&Path, Probe),
    w: u32,
    h: u32,
) -> RenderPlan {
    let fps = SIBLING_FPS;
    let seconds = audio.1.duration.unwrap_or(0.0).min(MAX_RENDER_SECONDS);
    let mut inputs = if picture.1.kind == Kind::Video {
        let mut v = vec!["-stream_loop".to_owned(), "-1".to_owned()];
        v.extend(plain_input(picture.0));
        v
    } else {
        plain_input(picture.0)
    };
    inputs.extend(plain_input(audio.0));
    // The waveform fits the letterboxed picture, not the whole frame.
    let (pw, ph) = (
        picture.1.width.max(1) as f64,
        picture.1.height.max(1) as f64,
    );
    let shown = (w as f64).min(h as f64 * pw / ph);
    let (ww, wh) = wave_size(shown as u32, h);
    let background = fit_box(0, w, h, fps, picture.1.kind == Kind::Image);
    let filter = one_speaker_filter(&background, seconds, (w, h), (ww, wh), fps);
    RenderPlan {
        inputs,
        filter,
        fps,
        seconds,
    }
}

/// Dual: the two-person image at `w`×`h` with the mixed audio and one waveform per speaker.
pub fn plan_dual(
    image: &Path,
    mix: (&Path, Probe),
    speaker1: &Path,
    speaker2: &Path,
    w: u32,
    h: u32,
) -> RenderPlan {
    let fps = SIBLING_FPS;
    let seconds = mix.1.duration.unwrap_or(0.0).min(MAX_RENDER_SECONDS);
    let mut inputs = plain_input(image);
    for p in [mix.0, speaker1, speaker2] {
        inputs.extend(plain_input(p));
    }
    let (ww, wh) = wave_size(w / 2, h);
    let y = (h as f64 * MOUTH_Y) as u32;
    let filter = format!(
        "{};{};{};{};{};{}",
        fit_box(0, w, h, fps, true),
        audio_chain(1, seconds, "a"),
        audio_chain(2, seconds, "s1"),
        audio_chain(3, seconds, "s2"),
        waveform("s1", "bg", "v1", (ww, wh, w * 3 / 10, y), fps),
        waveform("s2", "v1", "v", (ww, wh, w * 7 / 10, y), fps),
    );
    RenderPlan {
        inputs,
        filter,
        fps,
        seconds,
    }
}

/// Runs ffmpeg for `plan`, writing an mp4 to `out` (atomically: temp + rename).
pub async fn render(plan: &RenderPlan, out: &Path) -> Result<(), MediaError> {
    let tmp = out.with_extension("mp4.part");
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error"])
        .args(&plan.inputs)
        .args([
            "-filter_complex",
            &plan.filter,
            "-map",
            "[v]",
            "-map",
            "[a]",
        ])
        .args(["-t", &format!("{:.3}", plan.seconds)])
        .args(["-r", &plan.fps.to_string()])
        .args([
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
        .args([
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ])
        .arg(&tmp)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| MediaError::Render(format!("ffmpeg could not start: {e}")))?;
    if !output.status.success() {
        let _ = tokio::fs::remove_file(&tmp).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output").trim();
        return Err(MediaError::Render(format!("Rendering failed: {last}")));
    }
    tokio::fs::rename(&tmp, out)
        .await
        .map_err(|e| MediaError::Render(format!("cannot store the result: {e}")))
}

/// Downloads a task's inputs, checks them and renders its result to `out`.
pub async fn produce(state: &AppState, task: &TaskRecord, out: &Path) -> Result<(), MediaError> {
    let request = AvatarRequest::from_json(task.model, &task.request)
        .map_err(|e| MediaError::Render(format!("stored request unreadable: {e}")))?;
    let dir = state.dirs.inputs.join(&task.task_id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| MediaError::Render(format!("cannot create {}: {e}", dir.display())))?;
    let result = async {
        use Kind::*;
        let plan = match &request {
            AvatarRequest::Pro(r) => {
                let (image, audio) = tokio::try_join!(
                    fetch_input(state, &dir, "image_url", &r.image_url, &[Image]),
                    fetch_input(state, &dir, "audio_url", &r.audio_url, &[Audio, Video]),
                )?;
                plan_pro(
                    (&image.0, image.1),
                    (&audio.0, audio.1),
                    r.duration,
                    r.resolution,
                    r.framerate,
                )
            }
            AvatarRequest::DigitalHuman(r) => {
                let (field, url, kinds) = match (&r.input_video_url, &r.image_url) {
                    (Some(v), _) if !v.is_empty() => ("input_video_url", v, &[Video][..]),
                    (_, Some(i)) => ("image_url", i, &[Image][..]),
                    _ => return Err(MediaError::Unavailable("No image or video URL.".into())),
                };
                let (picture, audio) = tokio::try_join!(
                    fetch_input(state, &dir, field, url, kinds),
                    fetch_input(state, &dir, "audio_url", &r.audio_url, &[Audio, Video]),
                )?;
                plan_digital_human(
                    (&picture.0, picture.1),
                    (&audio.0, audio.1),
                    r.width,
                    r.height,
                )
            }
            AvatarRequest::Dual(r) => {
                let (image, mix, s1, s2) = tokio::try_join!(
                    fetch_input(state, &dir, "dual_image_url", &r.dual_image_url, &[Image]),
                    fetch_input(
                        state,
                        &dir,
                        "audio_mix_url",
                        &r.audio_mix_url,
                        &[Audio, Video]
                    ),
                    fetch_input(state, &dir, "audio1_url", &r.audio1_url, &[Audio, Video]),
                    fetch_input(state, &dir, "audio2_url", &r.audio2_url, &[Audio, Video]),
                )?;
                plan_dual(&image.0, (&mix.0, mix.1), &s1.0, &s2.0, r.width, r.height)
            }
        };
        let _permit = state.renders.acquire().await;
        render(&plan, out).await
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_edge_keeps_aspect_with_even_sides() {
        assert_eq!(fit_long_edge(768, 1024, 1280), (960, 1280));
        assert_eq!(fit_long_edge(1024, 768, 720), (720, 540));
        assert_eq!(fit_long_edge(901, 899, 1536), (1536, 1532));
        let (w, h) = fit_long_edge(333, 1000, 720);
        assert_eq!((w % 2, h % 2, h), (0, 0, 720));
    }

    #[test]
    fn pro_length_follows_duration_or_capped_audio() {
        let img = Probe {
            kind: Kind::Image,
            duration: None,
            width: 300,
            height: 400,
        };
        let audio = |d| Probe {
            kind: Kind::Audio,
            duration: Some(d),
            width: 0,
            height: 0,
        };
        let p = Path::new("x");
        assert_eq!(
            plan_pro((p, img), (p, audio(7.3)), 10, 720, 24).seconds,
            10.0
        );
        assert_eq!(plan_pro((p, img), (p, audio(7.3)), 0, 720, 24).seconds, 7.3);
        assert_eq!(
            plan_pro((p, img), (p, audio(41.0)), 0, 720, 24).seconds,
            35.0
        );
    }
}
