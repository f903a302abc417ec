//! What can go wrong talking to the API: one typed error, [`ApiError`],
//! whose `Display` is the sentence a user reads, made from the answer's
//! status and body ([`ApiError::from_response`]); and what a failed status
//! check means for the task ([`CheckFailure`]).

use avatar_api::FieldError;
use avatar_api::response::{self, ProviderError};

/// Everything that can go wrong talking to the API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, malformed, unknown or revoked key.
    #[error("API key rejected: check the key in Settings.")]
    Rejected,
    /// 403: the API, a proxy or a firewall in front of it refused the request.
    #[error("The API or a firewall in front of it refused the request (HTTP 403){}.", in_words(.0))]
    Forbidden(AnswerText),
    /// 402 with the request's cost and the key's balance.
    #[error("{}", not_enough_credits(*.required, *.balance, .said))]
    NotEnoughCredits {
        /// What the request costs.
        required: Option<u64>,
        /// What the key has.
        balance: Option<u64>,
        /// What the answer said (shown when the numbers are missing).
        said: AnswerText,
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
        said: AnswerText,
        /// `Retry-After` of a 503, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 404 with the API's JSON error: it does not know the task.
    #[error("The API no longer knows this task (it may have expired or belong to another key).")]
    NotFound,
    /// 410: the API says the task is gone for good.
    #[error("The API says this task is gone (HTTP 410){}.", in_words(.0))]
    Gone(AnswerText),
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
        said: AnswerText,
    },
    /// Another status the page has no special words for.
    #[error("The API answered HTTP {status}{}.", in_words(.said))]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// What the answer said.
        said: AnswerText,
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
pub struct AnswerText {
    /// The provider's message.
    pub message: Option<String>,
    /// A one-line excerpt of a non-JSON body.
    pub excerpt: Option<String>,
}

impl AnswerText {
    fn from(body: &ProviderError) -> AnswerText {
        AnswerText {
            message: body.message.clone().filter(|m| !m.trim().is_empty()),
            excerpt: body.excerpt.clone().filter(|e| !e.trim().is_empty()),
        }
    }
}

/// ": the provider's words" or ": “excerpt”", or nothing.
fn in_words(s: &AnswerText) -> String {
    match (&s.message, &s.excerpt) {
        (Some(m), _) => format!(": {}", m.trim_end_matches('.')),
        (None, Some(e)) => format!(": “{e}”"),
        _ => String::new(),
    }
}

fn excerpt_suffix(s: &AnswerText) -> String {
    match (&s.excerpt, &s.message) {
        (Some(e), _) | (None, Some(e)) => format!(": “{e}”"),
        _ => String::new(),
    }
}

fn not_enough_credits(required: Option<u64>, balance: Option<u64>, words: &AnswerText) -> String {
    match (required, balance) {
        (None, None) if words.message.is_some() || words.excerpt.is_some() => {
            format!("Not enough credits for this request{}.", in_words(words))
        }
        (Some(r), Some(b)) => {
            format!("Not enough credits: this request costs {r}, the key has {b}.")
        }
        (Some(r), None) => format!("Not enough credits: this request costs {r}."),
        (None, Some(b)) => format!("Not enough credits for this request: the key has {b}."),
        _ => "Not enough credits for this request.".to_owned(),
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
        let said = AnswerText::from(&parsed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::ErrorBody;

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
            "Not enough credits: this request costs 20, the key has 7."
        );
        let beside = r#"{"error":{"code":"insufficient_credits"},"required":50,"balance":3}"#;
        assert_eq!(
            ApiError::from_response(402, beside, None, 0),
            ApiError::NotEnoughCredits {
                required: Some(50),
                balance: Some(3),
                said: AnswerText::default(),
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
            "Not enough credits: this request costs 20, the key has 7."
        );
        let e = ApiError::from_response(
            402,
            r#"{"detail":"Insufficient credits: required 20, balance 7"}"#,
            None,
            0,
        );
        assert_eq!(
            e.to_string(),
            "Not enough credits for this request: Insufficient credits: required 20, balance 7."
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
}
