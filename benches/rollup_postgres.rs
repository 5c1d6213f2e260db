//! The PostgreSQL sink at organisation scale (not run by CI): 1,000 installs × 90 days
//! published through `PgSink::publish` into a throwaway cluster (durable settings), then
//! - an org-wide quarter report: team cells per week plus org cells per week over the
//!   90 days (target p95 ≤ 300 ms), 50 times;
//! - publishing one install-day (target ≤ 50 ms), 200 times.
//!
//! `cargo bench -p tally --bench rollup_postgres` (`TALLY_BENCH_INSTALLS` to scale down).

#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod pg_harness;

use chrono::NaiveDate;
use pg_harness::{Cluster, OWNER};
use std::time::{Duration, Instant};
use tally::event::Category;
use tally::rollup::identity::Enrolment;
use tally::rollup::postgres::PgSink;
use tally::rollup::{Contribution, DayCell, InstallId, Measures, SignedCell, SigningKey, TeamPeriod};
use tally::secrets::Secret;

const DAYS: i64 = 90;
const TEAMS: usize = 8;
const CATEGORIES_PER_DAY: usize = 4;
const PASSWORD: &str = "bench-publisher";

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date") // a Monday
}

fn day_cells(i: usize, d: i64, id: &InstallId, key: &SigningKey) -> Vec<SignedCell> {
    let day = first_day() + chrono::TimeDelta::days(d);
    (0..CATEGORIES_PER_DAY)
        .map(|c| {
            let category = Category::ALL[(i + d as usize + c * 2) % Category::ALL.len()];
            let v = (i as i64 * 31 + d * 7 + c as i64 * 3) % 1000;
            let cell = DayCell {
                day,
                team: format!("team-{}", i % TEAMS),
                category,
                measures: Measures {
                    active_seconds: 600 + v * 5,
                    focus_seconds: 300 + v,
                    events: 20 + v / 10,
                    switches: v % 17,
                    sentiment_negative: v % 3,
                    sentiment_neutral: 5 + v % 7,
                    sentiment_positive: v % 5,
                },
            };
            let signature = key.sign(&cell.signed_bytes(id)).iter().map(|b| format!("{b:02x}")).collect();
            SignedCell { cell, signature }
        })
        .collect()
}

fn contribution(i: usize, days: std::ops::Range<i64>, id: &InstallId, key: &SigningKey) -> Contribution {
    Contribution {
        install_id: id.clone(),
        days: days.clone().map(|d| first_day() + chrono::TimeDelta::days(d)).collect(),
        cells: days.flat_map(|d| day_cells(i, d, id, key)).collect(),
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)].as_secs_f64() * 1e3;
    (at(0.5), at(0.95))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let installs: usize = std::env::var("TALLY_BENCH_INSTALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let Some(cluster) = Cluster::start(true) else { return Ok(()) };
    let owner = PgSink::connect(&cluster.url(OWNER), Some(&Secret::new(cluster.owner_password())?)).await?;
    owner.init_org(5, tally::rollup::release::DEFAULT_EPSILON, 2).await?;
    owner.set_rosters(&(0..TEAMS).map(|t| (format!("team-{t}"), installs as u32)).collect()).await?;
    cluster.create_login("bench_pub", PASSWORD, "tally_publisher");
    cluster.create_login("bench_reader", PASSWORD, "tally_reader");
    let publisher = PgSink::connect(&cluster.url("bench_pub"), Some(&Secret::new(PASSWORD)?)).await?;
    let reader = PgSink::connect(&cluster.url("bench_reader"), Some(&Secret::new(PASSWORD)?)).await?;

    let members: Vec<(InstallId, SigningKey)> =
        (0..installs).map(|_| (InstallId::random(), SigningKey::random())).collect();
    let mut tokens = Vec::new();
    for t in 0..TEAMS {
        let count = installs.div_ceil(TEAMS) as u32;
        tokens.push(owner.issue_tokens("bench", &format!("team-{t}"), count).await?);
    }
    for (i, (id, key)) in members.iter().enumerate() {
        publisher.enrol(&Enrolment::new(&tokens[i % TEAMS][i / TEAMS], id, key)).await?;
    }

    // Load: each install publishes its whole quarter once, four at a time.
    let loading = Instant::now();
    let publisher = std::sync::Arc::new(publisher);
    let mut tasks = tokio::task::JoinSet::new();
    let mut rows = 0u64;
    for (i, (id, key)) in members.iter().enumerate() {
        if tasks.len() >= 4 {
            rows += tasks.join_next().await.expect("a running task")??;
        }
        let (p, c, key) = (publisher.clone(), contribution(i, 0..DAYS, id, key), key.clone());
        tasks.spawn(async move { p.publish(&c, &key).await });
    }
    while let Some(done) = tasks.join_next().await {
        rows += done??;
    }
    println!(
        "loaded {rows} rows ({installs} installs × {DAYS} days × {CATEGORIES_PER_DAY} categories, {TEAMS} teams) through publish in {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    // The views read the trigger-maintained aggregates, so every table gets fresh statistics.
    cluster.psql("tally", "VACUUM ANALYZE");

    let last = first_day() + chrono::TimeDelta::days(DAYS - 1);
    let mut reports = Vec::new();
    let mut cells = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let team = reader.team_cells(first_day(), last, TeamPeriod::Week, "report").await?;
        let org = reader.org_cells(first_day(), last, TeamPeriod::Week, "report").await?;
        reports.push(t.elapsed());
        cells = team.cells.len() + org.cells.len();
    }
    let (p50, p95) = percentiles(reports);
    println!("org-wide quarter report (team + org cells per week, {cells} cells): p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 <= 300 ms)");

    let mut publishes = Vec::new();
    for n in 0..200 {
        let i = (n * 7919) % installs;
        let d = (n as i64 * 13) % DAYS;
        let (id, key) = &members[i];
        let c = contribution(i, d..d + 1, id, key);
        let t = Instant::now();
        publisher.publish(&c, key).await?;
        publishes.push(t.elapsed());
    }
    let (p50, p95) = percentiles(publishes);
    println!(
        "publish one install-day ({CATEGORIES_PER_DAY} cells): p50 {p50:.1} ms, p95 {p95:.1} ms (target <= 50 ms)"
    );
    Ok(())
}
