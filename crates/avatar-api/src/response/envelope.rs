//! The error envelope servers write (the emulator) and clients read.

use serde::{Deserialize, Serialize};

use super::codes;
use crate::validate::FieldError;

/// The error envelope: `{"error": {"code", "type", "message", ...}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
    /// `required` when a server puts it beside `error` (read, never written).
    #[serde(default, skip_serializing)]
    pub required: Option<f64>,
    /// `balance` when a server puts it beside `error` (read, never written).
    #[serde(default, skip_serializing)]
    pub balance: Option<f64>,
}

/// The inside of the error envelope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable code, see [`codes`].
    #[serde(default)]
    pub code: String,
    /// Error family, see [`codes`].
    #[serde(default, rename = "type")]
    pub kind: String,
    /// What went wrong, for a person.
    #[serde(default)]
    pub message: String,
    /// The first offending field of a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Every offending field of a 400.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// A 402's cost of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<f64>,
    /// A 402's credits of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
}

impl ErrorBody {
    /// An error with a code, a type and a message.
    pub fn new(code: &str, kind: &str, message: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                kind: kind.to_owned(),
                message: message.to_owned(),
                ..ErrorDetail::default()
            },
            ..ErrorBody::default()
        }
    }

    /// A 400 listing every field problem.
    pub fn invalid(details: Vec<FieldError>) -> ErrorBody {
        let message = details
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let mut body = ErrorBody::new(
            codes::INVALID_REQUEST,
            codes::INVALID_REQUEST_ERROR,
            &message,
        );
        body.error.param = details.first().map(|d| d.field.clone());
        body.error.details = details;
        body
    }

    /// A 402 with the cost and the balance.
    pub fn insufficient_credits(required: u64, balance: u64) -> ErrorBody {
        let mut body = ErrorBody::new(
            codes::INSUFFICIENT_CREDITS,
            codes::BILLING_ERROR,
            &format!(
                "Insufficient video credits: this request costs {required}, the key has {balance}."
            ),
        );
        body.error.required = Some(required as f64);
        body.error.balance = Some(balance as f64);
        body
    }

    /// The 402's `required`, inside `error` or beside it.
    pub fn required(&self) -> Option<f64> {
        self.error.required.or(self.required)
    }

    /// The 402's `balance`, inside `error` or beside it.
    pub fn balance(&self) -> Option<f64> {
        self.error.balance.or(self.balance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_401_parses() {
        let e: ErrorBody = serde_json::from_value(
            json!({"error": {"code": "missing_api_key", "type": "auth_error",
            "message": "Authorization header missing or malformed. Expected: Bearer sk_..."}}),
        )
        .unwrap();
        assert_eq!(e.error.code, codes::MISSING_API_KEY);
        assert_eq!(e.error.kind, codes::AUTH_ERROR);
    }

    #[test]
    fn required_and_balance_are_read_inside_or_beside_error() {
        let inside = serde_json::to_value(ErrorBody::insufficient_credits(20, 7)).unwrap();
        let inside: ErrorBody = serde_json::from_value(inside).unwrap();
        assert_eq!(
            (inside.required(), inside.balance()),
            (Some(20.0), Some(7.0))
        );
        let beside: ErrorBody = serde_json::from_value(
            json!({"error": {"code": "insufficient_credits"}, "required": 50, "balance": 3}),
        )
        .unwrap();
        assert_eq!(
            (beside.required(), beside.balance()),
            (Some(50.0), Some(3.0))
        );
    }

    #[test]
    fn invalid_lists_every_field() {
        let body = ErrorBody::invalid(vec![
            FieldError::new("duration", "D."),
            FieldError::new("framerate", "F."),
        ]);
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["error"]["param"], "duration");
        assert_eq!(v["error"]["message"], "D. F.");
        assert_eq!(v["error"]["details"][1]["field"], "framerate");
    }
}
