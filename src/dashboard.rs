//! What the dashboard shows, computed once here so the desktop shell only renders it:
//! per-period series (hours by category, focus, meetings, AI-tool share, switches per
//! active hour, sentiment) and the totals of a range. Built from [`BucketRow`]s through
//! the same period grouping as the CSV report, so the two always agree. Every period of
//! the range is a point, one without activity at zero, so trends keep their time axis.

use crate::aggregate::{BucketTotals, FocusConfig};
use crate::event::Category;
use crate::report::{self, Period};
use crate::store::BucketRow;
use crate::zone::ReportZone;
use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
    /// The shortest deep-work block that counts as focus time, in minutes (the config's
    /// `focus.min_block_minutes`), for the view to say what focus hours mean.
    pub focus_block_minutes: f64,
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
/// Every period of the range is a point, those without activity at zero; a range with
/// no activity at all has no points (the view shows its empty state). Rows outside the
/// range are left out.
pub fn build(
    rows: &[BucketRow],
    zone: &ReportZone,
    range: Range,
    to: NaiveDate,
    team: Option<&str>,
    focus: &FocusConfig,
) -> Dashboard {
    let (from, to, period) = range.dates(to);
    let mut teams: Vec<String> = rows.iter().map(|r| r.team.clone()).collect();
    teams.sort();
    teams.dedup();
    let team = team.filter(|t| teams.iter().any(|x| x == t)).map(str::to_string);
    let chosen: Vec<BucketRow> = rows.iter().filter(|r| team.as_ref().is_none_or(|t| &r.team == t)).cloned().collect();
    let starts = report::period_starts(zone, from, to, period);
    let mut by_period: HashMap<String, BTreeMap<Category, BucketTotals>> =
        starts.iter().map(|s| (s.clone(), BTreeMap::new())).collect();
    let mut range_totals: BTreeMap<Category, BucketTotals> = BTreeMap::new();
    for row in report::report_rows(&chosen, zone, period) {
        if let Some(cells) = by_period.get_mut(&row.period_start) {
            cells.entry(row.category).or_default().merge(&row.totals);
            range_totals.entry(row.category).or_default().merge(&row.totals);
        }
    }
    let categories: Vec<Category> = Category::ALL.to_vec();
    // An empty range keeps no points, so the view can tell it from a quiet one.
    let starts = if range_totals.is_empty() { Vec::new() } else { starts };
    let points = starts
        .into_iter()
        .map(|start| {
            let cells = by_period.remove(&start).unwrap_or_default();
            Point {
                hours_by_category: categories
                    .iter()
                    .map(|c| round2(cells.get(c).map_or(0, |t| t.active_ms) as f64 / 3_600_000.0))
                    .collect(),
                figures: Figures::from_totals(&cells),
                start,
            }
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
        focus_block_minutes: focus.min_block_minutes,
        points,
        totals: Figures::from_totals(&range_totals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::BucketKey;
    use crate::analyze::AppName;

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
        let all = build(&rows, &zone, Range::Week, to, None, &FocusConfig::default());
        assert_eq!(all.from, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(all.teams, ["a", "b"]);
        assert_eq!(all.points.len(), 7, "every day of the week");
        assert_eq!(all.totals.active_hours, 1.0);
        assert_eq!(all.totals.focus_hours, 0.5);
        assert_eq!(all.totals.ai_tools_share, 0.25);
        assert_eq!(all.totals.switches_per_hour, 4.0);
        assert_eq!(all.totals.sentiment_mean, Some(0.0));
        assert_eq!(all.points[0].hours_by_category[0], 0.25, "deep work on Monday");
        let a = build(&rows, &zone, Range::Week, to, Some("a"), &FocusConfig::default());
        assert_eq!((a.team.as_deref(), a.totals.active_hours), (Some("a"), 0.75));
        let unknown = build(&rows, &zone, Range::Week, to, Some("zzz"), &FocusConfig::default());
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
        let d = build(&rows, &zone, Range::Day, to, None, &FocusConfig::default());
        let starts: Vec<&str> = d.points.iter().map(|p| p.start.as_str()).collect();
        assert_eq!(starts.len(), 24, "every hour of the day: {starts:?}");
        assert_eq!(starts[0], "2026-11-23T00:00:00+00:00");
        assert_eq!(
            starts[9..12],
            ["2026-11-23T09:00:00+00:00", "2026-11-23T10:00:00+00:00", "2026-11-23T11:00:00+00:00"]
        );
        assert_eq!(d.points[9].figures.active_hours, 0.5);
        assert_eq!(d.points[10].figures, Figures::default(), "an hour without activity is zero");
        assert_eq!(d.points[11].figures.active_hours, 0.25);
    }

    #[test]
    fn a_day_without_activity_is_a_point_at_zero() {
        let zone = ReportZone::Named(chrono_tz::UTC);
        // Monday and Wednesday have activity; the rest of the week (a weekend too) has none.
        let to = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let rows = vec![
            row("2026-11-23T09:00:00Z", "a", Category::DeepWork, 15),
            row("2026-11-25T09:00:00Z", "a", Category::Meetings, 15),
        ];
        let week = build(&rows, &zone, Range::Week, to, None, &FocusConfig::default());
        let starts: Vec<&str> = week.points.iter().map(|p| p.start.as_str()).collect();
        assert_eq!(
            starts,
            ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]
        );
        let tuesday = &week.points[1];
        assert_eq!(tuesday.hours_by_category, vec![0.0; Category::ALL.len()]);
        assert_eq!(tuesday.figures, Figures::default());
        assert_eq!(tuesday.figures.sentiment_mean, None, "no scored events: no mean, not a neutral 0");
        assert_eq!(week.points[2].figures.meeting_hours, 0.25);
        assert_eq!(week.totals.active_hours, 0.5, "the empty days add nothing");

        let month = build(&rows, &zone, Range::Month, to, None, &FocusConfig::default());
        assert_eq!(month.points.len(), 30);
        assert_eq!(month.points[0].start, "2026-10-31");
        assert_eq!(month.points[29].start, "2026-11-29");
        assert_eq!(month.points.iter().filter(|p| p.figures.active_hours > 0.0).count(), 2);

        // A range with no activity at all has no points: the view shows its empty state.
        let earlier = build(&[], &zone, Range::Week, to, None, &FocusConfig::default());
        assert!(earlier.points.is_empty());
    }

    #[test]
    fn hours_follow_the_local_clock_across_a_dst_change() {
        // 2026-10-25: Berlin goes back from +02:00 to +01:00, so the day has 25 hours.
        let zone = ReportZone::Named(chrono_tz::Europe::Berlin);
        let to = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        let rows = vec![row("2026-10-25T08:00:00Z", "a", Category::DeepWork, 15)];
        let d = build(&rows, &zone, Range::Day, to, None, &FocusConfig::default());
        let starts: Vec<&str> = d.points.iter().map(|p| p.start.as_str()).collect();
        assert_eq!(starts.len(), 25, "{starts:?}");
        assert_eq!(starts[2..4], ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"], "in time order");
        assert_eq!(starts[24], "2026-10-25T23:00:00+01:00");
        assert_eq!(d.points[10].figures.active_hours, 0.25, "09:00 local");
    }
}
