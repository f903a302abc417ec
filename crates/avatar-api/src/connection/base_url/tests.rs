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
