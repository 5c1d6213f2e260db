//! The de-identified summary a frontier model reasons over: one week of aggregates
//! against the weekly average of the weeks before it. Built from [`BucketRow`]s only —
//! categories, minutes and counts; no app names, no team label — and deterministic:
//! the same aggregates and options give the same bytes.

use crate::event::Category;
use crate::store::BucketRow;
use crate::zone::ReportZone;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Weekday};
use serde::{Deserialize, Serialize};

/// Weeks the last week is compared with, by default.
pub const BASELINE_WEEKS: u32 = 4;

/// When a working day starts and ends (local time), and which days are working days.
/// Activity outside them counts as after-hours.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    #[serde(default = "default_start")]
    pub start: NaiveTime,
    #[serde(default = "default_end")]
    pub end: NaiveTime,
    #[serde(default = "default_days")]
    pub days: Vec<Weekday>,
}

fn default_start() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).expect("valid time")
}

fn default_end() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).expect("valid time")
}

fn default_days() -> Vec<Weekday> {
    vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
}

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours { start: default_start(), end: default_end(), days: default_days() }
    }
}

impl WorkingHours {
    fn contains(&self, weekday: Weekday, time: NaiveTime) -> bool {
        self.days.contains(&weekday) && time >= self.start && time < self.end
    }
}

/// Whose data a summary describes. Team summaries arrive with the org rollup, from
/// k-enforced team data only (DESIGN §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// This install's own data; sent only on its owner's explicit action.
    Personal,
    /// An organisation's released team cells (admin mode): only cells with ≥ k
    /// contributors, daily, so there is no after-hours share.
    Org,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scope: Scope,
    /// Org summaries: the fewest distinct contributors behind any cell summarized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_contributors: Option<u32>,
    pub period: DateSpan,
    pub baseline: Baseline,
    pub last_week: Metrics,
    /// Hours and counts per week, averaged over the baseline weeks with activity;
    /// shares and rates over the baseline's totals.
    pub baseline_weekly_average: Option<Metrics>,
    /// Changes big enough to mention, strongest first.
    pub notable_changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateSpan {
    pub start: NaiveDate,
    /// Exclusive.
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub weeks: u32,
    pub weeks_with_activity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub active_hours: f64,
    pub active_days: f64,
    pub categories: Vec<CategoryShare>,
    pub focus_hours: f64,
    /// Focus time as a share of active time.
    pub focus_share: f64,
    pub switches_per_active_hour: f64,
    pub meeting_hours: f64,
    pub meeting_share: f64,
    pub ai_tools_share: f64,
    /// Share of active time outside working hours.
    /// `None` for org summaries, whose cells are whole days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_hours_share: Option<f64>,
    pub sentiment: SentimentBalance,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryShare {
    pub category: &'static str,
    pub hours: f64,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentimentBalance {
    pub negative: f64,
    pub neutral: f64,
    pub positive: f64,
    /// (positive − negative) / all; `None` without scored events.
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub metric: String,
    pub last_week: f64,
    pub baseline_weekly_average: f64,
    /// Relative change for hours and rates (0.5 = +50 %); absent for shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_change: Option<f64>,
    /// Absolute change for shares and the sentiment mean (0.05 = 5 points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute_change: Option<f64>,
    #[serde(skip)]
    strength: f64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SummaryError {
    #[error(
        "no activity is stored for the week of {week}: import or collect some first, or pick another week with --week-of"
    )]
    NoActivity { week: NaiveDate },
}

/// The Monday of the last complete week before `today`.
pub fn last_complete_week(today: NaiveDate) -> NaiveDate {
    let this_monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    this_monday - TimeDelta::days(7)
}

/// The Monday of the week holding `date`.
pub fn week_of(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The UTC range the summary of the week starting `monday` reads: its baseline weeks
/// and the week itself.
pub fn rows_needed(zone: &ReportZone, monday: NaiveDate, baseline_weeks: u32) -> (i64, i64) {
    let from = monday - TimeDelta::weeks(i64::from(baseline_weeks));
    (zone.start_of_day(from).timestamp(), zone.start_of_day(monday + TimeDelta::days(7)).timestamp())
}

/// Builds the summary of the week starting `monday` from `rows` (which may hold more).
pub fn build(
    rows: &[BucketRow],
    zone: &ReportZone,
    monday: NaiveDate,
    baseline_weeks: u32,
    hours: &WorkingHours,
) -> Result<Summary, SummaryError> {
    build_scoped(rows, zone, monday, baseline_weeks, Some(hours), Scope::Personal)
}

/// [`build`] for a scope; without working hours the after-hours share is left out.
pub fn build_scoped(
    rows: &[BucketRow],
    zone: &ReportZone,
    monday: NaiveDate,
    baseline_weeks: u32,
    hours: Option<&WorkingHours>,
    scope: Scope,
) -> Result<Summary, SummaryError> {
    let monday = week_of(monday);
    let baseline_start = monday - TimeDelta::weeks(i64::from(baseline_weeks));
    let mut week = Totals::default();
    let mut baseline = Totals::default();
    let mut baseline_weeks_active = std::collections::BTreeSet::new();
    for row in rows {
        let instant = DateTime::from_timestamp(row.key.start, 0).unwrap_or_default();
        let local = instant.with_timezone(&zone.offset_at(instant)).naive_local();
        let date = local.date();
        let target = if date >= monday && date < monday + TimeDelta::days(7) {
            &mut week
        } else if date >= baseline_start && date < monday {
            if row.totals.active_ms > 0 {
                baseline_weeks_active.insert(week_of(date));
            }
            &mut baseline
        } else {
            continue;
        };
        let working =
            hours.is_none_or(|h| h.contains(local.weekday(), local.time().with_nanosecond(0).unwrap_or_default()));
        target.add(row, date, working);
    }
    if week.active_ms == 0 {
        return Err(SummaryError::NoActivity { week: monday });
    }
    let weeks_with_activity = baseline_weeks_active.len() as u32;
    let mut last_week = week.metrics(1.0);
    let mut baseline_average = (weeks_with_activity > 0).then(|| baseline.metrics(f64::from(weeks_with_activity)));
    if hours.is_none() {
        last_week.after_hours_share = None;
        if let Some(b) = baseline_average.as_mut() {
            b.after_hours_share = None;
        }
    }
    let notable_changes = baseline_average.as_ref().map(|b| notable_changes(&last_week, b)).unwrap_or_default();
    Ok(Summary {
        scope,
        min_contributors: None,
        period: DateSpan { start: monday, end: monday + TimeDelta::days(7) },
        baseline: Baseline { start: baseline_start, end: monday, weeks: baseline_weeks, weeks_with_activity },
        last_week,
        baseline_weekly_average: baseline_average,
        notable_changes,
    })
}

#[derive(Debug, Default)]
struct Totals {
    active_ms: i64,
    after_hours_ms: i64,
    focus_ms: i64,
    switches: i64,
    by_category: [i64; Category::ALL.len()],
    sentiment: [i64; 3],
    days: std::collections::BTreeSet<NaiveDate>,
}

impl Totals {
    fn add(&mut self, row: &BucketRow, date: NaiveDate, working: bool) {
        let t = &row.totals;
        self.active_ms += t.active_ms;
        if !working {
            self.after_hours_ms += t.active_ms;
        }
        self.focus_ms += t.focus_ms;
        self.switches += t.switches;
        let index = Category::ALL.iter().position(|c| *c == row.key.category).unwrap_or(Category::ALL.len() - 1);
        self.by_category[index] += t.active_ms;
        for (a, b) in self.sentiment.iter_mut().zip(t.sentiment) {
            *a += b;
        }
        if t.active_ms > 0 {
            self.days.insert(date);
        }
    }

    /// Metrics per week, dividing hours and counts by `weeks`.
    fn metrics(&self, weeks: f64) -> Metrics {
        let hours = |ms: i64| round(ms as f64 / 3_600_000.0 / weeks, 1);
        let share = |ms: i64| if self.active_ms > 0 { round(ms as f64 / self.active_ms as f64, 3) } else { 0.0 };
        let of = |c: Category| self.by_category[Category::ALL.iter().position(|k| *k == c).unwrap_or(0)];
        let active_hours = self.active_ms as f64 / 3_600_000.0;
        let [negative, neutral, positive] = self.sentiment;
        let scored = negative + neutral + positive;
        Metrics {
            active_hours: hours(self.active_ms),
            active_days: round(self.days.len() as f64 / weeks, 1),
            categories: Category::ALL
                .iter()
                .zip(self.by_category)
                .filter(|(_, ms)| *ms > 0)
                .map(|(c, ms)| CategoryShare { category: c.as_str(), hours: hours(ms), share: share(ms) })
                .collect(),
            focus_hours: hours(self.focus_ms),
            focus_share: share(self.focus_ms),
            switches_per_active_hour: if active_hours > 0.0 {
                round(self.switches as f64 / active_hours, 1)
            } else {
                0.0
            },
            meeting_hours: hours(of(Category::Meetings)),
            meeting_share: share(of(Category::Meetings)),
            ai_tools_share: share(of(Category::AiTools)),
            after_hours_share: Some(share(self.after_hours_ms)),
            sentiment: SentimentBalance {
                negative: round(negative as f64 / weeks, 1),
                neutral: round(neutral as f64 / weeks, 1),
                positive: round(positive as f64 / weeks, 1),
                mean: (scored > 0).then(|| round((positive - negative) as f64 / scored as f64, 2)),
            },
        }
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    // `+ 0.0` turns -0.0 into 0.0 so the bytes do not depend on the sign of a zero.
    (x * scale).round() / scale + 0.0
}

/// Hours and rates that moved by ≥ 25 % (and ≥ 1 unit), shares by ≥ 5 points, the
/// sentiment mean by ≥ 0.15.
fn notable_changes(week: &Metrics, base: &Metrics) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut relative = |metric: String, now: f64, before: f64| {
        let delta = now - before;
        if delta.abs() >= 1.0 && (before == 0.0 || (delta / before).abs() >= 0.25) {
            let rel = if before > 0.0 { Some(round(delta / before, 2)) } else { None };
            let strength = rel.map_or(4.0, |r| r.abs() / 0.25);
            changes.push(Change {
                metric,
                last_week: now,
                baseline_weekly_average: before,
                relative_change: rel,
                absolute_change: rel.is_none().then_some(round(delta, 1)),
                strength,
            });
        }
    };
    relative("active_hours".into(), week.active_hours, base.active_hours);
    relative("focus_hours".into(), week.focus_hours, base.focus_hours);
    relative("meeting_hours".into(), week.meeting_hours, base.meeting_hours);
    relative("switches_per_active_hour".into(), week.switches_per_active_hour, base.switches_per_active_hour);
    for category in Category::ALL {
        let find = |m: &Metrics| m.categories.iter().find(|c| c.category == category.as_str()).map_or(0.0, |c| c.hours);
        if category != Category::Meetings {
            relative(format!("{}_hours", category.as_str()), find(week), find(base));
        }
    }
    let mut absolute = |metric: &str, now: f64, before: f64, threshold: f64| {
        let delta = now - before;
        if delta.abs() >= threshold - 1e-9 {
            changes.push(Change {
                metric: metric.to_string(),
                last_week: now,
                baseline_weekly_average: before,
                relative_change: None,
                absolute_change: Some(round(delta, 3)),
                strength: delta.abs() / threshold,
            });
        }
    };
    absolute("focus_share", week.focus_share, base.focus_share, 0.05);
    absolute("ai_tools_share", week.ai_tools_share, base.ai_tools_share, 0.05);
    if let (Some(now), Some(before)) = (week.after_hours_share, base.after_hours_share) {
        absolute("after_hours_share", now, before, 0.05);
    }
    if let (Some(now), Some(before)) = (week.sentiment.mean, base.sentiment.mean) {
        absolute("sentiment_mean", now, before, 0.15);
    }
    changes.sort_by(|a, b| b.strength.total_cmp(&a.strength).then_with(|| a.metric.cmp(&b.metric)));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{BucketKey, BucketTotals};
    use crate::analyze::AppName;

    /// A bucket at a UTC date-time with `minutes` active (and as many focus minutes when `focus`).
    fn row(at: &str, category: Category, minutes: i64, focus: bool, sentiment: [i64; 3]) -> BucketRow {
        let start = DateTime::parse_from_rfc3339(at).unwrap().timestamp();
        BucketRow {
            team: "local".into(),
            key: BucketKey { start, category, app: AppName::from_stored("code") },
            totals: BucketTotals {
                active_ms: minutes * 60_000,
                events: 1,
                switches: 1,
                focus_ms: if focus { minutes * 60_000 } else { 0 },
                sentiment,
                ..BucketTotals::default()
            },
        }
    }

    fn utc() -> ReportZone {
        ReportZone::Named(chrono_tz::UTC)
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn last_complete_week_is_the_monday_before_this_one() {
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(last_complete_week(sunday), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!(last_complete_week(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()), monday());
    }

    #[test]
    fn metrics_are_computed_by_hand() {
        // Week of 2026-11-23: Monday 10:00 deep work 15 min (focus), meetings 15 min;
        // Saturday 10:00 (after hours: a weekend) AI tools 15 min.
        let rows = vec![
            row("2026-11-23T10:00:00Z", Category::DeepWork, 15, true, [0, 1, 0]),
            row("2026-11-23T10:15:00Z", Category::Meetings, 15, false, [1, 0, 0]),
            row("2026-11-28T10:00:00Z", Category::AiTools, 15, false, [0, 0, 1]),
            // Outside both periods: ignored.
            row("2026-12-01T10:00:00Z", Category::DeepWork, 15, true, [0, 1, 0]),
        ];
        let s = build(&rows, &utc(), monday(), 4, &WorkingHours::default()).unwrap();
        let m = &s.last_week;
        assert_eq!(m.active_hours, 0.8); // 45 min = 0.75 h, rounded to 1 decimal
        assert_eq!(m.active_days, 2.0);
        assert_eq!(m.focus_hours, 0.3);
        assert_eq!(m.focus_share, 0.333);
        assert_eq!(m.meeting_share, 0.333);
        assert_eq!(m.ai_tools_share, 0.333);
        assert_eq!(m.after_hours_share, Some(0.333));
        assert_eq!(m.switches_per_active_hour, 4.0); // 3 switches / 0.75 h
        assert_eq!(m.sentiment.mean, Some(0.0));
        assert_eq!(m.categories.iter().map(|c| c.category).collect::<Vec<_>>(), ["deep_work", "meetings", "ai_tools"]);
        assert!(s.baseline_weekly_average.is_none());
        assert!(s.notable_changes.is_empty());
    }

    #[test]
    fn baseline_averages_over_weeks_with_activity_and_changes_are_ranked() {
        let mut rows = Vec::new();
        // Two baseline weeks with 2 h of meetings and 2 h of deep work each.
        for day in ["2026-11-09", "2026-11-16"] {
            for q in 0..8 {
                let t = format!("{day}T{:02}:{:02}:00Z", 9 + q / 4, (q % 4) * 15);
                rows.push(row(&t, Category::Meetings, 15, false, [0, 1, 0]));
                let t = format!("{day}T{:02}:{:02}:00Z", 13 + q / 4, (q % 4) * 15);
                rows.push(row(&t, Category::DeepWork, 15, true, [0, 1, 0]));
            }
        }
        // Last week: 4 h of meetings, 2 h of deep work.
        for q in 0..16 {
            let t = format!("2026-11-24T{:02}:{:02}:00Z", 9 + q / 4, (q % 4) * 15);
            rows.push(row(&t, Category::Meetings, 15, false, [1, 0, 0]));
        }
        for q in 0..8 {
            let t = format!("2026-11-25T{:02}:{:02}:00Z", 13 + q / 4, (q % 4) * 15);
            rows.push(row(&t, Category::DeepWork, 15, true, [0, 1, 0]));
        }
        let s = build(&rows, &utc(), monday(), 4, &WorkingHours::default()).unwrap();
        assert_eq!(s.baseline.weeks_with_activity, 2);
        let base = s.baseline_weekly_average.as_ref().unwrap();
        assert_eq!(base.meeting_hours, 2.0);
        assert_eq!(s.last_week.meeting_hours, 4.0);
        let names: Vec<&str> = s.notable_changes.iter().map(|c| c.metric.as_str()).collect();
        // Meetings doubled (+100 % = 4× the threshold); sentiment fell from 0 to -0.67.
        assert_eq!(names[0], "sentiment_mean");
        assert!(names.contains(&"meeting_hours"));
        assert!(names.contains(&"focus_share"));
        assert!(!names.contains(&"deep_work_hours"), "2 h both weeks is no change");
        let meetings = s.notable_changes.iter().find(|c| c.metric == "meeting_hours").unwrap();
        assert_eq!(meetings.relative_change, Some(1.0));
    }

    #[test]
    fn a_week_without_activity_is_an_error_that_says_what_to_do() {
        let err = build(&[], &utc(), monday(), 4, &WorkingHours::default()).unwrap_err();
        assert!(err.to_string().contains("--week-of"));
    }

    #[test]
    fn the_same_aggregates_give_the_same_bytes() {
        let rows = vec![row("2026-11-23T10:00:00Z", Category::DeepWork, 15, true, [0, 1, 0])];
        let a = serde_json::to_string(&build(&rows, &utc(), monday(), 4, &WorkingHours::default()).unwrap()).unwrap();
        let mut reversed = rows.clone();
        reversed.reverse();
        let b =
            serde_json::to_string(&build(&reversed, &utc(), monday(), 4, &WorkingHours::default()).unwrap()).unwrap();
        assert_eq!(a, b);
    }
}
