//! The aggregate store: SQLite in WAL mode through sqlx, schema only from `migrations/`.
//!
//! Invariant: nothing here ever receives a title, URL or text — only [`BucketKey`]s,
//! [`BucketTotals`], import checkpoints and ActivityWatch bucket metadata whose id and
//! host name arrive as [`SaltedHash`]es; the ledger ([`ledger`]) only payloads the
//! outbound gate cleared and answers the analyzer redacted.

mod app_labels;
mod aw_buckets;
pub mod consent;
pub mod ledger;
pub mod rollup;

pub use aw_buckets::{AwBucketRow, SaltedHash};
pub use consent::ConsentStatus;

use crate::aggregate::{BucketKey, BucketTotals, TimelineState};
use crate::analyze::span::PiiLabel;
use crate::analyze::AppName;
use crate::event::Category;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot make {path} private to its owner: {source}")]
    Private { path: PathBuf, source: std::io::Error },
    #[error("cannot migrate the database {path}: {source}")]
    Migrate { path: PathBuf, source: sqlx::migrate::MigrateError },
    #[error("database error while {doing}: {source}")]
    Query { doing: &'static str, source: sqlx::Error },
    #[error("the database holds an unknown category `{0}`; was it written by a newer Tally?")]
    UnknownCategory(String),
    #[error("import checkpoint state is unreadable: {0}")]
    Checkpoint(String),
    #[error("the database holds an unknown {what} `{value}`; was it written by a newer Tally?")]
    UnknownValue { what: &'static str, value: String },
    #[error("a row the database just wrote cannot be read back")]
    Missing,
    #[error("the ActivityWatch bucket salt: {0}")]
    Salt(String),
}

/// Tightens the data dir and the database with its WAL and shared-memory files, and
/// creates a missing database file owner-only (SQLite treats an empty file as a new
/// database), so no file of the store is ever readable by others, even briefly.
fn make_private(data_dir: &Path, db: &Path) -> Result<(), StoreError> {
    fn private(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Private { path: path.to_path_buf(), source }
    }
    crate::files::private_dir(data_dir).map_err(private(data_dir))?;
    if !db.exists() {
        crate::files::write_private(db, b"").map_err(private(db))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        crate::files::tighten(&file).map_err(private(&file))?;
    }
    Ok(())
}

fn query(doing: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { doing, source }
}

/// Why the database did not take a write, told from SQLite's result code alone, so a
/// message built from it holds nothing from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteProblem {
    /// Another connection held the write lock past the busy timeout (SQLITE_BUSY,
    /// SQLITE_LOCKED), e.g. another `tally` process vacuuming after a deletion.
    Locked,
    /// The disk or the file-size limit is full (SQLITE_FULL).
    DiskFull,
    /// The file cannot be written now: an I/O error, a read-only or vanished file, or no
    /// free connection.
    Unwritable,
    /// Anything else (a constraint, a damaged file, unreadable state): waiting will not help.
    Other,
}

impl WriteProblem {
    /// Whether the same write may succeed later without anything in Tally changing.
    pub fn is_transient(self) -> bool {
        self != WriteProblem::Other
    }
}

impl std::fmt::Display for WriteProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WriteProblem::Locked => {
                "the database is locked by another process (another `tally` command may be vacuuming it)"
            }
            WriteProblem::DiskFull => "the disk holding the database is full",
            WriteProblem::Unwritable => "the database file cannot be written (an I/O error, or it became read-only)",
            WriteProblem::Other => "the database refused the write",
        })
    }
}

/// SQLite's primary result codes that [`WriteProblem`] tells apart.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_READONLY: i64 = 8;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;

impl StoreError {
    /// What kind of write failure this is.
    pub fn write_problem(&self) -> WriteProblem {
        let StoreError::Query { source, .. } = self else { return WriteProblem::Other };
        match source {
            sqlx::Error::Database(e) => {
                // sqlx gives SQLite's extended code; its low byte is the primary one.
                let code = e.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0) & 0xff;
                match code {
                    SQLITE_BUSY | SQLITE_LOCKED => WriteProblem::Locked,
                    SQLITE_FULL => WriteProblem::DiskFull,
                    SQLITE_READONLY | SQLITE_IOERR | SQLITE_CANTOPEN => WriteProblem::Unwritable,
                    _ => WriteProblem::Other,
                }
            }
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => WriteProblem::Unwritable,
            _ => WriteProblem::Other,
        }
    }
}

/// Where an import stands, saved with the aggregates it produced.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub file_sha256: String,
    pub format: String,
    /// Records of the file fully accounted for in the aggregates.
    pub records_done: u64,
    pub complete: bool,
    pub imported: u64,
    pub skipped: u64,
    pub state: TimelineState,
    /// Where the file lived, as a salted hash of its canonical path.
    pub origin: Option<SaltedHash>,
    /// Earlier partial imports that this write replaces: their contributions are
    /// subtracted in the same transaction. Empty when read back.
    pub replaces: Vec<String>,
    /// Whether the import's contribution is kept so that a later import can replace it:
    /// while it runs, and when it finished with rejected records or cut short.
    pub replaceable: bool,
}

/// One stored bucket row.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRow {
    pub team: String,
    pub key: BucketKey,
    pub totals: BucketTotals,
}

/// What [`Store::forget`] deleted, in rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Forgotten {
    pub buckets: u64,
    pub redaction_counts: u64,
    pub checkpoints: u64,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

pub const DATABASE_FILE: &str = "tally.db";
/// Rows per multi-row upsert (up to 12 bound values each, under SQLite's 32,766 limit).
const UPSERT_ROWS: usize = 1000;

impl Store {
    /// Opens (creating if needed) `<data_dir>/tally.db` and applies pending migrations.
    /// The data dir and the database files are made owner-only first (see
    /// [`crate::files`]); SQLite gives the WAL and shared-memory files it creates the
    /// database file's mode, so they stay private too.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DATABASE_FILE);
        make_private(data_dir, &path)?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { path: path.clone(), source })?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { path: path.clone(), source })?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { path: path.clone(), source })?;
        let store = Store { pool, path };
        // The install's salt is made with the schema, so later runs only read it: an
        // import started while another process holds the write lock waits in its
        // flushes (which retry) instead of failing on this first write.
        store.aw_salt().await?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `delta` to the stored totals and, in the same transaction, records
    /// `checkpoint`, so a crash leaves either both or neither. With a checkpoint, the
    /// imports it replaces are subtracted first, and `delta` is added to the import's
    /// own contribution while that stays replaceable. After an error nothing of it is
    /// stored, and the same call may be made again.
    pub async fn apply(
        &self,
        team: &str,
        redactor: &str,
        delta: &[(BucketKey, BucketTotals)],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(query("getting a database connection"))?;
        let written = Store::write_aggregates(&mut conn, team, redactor, delta, checkpoint).await;
        if written.is_err() {
            // After a failed write (SQLITE_FULL or SQLITE_BUSY at COMMIT, say) SQLite may or
            // may not have rolled the transaction back, and a pooled connection left inside
            // one takes later writes into a transaction that never commits: close it.
            let _ = conn.close().await;
        }
        written
    }

    /// [`Store::apply`]'s transaction on one connection. `BEGIN IMMEDIATE` takes the
    /// write lock first (the busy timeout applies there), and fails, instead of nesting,
    /// on a connection still inside a transaction.
    async fn write_aggregates(
        conn: &mut sqlx::SqliteConnection,
        team: &str,
        redactor: &str,
        delta: &[(BucketKey, BucketTotals)],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), StoreError> {
        use sqlx::Connection;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(query("starting a transaction"))?;
        for earlier in checkpoint.map_or(&[][..], |c| &c.replaces[..]) {
            subtract_contribution(&mut tx, earlier).await?;
        }
        // Which redactor produced these buckets (a version string, never content).
        let mut starts: Vec<i64> = delta.iter().map(|(k, _)| k.start).collect();
        starts.sort_unstable();
        starts.dedup();
        for chunk in starts.chunks(UPSERT_ROWS) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT OR IGNORE INTO bucket_redactors (bucket_start, team, redactor) ",
            );
            insert.push_values(chunk, |mut row, start| {
                row.push_bind(*start).push_bind(team).push_bind(redactor);
            });
            insert.build().execute(&mut *tx).await.map_err(query("recording the redactor version"))?;
        }
        add_delta(&mut tx, team, delta, None).await?;
        if let Some(c) = checkpoint {
            if c.replaceable {
                add_delta(&mut tx, team, delta, Some(file_tag(&c.file_sha256))).await?;
            } else {
                // Finished cleanly: nothing will replace it, so its contribution goes.
                for table in ["import_contributions", "import_contribution_redactions"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE file_tag = ?"))
                        .bind(file_tag(&c.file_sha256))
                        .execute(&mut *tx)
                        .await
                        .map_err(query("deleting an import's contribution"))?;
                }
            }
            let state = serde_json::to_string(&c.state).map_err(|e| StoreError::Checkpoint(e.to_string()))?;
            sqlx::query(
                "INSERT INTO import_checkpoints (file_sha256, format, records_done, complete, imported, skipped, timeline_state, \
                 updated_at, origin_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_sha256) DO UPDATE SET \
                 format = excluded.format, records_done = excluded.records_done, complete = excluded.complete, \
                 imported = excluded.imported, skipped = excluded.skipped, timeline_state = excluded.timeline_state, \
                 updated_at = excluded.updated_at, origin_sha256 = excluded.origin_sha256",
            )
            .bind(&c.file_sha256)
            .bind(&c.format)
            .bind(c.records_done as i64)
            .bind(c.complete)
            .bind(c.imported as i64)
            .bind(c.skipped as i64)
            .bind(state)
            .bind(chrono::Utc::now().to_rfc3339())
            .bind(c.origin.as_ref().map(SaltedHash::as_str))
            .execute(&mut *tx)
            .await
            .map_err(query("writing the import checkpoint"))?;
        }
        tx.commit().await.map_err(query("committing aggregates"))?;
        Ok(())
    }

    /// Earlier imports that an import of `file_sha256` as `format` from `origin` replaces:
    /// those still replaceable (partial or unfinished) from the same origin, and this
    /// very file imported in another format.
    pub async fn replaceable_imports(
        &self,
        origin: Option<&SaltedHash>,
        file_sha256: &str,
        format: &str,
    ) -> Result<Vec<String>, StoreError> {
        let candidates: Vec<String> = sqlx::query_scalar(
            "SELECT file_sha256 FROM import_checkpoints \
             WHERE (origin_sha256 = ?1 AND file_sha256 != ?2) OR (file_sha256 = ?2 AND format != ?3) ORDER BY file_sha256",
        )
        .bind(origin.map(SaltedHash::as_str))
        .bind(file_sha256)
        .bind(format)
        .fetch_all(&self.pool)
        .await
        .map_err(query("finding imports to replace"))?;
        let mut replaceable = Vec::new();
        for file in candidates {
            let kept: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM import_contributions WHERE file_tag = ?)")
                    .bind(file_tag(&file))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(query("finding imports to replace"))?;
            if kept {
                replaceable.push(file);
            }
        }
        Ok(replaceable)
    }

    /// Deletes a file's checkpoint: an import that accepted no record leaves no trace
    /// (earlier versions kept one, which made the file look imported).
    pub async fn discard_checkpoint(&self, file_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM import_checkpoints WHERE file_sha256 = ? AND imported = 0")
            .bind(file_sha256)
            .execute(&self.pool)
            .await
            .map_err(query("deleting an import checkpoint"))?;
        Ok(())
    }

    pub async fn checkpoint(&self, file_sha256: &str) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT format, records_done, complete, imported, skipped, timeline_state, origin_sha256 FROM import_checkpoints \
             WHERE file_sha256 = ?",
        )
        .bind(file_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(query("reading the import checkpoint"))?;
        let Some(row) = row else { return Ok(None) };
        let state: String = row.get("timeline_state");
        Ok(Some(Checkpoint {
            file_sha256: file_sha256.to_string(),
            format: row.get("format"),
            records_done: row.get::<i64, _>("records_done") as u64,
            complete: row.get("complete"),
            imported: row.get::<i64, _>("imported") as u64,
            skipped: row.get::<i64, _>("skipped") as u64,
            state: serde_json::from_str(&state).map_err(|e| StoreError::Checkpoint(e.to_string()))?,
            origin: row.get::<Option<String>, _>("origin_sha256").map(SaltedHash::stored),
            replaces: Vec::new(),
            replaceable: !row.get::<bool, _>("complete"),
        }))
    }

    /// Bucket rows with `from <= bucket_start < to` (Unix seconds), in key order.
    pub async fn buckets(&self, from: i64, to: i64) -> Result<Vec<BucketRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT bucket_start, team, category, app, active_ms, events, switches, focus_ms, sentiment_negative, \
             sentiment_neutral, sentiment_positive FROM activity_buckets WHERE bucket_start >= ? AND bucket_start < ? \
             ORDER BY bucket_start, team, category, app",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(query("reading activity buckets"))?;
        let mut out = Vec::with_capacity(rows.len());
        let mut index = std::collections::HashMap::new();
        for row in rows {
            let category: String = row.get("category");
            let key = BucketKey {
                start: row.get("bucket_start"),
                category: Category::parse(&category).ok_or(StoreError::UnknownCategory(category))?,
                app: AppName::from_stored(row.get::<&str, _>("app")),
            };
            let team: String = row.get("team");
            index.insert((key.clone(), team.clone()), out.len());
            out.push(BucketRow {
                team,
                key,
                totals: BucketTotals {
                    active_ms: row.get("active_ms"),
                    events: row.get("events"),
                    switches: row.get("switches"),
                    focus_ms: row.get("focus_ms"),
                    sentiment: [
                        row.get("sentiment_negative"),
                        row.get("sentiment_neutral"),
                        row.get("sentiment_positive"),
                    ],
                    redactions: [0; PiiLabel::ALL.len()],
                },
            });
        }
        let counts = sqlx::query(
            "SELECT bucket_start, team, category, app, label, count FROM redaction_counts WHERE bucket_start >= ? AND bucket_start < ?",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(query("reading redaction counts"))?;
        for row in counts {
            let category: String = row.get("category");
            let key = BucketKey {
                start: row.get("bucket_start"),
                category: Category::parse(&category).ok_or(StoreError::UnknownCategory(category))?,
                app: AppName::from_stored(row.get::<&str, _>("app")),
            };
            let team: String = row.get("team");
            let label: String = row.get("label");
            if let (Some(&i), Some(label)) = (index.get(&(key, team)), PiiLabel::parse(&label)) {
                out[i].totals.redactions[label as usize] = row.get("count");
            }
        }
        Ok(out)
    }

    /// The earliest and latest bucket starts, if any data is stored.
    pub async fn extent(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let row = sqlx::query("SELECT MIN(bucket_start) AS lo, MAX(bucket_start) AS hi FROM activity_buckets")
            .fetch_one(&self.pool)
            .await
            .map_err(query("reading the data extent"))?;
        let lo: Option<i64> = row.get("lo");
        let hi: Option<i64> = row.get("hi");
        Ok(lo.zip(hi))
    }

    /// Deletes the aggregates of `range` (`from <= bucket_start < to`, Unix seconds) with
    /// what imports contributed there, or everything (then also the import checkpoints,
    /// so files can be imported afresh), in one transaction. Then the database is vacuumed and its WAL truncated, so the
    /// deleted rows do not linger in free pages or the log.
    pub async fn forget(&self, range: Option<(i64, i64)>) -> Result<Forgotten, StoreError> {
        let (from, to) = range.unwrap_or((i64::MIN, i64::MAX));
        let mut tx = self.pool.begin().await.map_err(query("starting a transaction"))?;
        let mut deleted = [0u64; 5];
        for (n, (sql, doing)) in deleted.iter_mut().zip([
            ("DELETE FROM activity_buckets WHERE bucket_start >= ? AND bucket_start < ?", "deleting activity buckets"),
            ("DELETE FROM redaction_counts WHERE bucket_start >= ? AND bucket_start < ?", "deleting redaction counts"),
            ("DELETE FROM bucket_redactors WHERE bucket_start >= ? AND bucket_start < ?", "deleting redactor versions"),
            // What imports added there is gone: a later replacement must not subtract it.
            (
                "DELETE FROM import_contributions WHERE bucket_start >= ? AND bucket_start < ?",
                "deleting import contributions",
            ),
            (
                "DELETE FROM import_contribution_redactions WHERE bucket_start >= ? AND bucket_start < ?",
                "deleting import contributions",
            ),
        ]) {
            *n = sqlx::query(sql).bind(from).bind(to).execute(&mut *tx).await.map_err(query(doing))?.rows_affected();
        }
        let [buckets, redaction_counts, ..] = deleted;
        let checkpoints = if range.is_none() {
            // Forgetting everything forgets the names the user gave apps, too.
            sqlx::query("DELETE FROM app_labels").execute(&mut *tx).await.map_err(query("deleting app names"))?;
            sqlx::query("DELETE FROM import_checkpoints")
                .execute(&mut *tx)
                .await
                .map_err(query("deleting import checkpoints"))?
                .rows_affected()
        } else {
            0
        };
        tx.commit().await.map_err(query("committing the deletion"))?;
        for (sql, doing) in
            [("VACUUM", "vacuuming the database"), ("PRAGMA wal_checkpoint(TRUNCATE)", "truncating the WAL")]
        {
            sqlx::query(sql).execute(&self.pool).await.map_err(query(doing))?;
        }
        Ok(Forgotten { buckets, redaction_counts, checkpoints })
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or the problems it found.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(query("checking database integrity"))?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect::<Vec<_>>().join("; "))
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// The key of an import's contribution rows: the first 8 bytes of SHA-256 of its
/// identity, which keeps those rows small.
fn file_tag(file_sha256: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(file_sha256.as_bytes());
    let mut tag = [0u8; 8];
    tag.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(tag)
}

/// Adds `delta` to `activity_buckets` and `redaction_counts`, or with a file tag to that
/// import's rows of `import_contributions` and `import_contribution_redactions`.
async fn add_delta(
    conn: &mut sqlx::SqliteConnection,
    team: &str,
    delta: &[(BucketKey, BucketTotals)],
    file: Option<i64>,
) -> Result<(), StoreError> {
    let (buckets, counts, lead, doing) = match file {
        None => ("activity_buckets", "redaction_counts", "", "writing activity buckets"),
        Some(_) => {
            ("import_contributions", "import_contribution_redactions", "file_tag, ", "writing an import's contribution")
        }
    };
    // Multi-row upserts: one statement per chunk keeps round trips to SQLite's worker
    // thread few (one per row was the bottleneck of large imports).
    for chunk in delta.chunks(UPSERT_ROWS) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO {buckets} ({lead}bucket_start, team, category, app, active_ms, events, switches, focus_ms, \
             sentiment_negative, sentiment_neutral, sentiment_positive) "
        ));
        insert.push_values(chunk, |mut row, (key, t)| {
            if let Some(file) = file {
                row.push_bind(file);
            }
            row.push_bind(key.start)
                .push_bind(team)
                .push_bind(key.category.as_str())
                .push_bind(key.app.as_str())
                .push_bind(t.active_ms)
                .push_bind(t.events)
                .push_bind(t.switches)
                .push_bind(t.focus_ms)
                .push_bind(t.sentiment[0])
                .push_bind(t.sentiment[1])
                .push_bind(t.sentiment[2]);
        });
        insert.push(format!(
            " ON CONFLICT ({lead}bucket_start, team, category, app) DO UPDATE SET \
             active_ms = active_ms + excluded.active_ms, events = events + excluded.events, \
             switches = switches + excluded.switches, focus_ms = focus_ms + excluded.focus_ms, \
             sentiment_negative = sentiment_negative + excluded.sentiment_negative, \
             sentiment_neutral = sentiment_neutral + excluded.sentiment_neutral, \
             sentiment_positive = sentiment_positive + excluded.sentiment_positive"
        ));
        insert.build().execute(&mut *conn).await.map_err(query(doing))?;
    }
    let counts_rows: Vec<(&BucketKey, PiiLabel, i64)> = delta
        .iter()
        .flat_map(|(key, t)| {
            PiiLabel::ALL.iter().zip(t.redactions).filter(|(_, n)| *n > 0).map(move |(l, n)| (key, *l, n))
        })
        .collect();
    for chunk in counts_rows.chunks(UPSERT_ROWS) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO {counts} ({lead}bucket_start, team, category, app, label, count) "
        ));
        insert.push_values(chunk, |mut row, (key, label, count)| {
            if let Some(file) = file {
                row.push_bind(file);
            }
            row.push_bind(key.start)
                .push_bind(team)
                .push_bind(key.category.as_str())
                .push_bind(key.app.as_str())
                .push_bind(label.as_str())
                .push_bind(*count);
        });
        insert.push(format!(
            " ON CONFLICT ({lead}bucket_start, team, category, app, label) DO UPDATE SET count = count + excluded.count"
        ));
        insert.build().execute(&mut *conn).await.map_err(query(doing))?;
    }
    Ok(())
}

/// Takes an earlier import's contribution back out of the aggregates: subtracts it,
/// deletes the rows it leaves at zero (and their buckets' redactor rows once a bucket
/// is empty), then the contribution itself.
async fn subtract_contribution(conn: &mut sqlx::SqliteConnection, file_sha256: &str) -> Result<(), StoreError> {
    const KEY: &str = "bucket_start, team, category, app";
    let statements = [
        "UPDATE activity_buckets AS a SET active_ms = a.active_ms - c.active_ms, events = a.events - c.events, \
         switches = a.switches - c.switches, focus_ms = a.focus_ms - c.focus_ms, \
         sentiment_negative = a.sentiment_negative - c.sentiment_negative, \
         sentiment_neutral = a.sentiment_neutral - c.sentiment_neutral, \
         sentiment_positive = a.sentiment_positive - c.sentiment_positive \
         FROM import_contributions AS c WHERE c.file_tag = ?1 AND c.bucket_start = a.bucket_start \
         AND c.team = a.team AND c.category = a.category AND c.app = a.app"
            .to_string(),
        "UPDATE redaction_counts AS r SET count = r.count - c.count FROM import_contribution_redactions AS c \
         WHERE c.file_tag = ?1 AND c.bucket_start = r.bucket_start AND c.team = r.team \
         AND c.category = r.category AND c.app = r.app AND c.label = r.label"
            .to_string(),
        format!(
            "DELETE FROM activity_buckets WHERE ({KEY}) IN (SELECT {KEY} FROM import_contributions WHERE file_tag = ?1) \
             AND active_ms = 0 AND events = 0 AND switches = 0 AND focus_ms = 0 AND sentiment_negative = 0 \
             AND sentiment_neutral = 0 AND sentiment_positive = 0"
        ),
        format!(
            "DELETE FROM redaction_counts WHERE ({KEY}, label) IN \
             (SELECT {KEY}, label FROM import_contribution_redactions WHERE file_tag = ?1) AND count = 0"
        ),
        "DELETE FROM bucket_redactors WHERE (bucket_start, team) IN \
         (SELECT bucket_start, team FROM import_contributions WHERE file_tag = ?1) AND NOT EXISTS \
         (SELECT 1 FROM activity_buckets AS a WHERE a.bucket_start = bucket_redactors.bucket_start \
         AND a.team = bucket_redactors.team)"
            .to_string(),
        "DELETE FROM import_contributions WHERE file_tag = ?1".to_string(),
        "DELETE FROM import_contribution_redactions WHERE file_tag = ?1".to_string(),
    ];
    for sql in &statements {
        sqlx::query(sql)
            .bind(file_tag(file_sha256))
            .execute(&mut *conn)
            .await
            .map_err(query("replacing an earlier import's contribution"))?;
    }
    Ok(())
}

/// One redactor version and the buckets it produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RedactorVersion {
    pub redactor: String,
    pub first_bucket: i64,
    pub last_bucket: i64,
    pub buckets: i64,
}

/// The tables the Privacy view shows exactly as stored.
pub const SHOWN_TABLES: [&str; 7] = [
    "activity_buckets",
    "redaction_counts",
    "bucket_redactors",
    "import_checkpoints",
    "import_contributions",
    "import_contribution_redactions",
    "providers",
];

/// A stored table's newest rows, every column as text, as the Privacy view shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableView {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total_rows: i64,
}

impl Store {
    /// Up to `limit` rows of one of [`SHOWN_TABLES`], newest first where it has a time.
    pub async fn table_view(&self, name: &str, limit: u32) -> Result<TableView, StoreError> {
        let Some(&name) = SHOWN_TABLES.iter().find(|t| **t == name) else {
            return Err(StoreError::UnknownValue { what: "table", value: name.to_string() });
        };
        let order = match name {
            "activity_buckets"
            | "redaction_counts"
            | "bucket_redactors"
            | "import_contributions"
            | "import_contribution_redactions" => "ORDER BY bucket_start DESC",
            "import_checkpoints" => "ORDER BY updated_at DESC",
            _ => "",
        };
        let total_rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
            .fetch_one(&self.pool)
            .await
            .map_err(query("counting rows for the privacy view"))?;
        let rows = sqlx::query(&format!("SELECT * FROM {name} {order} LIMIT ?"))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(query("reading rows for the privacy view"))?;
        let columns: Vec<String> = match rows.first() {
            Some(r) => r.columns().iter().map(|c| sqlx::Column::name(c).to_string()).collect(),
            None => {
                let info = sqlx::query(&format!("PRAGMA table_info({name})"))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(query("reading a table's columns"))?;
                info.iter().map(|r| r.get::<String, _>("name")).collect()
            }
        };
        let rows = rows
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| {
                        if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                            return v.map_or_else(String::new, |v| v.to_string());
                        }
                        if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                            return v.unwrap_or_default();
                        }
                        r.try_get::<Option<Vec<u8>>, _>(i)
                            .ok()
                            .flatten()
                            .map_or_else(String::new, |b| format!("{} bytes", b.len()))
                    })
                    .collect()
            })
            .collect();
        Ok(TableView { name: name.to_string(), columns, rows, total_rows })
    }

    /// The redactor versions that produced the buckets of `[from, to)`: each with its
    /// first and last bucket start and how many buckets it touched, oldest first.
    pub async fn redactor_versions(&self, from: i64, to: i64) -> Result<Vec<RedactorVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT redactor, MIN(bucket_start) AS first, MAX(bucket_start) AS last, COUNT(*) AS buckets \
             FROM bucket_redactors WHERE bucket_start >= ? AND bucket_start < ? GROUP BY redactor ORDER BY first, redactor",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(query("reading redactor versions"))?;
        Ok(rows
            .iter()
            .map(|r| RedactorVersion {
                redactor: r.get("redactor"),
                first_bucket: r.get("first"),
                last_bucket: r.get("last"),
                buckets: r.get("buckets"),
            })
            .collect())
    }

    /// Team labels present in the store.
    pub async fn teams(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT DISTINCT team FROM activity_buckets ORDER BY team")
            .fetch_all(&self.pool)
            .await
            .map_err(query("listing teams"))
    }
}
