//! The PostgreSQL sink (DESIGN §9): contributions go into one table guarded by
//! row-level security, and team and org cells come out of views that release a cell only
//! with at least `k` distinct enrolled contributors (`migrations/postgres/`).
//!
//! One [`PgSink`] is one connection pool under one database role; which methods work
//! depends on that role:
//! - the owner (migrations, the organisation's settings): [`PgSink::migrate`],
//!   [`PgSink::init_org`];
//! - a member of `tally_publisher`: [`PgSink::enrol`], [`PgSink::publish`],
//!   [`PgSink::withdraw`]. Each write first logs the connection in as the install with
//!   an HMAC under its signing key, in the same transaction;
//! - a member of `tally_reader`: [`PgSink::team_cells`], [`PgSink::org_cells`],
//!   [`PgSink::audit`].
//!
//! The database enforces all of this; the sink only speaks its protocol. The connection
//! password comes from the OS keyring as a [`Secret`], never from the policy file.

use super::identity::Enrolment;
use super::{
    unhex, Contribution, EnrolmentSecret, InstallId, Measures, RollupError, SigningKey, TeamCell, TeamPeriod, MIN_K,
};
use crate::event::Category;
use crate::secrets::Secret;
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;

const SINK: &str = "postgres";

/// What `tally_enrol` and `tally_login` raise when they refuse (SQLSTATE 28000).
const REFUSED: &str = "28000";

/// A connection pool to the organisation's PostgreSQL database under one role.
pub struct PgSink {
    pool: PgPool,
}

impl std::fmt::Debug for PgSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgSink")
    }
}

/// The database's own message (it never holds the password or a row's values), or the
/// error's kind for anything else.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (SQLSTATE {code})", db.message()),
            None => db.message().to_string(),
        },
        // Configuration errors can quote the URL, which may carry a password.
        sqlx::Error::Configuration(_) => "the connection settings are invalid".to_string(),
        other => other.to_string(),
    }
}

fn sink_err(doing: &'static str) -> impl Fn(sqlx::Error) -> RollupError {
    move |e| RollupError::sink(SINK, doing, describe(&e))
}

fn is_refusal(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some(REFUSED))
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl PgSink {
    /// Connects to `url` (`postgres://user@host:port/db`; TLS with `?sslmode=require`,
    /// `verify-ca` or `verify-full`, and `sslrootcert=` for a private CA). `password`
    /// overrides any in the URL. Errors never include the password or the URL.
    pub async fn connect(url: &str, password: Option<&Secret>) -> Result<PgSink, RollupError> {
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|_| RollupError::sink(SINK, "reading the connection URL", "it is not a postgres:// URL"))?;
        if let Some(password) = password {
            options = options.password(password.expose());
        }
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(sink_err("connecting"))?;
        Ok(PgSink { pool })
    }

    /// Creates or upgrades the sink's schema, roles and views (the owner role).
    pub async fn migrate(&self) -> Result<(), RollupError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
            .map_err(|e| RollupError::sink(SINK, "migrating the schema", e))
    }

    /// Migrates and stores the organisation's enrolment secret and `k` (the owner role).
    /// A `k` below [`MIN_K`] is refused: a policy may raise k, nothing lowers it.
    pub async fn init_org(&self, secret: &EnrolmentSecret, k: u32) -> Result<(), RollupError> {
        if k < MIN_K {
            return Err(RollupError::sink(
                SINK,
                "initialising the organisation",
                format!("k = {k} is below the minimum of {MIN_K}; k may be raised, never lowered"),
            ));
        }
        let k =
            i32::try_from(k).map_err(|_| RollupError::sink(SINK, "initialising the organisation", "k is too large"))?;
        self.migrate().await?;
        sqlx::query(
            "INSERT INTO tally_private.settings (k, enrol_secret) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET k = excluded.k, enrol_secret = excluded.enrol_secret",
        )
        .bind(k)
        .bind(secret.bytes().as_slice())
        .execute(&self.pool)
        .await
        .map_err(sink_err("storing the organisation's settings"))?;
        Ok(())
    }

    /// Registers an install's signing key (a publisher role). A proof that does not
    /// match the organisation's enrolment secret is [`RollupError::EnrolmentRefused`].
    pub async fn enrol(&self, e: &Enrolment) -> Result<(), RollupError> {
        let key = unhex(&e.signing_key)
            .filter(|k| k.len() == 32)
            .ok_or_else(|| RollupError::EnrolmentRefused("the signing key is not 32 bytes of hex".into()))?;
        let proof = unhex(&e.proof).ok_or_else(|| RollupError::EnrolmentRefused("the proof is not hex".into()))?;
        sqlx::query("SELECT public.tally_enrol($1::uuid, $2, $3)")
            .bind(e.install_id.as_str())
            .bind(key)
            .bind(proof)
            .execute(&self.pool)
            .await
            .map_err(|err| match &err {
                sqlx::Error::Database(db) if is_refusal(&err) => RollupError::EnrolmentRefused(db.message().into()),
                _ => sink_err("enrolling")(err),
            })?;
        Ok(())
    }

    /// Logs the transaction's connection in as `install` (see `tally_login`).
    async fn login(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        install: &InstallId,
        key: &SigningKey,
    ) -> Result<(), RollupError> {
        let at = unix_now();
        let mac = key.sign(&SigningKey::login_bytes(install, at));
        sqlx::query("SELECT public.tally_login($1::uuid, $2, $3)")
            .bind(install.as_str())
            .bind(at)
            .bind(mac.as_slice())
            .execute(&mut **tx)
            .await
            .map_err(|e| if is_refusal(&e) { RollupError::NotEnrolled } else { sink_err("logging in")(e) })?;
        Ok(())
    }

    async fn logout_and_commit(mut tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Result<(), RollupError> {
        // Ends the login inside the transaction, so no pooled connection stays logged in.
        sqlx::query("SELECT public.tally_logout()").execute(&mut *tx).await.map_err(sink_err("logging out"))?;
        tx.commit().await.map_err(sink_err("committing"))
    }

    /// Replaces the install's rows for every day in `c.days` with `c.cells`, in one
    /// transaction (a publisher role); returns the rows written. The database refuses
    /// the whole publish when any row's signature does not verify.
    pub async fn publish(&self, c: &Contribution, key: &SigningKey) -> Result<u64, RollupError> {
        if let Some(i) = c.cells.iter().position(|s| !c.days.contains(&s.cell.day)) {
            return Err(RollupError::sink(
                SINK,
                "publishing",
                format!("cell {i} is for a day not listed in the contribution's days"),
            ));
        }
        let days: Vec<String> = c.days.iter().copied().map(day_text).collect();
        let n = c.cells.len();
        let (mut cell_days, mut teams, mut categories, mut signatures) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let mut measures: [Vec<i64>; 7] = Default::default();
        for s in &c.cells {
            cell_days.push(day_text(s.cell.day));
            teams.push(s.cell.team.as_str());
            categories.push(s.cell.category.as_str());
            for (column, v) in measures.iter_mut().zip(s.cell.measures.values()) {
                column.push(v);
            }
            // A malformed signature goes in empty: the database refuses it like a wrong one.
            signatures.push(unhex(&s.signature).unwrap_or_default());
        }

        let mut tx = self.pool.begin().await.map_err(sink_err("starting a transaction"))?;
        Self::login(&mut tx, &c.install_id, key).await?;
        sqlx::query("DELETE FROM public.contributions WHERE install_id = $1::uuid AND day = ANY($2::text[]::date[])")
            .bind(c.install_id.as_str())
            .bind(&days)
            .execute(&mut *tx)
            .await
            .map_err(sink_err("replacing the install's days"))?;
        let written = if c.cells.is_empty() {
            0
        } else {
            let [active, focus, events, switches, negative, neutral, positive] = &measures;
            sqlx::query(
                "INSERT INTO public.contributions (install_id, day, team, category, active_seconds, focus_seconds,
                     events, switches, sentiment_negative, sentiment_neutral, sentiment_positive, signature)
                 SELECT $1::uuid, d::date, t, c, a, f, e, s, n, u, p, sig
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[], $8::int8[],
                             $9::int8[], $10::int8[], $11::int8[], $12::bytea[])
                      AS r (d, t, c, a, f, e, s, n, u, p, sig)",
            )
            .bind(c.install_id.as_str())
            .bind(&cell_days)
            .bind(&teams)
            .bind(&categories)
            .bind(active)
            .bind(focus)
            .bind(events)
            .bind(switches)
            .bind(negative)
            .bind(neutral)
            .bind(positive)
            .bind(&signatures)
            .execute(&mut *tx)
            .await
            .map_err(sink_err("inserting the install's cells"))?
            .rows_affected()
        };
        Self::logout_and_commit(tx).await?;
        Ok(written)
    }

    /// Deletes every row of `install` (a publisher role) and, with `revoke`, revokes
    /// the install so it can neither log in nor count again. Returns the rows deleted.
    pub async fn withdraw(&self, install: &InstallId, key: &SigningKey, revoke: bool) -> Result<u64, RollupError> {
        let mut tx = self.pool.begin().await.map_err(sink_err("starting a transaction"))?;
        Self::login(&mut tx, install, key).await?;
        let deleted = sqlx::query("DELETE FROM public.contributions WHERE install_id = $1::uuid")
            .bind(install.as_str())
            .execute(&mut *tx)
            .await
            .map_err(sink_err("deleting the install's rows"))?
            .rows_affected();
        if revoke {
            sqlx::query("SELECT public.tally_revoke()")
                .execute(&mut *tx)
                .await
                .map_err(sink_err("revoking the install"))?;
        }
        Self::logout_and_commit(tx).await?;
        Ok(deleted)
    }

    /// Released team cells whose period starts in `[from, to]` (a reader role).
    pub async fn team_cells(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        period: TeamPeriod,
    ) -> Result<Vec<TeamCell>, RollupError> {
        let view = match period {
            TeamPeriod::Day => "team_cells_day",
            TeamPeriod::Week => "team_cells_week",
            TeamPeriod::Month => "team_cells_month",
        };
        self.cells(view, "team", from, to).await
    }

    /// Released org-wide cells (all released team cells together; `team` is empty)
    /// whose period starts in `[from, to]` (a reader role).
    pub async fn org_cells(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        period: TeamPeriod,
    ) -> Result<Vec<TeamCell>, RollupError> {
        let view = match period {
            TeamPeriod::Day => "org_cells_day",
            TeamPeriod::Week => "org_cells_week",
            TeamPeriod::Month => "org_cells_month",
        };
        self.cells(view, "''", from, to).await
    }

    async fn cells(
        &self,
        view: &'static str,
        team: &'static str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TeamCell>, RollupError> {
        // `view` and `team` are fixed strings from this module, never input.
        let sql = format!(
            "SELECT to_char(period_start, 'YYYY-MM-DD') AS period_start, {team} AS team, category, contributors,
                 active_seconds, focus_seconds, events, switches,
                 sentiment_negative, sentiment_neutral, sentiment_positive
             FROM public.{view}
             WHERE period_start BETWEEN $1::date AND $2::date
             ORDER BY 1, 2, 3"
        );
        let rows = sqlx::query(&sql)
            .bind(day_text(from))
            .bind(day_text(to))
            .fetch_all(&self.pool)
            .await
            .map_err(sink_err("reading released cells"))?;
        let mut cells = Vec::with_capacity(rows.len());
        for row in rows {
            let read = |e: sqlx::Error| RollupError::sink(SINK, "reading released cells", describe(&e));
            let start: String = row.try_get(0).map_err(read)?;
            let category: String = row.try_get(2).map_err(read)?;
            let contributors: i32 = row.try_get(3).map_err(read)?;
            let mut values = [0i64; 7];
            for (i, v) in values.iter_mut().enumerate() {
                *v = row.try_get(4 + i).map_err(read)?;
            }
            // A category this version does not know (a newer publisher) is left out.
            let Some(category) = Category::parse(&category) else { continue };
            let Ok(period_start) = NaiveDate::parse_from_str(&start, "%Y-%m-%d") else { continue };
            // The views already enforce k; this is a second line, never the only one.
            let contributors = u32::try_from(contributors).unwrap_or(0);
            if contributors < MIN_K {
                continue;
            }
            cells.push(TeamCell {
                period_start,
                team: row.try_get(1).map_err(read)?,
                category,
                contributors,
                measures: Measures::from_values(values),
            });
        }
        Ok(cells)
    }

    /// Appends an admin view or export to the audit log (a reader role).
    pub async fn audit(&self, action: &str, detail: &str) -> Result<(), RollupError> {
        sqlx::query("SELECT public.tally_audit($1, $2)")
            .bind(action)
            .bind(detail)
            .execute(&self.pool)
            .await
            .map_err(sink_err("recording the audit entry"))?;
        Ok(())
    }
}
