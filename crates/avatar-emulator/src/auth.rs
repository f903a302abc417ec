//! Bearer keys: reading `Authorization: Bearer sk_...` and checking that
//! the key exists in the ledger.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::error::AppError;
use crate::state::AppState;

/// The key of an `Authorization: Bearer sk_...` header, if well formed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && token.len() > 3
        && token.starts_with("sk_")
        && !token.chars().any(|c| c.is_whitespace() || c.is_control());
    well_formed.then_some(token)
}

/// A key this emulator knows, from the `Authorization` header.
pub struct ApiKey(pub String);

impl FromRequestParts<Arc<AppState>> for ApiKey {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<ApiKey, AppError> {
        let key = bearer(&parts.headers).ok_or(AppError::MissingKey)?;
        if state.store().accounts.contains_key(key) {
            Ok(ApiKey(key.to_owned()))
        } else {
            Err(AppError::InvalidKey)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_well_formed_bearer_keys_are_read() {
        assert_eq!(bearer(&auth("Bearer sk_demo")), Some("sk_demo"));
        assert_eq!(bearer(&auth("bearer  sk_demo ")), Some("sk_demo"));
        for bad in [
            "Bearer",
            "Bearer sk_",
            "Bearer abc",
            "Basic sk_demo",
            "sk_demo",
            "Bearer sk_a b",
        ] {
            assert_eq!(bearer(&auth(bad)), None, "{bad}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
