//! What a task knows of its saved copy ([`Kept`]) and which link that copy
//! is kept under; the saving itself is [`crate::tasks::saved`]'s.

use crate::tasks::record::TaskRecord;

/// What this browser holds of one result video.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// Not looked for yet.
    Unknown,
    /// Looking in the cache.
    Checking,
    /// Fetching the video to keep it.
    Saving,
    /// A copy of this many bytes is kept.
    Saved(u64),
    /// `fetch()` failed: the video host does not allow the page to read it (CORS).
    Blocked,
    /// The browser refused to store it (quota).
    Full,
    /// The link answered this HTTP status (0: the download broke off).
    Failed(u16),
    /// None kept: the user removed it.
    Removed,
    /// This browser gives the page no Cache Storage (e.g. plain http).
    Unsupported,
}

/// The result link a record's copy is kept under, if it has one to keep:
/// completed with an `http(s)` link.
pub fn result_url(task: &TaskRecord) -> Option<&str> {
    task.state
        .is(&avatar_api::TaskStatus::Completed)
        .then_some(task.video_url.as_deref())
        .flatten()
        .filter(|u| avatar_api::validate::is_http_url(u))
}
