//! The crash loop (issue 6): `kill -9` at random points, 20 times each, of
//!
//! - **the importer**: every run resumes from its last checkpoint; afterwards the hourly
//!   CSV report equals a clean run's byte for byte (nothing lost, nothing double-counted)
//!   and `PRAGMA integrity_check` says `ok` after every kill;
//! - **the live collector** under Xvfb: a live event exists only in memory until the
//!   pipeline flushes it (bucket close, at least every 60 s, and on SIGTERM), so a
//!   SIGKILL loses at most the unflushed stretch of that run — by design, never stored
//!   twice. "Equal to a clean run" therefore means: integrity `ok` after every kill; total
//!   active time ≤ the wall time the collectors ran (no double counting); the stretches of
//!   the runs stopped cleanly in between are all there (≥ their focused time minus start-up);
//!   and no bucket holds more than its 15 minutes.
//!
//! The kill points come from a seed printed on stderr (`kill-point seed`), so a failure
//! can be replayed with `TALLY_CRASH_SEED=N`.
#![cfg(target_os = "linux")]

mod common;
use common::desktop::{signal, Xvfb};
use common::{read_checkpoint, stderr, Sandbox};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tally::store::Store;
use tally::synth::{shape_for_total, write_aw_export, SplitMix};

const KILLS: usize = 20;

fn seeded_rng() -> SplitMix {
    let seed = std::env::var("TALLY_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("kill-point seed: {seed}");
    SplitMix::new(seed)
}

/// `PRAGMA integrity_check` of the store; `ok` too when a kill came before the importer
/// created it.
fn integrity(data_dir: &Path) -> String {
    if !data_dir.join(tally::store::DATABASE_FILE).exists() {
        return "ok".into();
    }
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open(data_dir).await.unwrap();
        let result = store.integrity_check().await.unwrap();
        store.close().await;
        result
    })
}

fn sigkill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

#[test]
fn twenty_importer_kills_resume_to_the_clean_aggregates() {
    let mut rng = seeded_rng();
    let clean = Sandbox::new();
    let mut bytes = Vec::new();
    write_aw_export(&mut bytes, shape_for_total(40_000, 23)).unwrap();
    let file = clean.input("export.json", &bytes);
    let file = file.to_str().unwrap();
    let args = ["--no-model", "import", "--format", "aw", "--checkpoint-every", "1000", file];
    let started = Instant::now();
    let out = clean.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let clean_ms = started.elapsed().as_millis() as u64;
    let want = clean.export_csv("2020-01-01", "2030-12-31", "hour");
    assert!(want.lines().count() > 500, "the fixture should span many hours");

    let sha = tally::import::file_sha256(Path::new(file)).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut crashed = Sandbox::new();
    let (mut kills, mut completed, mut progressed, mut done) = (0, 0, 0, 0);
    // When a run finishes the file before its kill point (a slow clean run, a fast
    // machine), that store is checked and the kills go on in a fresh one.
    for _ in 0..KILLS * 3 {
        if kills == KILLS {
            break;
        }
        let mut child = crashed.command(&args).stderr(Stdio::piped()).spawn().unwrap();
        // Anywhere from start-up (migrations, hashing the file) through the first pass
        // (AFK and web overlays) to late in the second, within 80 % of a clean run: a
        // resumed run skips the recorded part of the second pass, so most runs die
        // mid-file, each after resuming the one before.
        std::thread::sleep(Duration::from_millis(10 + rng.below(clean_ms * 8 / 10)));
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "a run failed on its own: {}", stderr(&out));
            assert_eq!(crashed.export_csv("2020-01-01", "2030-12-31", "hour"), want, "after {kills} kills");
            completed += 1;
            (crashed, done) = (Sandbox::new(), 0);
            continue;
        }
        sigkill(child);
        kills += 1;
        assert_eq!(integrity(&crashed.data_dir()), "ok", "after kill {kills}");
        let (now_done, _) = runtime.block_on(read_checkpoint(&crashed.data_dir(), &sha)).unwrap_or((0, false));
        assert!(now_done >= done, "the checkpoint went back from {done} to {now_done}");
        progressed += usize::from(now_done > done);
        done = now_done;
    }
    let out = crashed.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    eprintln!(
        "importer: {kills} kills ({progressed} after the checkpoint had moved on), {completed} stores completed \
         between kills, checkpoint at record {done} before the last run; clean run {clean_ms} ms"
    );
    assert_eq!(kills, KILLS, "the runs kept finishing before their kill points");
    assert!(progressed >= 2, "only {progressed} kills came after the checkpoint moved on");
    if done > 0 {
        assert!(stderr(&out).contains(&format!("(resumed after record {done})")), "{}", stderr(&out));
    }
    assert_eq!(crashed.export_csv("2020-01-01", "2030-12-31", "hour"), want, "after {kills} kills");
    assert_eq!(integrity(&crashed.data_dir()), "ok");
}

/// Starts `tally collect --poll-ms 100` on `x`.
fn start_collector(sandbox: &Sandbox, x: &Xvfb) -> Child {
    sandbox
        .command(&["--no-model", "collect", "--poll-ms", "100"])
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally collect starts")
}

/// (total active seconds, the largest bucket's active seconds).
fn active_seconds(data_dir: &Path) -> (f64, f64) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open(data_dir).await.unwrap();
        let rows = store.buckets(i64::MIN, i64::MAX).await.unwrap();
        store.close().await;
        let per_bucket: Vec<f64> = rows.iter().map(|r| r.totals.active_ms as f64 / 1000.0).collect();
        (per_bucket.iter().sum(), per_bucket.iter().copied().fold(0.0, f64::max))
    })
}

#[test]
fn twenty_collector_kills_never_double_count_or_corrupt() {
    let mut rng = seeded_rng();
    let sandbox = Sandbox::new();
    let mut x = Xvfb::start();
    let windows =
        [x.open_window("tally_loop_a", "XTerm", "build log"), x.open_window("tally_loop_b", "Gedit", "notes")];
    let out = sandbox.run(&["consent", "--agree"]);
    assert!(out.status.success(), "{}", stderr(&out));
    x.focus(&windows[0]);

    let mut wall = Duration::ZERO;
    let mut clean_focus = Duration::ZERO;
    for kill in 1..=KILLS {
        let started = Instant::now();
        let child = start_collector(&sandbox, &x);
        // Kill points from start-up (store, X connection) to well into polling, with a
        // focus change on the way.
        let life = Duration::from_millis(50 + rng.below(2000));
        std::thread::sleep(life / 2);
        x.focus(&windows[kill % 2]);
        std::thread::sleep(life / 2);
        sigkill(child);
        wall += started.elapsed();
        assert_eq!(integrity(&sandbox.data_dir()), "ok", "after kill {kill}");

        if kill % 5 == 0 {
            // A clean run between kills: its stretch must be stored in full.
            let started = Instant::now();
            let child = start_collector(&sandbox, &x);
            std::thread::sleep(Duration::from_millis(2500));
            signal(&child, libc::SIGTERM);
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success() && stderr(&out).contains("collector stopped"), "{}", stderr(&out));
            wall += started.elapsed();
            clean_focus += Duration::from_millis(2500);
        }
    }
    let (active, largest_bucket) = active_seconds(&sandbox.data_dir());
    eprintln!(
        "collector: active {active:.1} s, wall {:.1} s, clean runs {:.1} s",
        wall.as_secs_f64(),
        clean_focus.as_secs_f64()
    );
    assert!(active <= wall.as_secs_f64() + 0.5, "{active} s active in {wall:?} of collecting: double counted");
    // Start-up (store, X connection, first poll) takes up to ~1 s of each clean run.
    let floor = clean_focus.as_secs_f64() - 4.0 * 1.2;
    assert!(active >= floor, "{active} s active; the clean runs alone had {clean_focus:?} (floor {floor} s)");
    assert!(largest_bucket <= 900.0);
    assert_eq!(integrity(&sandbox.data_dir()), "ok");
}
