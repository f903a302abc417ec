//! Checks before paying, for every source of media: warnings, not
//! refusals. A request with advice is still valid and may be sent; each
//! warning names its field and says, in a sentence, what the person would
//! pay for or get, and carries the fix the page can offer as a button.
//!
//! [`validate`](crate::validate) owns what the API refuses; nothing here
//! repeats it: values validation refuses (a missing length) get no advice,
//! and Pro's duration and resolution come typed, so an unknown one can't
//! reach it.

use crate::billing;
use crate::model::{self, Duration, Field, Model, Resolution};
use crate::validate;

/// Silence at the end of a fixed-length video shorter than this gets no
/// advice: half a second is a natural pause after the last word, and at the
/// lowest rate it costs less than a credit.
pub const SILENCE_TOLERANCE_MS: u64 = 500;

/// A change the page can make for the person, offered beside the advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Set `duration` to [`Duration::FOLLOW_AUDIO`].
    FollowAudio,
    /// Replace the URL with this direct link to the file.
    UseLink(String),
}

impl Fix {
    /// The button's label: "Follow audio", "Use the direct link".
    pub fn label(&self) -> String {
        match self {
            Fix::FollowAudio => Duration::FOLLOW_AUDIO.label(),
            Fix::UseLink(_) => "Use the direct link".to_owned(),
        }
    }
}

/// One warning about one field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// The JSON field name, e.g. `audio_url`. A name, not a [`Field`]: the
    /// voice and image requests have fields of their own.
    pub field: String,
    /// What the person would pay for or get, and what to do, in sentences.
    pub message: String,
    /// The change the page can make, when there is one.
    pub fix: Option<Fix>,
}

impl Advice {
    fn new(field: &str, message: String, fix: Option<Fix>) -> Advice {
        Advice {
            field: field.to_owned(),
            message,
            fix,
        }
    }

    /// True when this is advice about `field`.
    pub fn is(&self, field: Field) -> bool {
        self.field == field.name()
    }
}

impl std::fmt::Display for Advice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// "1 credit", "7 credits".
fn credits(n: billing::Credits) -> String {
    let unit = if n == 1 { "credit" } else { "credits" };
    format!("{n} {unit}")
}

/// Whether AI Avatar Pro's fixed `duration` fits the measured speech: a
/// longer speech is cut off; a shorter one (by more than
/// [`SILENCE_TOLERANCE_MS`]) ends in silence that is paid for at the rate of
/// `resolution` (the credits are left out when, after rounding, following
/// the audio costs as much). `None` when the duration follows the audio or
/// the audio length is unknown (absent, not finite or not positive).
/// Lengths are compared in whole milliseconds, as billing counts them.
pub fn duration_fit(
    resolution: Resolution,
    duration: Duration,
    audio_seconds: Option<f64>,
) -> Option<Advice> {
    let seconds = duration.fixed_seconds()?;
    let audio = audio_seconds.filter(|s| s.is_finite())?;
    let audio_ms = billing::seconds_to_ms(audio);
    if audio_ms == 0 {
        return None;
    }
    let video_ms = u64::from(seconds) * 1000;
    let cap_ms = u64::from(model::FOLLOW_AUDIO_CAP_SECONDS) * 1000;
    let speech = format!("The speech is {} s long", billing::format_seconds(audio_ms));
    let field = Field::Duration.name();
    let follow = Duration::FOLLOW_AUDIO.label();
    if audio_ms > video_ms {
        let cut = format!("{speech}: the video stops at {seconds} s and cuts it off.");
        let longest = format!(
            "{} s is the longest video {} makes",
            model::FOLLOW_AUDIO_CAP_SECONDS,
            Model::AvatarPro.label()
        );
        return Some(if video_ms >= cap_ms {
            Advice::new(
                field,
                format!("{cut} {longest}: shorten the speech to keep all of it."),
                None,
            )
        } else if audio_ms > cap_ms {
            Advice::new(
                field,
                format!(
                    "{cut} Choose “{follow}” to keep its first {} s ({longest}), or shorten the speech.",
                    model::FOLLOW_AUDIO_CAP_SECONDS
                ),
                Some(Fix::FollowAudio),
            )
        } else {
            Advice::new(
                field,
                format!("{cut} Choose “{follow}” to keep all of it."),
                Some(Fix::FollowAudio),
            )
        });
    }
    let silence_ms = video_ms - audio_ms;
    if silence_ms <= SILENCE_TOLERANCE_MS {
        return None;
    }
    let silence = billing::format_seconds(silence_ms);
    // What the silence costs is what following the audio would save.
    let fixed = billing::pro(resolution, duration, None);
    let followed = billing::pro(resolution, Duration::FOLLOW_AUDIO, Some(audio));
    let paid = match (fixed, followed) {
        (Some(fixed), Some(followed)) => fixed.credits.saturating_sub(followed.credits),
        _ => 0,
    };
    let middle = if paid > 0 {
        format!("so you pay {} for {silence} s of silence", credits(paid))
    } else {
        format!("so its last {silence} s are silence")
    };
    Some(Advice::new(
        field,
        format!(
            "{speech}: the video lasts {seconds} s, {middle}. Choose “{follow}” to end the video with the speech."
        ),
        Some(Fix::FollowAudio),
    ))
}

/// Whether a portrait of `width`×`height` pixels is smaller than the video
/// made from it, whose long edge is `long_edge_wanted` (see
/// [`AvatarRequest::long_edge`](crate::AvatarRequest::long_edge)): its
/// long edge shorter means the picture is upscaled. `field` is the
/// portrait's, e.g. `image_url`. `None` when any size is unknown (0).
pub fn portrait_size(
    field: &str,
    long_edge_wanted: u32,
    width: u32,
    height: u32,
) -> Option<Advice> {
    if long_edge_wanted == 0 || width == 0 || height == 0 {
        return None;
    }
    (width.max(height) < long_edge_wanted).then(|| {
        Advice::new(
            field,
            format!(
                "The portrait is {width}×{height} px; the video is {long_edge_wanted} px on its long edge, so the picture will be upscaled and may look soft."
            ),
            None,
        )
    })
}

/// The parts of a URL a share link is recognised by: the host (lower case,
/// without `www.`, a port or a user), the path (from its `/`) and the query
/// (without `?`), the fragment dropped. The scheme may be left out; another
/// scheme than http(s) leaves a host (`ftp`) that no rule matches.
fn url_parts(url: &str) -> (String, &str, &str) {
    let url = url.trim();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            url.get(..scheme.len())
                .filter(|head| head.eq_ignore_ascii_case(scheme))
                .map(|_| &url[scheme.len()..])
        })
        .unwrap_or(url);
    let rest = rest.split('#').next().unwrap_or("");
    let (before, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = before.split_at(before.find('/').unwrap_or(before.len()));
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    (host, path, query)
}

/// The value of `name` in a query string, when it is there.
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// A Google Drive file id: letters, digits, `-` and `_`.
fn drive_id(id: &str) -> Option<&str> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(id)
}

/// The file id of a Drive viewer path: `/file/d/<id>/view`, also with an
/// account (`/file/u/0/d/<id>`).
fn drive_file_id(path: &str) -> Option<&str> {
    let mut segments = path.trim_start_matches('/').split('/');
    if segments.next()? != "file" {
        return None;
    }
    segments.by_ref().find(|s| *s == "d")?;
    drive_id(segments.next()?)
}

/// Why a Google Drive or Docs link is no file, with the direct link when
/// it names one.
fn google(host: &str, path: &str, query: &str) -> Option<(&'static str, Option<String>)> {
    let trimmed = path.trim_end_matches('/');
    if trimmed == "/uc" {
        return None; // Already the download link.
    }
    let opened = host == "drive.google.com" && trimmed == "/open";
    let id = drive_file_id(path).or_else(|| {
        query_value(query, "id")
            .filter(|_| opened)
            .and_then(drive_id)
    });
    let direct = id.map(|id| format!("https://drive.google.com/uc?export=download&id={id}"));
    let message = match (&direct, host) {
        (Some(_), _) => {
            "This is a Google Drive page, not the file itself, so the API cannot download it. Use the direct link (the file must be shared with “Anyone with the link”)."
        }
        (None, "drive.google.com") => {
            "This is a Google Drive page, not a file, so the API cannot download it. Open the file in Drive, share it with “Anyone with the link” and paste the file's link."
        }
        (None, _) => {
            "This is a Google Docs page, not a media file. Put the file in Google Drive, share it with “Anyone with the link” and paste the file's link."
        }
    };
    Some((message, direct))
}

/// Why a Dropbox link is no file, with the same link asking for the file
/// (`dl=1`) when it shares one. `None` when it already does (`dl=1`, `raw=1`).
fn dropbox(path: &str, query: &str) -> Option<(&'static str, Option<String>)> {
    let is = |name: &str, value: &str| query_value(query, name) == Some(value);
    if is("dl", "1") || is("raw", "1") {
        return None;
    }
    let shares = |prefix: &str| path.len() > prefix.len() && path.starts_with(prefix);
    if shares("/s/") || shares("/scl/fi/") {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or("");
                !pair.is_empty()
                    && !key.eq_ignore_ascii_case("dl")
                    && !key.eq_ignore_ascii_case("raw")
            })
            .chain(["dl=1"])
            .collect();
        let direct = format!("https://www.dropbox.com{path}?{}", kept.join("&"));
        let message = "This is a Dropbox page, not the file itself, so the API cannot download it. Use the direct link (the same link ending in dl=1).";
        return Some((message, Some(direct)));
    }
    let message = if shares("/sh/") || shares("/scl/fo/") {
        "This is a Dropbox folder, not a file. Open the file in it, choose Share → Copy link and paste that link."
    } else {
        "This is a Dropbox page, not a shared file. Choose Share → Copy link on the file and paste that link."
    };
    Some((message, None))
}

/// Whether `url` is a share page of a file host (Google Drive and Docs,
/// Dropbox, OneDrive, WeTransfer) rather than a file the API can download,
/// and how to get a direct link; [`Fix::UseLink`] carries it when it can be
/// worked out from the URL and is a valid address. Hosts are matched exactly (in any case, with or
/// without `www.`): look-alikes such as `notdropbox.com` and the hosts that
/// serve the files themselves (`dl.dropboxusercontent.com`) get no advice,
/// nor does any other URL. `field` is the URL's, e.g. `audio_url`.
pub fn share_page(field: &str, url: &str) -> Option<Advice> {
    let (host, path, query) = url_parts(url);
    let (message, direct) = match host.as_str() {
        "drive.google.com" | "docs.google.com" => google(&host, path, query)?,
        "dropbox.com" => dropbox(path, query)?,
        "1drv.ms" | "onedrive.live.com" => {
            if host == "onedrive.live.com" && path.trim_end_matches('/') == "/download" {
                return None; // Already the download link.
            }
            let message = "This is a OneDrive page, not the file itself, so the API cannot download it. In OneDrive choose Embed or Download on the file and copy that link.";
            (message, None)
        }
        "we.tl" | "wetransfer.com" => {
            let message = "A WeTransfer link is a download page that expires, not a file. Download the file, put it where it stays online and paste that link.";
            (message, None)
        }
        _ => return None,
    };
    // A link copied from a URL with spaces in it would be refused: none is offered.
    let direct = direct.filter(|link| validate::is_http_url(link));
    Some(Advice::new(
        field,
        message.to_owned(),
        direct.map(Fix::UseLink),
    ))
}

#[cfg(test)]
mod tests;
