//! End-to-end import benchmark: generates a 1,000,000-event ActivityWatch export and
//! times `tally import` on it (regex anonymizer + rule scorer), reporting events per
//! second and the import process's peak RSS.
//!
//! Run: `cargo bench --bench import_throughput` (set TALLY_BENCH_EVENTS to change the
//! size, TALLY_BENCH_DISTINCT for title variety, TALLY_BENCH_RUNS for repeats).
//! Not part of `.ci/run`.

use std::io::BufWriter;
use std::process::Command;
use std::time::Instant;

fn main() {
    let total: usize = std::env::var("TALLY_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    // Title variants per template: the default 400 is a realistic desktop; a huge value
    // makes nearly every title distinct, defeating the analyzer's cache.
    let distinct: u64 = std::env::var("TALLY_BENCH_DISTINCT").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    // The target is for the regex anonymizer + rule scorer; TALLY_BENCH_MODEL=1 adds the model.
    let with_model = std::env::var("TALLY_BENCH_MODEL").is_ok_and(|v| v == "1");
    let runs: usize = std::env::var("TALLY_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let work = tempfile::tempdir().expect("temp dir");
    let export = work.path().join("export.json");
    let started = Instant::now();
    let written = {
        let mut out = BufWriter::new(std::fs::File::create(&export).expect("create export"));
        let shape =
            tally::synth::ExportShape { distinct_per_template: distinct, ..tally::synth::shape_for_total(total, 42) };
        tally::synth::write_aw_export(&mut out, shape).expect("write export")
    };
    let size = std::fs::metadata(&export).expect("export size").len();
    println!("generated {written} events ({:.1} MB) in {:.1} s", size as f64 / 1e6, started.elapsed().as_secs_f64());

    let mut rates = Vec::new();
    for run in 1..=runs {
        let data = work.path().join(format!("data{run}"));
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["--data-dir", data.to_str().unwrap()])
            .args(if with_model { &[][..] } else { &["--no-model"][..] })
            .args(["import", "--format", "aw", export.to_str().unwrap()])
            .spawn()
            .expect("spawn tally");
        let (status, rss_kb) = wait_with_peak_rss(&mut child);
        let seconds = started.elapsed().as_secs_f64();
        assert!(status.success(), "import failed");
        let rate = written as f64 / seconds;
        rates.push(rate);
        println!("run {run}: {seconds:.2} s, {rate:.0} events/s, peak RSS {:.1} MB", rss_kb as f64 / 1024.0);
    }
    rates.sort_by(f64::total_cmp);
    println!("median: {:.0} events/s over {runs} runs of {written} events", rates[rates.len() / 2]);
}

/// Waits for `child` and returns its exit status and peak resident set size (KiB).
fn wait_with_peak_rss(child: &mut std::process::Child) -> (std::process::ExitStatus, i64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, writing into owned, initialised memory.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    use std::os::unix::process::ExitStatusExt;
    (std::process::ExitStatus::from_raw(status), usage.ru_maxrss)
}
