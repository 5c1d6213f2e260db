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
