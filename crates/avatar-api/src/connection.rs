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

/// Checks and normalizes an API base URL a user gives (see the module docs).
/// `allow_empty`: an empty input means "this site" (a same-origin proxy).
pub fn normalize_base(input: &str, allow_empty: bool) -> Result<Base, BaseUrlError> {
    normalize(input, allow_empty, false)
}

/// Checks and normalizes the API base URL a deployment configures: as
/// [`normalize_base`] with empty allowed (this site), but plain `http://`
/// is allowed to any host, the deployer's choice. Whether the key then
/// travels in clear text is [`key_in_clear`]'s answer.
pub fn normalize_deployment_base(input: &str) -> Result<Base, BaseUrlError> {
    normalize(input, true, true)
}

/// The API key would travel without encryption to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearTextKey {
    /// Where it goes: the API base, or the page's origin for "this site".
    pub to: String,
}

impl fmt::Display for ClearTextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "This deployment sends your API key to {} without encryption: anyone on the network path can read it and spend your credits. Ask whoever runs this site to use https.",
            self.to
        )
    }
}

/// Where the API key would travel unencrypted, if anywhere: `base` (a
/// normalized base) when it is `http://` to a host other than this
/// computer, or, for the empty base ("this site"), `page_origin` (e.g.
/// `location.origin`) when that is.
pub fn key_in_clear(base: &str, page_origin: &str) -> Option<ClearTextKey> {
    let to = if base.is_empty() { page_origin } else { base };
    unencrypted(to).then(|| ClearTextKey { to: to.to_owned() })
}

/// `http://` to a host that is not this computer (an unreadable host
/// counts as not this computer).
fn unencrypted(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = split_host_port(authority).map_or_else(|_| authority.to_owned(), |(h, _)| h);
    !is_loopback(&host)
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
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), BaseUrlError> {
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
fn is_loopback(host: &str) -> bool {
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

/// A key ready for the `Authorization` header, and what was removed from
/// the input to get it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanKey {
    /// The key (empty when nothing but removable characters was given).
    pub key: String,
    /// A `Bearer ` prefix was removed.
    pub bearer: bool,
    /// Quotes around the key were removed.
    pub quotes: bool,
    /// Spaces and tabs removed (anywhere).
    pub spaces: usize,
    /// Line breaks removed (anywhere).
    pub line_breaks: usize,
    /// Zero-width characters removed (U+200B–U+200D, U+2060, U+FEFF).
    pub invisible: usize,
}

impl CleanKey {
    /// True when the input was not exactly the key.
    pub fn changed(&self) -> bool {
        self.bearer || self.quotes || self.spaces + self.line_breaks + self.invisible > 0
    }

    /// What was removed, as a sentence ("Removed a “Bearer ” prefix and 2
    /// spaces."), or `None` when nothing was (or no key is left).
    pub fn note(&self) -> Option<String> {
        if !self.changed() || self.key.is_empty() {
            return None;
        }
        let count = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            self.bearer.then(|| "a “Bearer ” prefix".to_owned()),
            self.quotes.then(|| "the quotes around it".to_owned()),
            count(self.spaces, "space", "spaces"),
            count(self.line_breaks, "line break", "line breaks"),
            count(
                self.invisible,
                "invisible character",
                "invisible characters",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let list = match parts.as_slice() {
            [] => return None,
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        Some(format!("Removed {list}."))
    }
}

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The masked key "Copy as curl" shows (`sk_…cdef`).
    Masked,
    /// A character an `Authorization` header cannot carry.
    BadCharacter(char),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Masked => {
                f.write_str("This is the masked key from Copy as curl; paste the full key.")
            }
            KeyError::BadCharacter(c) => write!(
                f,
                "The key contains {}, which cannot be sent: paste the key again.",
                describe_char(*c)
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// `“ (U+201C)`, or for an invisible character its kind and code point.
fn describe_char(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    if c.is_control() {
        format!("a control character ({code})")
    } else if is_invisible(c) {
        format!("an invisible character ({code})")
    } else {
        format!("{c} ({code})")
    }
}

/// Format and filler characters that show as nothing.
fn is_invisible(c: char) -> bool {
    matches!(u32::from(c),
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xE0000..=0xE0FFF)
}

/// Zero-width characters a paste may carry: removed from keys.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{00AB}'
            | '\u{00BB}'
    )
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Cleans a pasted key (see the module docs) or says why it cannot be used.
pub fn clean_key(input: &str) -> Result<CleanKey, KeyError> {
    let mut out = CleanKey::default();
    let mut s: String = input
        .chars()
        .filter(|c| {
            let zw = is_zero_width(*c);
            out.invisible += usize::from(zw);
            !zw
        })
        .collect();
    // Peel what surrounds the key, in any order: whitespace, quotes, "Bearer ".
    loop {
        let before = s.len();
        let trimmed = s.trim_start();
        count_whitespace(&s[..s.len() - trimmed.len()], &mut out);
        s = trimmed.to_owned();
        let trimmed = s.trim_end();
        count_whitespace(&s[trimmed.len()..], &mut out);
        s.truncate(trimmed.len());
        if let Some(rest) = s.strip_prefix(is_quote) {
            s = rest.to_owned();
            out.quotes = true;
        }
        if let Some(rest) = s.strip_suffix(is_quote) {
            s = rest.to_owned();
            out.quotes = true;
        }
        if s.len() > 6
            && s.is_char_boundary(6)
            && s[..6].eq_ignore_ascii_case("bearer")
            && s[6..].starts_with(char::is_whitespace)
        {
            s = s[6..].trim_start().to_owned();
            out.bearer = true;
        }
        if s.len() == before {
            break;
        }
    }
    // A key never contains whitespace: a line break in the middle is wrapping.
    let inner: String = s.chars().filter(|c| c.is_whitespace()).collect();
    count_whitespace(&inner, &mut out);
    s.retain(|c| !c.is_whitespace());
    if s.contains('…') {
        return Err(KeyError::Masked);
    }
    if let Some(c) = s.chars().find(|c| !matches!(*c, '\x21'..='\x7E')) {
        return Err(KeyError::BadCharacter(c));
    }
    out.key = s;
    Ok(out)
}

fn count_whitespace(removed: &str, out: &mut CleanKey) {
    for c in removed.chars() {
        if c == '\r' {
            // "\r\n" is one line break.
            continue;
        }
        if is_line_break(c) {
            out.line_breaks += 1;
        } else {
            out.spaces += 1;
        }
    }
    // A lone "\r" (old Mac line ending) is a line break too.
    let lone_cr = removed
        .char_indices()
        .filter(|(i, c)| *c == '\r' && !removed[i + 1..].starts_with('\n'))
        .count();
    out.line_breaks += lone_cr;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(input: &str) -> String {
        normalize_base(input, false)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .url
    }

    fn base_err(input: &str) -> BaseUrlError {
        normalize_base(input, false).expect_err(input)
    }

    #[test]
    fn https_bases_are_kept_without_trailing_slashes() {
        assert_eq!(
            base("https://api.aiclonevoicefree.com"),
            "https://api.aiclonevoicefree.com"
        );
        assert_eq!(
            base("  https://api.example.com//  "),
            "https://api.example.com"
        );
        assert_eq!(base("HTTPS://API.Example.COM/"), "https://api.example.com");
        assert_eq!(
            base("https://h.example:8443/proxy/"),
            "https://h.example:8443/proxy"
        );
        let b = normalize_base("https://api.example.com/", false).unwrap();
        assert!(
            !b.was_stripped() && b.note().is_none(),
            "a slash alone is no news"
        );
    }

    #[test]
    fn a_trailing_api_path_is_stripped_with_a_note() {
        for input in [
            "https://api.aiclonevoicefree.com/api/v2",
            "https://api.aiclonevoicefree.com/api/v2/",
            "https://api.aiclonevoicefree.com/api/v2/avatar",
            "https://api.aiclonevoicefree.com/api/v2/avatar/",
            "https://api.aiclonevoicefree.com/API/V2",
            "https://api.aiclonevoicefree.com/api/v2/api/v2",
        ] {
            let b = normalize_base(input, false).unwrap();
            assert_eq!(b.url, "https://api.aiclonevoicefree.com", "{input}");
            assert!(b.was_stripped(), "{input}");
            assert_eq!(
                b.note().unwrap(),
                "Using https://api.aiclonevoicefree.com: the page adds /api/v2/… itself."
            );
        }
        let b = normalize_base("https://example.com/proxy/api/v2/avatar", false).unwrap();
        assert_eq!(b.url, "https://example.com/proxy");
        assert_eq!(b.stripped.as_deref(), Some("/api/v2/avatar"));
        // Only a trailing API path: "/api/v2x" or "/api" are someone's own paths.
        assert_eq!(
            base("https://example.com/api/v2x"),
            "https://example.com/api/v2x"
        );
        assert_eq!(base("https://example.com/api"), "https://example.com/api");
    }

    #[test]
    fn http_is_only_for_this_computer() {
        assert_eq!(base("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert_eq!(base("http://127.1.2.3:1/"), "http://127.1.2.3:1");
        assert_eq!(
            base("http://localhost:8787/api/v2"),
            "http://localhost:8787"
        );
        assert_eq!(base("http://LOCALHOST"), "http://localhost");
        assert_eq!(base("http://[::1]:8787"), "http://[::1]:8787");
        for host in [
            "api.example.com",
            "10.0.0.1",
            "128.0.0.1",
            "127.0.0.1.example.com",
            "localhost.example.com",
        ] {
            let e = base_err(&format!("http://{host}"));
            assert_eq!(e, BaseUrlError::InsecureHttp { host: host.into() });
            assert!(
                e.to_string().starts_with(
                    "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost)."
                ),
                "{e}"
            );
            assert!(
                e.to_string().contains(&format!("use https://{host}")),
                "{e}"
            );
        }
        assert!(matches!(
            base_err("http://127.0.0.256"),
            BaseUrlError::InsecureHttp { .. }
        ));
    }

    #[test]
    fn a_base_without_scheme_is_refused_with_a_suggestion() {
        let e = base_err("api.example.com");
        assert_eq!(
            e,
            BaseUrlError::MissingScheme {
                suggestion: Some("https://api.example.com".into())
            }
        );
        assert_eq!(
            e.to_string(),
            "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost). Did you mean https://api.example.com?"
        );
        assert_eq!(
            base_err("127.0.0.1:8787"),
            BaseUrlError::MissingScheme {
                suggestion: Some("http://127.0.0.1:8787".into())
            }
        );
        assert_eq!(
            base_err("localhost:8787/api/v2"),
            BaseUrlError::MissingScheme {
                suggestion: Some("http://localhost:8787".into())
            }
        );
        // A same-origin path is no API base: a static host answers it with HTML.
        for input in ["/api/v2", "/proxy", "api", "./x", "//api.example.com"] {
            let e = base_err(input);
            assert_eq!(
                e,
                BaseUrlError::MissingScheme { suggestion: None },
                "{input}"
            );
            assert_eq!(
                e.to_string(),
                "The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost)."
            );
        }
    }

    #[test]
    fn other_schemes_queries_fragments_and_credentials_are_refused() {
        assert_eq!(
            base_err("ftp://api.example.com"),
            BaseUrlError::UnsupportedScheme {
                scheme: "ftp".into()
            }
        );
        assert!(
            base_err("javascript:alert(1)")
                .to_string()
                .contains("“javascript:” addresses cannot be used.")
        );
        assert_eq!(
            base_err("https://api.example.com/?x=1"),
            BaseUrlError::QueryOrFragment
        );
        assert_eq!(
            base_err("https://api.example.com#top"),
            BaseUrlError::QueryOrFragment
        );
        assert_eq!(
            base_err("https://user:pw@api.example.com"),
            BaseUrlError::Credentials
        );
        assert!(
            BaseUrlError::Credentials
                .to_string()
                .contains("user name or password")
        );
    }

    #[test]
    fn what_is_not_a_url_says_why() {
        for (input, why) in [
            ("https://", "That is not a URL: the host name is missing."),
            (
                "https:///api/v2",
                "That is not a URL: the host name is missing.",
            ),
            (
                "https:api.example.com",
                "That is not a URL: https: must be followed by //.",
            ),
            (
                "https://api example.com",
                "That is not a URL: it contains a space or a line break.",
            ),
            (
                "https://api..example.com",
                "That is not a URL: “api..example.com” is not a host name.",
            ),
            (
                "https://-x.example.com",
                "That is not a URL: “-x.example.com” is not a host name.",
            ),
            (
                "https://api.example.com:0",
                "That is not a URL: the port “0” must be a number from 1 to 65535.",
            ),
            (
                "https://api.example.com:99999",
                "That is not a URL: the port “99999” must be a number from 1 to 65535.",
            ),
            (
                "https://api.example.com:",
                "That is not a URL: the port “” must be a number from 1 to 65535.",
            ),
            (
                "https://[::1",
                "That is not a URL: “[::1” is not a host name.",
            ),
            (
                "https://[zz]",
                "That is not a URL: “[zz]” is not an IPv6 address.",
            ),
            (
                "https://exämple.com",
                "That is not a URL: “exämple.com” is not a host name.",
            ),
            (
                "https://example.com/a b",
                "That is not a URL: it contains a space or a line break.",
            ),
            (
                "https://example.com/a\"b",
                "That is not a URL: the path contains “\"”, which a URL cannot carry as it is.",
            ),
        ] {
            assert_eq!(base_err(input).to_string(), why, "{input}");
        }
    }

    #[test]
    fn empty_means_this_site_only_when_allowed() {
        assert_eq!(
            normalize_base("  ", true).unwrap(),
            Base {
                url: String::new(),
                stripped: None
            }
        );
        assert_eq!(base_err(""), BaseUrlError::Empty);
        assert_eq!(
            BaseUrlError::Empty.to_string(),
            "Enter the API base URL, e.g. https://api.example.com."
        );
        // Allowing empty does not allow a path.
        assert!(normalize_base("/api/v2", true).is_err());
    }

    #[test]
    fn normalizing_is_idempotent() {
        for input in [
            "https://api.example.com/api/v2/",
            "http://127.0.0.1:8787/",
            "HTTPS://Example.com:8443/Proxy/API/V2/avatar",
            "http://[::1]",
        ] {
            let once = base(input);
            assert_eq!(base(&once), once, "{input}");
        }
    }

    fn key(input: &str) -> CleanKey {
        clean_key(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn a_plain_key_is_kept_as_is() {
        let k = key("sk_demo");
        assert_eq!(k.key, "sk_demo");
        assert!(!k.changed() && k.note().is_none());
        assert_eq!(key("sk_live_AZaz09-._~+/=!").key, "sk_live_AZaz09-._~+/=!");
    }

    #[test]
    fn whitespace_and_line_breaks_are_removed_everywhere() {
        let k = key("  sk_demo\n");
        assert_eq!(k.key, "sk_demo");
        assert_eq!((k.spaces, k.line_breaks), (2, 1));
        assert_eq!(k.note().unwrap(), "Removed 2 spaces and 1 line break.");
        let k = key("\tsk_de\r\nmo\r\n");
        assert_eq!(k.key, "sk_demo");
        assert_eq!((k.spaces, k.line_breaks), (1, 2));
        let k = key("sk_demo\u{00A0}");
        assert_eq!((k.key.as_str(), k.spaces), ("sk_demo", 1));
        assert_eq!(key("sk_demo\r").line_breaks, 1);
        assert_eq!(key(" sk_demo").note().unwrap(), "Removed 1 space.");
    }

    #[test]
    fn zero_width_characters_are_removed() {
        for zw in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'] {
            let k = key(&format!("{zw}sk_de{zw}mo{zw}"));
            assert_eq!(k.key, "sk_demo");
            assert_eq!(k.invisible, 3);
        }
        assert_eq!(
            key("sk_demo\u{200B}").note().unwrap(),
            "Removed 1 invisible character."
        );
    }

    #[test]
    fn a_bearer_prefix_is_removed_in_any_case() {
        for input in [
            "Bearer sk_demo",
            "bearer sk_demo",
            "BEARER   sk_demo",
            "Bearer\tsk_demo",
        ] {
            let k = key(input);
            assert_eq!(k.key, "sk_demo", "{input}");
            assert!(k.bearer && k.spaces == 0, "{input}: {k:?}");
        }
        let k = key("  Bearer sk_demo ");
        assert_eq!(
            k.note().unwrap(),
            "Removed a “Bearer ” prefix and 3 spaces."
        );
        // Only a prefix followed by a space: a key may start with "bearer".
        assert_eq!(key("bearer_sk").key, "bearer_sk");
        assert!(!key("Bearersk").bearer);
    }

    #[test]
    fn surrounding_quotes_are_removed() {
        for input in [
            "\"sk_demo\"",
            "'sk_demo'",
            "“sk_demo”",
            "‘sk_demo’",
            "`sk_demo`",
            "„sk_demo“",
            "\"Bearer sk_demo\"",
            "Bearer “sk_demo”",
            " “ sk_demo ” ",
        ] {
            let k = key(input);
            assert_eq!(k.key, "sk_demo", "{input}");
            assert!(k.quotes, "{input}");
        }
        assert_eq!(
            key("\"Bearer sk_demo\"\n").note().unwrap(),
            "Removed a “Bearer ” prefix, the quotes around it and 1 line break."
        );
    }

    #[test]
    fn the_masked_key_is_refused() {
        for input in ["sk_…cdef", "Bearer sk_…cdef", "'sk_…'"] {
            assert_eq!(clean_key(input), Err(KeyError::Masked), "{input}");
        }
        assert_eq!(
            KeyError::Masked.to_string(),
            "This is the masked key from Copy as curl; paste the full key."
        );
    }

    #[test]
    fn characters_a_header_cannot_carry_are_named() {
        let e = clean_key("sk_de“mo").unwrap_err();
        assert_eq!(e, KeyError::BadCharacter('“'));
        assert_eq!(
            e.to_string(),
            "The key contains “ (U+201C), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk_dé").unwrap_err().to_string(),
            "The key contains é (U+00E9), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{7}demo").unwrap_err().to_string(),
            "The key contains a control character (U+0007), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{200E}demo").unwrap_err().to_string(),
            "The key contains an invisible character (U+200E), which cannot be sent: paste the key again."
        );
        assert_eq!(
            clean_key("sk\u{7F}").unwrap_err(),
            KeyError::BadCharacter('\u{7F}')
        );
        assert_eq!(
            clean_key("sk_😀").unwrap_err(),
            KeyError::BadCharacter('😀')
        );
    }

    #[test]
    fn nothing_but_removable_characters_is_an_empty_key() {
        for input in ["", "   ", "\n", "\u{200B}", "\"\"", " \u{FEFF}\t"] {
            let k = key(input);
            assert_eq!(k.key, "", "{input:?}");
            assert_eq!(k.note(), None);
        }
    }

    #[test]
    fn every_printable_ascii_character_survives() {
        let all: String = ('\x21'..='\x7E').collect();
        // Quotes at the ends are peeled; inside they stay.
        let input = format!("k{all}k");
        assert_eq!(key(&input).key, input);
    }

    #[test]
    fn a_deployment_may_use_plain_http_to_any_host() {
        for (input, url) in [
            ("http://intranet.example/", "http://intranet.example"),
            ("HTTP://10.0.0.1:8080/api/v2", "http://10.0.0.1:8080"),
            ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
            ("https://api.example.com/", "https://api.example.com"),
            ("  ", ""),
        ] {
            assert_eq!(
                normalize_deployment_base(input).unwrap().url,
                url,
                "{input}"
            );
        }
        // Everything else is refused as for a user.
        for input in [
            "intranet.example",
            "ftp://intranet.example",
            "http://user:pw@intranet.example",
            "http://intranet.example/?x",
            "/api",
        ] {
            assert_eq!(
                normalize_deployment_base(input).unwrap_err(),
                normalize_base(input, true).unwrap_err(),
                "{input}"
            );
        }
        // A user still may not.
        assert!(matches!(
            normalize_base("http://intranet.example", true),
            Err(BaseUrlError::InsecureHttp { .. })
        ));
    }

    #[test]
    fn the_key_travels_in_clear_only_over_plain_http_off_this_computer() {
        let page = "https://studio.example";
        let warned = key_in_clear("http://intranet.example", page).unwrap();
        assert_eq!(warned.to, "http://intranet.example");
        assert_eq!(
            warned.to_string(),
            "This deployment sends your API key to http://intranet.example without encryption: \
             anyone on the network path can read it and spend your credits. Ask whoever runs this site to use https."
        );
        assert_eq!(
            key_in_clear("http://10.0.0.1:8080/proxy", page).unwrap().to,
            "http://10.0.0.1:8080/proxy"
        );
        for base in [
            "https://api.example.com",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
        ] {
            assert_eq!(
                key_in_clear(base, "http://intranet.example"),
                None,
                "{base}"
            );
        }
        // This site: the page's own origin decides.
        assert_eq!(
            key_in_clear("", "http://intranet.example:8080").unwrap().to,
            "http://intranet.example:8080"
        );
        for origin in [
            "https://studio.example",
            "http://127.0.0.1:8000",
            "http://localhost",
            "null",
            "",
        ] {
            assert_eq!(key_in_clear("", origin), None, "{origin}");
        }
    }
}
