//! What Tally leaves on the device, through the real binary: the directories it creates
//! are its user's alone (0700) and so is every file it writes (0600), whatever the
//! umask, including the files of an install made before modes were set; and nothing,
//! the model's runtime included, writes outside Tally's own directories.
#![cfg(unix)]

mod common;

use common::{aw_event, aw_export, stderr, Sandbox};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// The umask of most desktop sessions: without modes of its own, a file is world-readable.
const OPEN_UMASK: libc::mode_t = 0o022;

fn with_umask(mut cmd: Command, umask: libc::mode_t) -> Command {
    // SAFETY: umask is async-signal-safe and touches only the child's own state.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(umask);
            Ok(())
        });
    }
    cmd
}

fn run(sandbox: &Sandbox, args: &[&str]) -> Output {
    let out = sandbox.run_command(with_umask(sandbox.command(args), OPEN_UMASK));
    assert!(out.status.success(), "tally {args:?} failed: {}", stderr(&out));
    out
}

/// The permission bits of `path` in octal, as `ls -l` users read them ("600").
fn mode(path: &Path) -> String {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:o}", meta.permissions().mode() & 0o777)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn one_morning() -> String {
    let window = vec![
        aw_event("2026-11-02T09:30:00Z", 600.0, json!({"app": "code", "title": "lib.rs - tally - Visual Studio Code"})),
        aw_event(
            "2026-11-02T09:00:00Z",
            1800.0,
            json!({"app": "code", "title": "main.rs - tally - Visual Studio Code"}),
        ),
    ];
    aw_export(vec![("aw-watcher-window_planted-host-qx7", "currentwindow", window)])
}

/// `tally serve` holds the store open, so its WAL and shared-memory files exist while it
/// runs; returned once it says it is serving, which it does after opening the store.
fn serve(sandbox: &Sandbox) -> Child {
    use std::io::BufRead;
    let port = common::free_port().to_string();
    let mut cmd = with_umask(sandbox.command(&["--no-model", "serve", "--port", &port]), OPEN_UMASK);
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut said = String::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("serving the ActivityWatch API") {
            return child;
        }
        said.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("tally serve stopped before serving: {said}");
}

fn stop(mut child: Child, signal: libc::c_int) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    child.wait().unwrap();
}

/// The data dir, the database and its WAL and shared-memory files, as `(path, mode)`.
fn store_modes(sandbox: &Sandbox) -> Vec<(String, String)> {
    let data = sandbox.data_dir();
    let mut modes = vec![("data dir".to_string(), mode(&data))];
    for name in ["tally.db", "tally.db-wal", "tally.db-shm"] {
        modes.push((name.to_string(), mode(&data.join(name))));
    }
    modes
}

fn private_store() -> Vec<(String, String)> {
    [("data dir", "700"), ("tally.db", "600"), ("tally.db-wal", "600"), ("tally.db-shm", "600")]
        .map(|(what, mode)| (what.to_string(), mode.to_string()))
        .to_vec()
}

#[test]
fn under_umask_022_what_tally_creates_is_owner_only() {
    let sandbox = Sandbox::new();
    let file = sandbox.input("aw.json", one_morning());
    run(&sandbox, &["--no-model", "import", "--format", "aw", file.to_str().unwrap()]);
    // An export lands wherever its owner asks; the folder is theirs, the file is Tally's.
    let reports = sandbox.home.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    chmod(&reports, 0o755);
    let report = reports.join("day.csv");
    let args = ["export", "csv", "--from", "2026-11-02", "--to", "2026-11-02", "--out", report.to_str().unwrap()];
    run(&sandbox, &args);
    run(&sandbox, &["pause"]);

    let written = |what: &str, path: &Path| (what.to_string(), mode(path));
    let seen = vec![
        written("data dir", &sandbox.data_dir()),
        written("tally.db", &sandbox.data_dir().join("tally.db")),
        written("pause flag", &sandbox.data_dir().join("paused")),
        written("report", &report),
        written("reports folder", &reports),
    ];
    let expected = [("data dir", "700"), ("tally.db", "600"), ("pause flag", "600"), ("report", "600")]
        .into_iter()
        // A folder Tally did not create keeps its owner's mode.
        .chain([("reports folder", "755")])
        .map(|(what, mode)| (what.to_string(), mode.to_string()))
        .collect::<Vec<_>>();
    assert_eq!(seen, expected);

    let server = serve(&sandbox);
    let modes = store_modes(&sandbox);
    stop(server, libc::SIGTERM);
    assert_eq!(modes, private_store());
}

#[test]
fn an_install_with_open_modes_is_tightened_when_the_store_opens() {
    let sandbox = Sandbox::new();
    let file = sandbox.input("aw.json", one_morning());
    run(&sandbox, &["--no-model", "import", "--format", "aw", file.to_str().unwrap()]);
    run(&sandbox, &["pause"]);
    // Killed with the store open: the WAL and shared-memory files stay behind.
    stop(serve(&sandbox), libc::SIGKILL);
    let data = sandbox.data_dir();
    chmod(&data, 0o755);
    for name in ["tally.db", "tally.db-wal", "tally.db-shm", "paused"] {
        chmod(&data.join(name), 0o644);
    }

    let server = serve(&sandbox);
    let modes = store_modes(&sandbox);
    stop(server, libc::SIGTERM);
    assert_eq!(modes, private_store());
    run(&sandbox, &["pause"]);
    assert_eq!(mode(&data.join("paused")), "600", "setting the pause flag again tightens it");
}

/// Every file and directory under `root`, relative to it, except the directories the
/// sandbox made itself.
fn entries_under(root: &Path) -> Vec<String> {
    let made = ["data", "config", "cache", "state", "runtime", "tmp"];
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path.clone());
            }
            if !made.contains(&relative.as_str()) {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

/// ONNX Runtime keeps telemetry unless told not to: a device id and an event queue
/// under ~/.cache/Microsoft and a session file in TMPDIR. With the model loaded for
/// redact, import and export, HOME (and TMPDIR inside it) holds Tally's directories only.
#[test]
fn with_the_model_nothing_is_written_outside_tallys_directories() {
    let sandbox = Sandbox::with_model();
    let out = sandbox.run_with_stdin(&["--require-model", "redact"], b"{\"text\":\"Call Jane Roe on Monday\"}\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let file = sandbox.input("aw.json", one_morning());
    run(&sandbox, &["--require-model", "import", "--format", "aw", file.to_str().unwrap()]);
    run(&sandbox, &["export", "csv", "--from", "2026-11-02", "--to", "2026-11-02"]);

    let outside: Vec<String> = entries_under(sandbox.home.path())
        .into_iter()
        .filter(|p| !["data/tally", "config/tally", "cache/tally"].iter().any(|own| Path::new(p).starts_with(own)))
        .collect();
    assert_eq!(outside, Vec::<String>::new(), "written outside Tally's data, config and cache dirs");
}
