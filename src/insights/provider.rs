//! Frontier-model providers behind one trait: each knows its endpoint, its request body,
//! its auth headers and how to read an answer. The HTTP exchange itself (timeouts,
//! retries) is shared, in [`super::client`].

use super::InsightRequest;
use crate::analyze::Analyzer;
use crate::outbound::provider::{ProviderKind, ProviderSettings};
use crate::secrets::Secret;
use serde_json::json;

impl ProviderSettings {
    /// Checks the settings a user typed, naming the field that is wrong.
    pub fn validate(&self) -> Result<(), ProviderError> {
        let bad = |field: &'static str, why: String| Err(ProviderError::Settings { field, why });
        if self.name.is_empty()
            || self.name.len() > 64
            || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return bad("name", "use 1–64 letters, digits, '-', '_' or '.'".into());
        }
        match reqwest::Url::parse(&self.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                if !url.username().is_empty() || url.password().is_some() {
                    return bad("base_url", "must not contain credentials; keys go in the keyring".into());
                }
            }
            _ => return bad("base_url", "must be an http:// or https:// URL".into()),
        }
        if self.model.trim().is_empty() || self.model.len() > 200 {
            return bad("model", "must be a model name of 1–200 characters".into());
        }
        if !(1..=32_000).contains(&self.max_tokens) {
            return bad("max_tokens", "must be between 1 and 32000".into());
        }
        if !(1..=600).contains(&self.timeout_secs) {
            return bad("timeout_secs", "must be between 1 and 600 seconds".into());
        }
        if self.max_retries > 10 {
            return bad("max_retries", "must be at most 10".into());
        }
        if self.retry_base_ms > 60_000 {
            return bad("retry_base_ms", "must be at most 60000".into());
        }
        Ok(())
    }

    /// The wire format of these settings.
    pub fn provider(&self) -> Box<dyn Provider> {
        match self.kind {
            ProviderKind::Openai | ProviderKind::AzureOpenai => Box::new(ChatCompletions { settings: self.clone() }),
            ProviderKind::Anthropic => Box::new(AnthropicMessages { settings: self.clone() }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("provider setting `{field}`: {why}")]
    Settings { field: &'static str, why: String },
    #[error("provider `{provider}` needs an API key: set one with `tally provider set-key {provider}`")]
    MissingKey { provider: String },
    #[error("the API key cannot be sent in an HTTP header (it has characters headers do not allow)")]
    KeyNotHeaderSafe,
    #[error(
        "provider `{provider}` refused the request (HTTP {status}): the API key is missing, wrong or lacks access; \
         set it with `tally provider set-key {provider}`"
    )]
    Unauthorized { provider: String, status: u16 },
    #[error("provider `{provider}` answered HTTP 404: check its base_url ({base_url}) and model ({model})")]
    NotFound { provider: String, base_url: String, model: String },
    #[error("provider `{provider}` answered HTTP {status} after {attempts} attempt(s){detail}")]
    Status { provider: String, status: u16, attempts: u32, detail: String },
    #[error("provider `{provider}` asked to wait {seconds} s before retrying (Retry-After), longer than the {limit} s Tally waits")]
    RetryAfterTooLong { provider: String, seconds: u64, limit: u64 },
    #[error("provider `{provider}` did not answer within {seconds} s (timeout_secs)")]
    Timeout { provider: String, seconds: u32 },
    #[error("cannot reach provider `{provider}` at {base_url}: {detail}")]
    Connect { provider: String, base_url: String, detail: String },
    #[error("provider `{provider}` answered with a body that is not a valid {format} response ({bytes} bytes): {why}")]
    InvalidAnswer { provider: String, format: &'static str, bytes: usize, why: String },
}

impl ProviderError {
    /// A stable name for the kind of failure; the ledger keeps it before the message.
    pub fn kind(&self) -> &'static str {
        match self {
            ProviderError::Settings { .. } => "settings",
            ProviderError::MissingKey { .. } => "missing-key",
            ProviderError::KeyNotHeaderSafe => "key-not-header-safe",
            ProviderError::Unauthorized { .. } => "unauthorized",
            ProviderError::NotFound { .. } => "not-found",
            ProviderError::Status { .. } => "http-status",
            ProviderError::RetryAfterTooLong { .. } => "retry-after-too-long",
            ProviderError::Timeout { .. } => "timeout",
            ProviderError::Connect { .. } => "connect",
            ProviderError::InvalidAnswer { .. } => "invalid-answer",
        }
    }

    /// The same error with the text that did not come from Tally (a provider's error
    /// message, a transport's or parser's description, which may quote the answer) run
    /// through the analyzer like an answer, so it can be stored and shown.
    pub fn redacted(self, analyzer: &Analyzer) -> ProviderError {
        let redact = |text: String| {
            if text.is_empty() {
                text
            } else {
                analyzer.redact_document(&text).redacted.as_str().to_string()
            }
        };
        match self {
            ProviderError::Status { provider, status, attempts, detail } => {
                ProviderError::Status { provider, status, attempts, detail: redact(detail) }
            }
            ProviderError::Connect { provider, base_url, detail } => {
                ProviderError::Connect { provider, base_url, detail: redact(detail) }
            }
            ProviderError::InvalidAnswer { provider, format, bytes, why } => {
                ProviderError::InvalidAnswer { provider, format, bytes, why: redact(why) }
            }
            other => other,
        }
    }
}

/// One provider's wire format.
pub trait Provider: Send + Sync {
    fn settings(&self) -> &ProviderSettings;
    /// The URL requests are POSTed to.
    fn endpoint(&self) -> Result<reqwest::Url, ProviderError>;
    /// The request body: exactly the bytes the outbound gate checks, the ledger keeps
    /// and the preview shows.
    fn body(&self, request: &InsightRequest) -> Vec<u8>;
    /// Headers besides `content-type`; the key goes only here.
    fn headers(&self, key: Option<&Secret>) -> Result<Vec<(&'static str, String)>, ProviderError>;
    /// The answer's text, from a 2xx body.
    fn answer(&self, body: &[u8]) -> Result<String, ProviderError>;
    /// Headers as the preview shows them, the key replaced by where it comes from.
    fn preview_headers(&self) -> Vec<(&'static str, String)>;
}

fn join_path(base: &str, tail: &str) -> Result<reqwest::Url, ProviderError> {
    let mut url = reqwest::Url::parse(base)
        .map_err(|_| ProviderError::Settings { field: "base_url", why: "must be an http:// or https:// URL".into() })?;
    let path = format!("{}/{}", url.path().trim_end_matches('/'), tail);
    url.set_path(&path);
    Ok(url)
}

fn invalid(settings: &ProviderSettings, format: &'static str, bytes: usize, why: impl Into<String>) -> ProviderError {
    ProviderError::InvalidAnswer { provider: settings.name.clone(), format, bytes, why: why.into() }
}

fn header_safe(key: &Secret) -> Result<String, ProviderError> {
    let value = key.expose();
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(value.to_string())
    } else {
        Err(ProviderError::KeyNotHeaderSafe)
    }
}

/// OpenAI-compatible Chat Completions (and Azure OpenAI).
pub struct ChatCompletions {
    settings: ProviderSettings,
}

impl Provider for ChatCompletions {
    fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    fn endpoint(&self) -> Result<reqwest::Url, ProviderError> {
        join_path(&self.settings.base_url, "chat/completions")
    }

    fn body(&self, request: &InsightRequest) -> Vec<u8> {
        let mut body = json!({
            "model": self.settings.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "max_tokens": self.settings.max_tokens,
            "temperature": 0.2,
        });
        if self.settings.kind == ProviderKind::AzureOpenai {
            // Azure picks the model by deployment URL.
            body.as_object_mut().map(|o| o.remove("model"));
        }
        serde_json::to_vec_pretty(&body).unwrap_or_default()
    }

    fn headers(&self, key: Option<&Secret>) -> Result<Vec<(&'static str, String)>, ProviderError> {
        match (self.settings.kind, key) {
            (ProviderKind::AzureOpenai, Some(key)) => Ok(vec![("api-key", header_safe(key)?)]),
            (_, Some(key)) => Ok(vec![("authorization", format!("Bearer {}", header_safe(key)?))]),
            (ProviderKind::Openai, None) => Ok(Vec::new()),
            (_, None) => Err(ProviderError::MissingKey { provider: self.settings.name.clone() }),
        }
    }

    fn answer(&self, body: &[u8]) -> Result<String, ProviderError> {
        let format = "Chat Completions";
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| invalid(&self.settings, format, body.len(), e.to_string()))?;
        value["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| invalid(&self.settings, format, body.len(), "no `choices[0].message.content` string"))
    }

    fn preview_headers(&self) -> Vec<(&'static str, String)> {
        match self.settings.kind {
            ProviderKind::AzureOpenai => vec![("api-key", "<API key from the OS keyring>".into())],
            _ => vec![("authorization", "Bearer <API key from the OS keyring, if set>".into())],
        }
    }
}

/// The `anthropic-version` Tally speaks.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Anthropic Messages.
pub struct AnthropicMessages {
    settings: ProviderSettings,
}

impl Provider for AnthropicMessages {
    fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    fn endpoint(&self) -> Result<reqwest::Url, ProviderError> {
        join_path(&self.settings.base_url, "v1/messages")
    }

    fn body(&self, request: &InsightRequest) -> Vec<u8> {
        let body = json!({
            "model": self.settings.model,
            "max_tokens": self.settings.max_tokens,
            "system": request.system,
            "messages": [{"role": "user", "content": request.user}],
            "temperature": 0.2,
        });
        serde_json::to_vec_pretty(&body).unwrap_or_default()
    }

    fn headers(&self, key: Option<&Secret>) -> Result<Vec<(&'static str, String)>, ProviderError> {
        let key = key.ok_or_else(|| ProviderError::MissingKey { provider: self.settings.name.clone() })?;
        Ok(vec![("x-api-key", header_safe(key)?), ("anthropic-version", ANTHROPIC_VERSION.into())])
    }

    fn answer(&self, body: &[u8]) -> Result<String, ProviderError> {
        let format = "Anthropic Messages";
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| invalid(&self.settings, format, body.len(), e.to_string()))?;
        let parts = value["content"]
            .as_array()
            .ok_or_else(|| invalid(&self.settings, format, body.len(), "no `content` array"))?;
        let text: Vec<&str> = parts.iter().filter(|p| p["type"] == "text").filter_map(|p| p["text"].as_str()).collect();
        if text.is_empty() {
            return Err(invalid(&self.settings, format, body.len(), "no text block in `content`"));
        }
        Ok(text.concat())
    }

    fn preview_headers(&self) -> Vec<(&'static str, String)> {
        vec![("x-api-key", "<API key from the OS keyring>".into()), ("anthropic-version", ANTHROPIC_VERSION.into())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(kind: ProviderKind, base_url: &str) -> ProviderSettings {
        ProviderSettings {
            name: "p".into(),
            kind,
            base_url: base_url.into(),
            model: "m".into(),
            max_tokens: 100,
            timeout_secs: 5,
            max_retries: 1,
            retry_base_ms: 10,
        }
    }

    #[test]
    fn endpoints_join_paths_and_keep_queries() {
        let cases = [
            (ProviderKind::Openai, "https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"),
            (ProviderKind::Openai, "http://127.0.0.1:11434/v1/", "http://127.0.0.1:11434/v1/chat/completions"),
            (
                ProviderKind::AzureOpenai,
                "https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
                "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
            ),
            (ProviderKind::Anthropic, "https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
        ];
        for (kind, base, want) in cases {
            assert_eq!(settings(kind, base).provider().endpoint().unwrap().as_str(), want, "{base}");
        }
    }

    #[test]
    fn answers_are_read_and_bad_ones_named() {
        let openai = settings(ProviderKind::Openai, "http://h/v1").provider();
        assert_eq!(openai.answer(br#"{"choices":[{"message":{"role":"assistant","content":"hi"}}]}"#).unwrap(), "hi");
        let err = openai.answer(b"<html>").unwrap_err().to_string();
        assert!(err.contains("not a valid Chat Completions response (6 bytes)"), "{err}");
        let anthropic = settings(ProviderKind::Anthropic, "http://h").provider();
        let ok = br#"{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#;
        assert_eq!(anthropic.answer(ok).unwrap(), "ab");
        assert!(anthropic.answer(br#"{"content":[]}"#).is_err());
    }

    #[test]
    fn keys_go_only_in_headers_and_missing_ones_are_named() {
        let key = Secret::new("sk-abc").unwrap();
        let anthropic = settings(ProviderKind::Anthropic, "http://h").provider();
        assert!(matches!(anthropic.headers(None), Err(ProviderError::MissingKey { .. })));
        assert_eq!(anthropic.headers(Some(&key)).unwrap()[0], ("x-api-key", "sk-abc".to_string()));
        let openai = settings(ProviderKind::Openai, "http://h").provider();
        assert!(openai.headers(None).unwrap().is_empty(), "local servers need no key");
        let body = String::from_utf8(openai.body(&InsightRequest { system: "s".into(), user: "u".into() })).unwrap();
        assert!(!body.contains("sk-abc"));
    }

    #[test]
    fn text_from_outside_in_an_error_is_redacted_and_tallys_own_words_are_kept() {
        let analyzer = Analyzer::rules_only();
        let status = ProviderError::Status {
            provider: "p".into(),
            status: 400,
            attempts: 1,
            detail: ": quota exceeded for ana.lima@example.org".into(),
        };
        assert_eq!(status.kind(), "http-status");
        let redacted = status.redacted(&analyzer).to_string();
        assert_eq!(redacted, "provider `p` answered HTTP 400 after 1 attempt(s): quota exceeded for <EMAIL>");
        let invalid = invalid(&settings(ProviderKind::Openai, "http://h"), "JSON", 9, "saw ana.lima@example.org");
        assert!(invalid.redacted(&analyzer).to_string().ends_with("(9 bytes): saw <EMAIL>"));
        let connect =
            ProviderError::Connect { provider: "p".into(), base_url: "http://h".into(), detail: String::new() };
        assert_eq!(connect.kind(), "connect");
        assert_eq!(connect.redacted(&analyzer).to_string(), "cannot reach provider `p` at http://h: ");
    }

    #[test]
    fn settings_errors_name_the_field() {
        let mut s = settings(ProviderKind::Openai, "ftp://h");
        assert!(s.validate().unwrap_err().to_string().contains("`base_url`"));
        s.base_url = "https://user:pw@h/v1".into();
        assert!(s.validate().unwrap_err().to_string().contains("credentials"));
        s.base_url = "https://h/v1".into();
        s.max_tokens = 0;
        assert!(s.validate().unwrap_err().to_string().contains("`max_tokens`"));
    }
}
