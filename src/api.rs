//! The HTTP client of the AI Avatar API: one submit, one status check, and
//! one typed error whose `Display` is the sentence a user reads.
//!
//! Only the two documented headers are sent (`Authorization`,
//! `Content-Type`): a browser preflight to the real API fails on any other.
//! A submit is never retried here: one click, one POST.

use avatar_api::{AvatarRequest, ErrorBody, FieldError, SubmitResponse, Task};
use gloo_net::http::{Request, RequestBuilder, Response};

/// How long a status check may take before it counts as a network failure.
const CHECK_TIMEOUT_MS: u32 = 20_000;
/// How long a submit may take.
const SUBMIT_TIMEOUT_MS: u32 = 60_000;

/// Everything that can go wrong talking to the API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, malformed, unknown or revoked key.
    #[error("API key rejected: check the key in Settings.")]
    Rejected,
    /// 402 with the request's cost and the key's balance.
    #[error("{}", not_enough_credits(*.required, *.balance))]
    NotEnoughCredits {
        /// What the request costs.
        required: Option<u64>,
        /// What the key has.
        balance: Option<u64>,
    },
    /// 400 (or 413/415): the fields the API did not accept.
    #[error("The API did not accept the request: {}", join_messages(.0))]
    Invalid(Vec<FieldError>),
    /// 429: too many requests; wait this long.
    #[error("{}", rate_limited(*.retry_after_ms))]
    RateLimited {
        /// `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 5xx or another unexpected status.
    #[error("The API had a problem (HTTP {0}). Try again in a moment.")]
    Server(u16),
    /// No answer at all: offline, wrong base URL, CORS, timeout.
    #[error(
        "Could not reach the API. Check the connection and the API base URL in Settings; what you typed is kept."
    )]
    Network,
    /// 404: the API does not know the task (expired, or another key's).
    #[error("The API no longer knows this task (it may have expired or belong to another key).")]
    NotFound,
    /// A 2xx whose body is not what the API documents.
    #[error("The API sent an answer the page could not read.")]
    BadResponse,
}

fn not_enough_credits(required: Option<u64>, balance: Option<u64>) -> String {
    match (required, balance) {
        (Some(r), Some(b)) => {
            format!("Not enough credits: this video costs {r}, the key has {b}.")
        }
        (Some(r), None) => format!("Not enough credits: this video costs {r}."),
        _ => "Not enough credits for this video.".to_owned(),
    }
}

fn rate_limited(retry_after_ms: Option<u64>) -> String {
    match retry_after_ms {
        Some(ms) => format!(
            "Too many requests: the API asks to wait {} s before trying again.",
            ms.div_ceil(1000)
        ),
        None => "Too many requests: wait a moment before trying again.".to_owned(),
    }
}

fn join_messages(errors: &[FieldError]) -> String {
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    messages.join(" ")
}

impl ApiError {
    /// Maps a non-2xx answer (status, body text, `Retry-After` header) to an error.
    pub fn from_response(
        status: u16,
        body: &str,
        retry_after: Option<&str>,
        now_ms: u64,
    ) -> ApiError {
        let parsed: Option<ErrorBody> = serde_json::from_str(body).ok();
        let credits = |v: Option<f64>| v.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64);
        match status {
            401 | 403 => ApiError::Rejected,
            402 => ApiError::NotEnoughCredits {
                required: credits(parsed.as_ref().and_then(ErrorBody::required)),
                balance: credits(parsed.as_ref().and_then(ErrorBody::balance)),
            },
            404 => ApiError::NotFound,
            429 => ApiError::RateLimited {
                retry_after_ms: retry_after
                    .and_then(|v| avatar_api::poll::parse_retry_after(v, now_ms)),
            },
            400 | 413 | 415 | 422 => {
                let detail = parsed.map(|b| b.error).unwrap_or_default();
                let mut fields = detail.details;
                if fields.is_empty() {
                    let field = detail.param.unwrap_or_else(|| "body".to_owned());
                    let message = if detail.message.is_empty() {
                        format!("The API rejected the request (HTTP {status}).")
                    } else {
                        detail.message
                    };
                    fields.push(FieldError::new(&field, &message));
                }
                ApiError::Invalid(fields)
            }
            _ => ApiError::Server(status),
        }
    }

    /// True when trying the same status check later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Server(_)
                | ApiError::Network
                | ApiError::BadResponse
        )
    }

    /// `Retry-After`, when the API sent one.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after_ms } => *retry_after_ms,
            _ => None,
        }
    }
}

/// Percent-escapes one path segment (RFC 3986 unreserved characters stay).
pub fn escape_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// Joins a base URL (trailing slashes ignored) and an absolute path.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim().trim_end_matches('/'))
}

/// The path of a task's status.
pub fn task_path(task_id: &str) -> String {
    format!("/api/v2/avatar/tasks/{}", escape_segment(task_id))
}

/// Masks a key for display: the prefix and last four characters only.
pub fn mask_key(key: &str) -> String {
    let key = key.trim();
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "sk_…".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("sk_…{tail}")
}

/// Quotes a string for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `curl` command equivalent to submitting `request`, with the key masked.
pub fn curl_command(base: &str, key: Option<&str>, request: &AvatarRequest) -> String {
    let url = join(base, request.model().submit_path());
    let mut cmd = format!("curl -X POST {}", shell_quote(&url));
    if let Some(key) = key {
        let auth = format!("Authorization: Bearer {}", mask_key(key));
        cmd.push_str(&format!(" \\\n  -H {}", shell_quote(&auth)));
    }
    cmd.push_str(" \\\n  -H 'Content-Type: application/json'");
    cmd.push_str(&format!(
        " \\\n  -d {}",
        shell_quote(&request.to_json().to_string())
    ));
    cmd
}

/// A configured connection to the API.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Client {
    /// Base URL, e.g. `http://127.0.0.1:8787` (empty: same origin).
    pub base: String,
    /// Bearer key; `None` behind a same-origin proxy.
    pub key: Option<String>,
}

impl Client {
    fn authorized(&self, builder: RequestBuilder, timeout_ms: u32) -> RequestBuilder {
        let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
        let builder = builder.abort_signal(Some(&signal));
        match self.key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(key) => builder.header("Authorization", &format!("Bearer {key}")),
            None => builder,
        }
    }

    /// Submits a generation request (once: never retried).
    pub async fn submit(&self, request: &AvatarRequest) -> Result<SubmitResponse, ApiError> {
        let url = join(&self.base, request.model().submit_path());
        let body = request.to_json().to_string();
        let sent = self
            .authorized(Request::post(&url), SUBMIT_TIMEOUT_MS)
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Network)?
            .send()
            .await;
        read(sent).await
    }

    /// Fetches a task's status.
    pub async fn task(&self, task_id: &str) -> Result<Task, ApiError> {
        let url = join(&self.base, &task_path(task_id));
        let sent = self
            .authorized(Request::get(&url), CHECK_TIMEOUT_MS)
            .send()
            .await;
        read(sent).await
    }

    /// Tells a valid key from a rejected one: asks for a task that cannot
    /// exist; a known key gets 404, an unknown one 401.
    pub async fn check_key(&self) -> Result<(), ApiError> {
        match self.task("key-check").await {
            Ok(_) | Err(ApiError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Reads a typed 2xx body, or maps the failure.
async fn read<T: serde::de::DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = sent.map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| ApiError::BadResponse);
    }
    let retry_after = response.headers().get("Retry-After");
    Err(ApiError::from_response(
        status,
        &text,
        retry_after.as_deref(),
        js_sys::Date::now() as u64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::ProRequest;

    #[test]
    fn statuses_become_sentences() {
        assert_eq!(
            ApiError::from_response(401, "", None, 0).to_string(),
            "API key rejected: check the key in Settings."
        );
        let body = serde_json::to_string(&ErrorBody::insufficient_credits(20, 7)).unwrap();
        let e = ApiError::from_response(402, &body, None, 0);
        assert_eq!(
            e.to_string(),
            "Not enough credits: this video costs 20, the key has 7."
        );
        let beside = r#"{"error":{"code":"insufficient_credits"},"required":50,"balance":3}"#;
        assert_eq!(
            ApiError::from_response(402, beside, None, 0),
            ApiError::NotEnoughCredits {
                required: Some(50),
                balance: Some(3)
            }
        );
        let e = ApiError::from_response(429, "{}", Some("7"), 0);
        assert_eq!(
            e.to_string(),
            "Too many requests: the API asks to wait 7 s before trying again."
        );
        assert_eq!(e.retry_after_ms(), Some(7_000));
        assert_eq!(
            ApiError::from_response(503, "<html>", None, 0),
            ApiError::Server(503)
        );
        assert_eq!(
            ApiError::from_response(404, "", None, 0),
            ApiError::NotFound
        );
    }

    #[test]
    fn a_400_lists_the_field_problems() {
        let body = serde_json::to_string(&ErrorBody::invalid(vec![
            FieldError::new("duration", "Duration must be 5, 10."),
            FieldError::new("framerate", "Frame rate must be 24."),
        ]))
        .unwrap();
        let ApiError::Invalid(fields) = ApiError::from_response(400, &body, None, 0) else {
            panic!("not Invalid");
        };
        assert_eq!(fields[1].field, "framerate");
        let e =
            ApiError::from_response(400, r#"{"error":{"message":"Bad.","param":"x"}}"#, None, 0);
        assert_eq!(e, ApiError::Invalid(vec![FieldError::new("x", "Bad.")]));
        let e = ApiError::from_response(413, "", None, 0);
        assert_eq!(
            e.to_string(),
            "The API did not accept the request: The API rejected the request (HTTP 413)."
        );
    }

    #[test]
    fn task_ids_are_escaped_in_paths() {
        assert_eq!(task_path("task_1-a.b~"), "/api/v2/avatar/tasks/task_1-a.b~");
        assert_eq!(
            task_path("../x?y#z é"),
            "/api/v2/avatar/tasks/..%2Fx%3Fy%23z%20%C3%A9"
        );
        assert_eq!(join("http://h:1/", "/p"), "http://h:1/p");
        assert_eq!(join("", "/p"), "/p");
    }

    #[test]
    fn curl_masks_the_key() {
        let request = AvatarRequest::Pro(ProRequest {
            image_url: "https://a/p.png".into(),
            audio_url: "https://a/it's.mp3".into(),
            ..ProRequest::default()
        });
        let key = "sk_live_0123456789abcdef";
        let cmd = curl_command("http://h", Some(key), &request);
        assert!(!cmd.contains(key));
        assert!(cmd.contains("Bearer sk_…cdef"));
        assert!(cmd.starts_with("curl -X POST 'http://h/api/v2/avatar/generate'"));
        assert!(cmd.contains(r"it'\''s.mp3"));
        assert!(!curl_command("", None, &request).contains("Authorization"));
        assert_eq!(mask_key("sk_short"), "sk_…");
    }
}
