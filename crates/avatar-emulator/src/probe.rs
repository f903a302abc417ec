//! Recognising media files with ffprobe: image, audio or video, with their
//! length and picture size. Used for a task's inputs and for the samples.

use std::path::Path;

use serde_json::Value;
use tokio::process::Command;

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
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Image => "an image",
            Kind::Audio => "an audio file",
            Kind::Video => "a video",
        }
    }
}

/// What ffprobe found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaProbe {
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
pub async fn probe(path: &Path) -> Option<MediaProbe> {
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
            Some(MediaProbe {
                kind: Kind::Image,
                duration: None,
                width,
                height,
            })
        }
        // An audio file with cover art has a single-frame "video" stream.
        Some(v) if !still && v["codec_name"] != "mjpeg" && v["codec_name"] != "png" => {
            let (width, height) = size(v);
            Some(MediaProbe {
                kind: Kind::Video,
                duration,
                width,
                height,
            })
        }
        _ if audio => Some(MediaProbe {
            kind: Kind::Audio,
            duration,
            width: 0,
            height: 0,
        }),
        _ => None,
    }
}
