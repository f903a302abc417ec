//! The HTTP surface: the provider's endpoints (the three avatar submits,
//! voice clone, image generate, voice transcribe and the three task paths), sample and result
//! files, the emulator's own inspection routes, CORS, `--quirks` and request logs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use avatar_api::estimate::prior_total_ms;
use avatar_api::image::{GENERATE_PATH, IMAGE_PRICE};
use avatar_api::kind::{AVATAR_TASKS_PATH, TASKS_PATH};
use avatar_api::transcribe::{
    STATUS_PATH as TRANSCRIBE_STATUS_PATH, TRANSCRIBE_PATH, TranscribeRequest,
};
use avatar_api::voice::CLONE_PATH;
use avatar_api::{AvatarRequest, ImageRequest, Model, SubmitResponse, TaskStatus, VoiceRequest};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeFile;

use crate::auth::{ApiKey, bearer};
use crate::config::{BODY_LIMIT, EmulatorConfig, ProgressMode, Quirk};
use crate::error::AppError;
use crate::faults;
use crate::inputs;
use crate::ledger::{
    Account, IMAGE_PRIOR_MS, Job, PENDING_FRACTION, PENDING_MAX_MS, Phase, RUN_TIME_JITTER,
    TRANSCRIBE_MS_PER_SECOND, TRANSCRIBE_PRIOR_MS, VOICE_PRIOR_MS, Work, key_prefix,
};
use crate::quirks;
use crate::samples;
use crate::state::{AppState, now_ms};
use crate::worker;

/// The whole application, ready to serve.
pub fn app(state: Arc<AppState>) -> Router {
    let submits = Model::ALL.into_iter().fold(Router::new(), |router, model| {
        router.route(model.submit_path(), post(submit))
    });
    let api = submits
        .route(CLONE_PATH, post(voice_clone))
        .route(GENERATE_PATH, post(image_generate))
        .route(TRANSCRIBE_PATH, post(transcribe))
        .route(
            &format!("{TRANSCRIBE_STATUS_PATH}{{task_id}}"),
            get(transcribe_task),
        )
        .route(&format!("{AVATAR_TASKS_PATH}{{task_id}}"), get(avatar_task))
        .route(&format!("{TASKS_PATH}{{task_id}}"), get(task))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ));
    let mut router = Router::new()
        .merge(api)
        .route("/", get(index))
        .route("/samples", get(list_samples))
        .route("/samples/", get(list_samples))
        .route("/samples/{name}", get(sample_file))
        .route("/results/{name}", get(result_file))
        .route("/_emulator/accounts/{key}", get(account))
        .route("/_emulator/tasks", get(tasks))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(state.clone(), quirks::waf));
    if !state.config.no_cors {
        router = router.layer(cors(&state.config));
    }
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            quirks::rewrite,
        ))
        .layer(middleware::from_fn(log_requests))
        .with_state(state)
}

/// Any origin may call the API with a bearer key and read `Retry-After`
/// (unless `--quirks no-expose-retry-after`).
fn cors(config: &EmulatorConfig) -> CorsLayer {
    let mut exposed = vec![
        header::CONTENT_LENGTH,
        header::CONTENT_RANGE,
        header::ACCEPT_RANGES,
    ];
    if !config.has(Quirk::NoExposeRetryAfter) {
        exposed.insert(0, header::RETRY_AFTER);
    }
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::RANGE])
        .expose_headers(exposed)
        .max_age(Duration::from_secs(600))
}

/// One structured log line per request; keys appear only as a prefix.
async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let key = bearer(request.headers())
        .map(key_prefix)
        .unwrap_or_else(|| "-".to_owned());
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        latency_ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        key = %key,
        "request"
    );
    response
}

/// A JSON body; every way it can be wrong becomes an [`AppError`].
struct ApiJson(Value);

impl<S: Send + Sync> FromRequest<S> for ApiJson {
    type Rejection = AppError;

    async fn from_request(request: Request, _: &S) -> Result<ApiJson, AppError> {
        let headers = request.headers();
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > BODY_LIMIT) {
            return Err(AppError::PayloadTooLarge(BODY_LIMIT));
        }
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge(BODY_LIMIT))?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            AppError::field("body", &format!("The request body is not valid JSON: {e}."))
        })
    }
}

/// A submit body, parsed for the endpoint it was sent to and checked against
/// every rule of the contract crate; each problem becomes an [`AppError`].
struct Submission(AvatarRequest);

impl<S: Send + Sync> FromRequest<S> for Submission {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Submission, AppError> {
        // The submit routes are the contract's paths, one per model.
        let model = request
            .extensions()
            .get::<MatchedPath>()
            .and_then(|path| {
                Model::ALL
                    .into_iter()
                    .find(|m| m.submit_path() == path.as_str())
            })
            .ok_or(AppError::NotFound)?;
        let ApiJson(body) = ApiJson::from_request(request, state).await?;
        let request =
            AvatarRequest::from_json(model, &body).map_err(|e| AppError::Invalid(vec![e]))?;
        request.validate().map_err(AppError::Invalid)?;
        Ok(Submission(request))
    }
}

/// `POST` to any of the three avatar endpoints: prices the (already
/// validated) request with the contract crate and starts it ([`start`]).
async fn submit(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    Submission(request): Submission,
) -> Result<(StatusCode, Json<SubmitResponse>), AppError> {
    let model = request.model();
    let (quote, shape) = request
        .quote()
        .zip(request.shape())
        .ok_or_else(|| AppError::field("body", "This request cannot be priced."))?;
    let task_id = start(
        &state,
        key,
        Work::Avatar(request),
        quote.credits,
        prior_total_ms(&shape),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SubmitResponse {
            task_id,
            status: TaskStatus::Pending,
            capability: Some("avatar".to_owned()),
            action: Some(model.action().to_owned()),
            model: Some(model.id().to_owned()),
        }),
    ))
}

/// Charges (avatars) or holds (voice, image) `cost` on `key` and creates the
/// task in one step, saves it, starts its worker and returns its id; the
/// task runs about `prior_ms` (jittered, over `--speed`).
async fn start(
    state: &Arc<AppState>,
    key: String,
    request: Work,
    cost: u64,
    prior_ms: u64,
) -> Result<String, AppError> {
    let (total_ms, will_fail) = {
        let mut rng = state.rng();
        let jitter = rng.range(RUN_TIME_JITTER.0, RUN_TIME_JITTER.1);
        let total = prior_ms as f64 * jitter / state.config.speed;
        (total.round() as u64, rng.chance(state.config.fail_rate))
    };
    let task_id = state.new_task_id(&request);
    let fallback = matches!(request, Work::Voice(_)) && state.config.has(Quirk::ModelFallback);
    let job = Job {
        task_id: task_id.clone(),
        key,
        metadata: request.metadata(),
        request,
        cost,
        created_at_ms: now_ms(),
        pending_ms: ((total_ms as f64 * PENDING_FRACTION) as u64).min(PENDING_MAX_MS),
        total_ms,
        will_fail,
        phase: Phase::Pending,
        rendered: false,
        refunded: false,
        error: None,
        finished_at_ms: None,
        fallback,
        spoken: Vec::new(),
        transcript: None,
    };
    state.store().charge_and_create(job)?;
    if state.persist().await.is_err() {
        // Not saved means not acknowledged: take the charge back.
        state.store().uncreate(&task_id);
        return Err(AppError::Internal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The task could not be saved; nothing was charged. Try again.".to_owned(),
        ));
    }
    worker::spawn(state.clone(), task_id.clone());
    if state.config.has(Quirk::SlowSubmit) {
        // Charged and running; only the answer is late.
        tokio::time::sleep(Duration::from_millis(state.config.slow_submit_ms)).await;
    }
    Ok(task_id)
}

/// 402 before any slow check when `key` cannot afford `cost` (the charge
/// itself checks again, atomically).
fn check_balance(state: &AppState, key: &str, cost: u64) -> Result<(), AppError> {
    let balance = state.store().accounts.get(key).map_or(0, |a| a.credits);
    if balance < cost {
        return Err(AppError::InsufficientCredits {
            required: cost,
            balance,
        });
    }
    Ok(())
}

/// The 202 of a voice clone, in the docs' key order.
#[derive(Serialize)]
struct VoiceAccepted {
    task_id: String,
    status: TaskStatus,
    capability: &'static str,
    action: &'static str,
    model: String,
    error: Option<Value>,
    created_at: i64,
}

/// `POST /api/v2/voice/clone`: validated by the contract, priced by
/// `--voice-price` (402 when short), the reference recording downloaded
/// and checked to be audio (400 naming `reference_audio_url` otherwise),
/// then held and started; the price is charged on completion.
async fn voice_clone(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson,
) -> Result<(StatusCode, Json<VoiceAccepted>), AppError> {
    let request = VoiceRequest::from_json(&body).map_err(|e| AppError::Invalid(vec![e]))?;
    request.validate().map_err(AppError::Invalid)?;
    let cost = state.config.voice_price.of(&request.text);
    check_balance(&state, &key, cost)?;
    let dir = input_dir(&state, "reference").await?;
    let checked = inputs::check_reference(
        &state.http,
        &state.config,
        &dir,
        &request.reference_audio_url,
    )
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    checked.map_err(|e| match e.is_input() {
        true => AppError::field("reference_audio_url", &e.to_string()),
        false => AppError::Internal(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    let model = request.model.clone();
    let task_id = start(&state, key, Work::Voice(request), cost, VOICE_PRIOR_MS).await?;
    let created_at = state
        .store()
        .tasks
        .get(&task_id)
        .map_or(now_ms(), |t| t.created_at_ms);
    Ok((
        StatusCode::ACCEPTED,
        Json(VoiceAccepted {
            task_id,
            status: TaskStatus::Pending,
            capability: "voice",
            action: "clone",
            model,
            error: None,
            created_at: (created_at / 1000) as i64,
        }),
    ))
}

/// `POST /api/v2/image/generate`: validated by the contract, 402 when the
/// key cannot afford [`IMAGE_PRICE`], then held and started; charged on
/// completion. Without a `seed`, one is drawn (from `--seed`'s generator),
/// so asking again gives another picture.
async fn image_generate(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson,
) -> Result<(StatusCode, Json<SubmitResponse>), AppError> {
    let mut request = ImageRequest::from_json(&body).map_err(|e| AppError::Invalid(vec![e]))?;
    request.validate().map_err(AppError::Invalid)?;
    check_balance(&state, &key, IMAGE_PRICE)?;
    if request.seed.is_none() {
        request.seed = Some((state.rng().next_u64() >> 12) as i64);
    }
    let model = request.model.clone();
    let task_id = start(
        &state,
        key,
        Work::Image(request),
        IMAGE_PRICE,
        IMAGE_PRIOR_MS,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SubmitResponse {
            task_id,
            status: TaskStatus::Pending,
            capability: Some("image".to_owned()),
            action: Some("generate".to_owned()),
            model: Some(model),
        }),
    ))
}

/// How far (seconds) a transcription's `duration_seconds` may be from the
/// real length of its audio before the submit is refused: the length a
/// browser reads may be rounded up to whole seconds (our choice; the docs do
/// not say whether the provider checks it).
pub const DURATION_TOLERANCE_SECONDS: f64 = 1.0;

/// `POST /api/v2/voice/transcribe`: validated by the contract (`url` is an
/// alias of `audio_url`; `duration_seconds` is required), 402 when the key
/// cannot afford `ceil(duration_seconds)`, the audio downloaded and its
/// length checked against `duration_seconds` ([`check_duration`]), then
/// charged and started; refunded if it fails.
async fn transcribe(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson,
) -> Result<(StatusCode, Json<SubmitResponse>), AppError> {
    let request = TranscribeRequest::from_json(&body).map_err(|e| AppError::Invalid(vec![e]))?;
    request.validate().map_err(AppError::Invalid)?;
    let (Some(cost), Some(seconds)) = (request.price(), request.duration_seconds) else {
        return Err(AppError::field(
            "duration_seconds",
            "duration_seconds is required: the audio's length in seconds.",
        ));
    };
    check_balance(&state, &key, cost)?;
    check_duration(&state, &request.audio_url, seconds).await?;
    let prior_ms = TRANSCRIBE_PRIOR_MS + (seconds * TRANSCRIBE_MS_PER_SECOND) as u64;
    let task_id = start(&state, key, Work::Transcribe(request), cost, prior_ms).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SubmitResponse {
            task_id,
            status: TaskStatus::Pending,
            capability: Some("voice".to_owned()),
            action: Some("transcribe".to_owned()),
            model: None,
        }),
    ))
}

/// A new folder for one request's downloaded inputs, named `prefix-<n>`.
async fn input_dir(state: &AppState, prefix: &str) -> Result<std::path::PathBuf, AppError> {
    let n = state
        .ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .next_u64();
    let dir = state.dirs.inputs.join(format!("{prefix}-{n:016x}"));
    tokio::fs::create_dir_all(&dir).await.map_err(|e| {
        AppError::Internal(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot create a folder: {e}"),
        )
    })?;
    Ok(dir)
}

/// 400 naming `duration_seconds` when the audio at `url` is readable and its
/// length differs from `declared` by more than [`DURATION_TOLERANCE_SECONDS`].
/// Audio that cannot be fetched or read passes here: its task fails (and is
/// refunded), as avatar inputs do.
async fn check_duration(state: &AppState, url: &str, declared: f64) -> Result<(), AppError> {
    let dir = input_dir(state, "transcribe").await?;
    let fetched = inputs::fetch_speech(&state.http, &state.config, &dir, url).await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let real = match fetched {
        Ok((_, probe)) => probe.duration.unwrap_or(0.0),
        Err(e) if e.is_input() => return Ok(()),
        Err(e) => {
            return Err(AppError::Internal(
                StatusCode::INTERNAL_SERVER_ERROR,
                e.to_string(),
            ));
        }
    };
    if (real - declared).abs() > DURATION_TOLERANCE_SECONDS {
        return Err(AppError::field(
            "duration_seconds",
            &format!(
                "duration_seconds is {declared} but the audio at audio_url is {real:.2} s long \
                 (more than {DURATION_TOLERANCE_SECONDS} s apart); send its real length."
            ),
        ));
    }
    Ok(())
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// `GET /api/v2/tasks/{id}`: any task of this key (video, speech, picture)
/// but a transcription, which the docs poll on its own path only
/// (`404 task_not_found` here, so a client polling the wrong path finds out at once).
async fn task(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    answer_task(&state, &key, id, &headers, |job| {
        !matches!(job.request, Work::Transcribe(_))
    })
}

/// `GET /api/v2/voice/transcribe/{id}`: a transcription of this key (any
/// other task is `404 task_not_found` here).
async fn transcribe_task(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    answer_task(&state, &key, id, &headers, |job| {
        matches!(job.request, Work::Transcribe(_))
    })
}

/// `GET /api/v2/avatar/tasks/{id}`: an avatar task of this key; a voice or
/// image task is `404 task_not_found` here (the docs poll those only on
/// the unified path).
async fn avatar_task(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    answer_task(&state, &key, id, &headers, |job| {
        matches!(job.request, Work::Avatar(_))
    })
}

fn answer_task(
    state: &AppState,
    key: &str,
    id: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
    shown_here: impl Fn(&Job) -> bool,
) -> Result<Json<Value>, AppError> {
    let Ok(Path(id)) = id else {
        return Err(AppError::TaskNotFound);
    };
    let base = state.base_url(host(headers));
    let store = state.store();
    let job = store
        .tasks
        .get(&id)
        .filter(|t| t.key == key && shown_here(t))
        .ok_or(AppError::TaskNotFound)?;
    let config = &state.config;
    Ok(Json(job.answer(
        now_ms(),
        config.progress,
        &base,
        &config.subtitle_field,
    )))
}

/// What this server is, for a person who opens it in a browser.
async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Json<Value> {
    let base = state.base_url(host(&headers));
    Json(json!({
        "name": "avatar-emulator",
        "about": "A local stand-in of the AI Avatar API (https://api.aiclonevoicefree.com) that renders real mp4 videos.",
        "endpoints": Model::ALL.iter().map(|m| format!("POST {base}{}", m.submit_path())).chain([
            format!("POST {base}{CLONE_PATH}"),
            format!("POST {base}{GENERATE_PATH}"),
            format!("POST {base}{TRANSCRIBE_PATH}"),
            format!("GET {base}{TRANSCRIBE_STATUS_PATH}{{task_id}}"),
            format!("GET {base}{AVATAR_TASKS_PATH}{{task_id}}"),
            format!("GET {base}{TASKS_PATH}{{task_id}}"),
        ]).collect::<Vec<_>>(),
        "samples": format!("{base}/samples/"),
    }))
}

/// `GET /samples/`: every sample with its absolute URL.
async fn list_samples(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Json<Value> {
    let base = state.base_url(host(&headers));
    let samples: Vec<Value> = state
        .samples
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            v["url"] = json!(format!("{base}/samples/{}", s.name));
            v
        })
        .collect();
    Json(json!({ "samples": samples }))
}

async fn serve_file(path: std::path::PathBuf, request: Request) -> Response {
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// `GET /samples/{name}`, with Range support.
async fn sample_file(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let path =
        samples::path_of(&state.dirs.samples, &state.samples, &name).ok_or(AppError::NotFound)?;
    Ok(serve_file(path, request).await)
}

/// `GET /results/{task_id}.mp4` (`.wav` for speech, `.png` for pictures,
/// `.srt` for a voice clone's subtitles; and HEAD), with Range support so a `<video>` can seek; `410 Gone` once
/// `--result-ttl` seconds have passed since the task completed, or once the
/// file was deleted by `--max-results-mb`.
async fn result_file(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let (id, extension) = name
        .rsplit_once('.')
        .filter(|(id, _)| {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .ok_or(AppError::NotFound)?;
    if state.config.has(Quirk::SignedResults)
        && request.uri().query() != Some(quirks::result_signature(&name).as_str())
    {
        return Ok(quirks::signature_mismatch());
    }
    let path = state.dirs.results.join(&name);
    let expired = match state.store().tasks.get(id) {
        Some(t) if t.phase == Phase::Completed && t.request.has_result_file() => {
            let subtitles = matches!(&t.request, Work::Voice(r) if r.generate_subtitle);
            if t.request.extension() != extension && !(subtitles && extension == "srt") {
                return Err(AppError::NotFound);
            }
            t.link_expired(state.config.result_ttl, now_ms())
        }
        _ => return Err(AppError::NotFound),
    };
    if expired {
        return Err(AppError::LinkExpired);
    }
    if !path.is_file() {
        return Err(AppError::Expired);
    }
    Ok(serve_file(path, request).await)
}

/// `GET /_emulator/accounts/{key}`: a key's ledger.
async fn account(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
) -> Result<Json<Account>, AppError> {
    state
        .store()
        .accounts
        .get(&key)
        .cloned()
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// A task as `GET /_emulator/tasks` lists it.
#[derive(Serialize)]
struct TaskSummary {
    task_id: String,
    key_prefix: String,
    capability: &'static str,
    model: String,
    status: String,
    cost: u64,
    refunded: bool,
    created_at: u64,
    completed_at: Option<u64>,
    planned_ms: u64,
    progress: Option<f64>,
    error: Option<avatar_api::TaskError>,
}

/// `GET /_emulator/tasks`: every task of every key, oldest first.
async fn tasks(State(state): State<Arc<AppState>>) -> Json<Value> {
    let now = now_ms();
    let store = state.store();
    let mut all: Vec<&Job> = store.tasks.values().collect();
    all.sort_by_key(|t| (t.created_at_ms, t.task_id.clone()));
    let list: Vec<TaskSummary> = all
        .into_iter()
        .map(|t| {
            let view = t.view(now, ProgressMode::Rising, "");
            TaskSummary {
                task_id: t.task_id.clone(),
                key_prefix: t.key_prefix(),
                capability: t.request.capability(),
                model: t.request.model_id().to_owned(),
                status: view.status.as_str().to_owned(),
                cost: t.cost,
                refunded: t.refunded,
                created_at: t.created_at_ms / 1000,
                completed_at: t.finished_at_ms.map(|ms| ms / 1000),
                planned_ms: t.total_ms,
                progress: view.progress,
                error: t.error.clone(),
            }
        })
        .collect();
    Json(json!({ "tasks": list }))
}
