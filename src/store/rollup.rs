//! The rollup's local state: this install's enrolment, what it last published, and on
//! admin machines the audit log of team views.

use super::{query, Store, StoreError};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentRow {
    pub org: String,
    pub install_id: String,
    pub sink_kind: String,
    pub enrolled_at: String,
}

/// One team view or export, for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub at: String,
    pub org: String,
    pub action: String,
    pub period: String,
    pub from_day: String,
    pub to_day: String,
    pub k: u32,
    pub epsilon: Option<f64>,
    pub cells: u64,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    pub async fn enrolment(&self, org: &str) -> Result<Option<EnrolmentRow>, StoreError> {
        let row = sqlx::query("SELECT org, install_id, sink_kind, enrolled_at FROM org_enrolment WHERE org = ?")
            .bind(org)
            .fetch_optional(&self.pool)
            .await
            .map_err(query("reading the enrolment"))?;
        Ok(row.map(|r| EnrolmentRow {
            org: r.get(0),
            install_id: r.get(1),
            sink_kind: r.get(2),
            enrolled_at: r.get(3),
        }))
    }

    /// Records (or replaces, on rotation) this install's enrolment; forgets what the
    /// previous id published.
    pub async fn set_enrolment(&self, org: &str, install_id: &str, sink_kind: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(query("recording the enrolment"))?;
        sqlx::query("DELETE FROM org_published WHERE org = ?")
            .bind(org)
            .execute(&mut *tx)
            .await
            .map_err(query("recording the enrolment"))?;
        sqlx::query(
            "INSERT OR REPLACE INTO org_enrolment (org, install_id, sink_kind, enrolled_at) VALUES (?, ?, ?, ?)",
        )
        .bind(org)
        .bind(install_id)
        .bind(sink_kind)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(query("recording the enrolment"))?;
        tx.commit().await.map_err(query("recording the enrolment"))
    }

    /// Day (`YYYY-MM-DD`, or `*`) → hash of what was last published.
    pub async fn published(&self, org: &str, install_id: &str) -> Result<BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT day, cells_sha256 FROM org_published WHERE org = ? AND install_id = ?")
            .bind(org)
            .bind(install_id)
            .fetch_all(&self.pool)
            .await
            .map_err(query("reading what was published"))?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Records the hashes of the days just published; a day with an empty hash was
    /// withdrawn and is forgotten.
    pub async fn mark_published(
        &self,
        org: &str,
        install_id: &str,
        days: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(query("recording a publish"))?;
        let at = now();
        for (day, hash) in days {
            let q = if hash.is_empty() {
                sqlx::query("DELETE FROM org_published WHERE org = ? AND install_id = ? AND day = ?")
            } else {
                sqlx::query(
                    "INSERT OR REPLACE INTO org_published (org, install_id, day, cells_sha256, published_at) \
                     VALUES (?, ?, ?, ?, ?)",
                )
            };
            let q = q.bind(org).bind(install_id).bind(day);
            let q = if hash.is_empty() { q } else { q.bind(hash).bind(&at) };
            q.execute(&mut *tx).await.map_err(query("recording a publish"))?;
        }
        tx.commit().await.map_err(query("recording a publish"))
    }

    /// After `forget --org`: nothing is published any more.
    pub async fn clear_published(&self, org: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM org_published WHERE org = ?")
            .bind(org)
            .execute(&self.pool)
            .await
            .map_err(query("clearing what was published"))?;
        Ok(())
    }

    pub async fn audit(&self, row: &AuditRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO team_audit (at, org, action, period, from_day, to_day, k, epsilon, cells) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(now())
        .bind(&row.org)
        .bind(&row.action)
        .bind(&row.period)
        .bind(&row.from_day)
        .bind(&row.to_day)
        .bind(i64::from(row.k))
        .bind(row.epsilon)
        .bind(row.cells as i64)
        .execute(&self.pool)
        .await
        .map_err(query("writing the audit log"))?;
        Ok(())
    }

    /// The audit log, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, org, action, period, from_day, to_day, k, epsilon, cells FROM team_audit ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(query("reading the audit log"))?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                at: r.get(0),
                org: r.get(1),
                action: r.get(2),
                period: r.get(3),
                from_day: r.get(4),
                to_day: r.get(5),
                k: r.get::<i64, _>(6) as u32,
                epsilon: r.get(7),
                cells: r.get::<i64, _>(8) as u64,
            })
            .collect())
    }
}
