//! What the server shares between handlers and workers: the configuration,
//! the [`Store`] behind one mutex, randomness, directories, samples and the
//! HTTP client.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use avatar_api::Model;
use tokio::sync::Semaphore;

use crate::config::{EmulatorConfig, Quirk};
use crate::ledger::{Store, Work};
use crate::persist::Persister;
use crate::rng::Rng;
use crate::samples::SampleFile;

/// Directories the emulator writes to.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Rendered videos, `<task_id>.mp4`.
    pub results: PathBuf,
    /// Downloaded inputs, one folder per task, removed after rendering.
    pub inputs: PathBuf,
    /// Generated sample media.
    pub samples: PathBuf,
}

/// Shared by every handler and worker.
pub struct AppState {
    /// The command line.
    pub config: EmulatorConfig,
    /// Ledger and tasks.
    pub store: Mutex<Store>,
    /// Seeded randomness (timing, failures, faults).
    pub rng: Mutex<Rng>,
    /// Randomness for ids, never seeded, so ids stay unique across restarts.
    pub ids: Mutex<Rng>,
    /// Writes `--state`, when given.
    pub persister: Option<Persister>,
    /// Where files go.
    pub dirs: Dirs,
    /// Sample media served at /samples/.
    pub samples: Vec<SampleFile>,
    /// Downloads media.
    pub http: reqwest::Client,
    /// Limits concurrent ffmpeg renders.
    pub renders: Semaphore,
    /// Per key: when its requests of the last second were let through, for
    /// `--rate-limit` (a sliding window, so where a second starts never
    /// matters).
    pub rate: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl AppState {
    /// Locks the store (a panic elsewhere never makes it unusable).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the seeded random generator.
    pub fn rng(&self) -> MutexGuard<'_, Rng> {
        self.rng.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh task id in the style the provider's docs show for `work`
    /// (numeric for Pro, UUID for AI Avatar, voice clone and transcribe, `task_…` for
    /// Dual, 32 hex digits for images): clients must treat ids as opaque.
    /// With `--quirks numeric-ids` every id is numeric (and sent as a JSON number).
    pub fn new_task_id(&self, work: &Work) -> String {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let (a, b) = (ids.next_u64(), ids.next_u64());
        if self.config.has(Quirk::NumericIds) {
            // 15 digits: a JSON number JavaScript still reads exactly (< 2^53).
            return format!("19{:013}", a % 10_000_000_000_000);
        }
        let model = match work {
            Work::Avatar(r) => r.model(),
            // The docs' clone id is a UUID, like AI Avatar's (the
            // transcription's is not shown: the same).
            Work::Voice(_) | Work::Transcribe(_) => Model::DigitalHuman,
            // The docs' Gemini id: 32 hex digits, no dashes.
            Work::Image(_) => return format!("{a:016x}{b:016x}"),
        };
        match model {
            Model::AvatarPro => format!("19{:017}", a % 100_000_000_000_000_000),
            Model::DigitalHuman => format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                (b >> 48) & 0x3fff | 0x8000,
                b & 0xffff_ffff_ffff
            ),
            Model::DualAvatar => format!("task_{a:016x}{:08x}", b >> 32),
        }
    }

    /// Saves the store to `--state` (no-op without it); errors are logged and returned.
    pub async fn persist(&self) -> std::io::Result<()> {
        let Some(p) = &self.persister else {
            return Ok(());
        };
        let saved = p.save(&self.store).await;
        if let Err(e) = &saved {
            tracing::error!(error = %e, "could not write the state file");
        }
        saved
    }

    /// The base of absolute URLs: `--public-url`, or the request's host.
    pub fn base_url(&self, host: Option<&str>) -> String {
        match (&self.config.public_url, host) {
            (Some(url), _) => url.trim_end_matches('/').to_owned(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => format!("http://{}", self.config.listen),
        }
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
