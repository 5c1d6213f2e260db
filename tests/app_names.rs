//! App names that carry personal data (a person's name, an e-mail address, a path) reach
//! the database from no source: CSV, JSON Lines and ActivityWatch imports, the
//! ActivityWatch API (`tally serve` over HTTP) and the live collector (`WM_CLASS` under
//! Xvfb). Catalogue names and program identifiers are stored as given; every other name
//! becomes a keyed app id (`app:` and 12 hex digits) from a key in a real keyutils
//! keyring. The sandbox's drop scan checks HOME for every planted string.

mod common;
use common::{aw_event, aw_export, stderr, Sandbox};
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// App names a source may carry that must never be stored.
const PLANTED_APPS: &[&str] =
    &["Maria Garcia", "Dr Yusuf Okonkwo-Bello", "maria.garcia@planted-mail.org", "/home/mgarcia/bin/ledger-tool"];

/// What the at-rest scan looks for (case-insensitive): every planted name's distinctive parts.
const WATCHED: &[&str] = &["Maria Garcia", "Okonkwo", "Yusuf", "planted-mail.org", "mgarcia", "ledger-tool"];

/// App names stored as given (a program id) or as their catalogue name.
const KEPT: &[(&str, &str)] = &[("obscure-tool", "obscure-tool"), ("firefox-esr", "firefox")];

fn sandbox() -> Sandbox {
    common::join_fresh_session_keyring();
    let sandbox = Sandbox::new();
    sandbox.watch(WATCHED);
    sandbox
}

fn stored_apps(sandbox: &Sandbox) -> BTreeSet<String> {
    sandbox.stored_rows().iter().map(|r| r.key.app.to_string()).collect()
}

fn is_app_id(app: &str) -> bool {
    app.strip_prefix("app:")
        .is_some_and(|hex| hex.len() == 12 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// The kept names are stored as expected, and each planted name as its own app id.
fn assert_apps(apps: &BTreeSet<String>, planted: usize, source: &str) {
    let ids: Vec<&String> = apps.iter().filter(|a| is_app_id(a)).collect();
    let named: BTreeSet<&str> = apps.iter().filter(|a| !is_app_id(a)).map(String::as_str).collect();
    let want: BTreeSet<&str> = KEPT.iter().map(|(_, stored)| *stored).collect();
    assert_eq!(named, want, "{source}: {apps:?}");
    assert_eq!(ids.len(), planted, "{source}: one app id per planted name: {apps:?}");
}

/// (start, app) of one event per app, a minute apart from `hour` on.
fn events(day: &str) -> Vec<(String, &'static str)> {
    PLANTED_APPS
        .iter()
        .chain(KEPT.iter().map(|(raw, _)| raw))
        .enumerate()
        .map(|(i, app)| (format!("{day}T09:{:02}:00Z", i * 2), *app))
        .collect()
}

#[test]
fn imported_app_names_are_kept_only_as_program_ids_else_stored_as_keyed_ids() {
    let sandbox = sandbox();
    let csv: String = std::iter::once("start,duration,app,title,url\n".to_string())
        .chain(events("2026-11-02").iter().map(|(s, a)| format!("{s},60,\"{a}\",notes,\n")))
        .collect();
    let jsonl: String = events("2026-11-03")
        .iter()
        .map(|(s, a)| format!("{}\n", json!({"start": s, "duration": 60.0, "app": a, "title": "notes"})))
        .collect();
    let window =
        events("2026-11-04").iter().map(|(s, a)| aw_event(s, 60.0, json!({"app": a, "title": "notes"}))).collect();
    let aw = aw_export(vec![("aw-watcher-window_host", "currentwindow", window)]);
    for (format, content) in [("csv", csv), ("jsonl", jsonl), ("aw", aw)] {
        let file = sandbox.input(&format!("apps.{format}"), content);
        let out = sandbox.run(&["--no-model", "import", "--format", format, file.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        // The same name gets the same id from every source: still one id per planted name.
        assert_apps(&stored_apps(&sandbox), PLANTED_APPS.len(), format);
    }
}

#[test]
fn app_names_from_the_activitywatch_api_are_kept_only_as_program_ids() {
    let sandbox = sandbox();
    tokio::runtime::Runtime::new().unwrap().block_on(heartbeats(&sandbox));
    assert_apps(&stored_apps(&sandbox), PLANTED_APPS.len(), "aw api");
}

/// Runs `tally serve` and sends it one watcher's heartbeats, one app after the other.
async fn heartbeats(sandbox: &Sandbox) {
    let port = common::free_port();
    let server = sandbox
        .command(&["--no-model", "serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/0");
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.get(format!("{base}/info")).send().await.is_err() {
        assert!(Instant::now() < deadline, "tally serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bucket = format!("{base}/buckets/aw-watcher-window_host");
    let created = c.post(&bucket).json(&json!({"client": "w", "hostname": "host", "type": "currentwindow"})).send();
    assert_eq!(created.await.unwrap().status(), 200);
    let now = chrono::Utc::now() - chrono::TimeDelta::minutes(30);
    for (i, (_, app)) in events("unused").iter().enumerate() {
        // Two beats per app, 30 s apart, merged into one 30 s event.
        for s in [0, 30] {
            let at = now + chrono::TimeDelta::seconds(i as i64 * 60 + s);
            let event = json!({"timestamp": at.to_rfc3339(), "duration": 0, "data": {"app": app, "title": "notes"}});
            let r = c.post(format!("{bucket}/heartbeat?pulsetime=45")).json(&event).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let out = server.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(target_os = "linux")]
#[test]
fn window_classes_from_the_collector_are_kept_only_as_program_ids() {
    use common::desktop::{signal, Xvfb};
    let sandbox = sandbox();
    let mut x = Xvfb::start();
    // A path cannot be a WM_CLASS xterm sets cleanly; the names, the e-mail and the kept ones can.
    let classes: Vec<&str> = PLANTED_APPS[..3].iter().chain(KEPT.iter().map(|(raw, _)| raw)).copied().collect();
    let windows: Vec<String> =
        classes.iter().enumerate().map(|(i, class)| x.open_window(&format!("tally_w{i}"), class, "notes")).collect();
    let agreed = sandbox.run(&["consent", "--agree"]);
    assert!(agreed.status.success(), "{}", stderr(&agreed));
    x.focus(&windows[0]);
    let child = sandbox
        .command(&["--no-model", "collect", "--poll-ms", "200"])
        .env("DISPLAY", &x.display)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally collect starts");
    std::thread::sleep(Duration::from_millis(800));
    for window in windows.iter().chain(std::iter::once(&windows[0])) {
        x.focus(window);
        std::thread::sleep(Duration::from_millis(700));
    }
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "collect failed: {}", stderr(&out));
    assert_apps(&stored_apps(&sandbox), 3, "collector");
}

/// Without a keyring there is no key to make an app id with: unrecognised names are
/// stored as `other`, never as given, and stderr says so without naming one.
#[test]
fn without_a_keyring_unrecognised_app_names_are_stored_as_other() {
    let sandbox = Sandbox::new();
    sandbox.watch(WATCHED);
    let csv: String = std::iter::once("start,duration,app,title,url\n".to_string())
        .chain(events("2026-11-02").iter().map(|(s, a)| format!("{s},60,\"{a}\",notes,\n")))
        .collect();
    let file = sandbox.input("apps.csv", csv);
    // No session bus in the sandbox: the Secret Service cannot be reached.
    let mut cmd = sandbox.command(&["--no-model", "import", "--format", "csv", file.to_str().unwrap()]);
    cmd.env("TALLY_KEYRING", "secret-service");
    let out = sandbox.run_command(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("stored as `other`"), "{}", stderr(&out));
    let apps = stored_apps(&sandbox);
    let want: BTreeSet<String> = ["firefox", "obscure-tool", "other"].map(String::from).into();
    assert_eq!(apps, want);
}

/// With the model loaded, names that have a program id's shape but are a person's name
/// or login (`maria-garcia`, `yusuf`) are not kept either: the recognizers alone would
/// pass them, the model finds them.
#[test]
fn with_the_model_name_shaped_program_ids_are_not_kept() {
    common::join_fresh_session_keyring();
    let sandbox = Sandbox::with_model();
    let name_shaped = ["maria-garcia", "maria.garcia", "yusuf"];
    sandbox.watch(WATCHED);
    sandbox.watch(&name_shaped);
    let apps: Vec<&str> =
        PLANTED_APPS.iter().chain(&name_shaped).chain(KEPT.iter().map(|(raw, _)| raw)).copied().collect();
    let csv: String = std::iter::once("start,duration,app,title,url\n".to_string())
        .chain(apps.iter().enumerate().map(|(i, a)| format!("2026-11-02T09:{:02}:00Z,60,\"{a}\",notes,\n", i * 2)))
        .collect();
    let file = sandbox.input("apps.csv", csv);
    let out = sandbox.run(&["--require-model", "import", "--format", "csv", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_apps(&stored_apps(&sandbox), PLANTED_APPS.len() + name_shaped.len(), "csv with the model");
}
