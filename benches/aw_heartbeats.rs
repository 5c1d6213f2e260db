//! Load benchmark of `tally serve`: 8 concurrent clients send 1,000 heartbeats/s in all
//! to the real binary on loopback, as ActivityWatch watchers would (6 window buckets, a
//! web bucket, an AFK bucket; each changes its data every 2 s, so events keep closing
//! and flowing through the pipeline). Prints the rate achieved, latency percentiles
//! (overall and the worst minute's p99) and the server's RSS at start, middle and end.
//!
//! Run: `cargo bench --bench aw_heartbeats` (10 minutes; TALLY_BENCH_SECONDS to change,
//! TALLY_BENCH_RATE for the total heartbeats/s). Target: p99 ≤ 20 ms, no memory growth.
//! Not part of `.ci/run`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// One watcher: its bucket, and the data it cycles through.
fn watcher(i: usize) -> (String, &'static str, Vec<serde_json::Value>) {
    use serde_json::json;
    match i {
        6 => (
            "aw-watcher-web-firefox_bench".to_string(),
            "web.tab.current",
            (0..20).map(|n| json!({"url": format!("https://docs.rs/crate{n}"), "title": format!("crate{n} - Rust"), "incognito": false})).collect(),
        ),
        7 => ("aw-watcher-afk_bench".to_string(), "afkstatus", vec![json!({"status": "not-afk"})]),
        _ => (
            format!("aw-watcher-window_bench{i}"),
            "currentwindow",
            (0..20)
                .map(|n| match n % 4 {
                    0 => json!({"app": "code", "title": format!("file{n}.rs - project - Visual Studio Code")}),
                    1 => json!({"app": "firefox", "title": "Mozilla Firefox"}),
                    2 => json!({"app": "slack", "title": format!("#channel{n} | Acme - Slack")}),
                    _ => json!({"app": "gnome-terminal-server", "title": format!("user@host: ~/work{n}")}),
                })
                .collect(),
        ),
    }
}

fn main() {
    let seconds = env_or("TALLY_BENCH_SECONDS", 600);
    let rate = env_or("TALLY_BENCH_RATE", 1000);
    let work = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["--data-dir", work.path().to_str().unwrap(), "--no-model", "serve", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tally serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tally serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("aw_heartbeats: {CLIENTS} clients, {rate} heartbeats/s in all, {seconds} s, server pid {}", server.id());

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let pid = server.id();
    let (latencies, sent, errors, rss) = runtime.block_on(async move {
        let base = format!("http://127.0.0.1:{port}/api/0");
        let started = Instant::now();
        let run_for = Duration::from_secs(seconds);
        let per_client = Duration::from_secs_f64(CLIENTS as f64 / rate as f64);
        let mut tasks = Vec::new();
        for i in 0..CLIENTS {
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::builder().no_proxy().build().unwrap();
                let (bucket, kind, data) = watcher(i);
                let body = serde_json::json!({"client": "bench", "hostname": "bench", "type": kind});
                client.post(format!("{base}/buckets/{bucket}")).json(&body).send().await.unwrap();
                let url = format!("{base}/buckets/{bucket}/heartbeat?pulsetime=2");
                let mut ticks = tokio::time::interval(per_client);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                // (ms since start, latency µs)
                let mut samples: Vec<(u32, u32)> = Vec::with_capacity((seconds * rate / CLIENTS as u64) as usize + 16);
                let (mut n, mut errors) = (0u64, 0u64);
                while started.elapsed() < run_for {
                    ticks.tick().await;
                    // Data changes every 2 s of heartbeats.
                    let which = (started.elapsed().as_secs() / 2) as usize % data.len();
                    let event = serde_json::json!({
                        "timestamp": chrono::Utc::now().to_rfc3339(),
                        "duration": 0,
                        "data": data[which],
                    });
                    let sent_at = Instant::now();
                    match client.post(&url).json(&event).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                        }
                        _ => errors += 1,
                    }
                    samples.push((started.elapsed().as_millis() as u32, sent_at.elapsed().as_micros() as u32));
                    n += 1;
                }
                (samples, n, errors)
            }));
        }
        let rss_task = tokio::spawn(async move {
            let mut rss = Vec::new();
            let started = Instant::now();
            while started.elapsed() < run_for {
                tokio::time::sleep(Duration::from_secs(1)).await;
                rss.push((started.elapsed().as_secs(), rss_kib(pid)));
            }
            rss
        });
        let (mut all, mut sent, mut errors) = (Vec::new(), 0u64, 0u64);
        for task in tasks {
            let (samples, n, e) = task.await.unwrap();
            all.extend(samples);
            sent += n;
            errors += e;
        }
        (all, sent, errors, rss_task.await.unwrap())
    });

    // SAFETY: signalling our own child; it flushes and exits.
    unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) };
    let status = server.wait().expect("tally serve exits");

    let mut overall: Vec<u32> = latencies.iter().map(|s| s.1).collect();
    overall.sort_unstable();
    let mut worst_minute = 0.0f64;
    for minute in 0..seconds.div_ceil(60) {
        let mut m: Vec<u32> = latencies.iter().filter(|s| u64::from(s.0) / 60_000 == minute).map(|s| s.1).collect();
        m.sort_unstable();
        worst_minute = worst_minute.max(percentile(&m, 0.99));
    }
    println!("sent {sent} heartbeats in {seconds} s: {:.1}/s achieved, {errors} errors", sent as f64 / seconds as f64);
    println!(
        "latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; worst minute's p99 {:.2} ms",
        percentile(&overall, 0.5),
        percentile(&overall, 0.99),
        percentile(&overall, 1.0),
        worst_minute
    );
    let at = |frac: f64| {
        let i = ((rss.len().saturating_sub(1)) as f64 * frac) as usize;
        rss.get(i).map_or(0.0, |r| r.1 as f64 / 1024.0)
    };
    let first_after_warmup = rss.iter().find(|r| r.0 >= 10).or(rss.first()).map_or(0.0, |r| r.1 as f64 / 1024.0);
    println!(
        "server RSS: start {:.1} MiB (after 10 s), middle {:.1} MiB, end {:.1} MiB",
        first_after_warmup,
        at(0.5),
        at(1.0)
    );
    println!("tally serve exited with {status}");
}
