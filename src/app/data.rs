//! The data the windows show and move: the dashboard, the Privacy view, CSV export,
//! imports, the demo month, retention and forgetting, and names for unrecognised apps.

use super::*;

impl App {
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
        let app = crate::analyze::AppName::from_stored(app_id);
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
        Ok(dashboard::build(&rows, &zone, range, to, team.as_deref(), &config.focus))
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
        let rows = report::rows_between(&self.store().await, &zone, from, to, by).await?;
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
