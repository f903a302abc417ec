//! The API base URL a user or a deployment gives, checked and normalized.

use std::fmt;

/// The path every endpoint starts with; a base ending with it is doubled.
pub const API_PREFIX: &str = "/api/v2";

/// The sentence shared by the scheme errors.
const HTTPS_RULE: &str = "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost).";

/// A usable API base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The normalized base: `scheme://host[:port][/path]` without a trailing
    /// slash, or empty for "this site".
    pub url: String,
    /// What was stripped from the end because the page adds it itself
    /// (`/api/v2` or `/api/v2/avatar`), if anything.
    pub stripped: Option<String>,
}

impl Base {
    /// True when an API path was stripped from what the user gave.
    pub fn was_stripped(&self) -> bool {
        self.stripped.is_some()
    }

    /// The note to show when something was stripped, e.g. "Using
    /// https://host: the page adds /api/v2/… itself."
    pub fn note(&self) -> Option<String> {
        self.stripped.as_ref().map(|_| {
            let shown = if self.url.is_empty() {
                "this site"
            } else {
                &self.url
            };
            format!("Using {shown}: the page adds {API_PREFIX}/… itself.")
        })
    }
}

/// Why an API base URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUrlError {
    /// Nothing given where a URL is required.
    Empty,
    /// No `scheme://`; `suggestion` is what was probably meant.
    MissingScheme {
        /// e.g. `https://api.example.com` for `api.example.com`.
        suggestion: Option<String>,
    },
    /// A scheme other than `https` / `http`.
    UnsupportedScheme {
        /// The scheme given, lowercased.
        scheme: String,
    },
    /// `http://` to a host that is not this computer.
    InsecureHttp {
        /// The host given.
        host: String,
    },
    /// A `?query` or `#fragment`.
    QueryOrFragment,
    /// `user:password@` in the URL.
    Credentials,
    /// Not a URL at all; the reason.
    NotAUrl(String),
}

impl fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaseUrlError::Empty => {
                f.write_str("Enter the API base URL, e.g. https://api.example.com.")
            }
            BaseUrlError::MissingScheme { suggestion: None } => f.write_str(HTTPS_RULE),
            BaseUrlError::MissingScheme {
                suggestion: Some(s),
            } => write!(f, "{HTTPS_RULE} Did you mean {s}?"),
            BaseUrlError::UnsupportedScheme { scheme } => {
                write!(f, "{HTTPS_RULE} “{scheme}:” addresses cannot be used.")
            }
            BaseUrlError::InsecureHttp { host } => write!(
                f,
                "{HTTPS_RULE} {host} is not this computer: use https://{host}."
            ),
            BaseUrlError::QueryOrFragment => f.write_str(
                "The API base URL cannot have a ?query or #fragment: give only https://host (and the path the API lives under, if any).",
            ),
            BaseUrlError::Credentials => f.write_str(
                "The API base URL cannot carry a user name or password (…@): the key goes in the API key field.",
            ),
            BaseUrlError::NotAUrl(reason) => write!(f, "That is not a URL: {reason}."),
        }
    }
}

impl std::error::Error for BaseUrlError {}

/// Checks and normalizes an API base URL a user gives (see the
/// [`connection`](super) docs).
/// `allow_empty`: an empty input means "this site" (a same-origin proxy).
pub fn normalize_base(input: &str, allow_empty: bool) -> Result<Base, BaseUrlError> {
    normalize(input, allow_empty, false)
}

/// Checks and normalizes the API base URL a deployment configures: as
/// [`normalize_base`] with empty allowed (this site), but plain `http://`
/// is allowed to any host, the deployer's choice. Whether the key then
/// travels in clear text is [`key_in_clear`](super::key_in_clear)'s answer.
pub fn normalize_deployment_base(input: &str) -> Result<Base, BaseUrlError> {
    normalize(input, true, true)
}

fn normalize(input: &str, allow_empty: bool, remote_http: bool) -> Result<Base, BaseUrlError> {
    let input = input.trim();
    if input.is_empty() {
        return if allow_empty {
            Ok(Base {
                url: String::new(),
                stripped: None,
            })
        } else {
            Err(BaseUrlError::Empty)
        };
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || c.is_control()) {
        let what = if c.is_whitespace() {
            "it contains a space or a line break".to_owned()
        } else {
            format!("it contains the control character U+{:04X}", u32::from(c))
        };
        return Err(BaseUrlError::NotAUrl(what));
    }
    let Some((scheme, rest)) = split_scheme(input) else {
        return Err(BaseUrlError::MissingScheme {
            suggestion: suggest(input),
        });
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(BaseUrlError::UnsupportedScheme { scheme });
    }
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(BaseUrlError::NotAUrl(format!(
            "{scheme}: must be followed by //"
        )));
    };
    if rest.contains(['?', '#']) {
        return Err(BaseUrlError::QueryOrFragment);
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(BaseUrlError::Credentials);
    }
    let (host, port) = split_host_port(authority)?;
    if scheme == "http" && !remote_http && !is_loopback(&host) {
        return Err(BaseUrlError::InsecureHttp { host });
    }
    if let Some(c) = path.chars().find(|c| !is_path_char(*c)) {
        return Err(BaseUrlError::NotAUrl(format!(
            "the path contains “{c}”, which a URL cannot carry as it is"
        )));
    }
    let (path, stripped) = strip_api_path(path);
    let mut url = format!("{scheme}://{host}");
    if let Some(port) = port {
        url.push_str(&format!(":{port}"));
    }
    url.push_str(&path);
    Ok(Base { url, stripped })
}

/// `scheme:rest` when `input` starts with a URL scheme followed by `://`
/// (or by `:` and not a port number, e.g. `mailto:x`).
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let colon = input.find(':')?;
    let (scheme, rest) = (&input[..colon], &input[colon + 1..]);
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    // `host:8787` or `host:8787/path` is a host and port without a scheme.
    let port_like = rest
        .split('/')
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if port_like {
        return None;
    }
    Some((scheme, rest))
}

/// What a scheme-less input probably meant: `https://` for a host name,
/// `http://` for this computer.
fn suggest(input: &str) -> Option<String> {
    if input.starts_with('/') || input.starts_with('.') {
        return None;
    }
    let authority = input.split('/').next().unwrap_or_default();
    let (host, _) = split_host_port(authority).ok()?;
    if !host.contains('.') && !host.starts_with('[') && host != "localhost" {
        return None;
    }
    let trimmed = input.trim_end_matches('/');
    let scheme = if is_loopback(&host) { "http" } else { "https" };
    let url = format!("{scheme}://{trimmed}");
    normalize_base(&url, false).ok().map(|b| b.url)
}

/// Splits `host[:port]` (host lowercased; `[v6]` kept in brackets).
pub(super) fn split_host_port(authority: &str) -> Result<(String, Option<u16>), BaseUrlError> {
    if authority.is_empty() {
        return Err(BaseUrlError::NotAUrl("the host name is missing".into()));
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority
            .find(']')
            .ok_or_else(|| BaseUrlError::NotAUrl(format!("“{authority}” is not a host name")))?;
        let (host, after) = authority.split_at(end + 1);
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(BaseUrlError::NotAUrl(format!(
                "“{host}” is not an IPv6 address"
            )));
        }
        match after {
            "" => (host, None),
            p if p.starts_with(':') => (host, Some(&p[1..])),
            _ => {
                return Err(BaseUrlError::NotAUrl(format!(
                    "“{authority}” is not a host name"
                )));
            }
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                return Err(BaseUrlError::NotAUrl(format!(
                    "the port “{p}” must be a number from 1 to 65535"
                )));
            }
        },
    };
    if !host.starts_with('[') {
        let valid = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(BaseUrlError::NotAUrl(if host.is_empty() {
                "the host name is missing".to_owned()
            } else {
                format!("“{host}” is not a host name")
            }));
        }
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// `localhost`, `127.0.0.0/8` or `[::1]`: this computer.
pub(super) fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host == "[::1]" || host == "[0:0:0:0:0:0:0:1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

/// Characters a URL path may carry as they are (RFC 3986 `pchar` and `/`).
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '/' | '-'
                | '.'
                | '_'
                | '~'
                | '%'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | ':'
                | '@'
        )
}

/// Strips trailing slashes and a trailing `/api/v2` or `/api/v2/avatar`
/// (repeatedly: a pasted endpoint may double it).
fn strip_api_path(path: &str) -> (String, Option<String>) {
    let mut path = path.trim_end_matches('/').to_owned();
    let mut stripped = None;
    loop {
        let lower = path.to_ascii_lowercase();
        let suffix = ["/api/v2/avatar", API_PREFIX]
            .into_iter()
            .find(|s| lower.ends_with(s));
        let Some(suffix) = suffix else { break };
        path.truncate(path.len() - suffix.len());
        path = path.trim_end_matches('/').to_owned();
        stripped = Some(suffix.to_owned());
    }
    (path, stripped)
}

#[cfg(test)]
mod tests;
