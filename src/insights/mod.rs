//! Frontier insights (DESIGN §3, §4.3): a de-identified summary of aggregates, sent to a
//! configured LLM provider only after the outbound gate clears it, and recorded in the
//! ledger whatever happens. Local models do the private preprocessing; the frontier
//! model only ever sees what this module built from aggregates.
//!
//! - [`summary`] builds the summary from [`BucketRow`](crate::store::BucketRow)s.
//! - [`provider`] holds the wire formats (OpenAI-compatible, Azure, Anthropic).
//! - [`gate`] is the outbound gate; [`client`] the HTTP exchange with retries.

pub mod client;
pub mod provider;
pub mod summary;

use crate::analyze::Analyzer;
use crate::outbound::gate::{Blocked, Finding, OutboundGate};
use crate::outbound::ledger::{Destination, LedgerPayload, NewLedgerEntry, Outcome};
use crate::outbound::provider::ProviderSettings;
use crate::secrets::{provider_key_name, SecretError, SecretStore};
use crate::store::ledger::LedgerEntry;
use crate::store::{Store, StoreError};
use crate::zone::ReportZone;
use chrono::NaiveDate;
use provider::ProviderError;
use serde::Deserialize;
use summary::{Summary, SummaryError, WorkingHours};

/// The `[insights]` section of the config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsightsConfig {
    #[serde(default)]
    pub working_hours: WorkingHours,
    /// Weeks the summarized week is compared with (default 4).
    pub baseline_weeks: Option<u32>,
    /// Extra instructions appended to the prompt. They pass the outbound gate like
    /// everything else, so a name or address here blocks the send.
    pub extra_instructions: Option<String>,
}

impl InsightsConfig {
    pub fn baseline_weeks(&self) -> u32 {
        self.baseline_weeks.unwrap_or(summary::BASELINE_WEEKS).clamp(1, 26)
    }
}

/// The two messages of a request, whatever the wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightRequest {
    pub system: String,
    pub user: String,
}

const SYSTEM_PROMPT: &str = "You analyse de-identified, aggregated work-pattern data. The data holds only totals \
per activity category and week: no messages, documents, web addresses or personal details. Describe trends and \
their likely effect on focus and wellbeing; never judge, rank or speculate about individuals. Be specific and brief.";

const USER_PROMPT: &str = "Below is a JSON summary of one week of work activity compared with the weekly average \
of the weeks before it. Hours are per week; shares are fractions of active time; sentiment counts are scored \
activity periods. Give 3 to 5 specific, non-judgemental observations about trends in focus time, meeting load, \
context switching, AI-tool use, after-hours work and friction, each with one practical suggestion. Quote the \
numbers you rely on. Do not guess at causes the data cannot show.";

/// Tally's own instructions: compiled in, the same on every install, reviewed here. The
/// outbound gate still scans them but does not count what its model finds inside a
/// verbatim copy (see [`OutboundGate::with_fixed_texts`]).
const FIXED_TEXTS: &[&str] = &[SYSTEM_PROMPT, USER_PROMPT];

/// The request for `summary`: fixed instructions, the optional extra ones, and the
/// summary as pretty JSON. Deterministic.
pub fn request(summary: &Summary, extra_instructions: Option<&str>) -> InsightRequest {
    let mut user = USER_PROMPT.to_string();
    if let Some(extra) = extra_instructions.map(str::trim).filter(|e| !e.is_empty()) {
        user.push_str("\n\n");
        user.push_str(extra);
    }
    user.push_str("\n\n```json\n");
    user.push_str(&serde_json::to_string_pretty(summary).unwrap_or_default());
    user.push_str("\n```");
    InsightRequest { system: SYSTEM_PROMPT.to_string(), user }
}

#[derive(Debug, thiserror::Error)]
pub enum InsightsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Summary(#[from] SummaryError),
    #[error(
        "no provider is configured: add one with `tally provider set NAME --kind openai --base-url URL --model MODEL`"
    )]
    NoProvider,
    #[error("no provider named `{0}`: see `tally provider list`")]
    UnknownProvider(String),
    #[error(transparent)]
    Blocked(#[from] Blocked),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// What would be sent, exactly.
#[derive(Debug)]
pub struct Preview {
    pub summary: Summary,
    /// `None` when no provider is configured: then `body` is the request as JSON
    /// `{system, user}` and nothing can be sent.
    pub provider: Option<ProviderSettings>,
    pub endpoint: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub sha256: String,
    /// What the outbound gate finds in `body`; a send is blocked unless empty.
    pub findings: Vec<Finding>,
}

/// Which week, compared with how many before it, in which zone.
#[derive(Debug, Clone)]
pub struct Period {
    pub monday: NaiveDate,
    pub zone: ReportZone,
}

/// The provider called `name`, else the default one.
pub async fn choose_provider(store: &Store, name: Option<&str>) -> Result<ProviderSettings, InsightsError> {
    match name {
        Some(name) => store.provider(name).await?.ok_or_else(|| InsightsError::UnknownProvider(name.to_string())),
        None => store.default_provider().await?.ok_or(InsightsError::NoProvider),
    }
}

async fn summarize(store: &Store, config: &InsightsConfig, period: &Period) -> Result<Summary, InsightsError> {
    let weeks = config.baseline_weeks();
    let (from, to) = summary::rows_needed(&period.zone, period.monday, weeks);
    let rows = store.buckets(from, to).await?;
    Ok(summary::build(&rows, &period.zone, period.monday, weeks, &config.working_hours)?)
}

/// Builds the exact request that `send` would make, and what the gate thinks of it.
pub async fn preview(
    store: &Store,
    analyzer: &Analyzer,
    config: &InsightsConfig,
    provider_name: Option<&str>,
    period: &Period,
) -> Result<Preview, InsightsError> {
    let summary = summarize(store, config, period).await?;
    preview_summary(store, analyzer, config, provider_name, summary).await
}

/// [`preview`] of a summary built elsewhere (the org rollup's team summary).
pub async fn preview_summary(
    store: &Store,
    analyzer: &Analyzer,
    config: &InsightsConfig,
    provider_name: Option<&str>,
    summary: Summary,
) -> Result<Preview, InsightsError> {
    let request = request(&summary, config.extra_instructions.as_deref());
    let settings = match choose_provider(store, provider_name).await {
        Ok(s) => Some(s),
        Err(InsightsError::NoProvider) => None,
        Err(e) => return Err(e),
    };
    let (endpoint, headers, body) = match &settings {
        Some(settings) => {
            let provider = settings.provider();
            (Some(provider.endpoint()?.to_string()), provider.preview_headers(), provider.body(&request))
        }
        None => {
            let body = serde_json::json!({"system": request.system, "user": request.user});
            (None, Vec::new(), serde_json::to_vec_pretty(&body).unwrap_or_default())
        }
    };
    let findings = OutboundGate::with_fixed_texts(analyzer, FIXED_TEXTS).scan(&body);
    let sha256 = crate::outbound::gate::sha256_hex(&body);
    Ok(Preview { summary, provider: settings, endpoint, headers, body, sha256, findings })
}

/// A finished send: its ledger entry (the insight, redacted, is in `response`).
#[derive(Debug)]
pub struct Sent {
    pub entry: LedgerEntry,
}

/// Sends the summary of `period` to a provider — on its owner's explicit action only
/// (the CLI's `--send`, the dashboard's button). Every outcome, including a block by
/// the gate, is one ledger entry; a failure is returned after it is recorded.
pub async fn send(
    store: &Store,
    analyzer: &Analyzer,
    secrets: &SecretStore,
    http: &reqwest::Client,
    config: &InsightsConfig,
    provider_name: Option<&str>,
    period: &Period,
) -> Result<Sent, InsightsError> {
    let settings = choose_provider(store, provider_name).await?;
    let summary = summarize(store, config, period).await?;
    send_summary(store, analyzer, secrets, http, config, &settings, &summary).await
}

/// [`send`] of a summary built elsewhere (the org rollup's team summary), on its
/// owner's explicit action; the ledger's scope says whose data it is.
pub async fn send_summary(
    store: &Store,
    analyzer: &Analyzer,
    secrets: &SecretStore,
    http: &reqwest::Client,
    config: &InsightsConfig,
    settings: &ProviderSettings,
    summary: &Summary,
) -> Result<Sent, InsightsError> {
    let request = request(summary, config.extra_instructions.as_deref());
    let scope = match summary.scope {
        summary::Scope::Personal => "personal",
        summary::Scope::Org => "org",
    };
    let context = SendContext {
        purpose: "insight",
        scope: Some(scope),
        period: Some((summary.period.start, summary.period.end)),
    };
    exchange(store, analyzer, secrets, http, settings, &request, context).await
}

/// Sends a one-line test request to a provider, through the same gate and ledger.
pub async fn test_provider(
    store: &Store,
    analyzer: &Analyzer,
    secrets: &SecretStore,
    http: &reqwest::Client,
    provider_name: Option<&str>,
) -> Result<Sent, InsightsError> {
    let settings = choose_provider(store, provider_name).await?;
    let request = InsightRequest {
        system: "You are a connectivity check.".into(),
        user: "Reply with the single word OK.".into(),
    };
    let context = SendContext { purpose: "provider-test", scope: None, period: None };
    exchange(store, analyzer, secrets, http, &settings, &request, context).await
}

struct SendContext {
    purpose: &'static str,
    scope: Option<&'static str>,
    period: Option<(NaiveDate, NaiveDate)>,
}

async fn exchange(
    store: &Store,
    analyzer: &Analyzer,
    secrets: &SecretStore,
    http: &reqwest::Client,
    settings: &ProviderSettings,
    request: &InsightRequest,
    context: SendContext,
) -> Result<Sent, InsightsError> {
    let provider = settings.provider();
    let endpoint = provider.endpoint()?;
    let mut entry = NewLedgerEntry {
        purpose: context.purpose,
        scope: context.scope,
        period: context.period,
        destination: Destination::provider(settings),
        endpoint: endpoint.as_str(),
        payload: LedgerPayload::None,
        outcome: Outcome::Failed,
        http_status: None,
        attempts: &[],
        response: None,
        error: None,
    };
    let body = provider.body(request);
    let cleared = match OutboundGate::with_fixed_texts(analyzer, FIXED_TEXTS).clear(body) {
        Ok(cleared) => cleared,
        Err(blocked) => {
            entry.payload = LedgerPayload::Blocked(&blocked);
            entry.outcome = Outcome::Blocked;
            let error = ledger_error("blocked", &blocked);
            entry.error = Some(&error);
            store.record_send(&entry).await?;
            return Err(blocked.into());
        }
    };
    entry.payload = LedgerPayload::Sent(&cleared);
    let key = match secrets.get(&provider_key_name(&settings.name)) {
        Ok(key) => key,
        Err(e) => {
            let error = ledger_error("keyring", &e);
            entry.error = Some(&error);
            entry.payload = LedgerPayload::NotSent(&cleared);
            store.record_send(&entry).await?;
            return Err(e.into());
        }
    };
    let exchange = client::send(http, provider.as_ref(), &cleared, key.as_ref()).await;
    if exchange.attempts.is_empty() {
        // Nothing left the machine (e.g. no key for a provider that needs one).
        entry.payload = LedgerPayload::NotSent(&cleared);
    }
    entry.attempts = &exchange.attempts;
    entry.http_status = exchange.status;
    match exchange.result {
        Ok(answer) => {
            let redaction = analyzer.redact_document(&answer);
            entry.outcome = Outcome::Sent;
            entry.response = Some((&redaction.redacted, &redaction.spans));
            let id = store.record_send(&entry).await?;
            Ok(Sent { entry: store.ledger_entry(id).await?.ok_or(InsightsError::Store(StoreError::Missing))? })
        }
        Err(e) => {
            let e = e.redacted(analyzer);
            let error = ledger_error(e.kind(), &e);
            entry.error = Some(&error);
            store.record_send(&entry).await?;
            Err(e.into())
        }
    }
}

/// A failure as the ledger keeps it: its kind, then the message (Tally's own words, and
/// provider text only once redacted).
fn ledger_error(kind: &str, message: &dyn std::fmt::Display) -> String {
    format!("{kind}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, Weekday};

    #[test]
    fn the_insights_section_reads_working_hours_and_refuses_unknown_keys() {
        let config: InsightsConfig = toml::from_str(
            "baseline_weeks = 6\n[working_hours]\nstart = \"08:30:00\"\nend = \"17:00:00\"\ndays = [\"Mon\", \"Tue\"]\n",
        )
        .unwrap();
        assert_eq!(config.baseline_weeks(), 6);
        assert_eq!(config.working_hours.start, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert_eq!(config.working_hours.days, [Weekday::Mon, Weekday::Tue]);
        assert!(toml::from_str::<InsightsConfig>("api_key = \"x\"\n").is_err());
    }

    #[test]
    fn the_request_carries_the_summary_and_extra_instructions_once() {
        let rows = Vec::new();
        let zone = ReportZone::Named(chrono_tz::UTC);
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert!(summary::build(&rows, &zone, monday, 4, &WorkingHours::default()).is_err());
        let summary = Summary {
            scope: summary::Scope::Personal,
            min_contributors: None,
            period: summary::DateSpan { start: monday, end: monday + chrono::TimeDelta::days(7) },
            baseline: summary::Baseline { start: monday, end: monday, weeks: 4, weeks_with_activity: 0 },
            last_week: summary::Metrics {
                active_hours: 1.0,
                active_days: 1.0,
                categories: Vec::new(),
                focus_hours: 0.0,
                focus_share: 0.0,
                switches_per_active_hour: 0.0,
                meeting_hours: 0.0,
                meeting_share: 0.0,
                ai_tools_share: 0.0,
                after_hours_share: Some(0.0),
                sentiment: summary::SentimentBalance { negative: 0.0, neutral: 0.0, positive: 0.0, mean: None },
            },
            baseline_weekly_average: None,
            notable_changes: Vec::new(),
        };
        let r = request(&summary, Some("  Use bullet points.  "));
        assert!(r.user.contains("\n\nUse bullet points.\n\n```json\n{"));
        assert!(r.user.ends_with("}\n```"));
        assert_eq!(request(&summary, None), request(&summary, None));
    }
}
