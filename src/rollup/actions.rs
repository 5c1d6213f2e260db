//! The rollup's engine calls, shared by the CLI and the desktop app: set up an
//! organisation, enrol, publish, withdraw, and read team reports.

use super::contribution::{self, Plan};
use super::folder::{self, FolderSink, OrgKeys};
use super::identity::{Enrolment, EnrolmentToken, InstallId, IssuedToken, SigningKey};
use super::policy::{Policy, SinkConfig};
use super::postgres::{PgSink, TeamStatus};
use super::release::{self, NoiseStatement};
use super::{Contribution, RollupError, TeamCell, TeamPeriod};
use crate::analyze::Analyzer;
use crate::outbound::gate::OutboundGate;
use crate::outbound::ledger::{Destination, LedgerPayload, NewLedgerEntry, Outcome};
use crate::secrets::{Secret, SecretStore};
use crate::store::rollup::{AuditRow, EnrolmentRow};
use crate::store::Store;
use base64::Engine as _;
use chrono::{NaiveDate, TimeDelta};
use serde::Serialize;
use std::io::Write;

/// The keyring entry of the publisher's database password.
pub fn sink_password_entry(org: &str) -> String {
    format!("org-sink-password:{org}")
}

/// The keyring entry of the admin's (reader's) database password.
pub fn reader_password_entry(org: &str) -> String {
    format!("org-reader-password:{org}")
}

enum Sink {
    Postgres(PgSink),
    Folder(FolderSink),
}

async fn open_sink(policy: &Policy, secrets: &SecretStore) -> Result<Sink, RollupError> {
    Ok(match &policy.sink {
        SinkConfig::Postgres { url, .. } => {
            let password = secrets.get(&sink_password_entry(&policy.org))?;
            Sink::Postgres(PgSink::connect(url, password.as_ref()).await?)
        }
        SinkConfig::Folder { path, org_public_key } => Sink::Folder(FolderSink::new(path, *org_public_key)),
    })
}

/// What `tally team init` created: for a folder, the public key for the policy file.
/// The folder's secret key stays in this machine's keyring.
pub struct OrgSetup {
    pub org_public_key: Option<String>,
}

/// Sets up an organisation (admin): for a folder, the organisation's key pair; for
/// PostgreSQL the schema, roles' grants, k and ε per team-week. Tokens come next
/// ([`issue_tokens`]).
pub async fn init_org(
    secrets: &SecretStore,
    org: &str,
    target: &InitTarget<'_>,
    k: u32,
) -> Result<OrgSetup, RollupError> {
    if !super::identity::valid_org(org) {
        return Err(RollupError::BadToken("the organisation id is not 1–40 of a-z, 0-9, -"));
    }
    let org_public_key = match target {
        InitTarget::Folder(path) => {
            let keys = OrgKeys::generate();
            for sub in ["enrol", "contrib"] {
                std::fs::create_dir_all(path.join(sub)).map_err(|e| {
                    RollupError::sink("shared folder", "creating the folder", format!("{}: {e}", path.display()))
                })?;
            }
            Secret::new(&super::hex(&keys.secret_bytes())).and_then(|s| secrets.set(&OrgKeys::entry(org), &s))?;
            Some(base64::engine::general_purpose::STANDARD.encode(keys.public))
        }
        InitTarget::Postgres { owner_url, password, epsilon } => {
            let pg = PgSink::connect(owner_url, *password).await?;
            pg.init_org(k, epsilon.unwrap_or(release::DEFAULT_EPSILON), RELEASE_GRACE_DAYS).await?;
            None
        }
    };
    Ok(OrgSetup { org_public_key })
}

/// Days after a week ends before the PostgreSQL sink releases its cells: late
/// publishes within them count; after them, a change hides the cell instead.
pub const RELEASE_GRACE_DAYS: u32 = 2;

pub enum InitTarget<'a> {
    Folder(&'a std::path::Path),
    Postgres { owner_url: &'a str, password: Option<&'a Secret>, epsilon: Option<f64> },
}

/// Where tokens are issued: the organisation's database (its owner role), or this admin
/// machine's store for a shared folder.
pub enum TokenAuthority<'a> {
    Postgres { owner_url: &'a str, password: Option<&'a Secret> },
    Folder,
}

/// Issues `count` per-device enrolment tokens for `team` (IT, as the organisation's
/// owner). The team needs a roster size in the policy, which is stored with the tokens.
pub async fn issue_tokens(
    secrets: &SecretStore,
    policy: &Policy,
    authority: &TokenAuthority<'_>,
    team: &str,
    count: u32,
) -> Result<Vec<EnrolmentToken>, RollupError> {
    if !policy.roster.contains_key(team) {
        return Err(RollupError::NoRoster(team.to_string()));
    }
    if !(1..=10_000).contains(&count) {
        return Err(RollupError::Unavailable("--count is between 1 and 10000"));
    }
    match authority {
        TokenAuthority::Postgres { owner_url, password } => {
            let pg = PgSink::connect(owner_url, *password).await?;
            pg.set_rosters(&policy.roster).await?;
            pg.issue_tokens(&policy.org, team, count).await
        }
        TokenAuthority::Folder => {
            let (path, keys) = folder_admin(secrets, policy)?;
            let mut registry = folder::load_registry(path, &keys)?;
            let tokens: Vec<EnrolmentToken> = (0..count).map(|_| EnrolmentToken::random(&policy.org, team)).collect();
            let issued_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            registry.tokens.extend(tokens.iter().map(|t| IssuedToken {
                id: t.id.clone(),
                team: team.to_string(),
                secret_sha256: super::hex(&t.secret_sha256()),
                issued_at: issued_at.clone(),
                revoked_at: None,
                used_by: None,
            }));
            folder::save_registry(path, &keys, &registry)?;
            Ok(tokens)
        }
    }
}

/// A shared folder's path and the organisation's key pair, on the admin's machine.
fn folder_admin<'p>(secrets: &SecretStore, policy: &'p Policy) -> Result<(&'p std::path::Path, OrgKeys), RollupError> {
    let SinkConfig::Folder { path, .. } = &policy.sink else {
        return Err(RollupError::Unavailable("this needs a shared-folder policy"));
    };
    let fix = "run `tally team init` on the admin machine, or restore the organisation's key";
    let keys = match secrets.get(&OrgKeys::entry(&policy.org))? {
        Some(s) => super::unhex(s.expose())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(OrgKeys::from_secret)
            .ok_or_else(|| RollupError::BadKey { entry: OrgKeys::entry(&policy.org), fix })?,
        None => return Err(RollupError::BadKey { entry: OrgKeys::entry(&policy.org), fix }),
    };
    Ok((path, keys))
}

/// The organisation's folder secret key (hex), for the admin's own backup.
pub fn export_org_key(secrets: &SecretStore, policy: &Policy) -> Result<Secret, RollupError> {
    let (_, keys) = folder_admin(secrets, policy)?;
    Ok(Secret::new(&super::hex(&keys.secret_bytes()))?)
}

/// The tokens issued for the organisation, with the install each enrolled where known.
pub async fn list_tokens(
    secrets: &SecretStore,
    policy: &Policy,
    authority: &TokenAuthority<'_>,
) -> Result<Vec<IssuedToken>, RollupError> {
    match authority {
        TokenAuthority::Postgres { owner_url, password } => PgSink::connect(owner_url, *password).await?.tokens().await,
        TokenAuthority::Folder => {
            let (path, keys) = folder_admin(secrets, policy)?;
            let registry = folder::load_registry(path, &keys)?;
            Ok(registry
                .tokens
                .iter()
                .map(|t| IssuedToken {
                    used_by: registry.pins.iter().find(|p| p.token_id == t.id).map(|p| p.install_id.to_string()),
                    ..t.clone()
                })
                .collect())
        }
    }
}

/// Revokes a token: it enrols nothing more, and the install it enrolled stops counting.
pub async fn revoke_token(
    secrets: &SecretStore,
    policy: &Policy,
    authority: &TokenAuthority<'_>,
    id: &InstallId,
) -> Result<bool, RollupError> {
    match authority {
        TokenAuthority::Postgres { owner_url, password } => {
            PgSink::connect(owner_url, *password).await?.revoke_token(id).await
        }
        TokenAuthority::Folder => {
            let (path, keys) = folder_admin(secrets, policy)?;
            let mut registry = folder::load_registry(path, &keys)?;
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let Some(t) = registry.tokens.iter_mut().find(|t| &t.id == id && t.revoked_at.is_none()) else {
                return Ok(false);
            };
            t.revoked_at = Some(now);
            folder::save_registry(path, &keys, &registry)?;
            Ok(true)
        }
    }
}

/// Enrols this install (or, with `rotate`, withdraws the old id and enrols a new one).
/// A second enrolment without `rotate` returns the existing one unchanged.
pub async fn enrol(
    store: &Store,
    secrets: &SecretStore,
    policy: &Policy,
    token: &EnrolmentToken,
    rotate: bool,
) -> Result<EnrolmentRow, RollupError> {
    if token.org != policy.org {
        return Err(RollupError::EnrolmentRefused(format!(
            "the token is for organisation `{}` but the policy names `{}`",
            token.org, policy.org
        )));
    }
    if token.team != policy.team {
        return Err(RollupError::EnrolmentRefused(format!(
            "the token is for team `{}` but the policy names team `{}`; ask IT for a token of your team",
            token.team, policy.team
        )));
    }
    let existing = store.enrolment(&policy.org).await?;
    if let (Some(row), false) = (&existing, rotate) {
        return Ok(row.clone());
    }
    let sink = open_sink(policy, secrets).await?;
    if let Some(row) = &existing {
        withdraw_with(&sink, store, secrets, policy, row, true).await?;
    }
    let install = InstallId::random();
    let key = SigningKey::random();
    key.store(secrets, &SigningKey::entry(&install))?;
    let enrolment = Enrolment::new(token, &install, &key);
    let done = match &sink {
        Sink::Postgres(pg) => pg.enrol(&enrolment).await.map(|_| ()),
        Sink::Folder(f) => f.enrol(&enrolment),
    };
    if let Err(e) = done {
        let _ = secrets.delete(&SigningKey::entry(&install));
        return Err(e);
    }
    store.set_enrolment(&policy.org, install.as_str(), policy.sink.kind()).await?;
    if let Some(row) = &existing {
        let _ = secrets.delete(&SigningKey::entry(&row.install_id));
    }
    for p in &policy.providers {
        if store.provider(&p.name).await?.is_none() {
            store.set_provider(p, false).await?;
        }
    }
    store.enrolment(&policy.org).await?.ok_or(RollupError::NotEnrolled)
}

async fn identity(
    store: &Store,
    secrets: &SecretStore,
    policy: &Policy,
) -> Result<(EnrolmentRow, InstallId, SigningKey), RollupError> {
    let row = store.enrolment(&policy.org).await?.ok_or(RollupError::NotEnrolled)?;
    let install = InstallId::parse(&row.install_id).ok_or(RollupError::NotEnrolled)?;
    let key = SigningKey::load(secrets, &SigningKey::entry(&install), "run `tally enrol --rotate`")?
        .ok_or_else(|| RollupError::MissingSigningKey { install: install.to_string() })?;
    Ok((row, install, key))
}

/// How many installs are enrolled in this install's team: in PostgreSQL the live
/// installs of the team against its roster; in a shared folder, which only the admin
/// can open, the enrolment files of all teams (`team` is the policy's, `roster` none).
pub async fn team_status(store: &Store, secrets: &SecretStore, policy: &Policy) -> Result<TeamStatus, RollupError> {
    match &policy.sink {
        SinkConfig::Postgres { url, .. } => {
            let (_, install, key) = identity(store, secrets, policy).await?;
            let password = secrets.get(&sink_password_entry(&policy.org))?;
            PgSink::connect(url, password.as_ref()).await?.team_status(&install, &key).await
        }
        SinkConfig::Folder { path, .. } => {
            let enrolled = match std::fs::read_dir(path.join("enrol")) {
                Ok(entries) => entries
                    .flatten()
                    .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".sealed") && !n.starts_with('.')))
                    .count() as u32,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => {
                    return Err(RollupError::sink(
                        "shared folder",
                        "listing enrolments",
                        format!("{}: {e}", path.display()),
                    ))
                }
            };
            Ok(TeamStatus { team: policy.team.clone(), enrolled, roster: None })
        }
    }
}

/// What one publish did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Published {
    pub days: usize,
    pub cells: usize,
    pub rows_written: u64,
    /// The ledger entry of the send; `None` when nothing had changed.
    pub ledger_id: Option<i64>,
}

/// Publishes what changed since the last publish: built from aggregates, cleared by the
/// outbound gate, recorded in the ledger, then sent. With `force`, everything is sent
/// again whether it changed or not (to repair a sink whose copy was lost or replaced).
pub async fn publish(
    store: &Store,
    analyzer: &Analyzer,
    secrets: &SecretStore,
    policy: &Policy,
    today: NaiveDate,
    force: bool,
) -> Result<Published, RollupError> {
    let (row, install, key) = identity(store, secrets, policy).await?;
    // Whole ISO weeks: a week's days are clipped together to the weekly cap, so a week
    // is planned from all of its days or none.
    let first = TeamPeriod::Week.start_of(today - TimeDelta::days(i64::from(policy.publish_days) - 1));
    let zone_start = |d: NaiveDate| {
        use chrono::TimeZone;
        let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        policy.time_zone.from_local_datetime(&naive).earliest().map(|t| t.timestamp()).unwrap_or(0)
    };
    let published = if force { Default::default() } else { store.published(&policy.org, &row.install_id).await? };
    let plan: Plan = match policy.sink {
        SinkConfig::Postgres { .. } => {
            let buckets = store.buckets(zone_start(first), zone_start(today + TimeDelta::days(1))).await?;
            let days = contribution::day_cells(&buckets, policy.time_zone, &policy.team);
            contribution::plan_days(&days, &published, (first, today))
        }
        SinkConfig::Folder { .. } => {
            let buckets = store.buckets(i64::MIN / 2, zone_start(today + TimeDelta::days(1))).await?;
            let days = contribution::day_cells(&buckets, policy.time_zone, &policy.team);
            contribution::plan_whole(&days, &published)
        }
    };
    if plan.is_empty() {
        return Ok(Published::default());
    }
    let contribution = contribution::sign(&install, &key, &plan);
    let endpoint = policy.sink.endpoint();
    let mut entry = NewLedgerEntry {
        purpose: "rollup",
        scope: Some("org"),
        period: Some((plan.days[0], plan.days[plan.days.len() - 1])),
        destination: Destination { name: &policy.org, kind: policy.sink.kind(), model: &policy.team },
        endpoint: &endpoint,
        payload: LedgerPayload::None,
        outcome: Outcome::Failed,
        http_status: None,
        attempts: &[],
        response: None,
        error: None,
    };
    let bytes = serde_json::to_vec(&contribution).map_err(|e| RollupError::sink("rollup", "encoding", e))?;
    let cleared = match OutboundGate::new(analyzer).clear(bytes) {
        Ok(c) => c,
        Err(blocked) => {
            let error = blocked.to_string();
            entry.payload = LedgerPayload::Blocked(&blocked);
            entry.outcome = Outcome::Blocked;
            entry.error = Some(&error);
            store.record_send(&entry).await?;
            return Err(RollupError::Blocked(blocked));
        }
    };
    // What goes out is exactly what the gate cleared.
    let sent: Contribution =
        serde_json::from_slice(cleared.bytes()).map_err(|e| RollupError::sink("rollup", "decoding", e))?;
    let result = match open_sink(policy, secrets).await {
        Ok(Sink::Postgres(pg)) => pg.publish(&sent, &key).await,
        Ok(Sink::Folder(f)) => f.publish(&sent),
        Err(e) => Err(e),
    };
    entry.payload = LedgerPayload::Sent(&cleared);
    match result {
        Ok(rows_written) => {
            entry.outcome = Outcome::Sent;
            let id = store.record_send(&entry).await?;
            store.mark_published(&policy.org, &row.install_id, &plan.hashes).await?;
            Ok(Published { days: plan.days.len(), cells: plan.cells.len(), rows_written, ledger_id: Some(id) })
        }
        Err(e) => {
            let error = e.to_string();
            entry.error = Some(&error);
            store.record_send(&entry).await?;
            Err(e)
        }
    }
}

/// `tally forget --org`: removes every contribution of this install from the sink.
pub async fn withdraw(store: &Store, secrets: &SecretStore, policy: &Policy) -> Result<u64, RollupError> {
    let row = store.enrolment(&policy.org).await?.ok_or(RollupError::NotEnrolled)?;
    let sink = open_sink(policy, secrets).await?;
    withdraw_with(&sink, store, secrets, policy, &row, false).await
}

async fn withdraw_with(
    sink: &Sink,
    store: &Store,
    secrets: &SecretStore,
    policy: &Policy,
    row: &EnrolmentRow,
    revoke: bool,
) -> Result<u64, RollupError> {
    let install = InstallId::parse(&row.install_id).ok_or(RollupError::NotEnrolled)?;
    let removed = match sink {
        Sink::Postgres(pg) => {
            let key = SigningKey::load(secrets, &SigningKey::entry(&install), "run `tally enrol --rotate`")?
                .ok_or_else(|| RollupError::MissingSigningKey { install: install.to_string() })?;
            pg.withdraw(&install, &key, revoke).await?
        }
        Sink::Folder(f) => f.withdraw(&install, revoke)?,
    };
    let endpoint = policy.sink.endpoint();
    store
        .record_send(&NewLedgerEntry {
            purpose: if revoke { "rollup-rotate" } else { "rollup-withdraw" },
            scope: Some("org"),
            period: None,
            destination: Destination { name: &policy.org, kind: policy.sink.kind(), model: &policy.team },
            endpoint: &endpoint,
            payload: LedgerPayload::None,
            outcome: Outcome::Sent,
            http_status: None,
            attempts: &[],
            response: None,
            error: None,
        })
        .await?;
    store.clear_published(&policy.org).await?;
    Ok(removed)
}

/// A team report as shown in the Teams view, `tally team report` and the CSV.
#[derive(Debug, Clone, Serialize)]
pub struct TeamReport {
    pub org: String,
    pub period: TeamPeriod,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub k: u32,
    pub noise: Option<NoiseStatement>,
    pub teams: Vec<TeamCell>,
    pub org_cells: Vec<TeamCell>,
    /// Folder sinks: files and cells that did not open or verify, and were ignored.
    pub skipped_files: usize,
    pub skipped_cells: usize,
    /// Folder sinks: enrolments refused (a second key for a pinned id, a reused token,
    /// beyond the roster).
    pub refused_enrolments: usize,
}

/// Reads released cells from the sink (admin mode), checks k again, adds the stored
/// noise, and records the read in the audit log(s).
pub async fn team_report(
    store: &Store,
    secrets: &SecretStore,
    policy: &Policy,
    range: (NaiveDate, NaiveDate),
    period: TeamPeriod,
    action: &str,
) -> Result<TeamReport, RollupError> {
    team_report_with(store, Reader::Keyring(secrets), policy, range, period, action).await
}

/// How an admin opens the organisation's cells.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    /// The reader's database password or the folder key, from the OS keyring.
    Keyring(&'a SecretStore),
    /// A folder key held in hand: the generated demo organisation's ([`super::demo`]).
    FolderKey(&'a OrgKeys),
}

/// [`team_report`], with the organisation opened by `reader`.
pub async fn team_report_with(
    store: &Store,
    reader: Reader<'_>,
    policy: &Policy,
    range: (NaiveDate, NaiveDate),
    period: TeamPeriod,
    action: &str,
) -> Result<TeamReport, RollupError> {
    if !policy.admin {
        return Err(RollupError::NotAdmin);
    }
    let (from, to) = (period.start_of(range.0), range.1);
    let (mut teams, mut org_cells, skipped_files, skipped_cells, refused_enrolments, noise) = match &policy.sink {
        SinkConfig::Postgres { url, reader_url } => {
            let Reader::Keyring(secrets) = reader else {
                return Err(RollupError::Unavailable("a PostgreSQL organisation is read with the keyring's password"));
            };
            let password = secrets.get(&reader_password_entry(&policy.org))?;
            let pg = PgSink::connect(reader_url.as_deref().unwrap_or(url), password.as_ref()).await?;
            // The database releases, checks k and adds noise; each read is in its audit log.
            let teams = pg.team_cells(from, to, period, action).await?;
            let org_cells = pg.org_cells(from, to, period, action).await?;
            let noise = teams.epsilon_week.or(org_cells.epsilon_week).map(|e| NoiseStatement::new(e, 7));
            (teams.cells, org_cells.cells, 0, 0, 0, noise)
        }
        SinkConfig::Folder { path: folder_path, .. } => {
            let (path, keys) = match reader {
                Reader::Keyring(secrets) => folder_admin(secrets, policy)?,
                Reader::FolderKey(keys) => (folder_path.as_path(), OrgKeys::from_secret(keys.secret_bytes())),
            };
            // An unmounted or moved share must not read as an organisation with nothing in it.
            if !path.is_dir() {
                return Err(RollupError::sink(
                    "shared folder",
                    "reading",
                    format!("{} is not a folder this machine can see (is the share mounted?)", path.display()),
                ));
            }
            let mut registry = folder::load_registry(path, &keys)?;
            let read = folder::read(path, &keys, &registry, &policy.roster)?;
            if !read.new_pins.is_empty() {
                registry.pins.extend(read.new_pins.iter().cloned());
                folder::save_registry(path, &keys, &registry)?;
            }
            let (mut teams, mut org_cells) = release::release(&read.rows, policy.k, period, from, to);
            // Noise keyed by the organisation's key: the same draw for a cell in any data
            // dir. The folder's admin holds that key and every install's rows anyway.
            let noise = policy.epsilon.map(|e| {
                let days = match period {
                    TeamPeriod::Day => 1,
                    TeamPeriod::Week => 7,
                    TeamPeriod::Month => 31,
                };
                NoiseStatement::new(e, days)
            });
            if let Some(statement) = &noise {
                let key = keys.secret_bytes();
                for cell in teams.iter_mut().chain(org_cells.iter_mut()) {
                    let draws = release::cell_noise(&key, statement, period, cell);
                    release::add_noise(cell, &draws, statement.epsilon);
                }
            }
            (teams, org_cells, read.skipped_files, read.skipped_cells, read.refused_enrolments, noise)
        }
    };
    teams = release::enforce_k(teams, policy.k);
    org_cells = release::enforce_k(org_cells, policy.k);
    store
        .audit(&AuditRow {
            at: String::new(),
            org: policy.org.clone(),
            action: action.to_string(),
            period: period.as_str().to_string(),
            from_day: from.to_string(),
            to_day: to.to_string(),
            k: policy.k,
            epsilon: noise.map(|n| n.epsilon),
            cells: (teams.len() + org_cells.len()) as u64,
        })
        .await?;
    Ok(TeamReport {
        org: policy.org.clone(),
        period,
        from,
        to,
        k: policy.k,
        noise,
        teams,
        org_cells,
        skipped_files,
        skipped_cells,
        refused_enrolments,
    })
}

/// The de-identified org summary for frontier insights (admin mode): the released org
/// cells of `monday`'s week and the `baseline_weeks` before it, summarized like a
/// personal summary but without after-hours figures (the cells are whole days).
/// Reading them is audited like any team view.
pub async fn team_summary(
    store: &Store,
    secrets: &SecretStore,
    policy: &Policy,
    monday: NaiveDate,
    baseline_weeks: u32,
) -> Result<crate::insights::summary::Summary, RollupError> {
    team_summary_with(store, Reader::Keyring(secrets), policy, monday, baseline_weeks).await
}

/// [`team_summary`], with the organisation opened by `reader`.
pub async fn team_summary_with(
    store: &Store,
    reader: Reader<'_>,
    policy: &Policy,
    monday: NaiveDate,
    baseline_weeks: u32,
) -> Result<crate::insights::summary::Summary, RollupError> {
    use crate::aggregate::BucketKey;
    use crate::insights::summary::{self, Scope};
    let monday = summary::week_of(monday);
    let from = monday - TimeDelta::weeks(i64::from(baseline_weeks));
    let report =
        team_report_with(store, reader, policy, (from, monday + TimeDelta::days(6)), TeamPeriod::Week, "insight")
            .await?;
    let zone = crate::zone::ReportZone::Named(policy.time_zone);
    let rows: Vec<crate::store::BucketRow> = report
        .org_cells
        .iter()
        .map(|c| crate::store::BucketRow {
            team: String::new(),
            key: BucketKey {
                start: zone.start_of_day(c.period_start).timestamp(),
                category: c.category,
                app: crate::analyze::AppName::other(),
            },
            totals: c.measures.totals(),
        })
        .collect();
    let mut s = summary::build_scoped(&rows, &zone, monday, baseline_weeks, None, Scope::Org)?;
    s.min_contributors = report.org_cells.iter().map(|c| c.contributors).min();
    Ok(s)
}

/// The team CSV's header: DESIGN §7a's, with `contributors` after `team`.
pub fn team_csv_header() -> Vec<&'static str> {
    let mut header = crate::report::CSV_HEADER.to_vec();
    header.insert(3, "contributors");
    header
}

/// The team CSV (DESIGN §7a plus `contributors`): released cells only, sorted by
/// period, team, category; `active_share` is of the team's released minutes. Each row
/// is the personal report's row (the same formatting) with the contributors added.
pub fn write_team_csv<W: Write>(report: &TeamReport, out: W) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    writer.write_record(team_csv_header()).map_err(io)?;
    for fields in team_csv_rows(report) {
        writer.write_record(fields).map_err(io)?;
    }
    writer.flush()
}

/// The team CSV's rows as fields (before CSV quoting), in its order: what the CSV
/// writes and the printable report shows.
pub fn team_csv_rows(report: &TeamReport) -> Vec<Vec<String>> {
    use std::collections::BTreeMap;
    let mut team_totals: BTreeMap<(NaiveDate, &str), i64> = BTreeMap::new();
    for c in &report.teams {
        *team_totals.entry((c.period_start, &c.team)).or_default() += c.measures.active_seconds;
    }
    let mut cells: Vec<&TeamCell> = report.teams.iter().collect();
    cells.sort_by(|a, b| {
        (a.period_start, &a.team, a.category.as_str()).cmp(&(b.period_start, &b.team, b.category.as_str()))
    });
    let mut rows = Vec::new();
    for c in cells {
        let row = crate::report::ReportRow {
            period_start: c.period_start.to_string(),
            period_end: report.period.end_of(c.period_start).to_string(),
            team: c.team.clone(),
            category: c.category,
            totals: c.measures.totals(),
            team_active_ms: team_totals[&(c.period_start, c.team.as_str())] * 1000,
        };
        let mut fields = row.fields().to_vec();
        fields.insert(3, c.contributors.to_string());
        rows.push(fields);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Category;
    use crate::rollup::Measures;

    #[test]
    fn a_team_label_that_starts_like_a_formula_is_quoted_in_the_team_csv() {
        // The policy refuses such labels, but a sink holds what any publisher wrote.
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let cell = |team: &str, negative| TeamCell {
            period_start: day,
            team: team.into(),
            category: Category::Meetings,
            contributors: 5,
            measures: Measures {
                active_seconds: 600,
                sentiment_negative: negative,
                sentiment_positive: 1,
                ..Default::default()
            },
            epsilon: None,
        };
        let report = TeamReport {
            org: "acme".into(),
            period: TeamPeriod::Day,
            from: day,
            to: day,
            k: 5,
            noise: None,
            teams: vec![cell("=HYPERLINK(\"http://x\")", 3), cell("@platform", 0)],
            org_cells: Vec::new(),
            skipped_files: 0,
            skipped_cells: 0,
            refused_enrolments: 0,
        };
        let mut out = Vec::new();
        write_team_csv(&report, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[1].starts_with("2026-11-02,2026-11-03,\"'=HYPERLINK(\"\"http://x\"\")\",5,meetings,"), "{out}");
        assert!(lines[1].ends_with(",-0.5000"), "a negative mean stays a number: {out}");
        assert!(lines[2].starts_with("2026-11-02,2026-11-03,'@platform,5,meetings,"), "{out}");
    }
}
