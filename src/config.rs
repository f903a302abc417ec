//! The deployment's `config.json`, read at start beside `index.html`, so one
//! build serves any API.

use avatar_api::connection::{BaseUrlError, normalize_deployment_base};
use serde::Deserialize;
use wasm_bindgen::JsCast;

/// How the page authenticates to the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// The user brings their own key (kept in the browser).
    #[default]
    Key,
    /// A same-origin proxy adds the key: the page asks for none and sends none.
    Proxy,
}

/// One "Try a sample" entry for the single-portrait models.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Sample {
    /// What the sample is, e.g. "Portrait 1 · short speech".
    #[serde(default)]
    pub label: String,
    /// Portrait URL.
    pub image_url: String,
    /// Speech URL.
    pub audio_url: String,
}

/// A reference voice the deployment offers for speech from a script.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Voice {
    /// What it sounds like, e.g. "Voice 1 · calm".
    #[serde(default)]
    pub label: String,
    /// The recording.
    pub url: String,
}

/// The sample for Dual Avatar.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct DualSample {
    /// Image with both people.
    pub dual_image_url: String,
    /// Mixed conversation.
    pub audio_mix_url: String,
    /// Speaker 1's track.
    pub audio1_url: String,
    /// Speaker 2's track.
    pub audio2_url: String,
}

/// The contents of `config.json`. Unknown fields are ignored; everything
/// but `api_base` is optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Config {
    /// Base URL of the API, e.g. `https://api.aiclonevoicefree.com`
    /// (normalized by [`normalize_deployment_base`]: a trailing `/api/v2`
    /// is stripped; plain `http://` is allowed, and the page warns); empty
    /// means the page's own origin (a same-origin proxy).
    pub api_base: String,
    /// Key or proxy.
    #[serde(default)]
    pub auth: AuthMode,
    /// Media for "Try a sample".
    #[serde(default)]
    pub samples: Vec<Sample>,
    /// Media for "Try a sample" with Dual Avatar.
    #[serde(default)]
    pub dual_sample: Option<DualSample>,
    /// A source video for AI Avatar's video input.
    #[serde(default)]
    pub video_sample: Option<String>,
    /// Reference voices offered for speech from a script.
    #[serde(default)]
    pub voices: Vec<Voice>,
}

/// Why the configuration could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file did not load.
    #[error(
        "The page's configuration (config.json) could not be loaded{0}. Reload the page; if it persists, the site is misconfigured."
    )]
    Unreachable(String),
    /// The file is not what the page expects.
    #[error("The page's configuration (config.json) is not valid: {0}.")]
    Invalid(String),
    /// `api_base` is not a usable base URL.
    #[error("The page's configuration (config.json) has an unusable api_base “{input}”: {error}")]
    BadApiBase {
        /// What the file says.
        input: String,
        /// Why it cannot be used.
        error: BaseUrlError,
    },
}

impl Config {
    /// Parses `config.json`. `api_base` goes through
    /// [`normalize_deployment_base`] (empty: same origin; plain `http://`
    /// to any host: the deployer's choice).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut config: Config =
            serde_json::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.api_base = normalize_deployment_base(&config.api_base)
            .map_err(|error| ConfigError::BadApiBase {
                input: config.api_base.clone(),
                error,
            })?
            .url;
        Ok(config)
    }

    /// Loads `config.json` relative to the page, so the app works under any sub-path.
    pub async fn load() -> Result<Config, ConfigError> {
        let response = match prefetched() {
            Some(request) => wasm_bindgen_futures::JsFuture::from(request)
                .await
                .ok()
                .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
                .map(gloo_net::http::Response::from),
            None => gloo_net::http::Request::get("config.json")
                .cache(web_sys::RequestCache::NoCache)
                .send()
                .await
                .ok(),
        }
        .ok_or_else(|| ConfigError::Unreachable(String::new()))?;
        if !response.ok() {
            return Err(ConfigError::Unreachable(format!(
                " (HTTP {})",
                response.status()
            )));
        }
        let text = response
            .text()
            .await
            .map_err(|_| ConfigError::Unreachable(String::new()))?;
        Config::parse(&text)
    }
}

/// The `config.json` request `boot.js` started while the code downloaded
/// (taken once: a later load fetches again).
fn prefetched() -> Option<js_sys::Promise> {
    const NAME: &str = "avatarStudioConfig";
    let global = js_sys::global();
    let request = js_sys::Reflect::get(&global, &NAME.into()).ok()?;
    let _ = js_sys::Reflect::delete_property(&global, &NAME.into());
    request.dyn_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_is_key_mode_without_samples() {
        let c = Config::parse(r#"{"api_base": "http://127.0.0.1:8787", "extra": 1}"#).unwrap();
        assert_eq!(c.auth, AuthMode::Key);
        assert!(c.samples.is_empty() && c.dual_sample.is_none());
    }

    #[test]
    fn proxy_mode_and_samples_parse() {
        let c = Config::parse(
            r#"{"api_base": "", "auth": "proxy",
                "samples": [{"label": "A", "image_url": "https://x/p.png", "audio_url": "https://x/s.mp3"}]}"#,
        )
        .unwrap();
        assert_eq!(c.auth, AuthMode::Proxy);
        assert_eq!(c.samples[0].label, "A");
    }

    #[test]
    fn api_base_is_normalized_or_refused_with_the_sentence() {
        let c =
            Config::parse(r#"{"api_base": "https://api.aiclonevoicefree.com/api/v2/"}"#).unwrap();
        assert_eq!(c.api_base, "https://api.aiclonevoicefree.com");
        let c = Config::parse(r#"{"api_base": "  "}"#).unwrap();
        assert_eq!(c.api_base, "", "empty: same origin");
        let e = Config::parse(r#"{"api_base": "api.example.com"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The page's configuration (config.json) has an unusable api_base “api.example.com”: \
             The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost). \
             Did you mean https://api.example.com?"
        );
        assert!(matches!(
            Config::parse(r#"{"api_base": "ftp://api.example.com"}"#),
            Err(ConfigError::BadApiBase {
                error: BaseUrlError::UnsupportedScheme { .. },
                ..
            })
        ));
        assert!(
            Config::parse(r#"{"api_base": "/api"}"#).is_err(),
            "a path is not a base"
        );
        let shipped = include_str!("../public/config.json");
        assert!(Config::parse(shipped).is_ok(), "the shipped config.json");
    }

    #[test]
    fn plain_http_to_a_remote_host_is_the_deployers_choice() {
        let c = Config::parse(r#"{"api_base": "http://intranet.example/api/v2"}"#).unwrap();
        assert_eq!(c.api_base, "http://intranet.example");
        let c = Config::parse(r#"{"api_base": "http://127.0.0.1:8787/"}"#).unwrap();
        assert_eq!(c.api_base, "http://127.0.0.1:8787");
    }

    #[test]
    fn missing_api_base_is_reported() {
        let e = Config::parse("{}").unwrap_err();
        assert!(e.to_string().contains("api_base"), "{e}");
    }
}
