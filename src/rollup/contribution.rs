//! What an install contributes: its local 15-minute aggregates folded into days (in the
//! organisation's time zone) by team and category, clipped, and signed. Built from
//! [`BucketRow`]s only; app names are left out.

use super::release::{clip_day, clip_weeks};
use super::{Contribution, DayCell, InstallId, Measures, SignedCell, SigningKey};
use crate::event::Category;
use crate::store::BucketRow;
use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The install's cells per day, under the policy's team label.
pub fn day_cells(rows: &[BucketRow], zone: chrono_tz::Tz, team: &str) -> BTreeMap<NaiveDate, Vec<DayCell>> {
    let mut sums: BTreeMap<(NaiveDate, Category), (i64, i64, Measures)> = BTreeMap::new();
    for row in rows {
        let Some(instant) = DateTime::from_timestamp(row.key.start, 0) else { continue };
        let day = instant.with_timezone(&zone).date_naive();
        let t = &row.totals;
        let entry = sums.entry((day, row.key.category)).or_default();
        entry.0 += t.active_ms;
        entry.1 += t.focus_ms;
        let m = &mut entry.2;
        m.events += t.events;
        m.switches += t.switches;
        m.sentiment_negative += t.sentiment[0];
        m.sentiment_neutral += t.sentiment[1];
        m.sentiment_positive += t.sentiment[2];
    }
    let mut days: BTreeMap<NaiveDate, Vec<DayCell>> = BTreeMap::new();
    for ((day, category), (active_ms, focus_ms, mut measures)) in sums {
        measures.active_seconds = (active_ms + 500) / 1000;
        measures.focus_seconds = (focus_ms + 500) / 1000;
        if measures.active_seconds == 0 && measures.events == 0 {
            continue;
        }
        days.entry(day).or_default().push(DayCell { day, team: team.to_string(), category, measures });
    }
    for cells in days.values_mut() {
        clip_day(cells);
    }
    clip_weeks(&mut days);
    days
}

/// A stable hash of one day's cells (or of several days').
pub fn cells_hash(cells: &[DayCell]) -> String {
    let json = serde_json::to_vec(cells).unwrap_or_default();
    super::hex(&Sha256::digest(json))
}

/// What a publish will send: the days it replaces, their cells, and the hashes to
/// record once the sink took them (an empty hash: the day was withdrawn).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub days: Vec<NaiveDate>,
    pub cells: Vec<DayCell>,
    pub hashes: Vec<(String, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

/// Per-day plan (PostgreSQL): every day in `window` whose cells differ from what was
/// last published, including days that have become empty (deleted locally).
pub fn plan_days(
    current: &BTreeMap<NaiveDate, Vec<DayCell>>,
    published: &BTreeMap<String, String>,
    window: (NaiveDate, NaiveDate),
) -> Plan {
    let mut plan = Plan::default();
    let in_window = |d: &NaiveDate| *d >= window.0 && *d <= window.1;
    for (day, cells) in current.iter().filter(|(d, _)| in_window(d)) {
        let key = day.format("%Y-%m-%d").to_string();
        let hash = cells_hash(cells);
        if published.get(&key) != Some(&hash) {
            plan.days.push(*day);
            plan.cells.extend(cells.iter().cloned());
            plan.hashes.push((key, hash));
        }
    }
    for key in published.keys() {
        let Ok(day) = NaiveDate::parse_from_str(key, "%Y-%m-%d") else { continue };
        if in_window(&day) && !current.contains_key(&day) {
            plan.days.push(day);
            plan.hashes.push((key.clone(), String::new()));
        }
    }
    plan.days.sort();
    plan
}

/// Whole-history plan (shared folder): everything, or nothing when unchanged.
pub fn plan_whole(current: &BTreeMap<NaiveDate, Vec<DayCell>>, published: &BTreeMap<String, String>) -> Plan {
    let cells: Vec<DayCell> = current.values().flatten().cloned().collect();
    let hash = cells_hash(&cells);
    if published.get("*") == Some(&hash) {
        return Plan::default();
    }
    Plan { days: current.keys().copied().collect(), cells, hashes: vec![("*".into(), hash)] }
}

/// Signs every cell of a plan with the install's key.
pub fn sign(install: &InstallId, key: &SigningKey, plan: &Plan) -> Contribution {
    let cells = plan
        .cells
        .iter()
        .map(|cell| SignedCell { signature: super::hex(&key.sign(&cell.signed_bytes(install))), cell: cell.clone() })
        .collect();
    Contribution { install_id: install.clone(), days: plan.days.clone(), cells }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{BucketKey, BucketTotals};
    use crate::analyze::AppName;

    fn row(start: i64, category: Category, active_ms: i64) -> BucketRow {
        BucketRow {
            team: "local-label".into(),
            key: BucketKey { start, category, app: AppName::other() },
            totals: BucketTotals { active_ms, events: 1, ..Default::default() },
        }
    }

    #[test]
    fn buckets_fold_into_days_of_the_org_time_zone() {
        // 2026-11-02 23:30 UTC is already the 3rd in Berlin.
        let late = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(23, 30, 0).unwrap().and_utc().timestamp();
        let rows = [row(late, Category::DeepWork, 900_000), row(late - 7200, Category::DeepWork, 600_000)];
        let utc = day_cells(&rows, chrono_tz::UTC, "platform");
        assert_eq!(utc.len(), 1);
        assert_eq!(utc.values().next().unwrap()[0].measures.active_seconds, 1500);
        let berlin = day_cells(&rows, chrono_tz::Europe::Berlin, "platform");
        assert_eq!(berlin.keys().map(|d| d.to_string()).collect::<Vec<_>>(), ["2026-11-02", "2026-11-03"]);
        assert!(berlin.values().flatten().all(|c| c.team == "platform"));
    }

    #[test]
    fn only_changed_and_emptied_days_are_planned() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        let cell = |n, s| DayCell {
            day: d(n),
            team: "t".into(),
            category: Category::Admin,
            measures: Measures { active_seconds: s, ..Default::default() },
        };
        let mut current = BTreeMap::new();
        current.insert(d(2), vec![cell(2, 60)]);
        current.insert(d(3), vec![cell(3, 60)]);
        let window = (d(1), d(30));
        let first = plan_days(&current, &BTreeMap::new(), window);
        assert_eq!(first.days, [d(2), d(3)]);
        let published: BTreeMap<String, String> = first.hashes.iter().cloned().collect();
        assert!(plan_days(&current, &published, window).is_empty(), "a republish sends nothing");
        current.remove(&d(2));
        current.insert(d(3), vec![cell(3, 120)]);
        let next = plan_days(&current, &published, window);
        assert_eq!(next.days, [d(2), d(3)]);
        assert_eq!(next.hashes[1], ("2026-11-02".to_string(), String::new()), "emptied day withdrawn");
    }
}
