//! Whether the API key would travel without encryption.

use std::fmt;

use super::base_url::{is_loopback, split_host_port};

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

#[cfg(test)]
mod tests {
    use super::*;

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
