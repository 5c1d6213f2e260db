//! Frontier-model insights: providers and their keys, the ledger, preview and send.

use super::*;

impl App {
    /// Adds or changes a provider; a key, when given, goes to the OS keyring only.
    pub async fn save_provider(&self, edit: ProviderEdit) -> UiResult<Settings> {
        let kind = ProviderKind::parse(&edit.kind)
            .ok_or_else(|| UiError::field("provider.kind", "choose openai, azure-openai or anthropic"))?;
        let settings = ProviderSettings {
            name: edit.name.trim().to_string(),
            kind,
            base_url: edit.base_url.trim().to_string(),
            model: edit.model.trim().to_string(),
            max_tokens: edit.max_tokens.unwrap_or(crate::outbound::provider::DEFAULT_MAX_TOKENS),
            timeout_secs: edit.timeout_secs.unwrap_or(crate::outbound::provider::DEFAULT_TIMEOUT_SECS),
            max_retries: crate::outbound::provider::DEFAULT_MAX_RETRIES,
            retry_base_ms: crate::outbound::provider::DEFAULT_RETRY_BASE_MS,
        };
        if let Err(e) = settings.validate() {
            let field = match &e {
                insights::provider::ProviderError::Settings { field, .. } => format!("provider.{field}"),
                _ => "provider".into(),
            };
            return Err(UiError::field(field, e.to_string()));
        }
        let key = match edit.key.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(Secret::new(k).map_err(|e| UiError::field("provider.key", e.to_string()))?),
            None => None,
        };
        if let Some(key) = &key {
            let secrets = SecretStore::open(BackendChoice::from_env()?)?;
            secrets
                .set(&provider_key_name(&settings.name), key)
                .map_err(|e| UiError::field("provider.key", e.to_string()))?;
        }
        self.store().await.set_provider(&settings, edit.make_default).await?;
        self.settings_with_providers().await
    }

    pub async fn delete_provider_key(&self, name: &str) -> UiResult<Settings> {
        SecretStore::open(BackendChoice::from_env()?)?.delete(&provider_key_name(name))?;
        self.settings_with_providers().await
    }

    pub async fn ledger(&self, limit: u32) -> UiResult<Vec<LedgerEntry>> {
        Ok(self.store().await.ledger(limit).await?)
    }

    /// The exact request `insights_send` would make for the last complete week.
    pub async fn insights_preview(&self, provider: Option<String>) -> UiResult<InsightPreview> {
        let (config, period) = self.insight_period().await?;
        let analyzer = self.analyzer().await;
        let p =
            insights::preview(&self.store().await, &analyzer, &config.insights, provider.as_deref(), &period).await?;
        Ok(InsightPreview::of(p, period.monday))
    }

    /// Sends the last complete week's summary: only on the employee's own click.
    pub async fn insights_send(&self, provider: Option<String>) -> UiResult<LedgerEntry> {
        let (config, period) = self.insight_period().await?;
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        let analyzer = self.analyzer().await;
        let store = self.store().await;
        let sent =
            insights::send(&store, &analyzer, &secrets, &self.http, &config.insights, provider.as_deref(), &period)
                .await?;
        Ok(sent.entry)
    }

    async fn insight_period(&self) -> UiResult<(Config, Period)> {
        let config = self.config().await;
        let zone = Self::zone(&config)?;
        let monday = summary::last_complete_week(report::today(&zone));
        Ok((config, Period { monday, zone }))
    }
}

/// A provider as the Settings form sends it; `key` goes to the keyring only.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderEdit {
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub model: String,
    pub max_tokens: Option<u32>,
    pub timeout_secs: Option<u32>,
    pub key: Option<String>,
    #[serde(default)]
    pub make_default: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InsightPreview {
    pub provider: Option<String>,
    pub endpoint: Option<String>,
    pub body: String,
    pub sha256: String,
    pub findings: Vec<String>,
    pub week: NaiveDate,
}

impl InsightPreview {
    /// What the UI shows of a preview of the week starting `week`.
    pub(super) fn of(p: insights::Preview, week: NaiveDate) -> InsightPreview {
        InsightPreview {
            provider: p.provider.map(|s| s.name),
            endpoint: p.endpoint,
            body: String::from_utf8_lossy(&p.body).into_owned(),
            sha256: p.sha256,
            findings: p.findings.iter().map(ToString::to_string).collect(),
            week,
        }
    }
}
