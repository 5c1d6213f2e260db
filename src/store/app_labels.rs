//! The names the user gave their unrecognised apps (keyed app ids), for their own view.
//! Only what the user typed is stored; summaries, reports and the rollup never read it.

use super::{query, Store, StoreError};
use crate::analyze::AppName;
use sqlx::Row;

impl Store {
    /// Sets the user's name for the keyed app id `app`, or removes it (`None`).
    pub async fn set_app_label(&self, app: &AppName, label: Option<&str>) -> Result<(), StoreError> {
        match label {
            Some(label) => sqlx::query(
                "INSERT INTO app_labels (app_id, label) VALUES (?, ?) \
                 ON CONFLICT (app_id) DO UPDATE SET label = excluded.label",
            )
            .bind(app.as_str())
            .bind(label)
            .execute(&self.pool)
            .await
            .map_err(query("saving an app name"))?,
            None => sqlx::query("DELETE FROM app_labels WHERE app_id = ?")
                .bind(app.as_str())
                .execute(&self.pool)
                .await
                .map_err(query("removing an app name"))?,
        };
        Ok(())
    }

    /// Every (app id, user's name) pair, by app id.
    pub async fn app_labels(&self) -> Result<Vec<(AppName, String)>, StoreError> {
        let rows = sqlx::query("SELECT app_id, label FROM app_labels ORDER BY app_id")
            .fetch_all(&self.pool)
            .await
            .map_err(query("reading app names"))?;
        Ok(rows.iter().map(|r| (AppName::from_stored(r.get::<&str, _>("app_id")), r.get("label"))).collect())
    }
}
