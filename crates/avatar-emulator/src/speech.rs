//! Voice clone results: the script spoken by espeak-ng, sentence by
//! sentence, in a voice chosen from the reference recording's address, then
//! joined, pitch-shifted and made louder or softer with ffmpeg, as a WAV
//! whose sentences' times are known (for transcriptions and subtitles).
//!
//! The emulator cannot clone a timbre, so "the voice of the reference" is
//! a stand-in that behaves like one: the same reference always gives the
//! same voice, and different references (almost always) different voices.
//! The voice is derived from the reference URL's path and query, not its
//! host, so a recording keeps its voice when the emulator's port or public
//! address changes (the sample voices sound the same in every run).

use std::path::Path;

use avatar_api::VoiceRequest;
use avatar_api::billing::seconds_to_ms;
use avatar_api::captions::sentences;
use tokio::process::Command;

use crate::ledger::TimedLine;
use crate::media::RenderError;
use crate::probe::probe;

/// espeak-ng's English accents a reference can map to.
const ACCENTS: [&str; 6] = [
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-029",
    "en-gb-x-rp",
    "en-us-nyc",
];
/// espeak-ng's voice variants (male `m*`, female `f*`).
const VARIANTS: [&str; 12] = [
    "m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4", "f5", "m6",
];
/// espeak-ng's pitch scale (0–99, its default 50) spans these for a reference.
const BASE_PITCH: (u64, u64) = (30, 70);
/// Words per minute at `speed_ratio` 1 (espeak-ng's default is 175).
const WORDS_PER_MINUTE: f64 = 165.0;
/// Sample rate of the result.
const SAMPLE_RATE: u32 = 24_000;

/// The stand-in for a reference recording's timbre.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timbre {
    /// espeak-ng voice, `accent+variant`, e.g. `en-gb+f3`.
    pub voice: String,
    /// espeak-ng base pitch, 30–70.
    pub pitch: u64,
}

/// FNV-1a: stable across runs and platforms.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The part of a URL that names the recording: everything after the host
/// (`/samples/voice-1.wav?x=1`), or the whole URL when it has no path.
fn recording_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find(['/', '?', '#'])
        .map_or(after_scheme, |i| &after_scheme[i..])
}

/// The voice a reference recording at `url` is read in.
pub fn timbre_for(url: &str) -> Timbre {
    let hash = fnv1a(recording_of(url).as_bytes());
    let accent = ACCENTS[(hash % ACCENTS.len() as u64) as usize];
    let variant = VARIANTS[((hash >> 8) % VARIANTS.len() as u64) as usize];
    let span = BASE_PITCH.1 - BASE_PITCH.0 + 1;
    Timbre {
        voice: format!("{accent}+{variant}"),
        pitch: BASE_PITCH.0 + (hash >> 16) % span,
    }
}

/// The ffmpeg audio filter applying `pitch_ratio` (semitones, as a
/// resample-and-stretch that keeps the length) and `volume_ratio`.
fn filter(pitch_semitones: f64, volume: f64) -> String {
    let mut steps = vec![format!("aresample={SAMPLE_RATE}")];
    if pitch_semitones != 0.0 {
        let factor = 2f64.powf(pitch_semitones / 12.0);
        steps.push(format!(
            "asetrate={:.3},aresample={SAMPLE_RATE},atempo={:.6}",
            f64::from(SAMPLE_RATE) * factor,
            1.0 / factor
        ));
    }
    steps.push(format!("volume={volume:.3}"));
    steps.join(",")
}

async fn run(program: &str, args: &[String]) -> Result<(), RenderError> {
    let output = Command::new(program)
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| RenderError::new(format!("{program} could not start: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or("no output").trim();
    Err(RenderError::new(format!("Speech synthesis failed: {last}")))
}

/// Speaks `request`'s text into `out` (a WAV, written atomically), working
/// in `dir`: each sentence (as `avatar_api::captions::sentences` splits the
/// script) is spoken on its own, then they are joined, so the result comes
/// with each sentence's place in it. Pitch and volume keep those places
/// (the pitch shift keeps the length).
pub async fn render(
    request: &VoiceRequest,
    dir: &Path,
    out: &Path,
) -> Result<Vec<TimedLine>, RenderError> {
    let timbre = timbre_for(&request.reference_audio_url);
    let words_per_minute = (WORDS_PER_MINUTE * request.speed_ratio).round() as u64;
    let mut said = sentences(&request.text);
    if said.is_empty() {
        said.push(request.text.trim().to_owned());
    }
    let mut list = String::new();
    let mut lines = Vec::with_capacity(said.len());
    let mut elapsed = 0.0;
    for (i, sentence) in said.into_iter().enumerate() {
        let script = dir.join(format!("sentence-{i}.txt"));
        let raw = dir.join(format!("sentence-{i}.wav"));
        tokio::fs::write(&script, &sentence)
            .await
            .map_err(|e| RenderError::new(format!("cannot write the script: {e}")))?;
        let espeak = vec![
            "-v".to_owned(),
            timbre.voice.clone(),
            "-p".to_owned(),
            timbre.pitch.to_string(),
            "-s".to_owned(),
            words_per_minute.clamp(80, 450).to_string(),
            "-w".to_owned(),
            raw.display().to_string(),
            "-f".to_owned(),
            script.display().to_string(),
        ];
        run("espeak-ng", &espeak).await?;
        let seconds = probe(&raw).await.and_then(|p| p.duration).ok_or_else(|| {
            RenderError::new(format!("Speech synthesis gave no audio for {sentence:?}."))
        })?;
        let start_ms = seconds_to_ms(elapsed);
        elapsed += seconds;
        lines.push(TimedLine {
            start_ms,
            end_ms: seconds_to_ms(elapsed),
            text: sentence,
        });
        list.push_str(&format!("file '{}'\n", raw.display()));
    }
    let list_file = dir.join("sentences.txt");
    tokio::fs::write(&list_file, list)
        .await
        .map_err(|e| RenderError::new(format!("cannot write the sentence list: {e}")))?;
    let tmp = out.with_extension("wav.part");
    let mut ffmpeg: Vec<String> = [
        "-nostdin", "-y", "-v", "error", "-f", "concat", "-safe", "0",
    ]
    .map(str::to_owned)
    .to_vec();
    ffmpeg.push("-i".to_owned());
    ffmpeg.push(list_file.display().to_string());
    ffmpeg.push("-af".to_owned());
    ffmpeg.push(filter(request.pitch_ratio, request.volume_ratio));
    ffmpeg.extend(["-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"].map(str::to_owned));
    ffmpeg.push(tmp.display().to_string());
    if let Err(e) = run("ffmpeg", &ffmpeg).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    tokio::fs::rename(&tmp, out)
        .await
        .map_err(|e| RenderError::new(format!("cannot store the result: {e}")))?;
    Ok(lines)
}

/// The language code of the speech the emulator renders for a reference at
/// `url`: its espeak-ng voice's (`en-gb+f3` → `en`).
pub fn language_for(url: &str) -> String {
    let voice = timbre_for(url).voice;
    voice.split(['-', '+']).next().unwrap_or("en").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_voice_follows_the_recording_not_the_host() {
        let a = timbre_for("http://127.0.0.1:8787/samples/voice-1.wav");
        assert_eq!(a, timbre_for("https://cdn.example/samples/voice-1.wav"));
        assert_ne!(a, timbre_for("http://127.0.0.1:8787/samples/voice-2.wav"));
        assert!((30..=70).contains(&a.pitch));
        assert!(a.voice.starts_with("en"), "{}", a.voice);
        assert_eq!(language_for("http://h/samples/voice-1.wav"), "en");
        assert_eq!(recording_of("https://x.com"), "x.com");
        assert_eq!(recording_of("https://x.com?a=1"), "?a=1");
    }

    #[test]
    fn the_sample_voices_are_three_different_voices() {
        let voices: std::collections::HashSet<_> = ["voice-1.wav", "voice-2.wav", "voice-3.wav"]
            .iter()
            .map(|name| timbre_for(&format!("http://h/samples/{name}")).voice)
            .collect();
        assert_eq!(voices.len(), 3, "{voices:?}");
    }

    #[test]
    fn pitch_is_shifted_in_semitones_keeping_the_length() {
        assert_eq!(filter(0.0, 1.0), "aresample=24000,volume=1.000");
        assert_eq!(
            filter(12.0, 0.5),
            "aresample=24000,asetrate=48000.000,aresample=24000,atempo=0.500000,volume=0.500"
        );
    }
}
