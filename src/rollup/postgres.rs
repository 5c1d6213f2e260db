//! The PostgreSQL sink (DESIGN §9): contributions go into one table guarded by
//! row-level security, and team and org cells come out of views that release a cell only
//! with at least `k` distinct enrolled contributors (`migrations/postgres/`).
//!
//! One [`PgSink`] is one connection pool under one database role; which methods work
//! depends on that role:
//! - the owner (migrations, the organisation's settings, rosters and enrolment tokens):
//!   [`PgSink::migrate`], [`PgSink::init_org`], [`PgSink::set_rosters`],
//!   [`PgSink::issue_tokens`], [`PgSink::tokens`], [`PgSink::revoke_token`];
//! - a member of `tally_publisher`: [`PgSink::enrol`], [`PgSink::publish`],
//!   [`PgSink::withdraw`], [`PgSink::team_status`]. Each first logs the connection in
//!   as the install with an HMAC under its signing key, in the same transaction;
//! - a member of `tally_reader`: [`PgSink::team_cells`], [`PgSink::org_cells`]: week
//!   and month cells released once, k-checked and noised by the database, each read
//!   written to the audit log by the database.
//!
//! The database enforces all of this; the sink only speaks its protocol. The connection
//! password comes from the OS keyring as a [`Secret`], never from the policy file.

use super::identity::{Enrolment, IssuedToken};
use super::{
    hex, unhex, Contribution, EnrolmentToken, InstallId, Measures, RollupError, SigningKey, TeamCell, TeamPeriod, MIN_K,
};
use crate::event::Category;
use crate::secrets::Secret;
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::collections::BTreeMap;
use std::str::FromStr;

const SINK: &str = "postgres";

/// What `tally_enrol` and `tally_login` raise when they refuse (SQLSTATE 28000).
const REFUSED: &str = "28000";

/// What the server aborts a transaction with when running it again may succeed: a
/// deadlock victim (40P01), a serialization failure (40001). Publishers that share day
/// cells can deadlock, since a publish updates the cell aggregates in two statements.
const TRANSIENT: [&str; 2] = ["40P01", "40001"];

/// Attempts per publish or withdraw before a transient failure is reported.
const ATTEMPTS: u32 = 5;

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

/// Why one attempt at a write transaction failed.
enum Failed {
    /// The server aborted it (see [`TRANSIENT`]); running it again may succeed.
    Transient(RollupError),
    Final(RollupError),
}

impl From<RollupError> for Failed {
    fn from(e: RollupError) -> Failed {
        Failed::Final(e)
    }
}

fn attempt_err(doing: &'static str) -> impl Fn(sqlx::Error) -> Failed {
    move |e| {
        let transient =
            matches!(&e, sqlx::Error::Database(db) if db.code().is_some_and(|c| TRANSIENT.contains(&c.as_ref())));
        let e = sink_err(doing)(e);
        if transient {
            Failed::Transient(e)
        } else {
            Failed::Final(e)
        }
    }
}

/// Runs `attempt` (one whole transaction) until it succeeds, fails for good, or has
/// failed transiently [`ATTEMPTS`] times; waits a little longer, with jitter, each time.
async fn with_retries<T, F, Fut>(mut attempt: F) -> Result<T, RollupError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Failed>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Failed::Transient(_)) if tries < ATTEMPTS => {
                let wait = 10 * (1u64 << tries) + fastrand::u64(0..20);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                tries += 1;
            }
            Err(Failed::Transient(e) | Failed::Final(e)) => return Err(e),
        }
    }
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A contribution as the column arrays `publish` binds (one element per cell).
struct Columns<'a> {
    days: Vec<String>,
    cell_days: Vec<String>,
    teams: Vec<&'a str>,
    categories: Vec<&'a str>,
    measures: [Vec<i64>; 7],
    signatures: Vec<Vec<u8>>,
}

impl<'a> Columns<'a> {
    fn of(c: &'a Contribution) -> Columns<'a> {
        let n = c.cells.len();
        let mut columns = Columns {
            days: c.days.iter().copied().map(day_text).collect(),
            cell_days: Vec::with_capacity(n),
            teams: Vec::with_capacity(n),
            categories: Vec::with_capacity(n),
            measures: Default::default(),
            signatures: Vec::with_capacity(n),
        };
        for s in &c.cells {
            columns.cell_days.push(day_text(s.cell.day));
            columns.teams.push(s.cell.team.as_str());
            columns.categories.push(s.cell.category.as_str());
            for (column, v) in columns.measures.iter_mut().zip(s.cell.measures.values()) {
                column.push(v);
            }
            // A malformed signature goes in empty: the database refuses it like a wrong one.
            columns.signatures.push(unhex(&s.signature).unwrap_or_default());
        }
        columns
    }
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

    /// Migrates and stores the organisation's `k`, its ε per team-week and the grace
    /// days after a week before its cells are released (the owner role). A `k` below
    /// [`MIN_K`] is refused: a policy may raise k, nothing lowers it.
    pub async fn init_org(&self, k: u32, epsilon: f64, grace_days: u32) -> Result<(), RollupError> {
        let doing = "initialising the organisation";
        if k < MIN_K {
            return Err(RollupError::sink(
                SINK,
                doing,
                format!("k = {k} is below the minimum of {MIN_K}; k may be raised, never lowered"),
            ));
        }
        if !(epsilon.is_finite() && epsilon > 0.0 && epsilon <= 100.0) {
            return Err(RollupError::sink(SINK, doing, "ε must be a number in (0, 100]"));
        }
        let k = i32::try_from(k).map_err(|_| RollupError::sink(SINK, doing, "k is too large"))?;
        let grace = i32::try_from(grace_days.min(28)).unwrap_or(28);
        self.migrate().await?;
        sqlx::query(
            "INSERT INTO tally_private.settings (k, epsilon, grace_days) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET k = excluded.k, epsilon = excluded.epsilon, grace_days = excluded.grace_days",
        )
        .bind(k)
        .bind(epsilon)
        .bind(grace)
        .execute(&self.pool)
        .await
        .map_err(sink_err("storing the organisation's settings"))?;
        Ok(())
    }

    /// Declares each team's roster size (the owner role): enrolments beyond it are refused.
    pub async fn set_rosters(&self, roster: &BTreeMap<String, u32>) -> Result<(), RollupError> {
        let teams: Vec<&str> = roster.keys().map(String::as_str).collect();
        let sizes: Vec<i32> = roster.values().map(|s| i32::try_from(*s).unwrap_or(i32::MAX)).collect();
        sqlx::query(
            "INSERT INTO tally_private.rosters (team, size) SELECT * FROM unnest($1::text[], $2::int4[])
             ON CONFLICT (team) DO UPDATE SET size = excluded.size",
        )
        .bind(&teams)
        .bind(&sizes)
        .execute(&self.pool)
        .await
        .map_err(sink_err("storing the rosters"))?;
        Ok(())
    }

    /// Issues `count` per-device enrolment tokens for `team` (the owner role); the
    /// database keeps only their SHA-256.
    pub async fn issue_tokens(&self, org: &str, team: &str, count: u32) -> Result<Vec<EnrolmentToken>, RollupError> {
        let tokens: Vec<EnrolmentToken> = (0..count).map(|_| EnrolmentToken::random(org, team)).collect();
        let ids: Vec<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
        let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| t.secret_sha256().to_vec()).collect();
        sqlx::query(
            "INSERT INTO tally_private.enrol_tokens (token_id, team, secret_sha256)
             SELECT id::uuid, $3, h FROM unnest($1::text[], $2::bytea[]) AS t (id, h)",
        )
        .bind(&ids)
        .bind(&hashes)
        .bind(team)
        .execute(&self.pool)
        .await
        .map_err(sink_err("issuing enrolment tokens"))?;
        Ok(tokens)
    }

    /// Every issued token, oldest first (the owner role).
    pub async fn tokens(&self) -> Result<Vec<IssuedToken>, RollupError> {
        let rows = sqlx::query(
            "SELECT token_id::text, team, secret_sha256, to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                 to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), used_by::text
             FROM tally_private.enrol_tokens ORDER BY issued_at, token_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(sink_err("listing enrolment tokens"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let read = |e: sqlx::Error| RollupError::sink(SINK, "listing enrolment tokens", describe(&e));
            let id: String = r.try_get(0).map_err(read)?;
            let hash: Vec<u8> = r.try_get(2).map_err(read)?;
            let Some(id) = InstallId::parse(&id) else { continue };
            out.push(IssuedToken {
                id,
                team: r.try_get(1).map_err(read)?,
                secret_sha256: hex(&hash),
                issued_at: r.try_get(3).map_err(read)?,
                revoked_at: r.try_get(4).map_err(read)?,
                used_by: r.try_get(5).map_err(read)?,
            });
        }
        Ok(out)
    }

    /// Revokes a token (the owner role): it enrols nothing more, and the install it
    /// enrolled, if any, is revoked too. Whether there was such a token.
    pub async fn revoke_token(&self, id: &InstallId) -> Result<bool, RollupError> {
        let mut tx = self.pool.begin().await.map_err(sink_err("starting a transaction"))?;
        let used_by: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE tally_private.enrol_tokens SET revoked_at = coalesce(revoked_at, now())
             WHERE token_id = $1::uuid RETURNING used_by::text",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(sink_err("revoking a token"))?;
        if let Some(Some(install)) = &used_by {
            sqlx::query("UPDATE tally_private.installs SET revoked_at = now() WHERE install_id = $1::uuid AND revoked_at IS NULL")
                .bind(install)
                .execute(&mut *tx)
                .await
                .map_err(sink_err("revoking the token's install"))?;
        }
        tx.commit().await.map_err(sink_err("committing"))?;
        Ok(used_by.is_some())
    }

    /// Registers an install's signing key with its per-device token (a publisher role);
    /// returns the install's team. A token that is unknown, revoked, already used by a
    /// live install, or for a team whose roster is full is
    /// [`RollupError::EnrolmentRefused`].
    pub async fn enrol(&self, e: &Enrolment) -> Result<String, RollupError> {
        let key = unhex(&e.signing_key)
            .filter(|k| k.len() == 32)
            .ok_or_else(|| RollupError::EnrolmentRefused("the signing key is not 32 bytes of hex".into()))?;
        let secret = unhex(&e.token_secret)
            .ok_or_else(|| RollupError::EnrolmentRefused("the token secret is not hex".into()))?;
        sqlx::query_scalar::<_, String>("SELECT public.tally_enrol($1::uuid, $2, $3::uuid, $4)")
            .bind(e.install_id.as_str())
            .bind(key)
            .bind(e.token_id.as_str())
            .bind(secret)
            .fetch_one(&self.pool)
            .await
            .map_err(|err| match &err {
                sqlx::Error::Database(db) if is_refusal(&err) => RollupError::EnrolmentRefused(db.message().into()),
                _ => sink_err("enrolling")(err),
            })
    }

    /// How many live installs are enrolled in this install's team, against its roster
    /// (a publisher role, logged in as `install`).
    pub async fn team_status(&self, install: &InstallId, key: &SigningKey) -> Result<TeamStatus, RollupError> {
        let status = with_retries(|| async move {
            let mut tx = self.pool.begin().await.map_err(attempt_err("starting a transaction"))?;
            Self::login(&mut tx, install, key).await?;
            let row = sqlx::query("SELECT team, enrolled, roster FROM public.tally_team_status()")
                .fetch_one(&mut *tx)
                .await
                .map_err(attempt_err("reading the team's enrolment"))?;
            let read =
                |e: sqlx::Error| Failed::Final(RollupError::sink(SINK, "reading the team's enrolment", describe(&e)));
            let status = TeamStatus {
                team: row.try_get(0).map_err(read)?,
                enrolled: row.try_get::<i32, _>(1).map_err(read)?.max(0) as u32,
                roster: row.try_get::<Option<i32>, _>(2).map_err(read)?.map(|r| r.max(0) as u32),
            };
            Self::logout_and_commit(tx).await?;
            Ok(status)
        })
        .await?;
        Ok(status)
    }

    /// Logs the transaction's connection in as `install` (see `tally_login`).
    async fn login(
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        install: &InstallId,
        key: &SigningKey,
    ) -> Result<(), Failed> {
        let at = unix_now();
        let mac = key.sign(&SigningKey::login_bytes(install, at));
        sqlx::query("SELECT public.tally_login($1::uuid, $2, $3)")
            .bind(install.as_str())
            .bind(at)
            .bind(mac.as_slice())
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                if is_refusal(&e) {
                    Failed::Final(RollupError::NotEnrolled)
                } else {
                    attempt_err("logging in")(e)
                }
            })?;
        Ok(())
    }

    async fn logout_and_commit(mut tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Result<(), Failed> {
        // Ends the login inside the transaction, so no pooled connection stays logged in.
        sqlx::query("SELECT public.tally_logout()").execute(&mut *tx).await.map_err(attempt_err("logging out"))?;
        tx.commit().await.map_err(attempt_err("committing"))
    }

    /// Replaces the install's rows for every day in `c.days` with `c.cells`, in one
    /// transaction (a publisher role); returns the rows written. The database refuses
    /// the whole publish when any row's signature does not verify. A transaction the
    /// server aborts as a deadlock victim is run again (up to [`ATTEMPTS`] times).
    pub async fn publish(&self, c: &Contribution, key: &SigningKey) -> Result<u64, RollupError> {
        if let Some(i) = c.cells.iter().position(|s| !c.days.contains(&s.cell.day)) {
            return Err(RollupError::sink(
                SINK,
                "publishing",
                format!("cell {i} is for a day not listed in the contribution's days"),
            ));
        }
        let columns = Columns::of(c);
        with_retries(|| self.publish_once(c, &columns, key)).await
    }

    async fn publish_once(&self, c: &Contribution, columns: &Columns<'_>, key: &SigningKey) -> Result<u64, Failed> {
        let mut tx = self.pool.begin().await.map_err(attempt_err("starting a transaction"))?;
        Self::login(&mut tx, &c.install_id, key).await?;
        sqlx::query("DELETE FROM public.contributions WHERE install_id = $1::uuid AND day = ANY($2::text[]::date[])")
            .bind(c.install_id.as_str())
            .bind(&columns.days)
            .execute(&mut *tx)
            .await
            .map_err(attempt_err("replacing the install's days"))?;
        let written = if c.cells.is_empty() {
            0
        } else {
            let [active, focus, events, switches, negative, neutral, positive] = &columns.measures;
            sqlx::query(
                "INSERT INTO public.contributions (install_id, day, team, category, active_seconds, focus_seconds,
                     events, switches, sentiment_negative, sentiment_neutral, sentiment_positive, signature)
                 SELECT $1::uuid, d::date, t, c, a, f, e, s, n, u, p, sig
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[], $8::int8[],
                             $9::int8[], $10::int8[], $11::int8[], $12::bytea[])
                      AS r (d, t, c, a, f, e, s, n, u, p, sig)",
            )
            .bind(c.install_id.as_str())
            .bind(&columns.cell_days)
            .bind(&columns.teams)
            .bind(&columns.categories)
            .bind(active)
            .bind(focus)
            .bind(events)
            .bind(switches)
            .bind(negative)
            .bind(neutral)
            .bind(positive)
            .bind(&columns.signatures)
            .execute(&mut *tx)
            .await
            .map_err(attempt_err("inserting the install's cells"))?
            .rows_affected()
        };
        Self::logout_and_commit(tx).await?;
        Ok(written)
    }

    /// Deletes every row of `install` (a publisher role) and, with `revoke`, revokes
    /// the install so it can neither log in nor count again. Returns the rows deleted.
    pub async fn withdraw(&self, install: &InstallId, key: &SigningKey, revoke: bool) -> Result<u64, RollupError> {
        with_retries(|| self.withdraw_once(install, key, revoke)).await
    }

    async fn withdraw_once(&self, install: &InstallId, key: &SigningKey, revoke: bool) -> Result<u64, Failed> {
        let mut tx = self.pool.begin().await.map_err(attempt_err("starting a transaction"))?;
        Self::login(&mut tx, install, key).await?;
        let deleted = sqlx::query("DELETE FROM public.contributions WHERE install_id = $1::uuid")
            .bind(install.as_str())
            .execute(&mut *tx)
            .await
            .map_err(attempt_err("deleting the install's rows"))?
            .rows_affected();
        if revoke {
            sqlx::query("SELECT public.tally_revoke()")
                .execute(&mut *tx)
                .await
                .map_err(attempt_err("revoking the install"))?;
        }
        Self::logout_and_commit(tx).await?;
        Ok(deleted)
    }

    /// Released team cells whose period starts in `[from, to]` (a reader role), for
    /// `purpose` (view, report, export-csv or insight; the database logs it with the
    /// reader's login). The database releases week cells only: a day is refused.
    pub async fn team_cells(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        period: TeamPeriod,
        purpose: &str,
    ) -> Result<Released, RollupError> {
        self.cells("team", from, to, period, purpose).await
    }

    /// Released org-wide cells: the sums of the shown team cells (`team` is empty).
    pub async fn org_cells(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        period: TeamPeriod,
        purpose: &str,
    ) -> Result<Released, RollupError> {
        self.cells("org", from, to, period, purpose).await
    }

    async fn cells(
        &self,
        scope: &'static str,
        from: NaiveDate,
        to: NaiveDate,
        period: TeamPeriod,
        purpose: &str,
    ) -> Result<Released, RollupError> {
        if period == TeamPeriod::Day {
            return Err(RollupError::Unavailable(
                "the PostgreSQL sink releases team cells by week (and month): a day of a small team cannot carry enough noise to be useful; use --by week",
            ));
        }
        let rows = sqlx::query(
            "SELECT to_char(period_start, 'YYYY-MM-DD'), team, category, contributors, epsilon, epsilon_week,
                 active_seconds, focus_seconds, events, switches,
                 sentiment_negative, sentiment_neutral, sentiment_positive
             FROM public.tally_released_cells($1, $2, $3, $4::date, $5::date)",
        )
        .bind(purpose)
        .bind(scope)
        .bind(period.as_str())
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_all(&self.pool)
        .await
        .map_err(sink_err("reading released cells"))?;
        let mut cells = Vec::with_capacity(rows.len());
        let mut week_epsilon = None;
        for row in rows {
            let read = |e: sqlx::Error| RollupError::sink(SINK, "reading released cells", describe(&e));
            let start: String = row.try_get(0).map_err(read)?;
            let category: String = row.try_get(2).map_err(read)?;
            let contributors: i32 = row.try_get(3).map_err(read)?;
            let epsilon: f64 = row.try_get(4).map_err(read)?;
            let epsilon_week: f64 = row.try_get(5).map_err(read)?;
            let mut values = [0i64; 7];
            for (i, v) in values.iter_mut().enumerate() {
                *v = row.try_get(6 + i).map_err(read)?;
            }
            // A category this version does not know (a newer publisher) is left out.
            let Some(category) = Category::parse(&category) else { continue };
            let Ok(period_start) = NaiveDate::parse_from_str(&start, "%Y-%m-%d") else { continue };
            // The database already enforces k; this is a second line, never the only one.
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
                epsilon: Some(epsilon),
            });
            week_epsilon = Some(epsilon_week);
        }
        Ok(Released { cells, epsilon_week: week_epsilon })
    }
}

/// Cells as the database released them.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    pub cells: Vec<TeamCell>,
    /// ε of one released week (the database's setting when it released them); `None`
    /// when nothing was released.
    pub epsilon_week: Option<f64>,
}

/// An install's view of its own team: enough to see made-up installs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TeamStatus {
    pub team: String,
    /// Live installs enrolled in the team.
    pub enrolled: u32,
    /// The team's declared roster size.
    pub roster: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> Failed {
        Failed::Transient(RollupError::sink(SINK, "committing", "deadlock detected (SQLSTATE 40P01)"))
    }

    #[tokio::test]
    async fn transient_failures_are_retried_a_bounded_number_of_times() {
        let mut calls = 0;
        let result = with_retries(|| {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(transient())
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3, "succeeds on the third attempt");

        let mut calls = 0;
        let result: Result<(), _> = with_retries(|| {
            calls += 1;
            async { Err(transient()) }
        })
        .await;
        assert!(result.unwrap_err().to_string().contains("40P01"));
        assert_eq!(calls, ATTEMPTS, "gives up after ATTEMPTS");

        let mut calls = 0;
        let result: Result<(), _> = with_retries(|| {
            calls += 1;
            async { Err(Failed::Final(RollupError::NotEnrolled)) }
        })
        .await;
        assert!(matches!(result, Err(RollupError::NotEnrolled)));
        assert_eq!(calls, 1, "a final failure is not retried");
    }
}
