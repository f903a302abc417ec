//! Command-line configuration: every switch of the emulator.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, ValueEnum};

/// The demo key that exists when no `--key` is given.
const DEMO_KEY: &str = "sk_demo";
/// Credits of the demo key.
const DEMO_CREDITS: u64 = 500;
/// Largest request body accepted, in bytes.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// A local stand-in of the AI Avatar HTTP API that renders real mp4 videos.
///
/// Prints `listening on http://ADDR` on stdout once it accepts connections;
/// logs go to stderr (`RUST_LOG` filters them, default `info`).
#[derive(Debug, Clone, Parser)]
#[command(name = "avatar-emulator", version)]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// An API key and its starting credits, `sk_name=CREDITS`; repeatable.
    /// Without any, `sk_demo=500` exists. A key already in --state keeps its ledger.
    #[arg(long = "key", value_name = "KEY=CREDITS")]
    pub keys: Vec<KeySpec>,
    /// Time scale: 1 = provider-like minutes, 100 = a hundred times faster.
    /// A task never completes before its video is rendered.
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    pub speed: f64,
    /// `rising`: progress goes 0 → 1 while processing; `null`: always null, as the provider today.
    #[arg(long, value_enum, default_value_t = ProgressMode::Rising)]
    pub progress: ProgressMode,
    /// Probability (0..1) that an accepted task fails (and is refunded).
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub fail_rate: f64,
    /// Probability (0..1) that an /api/v2 request is answered 500, 502 or 503.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub error_rate: f64,
    /// Extra latency in ms added to every /api/v2 request (±25 % jitter).
    #[arg(long, default_value_t = 0)]
    pub latency: u64,
    /// Requests per key in any one second (a sliding window) on /api/v2 before answering 429 with Retry-After.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Seconds the 429 of `--rate-limit` asks clients to wait (`Retry-After`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub retry_after: u64,
    /// Seed of every random choice (timing, failures, faults) for repeatable runs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Directory for downloaded inputs, rendered results and samples
    /// (default: a fresh temporary directory, removed at exit; with --state
    /// FILE: FILE with the extension .data, so results outlive a restart).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where generated samples are cached (default: DATA_DIR/samples).
    #[arg(long)]
    pub samples_dir: Option<PathBuf>,
    /// JSON file keeping keys, ledger and tasks across restarts (written atomically).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Base URL used in videoUrl and sample links (default: from the request's Host header).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Largest media file downloaded, in MB.
    #[arg(long, default_value_t = 50)]
    pub max_download_mb: u64,
    /// Time limit of one media download, in seconds.
    #[arg(long, default_value_t = 30)]
    pub download_timeout: u64,
    /// Results kept on disk, in MB; the oldest are deleted beyond it.
    #[arg(long, default_value_t = 2048)]
    pub max_results_mb: u64,
    /// How long a finished task's result link works: SECONDS of wall-clock
    /// time after its completion (not scaled by --speed; counted from the
    /// saved completion time, so a restart with --state does not renew it),
    /// then /results/ answers 410 Gone. The task keeps reporting the same
    /// videoUrl. Default: links never expire.
    #[arg(long, value_name = "SECONDS")]
    pub result_ttl: Option<u64>,
    /// Answer like the real world instead of like the docs (comma-separated,
    /// repeatable; each one is described in the README).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "QUIRK,...")]
    pub quirks: Vec<Quirk>,
    /// With `--quirks slow-submit`: how long the submit's answer is held back
    /// (the task is charged and runs at once).
    #[arg(long, default_value_t = 65_000, value_name = "MS")]
    pub slow_submit_ms: u64,
    /// No CORS headers on any answer and no preflights (OPTIONS → 405 or 404),
    /// as an API reached through a same-origin proxy.
    #[arg(long)]
    pub no_cors: bool,
    /// Price of a voice clone (the provider publishes none): `estimate` =
    /// the contract's estimate (2 credits per CJK character, 1 per other
    /// character), `free`, or `N-per-char` (N per character, 2N per CJK
    /// character). Held at submit (402 when short), charged on completion.
    #[arg(
        long,
        default_value = "estimate",
        value_name = "estimate|free|N-per-char"
    )]
    pub voice_price: VoicePrice,
    /// The top-level field of a completed voice clone that asked for
    /// `generate_subtitle`, holding the link of its `.srt`. The provider's
    /// name for it is not documented (VOICE-IMAGE-CAPTIONS.md §1.6).
    #[arg(long, default_value = "subtitleUrl", value_name = "NAME", value_parser = field_name)]
    pub subtitle_field: String,
}

/// How a voice clone is priced (`--voice-price`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoicePrice {
    /// The contract's estimate: 2 credits per CJK character, 1 per other.
    Estimate,
    /// Nothing.
    Free,
    /// The estimate times N: N per character, 2N per CJK character.
    PerChar(u64),
}

impl VoicePrice {
    /// The price of reading `text` aloud.
    pub fn of(self, text: &str) -> u64 {
        let estimate = avatar_api::voice::estimate(text);
        match self {
            VoicePrice::Estimate => estimate,
            VoicePrice::Free => 0,
            VoicePrice::PerChar(n) => estimate.saturating_mul(n),
        }
    }
}

impl FromStr for VoicePrice {
    type Err = String;

    fn from_str(s: &str) -> Result<VoicePrice, String> {
        match s {
            "estimate" => Ok(VoicePrice::Estimate),
            "free" => Ok(VoicePrice::Free),
            _ => s
                .strip_suffix("-per-char")
                .and_then(|n| n.parse().ok())
                .map(VoicePrice::PerChar)
                .ok_or_else(|| format!("expected estimate, free or N-per-char, got {s:?}")),
        }
    }
}

impl EmulatorConfig {
    /// Whether `--quirks` includes `quirk`.
    pub(crate) fn has(&self, quirk: Quirk) -> bool {
        self.quirks.contains(&quirk)
    }

    /// Checks what clap cannot: switches that exclude each other.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.has(Quirk::StringErrors) && self.has(Quirk::DetailErrors) {
            return Err("--quirks string-errors and detail-errors exclude each other".to_owned());
        }
        Ok(())
    }

    /// The keys to create, with the demo key when none is given.
    pub(crate) fn initial_keys(&self) -> Vec<KeySpec> {
        if self.keys.is_empty() {
            vec![KeySpec {
                key: DEMO_KEY.to_owned(),
                credits: DEMO_CREDITS,
            }]
        } else {
            self.keys.clone()
        }
    }
}

/// Whether tasks report a rising `progress` or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// 0.0 while pending, rising while processing, 1.0 when completed.
    Rising,
    /// Always `null`, as the provider reports today.
    Null,
}

/// A way the real provider (or what stands in front of it) departs from its
/// docs; `--quirks` turns them on. See the README for each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Quirk {
    /// 4xx/5xx of /api/ are a CDN's HTML page (same status, Retry-After kept).
    HtmlErrors,
    /// 4xx/5xx of /api/ carry no CORS headers (preflights and 2xx keep them).
    NoCorsOnErrors,
    /// `Retry-After` is not in `Access-Control-Expose-Headers`.
    NoExposeRetryAfter,
    /// Answers under /results/ carry no CORS headers (a `<video>` plays them, `fetch()` cannot read them).
    ResultsWithoutCors,
    /// Result links are signed like S3's presigned URLs; any other query string is refused (403).
    SignedResults,
    /// 2xx JSON of /api/ is wrapped as `{"data": …}`.
    Wrapped,
    /// A completed task's link is `"result": {"videoUrl": …}`, not top-level.
    NestedUrl,
    /// Task ids are JSON numbers.
    NumericIds,
    /// Statuses are `Pending`, `Processing`, `Completed`, `Failed`.
    CapitalizedStatus,
    /// Errors are `{"error": "a sentence"}` (402: `required`/`balance` beside it).
    StringErrors,
    /// Errors are FastAPI's `{"detail": …}` (400: a list of `loc`/`msg`/`type`).
    DetailErrors,
    /// A submit is charged and runs at once, but answered after `--slow-submit-ms`.
    SlowSubmit,
    /// A WAF answers 403 with HTML to `<script`, `DROP TABLE` and task ids `waf…`.
    #[value(name = "waf-403")]
    Waf403,
    /// A completed voice clone reports `model: "v1-real"`, `providerUsed:
    /// "v1-async"`, whatever was asked (as the docs' Tasks example does).
    ModelFallback,
    /// A transcription's segment times are strings with two decimals
    /// (`"start": "1.20"`).
    SegmentsAsStrings,
    /// A transcription's segments come out of order (neighbours swapped) and
    /// each overlaps the next by 200 ms.
    UnorderedSegments,
    /// A transcription's segments carry Whisper's extra keys (`id`, `seek`,
    /// `tokens`, `words`, `avg_logprob`, …) and their `text` a leading space.
    WhisperSegments,
}

/// `sk_name=CREDITS` from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// The bearer key.
    pub key: String,
    /// Starting credits.
    pub credits: u64,
}

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(s: &str) -> Result<KeySpec, String> {
        let (key, credits) = s
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=CREDITS, got {s:?}"))?;
        if !key.starts_with("sk_") || key.len() < 4 || key.chars().any(char::is_whitespace) {
            return Err(format!("a key looks like sk_something, got {key:?}"));
        }
        let credits = credits
            .parse()
            .map_err(|_| format!("credits must be a whole number, got {credits:?}"))?;
        Ok(KeySpec {
            key: key.to_owned(),
            credits,
        })
    }
}

/// A JSON key for `--subtitle-field`: letters, digits, `_` and `-`.
fn field_name(s: &str) -> Result<String, String> {
    let fine =
        !s.is_empty() && (s.chars()).all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    fine.then(|| s.to_owned())
        .ok_or_else(|| format!("expected a field name (letters, digits, _ or -), got {s:?}"))
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a probability from 0 to 1, got {s:?}")),
    }
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("expected a positive number, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every default, as with no switches on the command line.
    fn defaults() -> EmulatorConfig {
        EmulatorConfig::parse_from(["avatar-emulator"])
    }

    #[test]
    fn keys_parse_and_default_to_the_demo_key() {
        let c = EmulatorConfig::parse_from(["x", "--key", "sk_a=5", "--key", "sk_b=0"]);
        assert_eq!(c.initial_keys().len(), 2);
        assert_eq!(c.keys[0].credits, 5);
        assert_eq!(defaults().initial_keys()[0].key, DEMO_KEY);
        assert!("nokey=5".parse::<KeySpec>().is_err());
        assert!("sk_a=lots".parse::<KeySpec>().is_err());
    }

    #[test]
    fn rates_must_be_probabilities() {
        assert!(EmulatorConfig::try_parse_from(["x", "--fail-rate", "1.5"]).is_err());
        assert!(EmulatorConfig::try_parse_from(["x", "--speed", "0"]).is_err());
        assert!(EmulatorConfig::try_parse_from(["x", "--progress", "null"]).is_ok());
    }

    #[test]
    fn result_ttl_defaults_to_never_and_is_whole_seconds() {
        assert_eq!(defaults().result_ttl, None);
        let c = EmulatorConfig::parse_from(["x", "--result-ttl", "3"]);
        assert_eq!(c.result_ttl, Some(3));
        assert!(EmulatorConfig::try_parse_from(["x", "--result-ttl", "1.5"]).is_err());
        assert!(EmulatorConfig::try_parse_from(["x", "--result-ttl", "-1"]).is_err());
    }

    #[test]
    fn the_subtitle_field_is_a_plain_name() {
        assert_eq!(defaults().subtitle_field, "subtitleUrl");
        let field = |name: &str| {
            EmulatorConfig::try_parse_from(["x", "--subtitle-field", name])
                .map(|c| c.subtitle_field)
        };
        assert_eq!(field("srt_url").unwrap(), "srt_url");
        assert!(field("").is_err() && field("a b").is_err() && field("a\"").is_err());
    }

    #[test]
    fn voice_prices() {
        assert_eq!(defaults().voice_price, VoicePrice::Estimate);
        let price = |flag: &str| {
            EmulatorConfig::try_parse_from(["x", "--voice-price", flag]).map(|c| c.voice_price)
        };
        assert_eq!(price("free").unwrap(), VoicePrice::Free);
        assert_eq!(price("3-per-char").unwrap(), VoicePrice::PerChar(3));
        assert!(price("3").is_err() && price("x-per-char").is_err() && price("").is_err());
        assert_eq!(VoicePrice::Estimate.of("Hi 你"), 5);
        assert_eq!(VoicePrice::PerChar(3).of("Hi 你"), 15);
        assert_eq!(VoicePrice::Free.of("Hi 你"), 0);
    }

    #[test]
    fn quirks_are_comma_separated_repeatable_and_checked() {
        assert!(defaults().quirks.is_empty());
        assert!(!defaults().no_cors);
        assert_eq!(defaults().slow_submit_ms, 65_000);
        let c = EmulatorConfig::parse_from([
            "x",
            "--quirks",
            "html-errors,wrapped",
            "--quirks",
            "waf-403",
        ]);
        assert_eq!(c.quirks, [Quirk::HtmlErrors, Quirk::Wrapped, Quirk::Waf403]);
        assert!(c.has(Quirk::Wrapped) && !c.has(Quirk::NestedUrl));
        let e = EmulatorConfig::try_parse_from(["x", "--quirks", "wrapped,bogus"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
        for name in [
            "html-errors",
            "no-cors-on-errors",
            "no-expose-retry-after",
            "results-without-cors",
            "signed-results",
            "wrapped",
            "nested-url",
            "numeric-ids",
            "capitalized-status",
            "string-errors",
            "detail-errors",
            "slow-submit",
            "waf-403",
            "model-fallback",
            "segments-as-strings",
            "unordered-segments",
            "whisper-segments",
        ] {
            assert!(e.contains(name), "{name} not listed in {e}");
            assert!(EmulatorConfig::try_parse_from(["x", "--quirks", name]).is_ok());
        }
        let both = EmulatorConfig::parse_from(["x", "--quirks", "string-errors,detail-errors"]);
        assert!(both.check().is_err());
        assert!(c.check().is_ok());
    }
}
