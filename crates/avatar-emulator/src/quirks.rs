//! `--quirks`: answers the way the real world does rather than the way the
//! docs say. Everything that is a rewrite of what the handlers produce
//! (HTML error pages, CORS on errors, `{"data": …}`, nested links, numeric
//! ids, capitalized statuses, error styles, a transcription's segments) happens in [`rewrite`], on paths
//! under `/api/` only, except `results-without-cors`, which drops the CORS
//! headers of `/results/`; the WAF is [`waf`]; `signed-results` signs the
//! links here and [`crate::routes`] checks them. Numeric ids are minted by
//! [`crate::state::AppState::new_task_id`] and the slow submit waits in the handler.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::config::{BODY_LIMIT, EmulatorConfig, Quirk};
use crate::error::AppError;
use crate::state::AppState;

/// Largest body the rewrite or the WAF reads into memory.
const BUFFER_LIMIT: usize = 1024 * 1024;

/// Whether a path belongs to the provider's API (the only one quirks touch).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Whether a path is a result file (or anything else under `/results/`).
fn is_result(path: &str) -> bool {
    path.starts_with("/results/")
}

/// Removes every `Access-Control-*` header.
fn strip_cors(headers: &mut HeaderMap) {
    let cors: Vec<_> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        headers.remove(name);
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"))
}

/// The page a CDN shows for an error status.
fn html_page(status: StatusCode) -> String {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center><hr><center>cloudfront</center></body></html>"
    )
}

/// The page the WAF of `waf-403` answers with.
const WAF_PAGE: &str = "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><center>Request blocked.</center><hr><center>waf</center></body></html>";

/// A whole number stays a JSON integer (`20.0` → `20`).
fn number(v: &Value) -> Value {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 => json!(f as u64),
        _ => v.clone(),
    }
}

/// The envelope `{"error":{"code","type","message",…}}` as JSON text in the
/// style of `string-errors` or `detail-errors`; anything else unchanged.
fn error_body(config: &EmulatorConfig, status: StatusCode, body: Value) -> String {
    let detail = config.has(Quirk::DetailErrors);
    if !detail && !config.has(Quirk::StringErrors) {
        return body.to_string();
    }
    let Some(error) = body.get("error").filter(|e| e.is_object()) else {
        return body.to_string();
    };
    let message = error["message"].as_str().unwrap_or("").to_owned();
    let (required, balance) = (number(&error["required"]), number(&error["balance"]));
    match (detail, status) {
        (false, StatusCode::PAYMENT_REQUIRED) => {
            // In this order on the wire (a `json!` map would sort its keys).
            #[derive(serde::Serialize)]
            struct Unpaid {
                error: &'static str,
                required: Value,
                balance: Value,
            }
            let unpaid = Unpaid {
                error: "Insufficient credits",
                required,
                balance,
            };
            return serde_json::to_string(&unpaid).unwrap_or_default();
        }
        (false, _) => json!({ "error": message }),
        (true, StatusCode::PAYMENT_REQUIRED) => json!({
            "detail": format!("Insufficient credits: required {required}, balance {balance}")
        }),
        (true, StatusCode::BAD_REQUEST) => {
            let list: Vec<Value> = error["details"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    let field = d["field"].as_str().unwrap_or("body");
                    let loc = if field == "body" {
                        json!(["body"])
                    } else {
                        json!(["body", field])
                    };
                    json!({"loc": loc, "msg": d["message"], "type": "value_error"})
                })
                .collect();
            json!({ "detail": list })
        }
        (true, _) => json!({ "detail": message }),
    }
    .to_string()
}

/// The query string `signed-results` gives the link of result `file`
/// (`abc.mp4`), shaped like an S3 presigned URL's; the file is served only
/// to a request with exactly this query ([`signature_mismatch`] otherwise).
pub(crate) fn result_signature(file: &str) -> String {
    // FNV-1a stands in for the provider's HMAC: stable across restarts.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in file.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature={hash:016x}")
}

/// S3's answer to a signed link whose query string was changed.
pub(crate) fn signature_mismatch() -> Response {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>";
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}

/// The result links a completed task may carry (and `--subtitle-field`).
const LINKS: [&str; 3] = ["videoUrl", "audioUrl", "imageUrl"];
/// A completed transcription's result fields, nested by `nested-url`.
const TRANSCRIPT: [&str; 3] = ["text", "language", "segments"];
/// How far `unordered-segments` stretches a segment past the next one's start.
const OVERLAP_SECONDS: f64 = 0.2;

/// A transcription's `segments` the way `unordered-segments`,
/// `whisper-segments` and `segments-as-strings` say, in that order.
fn quirky_segments(config: &EmulatorConfig, segments: &mut [Value]) {
    let seconds = |v: &Value| v.as_f64().unwrap_or(0.0);
    let ms = |s: f64| (s * 1000.0).round() / 1000.0;
    if config.has(Quirk::UnorderedSegments) {
        for i in 1..segments.len() {
            let next_start = seconds(&segments[i]["start"]);
            let segment = &mut segments[i - 1];
            let end = seconds(&segment["end"]).max(next_start + OVERLAP_SECONDS);
            segment["end"] = json!(ms(end));
        }
        for pair in segments.chunks_mut(2) {
            pair.reverse();
        }
    }
    if config.has(Quirk::WhisperSegments) {
        for (i, segment) in segments.iter_mut().enumerate() {
            let (start, end) = (seconds(&segment["start"]), seconds(&segment["end"]));
            let text = segment["text"].as_str().unwrap_or("").to_owned();
            let said: Vec<&str> = text.split_whitespace().collect();
            let step = (end - start) / said.len().max(1) as f64;
            let words: Vec<Value> = (said.iter().enumerate())
                .map(|(k, word)| {
                    let from = start + step * k as f64;
                    json!({"word": format!(" {word}"), "start": ms(from), "end": ms(from + step),
                           "probability": 0.9})
                })
                .collect();
            let tokens: Vec<u64> = (0..said.len() as u64).map(|k| 50_365 + k).collect();
            let object = segment.as_object_mut();
            let Some(object) = object else { continue };
            object.insert("id".to_owned(), json!(i));
            // Whisper's 30 s windows, counted in 10 ms frames.
            object.insert(
                "seek".to_owned(),
                json!((start / 30.0).floor() as u64 * 3000),
            );
            object.insert("text".to_owned(), json!(format!(" {text}")));
            object.insert("tokens".to_owned(), json!(tokens));
            object.insert("temperature".to_owned(), json!(0.0));
            object.insert("avg_logprob".to_owned(), json!(-0.25));
            object.insert("compression_ratio".to_owned(), json!(1.2));
            object.insert("no_speech_prob".to_owned(), json!(0.01));
            object.insert("words".to_owned(), json!(words));
        }
    }
    if config.has(Quirk::SegmentsAsStrings) {
        for segment in segments.iter_mut() {
            for key in ["start", "end"] {
                let value = format!("{:.2}", seconds(&segment[key]));
                segment[key] = json!(value);
            }
        }
    }
}

/// A 2xx body (submit or task) with the success-side quirks applied:
/// numeric ids, capitalized status, a transcription's segments, signed and
/// nested links (and transcript), then the `data` wrapper.
fn success_body(config: &EmulatorConfig, mut body: Value) -> Value {
    if let Some(object) = body.as_object_mut() {
        if config.has(Quirk::NumericIds)
            && let Some(id) = object.get("task_id").and_then(Value::as_str)
            && let Ok(n) = id.parse::<u64>()
        {
            object.insert("task_id".to_owned(), json!(n));
        }
        if config.has(Quirk::CapitalizedStatus)
            && let Some(status) = object.get("status").and_then(Value::as_str)
        {
            let mut chars = status.chars();
            let capitalized: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            object.insert("status".to_owned(), json!(capitalized));
        }
        if let Some(Value::Array(segments)) = object.get_mut("segments") {
            quirky_segments(config, segments);
        }
        let links = LINKS
            .iter()
            .copied()
            .chain([config.subtitle_field.as_str()]);
        let mut result = Map::new();
        for link in links {
            if config.has(Quirk::SignedResults)
                && let Some(Value::String(url)) = object.get_mut(link)
                && let Some(file) = url.rsplit('/').next().map(str::to_owned)
            {
                url.push('?');
                url.push_str(&result_signature(&file));
            }
            if config.has(Quirk::NestedUrl)
                && let Some(url) = object.remove(link)
            {
                result.insert(link.to_owned(), url);
            }
        }
        let transcribed = object.get("_type") == Some(&json!("voice.transcribe"));
        if config.has(Quirk::NestedUrl) && transcribed {
            for field in TRANSCRIPT {
                if let Some(value) = object.remove(field) {
                    result.insert(field.to_owned(), value);
                }
            }
        }
        if !result.is_empty() {
            object.insert("result".to_owned(), Value::Object(result));
        }
    }
    if config.has(Quirk::Wrapped) {
        body = json!({ "data": body });
    }
    body
}

/// Rewrites the answers of `/api/` paths as the configured quirks say, and
/// drops the CORS headers of `/results/` with `results-without-cors`.
/// Runs outside the CORS layer so that it sees (and can drop) its headers.
pub async fn rewrite(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let config = &state.config;
    let path = request.uri().path();
    let (api, result) = (is_api(path), is_result(path));
    let mut response = next.run(request).await;
    if result && config.has(Quirk::ResultsWithoutCors) {
        // Every answer there, preflights and errors too: a CDN without CORS.
        strip_cors(response.headers_mut());
        return response;
    }
    if !api || config.quirks.is_empty() {
        return response;
    }
    let status = response.status();
    let error = status.is_client_error() || status.is_server_error();
    let (mut parts, body) = response.into_parts();
    if error && config.has(Quirk::NoCorsOnErrors) {
        strip_cors(&mut parts.headers);
    }
    let json = is_json(&parts.headers);
    let rewrites = json
        && if error {
            config.has(Quirk::HtmlErrors)
                || config.has(Quirk::StringErrors)
                || config.has(Quirk::DetailErrors)
        } else {
            status.is_success()
                && [
                    Quirk::Wrapped,
                    Quirk::NestedUrl,
                    Quirk::SignedResults,
                    Quirk::NumericIds,
                    Quirk::CapitalizedStatus,
                    Quirk::SegmentsAsStrings,
                    Quirk::UnorderedSegments,
                    Quirk::WhisperSegments,
                ]
                .iter()
                .any(|q| config.has(*q))
        };
    if !rewrites {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, BUFFER_LIMIT).await else {
        return AppError::Internal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The answer could not be read.".to_owned(),
        )
        .into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let new_body = if error && config.has(Quirk::HtmlErrors) {
        parts
            .headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        Bytes::from(html_page(status))
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => Bytes::from(if error {
                error_body(config, status, value)
            } else {
                success_body(config, value).to_string()
            }),
            Err(_) => bytes,
        }
    };
    Response::from_parts(parts, Body::from(new_body))
}

/// Whether the WAF of `waf-403` blocks a request body: `<script` anywhere,
/// or `DROP TABLE` in `motion_prompt` (both case-insensitive).
fn waf_blocks_body(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes).to_lowercase();
    if text.contains("<script") {
        return true;
    }
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| v["motion_prompt"].as_str().map(str::to_uppercase))
        .is_some_and(|prompt| prompt.contains("DROP TABLE"))
}

/// Whether the WAF blocks a path: a task id starting with `waf` on any task path.
fn waf_blocks_path(path: &str) -> bool {
    [
        "/api/v2/avatar/tasks/",
        "/api/v2/tasks/",
        "/api/v2/voice/transcribe/",
    ]
    .iter()
    .any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|id| id.starts_with("waf"))
    })
}

fn blocked() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/html")],
        WAF_PAGE,
    )
        .into_response()
}

/// `waf-403`: a web application firewall in front of `/api/`, before
/// faults, auth and billing.
pub async fn waf(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if !state.config.has(Quirk::Waf403) || !is_api(request.uri().path()) {
        return next.run(request).await;
    }
    if waf_blocks_path(request.uri().path()) {
        return blocked();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BUFFER_LIMIT).await else {
        return AppError::PayloadTooLarge(BODY_LIMIT).into_response();
    };
    if waf_blocks_body(&bytes) {
        return blocked();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(quirks: &str) -> EmulatorConfig {
        EmulatorConfig::parse_from(["x", "--quirks", quirks])
    }

    #[test]
    fn html_pages_name_the_status() {
        assert_eq!(
            html_page(StatusCode::NOT_FOUND),
            "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>cloudfront</center></body></html>"
        );
        assert!(html_page(StatusCode::TOO_MANY_REQUESTS).contains("429 Too Many Requests"));
    }

    #[test]
    fn success_quirks_compose_and_wrap_last() {
        let body = json!({"task_id": "1912", "status": "completed", "videoUrl": "http://h/r.mp4"});
        assert_eq!(
            success_body(
                &config("numeric-ids,capitalized-status,nested-url,wrapped"),
                body
            ),
            json!({"data": {"task_id": 1912, "status": "Completed", "result": {"videoUrl": "http://h/r.mp4"}}})
        );
    }

    fn transcript() -> Value {
        json!({"task_id": "t", "status": "completed", "_type": "voice.transcribe",
               "text": "One. Two. Three.", "language": "en", "segments": [
                   {"start": 0.0, "end": 1.0, "text": "One."},
                   {"start": 1.0, "end": 2.5, "text": "Two."},
                   {"start": 3.0, "end": 4.25, "text": "Three."}]})
    }

    #[test]
    fn unordered_segments_swap_neighbours_and_overlap_the_next_by_200_ms() {
        let body = success_body(&config("unordered-segments"), transcript());
        assert_eq!(
            body["segments"],
            json!([{"start": 1.0, "end": 3.2, "text": "Two."},
                   {"start": 0.0, "end": 1.2, "text": "One."},
                   {"start": 3.0, "end": 4.25, "text": "Three."}])
        );
    }

    #[test]
    fn whisper_segments_and_string_times() {
        let body = success_body(
            &config("whisper-segments,segments-as-strings"),
            transcript(),
        );
        let first = &body["segments"][0];
        assert_eq!(
            (&first["start"], &first["end"]),
            (&json!("0.00"), &json!("1.00"))
        );
        assert_eq!(first["text"], " One.");
        assert_eq!(first["id"], 0);
        assert_eq!(body["segments"][2]["id"], 2);
        assert_eq!(first["seek"], 0);
        assert_eq!(first["tokens"], json!([50365]));
        assert_eq!(first["avg_logprob"], -0.25);
        assert_eq!(
            first["words"],
            json!([{"word": " One.", "start": 0.0, "end": 1.0, "probability": 0.9}])
        );
        assert_eq!(body["segments"][2]["end"], "4.25");
        assert_eq!(
            body["text"], "One. Two. Three.",
            "the whole text is unchanged"
        );
    }

    #[test]
    fn nested_url_nests_the_transcript_and_the_subtitle_link() {
        let body = success_body(&config("nested-url"), transcript());
        assert_eq!(body["result"]["segments"][1]["text"], "Two.");
        assert_eq!(body["result"]["language"], "en");
        assert!(body.get("segments").is_none() && body.get("text").is_none());
        assert_eq!(body["_type"], "voice.transcribe");
        let clone = json!({"status": "completed", "audioUrl": "http://h/results/a.wav",
                           "subtitleUrl": "http://h/results/a.srt"});
        assert_eq!(
            success_body(&config("nested-url"), clone)["result"],
            json!({"audioUrl": "http://h/results/a.wav", "subtitleUrl": "http://h/results/a.srt"})
        );
    }

    #[test]
    fn error_styles() {
        let paid = json!({"error": {"code": "insufficient_credits", "type": "billing_error",
            "message": "…", "required": 20.0, "balance": 7.0}});
        let style =
            |quirks| error_body(&config(quirks), StatusCode::PAYMENT_REQUIRED, paid.clone());
        assert_eq!(
            style("string-errors"),
            r#"{"error":"Insufficient credits","required":20,"balance":7}"#
        );
        assert_eq!(
            style("detail-errors"),
            r#"{"detail":"Insufficient credits: required 20, balance 7"}"#
        );
        assert_eq!(style("wrapped"), paid.to_string());
    }

    #[test]
    fn waf_rules() {
        assert!(waf_blocks_body(br#"{"image_url":"<SCRIPT>x"}"#));
        assert!(waf_blocks_body(
            br#"{"motion_prompt":"smile; drop table users"}"#
        ));
        assert!(!waf_blocks_body(br#"{"image_url":"DROP TABLE"}"#));
        assert!(!waf_blocks_body(b""));
        assert!(waf_blocks_path("/api/v2/avatar/tasks/waf1"));
        assert!(waf_blocks_path("/api/v2/tasks/waf"));
        assert!(!waf_blocks_path("/api/v2/avatar/tasks/1waf"));
        assert!(waf_blocks_path("/api/v2/voice/transcribe/waf2"));
        assert!(!waf_blocks_path("/api/v2/voice/transcribe"));
    }
}
