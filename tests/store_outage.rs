//! The store refusing writes while data keeps coming: SQLite's write lock held past the
//! busy timeout by another connection (as `tally forget` holds it while it vacuums), and
//! a full disk (a small tmpfs as the data dir). Under `tally serve` heartbeats then get
//! 503 with a Retry-After, `/api/0/info` says why, memory stays within its limit, and
//! once the store takes writes again every minute the server accepted is stored exactly
//! once. An import locked out the same way completes with the totals of a clean run.

mod common;
use common::{scan_for_pii, stderr, Sandbox};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally::aggregate::FocusConfig;
use tally::analyze::Analyzer;
use tally::event::Category;
use tally::pipeline::{RunOptions, RunSummary};
use tally::serve::{self, ServeError};
use tally::store::Store;

const T0: i64 = 1_793_955_600; // 2026-11-05T09:00:00Z
/// SQLite's busy timeout in `Store::open`; a lock held longer makes a write fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// In every title the watcher sends; it must never reach the data dir.
const PLANTED: &str = "Quillonia-outage";
const WINDOW: &str = "aw-watcher-window_h";

/// A server running in this process on a free port, flushing every second.
struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<RunSummary, ServeError>>,
    store: Store,
}

async fn start(dir: &Path, memory_limit: Option<usize>) -> Running {
    let store = Store::open(dir).await.unwrap();
    let listener = serve::bind(0).await.unwrap();
    let base = format!("http://127.0.0.1:{}/api/0", listener.local_addr().unwrap().port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut api = serve::Api::new(store.clone(), None).await.unwrap();
    if let Some(bytes) = memory_limit {
        api = api.with_memory_limit(bytes);
    }
    let server_store = store.clone();
    let task = tokio::spawn(async move {
        let options = RunOptions {
            flush_every: Duration::from_secs(1),
            ..RunOptions::new("local", FocusConfig::default(), u64::MAX)
        };
        let analyzer = Arc::new(Analyzer::rules_only());
        let shutdown = async move {
            let _ = stopped.await;
        };
        serve::serve_api(listener, Arc::new(api), &server_store, analyzer, options, shutdown).await
    });
    Running { base, stop, task, store }
}

type Totals = Vec<(Category, String, i64, i64)>;

impl Running {
    /// Stops the server (held events are emitted and flushed); returns how the run ended
    /// and, per (category, app), the active ms and event count stored.
    async fn finish(self) -> (Result<RunSummary, String>, Totals) {
        self.stop.send(()).unwrap();
        let ended = self.task.await.unwrap().map_err(|e| e.to_string());
        let mut totals: std::collections::BTreeMap<(Category, String), (i64, i64)> = Default::default();
        for row in self.store.buckets(0, i64::MAX).await.unwrap() {
            let t = totals.entry((row.key.category, row.key.app.as_str().to_string())).or_default();
            t.0 += row.totals.active_ms;
            t.1 += row.totals.events;
        }
        self.store.close().await;
        (ended, totals.into_iter().map(|((c, a), (ms, n))| (c, a, ms, n)).collect())
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().unwrap()
}

async fn create_bucket(c: &reqwest::Client, base: &str, id: &str, kind: &str) {
    let body = serde_json::json!({"client": "test-watcher", "hostname": "h", "type": kind});
    let r = c.post(format!("{base}/buckets/{id}")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200, "creating {id}");
}

async fn info(c: &reqwest::Client, base: &str) -> serde_json::Value {
    let r = c.get(format!("{base}/info")).send().await.unwrap();
    assert_eq!(r.status(), 200, "/info answers while degraded too");
    r.json().await.unwrap()
}

/// What the server said to one heartbeat.
#[derive(Debug)]
enum Answer {
    Accepted,
    Refused { retry_after: Option<u64>, message: String },
}

/// A window watcher that reports one finished minute per heartbeat (code and slack in
/// turn) and resends a refused minute until it is accepted, as a client that honours 503
/// does (aw-client 0.5.15's queue does not: it drops a heartbeat answered 503), so the
/// accepted minutes are always 0..accepted.
struct Watcher {
    c: reqwest::Client,
    base: String,
    accepted: usize,
    /// Extra bytes in each title from now on (memory-limit scenario).
    padding: usize,
}

impl Watcher {
    fn new(base: &str) -> Watcher {
        Watcher { c: http(), base: base.to_string(), accepted: 0, padding: 0 }
    }

    async fn offer(&mut self) -> Answer {
        let i = self.accepted;
        let app = if i % 2 == 0 { "code" } else { "slack" };
        let title = format!("{PLANTED} minute {i} {}", "x".repeat(self.padding));
        let timestamp = chrono::DateTime::from_timestamp(T0 + 60 * i as i64, 0).unwrap().to_rfc3339();
        let event = serde_json::json!({"timestamp": timestamp, "duration": 60.0, "data": {"app": app, "title": title}});
        let url = format!("{}/buckets/{WINDOW}/heartbeat?pulsetime=0", self.base);
        let r = self.c.post(url).json(&event).send().await.unwrap();
        match r.status().as_u16() {
            200 => {
                self.accepted += 1;
                Answer::Accepted
            }
            503 => {
                let retry_after =
                    r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
                let body: serde_json::Value = r.json().await.unwrap();
                Answer::Refused { retry_after, message: body["message"].as_str().unwrap_or_default().to_string() }
            }
            status => panic!("minute {i}: unexpected status {status}: {}", r.text().await.unwrap_or_default()),
        }
    }

    /// What should be stored: 60 s and one event per accepted minute.
    fn expected(&self) -> Totals {
        let code = self.accepted.div_ceil(2) as i64;
        let slack = (self.accepted / 2) as i64;
        let mut want = vec![
            (Category::Communication, "slack".to_string(), 60_000 * slack, slack),
            (Category::DeepWork, "vscode".to_string(), 60_000 * code, code),
        ];
        want.retain(|row| row.3 > 0);
        want.sort();
        want
    }
}

/// What a scenario saw while the store was down.
#[derive(Default)]
struct Seen {
    refusals: usize,
    retry_after: Vec<Option<u64>>,
    messages: Vec<String>,
    degraded_info: Vec<serde_json::Value>,
}

impl Seen {
    fn note(&mut self, answer: Answer) {
        if let Answer::Refused { retry_after, message } = answer {
            self.refusals += 1;
            self.retry_after.push(retry_after);
            self.messages.push(message);
        }
    }

    /// Every refusal carried a Retry-After of 1 to 60 s and a message with `says` and no event content.
    fn assert_refusals(&self, says: &str) {
        assert!(self.refusals > 0, "no heartbeat was refused while the store was down");
        for (after, message) in self.retry_after.iter().zip(&self.messages) {
            assert!(after.is_some_and(|s| (1..=60).contains(&s)), "Retry-After {after:?} on `{message}`");
            assert!(message.contains(says), "the 503 says `{message}`, expected it to mention `{says}`");
            assert!(!message.contains(PLANTED), "the 503 echoes event content: {message}");
        }
    }

    /// `/api/0/info` said degraded, with a problem that mentions `says` and no event content.
    fn assert_degraded_info(&self, says: &str) {
        let info = self.degraded_info.first().expect("/api/0/info never said the server was degraded");
        let problem = info["problem"].as_str().unwrap_or_default();
        assert!(problem.contains(says), "/info problem `{problem}` should mention `{says}`");
        assert!(!info.to_string().contains(PLANTED), "/info echoes event content: {info}");
        assert!(info["degraded_since"].is_string(), "{info}");
    }
}

/// Offers minutes every 100 ms for `time`, noting refusals and degraded `/info` answers.
async fn keep_sending(watcher: &mut Watcher, seen: &mut Seen, time: Duration) {
    let until = Instant::now() + time;
    while Instant::now() < until {
        let answer = watcher.offer().await;
        seen.note(answer);
        let now = info(&watcher.c, &watcher.base).await;
        if now["status"] == "degraded" {
            seen.degraded_info.push(now);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// After the store takes writes again: offers minutes until `more` more were accepted
/// (within a minute), then returns `/info` once it says ok (or after 30 s, as it is).
async fn recover(watcher: &mut Watcher, seen: &mut Seen, more: usize) -> serde_json::Value {
    let until = Instant::now() + Duration::from_secs(60);
    let target = watcher.accepted + more;
    while watcher.accepted < target {
        assert!(Instant::now() < until, "the server did not recover: {}", info(&watcher.c, &watcher.base).await);
        let answer = watcher.offer().await;
        seen.note(answer);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let now = info(&watcher.c, &watcher.base).await;
        if now["status"] == "ok" || Instant::now() > until {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// SQLite's write lock on `<dir>/tally.db`, held by a connection of its own until released.
struct WriteLock(sqlx::SqliteConnection);

impl WriteLock {
    async fn take(dir: &Path) -> WriteLock {
        let mut conn =
            sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("tally.db")).connect().await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await.unwrap();
        WriteLock(conn)
    }

    async fn release(mut self) {
        sqlx::query("COMMIT").execute(&mut self.0).await.unwrap();
        self.0.close().await.unwrap();
    }
}

fn assert_no_content_in(dir: &Path) {
    let hits = scan_for_pii(dir, &[PLANTED]);
    assert!(hits.is_empty(), "event content on disk: {hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_gets_503s_and_every_accepted_minute_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), None).await;
    let mut watcher = Watcher::new(&server.base);
    create_bucket(&watcher.c, &server.base, WINDOW, "currentwindow").await;
    let mut seen = Seen::default();
    keep_sending(&mut watcher, &mut seen, Duration::from_secs(2)).await;
    assert_eq!(seen.refusals, 0, "refused before the lock: {:?}", seen.messages);

    // A lock held well past the busy timeout: the first flush fails after it, and the
    // server stays degraded until the lock is gone.
    let lock = WriteLock::take(dir.path()).await;
    keep_sending(&mut watcher, &mut seen, BUSY_TIMEOUT + Duration::from_secs(5)).await;
    lock.release().await;
    let after = recover(&mut watcher, &mut seen, 10).await;

    let want = watcher.expected();
    let (ended, stored) = server.finish().await;
    assert_eq!(stored, want, "stored totals against the {} accepted minutes ({ended:?})", watcher.accepted);
    assert!(ended.is_ok(), "the server's pipeline ended with: {ended:?}");
    seen.assert_refusals("locked");
    seen.assert_degraded_info("locked");
    assert_eq!(after["status"], "ok", "after the lock: {after}");
    assert_no_content_in(dir.path());
}

/// A tmpfs of `size` mounted on a temp dir, unmounted when dropped. `None`, after a loud
/// message, where mounting is impossible outside CI; with `CI` set that is a failure.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={size},mode=0700");
        let out =
            std::process::Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir.path()).output();
        match out {
            Ok(out) if out.status.success() => Some(Tmpfs(dir)),
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    Err(e) => e.to_string(),
                };
                if std::env::var_os("CI").is_some() {
                    panic!("cannot mount a tmpfs for the full-disk test ({why}); CI runs the tests as root");
                }
                eprintln!(
                    "\n\n!!!!! SKIPPED the full-disk scenario: cannot mount a tmpfs ({why}); run the tests as root \
                     (CI does, and never skips it) !!!!!\n\n"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// Fills the file system of `dir` with one file, up to the last byte.
fn fill_disk(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 << 10];
    for size in [chunk.len(), 4096, 1] {
        loop {
            match file.write(&chunk[..size]) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
    }
    path
}

/// Moves the WAL's content into the database and truncates it to zero bytes, so that the
/// next write needs new space on the disk.
async fn empty_wal(dir: &Path) {
    let wal = dir.join("tally.db-wal");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("tally.db")).connect().await.unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) > 0 {
        assert!(Instant::now() < until, "the WAL could not be truncated");
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gets_503s_and_nothing_is_lost_once_space_returns() {
    let Some(disk) = Tmpfs::mount("8m") else { return };
    let server = start(disk.path(), None).await;
    let mut watcher = Watcher::new(&server.base);
    create_bucket(&watcher.c, &server.base, WINDOW, "currentwindow").await;
    let mut seen = Seen::default();
    keep_sending(&mut watcher, &mut seen, Duration::from_secs(2)).await;
    assert_eq!(seen.refusals, 0, "refused before the disk filled: {:?}", seen.messages);
    // Let the last flush land, then leave no room for the next one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    empty_wal(disk.path()).await;
    let filler = fill_disk(disk.path());

    keep_sending(&mut watcher, &mut seen, Duration::from_secs(6)).await;
    std::fs::remove_file(&filler).unwrap();
    let after = recover(&mut watcher, &mut seen, 10).await;

    let want = watcher.expected();
    let (ended, stored) = server.finish().await;
    assert_eq!(stored, want, "stored totals against the {} accepted minutes ({ended:?})", watcher.accepted);
    assert!(ended.is_ok(), "the server's pipeline ended with: {ended:?}");
    seen.assert_refusals("full");
    seen.assert_degraded_info("full");
    assert_eq!(after["status"], "ok", "after space returned: {after}");
    assert_no_content_in(disk.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_event_memory_is_bounded_in_bytes_with_a_503_when_full() {
    const LIMIT: usize = 64 << 10;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), Some(LIMIT)).await;
    let mut watcher = Watcher::new(&server.base);
    create_bucket(&watcher.c, &server.base, WINDOW, "currentwindow").await;
    // The lock stalls the next flush (for up to the busy timeout), so the pipeline stops
    // taking events from the server for a while.
    let lock = WriteLock::take(dir.path()).await;
    let mut seen = Seen::default();
    keep_sending(&mut watcher, &mut seen, Duration::from_secs(3)).await;
    // Titles of 8 KiB: the limit is reached after a few of them, well within the busy timeout.
    watcher.padding = 8 << 10;
    let mut first_refusal = None;
    for _ in 0..40 {
        match watcher.offer().await {
            Answer::Accepted => {}
            refused => {
                first_refusal = Some(refused);
                break;
            }
        }
    }
    let held = info(&watcher.c, &watcher.base).await;
    let refused_after = watcher.accepted;
    lock.release().await;
    let Some(Answer::Refused { retry_after, message }) = first_refusal else {
        panic!("{refused_after} heartbeats with 8 KiB titles were accepted over a {LIMIT}-byte limit")
    };
    assert!(retry_after.is_some_and(|s| (1..=60).contains(&s)), "Retry-After {retry_after:?}");
    assert!(message.contains("memory"), "{message}");
    assert!(!message.contains(PLANTED), "{message}");
    assert_eq!(held["status"], "degraded", "{held}");
    assert!(held["problem"].as_str().unwrap_or_default().contains("memory"), "{held}");
    let bytes = held["memory"]["held_bytes"].as_u64().unwrap();
    assert!(bytes >= LIMIT as u64 && bytes <= LIMIT as u64 + (16 << 10), "held {bytes} bytes, limit {LIMIT}");

    watcher.padding = 0;
    let after = recover(&mut watcher, &mut seen, 5).await;
    let want = watcher.expected();
    let (ended, stored) = server.finish().await;
    assert_eq!(stored, want, "stored totals against the {} accepted minutes ({ended:?})", watcher.accepted);
    assert!(ended.is_ok(), "the server's pipeline ended with: {ended:?}");
    assert_eq!(after["status"], "ok", "after the lock: {after}");
}

#[test]
fn an_import_locked_out_of_the_database_completes_once_the_lock_is_released() {
    let mut bytes = Vec::new();
    tally::synth::write_aw_export(&mut bytes, tally::synth::shape_for_total(5_000, 11)).unwrap();
    let clean = Sandbox::new();
    let file = clean.input("export.json", &bytes);
    let args = ["import", "--format", "aw", "--checkpoint-every", "500", file.to_str().unwrap()];
    let out = clean.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = clean.export_csv("2020-01-01", "2030-12-31", "hour");
    assert!(want.lines().count() > 10, "the fixture should span many hours");

    let locked = Sandbox::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    std::fs::create_dir_all(locked.data_dir()).unwrap();
    runtime.block_on(async { Store::open(&locked.data_dir()).await.unwrap().close().await });
    let lock = runtime.block_on(WriteLock::take(&locked.data_dir()));
    let started = Instant::now();
    let mut child = locked
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Past the busy timeout the first checkpoint's write has failed at least once; the
    // import must still be waiting for the store, not ended.
    while started.elapsed() < BUSY_TIMEOUT + Duration::from_secs(4) {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the import ended ({status}) while the database was locked: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    runtime.block_on(lock.release());
    let out = child.wait_with_output().unwrap();
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert_eq!(locked.export_csv("2020-01-01", "2030-12-31", "hour"), want, "totals after the lock was released");
    assert!(said.contains("the database is locked by another process") && said.contains("retrying"), "{said}");
}
