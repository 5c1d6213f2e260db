//! The organisation as the app sees it: this install's rollup status, publishing, and the
//! Teams view (admin mode).

use super::*;

impl App {
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

    /// What the Teams view can show before it asks for cells: the organisation it reads
    /// (the policy's, or the demo organisation while that is on), or why it cannot.
    pub async fn teams_state(&self) -> TeamsState {
        let demo = self.demo_org.read().await.clone();
        let mut state = TeamsState {
            demo: demo.is_some(),
            policy: self.policy.is_some(),
            problem: self.policy_problem.clone(),
            admin: self.policy.as_ref().is_some_and(|p| p.admin),
            org: self.policy.as_ref().map(|p| p.org.clone()),
            sink: self.policy.as_ref().map(|p| p.sink.kind().to_string()),
            endpoint: self.policy.as_ref().map(|p| p.sink.endpoint()),
            first_day: None,
            last_day: None,
        };
        if let Some(d) = demo {
            state.org = Some(d.policy.org.clone());
            state.sink = Some(d.policy.sink.kind().to_string());
            state.endpoint = Some(d.policy.sink.endpoint());
            state.first_day = Some(d.first);
            state.last_day = Some(d.last);
        }
        state
    }

    /// Turns the generated demo organisation on (generating it beside the real store the
    /// first time) or off. The real policy and its sink are untouched either way.
    pub async fn use_demo_org(&self, on: bool) -> UiResult<TeamsState> {
        if on {
            let dir = self.real_data_dir()?.parent().unwrap_or(Path::new(".")).join(super::DEMO_ORG_DIR);
            let today = chrono::Utc::now().date_naive();
            let org = tokio::task::spawn_blocking(move || crate::rollup::demo::open_or_generate(&dir, today))
                .await
                .map_err(|e| msg(format!("generating the demo organisation: {e}")))??;
            *self.demo_org.write().await = Some(Arc::new(org));
        } else {
            *self.demo_org.write().await = None;
        }
        Ok(self.teams_state().await)
    }

    /// The admin dashboard: trends per team and for the organisation, from released
    /// cells only, with the figures of the team CSV for the printable report. One read,
    /// recorded in the audit log.
    pub async fn team_dashboard(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: crate::rollup::TeamPeriod,
    ) -> UiResult<TeamDashboard> {
        let report = self.team_report(from, to, by, "view").await?;
        let postgres = match &*self.demo_org.read().await {
            Some(_) => false,
            None => self.policy().is_ok_and(|p| matches!(p.sink, crate::rollup::policy::SinkConfig::Postgres { .. })),
        };
        Ok(TeamDashboard {
            demo: self.demo_org.read().await.is_some(),
            trends: crate::rollup::trends::trends(&report, postgres),
            csv_header: crate::rollup::actions::team_csv_header().into_iter().map(String::from).collect(),
            csv_rows: crate::rollup::actions::team_csv_rows(&report),
            report,
        })
    }

    /// Released cells from the org sink (the demo organisation's while it is on),
    /// recorded in the audit log as `action`.
    async fn team_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        by: crate::rollup::TeamPeriod,
        action: &str,
    ) -> UiResult<crate::rollup::actions::TeamReport> {
        use crate::rollup::actions::{team_report_with, Reader};
        if to < from {
            return Err(UiError::field("to", "the last date is before the first"));
        }
        let store = self.real_store().await?;
        if let Some(demo) = self.demo_org.read().await.clone() {
            let reader = Reader::FolderKey(&demo.keys);
            return Ok(team_report_with(&store, reader, &demo.policy, (from, to), by, action).await?);
        }
        let policy = self.policy()?;
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        Ok(team_report_with(&store, Reader::Keyring(&secrets), policy, (from, to), by, action).await?)
    }

    /// The org insight's exact request for the week holding `week_of` (default: the last
    /// complete week), as `tally team insights --preview` builds it; the read is audited.
    pub async fn team_insights_preview(
        &self,
        week_of: Option<NaiveDate>,
        provider: Option<String>,
    ) -> UiResult<InsightPreview> {
        let (store, summary) = self.team_summary(week_of).await?;
        let config = self.config().await;
        let week = summary.period.start;
        let analyzer = self.analyzer().await;
        let p = insights::preview_summary(&store, &analyzer, &config.insights, provider.as_deref(), summary).await?;
        Ok(InsightPreview::of(p, week))
    }

    /// Sends the org insight through the outbound gate (`tally team insights --send`):
    /// on the admin's click only; the ledger records the request and the answer.
    pub async fn team_insights_send(
        &self,
        week_of: Option<NaiveDate>,
        provider: Option<String>,
    ) -> UiResult<LedgerEntry> {
        let (store, summary) = self.team_summary(week_of).await?;
        let config = self.config().await;
        let secrets = SecretStore::open(BackendChoice::from_env()?)?;
        let settings = insights::choose_provider(&store, provider.as_deref()).await?;
        let analyzer = self.analyzer().await;
        let sent =
            insights::send_summary(&store, &analyzer, &secrets, &self.http, &config.insights, &settings, &summary)
                .await?;
        Ok(sent.entry)
    }

    /// The org summary of a week and the store whose providers and ledger it goes through.
    async fn team_summary(&self, week_of: Option<NaiveDate>) -> UiResult<(Store, crate::insights::summary::Summary)> {
        use crate::rollup::actions::{team_summary_with, Reader};
        let store = self.real_store().await?;
        let weeks = self.config().await.insights.baseline_weeks();
        let demo = self.demo_org.read().await.clone();
        let summary = match &demo {
            Some(d) => {
                let monday = week_of.map(summary::week_of).unwrap_or_else(|| summary::week_of(d.last));
                team_summary_with(&store, Reader::FolderKey(&d.keys), &d.policy, monday, weeks).await?
            }
            None => {
                let policy = self.policy()?;
                let today = chrono::Utc::now().with_timezone(&policy.time_zone).date_naive();
                let monday = week_of.map(summary::week_of).unwrap_or_else(|| summary::last_complete_week(today));
                let secrets = SecretStore::open(BackendChoice::from_env()?)?;
                team_summary_with(&store, Reader::Keyring(&secrets), policy, monday, weeks).await?
            }
        };
        Ok((store, summary))
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

    /// Writes a chart the Teams view drew as a PNG file at `path` (atomically). Only a
    /// PNG is accepted; the bytes are the chart's pixels, which show released cells only.
    pub async fn save_png(&self, path: &Path, png: &[u8]) -> UiResult<usize> {
        const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
        if !png.starts_with(SIGNATURE) {
            return Err(msg("not a PNG image"));
        }
        crate::files::write_atomically(path, |file| std::io::Write::write_all(file, png))
            .map_err(|e| msg(format!("cannot write {}: {e}", path.display())))?;
        Ok(png.len())
    }
}

/// What the Teams view knows before it reads cells.
#[derive(Debug, Clone, Serialize)]
pub struct TeamsState {
    /// The generated demo organisation is shown instead of the policy's.
    pub demo: bool,
    pub policy: bool,
    /// A policy file that exists but could not be used.
    pub problem: Option<String>,
    pub admin: bool,
    pub org: Option<String>,
    pub sink: Option<String>,
    /// Where the cells are read from (the folder, or the database's host).
    pub endpoint: Option<String>,
    /// The demo organisation's first and last day with data.
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
}

/// The admin dashboard's data: one audited read.
#[derive(Debug, Clone, Serialize)]
pub struct TeamDashboard {
    pub demo: bool,
    pub trends: crate::rollup::trends::Trends,
    pub report: crate::rollup::actions::TeamReport,
    /// The team CSV's header and rows, exactly as the CSV holds them (before quoting).
    pub csv_header: Vec<String>,
    pub csv_rows: Vec<Vec<String>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn app(dir: &Path, policy: Option<&str>) -> App {
        let path = dir.join("policy.toml");
        if let Some(text) = policy {
            std::fs::write(&path, text).unwrap();
        }
        App::open(super::super::tests::options(dir, policy.map(|_| path))).await.unwrap()
    }

    const FOLDER_POLICY: &str = "[org]\nid = \"acme\"\nteam = \"alpha\"\n[sink]\nkind = \"folder\"\npath = \"/nonexistent/share\"\norg_public_key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n";

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn the_teams_view_says_why_it_has_nothing_to_show() {
        let dir = tempfile::tempdir().unwrap();
        let week = crate::rollup::TeamPeriod::Week;
        let none = app(dir.path(), None).await;
        let state = none.teams_state().await;
        assert!(!state.policy && !state.admin && !state.demo && state.problem.is_none());
        let e = none.team_dashboard(day("2026-11-02"), day("2026-11-29"), week).await.unwrap_err();
        assert!(e.message.contains("policy"), "{}", e.message);

        let dir = tempfile::tempdir().unwrap();
        let member = app(dir.path(), Some(FOLDER_POLICY)).await;
        let state = member.teams_state().await;
        assert!(state.policy && !state.admin);
        assert_eq!(state.org.as_deref(), Some("acme"));
        let e = member.team_dashboard(day("2026-11-02"), day("2026-11-29"), week).await.unwrap_err();
        assert!(e.message.contains("admin mode"), "{}", e.message);

        let dir = tempfile::tempdir().unwrap();
        let broken = app(dir.path(), Some("[org]\nid = \"acme\"\n")).await;
        assert!(broken.teams_state().await.problem.is_some(), "a policy that cannot be used says why");
    }

    #[tokio::test]
    async fn the_demo_organisation_shows_released_cells_only_and_its_reads_are_audited() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), None).await;
        let state = app.use_demo_org(true).await.unwrap();
        assert!(state.demo && state.org.as_deref() == Some("demo-org"));
        let (first, last) = (state.first_day.unwrap(), state.last_day.unwrap());
        let week = crate::rollup::TeamPeriod::Week;
        let d = app.team_dashboard(first, last, week).await.unwrap();
        assert!(d.demo);
        let teams: Vec<&str> = d.trends.teams.iter().map(|s| s.team.as_str()).collect();
        assert_eq!(teams, ["data", "design", "mobile", "platform", "sales"]);
        assert!(!serde_json::to_string(&d).unwrap().contains("legal"), "the team below k is nowhere");
        assert_eq!(d.csv_rows.len(), d.report.teams.len());
        let preview = app.team_insights_preview(None, None).await.unwrap();
        assert_eq!(preview.week, crate::insights::summary::week_of(last));
        assert!(preview.body.contains(r#"\"scope\": \"org\""#), "{}", preview.body);
        let e = app.team_insights_send(None, None).await.unwrap_err();
        assert!(e.message.contains("provider"), "no provider, nothing sent: {}", e.message);
        let audit = app.real_store().await.unwrap().audit_log(10).await.unwrap();
        let actions: Vec<&str> = audit.iter().filter(|a| a.org == "demo-org").map(|a| a.action.as_str()).collect();
        assert!(actions.contains(&"view") && actions.contains(&"insight"), "{actions:?}");

        // A period with nothing released: no team, and the organisation's points are gaps.
        let later = app.team_dashboard(day("2030-01-07"), day("2030-02-24"), week).await.unwrap();
        assert!(later.trends.teams.is_empty() && later.csv_rows.is_empty());
        assert!(later.trends.org_series.points.iter().all(|p| p.active_hours.is_none()));
        let e = app.team_dashboard(last, first, week).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("to"));

        // The folder gone: the error names it, nothing panics.
        let share = dir.path().join("tally-demo-org").join("share");
        std::fs::rename(&share, dir.path().join("moved")).unwrap();
        let e = app.team_dashboard(first, last, week).await.unwrap_err();
        assert!(e.message.contains("share"), "{}", e.message);

        assert!(!app.use_demo_org(false).await.unwrap().demo);
        let png = dir.path().join("chart.png");
        assert!(app.save_png(&png, b"GIF89a").await.is_err() && !png.exists());
        app.save_png(&png, b"\x89PNG\r\n\x1a\n rest").await.unwrap();
        assert!(png.exists());
    }
}
