//! Crash safety: kill -9 the importer at random points, run it again, and the aggregates
//! equal those of a clean run (nothing lost, nothing double-counted).

mod common;
use common::{read_checkpoint, stderr, Sandbox};
use std::time::{Duration, Instant};
use tally::synth::{shape_for_total, write_aw_export, SplitMix};

fn import_args(file: &str) -> Vec<&str> {
    vec!["import", "--format", "aw", "--checkpoint-every", "1500", file]
}

#[test]
fn killed_imports_resume_to_the_same_aggregates_as_a_clean_run() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("kill-point seed: {seed}");
    let mut rng = SplitMix::new(seed);

    let clean = Sandbox::new();
    let mut bytes = Vec::new();
    write_aw_export(&mut bytes, shape_for_total(40_000, 7)).unwrap();
    let file = clean.input("export.json", &bytes);
    let file = file.to_str().unwrap();
    let started = Instant::now();
    let out = clean.run(&import_args(file));
    assert!(out.status.success(), "{}", stderr(&out));
    let clean_run = started.elapsed();
    let want = clean.export_csv("2020-01-01", "2030-12-31", "hour");
    assert!(want.lines().count() > 1000, "the fixture should span many hours");

    let crashed = Sandbox::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sha = tally::import::file_sha256(std::path::Path::new(file)).unwrap();

    // First a kill right after a checkpoint has landed, mid-file: the next run must resume.
    let mut child = crashed.command(&import_args(file)).stderr(std::process::Stdio::null()).spawn().unwrap();
    let data_dir = crashed.data_dir();
    let done_at_kill = loop {
        std::thread::sleep(Duration::from_millis(5));
        // Read-only, so the test never races the importer's own migrations.
        let checkpoint = runtime.block_on(read_checkpoint(&data_dir, &sha));
        if let Some((records_done, complete)) = checkpoint.filter(|c| c.0 > 0) {
            child.kill().unwrap();
            child.wait().unwrap();
            assert!(!complete, "the import finished before it could be killed");
            break records_done;
        }
        assert!(child.try_wait().unwrap().is_none(), "the import ended before its first checkpoint");
    };
    let out = crashed.run(&import_args(file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(resumed after record "), "{}", stderr(&out));
    assert!(done_at_kill > 0);
    assert_eq!(crashed.export_csv("2020-01-01", "2030-12-31", "hour"), want, "after a kill at record {done_at_kill}");

    // Then kills at random points, into a fresh store, 8 times.
    let crashed = Sandbox::new();
    let mut kills = 0;
    for _ in 0..8 {
        let mut child = crashed.command(&import_args(file)).stderr(std::process::Stdio::null()).spawn().unwrap();
        // Each run resumes, so it has less left to do: aim within 60 % of a clean run.
        let delay = Duration::from_millis(50 + rng.below(clean_run.as_millis() as u64 * 6 / 10 + 1));
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_some() {
            break; // finished before this kill point
        }
        child.kill().unwrap(); // SIGKILL
        kills += 1;
        child.wait().unwrap();
    }
    let out = crashed.run(&import_args(file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(kills > 0, "no run was killed; the fixture is too small for this machine");
    assert_eq!(crashed.export_csv("2020-01-01", "2030-12-31", "hour"), want, "after {kills} kills");

    let data_dir = crashed.data_dir();
    let integrity = runtime.block_on(async {
        let store = tally::store::Store::open(&data_dir).await.unwrap();
        store.integrity_check().await.unwrap()
    });
    assert_eq!(integrity, "ok");
}

#[test]
fn sigterm_flushes_what_was_read_and_the_next_run_resumes() {
    let clean = Sandbox::new();
    let mut bytes = Vec::new();
    write_aw_export(&mut bytes, shape_for_total(80_000, 11)).unwrap();
    let file = clean.input("export.json", &bytes);
    let file = file.to_str().unwrap();
    let args = ["import", "--format", "aw", "--checkpoint-every", "20000", file];
    let out = clean.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = clean.export_csv("2020-01-01", "2030-12-31", "hour");

    let stopped = Sandbox::new();
    let child = stopped.command(&args).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let data_dir = stopped.data_dir();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sha = tally::import::file_sha256(std::path::Path::new(file)).unwrap();
    // Signal right after the first periodic checkpoint (about 20,000 of 65,000 records).
    let seen = loop {
        if let Some((done, _)) = runtime.block_on(read_checkpoint(&data_dir, &sha)).filter(|c| c.0 > 0) {
            break done;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted after"), "{err}");
    let (records_done, complete) = runtime.block_on(read_checkpoint(&data_dir, &sha)).unwrap();
    // The records read after the last periodic checkpoint were flushed on the way out.
    assert!(records_done > seen && !complete, "seen {seen}, saved {records_done}");

    let out = stopped.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("(resumed after record {records_done})")), "{}", stderr(&out));
    assert_eq!(stopped.export_csv("2020-01-01", "2030-12-31", "hour"), want);
}
