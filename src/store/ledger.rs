//! The ledger's table of outbound sends and the providers' table (DESIGN §4.3).
//!
//! Invariant: the ledger stores only bytes that passed the outbound gate
//! ([`ClearedPayload`](crate::outbound::gate::ClearedPayload)) and answers the analyzer
//! redacted ([`RedactedText`](crate::analyze::RedactedText)); a blocked payload leaves
//! only its SHA-256 and where the gate found something. What a send is
//! ([`NewLedgerEntry`]) is [`crate::outbound`]'s; this module keeps the rows.

use super::{query, Store, StoreError};
use crate::outbound::ledger::{LedgerPayload, NewLedgerEntry, Outcome};
use crate::outbound::provider::{ProviderKind, ProviderSettings};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// A recorded send, as the Privacy view and `tally ledger` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub at: String,
    pub purpose: String,
    pub scope: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub provider: String,
    pub kind: String,
    pub model: String,
    pub endpoint: String,
    /// The exact bytes (UTF-8 JSON), absent when blocked.
    pub payload: Option<String>,
    pub payload_sha256: String,
    pub outcome: String,
    pub left_machine: bool,
    pub http_status: Option<u16>,
    pub attempts: serde_json::Value,
    pub response: Option<String>,
    /// Detections in the answer by label; non-empty means it was redacted and flagged.
    pub response_redactions: BTreeMap<String, u32>,
    pub error: Option<String>,
}

impl LedgerEntry {
    pub fn flagged(&self) -> bool {
        !self.response_redactions.is_empty()
    }
}

const PROVIDER_COLUMNS: &str = "name, kind, base_url, model, max_tokens, timeout_secs, max_retries, retry_base_ms";

fn provider_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<ProviderSettings, StoreError> {
    let kind: String = row.get("kind");
    Ok(ProviderSettings {
        name: row.get("name"),
        kind: ProviderKind::parse(&kind).ok_or(StoreError::UnknownValue { what: "provider kind", value: kind })?,
        base_url: row.get("base_url"),
        model: row.get("model"),
        max_tokens: row.get::<i64, _>("max_tokens") as u32,
        timeout_secs: row.get::<i64, _>("timeout_secs") as u32,
        max_retries: row.get::<i64, _>("max_retries") as u32,
        retry_base_ms: row.get::<i64, _>("retry_base_ms") as u32,
    })
}

impl Store {
    /// Adds or replaces a provider; `make_default` (or being the first) makes it the default.
    pub async fn set_provider(&self, p: &ProviderSettings, make_default: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(query("starting a transaction"))?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM providers WHERE name <> ?")
            .bind(&p.name)
            .fetch_one(&mut *tx)
            .await
            .map_err(query("counting providers"))?;
        if make_default {
            sqlx::query("UPDATE providers SET is_default = 0")
                .execute(&mut *tx)
                .await
                .map_err(query("changing the default provider"))?;
        }
        sqlx::query(
            "INSERT INTO providers (name, kind, base_url, model, max_tokens, timeout_secs, max_retries, retry_base_ms, \
             is_default, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, \
             model = excluded.model, max_tokens = excluded.max_tokens, timeout_secs = excluded.timeout_secs, \
             max_retries = excluded.max_retries, retry_base_ms = excluded.retry_base_ms, \
             is_default = MAX(providers.is_default, excluded.is_default), updated_at = excluded.updated_at",
        )
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(&p.base_url)
        .bind(&p.model)
        .bind(i64::from(p.max_tokens))
        .bind(i64::from(p.timeout_secs))
        .bind(i64::from(p.max_retries))
        .bind(i64::from(p.retry_base_ms))
        .bind(make_default || count == 0)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(query("saving a provider"))?;
        tx.commit().await.map_err(query("saving a provider"))
    }

    /// Removes a provider; `false` if there was none. The ledger keeps its entries.
    pub async fn remove_provider(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM providers WHERE name = ?")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(query("removing a provider"))?;
        Ok(done.rows_affected() > 0)
    }

    /// All providers, the default first, then by name; with their default flag.
    pub async fn providers(&self) -> Result<Vec<(ProviderSettings, bool)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PROVIDER_COLUMNS}, is_default FROM providers ORDER BY is_default DESC, name"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(query("listing providers"))?;
        rows.iter().map(|r| Ok((provider_from_row(r)?, r.get::<bool, _>("is_default")))).collect()
    }

    pub async fn provider(&self, name: &str) -> Result<Option<ProviderSettings>, StoreError> {
        let row = sqlx::query(&format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading a provider"))?;
        row.as_ref().map(provider_from_row).transpose()
    }

    /// The default provider, or the only one.
    pub async fn default_provider(&self) -> Result<Option<ProviderSettings>, StoreError> {
        Ok(self.providers().await?.into_iter().next().map(|(p, _)| p))
    }

    /// Records one send; returns its id.
    pub async fn record_send(&self, e: &NewLedgerEntry<'_>) -> Result<i64, StoreError> {
        let (payload, sha256, left) = match e.payload {
            LedgerPayload::None => (None, String::new(), false),
            // An HTTP attempt, or an org sink that took the payload (no HTTP attempts there).
            LedgerPayload::Sent(p) => {
                (Some(p.bytes().to_vec()), p.sha256().to_string(), !e.attempts.is_empty() || e.outcome == Outcome::Sent)
            }
            LedgerPayload::NotSent(p) => (Some(p.bytes().to_vec()), p.sha256().to_string(), false),
            LedgerPayload::Blocked(b) => (None, b.sha256.clone(), false),
        };
        let (response, redactions) = match e.response {
            Some((text, spans)) => {
                let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
                for span in spans.iter().filter(|s| s.label.is_redacted_by_default()) {
                    *counts.entry(span.label.as_str()).or_default() += 1;
                }
                (Some(text.as_str()), Some(serde_json::to_string(&counts).unwrap_or_default()))
            }
            None => (None, None),
        };
        let done = sqlx::query(
            "INSERT INTO ledger (at, purpose, scope, period_start, period_end, provider, kind, model, endpoint, \
             payload, payload_sha256, outcome, left_machine, http_status, attempts, response, response_redactions, error) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(now())
        .bind(e.purpose)
        .bind(e.scope)
        .bind(e.period.map(|p| p.0.to_string()))
        .bind(e.period.map(|p| p.1.to_string()))
        .bind(e.destination.name)
        .bind(e.destination.kind)
        .bind(e.destination.model)
        .bind(e.endpoint)
        .bind(payload)
        .bind(sha256)
        .bind(e.outcome.as_str())
        .bind(left)
        .bind(e.http_status.map(i64::from))
        .bind(serde_json::to_string(e.attempts).unwrap_or_else(|_| "[]".into()))
        .bind(response)
        .bind(redactions)
        .bind(e.error)
        .execute(&self.pool)
        .await
        .map_err(query("recording a send in the ledger"))?;
        Ok(done.last_insert_rowid())
    }

    /// Ledger entries, newest first.
    pub async fn ledger(&self, limit: u32) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM ledger ORDER BY id DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(query("reading the ledger"))?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    pub async fn ledger_entry(&self, id: i64) -> Result<Option<LedgerEntry>, StoreError> {
        let row = sqlx::query("SELECT * FROM ledger WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading the ledger"))?;
        Ok(row.as_ref().map(entry_from_row))
    }
}

fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> LedgerEntry {
    let payload: Option<Vec<u8>> = r.get("payload");
    let attempts: String = r.get("attempts");
    let redactions: Option<String> = r.get("response_redactions");
    LedgerEntry {
        id: r.get("id"),
        at: r.get("at"),
        purpose: r.get("purpose"),
        scope: r.get("scope"),
        period_start: r.get("period_start"),
        period_end: r.get("period_end"),
        provider: r.get("provider"),
        kind: r.get("kind"),
        model: r.get("model"),
        endpoint: r.get("endpoint"),
        payload: payload.map(|p| String::from_utf8_lossy(&p).into_owned()),
        payload_sha256: r.get("payload_sha256"),
        outcome: r.get("outcome"),
        left_machine: r.get("left_machine"),
        http_status: r.get::<Option<i64>, _>("http_status").map(|s| s as u16),
        attempts: serde_json::from_str(&attempts).unwrap_or_default(),
        response: r.get("response"),
        response_redactions: redactions.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
        error: r.get("error"),
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}
