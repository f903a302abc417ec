//! Faults on demand for `/api/v2` routes: `--latency` (with ±25 % jitter),
//! `--rate-limit` (per key per second → 429 with `Retry-After` of
//! `--retry-after` seconds) and
//! `--error-rate` (500, 502 or 503 before the request is handled, so
//! nothing is charged). Every choice comes from the seeded generator.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::bearer;
use crate::error::AppError;
use crate::state::{AppState, now_ms};

/// Applies the configured faults, then runs the request.
pub async fn inject(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let config = &state.config;
    if config.latency > 0 {
        let ms = config.latency as f64 * state.rng().range(0.75, 1.25);
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }
    if let Some(limit) = config.rate_limit {
        let who = bearer(request.headers()).unwrap_or("anonymous").to_owned();
        let second = now_ms() / 1000;
        let mut rate = state.rate.lock().unwrap_or_else(|e| e.into_inner());
        if rate.len() > 10_000 {
            rate.retain(|_, window| window.0 == second);
        }
        let window = rate.entry(who).or_insert((second, 0));
        if window.0 != second {
            *window = (second, 0);
        }
        window.1 += 1;
        if window.1 > limit {
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
