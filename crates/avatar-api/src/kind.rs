//! The kinds of task a key can run, and what differs between them on the
//! wire: where a task is polled and which field holds its result link
//! (captions have none: their result is the transcript itself).

use serde::{Deserialize, Serialize};

/// The unified status endpoint (`GET /api/v2/tasks/{task_id}`): voice,
/// image and video tasks "all return the same shape — only result differs".
pub const TASKS_PATH: &str = "/api/v2/tasks/";
/// The avatar endpoints' own status path, which the avatar docs give.
pub const AVATAR_TASKS_PATH: &str = "/api/v2/avatar/tasks/";

/// A kind of task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A talking video from one of the avatar endpoints.
    Video,
    /// Speech from a script (voice clone).
    Speech,
    /// A picture from a description (image generate).
    Portrait,
    /// Timed words of a recording or video (speech to text), for captions.
    Captions,
}

impl Kind {
    /// Every kind, in the order the page lists them.
    pub const ALL: [Kind; 4] = [Kind::Video, Kind::Speech, Kind::Portrait, Kind::Captions];

    /// Where a task of this kind is polled, before its id.
    pub fn status_path(self) -> &'static str {
        match self {
            Kind::Video => AVATAR_TASKS_PATH,
            Kind::Speech | Kind::Portrait => TASKS_PATH,
            Kind::Captions => crate::transcribe::STATUS_PATH,
        }
    }

    /// The names of the result link, in the order they are looked for (at
    /// the top level, then inside `result`/`output`; see [`crate::response`]).
    pub fn link_keys(self) -> &'static [&'static str] {
        match self {
            Kind::Video => &["videoUrl", "video_url", "result_url"],
            Kind::Speech => &["audioUrl", "audio_url", "result_url"],
            Kind::Portrait => &["imageUrl", "image_url", "result_url"],
            Kind::Captions => &[],
        }
    }

    /// The noun a person reads: "video", "speech", "portrait".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Video => "video",
            Kind::Speech => "speech",
            Kind::Portrait => "portrait",
            Kind::Captions => "captions",
        }
    }
}
