//! Live-collector footprint: the release `tally collect` with the local model loaded,
//! polling a real X server (Xvfb) every second while a script moves the focus between
//! three windows, retitles them now and then (new titles mean new model inferences) and
//! moves the mouse (so the user is not idle). Samples the collector's RSS and CPU time
//! from /proc every second and prints average CPU %, peak and final RSS.
//!
//! Run: `TALLY_BENCH_SECONDS=120 cargo bench --bench collector_footprint` (default 600 s;
//! needs Xvfb, xterm and xdotool — scripts/test.sh installs them — and the ONNX Runtime
//! library from scripts/setup-onnxruntime.sh). Not part of `.ci/run`.

#[path = "../tests/common/desktop.rs"]
mod desktop;

use desktop::Xvfb;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// (utime + stime) in seconds and VmRSS in MB of `pid`.
fn sample(pid: u32) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let cpu = (fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?) / ticks;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((cpu, rss_kb / 1024.0))
}

fn main() {
    let seconds: u64 = std::env::var("TALLY_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let home = tempfile::tempdir().unwrap();
    let tally = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
        cmd.args(args)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("TMPDIR", home.path());
        cmd
    };
    assert!(tally(&["consent", "--agree"]).stdout(Stdio::null()).status().unwrap().success());

    let mut x = Xvfb::start();
    let windows = [
        x.open_window("bench_code", "Code", "main.rs - tally - Visual Studio Code"),
        x.open_window("bench_mail", "Thunderbird", "Inbox - ana.lima@example.org - Thunderbird"),
        x.open_window("bench_web", "firefox", "rust - How do I sort a Vec? - Stack Overflow — Mozilla Firefox"),
    ];
    x.focus(&windows[0]);

    let mut child = tally(&["--require-model", "collect"])
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally collect starts");
    let pid = child.id();
    let started = Instant::now();
    let (mut peak_rss, mut last) = (0.0f64, (0.0, 0.0));
    let mut steady_from: Option<(Instant, f64)> = None;
    let mut tick = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(1));
        tick += 1;
        let xdo = |args: &[&str]| {
            let _ = Command::new("xdotool").args(args).env("DISPLAY", &x.display).status();
        };
        // Input every 10 s keeps the user "active"; a switch every 15 s; a new title
        // every 45 s (a cache miss: one model inference).
        if tick % 10 == 0 {
            xdo(&["mousemove", &(100 + tick % 200).to_string(), "100"]);
        }
        if tick % 15 == 0 {
            x.focus(&windows[(tick / 15) as usize % windows.len()]);
        }
        if tick % 45 == 0 {
            xdo(&["set_window", "--name", &format!("notes-{tick}.md - tally - Visual Studio Code"), &windows[0]]);
        }
        let Some((cpu, rss)) = sample(pid) else { break };
        peak_rss = peak_rss.max(rss);
        last = (cpu, rss);
        if steady_from.is_none() && tick >= 10 {
            steady_from = Some((Instant::now(), cpu));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    desktop::signal(&child, libc::SIGTERM);
    let stderr = child.stderr.take().map(std::io::read_to_string).and_then(Result::ok).unwrap_or_default();
    let status = child.wait().unwrap();
    assert!(status.success(), "collect failed: {stderr}");
    assert!(stderr.contains("engine: tally-encoder"), "the model did not load: {stderr}");

    let (cpu, rss) = last;
    println!("collector footprint ({seconds} s requested, {elapsed:.0} s run, poll 1000 ms, model loaded)");
    println!("  average CPU, whole run (incl. model load): {:.3} %", 100.0 * cpu / elapsed);
    if let Some((at, cpu_at)) = steady_from {
        let span = at.elapsed().as_secs_f64().min(elapsed);
        if span > 0.0 {
            println!("  average CPU, after the first 10 s:        {:.3} %", 100.0 * (cpu - cpu_at) / span);
        }
    }
    println!("  RSS peak: {peak_rss:.1} MB, at the end: {rss:.1} MB");
    println!("  CPU time: {cpu:.2} s");
    let data_dir = home.path().join("data").join("tally");
    let active_ms: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = tally::store::Store::open(&data_dir).await.unwrap();
        store.buckets(i64::MIN, i64::MAX).await.unwrap().iter().map(|r| r.totals.active_ms).sum()
    });
    println!("  recorded active time: {:.0} s of {elapsed:.0} s run", active_ms as f64 / 1000.0);
}
