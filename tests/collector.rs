//! The live collector end to end: a real X server (`Xvfb`), real `xterm` windows whose
//! titles carry planted PII, `xdotool` moving the focus, and the real `tally collect`
//! process; then the stored aggregates and a planted-PII scan of everything written.
//! Also the employee's controls: consent, pause, exclusions, forget and the pulse.
//! Linux only: the X11 watchers exist only there.
#![cfg(target_os = "linux")]

mod common;
use common::desktop::{signal, Xvfb};
use common::{scan_for_pii, stderr, Sandbox};
use std::process::{Child, Output, Stdio};
use std::time::Duration;
use tally::store::{BucketRow, Store};

const PLANTED: &[&str] = &[
    "Quillonia Vexmartin",
    "quillonia.vexmartin@planted-example.org",
    "planted-example.org",
    "+44 20 7946 0321",
    "Zorbelle Quant",
    "Offer_Letter_Quillonia",
    "Brixwald Savings",
    "qvx-pulse-phrase",
];

/// Title of the terminal window: an e-mail and a name.
const TITLE_A: &str = "ssh quillonia.vexmartin@planted-example.org - Quillonia Vexmartin";
/// Title of the mail window: a name and a phone number.
const TITLE_B: &str = "Re: Offer_Letter_Quillonia - call Zorbelle Quant on +44 20 7946 0321";

fn agree(sandbox: &Sandbox) {
    let out = sandbox.run(&["consent", "--agree"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Starts `tally collect --poll-ms 200` on `x`, with extra global `args`.
fn start_collector(sandbox: &Sandbox, x: &Xvfb, args: &[&str]) -> Child {
    let mut all = vec!["--no-model"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["collect", "--poll-ms", "200"]);
    let child = sandbox
        .command(&all)
        .env("DISPLAY", &x.display)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally collect starts");
    // Startup (open the store, connect to X) before the first poll.
    std::thread::sleep(Duration::from_millis(800));
    child
}

/// SIGTERM, then the collector's output once it flushed and exited.
fn stop_collector(child: Child) -> Output {
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "collect failed: {}", stderr(&out));
    assert!(stderr(&out).contains("collector stopped"), "{}", stderr(&out));
    out
}

fn rows(sandbox: &Sandbox) -> Vec<BucketRow> {
    sandbox.stored_rows()
}

/// Active seconds per (app, category) over all buckets.
fn active_seconds(rows: &[BucketRow]) -> Vec<(String, String, f64)> {
    let mut out: Vec<(String, String, f64)> = Vec::new();
    for row in rows {
        let (app, category) = (row.key.app.to_string(), row.key.category.to_string());
        let seconds = row.totals.active_ms as f64 / 1000.0;
        match out.iter_mut().find(|(a, c, _)| *a == app && *c == category) {
            Some(entry) => entry.2 += seconds,
            None => out.push((app, category, seconds)),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn seconds_of(totals: &[(String, String, f64)], app: &str) -> f64 {
    totals.iter().filter(|(a, _, _)| a == app).map(|(_, _, s)| s).sum()
}

fn assert_no_planted_pii(sandbox: &Sandbox, output: &[u8]) {
    common::assert_no_planted_pii(sandbox.home.path(), output, PLANTED);
}

#[test]
fn collector_records_focused_windows_and_no_planted_title_reaches_disk() {
    let sandbox = Sandbox::new();
    let mut x = Xvfb::start();
    let a = x.open_window("tally_term_a", "XTerm", TITLE_A);
    let b = x.open_window("tally_mail_b", "Thunderbird", TITLE_B);
    agree(&sandbox);
    x.focus(&a);
    let child = start_collector(&sandbox, &x, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    // The mail window has the focus for a measured 3 s, bounded by two switches.
    x.focus(&b);
    std::thread::sleep(Duration::from_secs(3));
    x.focus(&a);
    std::thread::sleep(Duration::from_millis(1500));
    let out = stop_collector(child);

    let rows = rows(&sandbox);
    let totals = active_seconds(&rows);
    let apps: Vec<(&str, &str)> = totals.iter().map(|(a, c, _)| (a.as_str(), c.as_str())).collect();
    assert_eq!(apps, [("terminal", "deep_work"), ("thunderbird", "communication")], "{totals:?}");
    // Within poll precision (200 ms per switch) plus scheduling slack on a busy machine.
    let mail = seconds_of(&totals, "thunderbird");
    assert!((2.4..=3.6).contains(&mail), "mail window active {mail} s, expected ≈ 3 s");
    let term = seconds_of(&totals, "terminal");
    assert!((2.0..=4.5).contains(&term), "terminal active {term} s, expected ≈ 3 s");
    // Three focused stretches, two switches.
    let events: i64 = rows.iter().map(|r| r.totals.events).sum();
    let switches: i64 = rows.iter().map(|r| r.totals.switches).sum();
    assert_eq!((events, switches), (3, 2), "{rows:?}");
    // The redaction counts show the titles were scanned (and their PII found) in memory.
    let redactions: i64 = rows.iter().map(|r| r.totals.redactions.iter().sum::<i64>()).sum();
    assert!(redactions >= 2, "{rows:?}");

    let today = chrono::Utc::now().date_naive().to_string();
    let report = sandbox.export_csv(&today, &today, "day");
    assert!(report.contains(",communication,") && report.contains(",deep_work,"), "{report}");

    let mut output = out.stdout;
    output.extend(out.stderr);
    output.extend(report.as_bytes());
    assert_no_planted_pii(&sandbox, &output);
}

#[test]
fn without_consent_the_collector_refuses_and_stores_nothing() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["--no-model", "collect"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tally consent --agree"), "{}", stderr(&out));
    assert!(rows(&sandbox).is_empty());

    let status = sandbox.run(&["consent"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("not given"));
    agree(&sandbox);
    let out = sandbox.run(&["consent", "--withdraw"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("withdrawn"));
    let out = sandbox.run(&["--no-model", "collect"]);
    assert_eq!(out.status.code(), Some(1), "withdrawn consent refuses again");
}

#[test]
fn withdrawing_consent_stops_a_running_collector() {
    let sandbox = Sandbox::new();
    let mut x = Xvfb::start();
    let a = x.open_window("tally_term_w", "XTerm", TITLE_A);
    x.focus(&a);
    agree(&sandbox);
    let mut child = start_collector(&sandbox, &x, &[]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(sandbox.run(&["consent", "--withdraw"]).status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the collector kept running after consent was withdrawn");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("consent was withdrawn"), "{}", stderr(&out));
    // What was collected before the withdrawal was flushed.
    assert!(seconds_of(&active_seconds(&rows(&sandbox)), "terminal") > 0.5);
}

#[test]
fn a_paused_collector_accrues_nothing_until_resumed_within_a_poll() {
    let sandbox = Sandbox::new();
    let mut x = Xvfb::start();
    let a = x.open_window("tally_term_p", "XTerm", TITLE_A);
    x.focus(&a);
    agree(&sandbox);
    // Paused before the start: the flag persists across runs.
    assert!(sandbox.run(&["pause"]).status.success());
    let child = start_collector(&sandbox, &x, &[]);
    std::thread::sleep(Duration::from_secs(2));
    assert!(sandbox.run(&["resume"]).status.success());
    std::thread::sleep(Duration::from_secs(2));
    assert!(sandbox.run(&["pause"]).status.success());
    std::thread::sleep(Duration::from_secs(2));
    let out = stop_collector(child);
    assert!(stderr(&out).contains("paused now"), "{}", stderr(&out));

    let term = seconds_of(&active_seconds(&rows(&sandbox)), "terminal");
    assert!((1.4..=2.6).contains(&term), "active {term} s; only the 2 s between resume and pause count");
    assert_no_planted_pii(&sandbox, &out.stderr);
}

#[test]
fn excluded_apps_and_private_windows_are_dropped_unseen() {
    let sandbox = Sandbox::new();
    let config = sandbox.home.path().join("config").join("tally");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "[exclude]\napps = [\"Thunderbird\"]\n").unwrap();
    let mut x = Xvfb::start();
    let term = x.open_window("tally_term_e", "XTerm", "build log");
    let mail = x.open_window("tally_mail_e", "Thunderbird", TITLE_B);
    let private = x.open_window(
        "tally_private_e",
        "Firefox",
        "Brixwald Savings - Quillonia Vexmartin — Mozilla Firefox Private Browsing",
    );
    agree(&sandbox);
    x.focus(&term);
    let child = start_collector(&sandbox, &x, &[]);
    std::thread::sleep(Duration::from_secs(1));
    x.focus(&mail);
    std::thread::sleep(Duration::from_secs(2));
    x.focus(&private);
    std::thread::sleep(Duration::from_secs(2));
    x.focus(&term);
    std::thread::sleep(Duration::from_secs(1));
    let out = stop_collector(child);

    let totals = active_seconds(&rows(&sandbox));
    let apps: Vec<&str> = totals.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(apps, ["terminal"], "{totals:?}");
    // Excluded time is nobody's time: the terminal gets only its own ≈ 2 s.
    let seconds = seconds_of(&totals, "terminal");
    assert!(seconds <= 3.2, "terminal active {seconds} s");
    let mut output = out.stdout;
    output.extend(out.stderr);
    assert_no_planted_pii(&sandbox, &output);
}

#[test]
fn a_suspended_collector_does_not_count_the_gap() {
    let sandbox = Sandbox::new();
    let mut x = Xvfb::start();
    let a = x.open_window("tally_term_s", "XTerm", "suspend test");
    x.focus(&a);
    agree(&sandbox);
    let started = std::time::Instant::now();
    let child = start_collector(&sandbox, &x, &[]);
    std::thread::sleep(Duration::from_millis(1200));
    // A real gap: the process is frozen for 4 s (20 polls), as in a suspend.
    signal(&child, libc::SIGSTOP);
    std::thread::sleep(Duration::from_secs(4));
    signal(&child, libc::SIGCONT);
    std::thread::sleep(Duration::from_millis(1500));
    let out = stop_collector(child);
    let wall = started.elapsed().as_secs_f64();

    let rows = rows(&sandbox);
    let active = seconds_of(&active_seconds(&rows), "terminal");
    assert!(active > 1.5, "active {active} s");
    assert!(active <= wall - 4.0 + 0.4, "active {active} s of {wall} s: the 4 s gap was counted");
    // The gap ended the event: the time after it is a new event.
    let events: i64 = rows.iter().map(|r| r.totals.events).sum();
    assert_eq!(events, 2, "{rows:?}");
    assert!(stderr(&out).contains("collector stopped"));
}

#[test]
fn forget_deletes_a_date_range_or_everything_and_leaves_no_trace() {
    let sandbox = Sandbox::new();
    // "zorbelleapp" is an unknown app name, stored as it is: it must vanish from the
    // file once forgotten (VACUUM, WAL truncated), not linger in a free page.
    let lines = [
        r#"{"start": "2026-11-05T09:00:00Z", "duration": 600, "app": "zorbelleapp", "title": "x"}"#,
        r#"{"start": "2026-11-06T09:00:00Z", "duration": 300, "app": "code", "title": "main.rs"}"#,
        r#"{"start": "2026-11-07T09:00:00Z", "duration": 120, "app": "thunderbird", "title": "Inbox"}"#,
    ];
    let file = sandbox.input("days.jsonl", lines.join("\n") + "\n");
    let out = sandbox.run(&["--no-model", "import", "--format", "jsonl", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = sandbox.export_csv("2026-11-05", "2026-11-07", "day");
    assert_eq!(before.lines().count(), 4, "{before}");

    let out = sandbox.run(&["forget", "--from", "2026-11-05", "--to", "2026-11-06", "--tz", "UTC"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 activity rows"), "{:?}", out);
    let after = sandbox.export_csv("2026-11-05", "2026-11-07", "day");
    let rest: Vec<&str> = before.lines().filter(|l| l.starts_with("2026-11-07") || l.starts_with("period")).collect();
    assert_eq!(after.lines().collect::<Vec<_>>(), rest);
    assert!(scan_for_pii(sandbox.home.path(), &["zorbelleapp"]).is_empty(), "a forgotten app name lingers");

    let out = sandbox.run(&["forget", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sandbox.export_csv("2026-11-01", "2026-11-30", "day").lines().count(), 1);
    // The import checkpoint went too: the same file imports afresh.
    let out = sandbox.run(&["--no-model", "import", "--format", "jsonl", file.to_str().unwrap()]);
    assert!(stderr(&out).contains("imported 3 records"), "{}", stderr(&out));

    let out = sandbox.run(&["forget"]);
    assert_eq!(out.status.code(), Some(2), "nothing to forget is a usage error");
}

#[test]
fn a_pulse_check_in_stores_only_its_sentiment() {
    let sandbox = Sandbox::new();
    let text = "qvx-pulse-phrase: the build failed again and Quillonia Vexmartin is blocked";
    let out = sandbox.run(&["--no-model", "pulse", text]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut output = out.stdout.clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("sentiment negative"), "{out:?}");
    // From stdin, with a good mood that overrides the text's neutral tone.
    let out = sandbox.run_with_stdin(&["--no-model", "pulse", "-", "--mood", "5"], b"a normal day, Zorbelle Quant\n");
    assert!(out.status.success(), "{}", stderr(&out));
    output.extend(out.stdout);
    output.extend(out.stderr);
    let out = sandbox.run(&["--no-model", "pulse", "fine", "--mood", "9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("mood must be 1"), "{}", stderr(&out));

    let rows = rows(&sandbox);
    let sentiment = rows.iter().fold([0i64; 3], |mut acc, r| {
        (0..3).for_each(|i| acc[i] += r.totals.sentiment[i]);
        acc
    });
    assert_eq!(sentiment, [1, 0, 1], "{rows:?}");
    assert!(rows.iter().all(|r| r.totals.active_ms == 0 && r.key.app.as_str() == "pulse"), "{rows:?}");
    assert_no_planted_pii(&sandbox, &output);
}

#[test]
fn the_engine_handle_refuses_without_consent_then_pauses_resumes_and_stops() {
    use std::sync::Arc;
    use tally::analyze::exclusions::Exclusions;
    use tally::analyze::Analyzer;
    use tally::collect::{self, CollectError, Collector, CollectorOptions, Session};

    let mut x = Xvfb::start();
    let a = x.open_window("tally_term_h", "XTerm", TITLE_A);
    x.focus(&a);
    let dir = tempfile::tempdir().unwrap();
    let session = Session { display: Some(x.display.clone()), wayland: false };
    let options = CollectorOptions {
        poll: Duration::from_millis(200),
        idle_timeout: Duration::from_secs(180),
        data_dir: dir.path().to_path_buf(),
        team: "local".into(),
        focus: Default::default(),
    };
    let start = |store: Store| {
        let (session, options) = (session.clone(), options.clone());
        async move {
            let watchers = collect::desktop_watchers(&session).unwrap();
            Collector::start_with(
                &store,
                Arc::new(Analyzer::rules_only()),
                Exclusions::default(),
                options,
                session,
                watchers,
            )
            .await
        }
    };
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open(dir.path()).await.unwrap();
        assert!(matches!(start(store.clone()).await, Err(CollectError::NoConsent)));
        store.set_consent(true).await.unwrap();
        let handle = start(store.clone()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let status = handle.status();
        assert!(status.running && !status.paused && status.titles_available, "{status:?}");
        assert_eq!((status.note, status.last_error), (None, None));
        handle.pause().unwrap();
        assert!(handle.status().paused);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        handle.resume().unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let summary = handle.stop().await.unwrap();
        assert_eq!(summary.events, 2, "one piece before the pause, one after: {summary:?}");
        let rows = store.buckets(i64::MIN, i64::MAX).await.unwrap();
        let active = seconds_of(&active_seconds(&rows), "terminal");
        assert!((1.4..=2.6).contains(&active), "active {active} s of ≈ 2 s unpaused");
        store.close().await;
    });
}

#[test]
fn garbage_window_properties_are_read_without_a_panic_or_a_huge_title() {
    use tally::collect::x11::X11WindowWatcher;
    use tally::collect::WindowWatcher;
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, CreateWindowAux, InputFocus, PropMode, WindowClass};
    use x11rb::wrapper::ConnectionExt as _;

    let x = Xvfb::start();
    let (conn, screen) = x11rb::rust_connection::RustConnection::connect(Some(&x.display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let window = conn.generate_id().unwrap();
    conn.create_window(0, window, root, 0, 0, 100, 100, 0, WindowClass::INPUT_OUTPUT, 0, &CreateWindowAux::new())
        .unwrap();
    // WM_CLASS without its terminating NULs, and a 1 MB _NET_WM_NAME of invalid UTF-8
    // with a newline and a planted name in it.
    conn.change_property8(PropMode::REPLACE, window, AtomEnum::WM_CLASS, AtomEnum::STRING, b"garbage\0Garbage")
        .unwrap();
    let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
    let (net_wm_name, utf8) = (atom(b"_NET_WM_NAME"), atom(b"UTF8_STRING"));
    let mut title = b"Quillonia Vexmartin\n\xff\xfe\xc3".to_vec();
    title.resize(1 << 20, 0xc3);
    conn.change_property8(PropMode::REPLACE, window, net_wm_name, utf8, &title).unwrap();
    conn.map_window(window).unwrap();
    conn.sync().unwrap();
    conn.set_input_focus(InputFocus::PARENT, window, x11rb::CURRENT_TIME).unwrap();
    conn.sync().unwrap();

    let mut watcher = X11WindowWatcher::connect(Some(x.display.clone())).unwrap();
    let active = watcher.active_window().unwrap().expect("the focused window is found");
    assert_eq!(active.app, "Garbage");
    assert!(active.title.starts_with("Quillonia Vexmartin \u{fffd}"), "no newline, invalid bytes replaced");
    assert!(active.title.len() <= 3 * 2048, "title capped, got {} bytes", active.title.len());
    // Debug never shows the title.
    assert!(!format!("{active:?}").contains("Quillonia"));
}

#[test]
fn an_ewmh_active_window_wins_over_the_input_focus() {
    use tally::collect::x11::X11WindowWatcher;
    use tally::collect::WindowWatcher;
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, InputFocus, PropMode};
    use x11rb::wrapper::ConnectionExt as _;

    // An EWMH window manager keeps _NET_ACTIVE_WINDOW on the root; this test plays that
    // part, pointing it at the mail window while the input focus stays on the terminal.
    let mut x = Xvfb::start();
    let term = x.open_window("tally_term_n", "XTerm", "build log");
    let mail = x.open_window("tally_mail_n", "Thunderbird", "Inbox");
    x.focus(&term);
    let mut watcher = X11WindowWatcher::connect(Some(x.display.clone())).unwrap();
    assert_eq!(watcher.active_window().unwrap().map(|w| w.app), Some("XTerm".into()));

    let (conn, screen) = x11rb::rust_connection::RustConnection::connect(Some(&x.display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let active = conn.intern_atom(false, b"_NET_ACTIVE_WINDOW").unwrap().reply().unwrap().atom;
    let mail_id: u32 = mail.parse().unwrap();
    conn.change_property32(PropMode::REPLACE, root, active, AtomEnum::WINDOW, &[mail_id]).unwrap();
    conn.sync().unwrap();
    let seen = watcher.active_window().unwrap().unwrap();
    assert_eq!((seen.app.as_str(), seen.title.as_str()), ("Thunderbird", "Inbox"));

    // A manager that clears it (0: no active window) falls back to the input focus.
    conn.change_property32(PropMode::REPLACE, root, active, AtomEnum::WINDOW, &[0]).unwrap();
    conn.set_input_focus(InputFocus::PARENT, term.parse::<u32>().unwrap(), x11rb::CURRENT_TIME).unwrap();
    conn.sync().unwrap();
    assert_eq!(watcher.active_window().unwrap().map(|w| w.app), Some("XTerm".into()));
}
