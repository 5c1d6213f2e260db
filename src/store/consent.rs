//! The consent row: whether the employee agreed to live collection, and when (DESIGN §8).
//! The live collector starts only after the employee agreed, and withdrawing stops
//! future collection (stored data stays until `tally forget`). Imports of files the
//! employee chose are not gated: running one is itself the decision.

use super::{query, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// The employee's current decision about live collection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsentStatus {
    /// True only after an explicit agreement that was not withdrawn since.
    pub agreed: bool,
    /// When the current decision was made; `None` when none was ever made.
    pub changed_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn consent(&self) -> Result<ConsentStatus, StoreError> {
        let row = sqlx::query("SELECT agreed, changed_at FROM consent WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading the consent"))?;
        let Some(row) = row else { return Ok(ConsentStatus { agreed: false, changed_at: None }) };
        let changed_at: String = row.get("changed_at");
        Ok(ConsentStatus {
            agreed: row.get("agreed"),
            changed_at: DateTime::parse_from_rfc3339(&changed_at).ok().map(|t| t.with_timezone(&Utc)),
        })
    }

    /// Records a decision (agreed or withdrawn) made now.
    pub async fn set_consent(&self, agreed: bool) -> Result<ConsentStatus, StoreError> {
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO consent (id, agreed, changed_at) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET agreed = excluded.agreed, changed_at = excluded.changed_at",
        )
        .bind(agreed)
        .bind(now.to_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(query("recording the consent"))?;
        Ok(ConsentStatus { agreed, changed_at: Some(now) })
    }
}
