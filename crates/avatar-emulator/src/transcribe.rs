//! What a transcription hears. The emulator recognises no words; it knows
//! them only for speech it rendered itself:
//!
//! - a voice clone's result (`/results/<id>.wav` of a speech task it still
//!   holds): one segment per sentence of the script, timed as it was rendered;
//! - a talking video it rendered (`/results/<id>.mp4`) whose audio was such
//!   a result: the same segments, cut at the video's end;
//! - anything else: the stretches between silences (ffmpeg
//!   `silencedetect`), each with a text that says plainly it is a stand-in.

use std::path::Path;

use avatar_api::billing::seconds_to_ms;
use avatar_api::response::codes;
use avatar_api::transcribe::TranscribeRequest;
use avatar_api::{AvatarRequest, TaskError};
use tokio::process::Command;

use crate::inputs;
use crate::ledger::{Phase, TimedLine, Transcript, Work, task_error};
use crate::speech;
use crate::state::AppState;

/// The language reported when the request names none and the words are not
/// the emulator's own.
pub const DEFAULT_LANGUAGE: &str = "en";
/// Quieter than this (dBFS) counts as silence…
const SILENCE_NOISE_DB: i32 = -35;
/// …when it lasts at least this long, in seconds.
const SILENCE_MIN_SECONDS: f64 = 0.3;
/// Sound shorter than this between two silences is not speech (a click).
const SPEECH_MIN_SECONDS: f64 = 0.1;

/// Downloads `request`'s audio into `dir` and hears it (see the module docs).
pub async fn transcribe(
    state: &AppState,
    request: &TranscribeRequest,
    dir: &Path,
) -> Result<Transcript, TaskError> {
    let (file, probe) = inputs::fetch_speech(&state.http, &state.config, dir, &request.audio_url)
        .await
        .map_err(|e| e.task_error())?;
    let seconds = probe.duration.unwrap_or(0.0);
    let (segments, language) = match own_words(state, &request.audio_url, seconds) {
        Some(known) => known,
        None => {
            let _permit = state.renders.acquire().await;
            let segments = stand_in(&file, seconds).await.map_err(|cause| {
                task_error(
                    codes::MEDIA_UNAVAILABLE,
                    &format!("audio_url ({}) {cause}.", request.audio_url),
                )
            })?;
            (segments, DEFAULT_LANGUAGE.to_owned())
        }
    };
    let language = (request.language.as_deref())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map_or(language, str::to_owned);
    Ok(Transcript::new(&language, segments))
}

/// The task id and file extension of a link to one of this emulator's
/// results (`…/results/<id>.<ext>`, any host, query ignored).
fn result_of(url: &str) -> Option<(&str, &str)> {
    let path = url.split(['?', '#']).next()?;
    let (_, name) = path.rsplit_once("/results/")?;
    name.rsplit_once('.')
        .filter(|(id, ext)| !id.is_empty() && !ext.is_empty() && !name.contains('/'))
}

/// The sentences of the emulator's own speech at `url` and its language:
/// a speech result, or a video result whose audio was one (its segments
/// cut at `seconds`, the video's length). `None` for anything else.
fn own_words(state: &AppState, url: &str, seconds: f64) -> Option<(Vec<TimedLine>, String)> {
    let store = state.store();
    let completed = |url: &str, extension: &str| {
        let (id, ext) = result_of(url)?;
        let task = store.tasks.get(id)?;
        (ext == extension && task.phase == Phase::Completed).then_some(task)
    };
    let speech_url = match completed(url, "mp4").map(|t| &t.request) {
        Some(Work::Avatar(AvatarRequest::Pro(r))) => r.audio_url.as_str(),
        Some(Work::Avatar(AvatarRequest::DigitalHuman(r))) => r.audio_url.as_str(),
        Some(Work::Avatar(AvatarRequest::Dual(r))) => r.audio_mix_url.as_str(),
        _ => url,
    };
    let speech = completed(speech_url, "wav").filter(|t| !t.spoken.is_empty())?;
    let Work::Voice(voice) = &speech.request else {
        return None;
    };
    let end_ms = seconds_to_ms(seconds);
    let lines = (speech.spoken.iter())
        .filter(|line| line.start_ms < end_ms)
        .map(|line| TimedLine {
            end_ms: line.end_ms.min(end_ms),
            ..line.clone()
        })
        .collect();
    Some((lines, speech::language_for(&voice.reference_audio_url)))
}

/// The stretches of sound in `file` (`seconds` long) between silences,
/// each saying it is the emulator's stand-in; none when all is silence.
async fn stand_in(file: &Path, seconds: f64) -> Result<Vec<TimedLine>, String> {
    let detect = format!("silencedetect=noise={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_SECONDS}");
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "info", "-i"])
        .arg(file)
        .args(["-vn", "-af", &detect, "-f", "null", "-"])
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("could not be listened to: ffmpeg could not start: {e}"))?;
    if !output.status.success() {
        return Err("has no sound that ffmpeg can read".to_owned());
    }
    let log = String::from_utf8_lossy(&output.stderr);
    Ok(speech_between(&silences(&log), seconds)
        .into_iter()
        .map(|(start, end)| TimedLine {
            start_ms: seconds_to_ms(start),
            end_ms: seconds_to_ms(end),
            text: format!(
                "[Emulator stand-in: speech from {start:.2} s to {end:.2} s. \
                 The emulator does not recognise words.]"
            ),
        })
        .collect())
}

/// The silences `silencedetect` logged, as (start, end) seconds; a silence
/// still open at the end has no end.
fn silences(log: &str) -> Vec<(f64, Option<f64>)> {
    let after = |line: &str, key: &str| {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split_whitespace().next()?.parse::<f64>().ok()
    };
    let mut found: Vec<(f64, Option<f64>)> = Vec::new();
    for line in log.lines() {
        if let Some(start) = after(line, "silence_start:") {
            found.push((start.max(0.0), None));
        } else if let Some(end) = after(line, "silence_end:") {
            match found.last_mut() {
                Some((_, last @ None)) => *last = Some(end),
                _ => found.push((0.0, Some(end))),
            }
        }
    }
    found
}

/// The stretches of `seconds` of audio that are not in `silences`, each at
/// least [`SPEECH_MIN_SECONDS`] long.
fn speech_between(silences: &[(f64, Option<f64>)], seconds: f64) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut cursor = 0.0;
    for &(start, end) in silences {
        if start - cursor >= SPEECH_MIN_SECONDS {
            spans.push((cursor, start));
        }
        match end {
            Some(end) => cursor = end.max(cursor),
            None => return spans,
        }
    }
    if seconds - cursor >= SPEECH_MIN_SECONDS {
        spans.push((cursor, seconds));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_links_name_their_task_whatever_the_host_and_query() {
        assert_eq!(
            result_of("http://127.0.0.1:9/results/abc-1.wav?X-Amz-Expires=1"),
            Some(("abc-1", "wav"))
        );
        assert_eq!(
            result_of("https://proxy.example/x/results/19.mp4"),
            Some(("19", "mp4"))
        );
        assert_eq!(result_of("http://h/samples/speech-1.mp3"), None);
        assert_eq!(result_of("http://h/results/.wav"), None);
        assert_eq!(result_of("http://h/results/a/b.wav"), None);
    }

    #[test]
    fn speech_is_what_lies_between_the_silences() {
        let log = "[silencedetect @ 0x1] silence_start: 0\n\
                   [silencedetect @ 0x1] silence_end: 0.52 | silence_duration: 0.52\n\
                   size=N/A time=00:00:01.00\n\
                   [silencedetect @ 0x1] silence_start: 2.31\n\
                   [silencedetect @ 0x1] silence_end: 2.9 | silence_duration: 0.59\n\
                   [silencedetect @ 0x1] silence_start: 2.95\n\
                   [silencedetect @ 0x1] silence_end: 3.6 | silence_duration: 0.65\n\
                   [silencedetect @ 0x1] silence_start: 5.5\n";
        let found = silences(log);
        assert_eq!(found.len(), 4);
        assert_eq!(
            speech_between(&found, 6.0),
            [(0.52, 2.31), (3.6, 5.5)],
            "the 0.05 s click between silences is not speech"
        );
        assert_eq!(speech_between(&found[..3], 6.0).last(), Some(&(3.6, 6.0)));
        assert_eq!(speech_between(&[], 2.0), [(0.0, 2.0)]);
        assert_eq!(speech_between(&[(0.0, None)], 2.0), []);
    }

    #[tokio::test]
    async fn silence_is_no_speech_and_a_tone_is_one_stretch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quiet-then-tone.wav");
        let made = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-f", "lavfi", "-i"])
            .arg("anullsrc=r=16000:cl=mono:d=1.5")
            .args(["-f", "lavfi", "-i", "sine=f=440:r=16000:d=1"])
            .args(["-filter_complex", "[0][1]concat=n=2:v=0:a=1"])
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        let heard = stand_in(&file, 2.5).await.unwrap();
        assert_eq!(heard.len(), 1, "{heard:?}");
        assert!((1450..=1550).contains(&heard[0].start_ms), "{heard:?}");
        assert_eq!(heard[0].end_ms, 2500);
        let text = &heard[0].text;
        assert!(
            text.starts_with("[Emulator stand-in: speech from 1."),
            "{text}"
        );
        assert!(
            text.ends_with(" s to 2.50 s. The emulator does not recognise words.]"),
            "{text}"
        );
        let silent = dir.path().join("silent.wav");
        let made = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-f", "lavfi", "-i"])
            .arg("anullsrc=r=16000:cl=mono:d=2")
            .arg(&silent)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(stand_in(&silent, 2.0).await.unwrap(), []);
    }
}
