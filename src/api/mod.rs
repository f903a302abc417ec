//! The HTTP client of the AI Avatar API: one submit, one status check, and
//! one typed error ([`ApiError`], in [`error`]) whose `Display` is the
//! sentence a user reads.
//!
//! Only the two documented headers are sent (`Authorization`,
//! `Content-Type`): a browser preflight to the real API fails on any other.
//! A submit is never retried here: one click, one POST. Answers are read as
//! text and handed to the contract's tolerant parsers
//! ([`avatar_api::response`]), which know the provider's variants; what
//! they cannot read is kept as a short excerpt for the message.

mod error;

use avatar_api::response;
use avatar_api::{AvatarRequest, Kind, SubmitResponse, Task};
use gloo_net::http::{Headers, Request, RequestBuilder, Response};

pub use error::{AnswerText, ApiError, CheckFailure};

use crate::tasks::request::TaskRequest;

/// What Generate and the running tasks say while the browser is offline.
pub const OFFLINE: &str =
    "You are offline: Generate and status checks resume when the network is back.";

/// How long a status check may take before it counts as a network failure.
const CHECK_TIMEOUT_MS: u32 = 20_000;
/// How long a submit may take; after it the outcome is unknown.
pub const SUBMIT_TIMEOUT_MS: u32 = 60_000;
/// How long the reachability probe after a failed request may take.
const PROBE_TIMEOUT_MS: u32 = 5_000;

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

/// The path of the status of a task of `kind`.
pub fn task_path(kind: Kind, task_id: &str) -> String {
    format!("{}{}", kind.status_path(), escape_segment(task_id))
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

/// A status answer: the task as understood, and an excerpt of the answer as
/// sent (shown when a finished task comes without a usable link).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskAnswer {
    /// The task.
    pub task: Task,
    /// The body, shortened to one line.
    pub excerpt: String,
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
    /// The request with its timeout and, when there is a key, the
    /// `Authorization` header. The browser refuses a header value it cannot
    /// send (it throws): that becomes [`ApiError::BadKey`], never a frozen page.
    fn authorized(
        &self,
        builder: RequestBuilder,
        timeout_ms: u32,
    ) -> Result<RequestBuilder, ApiError> {
        let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
        let builder = builder.abort_signal(Some(&signal));
        let Some(key) = self.key.as_deref().map(str::trim).filter(|k| !k.is_empty()) else {
            return Ok(builder);
        };
        let headers = web_sys::Headers::new().map_err(|_| ApiError::BadKey)?;
        headers
            .append("Authorization", &format!("Bearer {key}"))
            .map_err(|_| ApiError::BadKey)?;
        Ok(builder.headers(Headers::from_raw(headers)))
    }

    /// Submits a request of any kind (once: never retried).
    pub async fn submit(&self, request: &TaskRequest) -> Result<SubmitResponse, ApiError> {
        let url = join(&self.base, request.submit_path());
        let body = request.to_json().to_string();
        let prepared = self
            .authorized(Request::post(&url), SUBMIT_TIMEOUT_MS)?
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Network)?;
        let (_, text) = read(&url, prepared.send().await, SUBMIT_TIMEOUT_MS).await?;
        response::parse_submit(&text).map_err(|e| ApiError::BadResponse(e.excerpt))
    }

    /// Fetches the status of a task of `kind`.
    pub async fn task(&self, kind: Kind, task_id: &str) -> Result<TaskAnswer, ApiError> {
        let url = join(&self.base, &task_path(kind, task_id));
        let prepared = self.authorized(Request::get(&url), CHECK_TIMEOUT_MS)?;
        let (_, text) = read(&url, prepared.send().await, CHECK_TIMEOUT_MS).await?;
        match response::parse_task(&text) {
            Ok(task) => Ok(TaskAnswer {
                task,
                excerpt: response::excerpt(&text),
            }),
            Err(e) => Err(ApiError::BadResponse(e.excerpt)),
        }
    }

    /// Tells a valid key from a rejected one: asks for a task that cannot
    /// exist. Only the API's own JSON 404 proves a live API and a known key;
    /// a web page's 404 means the base URL leads elsewhere.
    pub async fn check_key(&self) -> Result<(), ApiError> {
        match self.task(Kind::Video, "key-check").await {
            Ok(_) | Err(ApiError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Reads a 2xx answer's status and text, or maps the failure: an error
/// status through [`ApiError::from_response`], a failed fetch to a
/// timeout, a CORS refusal (the origin answers a probe) or no answer.
async fn read(
    url: &str,
    sent: Result<Response, gloo_net::Error>,
    timeout_ms: u32,
) -> Result<(u16, String), ApiError> {
    let response = match sent {
        Ok(response) => response,
        Err(gloo_net::Error::JsError(e)) if e.name == "TimeoutError" => {
            return Err(ApiError::Timeout(timeout_ms));
        }
        Err(_) if is_cross_origin(url) && reachable(url).await => return Err(ApiError::Cors),
        Err(_) => return Err(ApiError::Network),
    };
    let status = response.status();
    let text = match response.text().await {
        Ok(text) => text,
        Err(gloo_net::Error::JsError(e)) if e.name == "TimeoutError" => {
            return Err(ApiError::Timeout(timeout_ms));
        }
        Err(_) => return Err(ApiError::Network),
    };
    if (200..300).contains(&status) {
        return Ok((status, text));
    }
    let retry_after = response.headers().get("Retry-After");
    Err(ApiError::from_response(
        status,
        &text,
        retry_after.as_deref(),
        js_sys::Date::now() as u64,
    ))
}

/// True for an absolute URL (a same-origin request never meets CORS).
fn is_cross_origin(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// Asks the URL again in `no-cors` mode, which needs no permission from the
/// server: an (opaque) answer proves the server is there, so the failure
/// before was the browser hiding the answer, i.e. CORS.
async fn reachable(url: &str) -> bool {
    let signal = web_sys::AbortSignal::timeout_with_u32(PROBE_TIMEOUT_MS);
    Request::get(url)
        .mode(web_sys::RequestMode::NoCors)
        .abort_signal(Some(&signal))
        .send()
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::ProRequest;

    #[test]
    fn task_ids_are_escaped_in_paths() {
        assert_eq!(
            task_path(Kind::Video, "task_1-a.b~"),
            "/api/v2/avatar/tasks/task_1-a.b~"
        );
        assert_eq!(task_path(Kind::Speech, "7"), "/api/v2/tasks/7");
        assert_eq!(
            task_path(Kind::Video, "../x?y#z é"),
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
