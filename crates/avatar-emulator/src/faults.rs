//! Faults on demand for `/api/v2` routes: `--latency` (with ±25 % jitter),
//! `--rate-limit` (per key in any one second → 429 with `Retry-After` of
//! `--retry-after` seconds) and
//! `--error-rate` (500, 502 or 503 before the request is handled, so
//! nothing is charged). Every choice comes from the seeded generator.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::bearer;
use crate::error::AppError;
use crate::state::AppState;

/// Applies the configured faults, then runs the request.
pub async fn inject(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let config = &state.config;
    if config.latency > 0 {
        let ms = config.latency as f64 * state.rng().range(0.75, 1.25);
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }
    if let Some(limit) = config.rate_limit {
        let who = bearer(request.headers()).unwrap_or("anonymous").to_owned();
        if !admit(&state, who, limit) {
            return AppError::RateLimited {
                retry_after: config.retry_after,
            }
            .into_response();
        }
    }
    if config.error_rate > 0.0 {
        let fault = {
            let mut rng = state.rng();
            rng.chance(config.error_rate).then(|| rng.next_u64() % 3)
        };
        if let Some(which) = fault {
            let (status, message) = match which {
                0 => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error (injected by --error-rate).",
                ),
                1 => (
                    StatusCode::BAD_GATEWAY,
                    "The upstream renderer did not answer (injected by --error-rate).",
                ),
                _ => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is temporarily unavailable (injected by --error-rate).",
                ),
            };
            return AppError::Internal(status, message.to_owned()).into_response();
        }
    }
    next.run(request).await
}

/// Lets a request of `who` through when fewer than `limit` of theirs were let
/// through in the second before it.
fn admit(state: &AppState, who: String, limit: u32) -> bool {
    const WINDOW: Duration = Duration::from_secs(1);
    let now = Instant::now();
    let recent = |times: &VecDeque<Instant>| {
        times
            .back()
            .is_some_and(|last| now.duration_since(*last) < WINDOW)
    };
    let mut rate = state.rate.lock().unwrap_or_else(|e| e.into_inner());
    if rate.len() > 10_000 {
        rate.retain(|_, times| recent(times));
    }
    let times = rate.entry(who).or_default();
    while times
        .front()
        .is_some_and(|first| now.duration_since(*first) >= WINDOW)
    {
        times.pop_front();
    }
    if times.len() >= limit as usize {
        return false;
    }
    times.push_back(now);
    true
}
