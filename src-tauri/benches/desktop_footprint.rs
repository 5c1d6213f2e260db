//! The desktop app's targets, measured on a private Xvfb display with a year of
//! aggregates in the store:
//! 1. tray-only (no window open) with the model loaded and the collector running while
//!    the focus moves between xterms every 15 s and one is retitled every 45 s (a new
//!    title is a model inference): average CPU % and peak RSS of the app's process tree
//!    over `TALLY_BENCH_SECONDS` (default 600). The app runs with `--require-model`, and
//!    the bench fails unless the app says at exit that the model encoded texts;
//! 2. dashboard first paint after "Open dashboard" (a second launch asks the running app
//!    to open it), `TALLY_BENCH_PAINTS` fresh starts (default 5): the app reports the
//!    milliseconds from the request to the first paint with data.
//!
//! `TALLY_BENCH_VARIANT=fast` runs the fast encoder (config `model.variant`).
//!
//! `cargo bench -p tally-desktop --features custom-protocol --bench desktop_footprint`
//! (needs Xvfb, xterm, xdotool, dbus-daemon and the ONNX Runtime library; not run by CI).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{start_xvfb, Group};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// (utime + stime in ticks, RSS in KiB) of `pid` and all its descendants.
fn tree_usage(pid: u32) -> (u64, u64) {
    let mut ticks = 0;
    let mut rss = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
            ticks += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            ticks += fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            rss += status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    (ticks, rss)
}

fn dbus() -> (Group, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("dbus-daemon");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Group(child), line.trim().to_string())
}

struct Env {
    home: PathBuf,
    ort_library: PathBuf,
    display: String,
    bus: String,
}

impl Env {
    fn apply(&self, cmd: &mut Command) {
        let h = &self.home;
        cmd.env("HOME", h)
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("XDG_RUNTIME_DIR", h.join("runtime"))
            .env("TMPDIR", h.join("tmp"))
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("NO_AT_BRIDGE", "1")
            .env("TALLY_KEYRING", "keyutils");
    }
}

/// A year of generated activity ending now, imported through the pipeline, and consent.
fn prepare(data_dir: &Path, config: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let options = tally::app::AppOptions {
            data_dir: Some(data_dir.to_path_buf()),
            config: Some(config.to_path_buf()),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy: None,
        };
        let app = tally::app::App::open(options).await.unwrap();
        let mut shape = tally::synth::shape_for_total(175_000, 9);
        let now = chrono::Utc::now().timestamp();
        shape.end = now - now % 900;
        let mut export = Vec::new();
        tally::synth::write_aw_export(&mut export, shape).unwrap();
        let file = data_dir.parent().unwrap().join("year.json");
        std::fs::write(&file, export).unwrap();
        let report = app.import_file(&file, tally::import::Format::Aw).await.unwrap();
        std::fs::remove_file(&file).unwrap();
        let (lo, hi) = app.store().await.extent().await.unwrap().unwrap();
        println!("store: {} records imported, {:.0} days of aggregates", report.imported, (hi - lo) as f64 / 86_400.0);
        app.agree().await.ok();
        app.stop_collector().await.unwrap();
    });
}

fn launch(env: &Env, data_dir: &Path, config: &Path) -> (Group, mpsc::Receiver<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally-desktop"));
    cmd.args(["--data-dir", data_dir.to_str().unwrap(), "--config", config.to_str().unwrap(), "--require-model"]);
    cmd.arg("--model-dir").arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models"));
    env.apply(&mut cmd);
    // The app's HOME is the bench's own, so name the runtime library found from the real one.
    cmd.env("ORT_DYLIB_PATH", &env.ort_library);
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).process_group(0).spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (Group(child), rx)
}

fn main() {
    let seconds = env_u64("TALLY_BENCH_SECONDS", 600);
    let paints = env_u64("TALLY_BENCH_PAINTS", 5);
    let home = tempfile::tempdir().unwrap();
    for d in ["data", "config", "cache", "runtime", "tmp"] {
        std::fs::create_dir_all(home.path().join(d)).unwrap();
    }
    let data_dir = home.path().join("data").join("tally");
    let config = home.path().join("config").join("config.toml");
    std::fs::create_dir_all(&data_dir).unwrap();
    prepare(&data_dir, &config);
    if let Ok(variant) = std::env::var("TALLY_BENCH_VARIANT") {
        std::fs::write(&config, format!("[model]\nvariant = \"{variant}\"\n")).unwrap();
    }
    let (_x, display) = start_xvfb();
    let (_bus, bus) = dbus();
    let ort_library = tally::analyze::model::find_library(None)
        .expect("the ONNX Runtime library (bash scripts/setup-onnxruntime.sh)");
    let env = Env { home: home.path().to_path_buf(), ort_library, display, bus };

    // 1. Tray-only footprint with the collector and the model.
    let xterms: Vec<Group> = ["Quarterly plan - Writer", "cargo build - Terminal"]
        .iter()
        .map(|title| {
            let mut cmd = Command::new("xterm");
            cmd.args(["-T", title, "-e", "sleep 100000"]);
            env.apply(&mut cmd);
            Group(cmd.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().expect("xterm"))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let (app, lines) = launch(&env, &data_dir, &config);
    let pid = app.0.id();
    std::thread::sleep(Duration::from_secs(5)); // model load and collector start
    let (start_ticks, _) = tree_usage(pid);
    let started = Instant::now();
    let (mut peak_rss, mut samples) = (0u64, Vec::new());
    let mut next_switch = Instant::now();
    let mut next_title = Instant::now() + Duration::from_secs(45);
    let mut which = 0;
    let mut retitled = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        if Instant::now() >= next_title {
            // A document saved under a new name: a title the model has not seen.
            retitled += 1;
            let mut cmd = Command::new("xdotool");
            let name = format!("Quarterly plan v{retitled} - Writer");
            cmd.args(["search", "--name", "Quarterly plan", "set_window", "--name", &name]);
            env.apply(&mut cmd);
            let _ = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
            next_title = Instant::now() + Duration::from_secs(45);
        }
        if Instant::now() >= next_switch {
            let title = ["Quarterly plan", "cargo build"][which % 2];
            let mut cmd = Command::new("xdotool");
            cmd.args(["search", "--name", title, "windowfocus", "--sync"]);
            env.apply(&mut cmd);
            let _ = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
            which += 1;
            next_switch = Instant::now() + Duration::from_secs(15);
        }
        let (_, rss) = tree_usage(pid);
        peak_rss = peak_rss.max(rss);
        samples.push(rss);
        std::thread::sleep(Duration::from_secs(1));
    }
    let (end_ticks, end_rss) = tree_usage(pid);
    let wall = started.elapsed().as_secs_f64();
    let cpu = (end_ticks - start_ticks) as f64 / clock_ticks();
    // SIGTERM quits like the tray's Quit: the app says how many texts the model encoded.
    drop(app);
    let mut said = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => said.push(line),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let engine = said.iter().find_map(|l| l.strip_prefix("tally-desktop: engine: ")).unwrap_or("(not said)");
    let encoded = said
        .iter()
        .find_map(|l| l.strip_prefix("tally-desktop: the local model encoded "))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok());
    println!(
        "tray-only, collector + model, {wall:.0} s: average CPU {:.3} % ({cpu:.2} CPU-s), peak RSS {:.1} MB, RSS at end {:.1} MB (first sample {:.1} MB)",
        100.0 * cpu / wall,
        peak_rss as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        samples.first().copied().unwrap_or(0) as f64 / 1024.0
    );
    println!("  engine: {engine}; texts the model encoded: {encoded:?}; windows retitled: {retitled}");
    match encoded {
        Some(n) if n > 0 => {}
        _ => panic!("the model did not run in the tray phase, so its figures do not count; the app said: {said:?}"),
    }
    drop(xterms);

    // 2. First paint after "Open dashboard" (a second launch), fresh app each time.
    let mut times = Vec::new();
    for _ in 0..paints {
        let (app, lines) = launch(&env, &data_dir, &config);
        std::thread::sleep(Duration::from_secs(4));
        let (_second, _) = launch(&env, &data_dir, &config);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(ms) =
                        line.strip_prefix("tally-desktop: dashboard painted ").and_then(|r| r.split(' ').next())
                    {
                        times.push(ms.parse::<u64>().unwrap());
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(_) => break,
            }
        }
        drop(app);
    }
    times.sort_unstable();
    if times.is_empty() {
        println!("first paint: no report from the app");
    } else {
        println!(
            "dashboard first paint after Open dashboard, a year of aggregates, {} runs: median {} ms, max {} ms",
            times.len(),
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
