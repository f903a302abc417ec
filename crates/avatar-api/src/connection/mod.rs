//! Where the API is and the key sent to it: the two values a user pastes
//! into Settings, checked before anything is sent.
//!
//! - [`normalize_base`]: the API base URL must be an absolute `https://`
//!   URL (`http://` only for this computer: `127.0.0.0/8`, `localhost`,
//!   `[::1]`), without query, fragment or credentials. A trailing `/api/v2`
//!   or `/api/v2/avatar` (the page adds those itself) and trailing slashes
//!   are stripped, and the caller can say so ([`Base::note`]). An empty base
//!   means "this site" (a same-origin proxy) and is allowed only where the
//!   deployment says so.
//! - [`normalize_deployment_base`]: the base a deployment configures. The
//!   same rules, except that plain `http://` to any host is the deployer's
//!   choice (e.g. an intranet); [`key_in_clear`] then says where the key
//!   would travel without encryption, so the page can warn.
//! - [`clean_key`]: what a paste carries around a key (whitespace and line
//!   breaks, zero-width characters, a `Bearer ` prefix, quotes) is removed;
//!   a key that still cannot travel in an `Authorization` header (anything
//!   outside printable ASCII, or the masked key "Copy as curl" shows) is
//!   refused with a sentence.
//!
//! Every error's `Display` is the sentence the user reads.
//!
//! Where each part lives: `base_url` (the base URL rules), `clear_text`
//! ([`key_in_clear`]) and `api_key` ([`clean_key`]). Everything public is
//! re-exported here.

mod api_key;
mod base_url;
mod clear_text;

pub use api_key::{CleanKey, KeyError, clean_key};
pub use base_url::{API_PREFIX, Base, BaseUrlError, normalize_base, normalize_deployment_base};
pub use clear_text::{ClearTextKey, key_in_clear};
