//! A faithful local stand-in of the AI Avatar HTTP API: the same endpoints,
//! auth, errors and billing (all from the `avatar-api` contract crate),
//! a credit ledger per key, tasks that take modelled time, real results
//! (mp4 videos and png pictures drawn with ffmpeg, wav speech from
//! espeak-ng, transcripts of its own speech), sample media, faults on demand and saved state.
//!
//! Modules, each depending only on those after it:
//!
//! - `routes`: the HTTP surface (handlers, the typed submit extractor, CORS, logs),
//!   with `faults` and `quirks` as its middleware and `auth` for bearer keys;
//! - `worker`: a task's life after submit (`inputs::prepare`, then `media::render`;
//!   `speech::render` for a voice clone, `portrait::render` for an image,
//!   `transcribe` for a transcription: what the emulator hears in audio);
//! - `state`: what handlers and workers share (`AppState`), with `persist` for `--state`;
//! - `inputs`: downloading and checking a task's inputs into a render plan;
//! - `media`: render plans and ffmpeg; `portrait`: pictures from prompts;
//!   `speech`: espeak-ng speech in a voice derived from the reference URL;
//!   `samples`: the generated sample media;
//! - `probe`: ffprobe; `ledger`: accounts and tasks (pure, synchronous);
//! - `config`, `error`, `rng`: the command line, the error envelope, randomness.

mod auth;
pub mod config;
mod error;
mod faults;
mod inputs;
mod ledger;
mod media;
mod persist;
mod portrait;
mod probe;
mod quirks;
pub mod rng;
mod routes;
mod samples;
mod speech;
mod state;
mod transcribe;
mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use config::EmulatorConfig;
pub use ledger::{PENDING_FRACTION, PENDING_MAX_MS, RUN_TIME_JITTER};

use ledger::Store;
use persist::Persister;
use rng::Rng;
use routes::app;
use state::{AppState, Dirs};

/// Renders at once; each ffmpeg uses several threads already.
const CONCURRENT_RENDERS: usize = 2;

/// A bound, ready emulator: samples made, state loaded.
pub struct Emulator {
    /// The address it listens on (the real port when `--listen` said 0).
    pub addr: SocketAddr,
    /// What its handlers and workers share.
    state: Arc<AppState>,
    listener: TcpListener,
    _temp: Option<tempfile::TempDir>,
}

/// Prepares an emulator: data directories, samples, saved state, keys, socket.
pub async fn prepare(config: EmulatorConfig) -> Result<Emulator, String> {
    config.check()?;
    let (data, temp) = match (&config.data_dir, &config.state) {
        (Some(dir), _) => (dir.clone(), None),
        // Results must outlive a restart when state does.
        (None, Some(state)) => (state.with_extension("data"), None),
        (None, None) => {
            let temp = tempfile::Builder::new()
                .prefix("avatar-emulator-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let dirs = Dirs {
        results: data.join("results"),
        inputs: data.join("inputs"),
        samples: config
            .samples_dir
            .clone()
            .unwrap_or_else(|| data.join("samples")),
    };
    for dir in [&dirs.results, &dirs.inputs] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let samples = samples::ensure(&dirs.samples).await?;
    let persister = config.state.clone().map(Persister::new);
    let mut store = match &persister {
        Some(p) => p.load()?.unwrap_or_default(),
        None => Store::default(),
    };
    store.add_keys(&config);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent("avatar-emulator")
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let rng = config
        .seed
        .map(Rng::seeded)
        .unwrap_or_else(Rng::from_entropy);
    let state = Arc::new(AppState {
        config,
        store: Mutex::new(store),
        rng: Mutex::new(rng),
        ids: Mutex::new(Rng::from_entropy()),
        persister,
        dirs,
        samples,
        http,
        renders: Semaphore::new(CONCURRENT_RENDERS),
        rate: Mutex::new(HashMap::new()),
    });
    state
        .persist()
        .await
        .map_err(|e| format!("cannot write the state file: {e}"))?;
    Ok(Emulator {
        addr,
        state,
        listener,
        _temp: temp,
    })
}

impl Emulator {
    /// Serves until `shutdown` resolves, first resuming unfinished tasks.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let unfinished = self.state.store().unfinished();
        if !unfinished.is_empty() {
            tracing::info!(count = unfinished.len(), "resuming unfinished tasks");
        }
        for task_id in unfinished {
            worker::spawn(self.state.clone(), task_id);
        }
        let _temp = self._temp;
        axum::serve(self.listener, app(self.state))
            .with_graceful_shutdown(shutdown)
            .await
    }
}
