//! Insider attacks on the PostgreSQL team rollup, each run as the attacker would run it
//! with the stock engine or psql against a real server (tests/common/postgres.rs).
//! Every test here asserts that the attack learns nothing.

mod common;

use chrono::NaiveDate;
use common::postgres::{Cluster, OWNER};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use tally::event::Category;
use tally::rollup::identity::Enrolment;
use tally::rollup::postgres::PgSink;
use tally::rollup::{Contribution, DayCell, InstallId, Measures, RollupError, SignedCell, SigningKey, TeamPeriod};
use tally::secrets::Secret;

const PUBLISHER: &str = "tally_pub";
const PUBLISHER_PASSWORD: &str = "publisher-test-password";
const READER: &str = "tally_admin_reader";
const READER_PASSWORD: &str = "reader-test-password";

/// A Monday long past, so every cell of its week is due for release.
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

struct Org {
    cluster: Cluster,
    owner: PgSink,
    publisher: PgSink,
    reader: PgSink,
}

struct Install {
    id: InstallId,
    key: SigningKey,
}

fn secret(value: &str) -> Secret {
    Secret::new(value).unwrap()
}

async fn raw_pool(url: &str, password: &str) -> PgPool {
    let options = PgConnectOptions::from_str(url).unwrap().password(password);
    PgPoolOptions::new().max_connections(2).connect_with(options).await.unwrap()
}

async fn org() -> Option<Org> {
    let cluster = Cluster::start(false)?;
    let owner = PgSink::connect(&cluster.url(OWNER), Some(&secret(cluster.owner_password()))).await.unwrap();
    owner.init_org(5, 12.0, 2).await.unwrap();
    let roster = [("solo", 2), ("alpha", 6)].map(|(t, n)| (t.to_string(), n)).into_iter().collect();
    owner.set_rosters(&roster).await.unwrap();
    cluster.create_login(PUBLISHER, PUBLISHER_PASSWORD, "tally_publisher");
    cluster.create_login(READER, READER_PASSWORD, "tally_reader");
    let publisher = PgSink::connect(&cluster.url(PUBLISHER), Some(&secret(PUBLISHER_PASSWORD))).await.unwrap();
    let reader = PgSink::connect(&cluster.url(READER), Some(&secret(READER_PASSWORD))).await.unwrap();
    Some(Org { cluster, owner, publisher, reader })
}

impl Org {
    /// A new install in `team`, enrolled with a token of its own.
    async fn enrol(&self, team: &str) -> Install {
        let i = Install { id: InstallId::random(), key: SigningKey::random() };
        let token = self.owner.issue_tokens("acme", team, 1).await.unwrap().remove(0);
        self.publisher.enrol(&Enrolment::new(&token, &i.id, &i.key)).await.unwrap();
        i
    }
}

fn signed(install: &Install, day: NaiveDate, team: &str, category: Category, measures: Measures) -> SignedCell {
    let cell = DayCell { day, team: team.into(), category, measures };
    let signature = install.key.sign(&cell.signed_bytes(&install.id)).iter().map(|b| format!("{b:02x}")).collect();
    SignedCell { cell, signature }
}

fn working_day(active: i64) -> Measures {
    Measures {
        active_seconds: active,
        focus_seconds: active / 2,
        events: 40,
        switches: 6,
        sentiment_negative: 1,
        sentiment_neutral: 10,
        sentiment_positive: 2,
    }
}

async fn try_publish(
    org: &Org,
    install: &Install,
    team: &str,
    days: &[(NaiveDate, Category, Measures)],
) -> Result<u64, RollupError> {
    let cells = days.iter().map(|(d, c, m)| signed(install, *d, team, *c, *m)).collect();
    let mut listed: Vec<NaiveDate> = days.iter().map(|(d, _, _)| *d).collect();
    listed.dedup();
    let c = Contribution { install_id: install.id.clone(), days: listed, cells };
    org.publisher.publish(&c, &install.key).await
}

async fn publish(org: &Org, install: &Install, team: &str, days: &[(NaiveDate, Category, Measures)]) {
    try_publish(org, install, team, days).await.unwrap();
}

fn a_week(active: i64) -> Vec<(NaiveDate, Category, Measures)> {
    (0..5).map(|d| (monday() + chrono::TimeDelta::days(d), Category::DeepWork, working_day(active))).collect()
}

async fn week_cells(org: &Org) -> Vec<tally::rollup::TeamCell> {
    org.reader.team_cells(monday(), monday(), TeamPeriod::Week, "view").await.unwrap().cells
}

/// The overflow probe: inside a transaction the attacker logs in as its own install and
/// inserts one signed row of its own into the victim's cell with `events` just below
/// the bigint limit, then rolls back. On a server that sums without bounds, "out of
/// range" means the cell already holds more than `threshold` events.
async fn probe(org: &Org, attacker: &Install, team: &str, threshold: i64) -> String {
    let pool = raw_pool(&org.cluster.url(PUBLISHER), PUBLISHER_PASSWORD).await;
    let mut tx = pool.begin().await.unwrap();
    let at = chrono::Utc::now().timestamp();
    let mac = attacker.key.sign(&SigningKey::login_bytes(&attacker.id, at));
    sqlx::query("SELECT public.tally_login($1::uuid, $2, $3)")
        .bind(attacker.id.as_str())
        .bind(at)
        .bind(mac.as_slice())
        .execute(&mut *tx)
        .await
        .unwrap();
    let measures = Measures { events: i64::MAX - threshold, ..Measures::default() };
    let row = signed(attacker, monday(), team, Category::Meetings, measures);
    let m = row.cell.measures;
    let signature: Vec<u8> = (0..row.signature.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&row.signature[i..i + 2], 16).unwrap())
        .collect();
    let result = sqlx::query(
        "INSERT INTO public.contributions (install_id, day, team, category, active_seconds, focus_seconds, events,
             switches, sentiment_negative, sentiment_neutral, sentiment_positive, signature)
         VALUES ($1::uuid, $2::date, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(attacker.id.as_str())
    .bind(monday().to_string())
    .bind(team)
    .bind("meetings")
    .bind(m.active_seconds)
    .bind(m.focus_seconds)
    .bind(m.events)
    .bind(m.switches)
    .bind(m.sentiment_negative)
    .bind(m.sentiment_neutral)
    .bind(m.sentiment_positive)
    .bind(signature)
    .execute(&mut *tx)
    .await;
    let _ = tx.rollback().await;
    match result {
        Ok(_) => "accepted".to_string(),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overflow_probe_learns_nothing_about_a_lone_contributor() {
    let mut answers = Vec::new();
    for victim_events in [100, 2_000] {
        let Some(org) = org().await else { return };
        // The attacker is the victim's teammate, the strongest position a publisher has.
        let victim = org.enrol("solo").await;
        let attacker = org.enrol("solo").await;
        let mut m = working_day(3_600);
        m.events = victim_events;
        publish(&org, &victim, "solo", &[(monday(), Category::Meetings, m)]).await;
        let mut seen = Vec::new();
        for threshold in [50, 1_000, 10_000] {
            seen.push(probe(&org, &attacker, "solo", threshold).await);
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1], "the probe's answers depend on the victim's value");
    assert!(answers[0].iter().all(|a| a != "accepted"), "an out-of-range row was accepted: {:?}", answers[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_beyond_the_daily_caps_are_refused_with_a_clear_error() {
    let Some(org) = org().await else { return };
    let install = org.enrol("alpha").await;
    let mut m = working_day(3_600);
    m.events = 2_881;
    let e = try_publish(&org, &install, "alpha", &[(monday(), Category::Meetings, m)]).await.unwrap_err();
    assert!(e.to_string().contains("contributions_within_daily_caps"), "{e}");
    // Two cells within the caps whose day adds up to more than 12 h.
    let day =
        [(monday(), Category::Meetings, working_day(30_000)), (monday(), Category::DeepWork, working_day(30_000))];
    let e = try_publish(&org, &install, "alpha", &day).await.unwrap_err();
    assert!(e.to_string().contains("per-install daily caps"), "{e}");
    // Five days within the daily cap that add up to more than 50 h in one week.
    let e = try_publish(&org, &install, "alpha", &a_week(11 * 3600)).await.unwrap_err();
    assert!(e.to_string().contains("per-install weekly cap"), "{e}");
    // Every category the engine has is taken (one cell each, within the caps).
    let day: Vec<_> = Category::ALL.iter().map(|c| (monday(), *c, working_day(600))).collect();
    assert_eq!(try_publish(&org, &install, "alpha", &day).await.unwrap(), Category::ALL.len() as u64);
    // A category the taxonomy does not have.
    let pool = raw_pool(&org.cluster.url(OWNER), org.cluster.owner_password()).await;
    let e = sqlx::query(
        "INSERT INTO contributions (install_id, day, team, category, active_seconds, focus_seconds, events, switches,
             sentiment_negative, sentiment_neutral, sentiment_positive, signature)
         VALUES (gen_random_uuid(), '2026-03-02', 'alpha', 'made_up', 60, 0, 0, 0, 0, 0, 0, '\\x00')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("contributions_category_known"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_cannot_enrol_the_fake_contributors_of_a_differencing_attack() {
    let Some(org) = org().await else { return };
    // The victim enrols; whoever holds a token then tries to enrol k − 1 = 4 more
    // installs with it, to fill the victim's cell with data they know.
    let victim = org.enrol("alpha").await;
    let token = org.owner.issue_tokens("acme", "alpha", 1).await.unwrap().remove(0);
    let mut fakes = 0;
    let mut refusals = Vec::new();
    for _ in 0..4 {
        let i = Install { id: InstallId::random(), key: SigningKey::random() };
        match org.publisher.enrol(&Enrolment::new(&token, &i.id, &i.key)).await {
            Ok(_) => fakes += 1,
            Err(e) => refusals.push(e.to_string()),
        }
    }
    assert_eq!(fakes, 1, "one token enrolled {fakes} installs");
    assert!(refusals.iter().all(|e| e.contains("already enrolled an install")), "{refusals:?}");

    // Fresh tokens for each fake: the roster (6) stops them, and the victim can see how
    // many are enrolled in the team.
    for _ in 0..4 {
        let t = org.owner.issue_tokens("acme", "alpha", 1).await.unwrap().remove(0);
        let i = Install { id: InstallId::random(), key: SigningKey::random() };
        if org.publisher.enrol(&Enrolment::new(&t, &i.id, &i.key)).await.is_ok() {
            fakes += 1;
        } else {
            refusals.push("roster".into());
        }
    }
    assert_eq!(fakes, 5, "the declared roster of 6 caps the team");
    let status = org.publisher.team_status(&victim.id, &victim.key).await.unwrap();
    assert_eq!((status.team.as_str(), status.enrolled, status.roster), ("alpha", 6, Some(6)));

    // Revoking a token removes its install from the count.
    org.owner.revoke_token(&token.id).await.unwrap();
    let status = org.publisher.team_status(&victim.id, &victim.key).await.unwrap();
    assert_eq!(status.enrolled, 5);

    // An install's rows go in only under its own team.
    let outsider = org.enrol("solo").await;
    let e = try_publish(&org, &outsider, "alpha", &a_week(20_000)).await.unwrap_err();
    assert!(e.to_string().contains("row-level security"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_installs_do_not_count_towards_k() {
    let Some(org) = org().await else { return };
    for _ in 0..4 {
        let i = org.enrol("alpha").await;
        publish(&org, &i, "alpha", &a_week(20_000)).await;
    }
    // A fifth install with rows but no real activity does not make the cell releasable.
    let idle = org.enrol("alpha").await;
    publish(&org, &idle, "alpha", &a_week(59)).await;
    assert!(week_cells(&org).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_before_and_after_a_withdrawal_gives_nothing_numeric() {
    let Some(org) = org().await else { return };
    let mut installs = Vec::new();
    for i in 0..6 {
        let install = org.enrol("alpha").await;
        publish(&org, &install, "alpha", &a_week(20_000 + 97 * i)).await;
        installs.push(install);
    }
    let before = week_cells(&org).await;
    assert_eq!(before.len(), 1, "six contributors: released");
    assert_eq!(week_cells(&org).await, before, "a released cell reads the same every time");
    org.publisher.withdraw(&installs[5].id, &installs[5].key, false).await.unwrap();
    let after = week_cells(&org).await;
    for cell in &after {
        let old = before.iter().find(|b| b.category == cell.category && b.period_start == cell.period_start);
        assert_eq!(Some(&cell.measures), old.map(|o| &o.measures), "a released cell changed value after a withdrawal");
    }
    assert!(after.is_empty(), "its inputs changed after release: hidden");

    // A late publish after release, even one that brings the cell back to six
    // contributors with other values, never shows another value.
    org.owner.set_rosters(&[("alpha".to_string(), 10)].into_iter().collect()).await.unwrap();
    let late = org.enrol("alpha").await;
    publish(&org, &late, "alpha", &a_week(1_234)).await;
    assert!(week_cells(&org).await.is_empty(), "changed inputs stay hidden");

    // The install publishing exactly what it withdrew restores the released value, and
    // only that one.
    org.publisher.withdraw(&late.id, &late.key, false).await.unwrap();
    publish(&org, &installs[5], "alpha", &a_week(20_000 + 97 * 5)).await;
    assert_eq!(week_cells(&org).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draws_do_not_change_with_a_new_connection_or_a_changed_epsilon() {
    let Some(org) = org().await else { return };
    for i in 0..5 {
        let install = org.enrol("alpha").await;
        publish(&org, &install, "alpha", &a_week(20_000 + 97 * i)).await;
    }
    let first = week_cells(&org).await;
    assert_eq!(first.len(), 1);
    // Another reader login, and the owner nudging ε: the released cell is what it was.
    org.cluster.create_login("tally_second_reader", "second-password", "tally_reader");
    let second =
        PgSink::connect(&org.cluster.url("tally_second_reader"), Some(&secret("second-password"))).await.unwrap();
    org.owner.init_org(5, 12.000_000_1, 2).await.unwrap();
    let again = second.team_cells(monday(), monday(), TeamPeriod::Week, "view").await.unwrap().cells;
    assert_eq!(again, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_never_sees_exact_sums() {
    let Some(org) = org().await else { return };
    let mut exact = 0;
    for i in 0..6 {
        let install = org.enrol("alpha").await;
        exact += 5 * (20_000 + 97 * i);
        publish(&org, &install, "alpha", &a_week(20_000 + 97 * i)).await;
    }
    let pool = raw_pool(&org.cluster.url(READER), READER_PASSWORD).await;
    // Whatever a reader's login can query directly: the exact sum must not be there.
    for sql in [
        "SELECT sum(active_seconds)::bigint FROM team_cells_day",
        "SELECT sum(active_seconds)::bigint FROM team_cells_week",
        "SELECT sum(active_seconds)::bigint FROM tally_private.day_cells",
        "SELECT sum(active_seconds)::bigint FROM contributions",
    ] {
        if let Ok(Some(v)) = sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(&pool).await {
            assert_ne!(v, exact, "{sql} gave the exact sum");
        }
    }
    let cells = week_cells(&org).await;
    assert_eq!(cells.len(), 1);
    let shown: i64 = cells.iter().map(|c| c.measures.active_seconds).sum();
    assert_ne!(shown, exact, "the reader's report holds the exact sum");
}
