//! The PostgreSQL sink: placeholder until the sink lands (its helper is building it).

use super::identity::{Enrolment, EnrolmentSecret};
use super::{Contribution, InstallId, RollupError, SigningKey, TeamCell, TeamPeriod};
use chrono::NaiveDate;

const TODO: &str = "the PostgreSQL sink is not built yet";

pub struct PgSink;

impl PgSink {
    pub async fn connect(_url: &str, _password: Option<&crate::secrets::Secret>) -> Result<PgSink, RollupError> {
        Err(RollupError::sink("postgres", "connecting", TODO))
    }
    pub async fn init_org(&self, _secret: &EnrolmentSecret, _k: u32) -> Result<(), RollupError> {
        Err(RollupError::sink("postgres", "init", TODO))
    }
    pub async fn enrol(&self, _e: &Enrolment) -> Result<(), RollupError> {
        Err(RollupError::sink("postgres", "enrol", TODO))
    }
    pub async fn publish(&self, _c: &Contribution, _key: &SigningKey) -> Result<u64, RollupError> {
        Err(RollupError::sink("postgres", "publish", TODO))
    }
    pub async fn withdraw(&self, _i: &InstallId, _key: &SigningKey, _revoke: bool) -> Result<u64, RollupError> {
        Err(RollupError::sink("postgres", "withdraw", TODO))
    }
    pub async fn team_cells(&self, _f: NaiveDate, _t: NaiveDate, _p: TeamPeriod) -> Result<Vec<TeamCell>, RollupError> {
        Err(RollupError::sink("postgres", "read", TODO))
    }
    pub async fn org_cells(&self, _f: NaiveDate, _t: NaiveDate, _p: TeamPeriod) -> Result<Vec<TeamCell>, RollupError> {
        Err(RollupError::sink("postgres", "read", TODO))
    }
    pub async fn audit(&self, _a: &str, _d: &str) -> Result<(), RollupError> {
        Err(RollupError::sink("postgres", "audit", TODO))
    }
}
