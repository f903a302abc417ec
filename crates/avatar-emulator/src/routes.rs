//! The HTTP surface: the provider's endpoints, sample and result files, the
//! emulator's own inspection routes, CORS, `--quirks` and request logs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use avatar_api::estimate::prior_total_ms;
use avatar_api::{AvatarRequest, Model, SubmitResponse, Task, TaskStatus};
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
use crate::ledger::{
    Account, Job, PENDING_FRACTION, PENDING_MAX_MS, Phase, RUN_TIME_JITTER, key_prefix,
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
        .route("/api/v2/avatar/tasks/{task_id}", get(task))
        .route("/api/v2/tasks/{task_id}", get(task))
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

/// `POST` to any of the three submit endpoints: prices the (already
/// validated) request with the contract crate, charges the key and creates
/// the task in one step, then starts its worker.
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
    let (total_ms, will_fail) = {
        let mut rng = state.rng();
        let jitter = rng.range(RUN_TIME_JITTER.0, RUN_TIME_JITTER.1);
        let total = prior_total_ms(&shape) as f64 * jitter / state.config.speed;
        (total.round() as u64, rng.chance(state.config.fail_rate))
    };
    let task_id = state.new_task_id(model);
    let metadata = match &request {
        AvatarRequest::Pro(r) => r.metadata.clone(),
        AvatarRequest::DigitalHuman(r) => r.metadata.clone(),
        AvatarRequest::Dual(r) => r.metadata.clone(),
    };
    let job = Job {
        task_id: task_id.clone(),
        key,
        model,
        request,
        cost: quote.credits,
        created_at_ms: now_ms(),
        pending_ms: ((total_ms as f64 * PENDING_FRACTION) as u64).min(PENDING_MAX_MS),
        total_ms,
        will_fail,
        phase: Phase::Pending,
        rendered: false,
        refunded: false,
        error: None,
        finished_at_ms: None,
        metadata,
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

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// `GET /api/v2/avatar/tasks/{id}` and `GET /api/v2/tasks/{id}`: a task of this key.
async fn task(
    State(state): State<Arc<AppState>>,
    ApiKey(key): ApiKey,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<Task>, AppError> {
    let Ok(Path(id)) = id else {
        return Err(AppError::TaskNotFound);
    };
    let base = state.base_url(host(&headers));
    let store = state.store();
    let job = store
        .tasks
        .get(&id)
        .filter(|t| t.key == key)
        .ok_or(AppError::TaskNotFound)?;
    Ok(Json(job.view(now_ms(), state.config.progress, &base)))
}

/// What this server is, for a person who opens it in a browser.
async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Json<Value> {
    let base = state.base_url(host(&headers));
    Json(json!({
        "name": "avatar-emulator",
        "about": "A local stand-in of the AI Avatar API (https://api.aiclonevoicefree.com) that renders real mp4 videos.",
        "endpoints": Model::ALL.iter().map(|m| format!("POST {base}{}", m.submit_path())).chain([
            format!("GET {base}/api/v2/avatar/tasks/{{task_id}}"),
            format!("GET {base}/api/v2/tasks/{{task_id}}"),
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

/// `GET /results/{task_id}.mp4` (and HEAD), with Range support so a
/// `<video>` can seek; `410 Gone` once `--result-ttl` seconds have passed
/// since the task completed, or once the file was deleted by `--max-results-mb`.
async fn result_file(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let id = name
        .strip_suffix(".mp4")
        .filter(|id| {
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
    let path = state.dirs.results.join(format!("{id}.mp4"));
    let expired = match state.store().tasks.get(id) {
        Some(t) if t.phase == Phase::Completed => t.link_expired(state.config.result_ttl, now_ms()),
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
    model: &'static str,
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
                model: t.model.id(),
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
