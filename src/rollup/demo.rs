//! A generated demo organisation, so that an admin can try the Teams view without a
//! fleet: 40 made-up installs in 6 teams on a shared folder, 12 working weeks, with
//! trends to find (meetings rising in `mobile`, AI-tool use rising everywhere, a week
//! in `design` with too few people to release) and one team, `legal`, below k. It goes
//! through the real path: per-install tokens, sealed enrolments, signed contributions,
//! the folder reader and the release rules. Its organisation id is `demo-org`, and the
//! view marks it as demo data, like the personal demo month.
//!
//! Its folder key is a file in the demo directory, not the OS keyring: it protects
//! nothing real.

use super::contribution::{sign, Plan};
use super::folder::{self, FolderSink, OrgKeys, Registry};
use super::identity::{Enrolment, IssuedToken};
use super::policy::{Policy, SinkConfig};
use super::{DayCell, EnrolmentToken, InstallId, Measures, RollupError, SigningKey, TeamPeriod};
use crate::event::Category;
use crate::synth::SplitMix;
use chrono::{Datelike, NaiveDate, TimeDelta};
use std::collections::BTreeMap;
use std::path::Path;

/// The demo organisation's id, shown wherever its figures are.
pub const DEMO_ORG: &str = "demo-org";

/// Its teams and their sizes: 40 installs; `legal` (4) is below k = 5.
pub const DEMO_TEAMS: [(&str, u32); 6] =
    [("platform", 9), ("mobile", 8), ("data", 7), ("design", 6), ("sales", 6), ("legal", 4)];

/// Weeks of data, ending with the last complete week.
pub const DEMO_WEEKS: i64 = 12;

/// k and ε per released cell of the demo organisation.
pub const DEMO_K: u32 = 5;
pub const DEMO_EPSILON: f64 = 8.0;

/// The week (0-based) in which two of `design`'s six people are away, so that none of
/// its cells of that week has k contributors.
pub const DESIGN_AWAY_WEEK: i64 = 5;

const KEY_FILE: &str = "org-key.hex";

/// The demo organisation as an admin machine holds it.
pub struct DemoOrg {
    pub policy: Policy,
    pub keys: OrgKeys,
    /// The first and last day with data.
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Opens the demo organisation in `dir`, generating it first when `dir` holds none.
/// `today` fixes its 12 weeks: they end with the last complete week before it.
pub fn open_or_generate(dir: &Path, today: NaiveDate) -> Result<DemoOrg, RollupError> {
    let err = |doing: &'static str| {
        move |e: std::io::Error| RollupError::sink("demo organisation", doing, format!("{}: {e}", dir.display()))
    };
    let share = dir.join("share");
    let last = TeamPeriod::Week.start_of(today) - TimeDelta::days(1);
    let first = last - TimeDelta::days(7 * DEMO_WEEKS - 1);
    let key_file = dir.join(KEY_FILE);
    let keys = match std::fs::read_to_string(&key_file) {
        Ok(text) => super::unhex(text.trim())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(OrgKeys::from_secret)
            .ok_or_else(|| RollupError::sink("demo organisation", "reading its key", key_file.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::files::private_dir(dir).map_err(err("creating its directory"))?;
            let keys = OrgKeys::generate();
            generate(&share, &keys, first, 42)?;
            crate::files::write_private(&key_file, super::hex(&keys.secret_bytes()).as_bytes())
                .map_err(err("writing its key"))?;
            keys
        }
        Err(e) => return Err(err("reading its key")(e)),
    };
    // The data's own extent, whenever it was generated.
    let (first, last) = extent(&share, &keys).unwrap_or((first, last));
    let policy = Policy {
        org: DEMO_ORG.into(),
        team: String::new(),
        k: DEMO_K,
        epsilon: Some(DEMO_EPSILON),
        time_zone: chrono_tz::UTC,
        publish_interval_hours: 24,
        publish_days: 7,
        admin: true,
        sink: SinkConfig::Folder { path: share, org_public_key: keys.public },
        roster: DEMO_TEAMS.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
        providers: Vec::new(),
        path: dir.join("policy (generated demo)"),
    };
    Ok(DemoOrg { policy, keys, first, last })
}

fn extent(share: &Path, keys: &OrgKeys) -> Option<(NaiveDate, NaiveDate)> {
    let registry = folder::load_registry(share, keys).ok()?;
    let rosters = DEMO_TEAMS.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    let read = folder::read(share, keys, &registry, &rosters).ok()?;
    let days = read.rows.iter().map(|(_, c)| c.day);
    Some((days.clone().min()?, days.max()?))
}

/// Writes the demo organisation into `share`: tokens in the registry, one sealed
/// enrolment and one signed contribution per install, for the weeks from `first`.
pub fn generate(share: &Path, keys: &OrgKeys, first: NaiveDate, seed: u64) -> Result<(), RollupError> {
    let sink = FolderSink::new(share, keys.public);
    for sub in ["enrol", "contrib"] {
        std::fs::create_dir_all(share.join(sub)).map_err(|e| {
            RollupError::sink("demo organisation", "creating the folder", format!("{}: {e}", share.display()))
        })?;
    }
    let mut registry = Registry::default();
    let mut rng = SplitMix::new(seed);
    for (team, size) in DEMO_TEAMS {
        for member in 0..size {
            let (id, key) = (InstallId::random(), SigningKey::random());
            let token = EnrolmentToken::random(DEMO_ORG, team);
            registry.tokens.push(IssuedToken {
                id: token.id.clone(),
                team: team.to_string(),
                secret_sha256: super::hex(&token.secret_sha256()),
                issued_at: format!("{first}T09:00:00Z"),
                revoked_at: None,
                used_by: None,
            });
            sink.enrol(&Enrolment::new(&token, &id, &key))?;
            let cells = member_cells(&mut rng, team, member, first);
            let plan = Plan {
                days: cells.keys().copied().collect(),
                cells: cells.into_values().flatten().collect(),
                hashes: vec![],
            };
            sink.publish(&sign(&id, &key, &plan))?;
        }
    }
    folder::save_registry(share, keys, &registry)
}

/// One member's working days: 12 weeks of Monday to Friday.
fn member_cells(rng: &mut SplitMix, team: &str, member: u32, first: NaiveDate) -> BTreeMap<NaiveDate, Vec<DayCell>> {
    let mut days = BTreeMap::new();
    // Each person starts using AI tools in some week: a few from the start, all by week 9.
    let adopts_in_week = rng.below(DEMO_WEEKS as u64 - 2) as i64 - 2;
    for offset in 0..7 * DEMO_WEEKS {
        let day = first + TimeDelta::days(offset);
        let week = offset / 7;
        if day.weekday().number_from_monday() > 5 || (team == "design" && week == DESIGN_AWAY_WEEK && member < 2) {
            continue;
        }
        let progress = week as f64 / (DEMO_WEEKS - 1) as f64;
        let mut jitter = |base: f64| base * (0.8 + 0.4 * (rng.below(1000) as f64 / 1000.0));
        let meetings = if team == "mobile" { 1.0 + 2.5 * progress } else { 1.2 };
        let ai = if week >= adopts_in_week { 0.3 + 0.9 * progress } else { 0.0 };
        let hours = [
            (Category::DeepWork, (4.0 - meetings * 0.6 - ai * 0.3).max(0.5)),
            (Category::Communication, 1.5),
            (Category::Meetings, meetings),
            (Category::Planning, 0.4),
            (Category::Research, if team == "data" { 0.8 } else { 0.3 }),
            (Category::Admin, 0.3),
            (Category::AiTools, ai),
        ];
        let mut cells = Vec::new();
        for (category, h) in hours {
            if h <= 0.0 {
                continue;
            }
            let active = (jitter(h) * 3600.0).round() as i64;
            let events = (active / 120).max(1);
            let focus = if category == Category::DeepWork { active * 7 / 10 } else { 0 };
            // Meeting-heavy weeks read a little less positive.
            let negative =
                if category == Category::Meetings { events * (2 + (meetings as i64)) / 10 } else { events / 10 };
            let positive = events / 4;
            cells.push(DayCell {
                day,
                team: team.to_string(),
                category,
                measures: Measures {
                    active_seconds: active,
                    focus_seconds: focus,
                    events,
                    switches: events / 2 + if category == Category::Meetings { events / 3 } else { 0 },
                    sentiment_negative: negative,
                    sentiment_neutral: events - negative - positive,
                    sentiment_positive: positive,
                },
            });
        }
        super::release::clip_day(&mut cells);
        days.insert(day, cells);
    }
    super::release::clip_weeks(&mut days);
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::release::release;

    fn rows(dir: &Path) -> (DemoOrg, Vec<(InstallId, DayCell)>) {
        let org = open_or_generate(dir, NaiveDate::from_ymd_opt(2026, 12, 9).unwrap()).unwrap();
        let registry = folder::load_registry(dir.join("share").as_path(), &org.keys).unwrap();
        let read = folder::read(&dir.join("share"), &org.keys, &registry, &org.policy.roster).unwrap();
        assert_eq!((read.enrolled, read.contributions, read.skipped_cells, read.skipped_files), (40, 40, 0, 0));
        (org, read.rows)
    }

    #[test]
    fn the_demo_organisation_has_its_shape_and_trends_through_the_real_release_rules() {
        let dir = tempfile::tempdir().unwrap();
        let (org, rows) = rows(dir.path());
        assert_eq!(org.policy.org, DEMO_ORG);
        assert_eq!(
            (org.first, org.last),
            (NaiveDate::from_ymd_opt(2026, 9, 14).unwrap(), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
        );
        let (teams, org_cells) = release(&rows, DEMO_K, TeamPeriod::Week, org.first, org.last);
        let shown: std::collections::BTreeSet<&str> = teams.iter().map(|c| c.team.as_str()).collect();
        assert_eq!(shown.into_iter().collect::<Vec<_>>(), vec!["data", "design", "mobile", "platform", "sales"]);
        assert!(!org_cells.is_empty());
        let week = |w: i64| org.first + TimeDelta::weeks(w);
        let share = |team: &str, category: Category, w: i64| {
            let cells: Vec<_> = teams.iter().filter(|c| c.team == team && c.period_start == week(w)).collect();
            let total: i64 = cells.iter().map(|c| c.measures.active_seconds).sum();
            let part: i64 = cells.iter().filter(|c| c.category == category).map(|c| c.measures.active_seconds).sum();
            part as f64 / total as f64
        };
        assert!(share("mobile", Category::Meetings, 11) > 1.8 * share("mobile", Category::Meetings, 0));
        assert!((share("platform", Category::Meetings, 11) - share("platform", Category::Meetings, 0)).abs() < 0.05);
        for team in ["platform", "mobile", "data"] {
            assert!(share(team, Category::AiTools, 11) > share(team, Category::AiTools, 1), "{team}");
        }
        // Design's away week: nothing of it is released, the weeks around it are.
        let design = |w: i64| teams.iter().filter(|c| c.team == "design" && c.period_start == week(w)).count();
        assert_eq!(design(DESIGN_AWAY_WEEK), 0);
        assert!(design(DESIGN_AWAY_WEEK - 1) > 0 && design(DESIGN_AWAY_WEEK + 1) > 0);
        // Early AI-tool use in small teams has fewer than k people: hidden there.
        assert!(teams.iter().all(|c| c.contributors >= DEMO_K));
    }

    #[test]
    fn the_demo_organisation_is_generated_once_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let (a, rows_a) = rows(dir.path());
        let (b, rows_b) = rows(dir.path());
        assert_eq!(a.keys.public, b.keys.public);
        assert_eq!(rows_a.len(), rows_b.len());
        std::fs::write(dir.path().join(KEY_FILE), "not hex").unwrap();
        let e = open_or_generate(dir.path(), NaiveDate::from_ymd_opt(2026, 12, 9).unwrap()).err().unwrap();
        assert!(e.to_string().contains("reading its key"), "{e}");
    }
}
