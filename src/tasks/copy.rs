//! What a task knows of its saved copy ([`CopyState`]), which link that copy is
//! kept under, and the words for it (pure); the saving itself is
//! [`crate::tasks::saved`]'s.

use crate::tasks::record::TaskRecord;

/// What this browser holds of one result video.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyState {
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
        .then_some(task.result_url())
        .flatten()
        .filter(|u| avatar_api::validate::is_http_url(u))
}

/// What a row says about its copy and its link, if anything: `broken` when
/// the provider's link no longer works, `online` as the browser says.
pub fn note(kept: &CopyState, broken: bool, online: bool) -> Option<String> {
    let text = match (kept, broken) {
        (CopyState::Unknown | CopyState::Checking, true) => return None,
        (CopyState::Saved(bytes), true) if online => format!(
            "The provider's link has expired: playing the copy saved in this browser ({}).",
            format_size(*bytes)
        ),
        (CopyState::Saved(_), true) => {
            "You are offline: playing the copy saved in this browser.".into()
        }
        (_, true) => {
            "The provider's link no longer works and no copy was saved in this browser.".into()
        }
        (CopyState::Saved(bytes), false) => {
            format!("Saved in this browser · {}", format_size(*bytes))
        }
        (CopyState::Saving, false) => "Saving a copy…".into(),
        (CopyState::Blocked, false) => {
            "Not saved: the video host does not allow it; use Download".into()
        }
        (CopyState::Full, false) => "Not saved: this browser's storage is full".into(),
        (CopyState::Failed(0), false) => "Not saved: the download broke off".into(),
        (CopyState::Failed(status), false) => format!("Not saved: the link answered HTTP {status}"),
        (CopyState::Removed, false) => "No copy saved in this browser".into(),
        (CopyState::Unknown | CopyState::Checking | CopyState::Unsupported, false) => return None,
    };
    Some(text)
}

/// A size in words, one decimal below 100 units (`3.2 MB`, `870 kB`,
/// `1.5 GB`), with integer arithmetic only.
pub fn format_size(bytes: u64) -> String {
    let (unit, scale) = match bytes {
        1_000_000_000.. => ("GB", 1_000_000_000),
        1_000_000.. => ("MB", 1_000_000),
        _ => ("kB", 1_000),
    };
    let tenths = (bytes.saturating_mul(10) + scale / 2) / scale;
    if tenths >= 1_000 || tenths.is_multiple_of(10) {
        format!("{} {unit}", (bytes + scale / 2) / scale)
    } else {
        format!("{}.{} {unit}", tenths / 10, tenths % 10)
    }
}

/// What a failed `Cache.put` means.
pub fn put_failure(error_name: &str) -> CopyState {
    if error_name == "QuotaExceededError" {
        CopyState::Full
    } else {
        CopyState::Failed(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        for (bytes, text) in [
            (0, "0 kB"),
            (870_000, "870 kB"),
            (1_234, "1.2 kB"),
            (3_200_000, "3.2 MB"),
            (3_249_999, "3.2 MB"),
            (3_250_000, "3.3 MB"),
            (5_000_000, "5 MB"),
            (123_456_789, "123 MB"),
            (1_500_000_000, "1.5 GB"),
            (250_000_000_000, "250 GB"),
        ] {
            assert_eq!(format_size(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn a_row_says_what_it_keeps_and_what_it_plays() {
        let say = |k: CopyState, broken: bool| note(&k, broken, true);
        assert_eq!(
            say(CopyState::Saved(3_200_000), false).as_deref(),
            Some("Saved in this browser · 3.2 MB")
        );
        assert_eq!(
            say(CopyState::Saving, false).as_deref(),
            Some("Saving a copy…")
        );
        assert_eq!(say(CopyState::Checking, false), None);
        assert!(
            say(CopyState::Blocked, false)
                .unwrap()
                .contains("does not allow it")
        );
        assert!(
            say(CopyState::Full, false)
                .unwrap()
                .contains("storage is full")
        );
        assert!(
            say(CopyState::Saved(1), true)
                .unwrap()
                .starts_with("The provider's link has expired: playing the copy")
        );
        for k in [
            CopyState::Blocked,
            CopyState::Full,
            CopyState::Removed,
            CopyState::Failed(410),
        ] {
            assert_eq!(
                say(k, true).as_deref(),
                Some("The provider's link no longer works and no copy was saved in this browser.")
            );
        }
        assert_eq!(
            say(CopyState::Checking, true),
            None,
            "not before the cache answered"
        );
        assert!(
            note(&CopyState::Saved(1), true, false)
                .unwrap()
                .contains("offline")
        );
    }

    #[test]
    fn only_a_refused_quota_means_full() {
        assert_eq!(put_failure("QuotaExceededError"), CopyState::Full);
        assert_eq!(put_failure("TypeError"), CopyState::Failed(0));
    }
}
