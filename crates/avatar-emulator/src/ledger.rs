//! The bookkeeping: accounts (the credit ledger) and tasks with their
//! phases. Pure and synchronous; [`crate::state::AppState`] keeps the
//! [`Store`] behind one mutex so that charging and creating a task, or
//! failing and refunding it, happen as one step.

use std::collections::{BTreeMap, HashMap};

use avatar_api::response::codes;
use avatar_api::transcribe::TranscribeRequest;
use avatar_api::{
    AvatarRequest, ImageRequest, Kind, Model, Task, TaskError, TaskStatus, VoiceModel, VoiceRequest,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{EmulatorConfig, ProgressMode};
use crate::error::AppError;

/// A task runs for the provider's prior for its size
/// ([`avatar_api::estimate::prior_total_ms`]) times a random factor in this range, over `--speed`.
pub const RUN_TIME_JITTER: (f64, f64) = (0.8, 1.25);
/// A voice clone runs this long before jitter and `--speed`: the docs'
/// "completing in ~7s" (VOICE-IMAGE-CAPTIONS.md §1).
pub const VOICE_PRIOR_MS: u64 = 7_000;
/// An image runs this long before jitter and `--speed` (the docs give no
/// latency; our choice).
pub const IMAGE_PRIOR_MS: u64 = 10_000;
/// A transcription runs this long before jitter and `--speed`, plus
/// [`TRANSCRIBE_MS_PER_SECOND`] per second of audio (the docs give no
/// latency; our choice).
pub const TRANSCRIBE_PRIOR_MS: u64 = 2_000;
/// See [`TRANSCRIBE_PRIOR_MS`].
pub const TRANSCRIBE_MS_PER_SECOND: f64 = 200.0;
/// The model a transcription is saved with (`--state`, `/_emulator/tasks`);
/// its answers name none, as in the docs.
const TRANSCRIBE_MODEL: &str = "whisper";
/// A task stays `pending` for a tenth of its run time…
pub const PENDING_FRACTION: f64 = 0.1;
/// …but at most this long.
pub const PENDING_MAX_MS: u64 = 3_000;

/// One key's credits and what happened to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Credits left.
    pub credits: u64,
    /// Credits charged at submit, in total.
    pub charged: u64,
    /// Credits given back for failed tasks, in total.
    pub refunded: u64,
    /// Credits set aside at submit for voice and image tasks, which are
    /// settled on completion (then counted in `charged`) or released when
    /// they fail. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub held: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a task makes: a video from one of the avatar endpoints, speech
/// (voice clone), a picture (image generate) or a transcript (voice
/// transcribe), with its validated request.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// `POST /api/v2/avatar/*`.
    Avatar(AvatarRequest),
    /// `POST /api/v2/voice/clone`.
    Voice(VoiceRequest),
    /// `POST /api/v2/image/generate`.
    Image(ImageRequest),
    /// `POST /api/v2/voice/transcribe`.
    Transcribe(TranscribeRequest),
}

impl Work {
    /// The contract's kind of task.
    pub fn kind(&self) -> Kind {
        match self {
            Work::Avatar(_) => Kind::Video,
            Work::Voice(_) => Kind::Speech,
            Work::Image(_) => Kind::Portrait,
            Work::Transcribe(_) => Kind::Captions,
        }
    }

    /// `capability` on the wire.
    pub fn capability(&self) -> &'static str {
        match self {
            Work::Avatar(_) => "avatar",
            Work::Voice(_) | Work::Transcribe(_) => "voice",
            Work::Image(_) => "image",
        }
    }

    /// `action` on the wire.
    pub fn action(&self) -> &'static str {
        match self {
            Work::Avatar(r) => r.model().action(),
            Work::Voice(_) => "clone",
            Work::Image(_) => "generate",
            Work::Transcribe(_) => "transcribe",
        }
    }

    /// The model asked for (its wire id).
    pub fn model_id(&self) -> &str {
        match self {
            Work::Avatar(r) => r.model().id(),
            Work::Voice(r) => &r.model,
            Work::Image(r) => &r.model,
            Work::Transcribe(_) => TRANSCRIBE_MODEL,
        }
    }

    /// The result file's extension: `mp4`, `wav` or `png`; `json` for a
    /// transcription, which keeps its result in the task, not in a file.
    pub fn extension(&self) -> &'static str {
        match self {
            Work::Avatar(_) => "mp4",
            Work::Voice(_) => "wav",
            Work::Image(_) => "png",
            Work::Transcribe(_) => "json",
        }
    }

    /// Whether the result is a file under `/results/` (not a transcription).
    pub fn has_result_file(&self) -> bool {
        !matches!(self, Work::Transcribe(_))
    }

    /// Whether the price is settled when the task completes (voice and
    /// image: held at submit, charged on completion, released on failure)
    /// rather than charged at submit and refunded on failure (avatars and
    /// transcriptions: "pre-deducted … auto-refunded on failure").
    pub fn settles_on_completion(&self) -> bool {
        matches!(self, Work::Voice(_) | Work::Image(_))
    }

    /// The request as its JSON body.
    pub fn to_json(&self) -> Value {
        match self {
            Work::Avatar(r) => r.to_json(),
            Work::Voice(r) => r.to_json(),
            Work::Image(r) => r.to_json(),
            Work::Transcribe(r) => r.to_json(),
        }
    }

    /// The passthrough `metadata` of the request.
    pub fn metadata(&self) -> Option<Value> {
        match self {
            Work::Avatar(AvatarRequest::Pro(r)) => r.metadata.clone(),
            Work::Avatar(AvatarRequest::DigitalHuman(r)) => r.metadata.clone(),
            Work::Avatar(AvatarRequest::Dual(r)) => r.metadata.clone(),
            Work::Voice(r) => r.metadata.clone(),
            Work::Image(_) => None,
            Work::Transcribe(r) => r.metadata.clone(),
        }
    }

    /// Reads back what [`Work`]'s `Serialize` wrote (`kind` absent: a video,
    /// as in state files written before voice and image).
    fn from_saved(kind: Kind, model: &str, body: &Value) -> Result<Work, String> {
        Ok(match kind {
            Kind::Video => {
                let model: Model =
                    serde_json::from_value(json!(model)).map_err(|e| e.to_string())?;
                Work::Avatar(AvatarRequest::from_json(model, body).map_err(|e| e.message)?)
            }
            Kind::Speech => Work::Voice(VoiceRequest::from_json(body).map_err(|e| e.message)?),
            Kind::Portrait => Work::Image(ImageRequest::from_json(body).map_err(|e| e.message)?),
            Kind::Captions => {
                Work::Transcribe(TranscribeRequest::from_json(body).map_err(|e| e.message)?)
            }
        })
    }
}

/// A [`Work`] as `--state` holds it, flattened into its [`Job`].
#[derive(Serialize)]
struct SavedWork<'a> {
    kind: Kind,
    model: &'a str,
    request: Value,
}

impl Serialize for Work {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SavedWork {
            kind: self.kind(),
            model: self.model_id(),
            request: self.to_json(),
        }
        .serialize(s)
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Accepted, not started.
    Pending,
    /// Downloading, rendering, or waiting for its modelled time.
    Processing,
    /// The video is ready.
    Completed,
    /// Failed and refunded.
    Failed,
}

/// A task as the ledger keeps it (clients read [`Job::view`], an `avatar_api::Task`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SavedJob")]
pub struct Job {
    /// Opaque id.
    pub task_id: String,
    /// The key that created it (only it may read it).
    pub key: String,
    /// What it makes, from the validated request (saved as `kind`, `model`
    /// and the JSON body the contract crate serializes).
    #[serde(flatten)]
    pub request: Work,
    /// Its price: charged at submit (avatars) or held then (voice, image).
    pub cost: u64,
    /// Submit time, Unix ms.
    pub created_at_ms: u64,
    /// How long it stays `pending`, ms after submit.
    pub pending_ms: u64,
    /// Modelled generation time, ms after submit (it completes no earlier).
    pub total_ms: u64,
    /// Chosen at submit by `--fail-rate`.
    pub will_fail: bool,
    /// Current phase.
    pub phase: Phase,
    /// The result file is written.
    pub rendered: bool,
    /// Credits were given back (at most once).
    pub refunded: bool,
    /// Why it failed.
    pub error: Option<TaskError>,
    /// Completion or failure time, Unix ms.
    pub finished_at_ms: Option<u64>,
    /// Passthrough fields of the request.
    pub metadata: Option<Value>,
    /// A voice task that reports the docs' fallback model once completed
    /// (`--quirks model-fallback`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// A voice task's sentences, timed as they were rendered (empty until
    /// then): what a transcription of its speech hears.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spoken: Vec<TimedLine>,
    /// A transcription's result, once heard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Transcript>,
}

/// A stretch of audio and what is said in it, in whole milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedLine {
    /// Where it starts in the audio.
    pub start_ms: u64,
    /// Where it ends.
    pub end_ms: u64,
    /// What is said.
    pub text: String,
}

impl TimedLine {
    /// The segment the contract writes captions from.
    pub fn segment(&self) -> avatar_api::captions::Segment {
        avatar_api::captions::Segment {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            text: self.text.clone(),
        }
    }
}

/// What a transcription heard: its text, language and timed segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Every segment's text, joined by spaces.
    pub text: String,
    /// The language code reported, e.g. `en`.
    pub language: String,
    /// The segments, in order.
    pub segments: Vec<TimedLine>,
}

impl Transcript {
    /// A transcript of `segments`, its text theirs joined by spaces.
    pub fn new(language: &str, segments: Vec<TimedLine>) -> Transcript {
        let text = (segments.iter())
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Transcript {
            text,
            language: language.to_owned(),
            segments,
        }
    }

    /// Its fields as the docs show them: `text`, `language` and
    /// `segments: [{start, end, text}]` in seconds.
    fn fields(&self) -> [(&'static str, Value); 3] {
        let seconds = |ms: u64| ms as f64 / 1000.0;
        let segments: Vec<Value> = (self.segments.iter())
            .map(
                |s| json!({"start": seconds(s.start_ms), "end": seconds(s.end_ms), "text": s.text}),
            )
            .collect();
        [
            ("text", json!(self.text)),
            ("language", json!(self.language)),
            ("segments", Value::Array(segments)),
        ]
    }
}

/// A [`Job`] as `--state` holds it: the same fields, with the request
/// still JSON until `model` says which request type it is.
#[derive(Deserialize)]
struct SavedJob {
    /// Opaque id.
    task_id: String,
    /// The key that created it (only it may read it).
    key: String,
    /// Video (absent in older files), speech or portrait.
    #[serde(default = "video")]
    kind: Kind,
    /// The endpoint's model (avatars) or the model asked for.
    model: String,
    /// The request body as JSON; which type it is depends on `kind` and `model`.
    request: Value,
    /// Credits charged at submit.
    cost: u64,
    /// Submit time, Unix ms.
    created_at_ms: u64,
    /// How long it stays `pending`, ms after submit.
    pending_ms: u64,
    /// Modelled generation time, ms after submit (it completes no earlier).
    total_ms: u64,
    /// Chosen at submit by `--fail-rate`.
    will_fail: bool,
    /// Current phase.
    phase: Phase,
    /// The result file is written.
    rendered: bool,
    /// Credits were given back (at most once).
    refunded: bool,
    /// Why it failed.
    error: Option<TaskError>,
    /// Completion or failure time, Unix ms.
    finished_at_ms: Option<u64>,
    /// Passthrough fields of the request.
    metadata: Option<Value>,
    /// Reports the fallback model once completed.
    #[serde(default)]
    fallback: bool,
    /// A voice task's timed sentences.
    #[serde(default)]
    spoken: Vec<TimedLine>,
    /// A transcription's result.
    #[serde(default)]
    transcript: Option<Transcript>,
}

fn video() -> Kind {
    Kind::Video
}

impl TryFrom<SavedJob> for Job {
    type Error = String;

    fn try_from(saved: SavedJob) -> Result<Job, String> {
        let request = Work::from_saved(saved.kind, &saved.model, &saved.request)
            .map_err(|e| format!("task {}: unreadable request: {e}", saved.task_id))?;
        Ok(Job {
            task_id: saved.task_id,
            key: saved.key,
            request,
            cost: saved.cost,
            created_at_ms: saved.created_at_ms,
            pending_ms: saved.pending_ms,
            total_ms: saved.total_ms,
            will_fail: saved.will_fail,
            phase: saved.phase,
            rendered: saved.rendered,
            refunded: saved.refunded,
            error: saved.error,
            finished_at_ms: saved.finished_at_ms,
            metadata: saved.metadata,
            fallback: saved.fallback,
            spoken: saved.spoken,
            transcript: saved.transcript,
        })
    }
}

impl Job {
    /// The task body clients read, as of `now_ms`.
    pub fn view(&self, now_ms: u64, progress: ProgressMode, base_url: &str) -> Task {
        let status = match self.phase {
            Phase::Pending => TaskStatus::Pending,
            Phase::Processing => TaskStatus::Processing,
            Phase::Completed => TaskStatus::Completed,
            Phase::Failed => TaskStatus::Failed,
        };
        let progress = match (progress, self.phase) {
            (ProgressMode::Null, _) | (_, Phase::Failed) => None,
            (_, Phase::Pending) => Some(0.0),
            (_, Phase::Completed) => Some(1.0),
            (_, Phase::Processing) => {
                let elapsed = now_ms.saturating_sub(self.created_at_ms + self.pending_ms);
                let span = self.total_ms.saturating_sub(self.pending_ms).max(1);
                let p = (elapsed as f64 / span as f64).clamp(0.0, 0.99);
                Some((p * 100.0).floor() / 100.0)
            }
        };
        let completed = self.phase == Phase::Completed;
        let link = |kind: Kind| {
            (completed && self.request.kind() == kind).then(|| self.result_url(base_url))
        };
        let fallback = completed && self.fallback;
        let (model, provider) = if fallback {
            (Some(VoiceModel::V1Real.id()), FALLBACK_PROVIDER)
        } else if matches!(self.request, Work::Transcribe(_)) {
            // The docs' transcription answers name no model.
            (None, PROVIDER)
        } else {
            (Some(self.request.model_id()), PROVIDER)
        };
        Task {
            task_id: Some(self.task_id.clone()),
            status,
            capability: Some(self.request.capability().to_owned()),
            action: Some(self.request.action().to_owned()),
            model: model.map(str::to_owned),
            progress,
            error: self.error.clone(),
            credits_used: None,
            created_at: Some((self.created_at_ms / 1000) as i64),
            completed_at: self.finished_at_ms.map(|ms| (ms / 1000) as i64),
            metadata: self.metadata.clone(),
            video_url: link(Kind::Video),
            audio_url: link(Kind::Speech),
            image_url: link(Kind::Portrait),
            provider_used: Some(provider.to_owned()),
            transcript: None,
            subtitles: None,
        }
    }

    /// The body of a status check: the [`view`](Job::view), and once
    /// completed what the docs add: `"_type": "image.generate"` on an image;
    /// `_type: "voice.transcribe"`, `text`, `language` and `segments` on a
    /// transcription; and on a voice clone that asked for `generate_subtitle`
    /// the link of its `.srt` under `subtitle_field` (`--subtitle-field`).
    pub fn answer(
        &self,
        now_ms: u64,
        progress: ProgressMode,
        base_url: &str,
        subtitle_field: &str,
    ) -> Value {
        let mut body =
            serde_json::to_value(self.view(now_ms, progress, base_url)).unwrap_or(Value::Null);
        let Some(object) = body
            .as_object_mut()
            .filter(|_| self.phase == Phase::Completed)
        else {
            return body;
        };
        match &self.request {
            Work::Image(_) => {
                object.insert("_type".to_owned(), json!("image.generate"));
            }
            Work::Voice(r) if r.generate_subtitle => {
                let link = format!("{base_url}/results/{}", self.subtitle_file());
                object.insert(subtitle_field.to_owned(), json!(link));
            }
            Work::Transcribe(_) => {
                object.insert("_type".to_owned(), json!("voice.transcribe"));
                let transcript = self.transcript.clone().unwrap_or_else(|| Transcript {
                    text: String::new(),
                    language: String::new(),
                    segments: Vec::new(),
                });
                for (key, value) in transcript.fields() {
                    object.insert(key.to_owned(), value);
                }
            }
            _ => {}
        }
        body
    }

    /// The subtitle file of a voice clone that asked for `generate_subtitle`,
    /// `<task_id>.srt`.
    pub fn subtitle_file(&self) -> String {
        format!("{}.srt", self.task_id)
    }

    /// The result file's name, `<task_id>.<mp4|wav|png>`.
    pub fn result_file(&self) -> String {
        format!("{}.{}", self.task_id, self.request.extension())
    }

    /// The result link (reported once completed).
    pub fn result_url(&self, base_url: &str) -> String {
        format!("{base_url}/results/{}", self.result_file())
    }

    /// Whether the result link of this completed task no longer works at
    /// `now_ms`: `ttl_s` (`--result-ttl`, wall-clock seconds) have passed
    /// since it completed. Never without a TTL or a completion time.
    pub fn link_expired(&self, ttl_s: Option<u64>, now_ms: u64) -> bool {
        match (ttl_s, self.finished_at_ms) {
            (Some(ttl), Some(finished)) => {
                now_ms >= finished.saturating_add(ttl.saturating_mul(1000))
            }
            _ => false,
        }
    }

    /// The key shown in logs and listings: its first characters only.
    pub fn key_prefix(&self) -> String {
        key_prefix(&self.key)
    }
}

/// `providerUsed` of every task.
const PROVIDER: &str = "avatar-emulator";
/// `providerUsed` of a voice task that fell back to `v1-real`, as in the docs' example.
const FALLBACK_PROVIDER: &str = "v1-async";

/// The first six characters of a key and an ellipsis: `sk_dem…`.
pub fn key_prefix(key: &str) -> String {
    let head: String = key.chars().take(6).collect();
    format!("{head}…")
}

/// Accounts and tasks; what `--state` saves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Store {
    /// Per key.
    pub accounts: BTreeMap<String, Account>,
    /// Per task id.
    pub tasks: HashMap<String, Job>,
}

impl Store {
    /// Adds keys that the store does not hold yet; existing keys keep their ledger.
    pub fn add_keys(&mut self, config: &EmulatorConfig) {
        for spec in config.initial_keys() {
            self.accounts.entry(spec.key).or_insert(Account {
                credits: spec.credits,
                ..Account::default()
            });
        }
    }

    /// Charges the task's cost to its key and records the task, or refuses
    /// with 402 leaving everything unchanged.
    pub fn charge_and_create(&mut self, task: Job) -> Result<(), AppError> {
        let account = self
            .accounts
            .get_mut(&task.key)
            .ok_or(AppError::InvalidKey)?;
        if account.credits < task.cost {
            return Err(AppError::InsufficientCredits {
                required: task.cost,
                balance: account.credits,
            });
        }
        account.credits -= task.cost;
        if task.request.settles_on_completion() {
            account.held += task.cost;
        } else {
            account.charged += task.cost;
        }
        self.tasks.insert(task.task_id.clone(), task);
        Ok(())
    }

    /// Undoes [`Store::charge_and_create`] for a task that was never acknowledged.
    pub fn uncreate(&mut self, task_id: &str) {
        if let Some(task) = self.tasks.remove(task_id)
            && let Some(account) = self.accounts.get_mut(&task.key)
        {
            account.credits += task.cost;
            if task.request.settles_on_completion() {
                account.held -= task.cost;
            } else {
                account.charged -= task.cost;
            }
        }
    }

    /// Marks a processing task completed and settles a held price (voice,
    /// image) into `charged`, once. False when it was not processing.
    pub fn complete(&mut self, task_id: &str, now_ms: u64) -> bool {
        let Some(task) = self.tasks.get_mut(task_id) else {
            return false;
        };
        if task.phase != Phase::Processing {
            return false;
        }
        task.phase = Phase::Completed;
        task.finished_at_ms = Some(now_ms);
        if task.request.settles_on_completion()
            && let Some(account) = self.accounts.get_mut(&task.key)
        {
            account.held = account.held.saturating_sub(task.cost);
            account.charged += task.cost;
        }
        true
    }

    /// Marks a task failed and refunds its cost (or releases its hold), once. False when it was
    /// already final.
    pub fn fail(&mut self, task_id: &str, error: TaskError, now_ms: u64) -> bool {
        let Some(task) = self.tasks.get_mut(task_id) else {
            return false;
        };
        if matches!(task.phase, Phase::Completed | Phase::Failed) {
            return false;
        }
        task.phase = Phase::Failed;
        task.error = Some(error);
        task.finished_at_ms = Some(now_ms);
        if !task.refunded {
            task.refunded = true;
            if let Some(account) = self.accounts.get_mut(&task.key) {
                account.credits += task.cost;
                if task.request.settles_on_completion() {
                    // Never charged: the hold is released.
                    account.held = account.held.saturating_sub(task.cost);
                } else {
                    account.refunded += task.cost;
                }
            }
        }
        true
    }

    /// Ids of tasks that are not final, oldest first.
    pub fn unfinished(&self) -> Vec<String> {
        let mut open: Vec<&Job> = self
            .tasks
            .values()
            .filter(|t| matches!(t.phase, Phase::Pending | Phase::Processing))
            .collect();
        open.sort_by_key(|t| t.created_at_ms);
        open.into_iter().map(|t| t.task_id.clone()).collect()
    }
}

/// An error a task fails with.
pub fn task_error(code: &str, message: &str) -> TaskError {
    TaskError {
        code: Some(code.to_owned()),
        message: message.to_owned(),
        kind: Some(codes::API_ERROR.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::ProRequest;

    fn job(id: &str, key: &str, cost: u64) -> Job {
        Job {
            task_id: id.into(),
            key: key.into(),
            request: Work::Avatar(AvatarRequest::Pro(ProRequest::default())),
            cost,
            created_at_ms: 1_000,
            pending_ms: 100,
            total_ms: 1_100,
            will_fail: false,
            phase: Phase::Pending,
            rendered: false,
            refunded: false,
            error: None,
            finished_at_ms: None,
            metadata: None,
            fallback: false,
            spoken: Vec::new(),
            transcript: None,
        }
    }

    fn store_with(credits: u64) -> Store {
        let mut s = Store::default();
        s.accounts.insert(
            "sk_a".into(),
            Account {
                credits,
                ..Account::default()
            },
        );
        s
    }

    #[test]
    fn charge_refuses_without_changing_anything() {
        let mut s = store_with(19);
        let before = s.clone();
        assert_eq!(
            s.charge_and_create(job("t", "sk_a", 20)),
            Err(AppError::InsufficientCredits {
                required: 20,
                balance: 19
            })
        );
        assert_eq!(s, before);
    }

    #[test]
    fn refund_happens_exactly_once() {
        let mut s = store_with(50);
        s.charge_and_create(job("t", "sk_a", 20)).unwrap();
        assert_eq!(s.accounts["sk_a"].credits, 30);
        assert!(s.fail("t", task_error("x", "y"), 5));
        assert!(!s.fail("t", task_error("x", "y"), 6));
        let a = &s.accounts["sk_a"];
        assert_eq!((a.credits, a.charged, a.refunded), (50, 20, 20));
    }

    #[test]
    fn progress_rises_while_processing_and_is_null_in_null_mode() {
        let mut t = job("t", "sk_a", 1);
        t.phase = Phase::Processing;
        let p = |now| t.view(now, ProgressMode::Rising, "http://h").progress;
        assert_eq!(p(1_100), Some(0.0));
        assert_eq!(p(1_600), Some(0.5));
        assert_eq!(p(9_000), Some(0.99));
        assert_eq!(t.view(1_600, ProgressMode::Null, "http://h").progress, None);
        assert_eq!(
            t.view(1_600, ProgressMode::Rising, "http://h").video_url,
            None
        );
    }

    #[test]
    fn saved_tasks_keep_the_request_as_its_json_body() {
        let mut t = job("t", "sk_a", 1);
        t.request = Work::Avatar(AvatarRequest::Pro(ProRequest {
            image_url: "https://a/x.png".into(),
            ..ProRequest::default()
        }));
        let saved = serde_json::to_value(&t).unwrap();
        assert_eq!(saved["request"], t.request.to_json());
        assert_eq!(saved["request"]["image_url"], "https://a/x.png");
        assert_eq!(
            (&saved["kind"], &saved["model"]),
            (&json!("video"), &json!("avatar-pro"))
        );
        let back: Job = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(back, t);
        // State files from before voice and image have no `kind`.
        let mut old = saved;
        old.as_object_mut().unwrap().remove("kind");
        assert_eq!(serde_json::from_value::<Job>(old).unwrap(), t);
    }

    fn voice(id: &str, cost: u64) -> Job {
        Job {
            request: Work::Voice(VoiceRequest {
                text: "Hello".into(),
                reference_audio_url: "https://a/v.wav".into(),
                metadata: Some(json!({"n": 1})),
                ..VoiceRequest::default()
            }),
            metadata: Some(json!({"n": 1})),
            ..job(id, "sk_a", cost)
        }
    }

    #[test]
    fn voice_and_image_are_held_at_submit_and_charged_once_on_completion() {
        let mut s = store_with(20);
        s.charge_and_create(voice("v", 5)).unwrap();
        let image = Job {
            request: Work::Image(ImageRequest {
                prompt: "a face".into(),
                ..ImageRequest::default()
            }),
            ..job("i", "sk_a", 3)
        };
        s.charge_and_create(image).unwrap();
        let a = &s.accounts["sk_a"];
        assert_eq!((a.credits, a.held, a.charged, a.refunded), (12, 8, 0, 0));
        assert_eq!(
            s.charge_and_create(voice("w", 13)),
            Err(AppError::InsufficientCredits {
                required: 13,
                balance: 12
            })
        );
        assert!(!s.complete("v", 9), "still pending");
        s.tasks.get_mut("v").unwrap().phase = Phase::Processing;
        assert!(s.complete("v", 9));
        assert!(!s.complete("v", 10));
        assert!(!s.fail("v", task_error("x", "y"), 11));
        s.tasks.get_mut("i").unwrap().phase = Phase::Processing;
        assert!(s.fail("i", task_error("x", "y"), 12));
        let a = &s.accounts["sk_a"];
        assert_eq!((a.credits, a.held, a.charged, a.refunded), (15, 0, 5, 0));
        assert_eq!(s.tasks["v"].finished_at_ms, Some(9));
    }

    #[test]
    fn voice_tasks_answer_with_audio_url_and_the_fallback_model_once_completed() {
        let mut t = voice("v", 5);
        t.fallback = true;
        let body = t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl");
        assert_eq!(
            (&body["capability"], &body["action"], &body["model"]),
            (&json!("voice"), &json!("clone"), &json!("v2-emotion"))
        );
        assert!(body.get("audioUrl").is_none());
        t.phase = Phase::Completed;
        let body = t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl");
        assert_eq!(body["audioUrl"], "http://h/results/v.wav");
        assert_eq!(body["model"], "v1-real");
        assert_eq!(body["providerUsed"], "v1-async");
        assert_eq!(body["metadata"], json!({"n": 1}));
        assert!(body.get("videoUrl").is_none() && body.get("_type").is_none());
        let saved = serde_json::to_value(&t).unwrap();
        assert_eq!(
            (&saved["kind"], &saved["model"]),
            (&json!("speech"), &json!("v2-emotion"))
        );
        assert_eq!(serde_json::from_value::<Job>(saved).unwrap(), t);
    }

    #[test]
    fn completed_images_carry_their_type_and_image_url() {
        let mut t = Job {
            request: Work::Image(ImageRequest {
                prompt: "a face".into(),
                seed: Some(4),
                ..ImageRequest::default()
            }),
            ..job("i", "sk_a", 3)
        };
        assert!(
            t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl")
                .get("_type")
                .is_none()
        );
        t.phase = Phase::Completed;
        let body = t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl");
        assert_eq!(body["_type"], "image.generate");
        assert_eq!(body["imageUrl"], "http://h/results/i.png");
        assert_eq!(body["model"], "gpt-image-2");
        let back: Job = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn transcriptions_are_charged_at_submit_and_answer_their_transcript_once_completed() {
        let mut s = store_with(10);
        let mut t = Job {
            request: Work::Transcribe(TranscribeRequest::new("https://a/s.wav", 4.2)),
            ..job("c", "sk_a", 5)
        };
        s.charge_and_create(t.clone()).unwrap();
        assert!(s.fail("c", task_error("x", "y"), 3));
        let a = &s.accounts["sk_a"];
        assert_eq!((a.credits, a.charged, a.refunded, a.held), (10, 5, 5, 0));
        let pending = t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl");
        assert_eq!(
            (&pending["capability"], &pending["action"]),
            (&json!("voice"), &json!("transcribe"))
        );
        assert!(pending.get("model").is_none() && pending.get("segments").is_none());
        t.phase = Phase::Completed;
        t.transcript = Some(Transcript::new(
            "en",
            vec![
                TimedLine {
                    start_ms: 0,
                    end_ms: 1_250,
                    text: "One.".into(),
                },
                TimedLine {
                    start_ms: 1_250,
                    end_ms: 2_000,
                    text: "Two.".into(),
                },
            ],
        ));
        let done = t.answer(0, ProgressMode::Null, "http://h", "subtitleUrl");
        assert_eq!(done["_type"], "voice.transcribe");
        assert_eq!(done["text"], "One. Two.");
        assert_eq!(done["language"], "en");
        assert_eq!(
            done["segments"],
            json!([{"start": 0.0, "end": 1.25, "text": "One."},
                   {"start": 1.25, "end": 2.0, "text": "Two."}])
        );
        assert!(done.get("audioUrl").is_none() && done.get("model").is_none());
        let saved = serde_json::to_value(&t).unwrap();
        assert_eq!(saved["kind"], "captions");
        assert_eq!(serde_json::from_value::<Job>(saved).unwrap(), t);
    }

    #[test]
    fn a_clone_asked_for_subtitles_links_its_srt_under_the_configured_name() {
        let mut t = voice("v", 5);
        if let Work::Voice(r) = &mut t.request {
            r.generate_subtitle = true;
        }
        assert!(
            t.answer(0, ProgressMode::Null, "http://h", "srt")
                .get("srt")
                .is_none()
        );
        t.phase = Phase::Completed;
        let done = t.answer(0, ProgressMode::Null, "http://h", "srt");
        assert_eq!(done["srt"], "http://h/results/v.srt");
        assert_eq!(done["audioUrl"], "http://h/results/v.wav");
    }

    #[test]
    fn links_expire_ttl_seconds_after_completion_and_the_view_keeps_the_url() {
        let mut t = job("t", "sk_a", 1);
        t.phase = Phase::Completed;
        assert!(!t.link_expired(Some(0), 9_999_999), "no completion time");
        t.finished_at_ms = Some(10_000);
        assert!(!t.link_expired(None, u64::MAX));
        assert!(!t.link_expired(Some(2), 11_999));
        assert!(t.link_expired(Some(2), 12_000));
        assert!(t.link_expired(Some(0), 10_000));
        assert!(!t.link_expired(Some(u64::MAX), u64::MAX - 1));
        assert_eq!(
            t.view(99_000, ProgressMode::Rising, "http://h").video_url,
            Some("http://h/results/t.mp4".to_owned())
        );
    }

    #[test]
    fn keys_are_shown_by_prefix_only() {
        assert_eq!(key_prefix("sk_demo_secret"), "sk_dem…");
    }
}
