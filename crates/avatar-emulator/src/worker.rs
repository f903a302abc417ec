//! A task's life after submit: `pending` briefly, then `processing` while
//! its inputs are downloaded and its result rendered (a video, speech or a
//! picture) or heard (a transcription), `completed` once both the render and the modelled generation
//! time are done (settling a held price); or `failed` with a refund (or the
//! hold released). Restarted for unfinished tasks when the emulator starts again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use avatar_api::TaskError;
use avatar_api::response::codes;

use std::path::Path;

use crate::inputs;
use crate::ledger::{Job, Phase, TimedLine, Transcript, Work, task_error};
use crate::media;
use crate::portrait;
use crate::speech;
use crate::state::{AppState, now_ms};
use crate::transcribe;

/// What a task made besides its result file (if any).
enum Made {
    /// Only the file (a video, a picture).
    File,
    /// Speech, with its sentences' times.
    Speech(Vec<TimedLine>),
    /// A transcription's result (no file).
    Transcript(Transcript),
}

/// Runs task `task_id` to its end in the background.
pub fn spawn(state: Arc<AppState>, task_id: String) {
    tokio::spawn(async move { run(&state, &task_id).await });
}

async fn sleep_until(unix_ms: u64) {
    let now = now_ms();
    if unix_ms > now {
        tokio::time::sleep(Duration::from_millis(unix_ms - now)).await;
    }
}

async fn run(state: &AppState, task_id: &str) {
    let Some(task) = state.store().tasks.get(task_id).cloned() else {
        return;
    };
    sleep_until(task.created_at_ms + task.pending_ms).await;
    let started = match state.store().tasks.get_mut(task_id) {
        Some(t) if t.phase == Phase::Pending => {
            t.phase = Phase::Processing;
            true
        }
        _ => false,
    };
    if started {
        let _ = state.persist().await;
    }
    if task.will_fail {
        sleep_until(task.created_at_ms + task.total_ms / 2).await;
        let error = task_error(
            codes::GENERATION_FAILED,
            "The generation failed (simulated by --fail-rate).",
        );
        fail(state, task_id, error).await;
        return;
    }
    let out = state.dirs.results.join(task.result_file());
    let done = match task.request {
        Work::Transcribe(_) => task.transcript.is_some(),
        _ => task.rendered && out.is_file(),
    };
    if !done {
        let clock = Instant::now();
        match produce(state, &task, &out).await {
            Ok(made) => {
                tracing::info!(
                    task_id,
                    model = task.request.model_id(),
                    render_ms = clock.elapsed().as_millis() as u64,
                    "rendered"
                );
                if let Some(t) = state.store().tasks.get_mut(task_id) {
                    t.rendered = true;
                    match made {
                        Made::File => {}
                        Made::Speech(lines) => t.spoken = lines,
                        Made::Transcript(transcript) => t.transcript = Some(transcript),
                    }
                }
                let _ = state.persist().await;
            }
            Err(e) => {
                tracing::warn!(task_id, error = %e.message, "task failed");
                fail(state, task_id, e).await;
                return;
            }
        }
    }
    sleep_until(task.created_at_ms + task.total_ms).await;
    state.store().complete(task_id, now_ms());
    let _ = state.persist().await;
    trim_results(state, &task.result_file()).await;
}

/// Downloads a task's inputs, checks them and renders its result to `out`
/// (one render per permit of `AppState::renders`), or hears a transcription's
/// audio; the inputs are deleted after.
async fn produce(state: &AppState, task: &Job, out: &Path) -> Result<Made, TaskError> {
    let dir = state.dirs.inputs.join(&task.task_id);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| {
        task_error(
            codes::GENERATION_FAILED,
            &format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let result = async {
        match &task.request {
            Work::Avatar(request) => {
                let plan = inputs::prepare(&state.http, &state.config, &dir, request)
                    .await
                    .map_err(|e| e.task_error())?;
                let _permit = state.renders.acquire().await;
                media::render(&plan, out).await.map(|()| Made::File)
            }
            // The reference was fetched and checked at submit; its voice
            // follows from its URL (`crate::speech`).
            Work::Voice(request) => {
                let _permit = state.renders.acquire().await;
                match speech::render(request, &dir, out).await {
                    Ok(lines) if request.generate_subtitle => {
                        let subtitles = state.dirs.results.join(task.subtitle_file());
                        (write_subtitles(&lines, &subtitles).await).map(|()| Made::Speech(lines))
                    }
                    rendered => rendered.map(Made::Speech),
                }
            }
            Work::Image(request) => {
                let aspect = request.aspect().unwrap_or(avatar_api::Aspect::Square);
                let _permit = state.renders.acquire().await;
                // The seed is always set at submit (drawn when absent).
                portrait::render(&request.prompt, request.seed.unwrap_or(0), aspect, out)
                    .await
                    .map(|()| Made::File)
            }
            Work::Transcribe(request) => {
                return transcribe::transcribe(state, request, &dir)
                    .await
                    .map(Made::Transcript);
            }
        }
        .map_err(|e| e.task_error())
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

/// Writes the sentences of a voice clone as a SubRip file at `path`
/// (atomically), for `generate_subtitle`.
async fn write_subtitles(lines: &[TimedLine], path: &Path) -> Result<(), media::RenderError> {
    let segments: Vec<_> = lines.iter().map(TimedLine::segment).collect();
    let tmp = path.with_extension("srt.part");
    let written = tokio::fs::write(&tmp, avatar_api::captions::srt(&segments)).await;
    written
        .and(tokio::fs::rename(&tmp, path).await)
        .map_err(|e| media::RenderError::new(format!("cannot store the subtitles: {e}")))
}

/// Fails a task and refunds it (once), then saves.
async fn fail(state: &AppState, task_id: &str, error: TaskError) {
    let changed = state.store().fail(task_id, error, now_ms());
    if changed {
        let _ = state.persist().await;
    }
}

/// Deletes the oldest results while they take more than `--max-results-mb`,
/// never the file `keep`.
async fn trim_results(state: &AppState, keep: &str) {
    let cap = state.config.max_results_mb * 1024 * 1024;
    let dir = state.dirs.results.clone();
    let keep = keep.to_owned();
    let removed = tokio::task::spawn_blocking(move || {
        let mut files: Vec<(std::time::SystemTime, u64, std::path::PathBuf)> =
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let meta = e.metadata().ok()?;
                    Some((meta.modified().ok()?, meta.len(), e.path()))
                })
                .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        let mut removed = 0;
        for (_, size, path) in files {
            if total <= cap {
                break;
            }
            if path.file_name().is_some_and(|n| n == keep.as_str()) {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
                removed += 1;
            }
        }
        removed
    })
    .await
    .unwrap_or(0);
    if removed > 0 {
        tracing::info!(removed, "deleted old results beyond --max-results-mb");
    }
}
