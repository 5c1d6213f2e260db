//! Shared helpers for the integration tests: a sandbox whose HOME, XDG_* and TMPDIR
//! point into a temp dir, a runner for the real `tally` binary, and the planted-PII scan.
//!
//! Every scenario that uses a [`Sandbox`] is scanned when the sandbox goes out of scope:
//! every file under its HOME and everything its `run*` calls printed must hold none of
//! the strings the test planted ([`Sandbox::watch`]) nor the PII the synthetic exports
//! of `tally::synth` carry. So the at-rest check is one helper, applied everywhere.
#![allow(dead_code)]

pub mod desktop;
pub mod postgres;
pub mod rollup;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Sandbox {
    /// Everything Tally may write to: HOME, XDG dirs, TMPDIR. Scanned for PII.
    pub home: tempfile::TempDir,
    /// Input files (they hold planted PII by design), kept outside `home`.
    pub inputs: tempfile::TempDir,
    /// The ONNX Runtime library handed to the binary; without it the sandboxed binary
    /// cannot find one (its cache dir is empty) and runs recognizers and rules only.
    pub model_library: Option<PathBuf>,
    /// Strings planted in this scenario's inputs; none may reach HOME or the output.
    watched: std::cell::RefCell<Vec<String>>,
    /// Everything the `run*` calls printed.
    printed: std::cell::RefCell<Vec<u8>>,
}

/// The PII `tally::synth` plants in its titles (e-mails, logins, an IP, a phone number).
const SYNTH_PII: &str =
    r"(?i)person\d+@example\.org|user\d+@example\.com|dev\d+@buildbox|ops@10\.0\.\d+\.12|\+1 415 555 0\d+";

impl Drop for Sandbox {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let watched = self.watched.borrow().clone();
        let needles: Vec<&str> = watched.iter().map(String::as_str).collect();
        assert_no_planted_pii(self.home.path(), &self.printed.borrow(), &needles);
        let synth = regex::bytes::Regex::new(SYNTH_PII).unwrap();
        let printed = self.printed.borrow();
        if let Some(m) = synth.find(&printed) {
            panic!("synthetic PII `{}` in tally's output", String::from_utf8_lossy(m.as_bytes()));
        }
        for file in files_under(self.home.path()) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            if let Some(m) = synth.find(&bytes) {
                panic!("synthetic PII `{}` on disk in {}", String::from_utf8_lossy(m.as_bytes()), file.display());
            }
        }
    }
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(_) => files.push(entry.path()),
                Err(_) => {}
            }
        }
    }
    files
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let sandbox = Sandbox {
            home: tempfile::tempdir().unwrap(),
            inputs: tempfile::tempdir().unwrap(),
            model_library: None,
            watched: Default::default(),
            printed: Default::default(),
        };
        for dir in ["data", "config", "cache", "state", "runtime", "tmp"] {
            std::fs::create_dir_all(sandbox.home.path().join(dir)).unwrap();
        }
        sandbox
    }

    /// A sandbox whose commands run with the local model.
    pub fn with_model() -> Sandbox {
        let library = tally::analyze::model::find_library(None)
            .unwrap_or_else(|e| panic!("{e} (run the tests through scripts/test.sh, which sets the runtime up)"));
        let mut sandbox = Sandbox::new();
        sandbox.model_library = Some(library);
        sandbox
    }

    /// Registers strings this scenario planted in its inputs: when the sandbox is
    /// dropped, none may be in a file under HOME or in anything `run*` printed.
    pub fn watch(&self, planted: &[&str]) {
        self.watched.borrow_mut().extend(planted.iter().map(|p| p.to_string()));
    }

    fn record(&self, out: &Output) {
        let mut printed = self.printed.borrow_mut();
        printed.extend_from_slice(&out.stdout);
        printed.extend_from_slice(&out.stderr);
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data").join("tally")
    }

    /// Every bucket row in the sandbox's store.
    #[allow(dead_code)] // not every test binary reads the store
    pub fn stored_rows(&self) -> Vec<tally::store::BucketRow> {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = tally::store::Store::open(&self.data_dir()).await.unwrap();
            let rows = store.buckets(i64::MIN, i64::MAX).await.unwrap();
            store.close().await;
            rows
        })
    }

    pub fn input(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.inputs.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let home = self.home.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_RUNTIME_DIR", home.join("runtime"))
            .env("TMPDIR", home.join("tmp"))
            .env("TZ", "UTC")
            .stdin(Stdio::null());
        if let Some(library) = &self.model_library {
            cmd.env("ORT_DYLIB_PATH", library);
        }
        cmd
    }

    /// Runs `tally ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("tally runs");
        self.record(&out);
        out
    }

    /// Runs a command made by [`Sandbox::command`] (and adjusted by the caller) to
    /// completion; its output joins the scan like that of `run`.
    pub fn run_command(&self, mut cmd: Command) -> Output {
        let out = cmd.output().expect("tally runs");
        self.record(&out);
        out
    }

    /// Runs `tally ARGS` with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let out = output_with_stdin(self.command(args), stdin);
        self.record(&out);
        out
    }

    pub fn export_csv(&self, from: &str, to: &str, by: &str) -> String {
        let out = self.run(&["export", "csv", "--from", from, "--to", to, "--by", by, "--tz", "UTC"]);
        assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Runs a prepared command with `stdin` as standard input.
pub fn output_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `root` that contains any of `needles` (case-insensitively, as raw
/// bytes), with the needle found.
pub fn scan_for_pii(root: &Path, needles: &[&str]) -> Vec<(PathBuf, String)> {
    let mut hits = Vec::new();
    let lowered: Vec<Vec<u8>> = needles.iter().map(|n| n.to_lowercase().into_bytes()).collect();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default().to_ascii_lowercase();
            for (needle, lower) in needles.iter().zip(&lowered) {
                if contains(&bytes, lower) {
                    hits.push((path.clone(), needle.to_string()));
                }
            }
        }
    }
    hits
}

/// Asserts that no needle is in any file under `root` nor in `output` (captured
/// stdout/stderr), case-insensitively.
pub fn assert_no_planted_pii(root: &Path, output: &[u8], needles: &[&str]) {
    let hits = scan_for_pii(root, needles);
    assert!(hits.is_empty(), "planted PII found on disk: {hits:?}");
    let lowered = output.to_ascii_lowercase();
    for needle in needles {
        assert!(!contains(&lowered, needle.to_lowercase().as_bytes()), "planted PII `{needle}` in output");
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Counts the files under `root`.
pub fn file_count(root: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

/// One ActivityWatch event.
pub fn aw_event(timestamp: &str, duration: f64, data: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"id": null, "timestamp": timestamp, "duration": duration, "data": data})
}

/// An ActivityWatch export with the given buckets: (id, type, events).
pub fn aw_export(buckets: Vec<(&str, &str, Vec<serde_json::Value>)>) -> String {
    let mut map = serde_json::Map::new();
    for (id, kind, events) in buckets {
        map.insert(
            id.to_string(),
            serde_json::json!({"id": id, "created": "2026-11-01T00:00:00Z", "name": null, "type": kind,
                "client": "aw-watcher", "hostname": "planted-host-qx7", "events": events}),
        );
    }
    serde_json::to_string_pretty(&serde_json::json!({"buckets": map})).unwrap()
}

/// Puts the calling thread in a new, empty session keyring, so the `tally` processes it
/// starts share one real keyutils keyring that no other test sees.
pub fn join_fresh_session_keyring() {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers besides the null name.
    let serial =
        unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<libc::c_char>()) };
    assert!(serial >= 0, "cannot join a session keyring: {}", std::io::Error::last_os_error());
}

/// (records_done, complete) of the file's checkpoint, read without writing anything.
pub async fn read_checkpoint(data_dir: &std::path::Path, sha: &str) -> Option<(i64, bool)> {
    use sqlx::ConnectOptions;
    let db = data_dir.join(tally::store::DATABASE_FILE);
    if !db.exists() {
        return None;
    }
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true).connect().await.ok()?;
    sqlx::query_as::<_, (i64, bool)>("SELECT records_done, complete FROM import_checkpoints WHERE file_sha256 = ?")
        .bind(sha)
        .fetch_optional(&mut conn)
        .await
        .ok()
        .flatten()
}

/// A loopback port nothing listens on now, for a `tally serve` under test.
#[allow(dead_code)] // not every test binary starts a server
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
