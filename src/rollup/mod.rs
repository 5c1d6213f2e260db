//! The org rollup (DESIGN §9): each enrolled install contributes coarse, clipped daily
//! aggregates under a pseudonymous install id; an admin sees team cells only where at
//! least `k` enrolled installs contribute.
//!
//! - [`policy`]: the IT policy file (team, k, ε, sink, publish interval, admin mode).
//! - [`identity`]: enrolment tokens, install ids and signing keys (keyring only).
//! - [`contribution`]: daily cells built from the local aggregates, clipped and signed.
//! - [`release`]: k-anonymity, suppression and Laplace noise where cells are read.
//! - [`folder`] and [`postgres`]: the two sinks.
//! - [`trends`]: weekly and monthly team trends over released cells (the Teams view).
//! - [`demo`]: a generated, clearly marked demo organisation on a shared folder.
//!
//! Every row an install sends is signed with its own HMAC-SHA-256 key, registered with
//! the organisation at enrolment together with a proof made from the enrolment token.
//! The same canonical bytes ([`DayCell::signed_bytes`]) are checked by the PostgreSQL
//! row-level security policy (pgcrypto) and by the admin reading a shared folder.

pub mod actions;
pub mod contribution;
pub mod demo;
pub mod folder;
pub mod identity;
pub mod policy;
pub mod postgres;
pub mod release;
pub mod trends;

use crate::event::Category;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

pub use identity::{EnrolmentToken, InstallId, SigningKey};

/// Distinct enrolled contributors a released cell needs, at least. A policy may raise
/// it; nothing lowers it (DESIGN §4.5).
pub const MIN_K: u32 = 5;

/// The per-install daily caps: no install contributes more than 12 h of active time to
/// one day, over all its categories (more is scaled down), nor more than
/// [`MAX_COUNT_PER_DAY`] of each count. They bound what one person can change in a team
/// cell, which is what the noise is calibrated to, and the PostgreSQL sink refuses rows
/// above them (`migrations/postgres/`), so no sum can overflow.
pub const MAX_SECONDS_PER_DAY: i64 = 12 * 3600;

/// Per install and day, each count (events, switches, each sentiment) over all
/// categories at most: one every 30 s.
pub const MAX_COUNT_PER_DAY: i64 = 2 * 24 * 60;

/// Per install and ISO week, active time over all days and categories at most (more is
/// scaled down in proportion): a realistic bound on one person's week, which is what a
/// week cell's noise is calibrated to, instead of 7 × the daily cap.
pub const MAX_SECONDS_PER_WEEK: i64 = 50 * 3600;

/// The daily caps per measure, in [`MEASURE_NAMES`] order (focus: also at most the
/// cell's active time).
pub const DAILY_CAPS: [i64; 7] = [
    MAX_SECONDS_PER_DAY,
    MAX_SECONDS_PER_DAY,
    MAX_COUNT_PER_DAY,
    MAX_COUNT_PER_DAY,
    MAX_COUNT_PER_DAY,
    MAX_COUNT_PER_DAY,
    MAX_COUNT_PER_DAY,
];

/// A row counts, towards k and in the sums, only with at least this much active time:
/// an all-zero row from an idle or made-up install adds a contributor to nothing.
pub const MIN_ACTIVE_SECONDS: i64 = 60;

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Constant-time comparison of two MACs.
pub(crate) fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// The measures of one cell: what an install sends for (day, team, category), and what
/// a released team cell sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    pub active_seconds: i64,
    pub focus_seconds: i64,
    pub events: i64,
    pub switches: i64,
    pub sentiment_negative: i64,
    pub sentiment_neutral: i64,
    pub sentiment_positive: i64,
}

impl Measures {
    /// Adds `o`, saturating: sums of bounded rows never come near the limit, and an
    /// unbounded one must not wrap.
    pub fn add(&mut self, o: &Measures) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a = a.saturating_add(b);
        }
        *self = Measures::from_values(v);
    }

    /// Whether one install's cell for one day is within the daily caps; else the name of
    /// the first measure that is not.
    pub fn check_daily_caps(&self) -> Result<(), &'static str> {
        let mut caps = DAILY_CAPS;
        caps[1] = caps[1].min(self.active_seconds);
        for ((v, cap), name) in self.values().into_iter().zip(caps).zip(MEASURE_NAMES) {
            if !(0..=cap).contains(&v) {
                return Err(name);
            }
        }
        Ok(())
    }

    /// As a local bucket's totals (milliseconds), for the report and summary code.
    pub fn totals(&self) -> crate::aggregate::BucketTotals {
        crate::aggregate::BucketTotals {
            active_ms: self.active_seconds * 1000,
            events: self.events,
            switches: self.switches,
            focus_ms: self.focus_seconds * 1000,
            sentiment: [self.sentiment_negative, self.sentiment_neutral, self.sentiment_positive],
            ..Default::default()
        }
    }

    /// The values in a fixed order (the order of [`MEASURE_NAMES`]).
    pub fn values(&self) -> [i64; 7] {
        [
            self.active_seconds,
            self.focus_seconds,
            self.events,
            self.switches,
            self.sentiment_negative,
            self.sentiment_neutral,
            self.sentiment_positive,
        ]
    }

    pub fn from_values(v: [i64; 7]) -> Measures {
        Measures {
            active_seconds: v[0],
            focus_seconds: v[1],
            events: v[2],
            switches: v[3],
            sentiment_negative: v[4],
            sentiment_neutral: v[5],
            sentiment_positive: v[6],
        }
    }
}

pub const MEASURE_NAMES: [&str; 7] = [
    "active_seconds",
    "focus_seconds",
    "events",
    "switches",
    "sentiment_negative",
    "sentiment_neutral",
    "sentiment_positive",
];

/// One install's aggregate for one (day, team, category), as it leaves the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCell {
    pub day: NaiveDate,
    pub team: String,
    pub category: Category,
    #[serde(flatten)]
    pub measures: Measures,
}

impl DayCell {
    /// The bytes an install signs for this cell, and that PostgreSQL re-builds in its
    /// row-level security check (`tally_row_bytes` in `migrations/postgres/`):
    /// `tally-row-v1|<install>|<day>|<team>|<category>|<7 measures>`, `|`-separated.
    pub fn signed_bytes(&self, install: &InstallId) -> Vec<u8> {
        let m = self.measures.values().map(|v| v.to_string());
        format!(
            "tally-row-v1|{}|{}|{}|{}|{}",
            install.as_str(),
            self.day.format("%Y-%m-%d"),
            self.team,
            self.category.as_str(),
            m.join("|")
        )
        .into_bytes()
    }
}

/// A [`DayCell`] with its install's signature (hex HMAC-SHA-256 of
/// [`DayCell::signed_bytes`] under the install's [`SigningKey`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCell {
    #[serde(flatten)]
    pub cell: DayCell,
    pub signature: String,
}

impl SignedCell {
    pub fn verify(&self, install: &InstallId, key: &SigningKey) -> bool {
        match unhex(&self.signature) {
            Some(sig) => mac_eq(&sig, &key.sign(&self.cell.signed_bytes(install))),
            None => false,
        }
    }
}

/// What one publish sends: the install's cells for a set of days. Each listed day is
/// replaced as a whole at the sink (a day with no cells left withdraws that day), so a
/// republish is idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub install_id: InstallId,
    pub days: Vec<NaiveDate>,
    pub cells: Vec<SignedCell>,
}

/// A released team cell: only ever built from at least `k` distinct enrolled
/// contributors (checked by the sink's reader and again by [`release`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamCell {
    /// First day of the period (the day, the ISO week's Monday, or the month's first).
    pub period_start: NaiveDate,
    pub team: String,
    pub category: Category,
    pub contributors: u32,
    pub measures: Measures,
    /// The privacy budget this cell's noise spent (ε, summed over the released weeks it
    /// covers); `None` without noise.
    pub epsilon: Option<f64>,
}

/// A cell as the Teams view and JSON output get it: its fields, and its active and focus
/// time in hours, so that no reader converts units.
impl Serialize for TeamCell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            period_start: NaiveDate,
            team: &'a str,
            category: Category,
            contributors: u32,
            measures: &'a Measures,
            active_hours: f64,
            focus_hours: f64,
            epsilon: Option<f64>,
        }
        let hours = |seconds: i64| seconds as f64 / 3600.0;
        View {
            period_start: self.period_start,
            team: &self.team,
            category: self.category,
            contributors: self.contributors,
            measures: &self.measures,
            active_hours: hours(self.measures.active_seconds),
            focus_hours: hours(self.measures.focus_seconds),
            epsilon: self.epsilon,
        }
        .serialize(serializer)
    }
}

/// How team cells are grouped over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TeamPeriod {
    Day,
    Week,
    Month,
}

impl TeamPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamPeriod::Day => "day",
            TeamPeriod::Week => "week",
            TeamPeriod::Month => "month",
        }
    }

    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        use chrono::Datelike;
        match self {
            TeamPeriod::Day => day,
            TeamPeriod::Week => day - chrono::TimeDelta::days(i64::from(day.weekday().num_days_from_monday())),
            TeamPeriod::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day after the period that starts at `start`.
    pub fn end_of(self, start: NaiveDate) -> NaiveDate {
        match self {
            TeamPeriod::Day => start + chrono::TimeDelta::days(1),
            TeamPeriod::Week => start + chrono::TimeDelta::days(7),
            TeamPeriod::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RollupError {
    #[error("{0}")]
    Policy(#[from] policy::PolicyError),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "this install is not enrolled in an organisation; run `tally enrol` and paste the per-device token from IT"
    )]
    NotEnrolled,
    #[error("the enrolment token is malformed: {0}")]
    BadToken(&'static str),
    #[error("the signing key of install {install} is missing from the OS keyring; run `tally enrol --rotate`")]
    MissingSigningKey { install: String },
    #[error("the keyring entry `{entry}` does not hold a valid key; {fix}")]
    BadKey { entry: String, fix: &'static str },
    #[error("the organisation refused the enrolment: {0}")]
    EnrolmentRefused(String),
    #[error("{sink}: {doing}: {detail}")]
    Sink { sink: &'static str, doing: &'static str, detail: String },
    #[error("the outbound gate blocked the contribution: {0}")]
    Blocked(crate::outbound::gate::Blocked),
    #[error("this needs admin mode: set `admin = true` under [org] in the policy file")]
    NotAdmin,
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("the policy declares no roster size for team `{0}`: add it under [roster] (e.g. `\"{0}\" = 12`)")]
    NoRoster(String),
    #[error(transparent)]
    Summary(#[from] crate::insights::summary::SummaryError),
}

impl RollupError {
    pub(crate) fn sink(sink: &'static str, doing: &'static str, detail: impl fmt::Display) -> RollupError {
        RollupError::Sink { sink, doing, detail: detail.to_string() }
    }
}
