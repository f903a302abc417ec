//! Reading an error answer, whatever its shape.

use serde_json::{Map, Value};

use super::excerpt::excerpt;
use super::fields::{code_of, number_of, string_of};
use crate::validate::FieldError;

/// Whatever could be read from an error answer; see [`parse_error_body`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderError {
    /// What went wrong, for a person.
    pub message: Option<String>,
    /// Machine-readable code (a number is kept as its digits).
    pub code: Option<String>,
    /// Error family (`type`).
    pub kind: Option<String>,
    /// The offending field, when named.
    pub param: Option<String>,
    /// Every offending field that could be read.
    pub details: Vec<FieldError>,
    /// A 402's cost of the request.
    pub required: Option<f64>,
    /// A 402's credits of the key.
    pub balance: Option<f64>,
    /// A short excerpt of the body (see [`excerpt`]) when it is not a JSON
    /// object, or is one in which nothing above was found.
    pub excerpt: Option<String>,
    /// True when the body is a JSON object: a JSON API answered, not a CDN
    /// or static host's HTML page.
    pub json: bool,
}

/// Reads an error answer, whatever it is; never fails. Understood: the
/// documented envelope `{"error":{"code","type","message","param","details",
/// "required","balance"}}` (with `required`/`balance` also beside `error`,
/// as numbers or numeric strings, and `details` entries of odd shapes
/// skipped), `{"error":"text"}`, `{"detail":"text"}`, `{"detail":{"message"
/// or "msg"}}`, FastAPI's `{"detail":[{"loc":[…,"field"],"msg":…}]}`, and a
/// top-level `message`/`msg`/`code`/`type`/`param`.
pub fn parse_error_body(text: &str) -> ProviderError {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return ProviderError {
            excerpt: Some(excerpt(text)).filter(|e| !e.is_empty()),
            ..ProviderError::default()
        };
    };
    let mut e = ProviderError {
        json: true,
        ..ProviderError::default()
    };
    // Most specific first: `error`, then `detail`, then the top level.
    for key in ["error", "detail"] {
        match m.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                e.message.get_or_insert_with(|| s.clone());
            }
            Some(Value::Object(inner)) => read_error_object(&mut e, inner),
            Some(Value::Array(entries)) => e.details.extend(field_errors(entries)),
            _ => {}
        }
    }
    read_error_object(&mut e, &m);
    let nothing = e.message.is_none() && e.code.is_none() && e.details.is_empty();
    if nothing {
        e.excerpt = Some(excerpt(text)).filter(|x| !x.is_empty());
    }
    e
}

/// Fills what `e` still lacks from an error object.
fn read_error_object(e: &mut ProviderError, m: &Map<String, Value>) {
    let message = string_of(m, &["message", "msg"]).filter(|s| !s.trim().is_empty());
    e.message = e.message.take().or(message);
    e.code = e.code.take().or_else(|| code_of(m, &["code"]));
    e.kind = e.kind.take().or_else(|| string_of(m, &["type"]));
    e.param = e.param.take().or_else(|| string_of(m, &["param"]));
    if e.details.is_empty() {
        match m.get("details") {
            Some(Value::Array(entries)) => e.details = field_errors(entries),
            Some(Value::Object(fields)) => e.details = field_map_errors(fields),
            _ => {}
        }
    }
    e.required = e.required.or_else(|| number_of(m, &["required"]));
    e.balance = e.balance.or_else(|| number_of(m, &["balance"]));
}

/// Field errors from a list, skipping entries that are not understood:
/// `{"field"|"param"|"loc": …, "message"|"msg": …}`, where `loc` is a
/// FastAPI path whose last element names the field (`body` when absent).
fn field_errors(entries: &[Value]) -> Vec<FieldError> {
    entries
        .iter()
        .filter_map(|entry| {
            let m = entry.as_object()?;
            let message = string_of(m, &["message", "msg"])?;
            let field = string_of(m, &["field", "param"])
                .or_else(|| match m.get("loc")?.as_array()?.last()? {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| "body".to_owned());
            Some(FieldError { field, message })
        })
        .collect()
}

/// Field errors from `{"field": "message"}` or `{"field": ["message", …]}`.
fn field_map_errors(fields: &Map<String, Value>) -> Vec<FieldError> {
    fields
        .iter()
        .filter_map(|(field, v)| {
            let message = match v {
                Value::String(s) => s.as_str(),
                Value::Array(list) => list.iter().find_map(Value::as_str)?,
                _ => return None,
            };
            Some(FieldError::new(field, message))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{ErrorBody, codes};

    #[test]
    fn documented_error_envelope_is_read() {
        let e = parse_error_body(
            r#"{"error": {"code": "invalid_request", "type": "invalid_request_error",
                "message": "D. F.", "param": "duration",
                "details": [{"field": "duration", "message": "D."}, {"field": "framerate", "message": "F."}]}}"#,
        );
        assert!(e.json);
        assert_eq!(e.code.as_deref(), Some("invalid_request"));
        assert_eq!(e.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(e.message.as_deref(), Some("D. F."));
        assert_eq!(e.param.as_deref(), Some("duration"));
        assert_eq!(
            e.details,
            [
                FieldError::new("duration", "D."),
                FieldError::new("framerate", "F.")
            ]
        );
        assert_eq!(e.excerpt, None);
        // What the emulator writes is read back.
        let text = serde_json::to_string(&ErrorBody::insufficient_credits(20, 7)).unwrap();
        let e = parse_error_body(&text);
        assert_eq!((e.required, e.balance), (Some(20.0), Some(7.0)));
        assert_eq!(e.code.as_deref(), Some(codes::INSUFFICIENT_CREDITS));
    }

    #[test]
    fn credits_are_read_inside_or_beside_error_as_numbers_or_strings() {
        let e = parse_error_body(
            r#"{"error": {"code": "insufficient_credits"}, "required": "50", "balance": 3}"#,
        );
        assert_eq!((e.required, e.balance), (Some(50.0), Some(3.0)));
        let e =
            parse_error_body(r#"{"error": {"required": 20, "balance": "7.5"}, "required": 99}"#);
        assert_eq!(
            (e.required, e.balance),
            (Some(20.0), Some(7.5)),
            "inside wins"
        );
        let e = parse_error_body(r#"{"error": {"required": "lots", "balance": null}}"#);
        assert_eq!((e.required, e.balance), (None, None));
    }

    #[test]
    fn odd_details_keep_the_good_entries() {
        let e = parse_error_body(r#"{"error": {"message": "Bad.", "details": null}}"#);
        assert_eq!((e.message.as_deref(), e.details.len()), (Some("Bad."), 0));
        let e = parse_error_body(
            r#"{"error": {"details": [1, "x", null, {"field": "width"}, {"param": "height", "msg": "H."},
                {"message": "Whole body."}, {"loc": ["body", "duration"], "msg": "D."}]}}"#,
        );
        assert_eq!(
            e.details,
            [
                FieldError::new("height", "H."),
                FieldError::new("body", "Whole body."),
                FieldError::new("duration", "D."),
            ]
        );
        let e = parse_error_body(
            r#"{"error": {"details": {"width": "W.", "height": ["H.", "H2."], "x": 1}}}"#,
        );
        assert_eq!(
            e.details,
            [
                FieldError::new("height", "H."),
                FieldError::new("width", "W.")
            ]
        );
        let e = parse_error_body(r#"{"error": {"details": "see docs", "message": "M."}}"#);
        assert_eq!((e.message.as_deref(), e.details.len()), (Some("M."), 0));
    }

    #[test]
    fn other_error_shapes_are_read() {
        let message = |text: &str| parse_error_body(text).message;
        assert_eq!(
            message(r#"{"error": "Invalid key"}"#).as_deref(),
            Some("Invalid key")
        );
        assert_eq!(
            message(r#"{"detail": "Task expired."}"#).as_deref(),
            Some("Task expired.")
        );
        assert_eq!(
            message(r#"{"detail": {"message": "Nope."}}"#).as_deref(),
            Some("Nope.")
        );
        assert_eq!(
            message(r#"{"detail": {"msg": "Nope."}}"#).as_deref(),
            Some("Nope.")
        );
        assert_eq!(
            message(r#"{"message": "Too many."}"#).as_deref(),
            Some("Too many.")
        );
        assert_eq!(
            message(r#"{"msg": "Too many."}"#).as_deref(),
            Some("Too many.")
        );
        assert_eq!(
            message(r#"{"error": "", "message": "M."}"#).as_deref(),
            Some("M.")
        );
        let e = parse_error_body(
            r#"{"detail": [{"loc": ["body", "duration"], "msg": "value is not a valid integer", "type": "type_error"},
                {"loc": ["body", "items", 0], "msg": "I."}, {"loc": [], "msg": "B."}, {"loc": "x"}]}"#,
        );
        assert!(e.json);
        assert_eq!(
            e.details,
            [
                FieldError::new("duration", "value is not a valid integer"),
                FieldError::new("0", "I."),
                FieldError::new("body", "B."),
            ]
        );
        let e = parse_error_body(r#"{"code": 429, "message": "Slow down", "type": "rate_limit"}"#);
        assert_eq!(
            (e.code.as_deref(), e.kind.as_deref()),
            (Some("429"), Some("rate_limit"))
        );
        // A JSON object with nothing known: the excerpt is all there is.
        let e = parse_error_body(r#"{"foo": 1}"#);
        assert!(e.json);
        assert_eq!(e.excerpt.as_deref(), Some(r#"{"foo": 1}"#));
    }

    #[test]
    fn non_json_error_bodies_give_an_excerpt() {
        let e = parse_error_body(
            "<!DOCTYPE html>\n<html><head><title>\n  404 &amp; Not Found\n</title></head><body>x</body></html>",
        );
        assert!(!e.json);
        assert_eq!(e.excerpt.as_deref(), Some("404 & Not Found"));
        assert_eq!(e.message, None);
        let e = parse_error_body(
            "<html><head><style>p{}</style><script>var a = '<b>';</script></head>\
             <body><!-- <p>hidden</p> --><h1>Bad&nbsp;Gateway</h1>\n<p>nginx</p></body></html>",
        );
        assert_eq!(e.excerpt.as_deref(), Some("Bad Gateway nginx"));
        let e = parse_error_body("Service\tUnavailable\r\n\u{0}\u{202E}!");
        assert_eq!(e.excerpt.as_deref(), Some("Service Unavailable !"));
        assert_eq!(parse_error_body("").excerpt, None);
        assert_eq!(parse_error_body("  \n ").excerpt, None);
        let e = parse_error_body("[1, 2]");
        assert!(!e.json);
        assert_eq!(e.excerpt.as_deref(), Some("[1, 2]"));
    }
}
