//! Team trends for the admin dashboard, built from a [`TeamReport`]'s released cells
//! only: per team and for the organisation (the sum of the shown teams), one point per
//! week or month with active hours by category, focus share, meeting load, AI-tool
//! share, switches per active hour and sentiment balance.
//!
//! Nothing here sees a suppressed cell: a period or category with no released cell is
//! a gap (`None`), never zero, and the reason it states is the release rules' (fewer
//! than k people, or, in PostgreSQL, a cell withdrawn after release). A team without a
//! single released cell in the range does not appear at all.

use super::actions::TeamReport;
use super::release::{discrete_laplace, NoiseStatement};
use super::{TeamCell, TeamPeriod};
use crate::event::Category;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Team trends over released cells, as the Teams view draws them.
#[derive(Debug, Clone, Serialize)]
pub struct Trends {
    pub org: String,
    pub period: TeamPeriod,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub k: u32,
    pub noise: Option<NoiseStatement>,
    /// What a gap means under this sink's release rules.
    pub gap_reason: String,
    /// Every period start in the range, in order: each series has one point per entry.
    pub periods: Vec<NaiveDate>,
    /// The categories with at least one released cell, in the engine's order.
    pub categories: Vec<Category>,
    /// The shown teams (at least one released cell in the range), by name.
    pub teams: Vec<Series>,
    /// The organisation: the released org cells (sums of shown team cells).
    pub org_series: Series,
}

/// One team's (or the organisation's) points.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// The team label; empty for the organisation.
    pub team: String,
    pub points: Vec<Point>,
    /// With noise: the median absolute error of one period's active hours (the sum of
    /// its released category cells), in hours, and relative to the series' median
    /// released hours per period; `None` without noise or without a released period.
    pub typical_error_hours: Option<f64>,
    pub typical_error_share: Option<f64>,
}

/// One period of a series. `None` is a gap: nothing was released there.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub period_start: NaiveDate,
    /// Active hours per category, in [`Trends::categories`] order.
    pub hours: Vec<Option<f64>>,
    /// Contributors of each category cell, in the same order.
    pub contributors: Vec<Option<u32>>,
    /// Active hours over the released cells.
    pub active_hours: Option<f64>,
    /// Focus time over active time (released cells).
    pub focus_share: Option<f64>,
    /// Meeting hours over the released hours; a gap when the meetings cell is not released.
    pub meeting_share: Option<f64>,
    /// AI-tool hours over the released hours; a gap when the AI-tools cell is not released.
    pub ai_share: Option<f64>,
    pub switches_per_hour: Option<f64>,
    /// (positive − negative) / scored events, over the released cells.
    pub sentiment_balance: Option<f64>,
    /// The fewest and most contributors of the period's released cells.
    pub contributors_min: Option<u32>,
    pub contributors_max: Option<u32>,
}

/// Builds the trends of `report` (week or month periods; a day report works as well).
pub fn trends(report: &TeamReport, postgres: bool) -> Trends {
    let mut periods = Vec::new();
    let mut start = report.period.start_of(report.from);
    while start <= report.to {
        periods.push(start);
        let next = report.period.end_of(start);
        if next <= start {
            break;
        }
        start = next;
    }
    let categories: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|c| report.teams.iter().chain(&report.org_cells).any(|cell| cell.category == *c))
        .collect();
    let mut by_team: BTreeMap<&str, Vec<&TeamCell>> = BTreeMap::new();
    for c in &report.teams {
        by_team.entry(&c.team).or_default().push(c);
    }
    let teams = by_team
        .into_iter()
        .map(|(team, cells)| series(team, &cells, &periods, &categories, report.noise.as_ref()))
        .collect();
    let org_cells: Vec<&TeamCell> = report.org_cells.iter().collect();
    let org_series = series("", &org_cells, &periods, &categories, report.noise.as_ref());
    let gap_reason = if postgres {
        format!("hidden: fewer than {} people, or withdrawn after release", report.k)
    } else {
        format!("hidden: fewer than {} people", report.k)
    };
    Trends {
        org: report.org.clone(),
        period: report.period,
        from: report.from,
        to: report.to,
        k: report.k,
        noise: report.noise,
        gap_reason,
        periods,
        categories,
        teams,
        org_series,
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

fn series(
    team: &str,
    cells: &[&TeamCell],
    periods: &[NaiveDate],
    categories: &[Category],
    noise: Option<&NoiseStatement>,
) -> Series {
    let mut at: BTreeMap<NaiveDate, Vec<&TeamCell>> = BTreeMap::new();
    for c in cells {
        at.entry(c.period_start).or_default().push(c);
    }
    let points: Vec<Point> = periods
        .iter()
        .map(|start| {
            let cells = at.get(start).map(Vec::as_slice).unwrap_or_default();
            point(*start, cells, categories)
        })
        .collect();
    let (typical_error_hours, typical_error_share) = match noise {
        Some(n) => typical_error(&points, n),
        None => (None, None),
    };
    Series { team: team.to_string(), points, typical_error_hours, typical_error_share }
}

fn point(period_start: NaiveDate, cells: &[&TeamCell], categories: &[Category]) -> Point {
    let cell = |c: Category| cells.iter().find(|x| x.category == c);
    // Noise can push a released count below zero or a share past one; each figure is
    // clamped to the range it can take (post-processing of released cells: no privacy cost).
    let hours: Vec<Option<f64>> =
        categories.iter().map(|c| cell(*c).map(|x| (x.measures.active_seconds as f64 / 3600.0).max(0.0))).collect();
    let contributors = categories.iter().map(|c| cell(*c).map(|x| x.contributors)).collect();
    if cells.is_empty() {
        return Point {
            period_start,
            hours,
            contributors,
            active_hours: None,
            focus_share: None,
            meeting_share: None,
            ai_share: None,
            switches_per_hour: None,
            sentiment_balance: None,
            contributors_min: None,
            contributors_max: None,
        };
    }
    let mut total = super::Measures::default();
    for c in cells {
        total.add(&c.measures);
    }
    let active = (total.active_seconds as f64).max(0.0);
    let unit = |x: f64| x.clamp(0.0, 1.0);
    let share_of = |c: Category| cell(c).and_then(|x| ratio(x.measures.active_seconds as f64, active)).map(unit);
    let scored = (total.sentiment_negative + total.sentiment_neutral + total.sentiment_positive) as f64;
    Point {
        period_start,
        hours,
        contributors,
        active_hours: Some(active / 3600.0),
        focus_share: ratio(total.focus_seconds as f64, active).map(unit),
        meeting_share: share_of(Category::Meetings),
        ai_share: share_of(Category::AiTools),
        switches_per_hour: ratio(total.switches as f64, active / 3600.0).map(|x| x.max(0.0)),
        sentiment_balance: ratio((total.sentiment_positive - total.sentiment_negative) as f64, scored)
            .map(|x| x.clamp(-1.0, 1.0)),
        contributors_min: cells.iter().map(|c| c.contributors).min(),
        contributors_max: cells.iter().map(|c| c.contributors).max(),
    }
}

/// Draws simulated for the typical error: enough for a stable median, cheap to compute.
const ERROR_DRAWS: usize = 2_000;

/// The median |noise| of one period's active hours: the sum of one discrete Laplace
/// draw per released category cell (the median number of cells over the released
/// periods), at the statement's active-time scale; and that error over the median
/// released hours per period.
fn typical_error(points: &[Point], noise: &NoiseStatement) -> (Option<f64>, Option<f64>) {
    let released: Vec<&Point> = points.iter().filter(|p| p.active_hours.is_some()).collect();
    if released.is_empty() {
        return (None, None);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cells = median(released.iter().map(|p| p.hours.iter().flatten().count() as f64).collect()) as usize;
    let hours = median(released.iter().filter_map(|p| p.active_hours).collect());
    let key = [0u8; 32];
    let errors: Vec<f64> = (0..ERROR_DRAWS)
        .map(|i| {
            let sum: i64 = (0..cells.max(1))
                .map(|c| discrete_laplace(&key, &format!("typical-error|{i}|{c}"), noise.scales[0]))
                .sum();
            sum.unsigned_abs() as f64 / 3600.0
        })
        .collect();
    let error = median(errors);
    (Some(error), ratio(error, hours))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::actions::TeamReport;
    use crate::rollup::{InstallId, Measures};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn report(teams: Vec<TeamCell>, org_cells: Vec<TeamCell>, noise: Option<NoiseStatement>) -> TeamReport {
        TeamReport {
            org: "acme".into(),
            period: TeamPeriod::Week,
            from: day(11, 2),
            to: day(11, 22),
            k: 5,
            noise,
            teams,
            org_cells,
            skipped_files: 0,
            skipped_cells: 0,
            refused_enrolments: 0,
        }
    }

    fn cell(start: NaiveDate, team: &str, category: Category, hours: i64, n: u32) -> TeamCell {
        TeamCell {
            period_start: start,
            team: team.into(),
            category,
            contributors: n,
            measures: Measures {
                active_seconds: hours * 3600,
                focus_seconds: hours * 1800,
                switches: hours * 4,
                sentiment_positive: 3,
                sentiment_negative: 1,
                ..Default::default()
            },
            epsilon: None,
        }
    }

    #[test]
    fn unreleased_periods_and_categories_are_gaps_never_zero() {
        let teams = vec![
            cell(day(11, 2), "alpha", Category::DeepWork, 30, 6),
            cell(day(11, 2), "alpha", Category::Meetings, 10, 5),
            // Week of the 9th: nothing released. Week of the 16th: no meetings cell.
            cell(day(11, 16), "alpha", Category::DeepWork, 40, 6),
        ];
        let t = trends(&report(teams, vec![], None), false);
        assert_eq!(t.periods, vec![day(11, 2), day(11, 9), day(11, 16)]);
        assert_eq!(t.categories, vec![Category::DeepWork, Category::Meetings]);
        let p = &t.teams[0].points;
        assert_eq!(p[0].hours, vec![Some(30.0), Some(10.0)]);
        assert_eq!(p[0].meeting_share, Some(0.25));
        assert_eq!(p[0].focus_share, Some(0.5));
        assert_eq!(p[0].switches_per_hour, Some(4.0));
        assert_eq!(p[0].sentiment_balance, Some(2.0 * 2.0 / 8.0));
        assert_eq!((p[0].contributors_min, p[0].contributors_max), (Some(5), Some(6)));
        assert!(p[1].hours.iter().all(Option::is_none) && p[1].active_hours.is_none());
        assert!(p[1].meeting_share.is_none() && p[1].focus_share.is_none() && p[1].ai_share.is_none());
        assert_eq!(p[2].hours, vec![Some(40.0), None]);
        assert_eq!(p[2].meeting_share, None, "a hidden meetings cell is a gap, not 0 %");
        assert_eq!(t.gap_reason, "hidden: fewer than 5 people");
        assert!(trends(&report(vec![], vec![], None), true).gap_reason.contains("withdrawn"));
    }

    #[test]
    fn noise_never_draws_a_figure_outside_its_range() {
        // Noise took the meetings cell below zero and pushed focus past the active time.
        let mut deep = cell(day(11, 2), "alpha", Category::DeepWork, 3, 6);
        deep.measures.focus_seconds = 9 * 3600;
        deep.measures.sentiment_positive = -2;
        deep.measures.sentiment_negative = 5;
        deep.measures.sentiment_neutral = -2;
        let meetings = cell(day(11, 2), "alpha", Category::Meetings, -1, 5);
        let t = trends(&report(vec![deep, meetings], vec![], None), false);
        let p = &t.teams[0].points[0];
        assert_eq!(p.hours, vec![Some(3.0), Some(0.0)], "no negative hours");
        assert_eq!(p.meeting_share, Some(0.0), "no negative share");
        assert_eq!(p.focus_share, Some(1.0), "no share above one");
        assert_eq!(p.sentiment_balance, Some(-1.0), "balance within [-1, 1]");
    }

    #[test]
    fn a_team_below_k_is_in_no_series_and_no_org_figure() {
        // Seven people in alpha, four in gamma, each with 8 h of deep work on each of
        // five days: the release rules drop gamma's day cells, so gamma is nowhere.
        let mut rows = Vec::new();
        for (team, n) in [("alpha", 7), ("gamma", 4)] {
            for _ in 0..n {
                let id = InstallId::random();
                for d in 2..=6 {
                    let measures = Measures { active_seconds: 8 * 3600, events: 5, ..Default::default() };
                    let c = super::super::DayCell {
                        day: day(11, d),
                        team: team.into(),
                        category: Category::DeepWork,
                        measures,
                    };
                    rows.push((id.clone(), c));
                }
            }
        }
        let (teams, org) = super::super::release::release(&rows, 5, TeamPeriod::Week, day(11, 2), day(11, 22));
        let t = trends(&report(teams, org, None), false);
        assert_eq!(t.teams.iter().map(|s| s.team.as_str()).collect::<Vec<_>>(), vec!["alpha"]);
        assert_eq!(t.org_series.points[0].active_hours, Some(7.0 * 5.0 * 8.0), "the org holds alpha only");
        assert!(!serde_json::to_string(&t).unwrap().contains("gamma"));
    }

    #[test]
    fn a_month_report_has_one_point_per_month_and_org_points_from_org_cells() {
        let mut r = report(
            vec![cell(day(10, 1), "alpha", Category::Meetings, 50, 7)],
            vec![cell(day(10, 1), "", Category::Meetings, 50, 7), cell(day(11, 1), "", Category::Meetings, 20, 6)],
            None,
        );
        (r.period, r.from, r.to) = (TeamPeriod::Month, day(9, 1), day(11, 30));
        let t = trends(&r, false);
        assert_eq!(t.periods, vec![day(9, 1), day(10, 1), day(11, 1)]);
        let alpha: Vec<Option<f64>> = t.teams[0].points.iter().map(|p| p.active_hours).collect();
        assert_eq!(alpha, vec![None, Some(50.0), None]);
        let org: Vec<Option<f64>> = t.org_series.points.iter().map(|p| p.meeting_share).collect();
        assert_eq!(org, vec![None, Some(1.0), Some(1.0)]);
    }

    #[test]
    fn the_typical_error_follows_the_noise_scale() {
        let teams: Vec<TeamCell> = [day(11, 2), day(11, 9), day(11, 16)]
            .iter()
            .map(|d| cell(*d, "alpha", Category::DeepWork, 100, 10))
            .collect();
        let none = trends(&report(teams.clone(), vec![], None), false);
        assert_eq!(none.teams[0].typical_error_hours, None);
        let noise = NoiseStatement::new(8.0, 7);
        let t = trends(&report(teams, vec![], Some(noise)), false);
        let error = t.teams[0].typical_error_hours.unwrap();
        // One cell: the median |discrete Laplace| is about scale × ln 2.
        let expected = noise.scales[0] * std::f64::consts::LN_2 / 3600.0;
        assert!((error - expected).abs() < 0.1 * expected, "{error} vs {expected}");
        assert!((t.teams[0].typical_error_share.unwrap() - error / 100.0).abs() < 1e-12);
    }
}
