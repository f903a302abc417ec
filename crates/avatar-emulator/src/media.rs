//! Rendering a task's result with ffmpeg (H.264 + AAC, with a waveform at
//! the mouth that reacts to speech), from inputs already downloaded and
//! recognised (`crate::inputs`, `crate::probe`).

use std::path::Path;

use avatar_api::TaskError;
use avatar_api::model::{self, Framerate, Resolution};
use avatar_api::response::codes;
use tokio::process::Command;

use crate::ledger::task_error;
use crate::probe::{Kind, MediaProbe};

/// Longest video rendered for AI Avatar and Dual Avatar (their audio has no
/// documented cap; this keeps a demo machine responsive).
const MAX_RENDER_SECONDS: f64 = 300.0;
/// Frame rate of AI Avatar and Dual Avatar results (the API takes none).
const SIBLING_FPS: u32 = 25;
/// Where the mouth sits in a portrait, as a fraction of its height.
const MOUTH_Y: f64 = 0.555;

/// ffmpeg failed on inputs that looked fine.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError(String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl RenderError {
    /// A render failure described by `message`.
    pub fn new(message: String) -> RenderError {
        RenderError(message)
    }

    /// The task error clients read.
    pub fn task_error(&self) -> TaskError {
        task_error(codes::GENERATION_FAILED, &self.0)
    }
}

/// Rounds to an even number of pixels, at least 2.
fn even(x: f64) -> u32 {
    ((x / 2.0).round() as u32 * 2).max(2)
}

/// Output size of a Pro render: the image's aspect with `long_edge` as its longer side.
fn fit_long_edge(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
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
    image: (&Path, MediaProbe),
    audio: (&Path, MediaProbe),
    duration: model::Duration,
    resolution: Resolution,
    framerate: Framerate,
) -> RenderPlan {
    let (w, h) = fit_long_edge(image.1.width, image.1.height, resolution.long_edge());
    let fps = framerate.fps();
    let seconds = match duration.fixed_seconds() {
        Some(fixed) => f64::from(fixed),
        None => audio
            .1
            .duration
            .unwrap_or(0.0)
            .min(f64::from(model::FOLLOW_AUDIO_CAP_SECONDS)),
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
    picture: (&Path, MediaProbe),
    audio: (&Path, MediaProbe),
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
    mix: (&Path, MediaProbe),
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
pub async fn render(plan: &RenderPlan, out: &Path) -> Result<(), RenderError> {
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
        .map_err(|e| RenderError(format!("ffmpeg could not start: {e}")))?;
    if !output.status.success() {
        let _ = tokio::fs::remove_file(&tmp).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output").trim();
        return Err(RenderError(format!("Rendering failed: {last}")));
    }
    tokio::fs::rename(&tmp, out)
        .await
        .map_err(|e| RenderError(format!("cannot store the result: {e}")))
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
        let img = MediaProbe {
            kind: Kind::Image,
            duration: None,
            width: 300,
            height: 400,
        };
        let audio = |d| MediaProbe {
            kind: Kind::Audio,
            duration: Some(d),
            width: 0,
            height: 0,
        };
        let p = Path::new("x");
        let plan = |audio, duration| {
            let duration = model::Duration::from_wire(duration).unwrap();
            plan_pro(
                (p, img),
                (p, audio),
                duration,
                Resolution::Edge720,
                Framerate::Fps24,
            )
        };
        assert_eq!(plan(audio(7.3), 10).seconds, 10.0);
        assert_eq!(plan(audio(7.3), 0).seconds, 7.3);
        assert_eq!(plan(audio(41.0), 0).seconds, 35.0);
        assert_eq!(plan(audio(7.3), 0).fps, 24);
    }
}
