//! The HTTP client of the AI Avatar API: one submit, one status check, and
//! one typed error whose `Display` is the sentence a user reads.
//!
//! Only the two documented headers are sent (`Authorization`,
//! `Content-Type`): a browser preflight to the real API fails on any other.
//! A submit is never retried here: one click, one POST. Answers are read as
//! text and handed to the contract's tolerant parsers
//! ([`avatar_api::response`]), which know the provider's variants; what
//! they cannot read is kept as a short excerpt for the message.

use avatar_api::response::{self, ProviderError};
use avatar_api::{AvatarRequest, FieldError, SubmitResponse, Task};
use gloo_net::http::{Headers, Request, RequestBuilder, Response};

/// How long a status check may take before it counts as a network failure.
const CHECK_TIMEOUT_MS: u32 = 20_000;
/// How long a submit may take; after it the outcome is unknown.
pub const SUBMIT_TIMEOUT_MS: u32 = 60_000;
/// How long the reachability probe after a failed request may take.
const PROBE_TIMEOUT_MS: u32 = 5_000;

/// Everything that can go wrong talking to the API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, malformed, unknown or revoked key.
    #[error("API key rejected: check the key in Settings.")]
    Rejected,
    /// 403: the API, a proxy or a firewall in front of it refused the request.
    #[error("The API or a firewall in front of it refused the request (HTTP 403){}.", in_words(.0))]
    Forbidden(Said),
    /// 402 with the request's cost and the key's balance.
    #[error("{}", not_enough_credits(*.required, *.balance, .said))]
    NotEnoughCredits {
        /// What the request costs.
        required: Option<u64>,
        /// What the key has.
        balance: Option<u64>,
        /// What the answer said (shown when the numbers are missing).
        said: Said,
    },
    /// 400 (or 413/415/422): the fields the API did not accept.
    #[error("The API did not accept the request: {}", join_messages(.0))]
    Invalid(Vec<FieldError>),
    /// 429: too many requests; wait this long.
    #[error("{}", rate_limited(*.retry_after_ms))]
    RateLimited {
        /// `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 5xx: the API (or a gateway in front of it) failed.
    #[error("The API had a problem (HTTP {status}){}. Try again in a moment.", in_words(.said))]
    Server {
        /// The HTTP status.
        status: u16,
        /// What the answer said.
        said: Said,
        /// `Retry-After` of a 503, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 404 with the API's JSON error: it does not know the task.
    #[error("The API no longer knows this task (it may have expired or belong to another key).")]
    NotFound,
    /// 410: the API says the task is gone for good.
    #[error("The API says this task is gone (HTTP 410){}.", in_words(.0))]
    Gone(Said),
    /// A 404 (or another error) that is not the API's JSON: a web page
    /// answered, so the base URL points somewhere else.
    #[error(
        "The API base URL does not lead to the API: it answered with a web page (HTTP {status}{}). Check the API base URL in Settings.",
        excerpt_suffix(.said)
    )]
    WrongBase {
        /// The HTTP status.
        status: u16,
        /// What the page said.
        said: Said,
    },
    /// Another status the page has no special words for.
    #[error("The API answered HTTP {status}{}.", in_words(.said))]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// What the answer said.
        said: Said,
    },
    /// No answer at all: offline or wrong host.
    #[error("Could not reach the API: check the connection and the API base URL in Settings.")]
    Network,
    /// The server answered but the browser hid the answer: the API does not
    /// allow this site (CORS).
    #[error(
        "The API's server answered, but the browser was not allowed to read the answer (CORS): the API does not accept requests from this site. Use a same-origin proxy (see the README, \"CORS or a same-origin proxy\")."
    )]
    Cors,
    /// The answer did not arrive in time.
    #[error("The API did not answer within {} s.", .0 / 1000)]
    Timeout(u32),
    /// A 2xx whose body is not a task or submit answer.
    #[error("The API sent an answer the page could not read: “{0}”.")]
    BadResponse(String),
    /// The key cannot be put in an HTTP header (the browser refused it).
    #[error("The API key contains characters that cannot be sent: paste it again in Settings.")]
    BadKey,
}

/// What a failed status check means for the task ([`ApiError::on_check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFailure {
    /// 401 with the user's key: every check pauses until the key changes.
    KeyRejected,
    /// 404 with the API's JSON: the API no longer knows the task; stop.
    Forgotten,
    /// 400 or 410: the API refuses the check for good; stop with its
    /// reason ("Check again" resumes).
    Refused,
    /// Anything else (5xx, 429, 402, 403, network, CORS, an unreadable
    /// answer, a web page): try again later, after `Retry-After` if sent.
    Temporary {
        /// `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
}

/// What an error answer said, for the message: the provider's own words,
/// or a short excerpt of a body that was not JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Said {
    /// The provider's message.
    pub message: Option<String>,
    /// A one-line excerpt of a non-JSON body.
    pub excerpt: Option<String>,
}

impl Said {
    fn from(body: &ProviderError) -> Said {
        Said {
            message: body.message.clone().filter(|m| !m.trim().is_empty()),
            excerpt: body.excerpt.clone().filter(|e| !e.trim().is_empty()),
        }
    }
}

/// ": the provider's words" or ": “excerpt”", or nothing.
fn in_words(s: &Said) -> String {
    match (&s.message, &s.excerpt) {
        (Some(m), _) => format!(": {}", m.trim_end_matches('.')),
        (None, Some(e)) => format!(": “{e}”"),
        _ => String::new(),
    }
}

fn excerpt_suffix(s: &Said) -> String {
    match (&s.excerpt, &s.message) {
        (Some(e), _) | (None, Some(e)) => format!(": “{e}”"),
        _ => String::new(),
    }
}

fn not_enough_credits(required: Option<u64>, balance: Option<u64>, words: &Said) -> String {
    match (required, balance) {
        (None, None) if words.message.is_some() || words.excerpt.is_some() => {
            format!("Not enough credits for this video{}.", in_words(words))
        }
        (Some(r), Some(b)) => {
            format!("Not enough credits: this video costs {r}, the key has {b}.")
        }
        (Some(r), None) => format!("Not enough credits: this video costs {r}."),
        (None, Some(b)) => format!("Not enough credits for this video: the key has {b}."),
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
        let parsed = response::parse_error_body(body);
        let said = Said::from(&parsed);
        let wait = || retry_after.and_then(|v| avatar_api::poll::parse_retry_after(v, now_ms));
        let credits = |v: Option<f64>| v.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64);
        match status {
            401 => ApiError::Rejected,
            403 => ApiError::Forbidden(said),
            402 => ApiError::NotEnoughCredits {
                required: credits(parsed.required),
                balance: credits(parsed.balance),
                said,
            },
            404 if parsed.json => ApiError::NotFound,
            404 => ApiError::WrongBase { status, said },
            410 => ApiError::Gone(said),
            429 => ApiError::RateLimited {
                retry_after_ms: wait(),
            },
            400 | 413 | 415 | 422 => {
                let mut fields = parsed.details;
                if fields.is_empty() {
                    let field = parsed.param.unwrap_or_else(|| "body".to_owned());
                    let message = match (said.message, said.excerpt) {
                        (Some(m), _) => m,
                        (None, Some(e)) => {
                            format!("The API rejected the request (HTTP {status}: “{e}”).")
                        }
                        _ => format!("The API rejected the request (HTTP {status})."),
                    };
                    fields.push(FieldError::new(&field, &message));
                }
                ApiError::Invalid(fields)
            }
            500..=599 => ApiError::Server {
                status,
                said,
                retry_after_ms: wait(),
            },
            _ if !parsed.json && (300..500).contains(&status) => {
                ApiError::WrongBase { status, said }
            }
            _ => ApiError::Unexpected { status, said },
        }
    }

    /// What this failure of a status check means for the task: the one
    /// table of failures the status checks follow. `with_key`: the page
    /// sends the user's key (a 401 behind a proxy is the proxy's trouble,
    /// and passes like any other).
    pub fn on_check(&self, with_key: bool) -> CheckFailure {
        match self {
            ApiError::Rejected if with_key => CheckFailure::KeyRejected,
            ApiError::NotFound => CheckFailure::Forgotten,
            ApiError::Invalid(_) | ApiError::Gone(_) => CheckFailure::Refused,
            _ => CheckFailure::Temporary {
                retry_after_ms: self.retry_after_ms(),
            },
        }
    }

    /// True when a submit that ended this way may still have been accepted
    /// (and charged): no answer, a hidden answer, an unreadable 2xx, or a
    /// gateway's 502/504 (the origin may have taken it).
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApiError::Network
                | ApiError::Cors
                | ApiError::Timeout(_)
                | ApiError::BadResponse(_)
                | ApiError::Server {
                    status: 502 | 504,
                    ..
                }
        )
    }

    /// `Retry-After`, when the API sent one (429, 503).
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after_ms } | ApiError::Server { retry_after_ms, .. } => {
                *retry_after_ms
            }
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

    /// Submits a generation request (once: never retried).
    pub async fn submit(&self, request: &AvatarRequest) -> Result<SubmitResponse, ApiError> {
        let url = join(&self.base, request.model().submit_path());
        let body = request.to_json().to_string();
        let prepared = self
            .authorized(Request::post(&url), SUBMIT_TIMEOUT_MS)?
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Network)?;
        let (_, text) = read(&url, prepared.send().await, SUBMIT_TIMEOUT_MS).await?;
        response::parse_submit(&text).map_err(|e| ApiError::BadResponse(e.excerpt))
    }

    /// Fetches a task's status.
    pub async fn task(&self, task_id: &str) -> Result<TaskAnswer, ApiError> {
        let url = join(&self.base, &task_path(task_id));
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
        match self.task("key-check").await {
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
    use avatar_api::{ErrorBody, ProRequest};

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
                balance: Some(3),
                said: Said::default(),
            }
        );
        let e = ApiError::from_response(429, "{}", Some("7"), 0);
        assert_eq!(
            e.to_string(),
            "Too many requests: the API asks to wait 7 s before trying again."
        );
        assert_eq!(e.retry_after_ms(), Some(7_000));
        let e = ApiError::from_response(503, "<html><title>Down</title></html>", Some("4"), 0);
        assert_eq!(
            e.to_string(),
            "The API had a problem (HTTP 503): “Down”. Try again in a moment."
        );
        assert_eq!(e.retry_after_ms(), Some(4_000));
        assert_eq!(
            e.on_check(true),
            CheckFailure::Temporary {
                retry_after_ms: Some(4_000)
            }
        );
        assert!(!e.outcome_unknown());
        assert!(ApiError::from_response(502, "", None, 0).outcome_unknown());
    }

    #[test]
    fn only_the_apis_own_404_means_an_unknown_task() {
        let json = r#"{"error":{"code":"task_not_found","message":"No such task."}}"#;
        assert_eq!(
            ApiError::from_response(404, json, None, 0),
            ApiError::NotFound
        );
        assert_eq!(
            ApiError::from_response(404, r#"{"detail":"Not Found"}"#, None, 0),
            ApiError::NotFound
        );
        let html = "<html><head><title>404 Not Found</title></head><body>nginx</body></html>";
        let e = ApiError::from_response(404, html, None, 0);
        assert_eq!(
            e.to_string(),
            "The API base URL does not lead to the API: it answered with a web page (HTTP 404: “404 Not Found”). Check the API base URL in Settings."
        );
        assert!(matches!(e.on_check(true), CheckFailure::Temporary { .. }));
    }

    #[test]
    fn the_providers_words_are_kept_whatever_the_shape() {
        // A 403 is a firewall or proxy, not a rejected key.
        let e = ApiError::from_response(403, "<html><title>403 Forbidden</title></html>", None, 0);
        assert_eq!(
            e.to_string(),
            "The API or a firewall in front of it refused the request (HTTP 403): “403 Forbidden”."
        );
        let e = ApiError::from_response(
            402,
            r#"{"error":"Insufficient credits","required":20,"balance":7}"#,
            None,
            0,
        );
        assert_eq!(
            e.to_string(),
            "Not enough credits: this video costs 20, the key has 7."
        );
        let e = ApiError::from_response(
            402,
            r#"{"detail":"Insufficient credits: required 20, balance 7"}"#,
            None,
            0,
        );
        assert_eq!(
            e.to_string(),
            "Not enough credits for this video: Insufficient credits: required 20, balance 7."
        );
        let e = ApiError::from_response(400, r#"{"error":"Duration must be 5 or 10."}"#, None, 0);
        assert_eq!(
            e.to_string(),
            "The API did not accept the request: Duration must be 5 or 10."
        );
        let e = ApiError::from_response(
            400,
            r#"{"error":{"message":"Bad.","details":null}}"#,
            None,
            0,
        );
        assert_eq!(e, ApiError::Invalid(vec![FieldError::new("body", "Bad.")]));
        let e = ApiError::from_response(410, r#"{"detail":"Task expired."}"#, None, 0);
        assert_eq!(
            e.to_string(),
            "The API says this task is gone (HTTP 410): Task expired."
        );
        assert_eq!(e.on_check(true), CheckFailure::Refused);
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
