//! The engine as the desktop shell sees it: one [`App`] holding the store, the config
//! and the analyzer, with one method per thing a window can ask for. Every Tauri
//! command is a single call here, so the shell holds no SQL, metric, rule or model code.
//!
//! Errors cross to the UI as [`UiError`]: a message, and for settings the field it is
//! about, so the form can show it next to that field.
//!
//! One file per feature, each adding its methods to [`App`]: `collection` (consent, the
//! collector, pulse), `data` (dashboard, Privacy view, import, export, forget), `org`
//! (rollup status, publish, Teams view), `settings` and `frontier` (providers, the
//! ledger, insights). This file opens the app and runs its background work.

mod collection;
mod data;
mod frontier;
mod org;
mod settings;

pub use collection::CollectionView;
pub use data::{AppLabel, Exclusions, ImportReport, PrivacyView};
pub use frontier::{InsightPreview, ProviderEdit};
pub use org::{OrgStatus, TeamDashboard, TeamsState};
pub use settings::{ProviderView, RuleEdit, Settings, SettingsEdit, WorkingHoursEdit};

use crate::analyze::rules::{CategoryRules, RuleSpec, RulesFile};
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::dashboard::{self, Dashboard, Range};
use crate::insights::summary::{self, WorkingHours};
use crate::insights::{self, Period};
use crate::outbound::provider::{ProviderKind, ProviderSettings};
use crate::report::{self, Period as ReportPeriod};
use crate::secrets::{provider_key_name, BackendChoice, Secret, SecretStore};
use crate::store::ledger::LedgerEntry;
use crate::store::{Store, TableView, SHOWN_TABLES};
use crate::zone::ReportZone;
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
    /// The generated demo organisation, while the Teams view shows it instead of the policy's.
    demo_org: RwLock<Option<Arc<crate::rollup::demo::DemoOrg>>>,
}

/// What [`App::run_background`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Background {
    /// Days of aggregates went to the organisation's sink.
    Published {
        days: usize,
    },
    PublishFailed(String),
    RetentionFailed(String),
}

impl std::fmt::Display for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Background::Published { days } => write!(f, "published {days} days to the organisation"),
            Background::PublishFailed(why) => write!(f, "publish: {why}"),
            Background::RetentionFailed(why) => write!(f, "retention: {why}"),
        }
    }
}

/// The demo store lives beside the real one and is always marked as demo data.
const DEMO_DIR: &str = "tally-demo";

/// The demo organisation's folder and key live beside the real store too.
const DEMO_ORG_DIR: &str = "tally-demo-org";

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
            demo_org: RwLock::new(None),
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

    /// The install's background work, until the process ends: the organisation publish a
    /// minute after start and then on the policy's interval (only with a policy), and
    /// retention at start and then daily. What happens is handed to `note`.
    pub async fn run_background(&self, note: impl Fn(Background)) {
        let publish = async {
            let Some(every) = self.publish_interval() else { return };
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            loop {
                match self.publish_if_enrolled().await {
                    Ok(Some(p)) if p.ledger_id.is_some() => note(Background::Published { days: p.days }),
                    Ok(_) => {}
                    Err(e) => note(Background::PublishFailed(e.message)),
                }
                tokio::time::sleep(every).await;
            }
        };
        let retention = async {
            loop {
                if let Err(e) = self.apply_retention().await {
                    note(Background::RetentionFailed(e.message));
                }
                tokio::time::sleep(std::time::Duration::from_secs(86_400)).await;
            }
        };
        tokio::join!(publish, retention);
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

#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    pub data_dir: String,
    pub demo: bool,
    pub engine: String,
    pub config_path: String,
    /// Admin mode (from the policy): the Teams view is shown.
    pub admin: bool,
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

    /// An app with its data and config in `dir`, without the model.
    pub(super) fn options(dir: &Path, policy: Option<PathBuf>) -> AppOptions {
        AppOptions {
            data_dir: Some(dir.join("data")),
            config: Some(dir.join("config.toml")),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy,
        }
    }

    async fn app(dir: &Path) -> App {
        App::open(options(dir, None)).await.unwrap()
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
