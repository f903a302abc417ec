//! One error type for every HTTP answer that is not a success, always in
//! the provider's envelope (`avatar_api::ErrorBody`).

use avatar_api::FieldError;
use avatar_api::response::{ErrorBody, codes};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a request was not served.
#[derive(Debug, Clone, PartialEq)]
pub enum AppError {
    /// No `Authorization: Bearer sk_...` header.
    MissingKey,
    /// A well-formed key that this emulator does not know.
    InvalidKey,
    /// Fields that break the contract's rules.
    Invalid(Vec<FieldError>),
    /// The key cannot afford the request.
    InsufficientCredits { required: u64, balance: u64 },
    /// No such task for this key.
    TaskNotFound,
    /// No such route or file.
    NotFound,
    /// A result file that was deleted to keep the disk within `--max-results-mb`.
    Expired,
    /// A result link used more than `--result-ttl` seconds after its task completed.
    LinkExpired,
    /// The route exists, the method doesn't.
    MethodNotAllowed,
    /// The body is larger than the limit (bytes).
    PayloadTooLarge(usize),
    /// The body is not sent as JSON (its `Content-Type`).
    UnsupportedMediaType,
    /// Too many requests for this key; retry after this many seconds.
    RateLimited { retry_after: u64 },
    /// An injected or real server fault with its status (500, 502, 503).
    Internal(StatusCode, String),
}

impl AppError {
    /// One problem with one field.
    pub fn field(field: &str, message: &str) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The HTTP status of this error.
    fn status(&self) -> StatusCode {
        match self {
            AppError::MissingKey | AppError::InvalidKey => StatusCode::UNAUTHORIZED,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::InsufficientCredits { .. } => StatusCode::PAYMENT_REQUIRED,
            AppError::TaskNotFound | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Expired | AppError::LinkExpired => StatusCode::GONE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(status, _) => *status,
        }
    }

    /// The envelope sent to the client.
    fn body(&self) -> ErrorBody {
        use codes::*;
        match self {
            AppError::MissingKey => ErrorBody::new(
                MISSING_API_KEY,
                AUTH_ERROR,
                "Authorization header missing or malformed. Expected: Bearer sk_...",
            ),
            AppError::InvalidKey => ErrorBody::new(
                INVALID_API_KEY,
                AUTH_ERROR,
                "The API key is not recognized or has been revoked.",
            ),
            AppError::Invalid(details) => ErrorBody::invalid(details.clone()),
            AppError::InsufficientCredits { required, balance } => {
                ErrorBody::insufficient_credits(*required, *balance)
            }
            AppError::TaskNotFound => ErrorBody::new(
                TASK_NOT_FOUND,
                INVALID_REQUEST_ERROR,
                "No task with this id exists for this API key.",
            ),
            AppError::NotFound => ErrorBody::new(
                NOT_FOUND,
                INVALID_REQUEST_ERROR,
                "No such endpoint or file.",
            ),
            AppError::Expired => ErrorBody::new(
                NOT_FOUND,
                INVALID_REQUEST_ERROR,
                "This result has expired and was deleted; generate the video again.",
            ),
            AppError::LinkExpired => ErrorBody::new(
                NOT_FOUND,
                INVALID_REQUEST_ERROR,
                "This result link has expired; generate the video again.",
            ),
            AppError::MethodNotAllowed => ErrorBody::new(
                NOT_FOUND,
                INVALID_REQUEST_ERROR,
                "This endpoint does not accept this HTTP method.",
            ),
            AppError::PayloadTooLarge(limit) => ErrorBody::new(
                PAYLOAD_TOO_LARGE,
                INVALID_REQUEST_ERROR,
                &format!("The request body is larger than {limit} bytes."),
            ),
            AppError::UnsupportedMediaType => ErrorBody::new(
                UNSUPPORTED_MEDIA_TYPE,
                INVALID_REQUEST_ERROR,
                "The request body must be JSON, sent with Content-Type: application/json.",
            ),
            AppError::RateLimited { retry_after } => ErrorBody::new(
                RATE_LIMITED,
                RATE_LIMIT_ERROR,
                &format!("Too many requests for this API key; retry in {retry_after} s."),
            ),
            AppError::Internal(_, message) => ErrorBody::new(INTERNAL_ERROR, API_ERROR, message),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if let AppError::RateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}
