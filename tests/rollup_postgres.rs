//! The PostgreSQL sink against a real server (tests/common/postgres.rs starts one on
//! loopback): week cells released once by the database, k-checked and noised there,
//! with complementary suppression; row-level security for publishers; per-device
//! tokens and rosters; readers who reach released cells only through an audited
//! function; TLS; and the k floor.
//!
//! The organisation: 13 enrolled installs in three teams, alpha 5, beta 5, gamma 3
//! (two releasable teams, one too small).

mod common;

use chrono::NaiveDate;
use common::postgres::{Cluster, OWNER};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use tally::event::Category;
use tally::rollup::identity::Enrolment;
use tally::rollup::postgres::PgSink;
use tally::rollup::release::{discrete_laplace, NoiseStatement};
use tally::rollup::{
    Contribution, DayCell, EnrolmentToken, InstallId, Measures, RollupError, SignedCell, SigningKey, TeamCell,
    TeamPeriod, MIN_ACTIVE_SECONDS,
};
use tally::secrets::Secret;

const PUBLISHER: &str = "tally_pub";
const PUBLISHER_PASSWORD: &str = "publisher-test-password";
const READER: &str = "tally_admin_reader";
const READER_PASSWORD: &str = "reader-test-password";
const TEAMS: [(&str, usize); 3] = [("alpha", 5), ("beta", 5), ("gamma", 3)];
const DAYS: i64 = 14;
const EPSILON: f64 = 12.0;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() // a Monday
}

fn last_day() -> NaiveDate {
    first_day() + chrono::TimeDelta::days(DAYS - 1)
}

struct Member {
    id: InstallId,
    key: SigningKey,
    team: &'static str,
    /// Position in its team (alpha's first four publish one extra meetings cell).
    rank: usize,
}

struct Org {
    cluster: Cluster,
    owner: PgSink,
    publisher: PgSink,
    reader: PgSink,
    members: Vec<Member>,
    noise_key: Vec<u8>,
}

fn secret(value: &str) -> Secret {
    Secret::new(value).unwrap()
}

async fn raw_pool(url: &str, password: &str) -> PgPool {
    let options = PgConnectOptions::from_str(url).unwrap().password(password);
    PgPoolOptions::new().max_connections(2).connect_with(options).await.unwrap()
}

/// A started cluster with the schema, the org's settings (k), rosters of 10 per team,
/// the three login roles and the members enrolled with a token each; `None` when
/// PostgreSQL is missing outside CI (the harness says so loudly).
async fn org(k: u32) -> Option<Org> {
    let cluster = Cluster::start(false)?;
    let owner = PgSink::connect(&cluster.url(OWNER), Some(&secret(cluster.owner_password()))).await.unwrap();
    owner.init_org(k, EPSILON, 2).await.unwrap();
    owner.set_rosters(&TEAMS.iter().map(|(t, _)| (t.to_string(), 10)).collect()).await.unwrap();
    cluster.create_login(PUBLISHER, PUBLISHER_PASSWORD, "tally_publisher");
    cluster.create_login(READER, READER_PASSWORD, "tally_reader");
    let publisher = PgSink::connect(&cluster.url(PUBLISHER), Some(&secret(PUBLISHER_PASSWORD))).await.unwrap();
    let reader = PgSink::connect(&cluster.url(READER), Some(&secret(READER_PASSWORD))).await.unwrap();
    let mut members = Vec::new();
    for (team, size) in TEAMS {
        for rank in 0..size {
            let m = Member { id: InstallId::random(), key: SigningKey::random(), team, rank };
            let token = owner.issue_tokens("acme", team, 1).await.unwrap().remove(0);
            assert_eq!(publisher.enrol(&Enrolment::new(&token, &m.id, &m.key)).await.unwrap(), team);
            members.push(m);
        }
    }
    let pool = raw_pool(&cluster.url(OWNER), cluster.owner_password()).await;
    let noise_key: Vec<u8> =
        sqlx::query_scalar("SELECT noise_key FROM tally_private.settings").fetch_one(&pool).await.unwrap();
    Some(Org { cluster, owner, publisher, reader, members, noise_key })
}

fn sign(cell: DayCell, install: &InstallId, key: &SigningKey) -> SignedCell {
    let signature = key.sign(&cell.signed_bytes(install)).iter().map(|b| format!("{b:02x}")).collect();
    SignedCell { cell, signature }
}

/// A member's two weeks: deep work and communication every day, with values that differ
/// per install, day and category; alpha's first four members add a meetings cell on the
/// first day, and all of alpha on the second.
fn contribution(m: &Member, member_index: usize) -> Contribution {
    let mut cells = Vec::new();
    let days: Vec<NaiveDate> = (0..DAYS).map(|d| first_day() + chrono::TimeDelta::days(d)).collect();
    for (d, day) in days.iter().enumerate() {
        let mut categories = vec![Category::DeepWork, Category::Communication];
        if m.team == "alpha" && ((d == 0 && m.rank < 4) || d == 1) {
            categories.push(Category::Meetings);
        }
        for (c, category) in categories.into_iter().enumerate() {
            let i = member_index as i64;
            let (d, c) = (d as i64, c as i64);
            let measures = Measures {
                active_seconds: 1_000 + 37 * i + 11 * d + 101 * c,
                focus_seconds: 500 + 13 * i + 7 * d + c,
                events: 40 + i + d + 3 * c,
                switches: 5 + (i + d) % 4,
                sentiment_negative: i % 3,
                sentiment_neutral: 10 + d % 5,
                sentiment_positive: 2 + (i + c) % 3,
            };
            let cell = DayCell { day: *day, team: m.team.to_string(), category, measures };
            cells.push(sign(cell, &m.id, &m.key));
        }
    }
    Contribution { install_id: m.id.clone(), days, cells }
}

type Weeks = BTreeMap<(NaiveDate, String, Category), (Measures, BTreeSet<InstallId>)>;

/// Exact week cells of what is published: rows with real activity only, no k.
fn exact_weeks(contributions: &[Contribution]) -> Weeks {
    let mut weeks: Weeks = BTreeMap::new();
    for c in contributions {
        for s in c.cells.iter().filter(|s| s.cell.measures.active_seconds >= MIN_ACTIVE_SECONDS) {
            let key = (TeamPeriod::Week.start_of(s.cell.day), s.cell.team.clone(), s.cell.category);
            let e = weeks.entry(key).or_default();
            e.0.add(&s.cell.measures);
            e.1.insert(c.install_id.clone());
        }
    }
    weeks
}

/// A week cell's values as the database releases them: exact plus its fixed discrete
/// Laplace draws, recomputed here from the noise key with the engine's own function.
fn noised(key: &[u8], week: NaiveDate, team: &str, category: Category, exact: &Measures) -> Measures {
    let scales = NoiseStatement::new(EPSILON, 7).scales;
    let mut v = exact.values();
    for (i, value) in v.iter_mut().enumerate() {
        let label = format!("tally-noise-v1|week|{week}|{team}|{}|{}", category.as_str(), i + 1);
        *value += discrete_laplace(key, &label, scales[i]);
    }
    Measures::from_values(v)
}

/// What the reader must see: week cells with at least `k` contributors, noised; months
/// summed from those weeks (contributors: the most of any week); org cells summed over
/// the teams' shown cells.
fn expected(org: &Org, contributions: &[Contribution], k: usize, period: TeamPeriod, whole_org: bool) -> Vec<TeamCell> {
    let mut out: BTreeMap<(NaiveDate, String, Category), (Measures, u32, f64)> = BTreeMap::new();
    let mut per_week: BTreeMap<(NaiveDate, NaiveDate, String, Category), (Measures, u32)> = BTreeMap::new();
    for ((week, team, category), (exact, installs)) in exact_weeks(contributions) {
        if installs.len() < k {
            continue;
        }
        let values = noised(&org.noise_key, week, &team, category, &exact);
        let team = if whole_org { String::new() } else { team };
        let e = per_week.entry((period.start_of(week), week, team, category)).or_default();
        e.0.add(&values);
        e.1 += installs.len() as u32;
    }
    for ((start, _week, team, category), (values, n)) in per_week {
        let e = out.entry((start, team, category)).or_default();
        e.0.add(&values);
        e.1 = e.1.max(n);
        e.2 += EPSILON;
    }
    out.into_iter()
        .map(|((period_start, team, category), (measures, contributors, epsilon))| TeamCell {
            period_start,
            team,
            category,
            contributors,
            measures,
            epsilon: Some(epsilon),
        })
        .collect()
}

fn sorted(mut cells: Vec<TeamCell>) -> Vec<TeamCell> {
    cells.sort_by(|a, b| {
        (a.period_start, &a.team, a.category.as_str()).cmp(&(b.period_start, &b.team, b.category.as_str()))
    });
    cells
}

fn contributions(org: &Org) -> Vec<Contribution> {
    org.members.iter().enumerate().map(|(i, m)| contribution(m, i)).collect()
}

/// Every member publishes at once, each through its own pool (its own connection).
async fn publish_all_at_once(org: &Org) -> Vec<Contribution> {
    let all = contributions(org);
    let mut tasks = tokio::task::JoinSet::new();
    for (c, m) in all.iter().zip(&org.members) {
        let (url, c, key) = (org.cluster.url(PUBLISHER), c.clone(), m.key.clone());
        tasks.spawn(async move {
            let sink = PgSink::connect(&url, Some(&secret(PUBLISHER_PASSWORD))).await.unwrap();
            let written = sink.publish(&c, &key).await.unwrap();
            assert_eq!(written as usize, c.cells.len());
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    all
}

async fn team_cells(org: &Org, period: TeamPeriod) -> Vec<TeamCell> {
    org.reader.team_cells(period.start_of(first_day()), last_day(), period, "report").await.unwrap().cells
}

async fn org_cells(org: &Org, period: TeamPeriod) -> Vec<TeamCell> {
    org.reader.org_cells(period.start_of(first_day()), last_day(), period, "report").await.unwrap().cells
}

async fn report(org: &Org) -> Vec<Vec<TeamCell>> {
    let mut out = Vec::new();
    for period in [TeamPeriod::Week, TeamPeriod::Month] {
        out.push(team_cells(org, period).await);
        out.push(org_cells(org, period).await);
    }
    out
}

async fn rows_per_install(org: &Org) -> BTreeMap<String, i64> {
    let pool = raw_pool(&org.cluster.url(OWNER), org.cluster.owner_password()).await;
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT install_id::text, count(*) FROM contributions GROUP BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    rows.into_iter().collect()
}

fn assert_refused(result: Result<impl std::fmt::Debug, sqlx::Error>, what: &str) {
    let e = result.expect_err(what).to_string();
    assert!(e.contains("permission denied") || e.contains("does not exist"), "{what}: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_cells_are_noised_weeks_and_a_small_team_cannot_be_recovered() {
    let Some(org) = org(5).await else { return };
    let all = publish_all_at_once(&org).await;

    // 13 publishers at once lost nothing.
    let rows = rows_per_install(&org).await;
    assert_eq!(rows.len(), org.members.len());
    for c in &all {
        assert_eq!(rows[c.install_id.as_str()], c.cells.len() as i64);
    }

    for period in [TeamPeriod::Week, TeamPeriod::Month] {
        let team = team_cells(&org, period).await;
        assert_eq!(sorted(team.clone()), sorted(expected(&org, &all, 5, period, false)), "team cells per {period:?}");
        let teams: BTreeSet<&str> = team.iter().map(|c| c.team.as_str()).collect();
        assert_eq!(teams, BTreeSet::from(["alpha", "beta"]), "gamma (3 members) is never shown");
        assert!(team.iter().all(|c| c.contributors >= 5));

        // The org total is the shown teams' sum: minus alpha and beta it is zero, so it
        // says nothing about gamma.
        let org_cells = org_cells(&org, period).await;
        assert_eq!(
            sorted(org_cells.clone()),
            sorted(expected(&org, &all, 5, period, true)),
            "org cells per {period:?}"
        );
        assert!(!org_cells.is_empty());
        for total in &org_cells {
            let mut rest = total.measures.values();
            for cell in team.iter().filter(|c| c.period_start == total.period_start && c.category == total.category) {
                for (r, v) in rest.iter_mut().zip(cell.measures.values()) {
                    *r -= v;
                }
            }
            assert_eq!(rest, [0; 7], "org minus alpha minus beta, {period:?} {total:?}");
        }
    }

    // The noise is there, and every cell states the ε it spent.
    let weeks = team_cells(&org, TeamPeriod::Week).await;
    let exact = exact_weeks(&all);
    assert!(weeks.iter().all(|c| c.measures != exact[&(c.period_start, c.team.clone(), c.category)].0));
    assert!(weeks.iter().all(|c| c.epsilon == Some(EPSILON)));

    // Day cells are not released at all.
    let e = org.reader.team_cells(first_day(), last_day(), TeamPeriod::Day, "report").await.unwrap_err();
    assert!(e.to_string().contains("by week"), "{e}");

    // Only periods starting in [from, to] come back.
    let one = org.reader.team_cells(first_day(), first_day(), TeamPeriod::Week, "view").await.unwrap().cells;
    assert!(!one.is_empty() && one.iter().all(|c| c.period_start == first_day()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn republishing_gives_the_same_report() {
    let Some(org) = org(5).await else { return };
    let all = publish_all_at_once(&org).await;
    let before = report(&org).await;
    let rows_before = rows_per_install(&org).await;
    for (c, m) in all.iter().zip(&org.members) {
        assert_eq!(org.publisher.publish(c, &m.key).await.unwrap() as usize, c.cells.len());
    }
    assert_eq!(report(&org).await, before);
    assert_eq!(rows_per_install(&org).await, rows_before);

    // A day listed with no cells is withdrawn (the contribution replaces whole days).
    let m = &org.members[0];
    let empty_day = Contribution { install_id: m.id.clone(), days: vec![first_day()], cells: vec![] };
    assert_eq!(org.publisher.publish(&empty_day, &m.key).await.unwrap(), 0);
    let left = rows_per_install(&org).await[m.id.as_str()] as usize;
    assert_eq!(left, all[0].cells.iter().filter(|s| s.cell.day != first_day()).count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_cannot_read_other_rows() {
    let Some(org) = org(5).await else { return };
    let all = publish_all_at_once(&org).await;
    let pool = raw_pool(&org.cluster.url(PUBLISHER), PUBLISHER_PASSWORD).await;

    assert_refused(sqlx::query("SELECT * FROM contributions").fetch_all(&pool).await, "SELECT *");
    assert_refused(
        sqlx::query("SELECT active_seconds FROM contributions").fetch_all(&pool).await,
        "SELECT active_seconds",
    );
    assert_refused(sqlx::query("SELECT signature FROM contributions").fetch_all(&pool).await, "SELECT signature");
    assert_refused(sqlx::query("UPDATE contributions SET events = 0").execute(&pool).await, "UPDATE");
    assert_refused(sqlx::query("SELECT * FROM tally_private.installs").fetch_all(&pool).await, "installs");
    assert_refused(sqlx::query("SELECT * FROM tally_private.day_cells").fetch_all(&pool).await, "day cells");
    assert_refused(
        sqlx::query("SELECT * FROM tally_released_cells('view', 'team', 'week', '2026-01-01', '2026-12-31')")
            .fetch_all(&pool)
            .await,
        "the reader's function",
    );

    // Not logged in: no row is visible, and nothing can be deleted.
    let visible: Vec<(String,)> =
        sqlx::query_as("SELECT install_id::text FROM contributions").fetch_all(&pool).await.unwrap();
    assert!(visible.is_empty());
    let deleted = sqlx::query("DELETE FROM contributions").execute(&pool).await.unwrap().rows_affected();
    assert_eq!(deleted, 0);

    // Logged in as one install: its own rows only, and it cannot insert as another.
    let m = &org.members[0];
    let other = &org.members[1];
    let mut tx = pool.begin().await.unwrap();
    let at = chrono::Utc::now().timestamp();
    sqlx::query("SELECT tally_login($1::uuid, $2, $3)")
        .bind(m.id.as_str())
        .bind(at)
        .bind(m.key.sign(&SigningKey::login_bytes(&m.id, at)).as_slice())
        .execute(&mut *tx)
        .await
        .unwrap();
    let visible: Vec<(String,)> =
        sqlx::query_as("SELECT install_id::text FROM contributions").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(visible.len(), all[0].cells.len());
    assert!(visible.iter().all(|(id,)| id == m.id.as_str()));
    let forged = &contribution(other, 1).cells[0];
    let insert = sqlx::query(
        "INSERT INTO contributions (install_id, day, team, category, active_seconds, focus_seconds, events, switches,
             sentiment_negative, sentiment_neutral, sentiment_positive, signature)
         VALUES ($1::uuid, $2::date, $3, $4, 1, 1, 1, 1, 1, 1, 1, '\\x00')",
    )
    .bind(other.id.as_str())
    .bind(forged.cell.day.to_string())
    .bind(&forged.cell.team)
    .bind("planning")
    .execute(&mut *tx)
    .await;
    let e = insert.expect_err("inserting as another install").to_string();
    assert!(e.contains("row-level security"), "{e}");
    drop(tx);

    // Logging in with another install's key is refused.
    let at = chrono::Utc::now().timestamp();
    let refused = sqlx::query("SELECT tally_login($1::uuid, $2, $3)")
        .bind(other.id.as_str())
        .bind(at)
        .bind(m.key.sign(&SigningKey::login_bytes(&other.id, at)).as_slice())
        .execute(&pool)
        .await;
    assert!(refused.expect_err("login with the wrong key").to_string().contains("login refused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_unenrolled_and_wrongly_proven_contributions_are_refused() {
    let Some(org) = org(5).await else { return };
    publish_all_at_once(&org).await;
    let before = report(&org).await;
    let rows_before = rows_per_install(&org).await;

    // A wrong signature (signed over other values) and a malformed one: the database
    // refuses the whole publish, and the install's old rows stay.
    let m = &org.members[0];
    let tampers: [fn(&mut SignedCell); 2] =
        [|s| s.cell.measures.active_seconds += 1, |s| s.signature = "not hex".into()];
    for tamper in tampers {
        let mut c = contribution(m, 0);
        tamper(&mut c.cells[3]);
        let e = org.publisher.publish(&c, &m.key).await.expect_err("a tampered row");
        assert!(e.to_string().contains("row-level security"), "{e}");
    }

    // An install that never enrolled cannot log in, so it cannot insert.
    let stranger = Member { id: InstallId::random(), key: SigningKey::random(), team: "alpha", rank: 9 };
    let e = org.publisher.publish(&contribution(&stranger, 20), &stranger.key).await.expect_err("unenrolled");
    assert!(matches!(e, RollupError::NotEnrolled), "{e}");

    // A token the organisation never issued is refused, and so is re-enrolling an
    // enrolled install id with a different key, even with a valid token.
    let other_token = EnrolmentToken::random("acme", "alpha");
    let e = org.publisher.enrol(&Enrolment::new(&other_token, &stranger.id, &stranger.key)).await.unwrap_err();
    assert!(matches!(e, RollupError::EnrolmentRefused(_)), "{e}");
    let fresh = org.owner.issue_tokens("acme", "alpha", 1).await.unwrap().remove(0);
    let e = org.publisher.enrol(&Enrolment::new(&fresh, &m.id, &SigningKey::random())).await.unwrap_err();
    assert!(matches!(e, RollupError::EnrolmentRefused(_)), "{e}");

    assert_eq!(report(&org).await, before);
    assert_eq!(rows_per_install(&org).await, rows_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawing_removes_exactly_that_installs_rows() {
    let Some(org) = org(5).await else { return };
    let all = publish_all_at_once(&org).await;
    let before = rows_per_install(&org).await;

    let alpha = &org.members[0];
    assert_eq!(org.publisher.withdraw(&alpha.id, &alpha.key, false).await.unwrap() as usize, all[0].cells.len());
    let after = rows_per_install(&org).await;
    let mut want = before.clone();
    want.remove(alpha.id.as_str());
    assert_eq!(after, want, "only that install's rows are gone");

    // Alpha is down to 4 contributors: gone from every view, and from the org totals.
    for period in [TeamPeriod::Week, TeamPeriod::Month] {
        let team = team_cells(&org, period).await;
        assert!(team.iter().all(|c| c.team == "beta"), "{period:?}");
        // The admin dashboard's trends: alpha in no series, its gaps named as the
        // database's release rules have them.
        let report = tally::rollup::actions::TeamReport {
            org: "acme".into(),
            period,
            from: period.start_of(first_day()),
            to: last_day(),
            k: 5,
            noise: Some(NoiseStatement::new(EPSILON, 7)),
            teams: team.clone(),
            org_cells: org_cells(&org, period).await,
            skipped_files: 0,
            skipped_cells: 0,
            refused_enrolments: 0,
        };
        let trends = tally::rollup::trends::trends(&report, true);
        assert_eq!(trends.teams.iter().map(|s| s.team.as_str()).collect::<Vec<_>>(), ["beta"], "{period:?}");
        assert_eq!(trends.gap_reason, "hidden: fewer than 5 people, or withdrawn after release");
        let rest: Vec<Contribution> = all.iter().skip(1).cloned().collect();
        assert_eq!(sorted(org_cells(&org, period).await), sorted(expected(&org, &rest, 5, period, true)));
    }

    // Withdrawing with revoke: a revoked install can no longer publish.
    let beta = org.members.iter().find(|m| m.team == "beta").unwrap();
    let beta_index = org.members.iter().position(|m| m.id == beta.id).unwrap();
    org.publisher.withdraw(&beta.id, &beta.key, true).await.unwrap();
    assert!(!rows_per_install(&org).await.contains_key(beta.id.as_str()));
    let e = org.publisher.publish(&all[beta_index], &beta.key).await.unwrap_err();
    assert!(matches!(e, RollupError::NotEnrolled), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_reaches_released_cells_only_and_every_read_is_audited_by_the_database() {
    let Some(org) = org(5).await else { return };
    publish_all_at_once(&org).await;
    let pool = raw_pool(&org.cluster.url(READER), READER_PASSWORD).await;
    for sql in [
        "SELECT * FROM contributions",
        "SELECT install_id FROM contributions",
        "SELECT * FROM tally_private.installs",
        "SELECT * FROM tally_private.audit",
        "SELECT * FROM tally_private.day_cells",
        "SELECT * FROM tally_private.install_periods",
        "SELECT * FROM tally_private.period_masks",
        "SELECT * FROM tally_private.week_cells",
        "SELECT * FROM tally_private.releases",
        "SELECT * FROM tally_private.settings",
        "SELECT * FROM team_cells_week",
        "SELECT tally_private.release_due()",
    ] {
        assert_refused(sqlx::query(sql).fetch_all(&pool).await, sql);
    }
    assert_refused(
        sqlx::query("SELECT tally_login('00000000-0000-4000-8000-000000000000', 0, '\\x00')").execute(&pool).await,
        "a reader logging in as a publisher",
    );
    // No door to write arbitrary audit rows, or to remove any.
    assert_refused(sqlx::query("SELECT tally_audit('view', 'made up')").execute(&pool).await, "tally_audit");
    assert_refused(
        sqlx::query("INSERT INTO tally_private.audit (role, action, detail) VALUES ('x', 'y', 'z')")
            .execute(&pool)
            .await,
        "writing the audit log",
    );
    assert_refused(sqlx::query("DELETE FROM tally_private.audit").execute(&pool).await, "deleting the audit log");

    // Reading through the engine and straight from psql both leave an entry, written by
    // the database with the reader's login.
    org.reader.team_cells(first_day(), last_day(), TeamPeriod::Week, "view").await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tally_released_cells('export-csv', 'org', 'month', '2026-03-01', '2026-03-31')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(n > 0);
    let bad = sqlx::query("SELECT * FROM tally_released_cells('anything', 'team', 'week', '2026-03-01', '2026-03-31')")
        .fetch_all(&pool)
        .await;
    assert!(bad.expect_err("an unknown purpose").to_string().contains("purpose must be"));
    let owner = raw_pool(&org.cluster.url(OWNER), org.cluster.owner_password()).await;
    let log: Vec<(String, String, String)> =
        sqlx::query_as("SELECT role, action, detail FROM tally_private.audit ORDER BY id")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!((log[0].0.as_str(), log[0].1.as_str()), (READER, "view"));
    assert!(log[0].2.starts_with("team week 2026-03-02..2026-03-15"), "{log:?}");
    assert_eq!((log[1].0.as_str(), log[1].1.as_str()), (READER, "export-csv"));
    assert!(log[1].2.starts_with("org month 2026-03-01..2026-03-31"), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_connections_are_encrypted_and_errors_hide_the_password() {
    let Some(org) = org(5).await else { return };
    let reader = PgSink::connect(&org.cluster.tls_url(READER), Some(&secret(READER_PASSWORD))).await.unwrap();
    reader.team_cells(first_day(), last_day(), TeamPeriod::Week, "view").await.unwrap();
    let pool = raw_pool(&org.cluster.tls_url(READER), READER_PASSWORD).await;
    let (ssl,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(&pool).await.unwrap();
    assert!(ssl, "sslmode=require gave a TLS connection");

    let wrong = "wrong-password-9f3a";
    let e = PgSink::connect(&org.cluster.tls_url(READER), Some(&secret(wrong))).await.unwrap_err().to_string();
    assert!(e.contains("connecting") && !e.contains(wrong), "{e}");
    let e = PgSink::connect(&format!("postgres://{READER}:{wrong}@127.0.0.1:notaport/tally"), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains(wrong), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k_below_five_is_refused_and_a_cell_is_decided_once() {
    let Some(org) = org(7).await else { return };
    let e = org.owner.init_org(3, EPSILON, 2).await.unwrap_err().to_string();
    assert!(e.contains("k = 3") && e.contains("minimum of 5"), "{e}");
    // The database refuses it too, whoever writes the settings.
    let owner = raw_pool(&org.cluster.url(OWNER), org.cluster.owner_password()).await;
    assert!(sqlx::query("UPDATE tally_private.settings SET k = 4").execute(&owner).await.is_err());

    publish_all_at_once(&org).await;
    for period in [TeamPeriod::Week, TeamPeriod::Month] {
        assert!(team_cells(&org, period).await.is_empty());
        assert!(org_cells(&org, period).await.is_empty());
    }
    // Released under k = 7 as suppressed: lowering k later does not bring them back,
    // so no k change can be used to read a cell twice.
    org.owner.init_org(5, EPSILON, 2).await.unwrap();
    assert!(team_cells(&org, TeamPeriod::Week).await.is_empty());
}

/// Logs `m` in on a raw connection and revokes it without deleting its rows (what
/// `tally_revoke` allows on its own): the rows stay in the table but must stop counting.
async fn revoke_keeping_rows(org: &Org, m: &Member) {
    let pool = raw_pool(&org.cluster.url(PUBLISHER), PUBLISHER_PASSWORD).await;
    let mut tx = pool.begin().await.unwrap();
    let at = chrono::Utc::now().timestamp();
    sqlx::query("SELECT tally_login($1::uuid, $2, $3)")
        .bind(m.id.as_str())
        .bind(at)
        .bind(m.key.sign(&SigningKey::login_bytes(&m.id, at)).as_slice())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT tally_revoke()").execute(&mut *tx).await.unwrap();
    sqlx::query("SELECT tally_logout()").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// The aggregates the triggers maintain (read as the owner: each week cell's distinct
/// contributors and exact sums), against a recount of what each install has published
/// and not withdrawn. Returns whether some published week cell has fewer than k.
async fn assert_aggregates_match(
    org: &Org,
    published: &BTreeMap<usize, BTreeMap<NaiveDate, Vec<SignedCell>>>,
    step: &str,
) -> bool {
    let live: Vec<Contribution> = published
        .iter()
        .map(|(i, days)| Contribution {
            install_id: org.members[*i].id.clone(),
            days: days.keys().copied().collect(),
            cells: days.values().flatten().cloned().collect(),
        })
        .collect();
    let want: BTreeMap<(NaiveDate, String, String), (i32, Vec<i64>)> = exact_weeks(&live)
        .into_iter()
        .map(|((w, t, c), (m, ids))| ((w, t, c.as_str().to_string()), (ids.len() as i32, m.values().to_vec())))
        .collect();
    let pool = raw_pool(&org.cluster.url(OWNER), org.cluster.owner_password()).await;
    let rows: Vec<(String, String, String, i32, Vec<i64>)> = sqlx::query_as(
        "SELECT to_char(week, 'YYYY-MM-DD'), team, category, contributors, exact FROM tally_private.week_cells",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let got: BTreeMap<(NaiveDate, String, String), (i32, Vec<i64>)> = rows
        .into_iter()
        .map(|(w, t, c, n, e)| ((NaiveDate::parse_from_str(&w, "%Y-%m-%d").unwrap(), t, c), (n, e)))
        .collect();
    assert_eq!(got, want, "week cells after {step}");
    want.values().any(|(n, _)| *n < 5)
}

/// The aggregates are maintained row by row by triggers; after a seeded random run of
/// publishes, republishes with other values, emptied days, rows without real activity,
/// withdrawals and revocations, they must still equal a recount of what is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintained_aggregates_equal_a_recount_after_random_changes() {
    let Some(org) = org(5).await else { return };
    let mut rng = fastrand::Rng::with_seed(0x7a11_2026);
    // A Monday; the fortnight runs into April, so two months are exercised.
    let from = NaiveDate::from_ymd_opt(2026, 3, 23).unwrap();
    let days: Vec<NaiveDate> = (0..DAYS).map(|d| from + chrono::TimeDelta::days(d)).collect();
    let categories = [Category::DeepWork, Category::Communication, Category::Meetings];

    // What each member index has published and not withdrawn: day -> its cells.
    let mut published: BTreeMap<usize, BTreeMap<NaiveDate, Vec<SignedCell>>> = BTreeMap::new();
    let mut revoked: BTreeSet<usize> = BTreeSet::new();
    let cells_of = |rng: &mut fastrand::Rng, m: &Member, day: NaiveDate, full: bool| -> Vec<SignedCell> {
        let mut cells = Vec::new();
        for category in categories {
            if !full && rng.u8(..10) >= 8 {
                continue;
            }
            // One cell in ten has no real activity: stored, never counted.
            let active = if rng.u8(..10) == 0 { rng.i64(0..MIN_ACTIVE_SECONDS) } else { rng.i64(60..14_000) };
            let measures = Measures {
                active_seconds: active,
                focus_seconds: rng.i64(0..=active),
                events: rng.i64(0..500),
                switches: rng.i64(0..50),
                sentiment_negative: rng.i64(0..5),
                sentiment_neutral: rng.i64(0..20),
                sentiment_positive: rng.i64(0..5),
            };
            cells.push(sign(DayCell { day, team: m.team.to_string(), category, measures }, &m.id, &m.key));
        }
        cells
    };

    for (i, m) in org.members.iter().enumerate() {
        let cells: Vec<SignedCell> = days.iter().flat_map(|d| cells_of(&mut rng, m, *d, true)).collect();
        let c = Contribution { install_id: m.id.clone(), days: days.clone(), cells };
        org.publisher.publish(&c, &m.key).await.unwrap();
        let entry = published.entry(i).or_default();
        for s in c.cells {
            entry.entry(s.cell.day).or_default().push(s);
        }
    }
    assert_aggregates_match(&org, &published, "the first publish").await;
    let (mut small_seen, mut withdrawals) = (false, 0);

    for step in 0..80 {
        let i = rng.usize(..org.members.len());
        if revoked.contains(&i) {
            continue;
        }
        let m = &org.members[i];
        let what = match rng.u8(..20) {
            0 => {
                org.publisher.withdraw(&m.id, &m.key, false).await.unwrap();
                published.remove(&i);
                withdrawals += 1;
                "a withdrawal"
            }
            1 if revoked.len() < 2 => {
                if rng.bool() {
                    org.publisher.withdraw(&m.id, &m.key, true).await.unwrap();
                } else {
                    revoke_keeping_rows(&org, m).await;
                }
                published.remove(&i);
                revoked.insert(i);
                "a revocation"
            }
            _ => {
                // 1 to 4 random days, replaced by 0 to 3 cells each (republish, other values).
                let mut chosen: Vec<NaiveDate> = (0..rng.usize(1..=4)).map(|_| days[rng.usize(..days.len())]).collect();
                chosen.sort();
                chosen.dedup();
                let cells: Vec<SignedCell> = chosen.iter().flat_map(|d| cells_of(&mut rng, m, *d, false)).collect();
                let c = Contribution { install_id: m.id.clone(), days: chosen.clone(), cells };
                assert_eq!(org.publisher.publish(&c, &m.key).await.unwrap() as usize, c.cells.len());
                let entry = published.entry(i).or_default();
                for day in &chosen {
                    entry.remove(day);
                }
                for s in c.cells {
                    entry.entry(s.cell.day).or_default().push(s);
                }
                "a publish"
            }
        };
        if step % 10 == 9 {
            small_seen |= assert_aggregates_match(&org, &published, &format!("step {step}, {what}")).await;
        }
    }
    assert_aggregates_match(&org, &published, "the last step").await;

    // The run exercised what it claims to.
    assert!(small_seen, "no week cell below k");
    assert!(!revoked.is_empty(), "no revocation");
    assert!(withdrawals > 0, "no withdrawal");
}

/// Publishers republishing at once update the same shared aggregates (day cells, mask
/// counts) from both statements of their transactions; every publish succeeds (a
/// deadlock victim would be run again) and nothing is lost or counted twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_republishes_lose_nothing() {
    let Some(org) = org(5).await else { return };
    let all = publish_all_at_once(&org).await;
    let before = report(&org).await;
    for _ in 0..3 {
        publish_all_at_once(&org).await;
    }
    assert_eq!(report(&org).await, before);
    let rows = rows_per_install(&org).await;
    for c in &all {
        assert_eq!(rows[c.install_id.as_str()], c.cells.len() as i64);
    }
}
