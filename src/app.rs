//! The engine as the desktop shell sees it: one [`App`] holding the store, the config
//! and the analyzer, with one method per thing a window can ask for. Every Tauri
//! command is a single call here, so the shell holds no SQL, metric, rule or model code.
//!
//! Errors cross to the UI as [`UiError`]: a message, and for settings the field it is
//! about, so the form can show it next to that field.

use crate::analyze::rules::{CategoryRules, RuleSpec, RulesFile};
use crate::analyze::Analyzer;
use crate::config::{Config, ReportZone};
use crate::dashboard::{self, Dashboard, Range};
use crate::insights::provider::{ProviderKind, ProviderSettings};
use crate::insights::summary::{self, WorkingHours};
use crate::insights::{self, Period};
use crate::report::{self, Period as ReportPeriod};
use crate::secrets::{provider_key_name, BackendChoice, Secret, SecretStore};
use crate::store::ledger::LedgerEntry;
use crate::store::{Store, TableView, SHOWN_TABLES};
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::RwLock;

/// An error as the UI shows it: what went wrong, and the settings field when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl UiError {
    fn field(field: impl Into<String>, message: impl Into<String>) -> UiError {
        UiError { message: message.into(), field: Some(field.into()) }
    }
}

impl<E: std::error::Error> From<E> for UiError {
    fn from(e: E) -> UiError {
        UiError { message: e.to_string(), field: None }
    }
}

type UiResult<T> = Result<T, UiError>;

fn msg(message: impl Into<String>) -> UiError {
    UiError { message: message.into(), field: None }
}

/// Where the app keeps things.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Default: the platform data dir (`~/.local/share/tally`).
    pub data_dir: Option<PathBuf>,
    /// Default: `~/.config/tally/config.toml`.
    pub config: Option<PathBuf>,
    pub model_dir: Option<PathBuf>,
    pub no_model: bool,
    /// A model that cannot load stops [`App::open`] instead of falling back to the lexicon.
    pub require_model: bool,
    /// Default: TALLY_POLICY, /etc/tally/policy.toml, ~/.config/tally/policy.toml.
    pub policy: Option<PathBuf>,
}

struct Current {
    store: Store,
    data_dir: PathBuf,
    demo: bool,
}

pub struct App {
    options: AppOptions,
    /// The live collector, while it runs; it always writes to the real store.
    collector: tokio::sync::Mutex<Option<crate::collect::CollectorHandle>>,
    config_path: PathBuf,
    config: RwLock<Config>,
    current: RwLock<Current>,
    analyzer: RwLock<Arc<Analyzer>>,
    engine: RwLock<String>,
    http: reqwest::Client,
    /// The IT policy, when this install is part of an organisation rollup.
    policy: Option<crate::rollup::policy::Policy>,
    /// Why the policy could not be read (shown in the Privacy view), if it exists but is wrong.
    policy_problem: Option<String>,
}

/// The demo store lives beside the real one and is always marked as demo data.
const DEMO_DIR: &str = "tally-demo";

fn default_data_dir() -> UiResult<PathBuf> {
    Ok(dirs::data_dir().ok_or_else(|| msg("no platform data directory"))?.join("tally"))
}

impl App {
    pub async fn open(options: AppOptions) -> UiResult<App> {
        let config_path = match &options.config {
            Some(p) => p.clone(),
            None => {
                dirs::config_dir().ok_or_else(|| msg("no platform config directory"))?.join("tally").join("config.toml")
            }
        };
        let config = if config_path.exists() { Config::load(Some(&config_path))? } else { Config::default() };
        let data_dir = match &options.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        crate::files::private_dir(&data_dir)
            .map_err(|e| msg(format!("cannot create the data directory {}: {e}", data_dir.display())))?;
        let store = Store::open(&data_dir).await?;
        let (analyzer, engine) = build_analyzer(&options, &config)?;
        let (policy, policy_problem) = match crate::rollup::policy::Policy::find(options.policy.as_deref()) {
            Ok(p) => (Some(p), None),
            Err(crate::rollup::policy::PolicyError::Missing) => (None, None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(App {
            policy,
            policy_problem,
            options,
            collector: tokio::sync::Mutex::new(None),
            config_path,
            config: RwLock::new(config),
            current: RwLock::new(Current { store, data_dir, demo: false }),
            analyzer: RwLock::new(Arc::new(analyzer)),
            engine: RwLock::new(engine),
            http: insights::client::http_client(),
        })
    }

    pub async fn store(&self) -> Store {
        self.current.read().await.store.clone()
    }

    pub async fn analyzer(&self) -> Arc<Analyzer> {
        self.analyzer.read().await.clone()
    }

    /// Which engine runs, e.g. `tally-encoder-1.7 (int8 ONNX, 1 thread)`.
    pub async fn engine(&self) -> String {
        self.engine.read().await.clone()
    }

    pub async fn config(&self) -> Config {
        self.config.read().await.clone()
    }

    fn zone(config: &Config) -> UiResult<ReportZone> {
        config.zone(None).map_err(|m| UiError::field("timezone", m))
    }

    /// What the window header shows: which store, which engine, demo or not.
    pub async fn status(&self) -> AppStatus {
        let current = self.current.read().await;
        AppStatus {
            data_dir: current.data_dir.display().to_string(),
            demo: current.demo,
            engine: self.engine.read().await.clone(),
            config_path: self.config_path.display().to_string(),
            admin: self.policy.as_ref().is_some_and(|p| p.admin),
        }
    }

    fn policy(&self) -> UiResult<&crate::rollup::policy::Policy> {
        match (&self.policy, &self.policy_problem) {
            (Some(p), _) => Ok(p),
            (None, Some(problem)) => Err(msg(problem.clone())),
            (None, None) => Err(msg(crate::rollup::policy::PolicyError::Missing.to_string())),
        }
    }

    /// This install's place in an organisation rollup, for the Privacy view.
    pub async fn org_status(&self) -> UiResult<OrgStatus> {
        let Some(policy) = &self.policy else {
            return Ok(OrgStatus { problem: self.policy_problem.clone(), ..OrgStatus::default() });
        };
        let store = self.real_store().await?;
        let enrolment = store.enrolment(&policy.org).await?;
        // How many installs share this person's team label: made-up installs aimed at
        // them show here. A sink that cannot be reached says so instead.
        let (team_status, team_status_error) = match &enrolment {
            None => (None, None),
            Some(_) => {
                // The Privacy view must not hang on an unreachable database.
                let status = match SecretStore::open(BackendChoice::from_env()?) {
                    Ok(secrets) => tokio::time::timeout(
                        std::time::Duration::from_secs(5),
                        crate::rollup::actions::team_status(&store, &secrets, policy),
                    )
                    .await
                    .map_err(|_| "the organisation's sink did not answer within 5 s".to_string())
                    .and_then(|r| r.map_err(|e| e.to_string())),
                    Err(e) => Err(e.to_string()),
                };
                match status {
                    Ok(s) => (Some(s), None),
                    Err(e) => (None, Some(e)),
                }
            }
        };
        Ok(OrgStatus {
            org: Some(policy.org.clone()),
            team: Some(policy.team.clone()),
            sink: Some(policy.sink.kind().to_string()),
            install_id: enrolment.map(|e| e.install_id),
            k: policy.k,
            admin: policy.admin,
            problem: None,
            team_status,
            team_status_error,
            admin_sees_daily_cells: matches!(policy.sink, crate::rollup::policy::SinkConfig::Folder { .. }),
        })
    }

    /// Publishes this install's new daily aggregates, if it is enrolled (the shell calls
    /// this on the policy's schedule). `None`: not part of a rollup.
    pub async fn publish_if_enrolled(&self) -> UiResult<Option<crate::rollup::actions::Published>> {
        let Some(policy) = &self.policy else { return Ok(None) };
        let store = self.real_store().await?;
        if store.enrolment(&policy.org).await?.is_none() {
            return Ok(None);
        }
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        let today = chrono::Utc::now().with_timezone(&policy.time_zone).date_naive();
        let analyzer = self.analyzer().await;
        Ok(Some(crate::rollup::actions::publish(&store, &analyzer, &secrets, policy, today, false).await?))
    }

    /// Withdraws everything this install contributed to its organisation (the Privacy
    /// view's button; the same as `tally forget --org`). Local data stays.
    pub async fn withdraw_org(&self) -> UiResult<u64> {
        let policy = self.policy()?;
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        Ok(crate::rollup::actions::withdraw(&self.real_store().await?, &secrets, policy).await?)
    }

    /// How often the shell publishes, when a policy says so.
    pub fn publish_interval(&self) -> Option<std::time::Duration> {
        self.policy.as_ref().map(|p| std::time::Duration::from_secs(u64::from(p.publish_interval_hours) * 3600))
    }

    /// The Teams view (admin mode): released team and org cells; recorded in the audit log.
    pub async fn teams(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: crate::rollup::TeamPeriod,
    ) -> UiResult<crate::rollup::actions::TeamReport> {
        self.team_report(from, to, by, "view").await
    }

    /// Released cells from the org sink, recorded in the audit log as `action`.
    async fn team_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: crate::rollup::TeamPeriod,
        action: &str,
    ) -> UiResult<crate::rollup::actions::TeamReport> {
        if to < from {
            return Err(UiError::field("to", "the last date is before the first"));
        }
        let policy = self.policy()?;
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        let store = self.real_store().await?;
        Ok(crate::rollup::actions::team_report(&store, &secrets, policy, (from, to), by, action).await?)
    }

    /// Writes the team CSV to `path` (atomically); returns its rows.
    pub async fn export_team_csv(
        &self,
        path: &Path,
        from: NaiveDate,
        to: NaiveDate,
        by: crate::rollup::TeamPeriod,
    ) -> UiResult<usize> {
        let report = self.team_report(from, to, by, "export-csv").await?;
        let mut bytes = Vec::new();
        crate::rollup::actions::write_team_csv(&report, &mut bytes)?;
        crate::files::write_atomically(path, |file| std::io::Write::write_all(file, &bytes))
            .map_err(|e| msg(format!("cannot write {}: {e}", path.display())))?;
        Ok(report.teams.len())
    }

    fn real_data_dir(&self) -> UiResult<PathBuf> {
        match &self.options.data_dir {
            Some(d) => Ok(d.clone()),
            None => default_data_dir(),
        }
    }

    /// The real store (never the demo one): consent, collection and deletion act on it.
    async fn real_store(&self) -> UiResult<Store> {
        let current = self.current.read().await;
        if !current.demo {
            return Ok(current.store.clone());
        }
        Ok(Store::open(&self.real_data_dir()?).await?)
    }

    pub async fn consent(&self) -> UiResult<crate::store::ConsentStatus> {
        Ok(crate::consent::status(&self.real_store().await?).await?)
    }

    /// Records the employee's agreement and starts collecting.
    pub async fn agree(&self) -> UiResult<CollectionView> {
        crate::consent::agree(&self.real_store().await?).await?;
        self.start_collector().await
    }

    /// Withdraws consent: the collector stops (and flushes) and will not start again.
    pub async fn withdraw(&self) -> UiResult<CollectionView> {
        crate::consent::withdraw(&self.real_store().await?).await?;
        self.stop_collector().await?;
        self.collection().await
    }

    /// Starts the collector if consent is given and it is not running.
    pub async fn start_collector(&self) -> UiResult<CollectionView> {
        let mut slot = self.collector.lock().await;
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            drop(slot);
            return self.collection().await;
        }
        let store = self.real_store().await?;
        if crate::consent::status(&store).await?.agreed {
            let config = self.config().await;
            let options = crate::collect::CollectorOptions {
                poll: config.collect.poll(),
                idle_timeout: config.collect.idle_timeout(),
                data_dir: self.real_data_dir()?,
                team: config.team().to_string(),
                focus: config.focus,
            };
            let handle =
                crate::collect::Collector::start(&store, self.analyzer().await, config.exclusions()?, options).await?;
            *slot = Some(handle);
        }
        drop(slot);
        self.collection().await
    }

    /// Stops the collector (its held minute is flushed), e.g. at quit.
    pub async fn stop_collector(&self) -> UiResult<()> {
        if let Some(handle) = self.collector.lock().await.take() {
            handle.stop().await?;
        }
        Ok(())
    }

    /// Pauses or resumes collection at once; the pause survives restarts.
    pub async fn set_paused(&self, paused: bool) -> UiResult<CollectionView> {
        let flag = crate::collect::PauseFlag::in_dir(&self.real_data_dir()?);
        let result = if paused { flag.set() } else { flag.clear() };
        result.map_err(|e| msg(format!("cannot change the pause flag: {e}")))?;
        if let Some(handle) = self.collector.lock().await.as_ref() {
            if paused {
                handle.pause()?;
            } else {
                handle.resume()?;
            }
        }
        self.collection().await
    }

    /// Consent, pause and the collector's state, as the tray and the Privacy view show them.
    pub async fn collection(&self) -> UiResult<CollectionView> {
        let consent = self.consent().await?;
        let paused = crate::collect::PauseFlag::in_dir(&self.real_data_dir()?).is_set();
        let status = self.collector.lock().await.as_ref().map(|h| h.status());
        let session = crate::collect::Session::from_env();
        Ok(CollectionView {
            consented: consent.agreed,
            paused,
            running: status.as_ref().is_some_and(|s| s.running),
            titles_available: session.titles_available(),
            note: status.as_ref().and_then(|s| s.note.clone()).or_else(|| session.note()),
            last_error: status.and_then(|s| s.last_error),
        })
    }

    /// A pulse check-in: through anonymize → score → aggregate; the text is dropped.
    pub async fn pulse(&self, text: &str, mood: Option<u8>) -> UiResult<crate::pulse::PulseOutcome> {
        let config = self.config().await;
        let store = self.real_store().await?;
        let analyzer = self.analyzer().await;
        crate::pulse::record(&store, &analyzer, &config, text, mood)
            .await
            .map_err(|e| UiError::field("pulse", e.to_string()))
    }

    /// Deletes aggregates older than the configured `retention_days` (nothing without it).
    pub async fn apply_retention(&self) -> UiResult<Option<crate::store::Forgotten>> {
        let Some(days) = self.config().await.retention_days else { return Ok(None) };
        let now = chrono::Utc::now().timestamp();
        let cutoff = now - i64::from(days) * 86_400;
        let cutoff = cutoff - cutoff.rem_euclid(crate::aggregate::BUCKET_SECONDS);
        Ok(Some(self.real_store().await?.forget(Some((i64::MIN, cutoff))).await?))
    }

    /// Delete my data: everything, or the local dates `from..=to`.
    /// Names an unrecognised app (a keyed app id, `app:` and 12 hex digits) for the
    /// user's own view; an empty `label` removes the name. Only what the user typed is
    /// stored, on the real store; it never leaves the machine.
    pub async fn label_app(&self, app_id: &str, label: &str) -> UiResult<Vec<AppLabel>> {
        let app = crate::event::AppName::from_stored(app_id);
        let hex = app_id.strip_prefix(crate::analyze::apps::APP_ID_PREFIX).unwrap_or_default();
        if !(hex.len() == 12 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))) {
            return Err(UiError::field("app_label.app", "not an unrecognised app"));
        }
        let label = label.trim();
        if label.chars().count() > APP_LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(UiError::field(
                "app_label.label",
                format!("a name of at most {APP_LABEL_CHARS} characters, without control characters"),
            ));
        }
        let store = self.real_store().await?;
        store.set_app_label(&app, (!label.is_empty()).then_some(label)).await?;
        self.app_labels().await
    }

    /// The names the user gave unrecognised apps.
    pub async fn app_labels(&self) -> UiResult<Vec<AppLabel>> {
        let labels = self.real_store().await?.app_labels().await?;
        Ok(labels.into_iter().map(|(app, label)| AppLabel { app: app.as_str().to_string(), label }).collect())
    }

    pub async fn forget(&self, range: Option<(NaiveDate, NaiveDate)>) -> UiResult<crate::store::Forgotten> {
        let store = self.real_store().await?;
        let utc = match range {
            None => None,
            Some((from, to)) => {
                if to < from {
                    return Err(UiError::field("forget.to", "the last date is before the first"));
                }
                let zone = Self::zone(&self.config().await)?;
                Some(report::date_range(&zone, from, to))
            }
        };
        Ok(store.forget(utc).await?)
    }

    pub async fn dashboard(&self, range: Range, to: Option<NaiveDate>, team: Option<String>) -> UiResult<Dashboard> {
        let config = self.config().await;
        let zone = Self::zone(&config)?;
        let to = to.unwrap_or_else(|| report::today(&zone));
        let (lo, hi) = dashboard::rows_needed(&zone, range, to);
        let rows = self.store().await.buckets(lo, hi).await?;
        Ok(dashboard::build(&rows, &zone, range, to, team.as_deref()))
    }

    /// The latest date with stored activity, so an empty "today" can jump to data.
    pub async fn latest_date(&self) -> UiResult<Option<NaiveDate>> {
        let zone = Self::zone(&self.config().await)?;
        let extent = self.store().await.extent().await?;
        Ok(extent.map(|(_, hi)| {
            let instant = chrono::DateTime::from_timestamp(hi, 0).unwrap_or_default();
            instant.with_timezone(&zone.offset_at(instant)).date_naive()
        }))
    }

    /// The Privacy view: the stored tables as they are, detections by label, the
    /// exclusions in force and the ledger.
    pub async fn privacy(&self) -> UiResult<PrivacyView> {
        let store = self.store().await;
        let mut tables = Vec::new();
        for name in SHOWN_TABLES {
            tables.push(store.table_view(name, 50).await?);
        }
        let mut redactions = std::collections::BTreeMap::new();
        if let Some((lo, hi)) = store.extent().await? {
            for row in store.buckets(lo, hi + 900).await? {
                for (label, n) in crate::analyze::span::PiiLabel::ALL.iter().zip(row.totals.redactions) {
                    if n > 0 {
                        *redactions.entry(label.as_str().to_string()).or_insert(0) += n;
                    }
                }
            }
        }
        let config = self.config().await;
        Ok(PrivacyView {
            tables,
            redactions_by_label: redactions,
            exclusions: Exclusions {
                apps: config.exclude.apps.clone(),
                titles: config.exclude.titles.clone(),
                urls: config.exclude.urls.clone(),
                private_windows: config.exclude.private_windows,
            },
            ledger: store.ledger(200).await?,
            redactors: store.redactor_versions(i64::MIN, i64::MAX).await?,
            org: self.org_status().await?,
        })
    }

    /// Writes the CSV report of DESIGN §7a to `path` (atomically); returns its rows.
    pub async fn export_csv(&self, path: &Path, from: NaiveDate, to: NaiveDate, by: ReportPeriod) -> UiResult<usize> {
        if to < from {
            return Err(UiError::field("to", "the last date is before the first"));
        }
        let zone = Self::zone(&self.config().await)?;
        let (lo, hi) = report::date_range(&zone, from, to);
        let rows = report::report_rows(&self.store().await.buckets(lo, hi).await?, &zone, by);
        let mut bytes = Vec::new();
        report::write_csv(&rows, &mut bytes)?;
        crate::files::write_atomically(path, |file| std::io::Write::write_all(file, &bytes))
            .map_err(|e| msg(format!("cannot write {}: {e}", path.display())))?;
        Ok(rows.len())
    }

    /// Switches between the real store and a generated demo month (clearly marked).
    pub async fn use_demo(&self, demo: bool) -> UiResult<AppStatus> {
        let real = match &self.options.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        let dir = if demo { real.parent().unwrap_or(Path::new(".")).join(DEMO_DIR) } else { real };
        crate::files::private_dir(&dir).map_err(|e| msg(format!("cannot create {}: {e}", dir.display())))?;
        let store = Store::open(&dir).await?;
        if demo && store.extent().await?.is_none() {
            self.fill_demo(&store).await?;
        }
        let old = std::mem::replace(&mut *self.current.write().await, Current { store, data_dir: dir, demo });
        old.store.close().await;
        Ok(self.status().await)
    }

    /// Imports a generated month ending now into `store`, through the whole pipeline.
    async fn fill_demo(&self, store: &Store) -> UiResult<()> {
        let mut shape = crate::synth::shape_for_total(20_000, 42);
        let now = chrono::Utc::now().timestamp();
        shape.end = now - now % 900;
        let mut export = Vec::new();
        crate::synth::write_aw_export(&mut export, shape)?;
        let file = tempfile_in(store.path().parent().unwrap_or(Path::new(".")), &export)?;
        let result = self.run_import(store, &file, crate::import::Format::Aw).await;
        let _ = std::fs::remove_file(&file);
        result.map(|_| ())
    }

    /// Runs a file through the whole pipeline into the current store (the same as
    /// `tally import`); a file imported before changes nothing, and a corrected file
    /// replaces its partial import.
    pub async fn import_file(&self, path: &Path, format: crate::import::Format) -> UiResult<ImportReport> {
        let store = self.store().await;
        self.run_import(&store, path, format).await
    }

    async fn run_import(&self, store: &Store, path: &Path, format: crate::import::Format) -> UiResult<ImportReport> {
        let config = self.config().await;
        let source = crate::import::FileSource {
            format,
            path: path.to_path_buf(),
            progress: crate::import::ReadProgress::default(),
        };
        let options =
            crate::pipeline::RunOptions::new(config.team(), config.focus, crate::pipeline::CHECKPOINT_RECORDS);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut first_problems = Vec::new();
        let summary = crate::pipeline::run(store, self.analyzer().await, Box::new(source), options, stop, |error| {
            if first_problems.len() < 5 {
                first_problems.push(error.to_string());
            }
        })
        .await
        .map_err(|e| msg(format!("importing {}: {e}", path.display())))?;
        Ok(ImportReport {
            imported: summary.imported,
            skipped: summary.skipped,
            replaced: summary.replaced,
            already_imported: summary.outcome == crate::pipeline::RunOutcome::AlreadyImported,
            problems: first_problems,
        })
    }

    pub async fn settings(&self) -> Settings {
        let config = self.config().await;
        Settings {
            team: config.team.clone().unwrap_or_default(),
            timezone: config.timezone.clone().unwrap_or_default(),
            working_hours: WorkingHoursEdit::from(&config.insights.working_hours),
            idle_timeout_minutes: config.collect.idle_timeout_minutes,
            retention_days: config.retention_days,
            rules: config.rules.rule.iter().map(RuleEdit::from).collect(),
            providers: Vec::new(),
            config_path: self.config_path.display().to_string(),
        }
    }

    /// Settings plus the providers (the store is async).
    pub async fn settings_with_providers(&self) -> UiResult<Settings> {
        let mut settings = self.settings().await;
        let secrets = SecretStore::open(BackendChoice::from_env()?).ok();
        for (p, is_default) in self.store().await.providers().await? {
            let has_key = secrets.as_ref().and_then(|s| s.get(&provider_key_name(&p.name)).ok().flatten()).is_some();
            settings.providers.push(ProviderView { settings: p, is_default, has_key });
        }
        Ok(settings)
    }

    /// Validates every field, then writes the config file atomically and applies it;
    /// on any error nothing is written and the first error names its field.
    pub async fn save_settings(&self, edit: SettingsEdit) -> UiResult<Settings> {
        let team = edit.team.trim().to_string();
        if !team.is_empty() && (team.chars().count() > 64 || team.chars().any(char::is_control)) {
            return Err(UiError::field("team", "a team label is 1–64 printable characters"));
        }
        if crate::report::starts_like_formula(&team) {
            return Err(UiError::field(
                "team",
                "a team label may not start with =, +, -, @, tab or carriage return: spreadsheets read it as a formula",
            ));
        }
        let timezone = edit.timezone.trim().to_string();
        if !timezone.is_empty() && timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(UiError::field(
                "timezone",
                format!("unknown IANA time zone `{timezone}` (e.g. Europe/Berlin)"),
            ));
        }
        let hours = edit.working_hours.parse()?;
        let collect = crate::config::CollectConfig {
            idle_timeout_minutes: edit.idle_timeout_minutes,
            ..self.config().await.collect
        };
        if edit.retention_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(UiError::field("retention_days", "keep 1 to 3650 days, or leave it empty to keep everything"));
        }
        if let Some((field, why)) = collect.problem() {
            return Err(UiError::field(format!("collect.{field}"), format!("idle timeout: {why}")));
        }
        let mut rules = Vec::new();
        for (i, rule) in edit.rules.iter().enumerate() {
            let spec = rule.to_spec();
            let one = RulesFile { replace_builtin: true, rules: vec![spec.clone()] };
            if let Err(e) = CategoryRules::new(&one, "settings") {
                let field = match &e {
                    crate::analyze::rules::RuleError::BadRegex { field, .. } => format!("rules.{i}.{field}"),
                    crate::analyze::rules::RuleError::UnknownCategory { .. } => format!("rules.{i}.category"),
                    _ => format!("rules.{i}"),
                };
                let text = e.to_string().replace("settings: rule #1", &format!("rule {}", i + 1));
                return Err(UiError::field(field, text));
            }
            rules.push(spec);
        }
        // Build the new file from the old one so keys the form does not show survive.
        let mut table: toml::Table = match std::fs::read_to_string(&self.config_path) {
            Ok(text) => text.parse().map_err(|e| msg(format!("config file {}: {e}", self.config_path.display())))?,
            Err(_) => toml::Table::new(),
        };
        set_or_remove(&mut table, "team", (!team.is_empty()).then(|| toml::Value::String(team.clone())));
        set_or_remove(&mut table, "retention_days", edit.retention_days.map(|d| toml::Value::Integer(i64::from(d))));
        set_or_remove(&mut table, "timezone", (!timezone.is_empty()).then(|| toml::Value::String(timezone.clone())));
        let insights = table.entry("insights").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = insights {
            t.insert("working_hours".into(), toml::Value::try_from(&hours)?);
        }
        let collect_table = table.entry("collect").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = collect_table {
            t.insert("idle_timeout_minutes".into(), toml::Value::Float(collect.idle_timeout_minutes));
        }
        let rules_table = table.entry("rules").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = rules_table {
            t.insert("rule".into(), toml::Value::try_from(&rules)?);
        }
        let text = toml::to_string_pretty(&table)?;
        // The whole file must still load before it replaces the old one.
        let staged = self.config_path.with_extension("toml.staged");
        if let Some(dir) = self.config_path.parent() {
            crate::files::private_dir(dir).map_err(|e| msg(format!("cannot create {}: {e}", dir.display())))?;
        }
        crate::files::write_private(&staged, text.as_bytes())
            .map_err(|e| msg(format!("cannot write {}: {e}", staged.display())))?;
        let loaded = Config::load(Some(&staged)).and_then(|c| c.category_rules().map(|_| c));
        let config = match loaded {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                return Err(msg(e.to_string()));
            }
        };
        std::fs::rename(&staged, &self.config_path)
            .map_err(|e| msg(format!("cannot replace {}: {e}", self.config_path.display())))?;
        let mut config = config;
        config.origin = Some(self.config_path.clone());
        let (analyzer, engine) = build_analyzer(&self.options, &config)?;
        *self.analyzer.write().await = Arc::new(analyzer);
        *self.engine.write().await = engine;
        *self.config.write().await = config;
        // A running collector picks up the new rules, exclusions and idle timeout.
        let running = self.collector.lock().await.as_ref().is_some_and(|h| !h.is_finished());
        if running {
            self.stop_collector().await?;
            self.start_collector().await?;
        }
        self.apply_retention().await?;
        self.settings_with_providers().await
    }

    /// Adds or changes a provider; a key, when given, goes to the OS keyring only.
    pub async fn save_provider(&self, edit: ProviderEdit) -> UiResult<Settings> {
        let kind = ProviderKind::parse(&edit.kind)
            .ok_or_else(|| UiError::field("provider.kind", "choose openai, azure-openai or anthropic"))?;
        let settings = ProviderSettings {
            name: edit.name.trim().to_string(),
            kind,
            base_url: edit.base_url.trim().to_string(),
            model: edit.model.trim().to_string(),
            max_tokens: edit.max_tokens.unwrap_or(insights::provider::DEFAULT_MAX_TOKENS),
            timeout_secs: edit.timeout_secs.unwrap_or(insights::provider::DEFAULT_TIMEOUT_SECS),
            max_retries: insights::provider::DEFAULT_MAX_RETRIES,
            retry_base_ms: insights::provider::DEFAULT_RETRY_BASE_MS,
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
        Ok(InsightPreview {
            provider: p.provider.map(|s| s.name),
            endpoint: p.endpoint,
            body: String::from_utf8_lossy(&p.body).into_owned(),
            sha256: p.sha256,
            findings: p.findings.iter().map(ToString::to_string).collect(),
            week: period.monday,
        })
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

/// Longest name the user may give an unrecognised app, in characters.
const APP_LABEL_CHARS: usize = 60;

/// The user's name for an unrecognised app.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppLabel {
    /// The keyed app id, `app:` and 12 hex digits.
    pub app: String,
    pub label: String,
}

fn build_analyzer(options: &AppOptions, config: &Config) -> UiResult<(Analyzer, String)> {
    let choice = crate::config::ModelChoice {
        off: options.no_model,
        required: options.require_model,
        variant: None,
        dir: options.model_dir.clone(),
    };
    let (analyzer, engine) = config.analyzer(&choice)?;
    // Unrecognised app names become keyed ids, or `other` without a keyring; never the raw name.
    let app_key = crate::analyze::app_key_from_keyring().ok();
    Ok((analyzer.with_app_key(app_key), engine))
}

fn set_or_remove(table: &mut toml::Table, key: &str, value: Option<toml::Value>) {
    match value {
        Some(v) => {
            table.insert(key.to_string(), v);
        }
        None => {
            table.remove(key);
        }
    }
}

fn tempfile_in(dir: &Path, bytes: &[u8]) -> UiResult<PathBuf> {
    let path = dir.join(format!(".demo-{}.json", std::process::id()));
    crate::files::write_private(&path, bytes).map_err(|e| msg(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// What an import did, for the UI.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub imported: u64,
    pub skipped: u64,
    /// Earlier partial imports of the file (a corrected file) that this one replaced.
    pub replaced: u64,
    pub already_imported: bool,
    /// The first few skipped records' problems (positions, never values).
    pub problems: Vec<String>,
}

/// Live collection as the tray and the Privacy view show it.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionView {
    pub consented: bool,
    pub paused: bool,
    pub running: bool,
    /// False on a Wayland session: app-level activity only.
    pub titles_available: bool,
    pub note: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    pub data_dir: String,
    pub demo: bool,
    pub engine: String,
    pub config_path: String,
    /// Admin mode (from the policy): the Teams view is shown.
    pub admin: bool,
}

/// This install's organisation rollup, as the Privacy view shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgStatus {
    pub org: Option<String>,
    pub team: Option<String>,
    pub sink: Option<String>,
    /// The random install id, once enrolled.
    pub install_id: Option<String>,
    pub k: u32,
    pub admin: bool,
    /// A policy file that exists but could not be used.
    pub problem: Option<String>,
    /// Installs enrolled in this install's team (and its roster), once enrolled.
    pub team_status: Option<crate::rollup::postgres::TeamStatus>,
    pub team_status_error: Option<String>,
    /// A shared folder's admin holds the key that opens every install's daily cells:
    /// the Privacy and consent views say so (docs/threat-model.md).
    pub admin_sees_daily_cells: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrivacyView {
    pub tables: Vec<TableView>,
    pub redactions_by_label: std::collections::BTreeMap<String, i64>,
    pub exclusions: Exclusions,
    pub ledger: Vec<LedgerEntry>,
    /// Which redactor versions produced the stored aggregates (a model update shows here).
    pub redactors: Vec<crate::store::RedactorVersion>,
    /// The organisation rollup this install contributes to, if any.
    pub org: OrgStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exclusions {
    pub apps: Vec<String>,
    pub titles: Vec<String>,
    pub urls: Vec<String>,
    pub private_windows: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub team: String,
    pub timezone: String,
    pub working_hours: WorkingHoursEdit,
    pub idle_timeout_minutes: f64,
    pub retention_days: Option<u32>,
    pub rules: Vec<RuleEdit>,
    pub providers: Vec<ProviderView>,
    pub config_path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    #[serde(flatten)]
    pub settings: ProviderSettings,
    pub is_default: bool,
    pub has_key: bool,
}

/// What the Settings form sends back.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingsEdit {
    pub team: String,
    pub timezone: String,
    pub working_hours: WorkingHoursEdit,
    pub idle_timeout_minutes: f64,
    pub retention_days: Option<u32>,
    pub rules: Vec<RuleEdit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkingHoursEdit {
    /// `HH:MM`
    pub start: String,
    pub end: String,
    /// `mon` … `sun`
    pub days: Vec<String>,
}

impl From<&WorkingHours> for WorkingHoursEdit {
    fn from(h: &WorkingHours) -> Self {
        WorkingHoursEdit {
            start: h.start.format("%H:%M").to_string(),
            end: h.end.format("%H:%M").to_string(),
            days: h.days.iter().map(|d| d.to_string().to_lowercase()).collect(),
        }
    }
}

impl WorkingHoursEdit {
    fn parse(&self) -> UiResult<WorkingHours> {
        let time = |field: &str, v: &str| {
            NaiveTime::parse_from_str(v.trim(), "%H:%M")
                .map_err(|_| UiError::field(format!("working_hours.{field}"), "use a 24-hour time like 09:00"))
        };
        let start = time("start", &self.start)?;
        let end = time("end", &self.end)?;
        if end <= start {
            return Err(UiError::field("working_hours.end", "the working day must end after it starts"));
        }
        let mut days = Vec::new();
        for d in &self.days {
            let day: Weekday =
                d.parse().map_err(|_| UiError::field("working_hours.days", format!("unknown day `{d}`")))?;
            if days.contains(&day) {
                return Err(UiError::field("working_hours.days", format!("{day} is listed twice")));
            }
            days.push(day);
        }
        if days.is_empty() {
            return Err(UiError::field("working_hours.days", "pick at least one working day"));
        }
        Ok(WorkingHours { start, end, days })
    }
}

/// One category rule as the rules editor shows it (empty strings for absent fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleEdit {
    pub category: String,
    pub app: String,
    pub title: String,
    pub url: String,
    pub priority: Option<i32>,
}

impl From<&RuleSpec> for RuleEdit {
    fn from(r: &RuleSpec) -> Self {
        RuleEdit {
            category: r.category.clone(),
            app: r.app.clone().unwrap_or_default(),
            title: r.title.clone().unwrap_or_default(),
            url: r.url.clone().unwrap_or_default(),
            priority: r.priority,
        }
    }
}

impl RuleEdit {
    fn to_spec(&self) -> RuleSpec {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        RuleSpec {
            category: self.category.trim().to_string(),
            app: opt(&self.app),
            title: opt(&self.title),
            url: opt(&self.url),
            priority: self.priority,
            ignore_case: None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(settings: &Settings) -> SettingsEdit {
        SettingsEdit {
            team: settings.team.clone(),
            timezone: "UTC".into(),
            working_hours: settings.working_hours.clone(),
            idle_timeout_minutes: settings.idle_timeout_minutes,
            retention_days: settings.retention_days,
            rules: settings.rules.clone(),
        }
    }

    async fn app(dir: &Path) -> App {
        let options = AppOptions {
            data_dir: Some(dir.join("data")),
            config: Some(dir.join("config.toml")),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy: None,
        };
        App::open(options).await.unwrap()
    }

    #[tokio::test]
    async fn the_user_names_unrecognised_apps_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let id = "app:1a2b3c4d5e6f";
        assert_eq!(
            app.label_app(id, "  Ledger tool ").await.unwrap(),
            [AppLabel { app: id.into(), label: "Ledger tool".into() }]
        );
        assert_eq!(app.label_app(id, "Ledger").await.unwrap()[0].label, "Ledger");
        for bad in ["code", "app:1A2B3C4D5E6F", "app:1a2b", "Maria Garcia"] {
            let e = app.label_app(bad, "x").await.unwrap_err();
            assert_eq!(e.field.as_deref(), Some("app_label.app"), "{bad}");
            assert!(!e.message.contains(bad), "the error names the field, not the value");
        }
        let e = app.label_app(id, &"x".repeat(61)).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("app_label.label"));
        assert!(app.label_app(id, "").await.unwrap().is_empty(), "an empty name removes it");
        app.label_app(id, "Ledger").await.unwrap();
        app.forget(None).await.unwrap();
        assert!(app.app_labels().await.unwrap().is_empty(), "forgetting everything forgets app names");
    }

    #[tokio::test]
    async fn the_privacy_view_shows_the_enrolled_count_and_the_folder_admins_trust() {
        let dir = tempfile::tempdir().unwrap();
        let share = dir.path().join("share");
        std::fs::create_dir_all(share.join("enrol")).unwrap();
        for _ in 0..7 {
            let id = crate::rollup::InstallId::random();
            std::fs::write(share.join("enrol").join(format!("{id}.sealed")), b"sealed").unwrap();
        }
        let policy = dir.path().join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "[org]\nid = \"acme\"\nteam = \"alpha\"\n[sink]\nkind = \"folder\"\npath = \"{}\"\norg_public_key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n",
                share.display()
            ),
        )
        .unwrap();
        let options = AppOptions {
            data_dir: Some(dir.path().join("data")),
            config: Some(dir.path().join("config.toml")),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy: Some(policy),
        };
        let app = App::open(options).await.unwrap();
        let before = app.org_status().await.unwrap();
        assert!(before.admin_sees_daily_cells, "a folder policy: the admin holds every install's cells");
        assert_eq!(before.team_status, None, "not enrolled yet");
        let id = crate::rollup::InstallId::random();
        app.real_store().await.unwrap().set_enrolment("acme", id.as_str(), "folder").await.unwrap();
        let status = app.org_status().await.unwrap().team_status.expect("enrolled: the count is shown");
        assert_eq!(status.enrolled, 7);
    }

    #[tokio::test]
    async fn settings_are_refused_field_by_field_and_nothing_is_half_saved() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let good = edit(&app.settings().await);
        type Change = Box<dyn Fn(&mut SettingsEdit)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|e| e.timezone = "Mars/Olympus".into()), "timezone"),
            (Box::new(|e| e.team = "=HYPERLINK(\"http://x\")".into()), "team"),
            (Box::new(|e| e.working_hours.end = "08:00".into()), "working_hours.end"),
            (Box::new(|e| e.working_hours.days = vec!["mon".into(), "mon".into()]), "working_hours.days"),
            (Box::new(|e| e.idle_timeout_minutes = 0.0), "collect.idle_timeout_minutes"),
            (Box::new(|e| e.retention_days = Some(0)), "retention_days"),
            (
                Box::new(|e| {
                    e.rules.push(RuleEdit {
                        category: "deep_work".into(),
                        app: String::new(),
                        title: "(".into(),
                        url: String::new(),
                        priority: None,
                    })
                }),
                "rules.0.title",
            ),
        ];
        for (change, field) in cases {
            let mut bad = good.clone();
            change(&mut bad);
            let err = app.save_settings(bad).await.unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{}", err.message);
            assert!(!dir.path().join("config.toml").exists(), "nothing written for {field}");
        }
        let saved = app.save_settings(good).await.unwrap();
        assert_eq!(saved.timezone, "UTC");
        assert!(dir.path().join("config.toml").exists());
    }

    /// Assumes a umask that leaves group or other bits (the usual 022): that is what the
    /// modes set here must not inherit.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_config_and_data_dirs_and_files_written_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config").join("tally").join("config.toml");
        let options = AppOptions {
            data_dir: Some(dir.path().join("data")),
            config: Some(config.clone()),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy: None,
        };
        let app = App::open(options).await.unwrap();
        app.save_settings(edit(&app.settings().await)).await.unwrap();
        let config_dir = config.parent().unwrap();
        assert_eq!((mode(config_dir), mode(&config)), (0o700, 0o600));
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        // A config written before modes were set is replaced by an owner-only one.
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        app.save_settings(edit(&app.settings().await)).await.unwrap();
        assert_eq!(mode(&config), 0o600);
        let report = dir.path().join("report.csv");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        app.export_csv(&report, day, day, ReportPeriod::Day).await.unwrap();
        assert_eq!(mode(&report), 0o600);
    }

    #[tokio::test]
    async fn retention_deletes_only_what_is_older() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        // Six weeks of generated activity ending now.
        let mut shape = crate::synth::shape_for_total(20_000, 3);
        let now = chrono::Utc::now().timestamp();
        shape.end = now - now % 900;
        let mut export = Vec::new();
        crate::synth::write_aw_export(&mut export, shape).unwrap();
        let file = dir.path().join("aw.json");
        std::fs::write(&file, export).unwrap();
        app.import_file(&file, crate::import::Format::Aw).await.unwrap();
        let (first, last_before) = app.store().await.extent().await.unwrap().unwrap();
        assert!(now - first > 30 * 86_400, "the data reaches back more than 30 days");
        let mut keep = edit(&app.settings().await);
        keep.retention_days = Some(14);
        app.save_settings(keep).await.unwrap();
        let (first, last) = app.store().await.extent().await.unwrap().unwrap();
        assert!(now - first <= 14 * 86_400 + 900, "nothing older than 14 days is left");
        assert_eq!(last, last_before, "recent days are kept");
    }
}
