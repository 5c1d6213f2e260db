//! Where team data is read for display or export (DESIGN §4.5): a cell is released only
//! with at least `k` distinct enrolled contributors, and every total is built from
//! released cells only — so no suppressed cell can be recovered by subtracting others
//! from a total (complementary suppression's guarantee, without searching for cells to
//! hide). Noise is discrete Laplace, keyed so that the same cell always gets the same
//! draw, whoever reads it and from wherever.
//!
//! The PostgreSQL sink implements the same rules in SQL, and releases noised week cells
//! only once (`migrations/postgres/`); the folder sink's rows go through [`release`];
//! both results pass [`enforce_k`] again before anything is shown.

use super::{
    hmac_sha256, DayCell, InstallId, Measures, TeamCell, TeamPeriod, DAILY_CAPS, MAX_SECONDS_PER_WEEK,
    MIN_ACTIVE_SECONDS,
};
use crate::event::Category;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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
    // A row without real activity counts neither towards k nor in the sums.
    let rows: Vec<&(InstallId, DayCell)> =
        rows.iter().filter(|(_, c)| c.measures.active_seconds >= MIN_ACTIVE_SECONDS).collect();
    let mut day_installs: BTreeMap<CellKey, BTreeSet<&InstallId>> = BTreeMap::new();
    for (id, c) in rows.iter().copied() {
        day_installs.entry((c.day, c.team.clone(), c.category)).or_default().insert(id);
    }
    let mut team: BTreeMap<CellKey, (BTreeSet<&InstallId>, Measures)> = BTreeMap::new();
    let mut org: BTreeMap<(NaiveDate, Category), (BTreeSet<&InstallId>, Measures)> = BTreeMap::new();
    for (id, c) in rows.iter().copied() {
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
            epsilon: None,
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
            epsilon: None,
        })
        .collect();
    (team, org)
}

/// Drops any cell below `k` (a second check on what a sink returned).
pub fn enforce_k(cells: Vec<TeamCell>, k: u32) -> Vec<TeamCell> {
    let k = k.max(super::MIN_K);
    cells.into_iter().filter(|c| c.contributors >= k).collect()
}

/// Clips one install's cells of one day to the daily caps: active time and each count
/// summed over the day's categories (scaled down in proportion), focus to the active
/// time of its cell.
pub fn clip_day(cells: &mut [DayCell]) {
    let caps = DAILY_CAPS;
    let mut totals = [0i64; 7];
    for c in cells.iter() {
        for (t, v) in totals.iter_mut().zip(c.measures.values()) {
            *t = t.saturating_add(v.max(0));
        }
    }
    for c in cells.iter_mut() {
        let mut v = c.measures.values();
        for i in [0, 2, 3, 4, 5, 6] {
            v[i] = v[i].max(0);
            if totals[i] > caps[i] {
                v[i] = (i128::from(v[i]) * i128::from(caps[i]) / i128::from(totals[i])) as i64;
            }
        }
        v[1] = v[1].clamp(0, v[0]);
        c.measures = Measures::from_values(v);
    }
}

/// Clips one install's days to the weekly cap on active time: each ISO week whose active
/// time is above [`MAX_SECONDS_PER_WEEK`] is scaled down in proportion, day by day and
/// cell by cell (focus stays within its cell's active time).
pub fn clip_weeks(days: &mut BTreeMap<NaiveDate, Vec<DayCell>>) {
    let mut weeks: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (day, cells) in days.iter() {
        let total = cells.iter().map(|c| c.measures.active_seconds.max(0)).fold(0i64, i64::saturating_add);
        let week = weeks.entry(TeamPeriod::Week.start_of(*day)).or_default();
        *week = week.saturating_add(total);
    }
    for (day, cells) in days.iter_mut() {
        let total = weeks[&TeamPeriod::Week.start_of(*day)];
        if total <= MAX_SECONDS_PER_WEEK {
            continue;
        }
        for c in cells.iter_mut() {
            let m = &mut c.measures;
            m.active_seconds =
                (i128::from(m.active_seconds.max(0)) * i128::from(MAX_SECONDS_PER_WEEK) / i128::from(total)) as i64;
            m.focus_seconds = m.focus_seconds.clamp(0, m.active_seconds);
        }
    }
}

/// Whether one install's rows stay within the weekly cap on active time, per ISO week.
pub fn weeks_within_cap<'a>(cells: impl Iterator<Item = &'a DayCell>) -> BTreeMap<NaiveDate, bool> {
    let mut weeks: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for c in cells {
        let week = weeks.entry(TeamPeriod::Week.start_of(c.day)).or_default();
        *week = week.saturating_add(c.measures.active_seconds.max(0));
    }
    weeks.into_iter().map(|(w, total)| (w, total <= MAX_SECONDS_PER_WEEK)).collect()
}

/// How ε is split over the seven measures (basic composition): active time half, focus
/// a fifth, events and switches a tenth each, the three sentiment counts a tenth
/// together. The same shares are in `tally_private.week_scales` (migrations/postgres/).
pub const EPSILON_SHARES: [f64; 7] = [0.5, 0.2, 0.1, 0.1, 0.1 / 3.0, 0.1 / 3.0, 0.1 / 3.0];

/// ε per team-week in the PostgreSQL sink unless its owner sets another: chosen so that
/// a 10-person team-week's active hours are within ±10 % in the typical (median) week
/// (`cargo bench -p tally --bench team_noise`, docs/team-rollup.md).
pub const DEFAULT_EPSILON: f64 = 8.0;

/// How noise was added, as every report states it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoiseStatement {
    /// ε per released cell (all measures together).
    pub epsilon: f64,
    /// The days one released cell covers at most: 7 for the PostgreSQL sink's week
    /// cells, 1 per day of the period for a shared folder's.
    pub days: i64,
    /// Discrete Laplace scale of each measure for one such cell, in [`super::MEASURE_NAMES`] order.
    pub scales: [f64; 7],
}

impl NoiseStatement {
    /// Noise for cells covering `days` days: one install changes such a cell by at most
    /// its daily caps times `days`, and its active (and so focus) time by at most the
    /// weekly cap times the ISO weeks such a span can touch.
    pub fn new(epsilon: f64, days: i64) -> NoiseStatement {
        let d = days.max(1);
        let weeks = if d == 7 { 1 } else { (d - 1 + 6) / 7 + 1 };
        let mut scales = [0.0; 7];
        for i in 0..7 {
            let mut bound = d * DAILY_CAPS[i];
            if i < 2 {
                bound = bound.min(weeks * MAX_SECONDS_PER_WEEK);
            }
            scales[i] = bound as f64 / (epsilon * EPSILON_SHARES[i]);
        }
        NoiseStatement { epsilon, days: d, scales }
    }

    pub fn describe(&self) -> String {
        format!(
            "discrete Laplace noise, ε = {} per released cell (active time gets {}, focus {}, events and switches {} each, sentiment {}); for a cell of {} day(s) the scale is {:.0} s of active time and {:.0} events; each cell's draw is fixed",
            self.epsilon,
            EPSILON_SHARES[0],
            EPSILON_SHARES[1],
            EPSILON_SHARES[2],
            EPSILON_SHARES[4] * 3.0,
            self.days,
            self.scales[0],
            self.scales[2],
        )
    }
}

/// One discrete Laplace (two-sided geometric) draw with `scale` (P(x) ∝ exp(−|x|/scale)),
/// taken from HMAC-SHA-256(`key`, `label`): the difference of two geometric draws from
/// two 56-bit uniforms. The same key and label always give the same draw. The same
/// function is `tally_private.discrete_laplace` in migrations/postgres/.
pub fn discrete_laplace(key: &[u8], label: &str, scale: f64) -> i64 {
    let h = hmac_sha256(key, label.as_bytes());
    let uniform = |bytes: &[u8]| {
        let n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        (n as f64 + 0.5) / (1u64 << 56) as f64
    };
    let g = |u: f64| (-u.ln() * scale).floor();
    (g(uniform(&h[0..7])) - g(uniform(&h[7..14]))) as i64
}

/// The fixed noise of one cell: one draw per measure, labelled by the cell.
pub fn cell_noise(key: &[u8], statement: &NoiseStatement, period: TeamPeriod, cell: &TeamCell) -> [i64; 7] {
    let mut draws = [0i64; 7];
    for (i, d) in draws.iter_mut().enumerate() {
        let label = format!(
            "tally-noise-v1|{}|{}|{}|{}|{}",
            period.as_str(),
            cell.period_start,
            cell.team,
            cell.category.as_str(),
            i + 1
        );
        *d = discrete_laplace(key, &label, statement.scales[i]);
    }
    draws
}

/// Adds a cell's noise. Values stay unclamped, so noise stays unbiased.
pub fn add_noise(cell: &mut TeamCell, noise: &[i64; 7], epsilon: f64) {
    let mut values = cell.measures.values();
    for (v, n) in values.iter_mut().zip(noise) {
        *v = v.saturating_add(*n);
    }
    cell.measures = Measures::from_values(values);
    cell.epsilon = Some(epsilon);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{MAX_COUNT_PER_DAY, MAX_SECONDS_PER_DAY};

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
            epsilon: None,
        };
        assert!(enforce_k(vec![c], 0).is_empty());
    }

    #[test]
    fn clipping_caps_each_measure_over_the_day() {
        let mut cells = vec![cell(2, "t", Category::DeepWork, 10 * 3600), cell(2, "t", Category::Meetings, 10 * 3600)];
        cells[0].measures.focus_seconds = 30 * 3600;
        cells[0].measures.events = 2_000;
        cells[1].measures.events = 2_000;
        clip_day(&mut cells);
        let sum = |f: fn(&Measures) -> i64| cells.iter().map(|c| f(&c.measures)).sum::<i64>();
        assert_eq!(sum(|m| m.active_seconds), MAX_SECONDS_PER_DAY);
        assert_eq!(sum(|m| m.events), MAX_COUNT_PER_DAY);
        assert!(cells[0].measures.focus_seconds <= cells[0].measures.active_seconds);
        assert!(cells.iter().all(|c| c.measures.check_daily_caps().is_ok()));
    }

    #[test]
    fn clipping_caps_each_iso_week_at_the_weekly_bound() {
        // Monday to Saturday of one week at 10 h, then the next Monday at 10 h.
        let mut days: BTreeMap<NaiveDate, Vec<DayCell>> = BTreeMap::new();
        for d in [2, 3, 4, 5, 6, 7, 9] {
            let mut c = cell(d, "t", Category::DeepWork, 10 * 3600);
            c.measures.focus_seconds = 10 * 3600;
            days.insert(day(d), vec![c]);
        }
        clip_weeks(&mut days);
        let week: i64 = days.range(day(2)..day(9)).flat_map(|(_, c)| c).map(|c| c.measures.active_seconds).sum();
        assert_eq!(week, MAX_SECONDS_PER_WEEK);
        assert!(days.values().flatten().all(|c| c.measures.focus_seconds <= c.measures.active_seconds));
        assert_eq!(days[&day(9)][0].measures.active_seconds, 10 * 3600, "the next week is its own");
        assert!(weeks_within_cap(days.values().flatten()).values().all(|ok| *ok));
    }

    #[test]
    fn rows_without_real_activity_do_not_count_towards_k() {
        let ids: Vec<InstallId> = (0..5).map(|_| InstallId::random()).collect();
        let mut rows: Vec<_> = ids[..4].iter().map(|id| (id.clone(), cell(2, "t", Category::Admin, 600))).collect();
        rows.push((ids[4].clone(), cell(2, "t", Category::Admin, MIN_ACTIVE_SECONDS - 1)));
        assert!(
            release(&rows, 5, TeamPeriod::Day, day(1), day(30)).0.is_empty(),
            "4 real contributors and an idle one"
        );
        rows[4].1.measures.active_seconds = MIN_ACTIVE_SECONDS;
        assert_eq!(release(&rows, 5, TeamPeriod::Day, day(1), day(30)).0.len(), 1);
    }

    #[test]
    fn discrete_laplace_draws_are_fixed_centred_integers_with_the_stated_scale() {
        let key = [7u8; 32];
        assert_eq!(discrete_laplace(&key, "a", 10.0), discrete_laplace(&key, "a", 10.0));
        let n = 100_000;
        let draws: Vec<i64> = (0..n).map(|i| discrete_laplace(&key, &format!("cell {i}"), 10.0)).collect();
        let mean = draws.iter().sum::<i64>() as f64 / n as f64;
        let mad = draws.iter().map(|d| d.abs()).sum::<i64>() as f64 / n as f64;
        // Mean 0 (standard error √(2·10²)/√n ≈ 0.045); E|X| = 2α/(1 − α²) ≈ 9.98 at α = e^−0.1.
        assert!(mean.abs() < 0.2, "mean {mean}");
        assert!((mad - 9.98).abs() < 0.2, "mean absolute deviation {mad}");
    }

    #[test]
    fn the_statement_scales_follow_the_caps_and_shares() {
        // A week cell (ISO-aligned, as released): active time bounded by the weekly cap.
        let s = NoiseStatement::new(10.0, 7);
        assert_eq!(s.scales[0], MAX_SECONDS_PER_WEEK as f64 / 5.0);
        assert_eq!(NoiseStatement::new(10.0, 1).scales[0], MAX_SECONDS_PER_DAY as f64 / 5.0);
        assert_eq!(s.scales[2], (7 * MAX_COUNT_PER_DAY) as f64 / 1.0);
        assert!((EPSILON_SHARES.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
