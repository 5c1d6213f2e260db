//! The frontier-model providers data may be sent to: their wire format and where and how
//! to call them (never a key: keys live in the OS keyring). How each format builds a
//! request and reads an answer is the insights feature's (`insights::provider`).

use serde::{Deserialize, Serialize};

/// The wire formats Tally speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// OpenAI-compatible Chat Completions (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio).
    Openai,
    /// Azure OpenAI: Chat Completions with an `api-key` header; the base URL is the
    /// deployment URL with its `?api-version=…`.
    AzureOpenai,
    /// Anthropic Messages.
    Anthropic,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::AzureOpenai => "azure-openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        [ProviderKind::Openai, ProviderKind::AzureOpenai, ProviderKind::Anthropic].into_iter().find(|k| k.as_str() == s)
    }

    /// Whether requests need an API key (local OpenAI-compatible servers often don't).
    pub fn requires_key(self) -> bool {
        !matches!(self, ProviderKind::Openai)
    }
}

/// A configured provider: where it is and how to call it. Never holds the key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderSettings {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub model: String,
    /// Cap on the tokens of an answer.
    pub max_tokens: u32,
    /// Per-attempt timeout.
    pub timeout_secs: u32,
    /// Retries after a 429 or 5xx answer.
    pub max_retries: u32,
    /// First backoff delay; doubled per retry, with jitter.
    pub retry_base_ms: u32,
}

pub const DEFAULT_MAX_TOKENS: u32 = 800;
pub const DEFAULT_TIMEOUT_SECS: u32 = 60;
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_RETRY_BASE_MS: u32 = 1000;

impl ProviderSettings {
    /// Settings with the default limits.
    pub fn new(name: String, kind: ProviderKind, base_url: String, model: String) -> ProviderSettings {
        ProviderSettings {
            name,
            kind,
            base_url,
            model,
            max_tokens: DEFAULT_MAX_TOKENS,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_base_ms: DEFAULT_RETRY_BASE_MS,
        }
    }
}
