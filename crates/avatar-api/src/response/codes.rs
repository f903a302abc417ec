//! Error codes and types used in the `error` envelope.

/// No or malformed `Authorization` header (401, documented).
pub const MISSING_API_KEY: &str = "missing_api_key";
/// Key not recognized or revoked (401, documented).
pub const INVALID_API_KEY: &str = "invalid_api_key";
/// Not enough credits for the request (402).
pub const INSUFFICIENT_CREDITS: &str = "insufficient_credits";
/// A field or the body is invalid (400).
pub const INVALID_REQUEST: &str = "invalid_request";
/// Body larger than the server accepts (413).
pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
/// Body is not JSON (415).
pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
/// Unknown task id, or a task of another key (404).
pub const TASK_NOT_FOUND: &str = "task_not_found";
/// Unknown path (404).
pub const NOT_FOUND: &str = "not_found";
/// Too many requests (429, with `Retry-After`).
pub const RATE_LIMITED: &str = "rate_limited";
/// Server-side failure (5xx).
pub const INTERNAL_ERROR: &str = "internal_error";
/// A task's media could not be downloaded or read.
pub const MEDIA_UNAVAILABLE: &str = "media_unavailable";
/// A task failed while generating.
pub const GENERATION_FAILED: &str = "generation_failed";

/// `type` of 401s.
pub const AUTH_ERROR: &str = "auth_error";
/// `type` of 400, 404, 413, 415.
pub const INVALID_REQUEST_ERROR: &str = "invalid_request_error";
/// `type` of 402.
pub const BILLING_ERROR: &str = "billing_error";
/// `type` of 429.
pub const RATE_LIMIT_ERROR: &str = "rate_limit_error";
/// `type` of 5xx and of failed tasks.
pub const API_ERROR: &str = "api_error";
