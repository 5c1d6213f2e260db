//! Where team data is read for display or export (DESIGN §4.5): a cell is released only
//! with at least `k` distinct enrolled contributors, and every total is built from
//! released cells only — so no suppressed cell can be recovered by subtracting others
//! from a total (complementary suppression's guarantee, without searching for cells to
//! hide). Optional Laplace noise is drawn once per cell and stored.
//!
//! The PostgreSQL reader views implement the same rules in SQL
//! (`migrations/postgres/`); the folder sink's rows go through [`release`]; both results
//! pass [`enforce_k`] again before anything is shown.

use super::{DayCell, InstallId, Measures, TeamCell, TeamPeriod, MAX_SECONDS_PER_DAY, MEASURE_NAMES};
use crate::event::Category;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Per install, day and cell, the counts a contribution may carry at most (one event
/// every 30 s); with [`MAX_SECONDS_PER_DAY`] this bounds what one install can change.
pub const MAX_COUNT_PER_DAY: i64 = 2 * 24 * 60;

type CellKey = (NaiveDate, String, Category);

/// Team cells and org cells released from verified rows (`install`, day cell).
pub fn release(
    rows: &[(InstallId, DayCell)],
    k: u32,
    period: TeamPeriod,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<TeamCell>, Vec<TeamCell>) {
    let k = k.max(super::MIN_K) as usize;
    let mut day_installs: BTreeMap<CellKey, BTreeSet<&InstallId>> = BTreeMap::new();
    for (id, c) in rows {
        day_installs.entry((c.day, c.team.clone(), c.category)).or_default().insert(id);
    }
    let mut team: BTreeMap<CellKey, (BTreeSet<&InstallId>, Measures)> = BTreeMap::new();
    let mut org: BTreeMap<(NaiveDate, Category), (BTreeSet<&InstallId>, Measures)> = BTreeMap::new();
    for (id, c) in rows {
        let start = period.start_of(c.day);
        if start < from || start > to || day_installs[&(c.day, c.team.clone(), c.category)].len() < k {
            continue;
        }
        let t = team.entry((start, c.team.clone(), c.category)).or_default();
        t.0.insert(id);
        t.1.add(&c.measures);
        let o = org.entry((start, c.category)).or_default();
        o.0.insert(id);
        o.1.add(&c.measures);
    }
    let team = team
        .into_iter()
        .map(|((period_start, team, category), (ids, measures))| TeamCell {
            period_start,
            team,
            category,
            contributors: ids.len() as u32,
            measures,
        })
        .collect();
    let org = org
        .into_iter()
        .map(|((period_start, category), (ids, measures))| TeamCell {
            period_start,
            team: String::new(),
            category,
            contributors: ids.len() as u32,
            measures,
        })
        .collect();
    (team, org)
}

/// Drops any cell below `k` (a second check on what a sink returned).
pub fn enforce_k(cells: Vec<TeamCell>, k: u32) -> Vec<TeamCell> {
    let k = k.max(super::MIN_K);
    cells.into_iter().filter(|c| c.contributors >= k).collect()
}

/// Clips one install's cells of one day: active time to 24 h in all (scaled down in
/// proportion), focus to the active time, counts to [`MAX_COUNT_PER_DAY`].
pub fn clip_day(cells: &mut [DayCell]) {
    let total: i64 = cells.iter().map(|c| c.measures.active_seconds.max(0)).sum();
    for c in cells.iter_mut() {
        let m = &mut c.measures;
        m.active_seconds = m.active_seconds.max(0);
        if total > MAX_SECONDS_PER_DAY {
            m.active_seconds =
                (i128::from(m.active_seconds) * i128::from(MAX_SECONDS_PER_DAY) / i128::from(total)) as i64;
        }
        m.focus_seconds = m.focus_seconds.clamp(0, m.active_seconds);
        for v in [
            &mut m.events,
            &mut m.switches,
            &mut m.sentiment_negative,
            &mut m.sentiment_neutral,
            &mut m.sentiment_positive,
        ] {
            *v = (*v).clamp(0, MAX_COUNT_PER_DAY);
        }
    }
}

/// How noise was added, as every report states it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoiseStatement {
    pub epsilon: f64,
    /// ε is split evenly over the measures (basic composition).
    pub epsilon_per_measure: f64,
    /// Laplace scale of the seconds measures and of the counts, for one day.
    pub scale_seconds_per_day: f64,
    pub scale_counts_per_day: f64,
}

impl NoiseStatement {
    pub fn new(epsilon: f64) -> NoiseStatement {
        let per = epsilon / MEASURE_NAMES.len() as f64;
        NoiseStatement {
            epsilon,
            epsilon_per_measure: per,
            scale_seconds_per_day: MAX_SECONDS_PER_DAY as f64 / per,
            scale_counts_per_day: MAX_COUNT_PER_DAY as f64 / per,
        }
    }

    /// Laplace scales per measure for a cell spanning `days` days: one install changes
    /// a cell by at most its per-day clip times the days in the period.
    pub fn scales(&self, days: i64) -> [f64; 7] {
        let d = days.max(1) as f64;
        let s = self.scale_seconds_per_day * d;
        let c = self.scale_counts_per_day * d;
        [s, s, c, c, c, c, c]
    }

    pub fn describe(&self) -> String {
        format!(
            "Laplace noise, ε = {} (ε/{} = {:.4} per measure); per day of a period, scale {:.0} s for time and {:.0} for counts; drawn once per cell and kept",
            self.epsilon,
            MEASURE_NAMES.len(),
            self.epsilon_per_measure,
            self.scale_seconds_per_day,
            self.scale_counts_per_day
        )
    }
}

/// One Laplace(0, `scale`) draw.
pub fn laplace(scale: f64) -> f64 {
    // u in (-0.5, 0.5), never exactly ±0.5, so ln never sees 0.
    let u = loop {
        let u = fastrand::f64() - 0.5;
        if u.abs() < 0.5 {
            break u;
        }
    };
    -scale * u.signum() * (1.0 - 2.0 * u.abs()).ln()
}

/// Adds the stored noise of each cell (`noise` from the store, or drawn now by
/// `draw` and then stored by the caller). Values stay unclamped, so noise stays unbiased.
pub fn add_noise(cell: &mut TeamCell, noise: &[f64; 7]) {
    let values = cell.measures.values();
    let mut noisy = [0i64; 7];
    for i in 0..7 {
        noisy[i] = (values[i] as f64 + noise[i]).round() as i64;
    }
    cell.measures = Measures::from_values(noisy);
}

pub fn draw(statement: &NoiseStatement, days: i64) -> [f64; 7] {
    statement.scales(days).map(laplace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn cell(d: u32, team: &str, category: Category, active: i64) -> DayCell {
        DayCell {
            day: day(d),
            team: team.into(),
            category,
            measures: Measures { active_seconds: active, events: 1, ..Default::default() },
        }
    }

    #[test]
    fn cells_below_k_are_suppressed_and_totals_exclude_them() {
        let ids: Vec<InstallId> = (0..8).map(|_| InstallId::random()).collect();
        let mut rows = Vec::new();
        for id in &ids[..5] {
            rows.push((id.clone(), cell(2, "alpha", Category::DeepWork, 3600)));
        }
        for id in &ids[5..] {
            rows.push((id.clone(), cell(2, "gamma", Category::DeepWork, 60)));
        }
        // Only two alpha members used an AI tool: that cell is suppressed.
        rows.push((ids[0].clone(), cell(2, "alpha", Category::AiTools, 600)));
        rows.push((ids[1].clone(), cell(2, "alpha", Category::AiTools, 600)));
        let (team, org) = release(&rows, 5, TeamPeriod::Day, day(1), day(30));
        assert_eq!(team.len(), 1);
        assert_eq!((team[0].team.as_str(), team[0].contributors, team[0].measures.active_seconds), ("alpha", 5, 18000));
        assert_eq!(org.len(), 1);
        assert_eq!(org[0].measures.active_seconds, 18000, "org totals hold released cells only");
    }

    #[test]
    fn weeks_sum_released_days_only() {
        let ids: Vec<InstallId> = (0..5).map(|_| InstallId::random()).collect();
        let mut rows = Vec::new();
        for id in &ids {
            rows.push((id.clone(), cell(2, "alpha", Category::Meetings, 100)));
        }
        // On the 3rd only one person worked: a week total must not include it.
        rows.push((ids[0].clone(), cell(3, "alpha", Category::Meetings, 999)));
        let (team, _) = release(&rows, 5, TeamPeriod::Week, day(1), day(30));
        assert_eq!(team.len(), 1);
        assert_eq!(team[0].period_start, day(2));
        assert_eq!(team[0].measures.active_seconds, 500);
        assert!(release(&rows, 6, TeamPeriod::Week, day(1), day(30)).0.is_empty());
    }

    #[test]
    fn k_never_drops_below_five() {
        let ids: Vec<InstallId> = (0..3).map(|_| InstallId::random()).collect();
        let rows: Vec<_> = ids.iter().map(|id| (id.clone(), cell(2, "t", Category::Admin, 1))).collect();
        assert!(release(&rows, 1, TeamPeriod::Day, day(1), day(30)).0.is_empty());
        let c = TeamCell {
            period_start: day(2),
            team: "t".into(),
            category: Category::Admin,
            contributors: 4,
            measures: Measures::default(),
        };
        assert!(enforce_k(vec![c], 0).is_empty());
    }

    #[test]
    fn clipping_caps_a_day_at_24_hours() {
        let mut cells = vec![cell(2, "t", Category::DeepWork, 20 * 3600), cell(2, "t", Category::Meetings, 20 * 3600)];
        cells[0].measures.focus_seconds = 30 * 3600;
        cells[1].measures.events = 1_000_000;
        clip_day(&mut cells);
        let total: i64 = cells.iter().map(|c| c.measures.active_seconds).sum();
        assert_eq!(total, MAX_SECONDS_PER_DAY);
        assert!(cells[0].measures.focus_seconds <= cells[0].measures.active_seconds);
        assert_eq!(cells[1].measures.events, MAX_COUNT_PER_DAY);
    }

    #[test]
    fn laplace_draws_are_centred_with_the_stated_scale() {
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| laplace(10.0)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let mad = draws.iter().map(|d| d.abs()).sum::<f64>() / n as f64;
        // Mean 0 (standard error 10·√2/√n ≈ 0.03); E|X| = scale.
        assert!(mean.abs() < 0.15, "mean {mean}");
        assert!((mad - 10.0).abs() < 0.2, "mean absolute deviation {mad}");
    }
}
