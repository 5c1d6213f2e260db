//! What the dashboard shows, computed once here so the desktop shell only renders it:
//! per-period series (hours by category, focus, meetings, AI-tool share, switches per
//! active hour, sentiment) and the totals of a range. Built from [`BucketRow`]s through
//! the same period grouping as the CSV report, so the two always agree.

use crate::aggregate::BucketTotals;
use crate::config::ReportZone;
use crate::event::Category;
use crate::report::{self, Period};
use crate::store::BucketRow;
use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The dashboard's ranges: a day by hour, a week or a month by day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Range {
    Day,
    Week,
    Month,
}

impl Range {
    /// The local dates `[from, to]` ending at `to`, and the period of one point.
    pub fn dates(self, to: NaiveDate) -> (NaiveDate, NaiveDate, Period) {
        match self {
            Range::Day => (to, to, Period::Hour),
            Range::Week => (to - TimeDelta::days(6), to, Period::Day),
            Range::Month => (to - TimeDelta::days(29), to, Period::Day),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub range: Range,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
    /// Every team label in the range (for the selector), and the one shown (`None`: all).
    pub teams: Vec<String>,
    pub team: Option<String>,
    /// Category names in display order, the key of every `hours_by_category`.
    pub categories: Vec<&'static str>,
    pub points: Vec<Point>,
    pub totals: Figures,
}

/// One period of the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// Local start of the period, as in the CSV report.
    pub start: String,
    pub hours_by_category: Vec<f64>,
    pub figures: Figures,
}

/// Headline figures of a period or a range.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Figures {
    pub active_hours: f64,
    pub focus_hours: f64,
    pub meeting_hours: f64,
    pub ai_tools_share: f64,
    pub switches_per_hour: f64,
    pub events: i64,
    pub sentiment: [i64; 3],
    /// (positive − negative) / scored; `None` without scored events.
    pub sentiment_mean: Option<f64>,
}

impl Figures {
    fn from_totals(by_category: &BTreeMap<Category, BucketTotals>) -> Figures {
        let mut all = BucketTotals::default();
        for t in by_category.values() {
            all.merge(t);
        }
        let hours = |ms: i64| ms as f64 / 3_600_000.0;
        let of = |c: Category| by_category.get(&c).map_or(0, |t| t.active_ms);
        let scored: i64 = all.sentiment.iter().sum();
        Figures {
            active_hours: round2(hours(all.active_ms)),
            focus_hours: round2(hours(all.focus_ms)),
            meeting_hours: round2(hours(of(Category::Meetings))),
            ai_tools_share: if all.active_ms > 0 {
                round4(of(Category::AiTools) as f64 / all.active_ms as f64)
            } else {
                0.0
            },
            switches_per_hour: if all.active_ms > 0 { round2(all.switches as f64 / hours(all.active_ms)) } else { 0.0 },
            events: all.events,
            sentiment: all.sentiment,
            sentiment_mean: (scored > 0).then(|| round4((all.sentiment[2] - all.sentiment[0]) as f64 / scored as f64)),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0 + 0.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0 + 0.0
}

/// The UTC range to read for `range` ending on local date `to`.
pub fn rows_needed(zone: &ReportZone, range: Range, to: NaiveDate) -> (i64, i64) {
    let (from, to, _) = range.dates(to);
    report::date_range(zone, from, to)
}

/// Builds the dashboard from the rows of [`rows_needed`]; `team` narrows it to one team.
pub fn build(rows: &[BucketRow], zone: &ReportZone, range: Range, to: NaiveDate, team: Option<&str>) -> Dashboard {
    let (from, to, period) = range.dates(to);
    let mut teams: Vec<String> = rows.iter().map(|r| r.team.clone()).collect();
    teams.sort();
    teams.dedup();
    let team = team.filter(|t| teams.iter().any(|x| x == t)).map(str::to_string);
    let chosen: Vec<BucketRow> = rows.iter().filter(|r| team.as_ref().is_none_or(|t| &r.team == t)).cloned().collect();
    let mut by_period: BTreeMap<String, BTreeMap<Category, BucketTotals>> = BTreeMap::new();
    let mut range_totals: BTreeMap<Category, BucketTotals> = BTreeMap::new();
    for row in report::report_rows(&chosen, zone, period) {
        by_period.entry(row.period_start.clone()).or_default().entry(row.category).or_default().merge(&row.totals);
        range_totals.entry(row.category).or_default().merge(&row.totals);
    }
    let categories: Vec<Category> = Category::ALL.to_vec();
    let points = by_period
        .iter()
        .map(|(start, cells)| Point {
            start: start.clone(),
            hours_by_category: categories
                .iter()
                .map(|c| round2(cells.get(c).map_or(0, |t| t.active_ms) as f64 / 3_600_000.0))
                .collect(),
            figures: Figures::from_totals(cells),
        })
        .collect();
    Dashboard {
        range,
        from,
        to,
        time_zone: zone.name(),
        teams,
        team,
        categories: categories.iter().map(|c| c.as_str()).collect(),
        points,
        totals: Figures::from_totals(&range_totals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::BucketKey;
    use crate::event::AppName;

    fn row(at: &str, team: &str, category: Category, minutes: i64) -> BucketRow {
        BucketRow {
            team: team.into(),
            key: BucketKey {
                start: chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp(),
                category,
                app: AppName::from_stored("code"),
            },
            totals: BucketTotals {
                active_ms: minutes * 60_000,
                events: 2,
                switches: 1,
                focus_ms: if category == Category::DeepWork { minutes * 60_000 } else { 0 },
                sentiment: [1, 0, 1],
                ..BucketTotals::default()
            },
        }
    }

    #[test]
    fn a_week_by_day_with_a_team_filter() {
        let zone = ReportZone::Named(chrono_tz::UTC);
        let to = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let rows = vec![
            row("2026-11-23T09:00:00Z", "a", Category::DeepWork, 15),
            row("2026-11-23T09:15:00Z", "a", Category::Meetings, 15),
            row("2026-11-24T09:00:00Z", "a", Category::AiTools, 15),
            row("2026-11-24T09:00:00Z", "b", Category::DeepWork, 15),
        ];
        let all = build(&rows, &zone, Range::Week, to, None);
        assert_eq!(all.from, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(all.teams, ["a", "b"]);
        assert_eq!(all.points.len(), 2);
        assert_eq!(all.totals.active_hours, 1.0);
        assert_eq!(all.totals.focus_hours, 0.5);
        assert_eq!(all.totals.ai_tools_share, 0.25);
        assert_eq!(all.totals.switches_per_hour, 4.0);
        assert_eq!(all.totals.sentiment_mean, Some(0.0));
        assert_eq!(all.points[0].hours_by_category[0], 0.25, "deep work on Monday");
        let a = build(&rows, &zone, Range::Week, to, Some("a"));
        assert_eq!((a.team.as_deref(), a.totals.active_hours), (Some("a"), 0.75));
        let unknown = build(&rows, &zone, Range::Week, to, Some("zzz"));
        assert_eq!(unknown.team, None, "an unknown team shows everything rather than nothing");
    }

    #[test]
    fn a_day_is_shown_by_hour() {
        let zone = ReportZone::Named(chrono_tz::UTC);
        let to = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let rows = vec![
            row("2026-11-23T09:00:00Z", "a", Category::DeepWork, 15),
            row("2026-11-23T09:45:00Z", "a", Category::DeepWork, 15),
            row("2026-11-23T11:00:00Z", "a", Category::Research, 15),
        ];
        let d = build(&rows, &zone, Range::Day, to, None);
        let starts: Vec<&str> = d.points.iter().map(|p| p.start.as_str()).collect();
        assert_eq!(starts, ["2026-11-23T09:00:00+00:00", "2026-11-23T11:00:00+00:00"]);
        assert_eq!(d.points[0].figures.active_hours, 0.5);
    }
}
