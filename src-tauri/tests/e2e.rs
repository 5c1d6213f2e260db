//! The desktop app end to end: the real binary (built with `custom-protocol`, so it
//! serves the built UI), driven through WebDriver (tauri-driver + WebKitWebDriver) on a
//! private Xvfb display, with HOME and XDG_* in a temp dir. Every number the UI shows
//! is compared with the engine's own answer on the same data; the views are saved as
//! screenshots; afterwards every file under the temp HOME is scanned for planted PII.
//!
//! Needs: `Xvfb`, `dbus-run-session`, `/usr/bin/WebKitWebDriver`, `tauri-driver` (on
//! PATH or in ~/.cargo/bin) — `scripts/test.sh` installs them all.

mod support;

use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{start_xvfb, Group};
use tally::app::{App, AppOptions};
use tally::dashboard::Range;

const PLANTED: [&str; 2] = ["planted.e2e.qx@example.com", "Zyxwv Qutrbek"];
const LAST_DAY: &str = "2026-11-29";

struct Sandbox {
    home: tempfile::TempDir,
    inputs: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let s = Sandbox { home: tempfile::tempdir().unwrap(), inputs: tempfile::tempdir().unwrap() };
        for d in ["data", "config", "cache", "state", "runtime", "tmp"] {
            std::fs::create_dir_all(s.home.path().join(d)).unwrap();
        }
        s
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data").join("tally")
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("config").join("tally").join("config.toml")
    }

    fn env(&self, cmd: &mut Command, display: &str, lang: &str) {
        let home = self.home.path();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_RUNTIME_DIR", home.join("runtime"))
            .env("TMPDIR", home.join("tmp"))
            .env("DISPLAY", display)
            .env("LANG", lang)
            .env("TZ", "UTC")
            .env("NO_AT_BRIDGE", "1")
            .env("TALLY_KEYRING", "keyutils");
    }

    fn policy(&self) -> PathBuf {
        self.inputs.path().join("policy.toml")
    }

    fn options(&self) -> AppOptions {
        AppOptions {
            data_dir: Some(self.data_dir()),
            config: Some(self.config()),
            model_dir: None,
            no_model: true,
            require_model: false,
            policy: Some(self.policy()),
        }
    }
}

/// An organisation on a shared folder, as an admin machine sees it: the org's keys in
/// the (keyutils) keyring, five enrolled installs in `alpha` and three in `gamma`, each
/// with a signed contribution for the week before LAST_DAY; an admin-mode policy.
fn shared_folder_org(sandbox: &Sandbox) {
    use tally::rollup::contribution::{sign, Plan};
    use tally::rollup::folder::{self, FolderSink, OrgKeys};
    use tally::rollup::identity::{Enrolment, IssuedToken};
    use tally::rollup::{DayCell, EnrolmentToken, InstallId, Measures, SigningKey};
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    let org = format!("e2e-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    let secrets = tally::secrets::SecretStore::open(tally::secrets::BackendChoice::Keyutils).unwrap();
    let keys = OrgKeys::generate();
    let hex: String = keys.secret_bytes().iter().map(|x| format!("{x:02x}")).collect();
    secrets.set(&OrgKeys::entry(&org), &tally::secrets::Secret::new(&hex).unwrap()).unwrap();
    let folder = sandbox.inputs.path().join("share");
    let sink = FolderSink::new(&folder, keys.public);
    let last = chrono::NaiveDate::parse_from_str(LAST_DAY, "%Y-%m-%d").unwrap();
    let mut registry = folder::Registry::default();
    for (i, team) in ["alpha", "alpha", "alpha", "alpha", "alpha", "gamma", "gamma", "gamma"].iter().enumerate() {
        let (id, key) = (InstallId::random(), SigningKey::random());
        // Each install gets its own token, as `tally team tokens issue` hands them out.
        let token = EnrolmentToken::random(&org, team);
        registry.tokens.push(IssuedToken {
            id: token.id.clone(),
            team: team.to_string(),
            secret_sha256: token.secret_sha256().iter().map(|x| format!("{x:02x}")).collect(),
            issued_at: "2026-11-01T00:00:00Z".into(),
            revoked_at: None,
            used_by: None,
        });
        sink.enrol(&Enrolment::new(&token, &id, &key)).unwrap();
        let cells: Vec<DayCell> = (1..=7)
            .map(|d| DayCell {
                day: last - chrono::TimeDelta::days(d),
                team: team.to_string(),
                category: tally::event::Category::DeepWork,
                measures: Measures { active_seconds: 3600 + 60 * i as i64, events: 10, ..Default::default() },
            })
            .collect();
        let plan = Plan { days: cells.iter().map(|c| c.day).collect(), cells, hashes: vec![] };
        sink.publish(&sign(&id, &key, &plan)).unwrap();
    }
    folder::save_registry(&folder, &keys, &registry).unwrap();
    use base64::Engine as _;
    let public = base64::engine::general_purpose::STANDARD.encode(keys.public);
    let policy = format!(
        "[org]\nid = \"{org}\"\nteam = \"admins\"\nadmin = true\n[sink]\nkind = \"folder\"\npath = \"{}\"\norg_public_key = \"{public}\"\n[roster]\nalpha = 5\ngamma = 3\n",
        folder.display()
    );
    std::fs::write(sandbox.policy(), policy).unwrap();
}

fn tauri_driver() -> PathBuf {
    let home = PathBuf::from(std::env::var("HOME").unwrap_or_default());
    let candidates = [home.join(".cargo/bin/tauri-driver"), PathBuf::from("/usr/local/bin/tauri-driver")];
    candidates.into_iter().find(|p| p.exists()).unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal W3C WebDriver client.
struct Driver {
    http: reqwest::blocking::Client,
    base: String,
    /// The Xvfb display the app runs on (for screenshots).
    display: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().map_err(|e| e.to_string())?;
        let value: Value = response.json().map_err(|e| e.to_string())?;
        match value["value"].get("error") {
            Some(error) => Err(format!("{error}: {}", value["value"]["message"])),
            None => Ok(value["value"].clone()),
        }
    }

    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found =
                self.call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css})));
            match found {
                Ok(v) => return v[ELEMENT].as_str().unwrap().to_string(),
                Err(e) if Instant::now() > deadline => panic!("no element `{css}`: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(150)),
            }
        }
    }

    /// Runs `op` on the element `css`, finding it again if a re-render replaced it.
    fn on_element(&self, css: &str, op: impl Fn(&str) -> Result<Value, String>) -> Value {
        for _ in 0..20 {
            let id = self.find(css);
            match op(&id) {
                Ok(v) => return v,
                Err(e) if e.contains("stale element") => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => panic!("`{css}`: {e}"),
            }
        }
        panic!("`{css}` kept going stale")
    }

    fn text(&self, css: &str) -> String {
        let v = self.on_element(css, |id| self.call(reqwest::Method::GET, &format!("/element/{id}/text"), None));
        v.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the element's text satisfies `pred`, and returns it.
    fn text_until(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text(css);
            if pred(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "`{css}` never matched; last text: {text}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn click(&self, css: &str) {
        self.on_element(css, |id| self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))));
    }

    fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, |id| {
            self.call(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({})))?;
            self.call(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": text})))
        });
    }

    fn script(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": args}))).unwrap()
    }

    /// Sets an input's value the way a user's edit would (inputs of type date/select).
    fn set_value(&self, css: &str, value: &str) {
        self.find(css);
        self.script(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([css, value]),
        );
    }

    fn go(&self, view: &str) {
        self.click(&format!("[data-testid=nav-{view}]"));
        self.find(&format!("main[data-view={view}]"));
    }

    /// Saves the window as the X server shows it (ImageMagick's `import` on the Xvfb
    /// display): the app runs with GL off, where WebKitWebDriver's own screenshots are blank.
    fn screenshot(&self, dir: &Path, name: &str) {
        // Let Chart.js draw (it renders on the next animation frame).
        std::thread::sleep(Duration::from_millis(600));
        let rect = self.call(reqwest::Method::GET, "/window/rect", None).unwrap();
        let n = |k: &str| rect[k].as_f64().unwrap_or(0.0).max(0.0) as u64;
        let crop = format!("{}x{}+{}+{}", n("width"), n("height"), n("x"), n("y"));
        std::fs::create_dir_all(dir).unwrap();
        let out = dir.join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root", "-crop", &crop, "+repage"])
            .arg(&out)
            .status()
            .expect("ImageMagick's import runs (apt: imagemagick)");
        assert!(status.success(), "import failed for {name}");
    }
}

impl Driver {
    /// The view's HTML: text, attributes and all.
    fn main_html(&self) -> String {
        self.script("return document.querySelector('main').outerHTML", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Every drawn trend chart's datasets (Chart.js's own data), by test id, once all are drawn.
    fn plotted(&self, prefix: &str) -> std::collections::BTreeMap<String, Vec<Vec<Option<f64>>>> {
        let script = "const boxes = Array.from(document.querySelectorAll(`.chart[data-testid^=${arguments[0]}-]`)); \
            if (boxes.length === 0 || boxes.some(b => !b.chart)) return null; \
            return boxes.map(b => [b.dataset.testid, b.chart.data.datasets.map(d => d.data)]);";
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.script(script, json!([prefix]));
            if !v.is_null() {
                return serde_json::from_value::<Vec<(String, Vec<Vec<Option<f64>>>)>>(v)
                    .unwrap()
                    .into_iter()
                    .collect();
            }
            assert!(Instant::now() < deadline, "the trend charts were never drawn");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

type Metric = (&'static str, fn(&tally::rollup::trends::Point) -> Option<f64>);

const METRICS: [Metric; 5] = [
    ("focus", |p| p.focus_share),
    ("meetings", |p| p.meeting_share),
    ("ai", |p| p.ai_share),
    ("switches", |p| p.switches_per_hour),
    ("sentiment", |p| p.sentiment_balance),
];

/// Every value the Teams view plots equals the engine's trends over released cells: the
/// stacked hours per category of each team and the organisation, and each metric's team
/// and organisation lines; no other chart is drawn. In the printable report (`report`),
/// each metric is one chart with every team's line and the organisation's.
fn assert_plotted(d: &Driver, want: &tally::rollup::trends::Trends, report: bool) {
    use tally::rollup::trends::Series;
    let prefix = if report { "report" } else { "trend" };
    let hours = |s: &Series| -> Vec<Vec<Option<f64>>> {
        (0..want.categories.len()).map(|i| s.points.iter().map(|p| p.hours[i]).collect()).collect()
    };
    let mut expected = std::collections::BTreeMap::new();
    expected.insert(format!("{prefix}-hours-org"), hours(&want.org_series));
    for s in &want.teams {
        expected.insert(format!("{prefix}-hours-{}", s.team), hours(s));
    }
    for (key, value) in METRICS {
        let line = |s: &Series| s.points.iter().map(value).collect::<Vec<_>>();
        if report {
            let lines = want.teams.iter().chain([&want.org_series]).map(line).collect();
            expected.insert(format!("report-{key}"), lines);
            continue;
        }
        for s in &want.teams {
            expected.insert(format!("trend-{key}-{}", s.team), vec![line(s), line(&want.org_series)]);
        }
    }
    let mut shown = d.plotted(prefix);
    // A re-render after a change of dates may still be under way: wait for the right charts.
    let deadline = Instant::now() + Duration::from_secs(20);
    while shown.keys().ne(expected.keys()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        shown = d.plotted(prefix);
    }
    assert_eq!(shown.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    // Equal up to the last bit that a decimal round trip through WebDriver's JSON may change.
    let same = |a: &Option<f64>, b: &Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
        (a, b) => a == b,
    };
    for (id, want) in &expected {
        let got = &shown[id];
        let equal = got.len() == want.len()
            && got.iter().zip(want).all(|(g, w)| g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same(a, b)));
        assert!(equal, "{id}: shown {got:?}, engine {want:?}");
    }
}

/// Opens the printable report and checks that its charts plot the engine's trends and
/// that its figures are the team CSV's, row by row.
fn assert_report_equals_csv(d: &Driver, csv: &Path, want: &tally::rollup::trends::Trends) {
    d.click("[data-testid=report-open]");
    d.find("[data-testid=report-figures]");
    assert_plotted(d, want, true);
    let rows = d.script(
        "return Array.from(document.querySelectorAll('[data-testid=report-figures] tr')).map(r => Array.from(r.cells).map(c => c.textContent))",
        json!([]),
    );
    let text = std::fs::read_to_string(csv).unwrap();
    let lines: Vec<Vec<String>> = text.lines().map(|l| l.split(',').map(String::from).collect()).collect();
    assert!(lines.len() > 1, "{text}");
    assert_eq!(serde_json::from_value::<Vec<Vec<String>>>(rows).unwrap(), lines);
}

/// The stand-in provider's answer.
const ANSWER: &str = "Meeting load in mobile rose across the quarter while focus share fell.";

/// A local stand-in for an OpenAI-style provider: answers one chat completion with
/// `answer` and hands over the request body it got. Returns its base URL.
fn stand_in_provider(answer: &'static str) -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{BufRead, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/v1", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let mut reader = std::io::BufReader::new(stream);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        let _ = reader.read_exact(&mut body);
        let reply = json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "trend-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]})
        .to_string();
        let mut stream = reader.into_inner();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        let _ = tx.send(body);
    });
    (url, rx)
}

/// Puts this thread in a new session keyring, which the processes it starts inherit.
fn join_session_keyring() {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers besides the null name.
    let serial =
        unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<libc::c_char>()) };
    assert!(serial >= 0, "cannot join a session keyring: {}", std::io::Error::last_os_error());
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

/// An ActivityWatch export of one day of `obscure-tool` use whose titles carry planted PII.
fn obscure_tool_export(dir: &Path) -> PathBuf {
    let events: Vec<Value> = (0..8)
        .map(|i| {
            json!({"id": i, "timestamp": format!("{LAST_DAY}T{:02}:00:00Z", 9 + i), "duration": 1800.0,
                "data": {"app": "obscure-tool", "title": format!("Draft for {} <{}> #{i}", PLANTED[1], PLANTED[0])}})
        })
        .collect();
    let export = json!({"buckets": {"aw-watcher-window_e2e": {"id": "aw-watcher-window_e2e", "created": "2026-11-01T00:00:00Z",
        "type": "currentwindow", "client": "aw-watcher-window", "hostname": "e2e-host", "events": events}}});
    let path = dir.join("obscure.json");
    std::fs::write(&path, serde_json::to_vec(&export).unwrap()).unwrap();
    path
}

fn scan(root: &Path, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default().to_ascii_lowercase();
            for needle in needles {
                let n = needle.to_lowercase().into_bytes();
                if bytes.windows(n.len()).any(|w| w == n) {
                    hits.push(format!("{} holds {needle}", path.display()));
                }
            }
        }
    }
    hits
}

/// One app at a time: two WebKit instances on two cores only slow each other down.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scenario(lang: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let sandbox = Sandbox::new();
    // The test and the app it starts share one fresh keyutils session keyring.
    join_session_keyring();
    shared_folder_org(&sandbox);
    let rt = runtime();
    let engine = rt.block_on(App::open(sandbox.options())).unwrap();
    // Known aggregates: six generated weeks ending on LAST_DAY.
    let mut shape = tally::synth::shape_for_total(20_000, 5);
    shape.end = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z").unwrap().timestamp();
    let mut export = Vec::new();
    tally::synth::write_aw_export(&mut export, shape).unwrap();
    let generated = sandbox.inputs.path().join("generated.json");
    std::fs::write(&generated, export).unwrap();
    rt.block_on(engine.import_file(&generated, tally::import::Format::Aw)).unwrap();

    let (_xvfb, display) = start_xvfb();
    let port = free_port();
    let mut cmd = Command::new("dbus-run-session");
    cmd.arg("--").arg(tauri_driver()).args(["--port", &port.to_string(), "--native-port", &free_port().to_string()]);
    sandbox.env(&mut cmd, &display, lang);
    let _driver_process =
        Group(cmd.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().expect("tauri-driver runs"));
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let root = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{root}/status")).send().is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let app = env!("CARGO_BIN_EXE_tally-desktop");
    let data_dir = sandbox.data_dir().display().to_string();
    let config = sandbox.config().display().to_string();
    let policy = sandbox.policy().display().to_string();
    let args = ["--data-dir", &data_dir, "--config", &config, "--policy", &policy, "--no-model", "--open"];
    let session: Value = http
        .post(format!("{root}/session"))
        .json(&json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app, "args": args}}}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {session}"));
    let d = Driver { http: http.clone(), base: format!("{root}/session/{id}"), display: display.clone() };
    let shots = std::env::var_os("TALLY_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tally-e2e-screenshots"))
        .join(lang.replace('.', "_"));
    let last_day = chrono::NaiveDate::parse_from_str(LAST_DAY, "%Y-%m-%d").unwrap();

    // First run: the consent view, and nothing collected until the employee agrees.
    d.find("[data-testid=consent]");
    assert!(!rt.block_on(engine.consent()).unwrap().agreed);
    d.screenshot(&shots, "consent");
    d.click("[data-testid=consent-agree]");
    d.text_until("[data-testid=consent-result]", |t| t.starts_with("Thank you. Collection has started"));
    assert!(rt.block_on(engine.consent()).unwrap().agreed);
    // Pause at once: the flag is on disk, and the view says so.
    d.go("privacy");
    d.click("[data-testid=pause-toggle]");
    d.text_until("[data-testid=collection-state]", |t| t == "Status: paused.");
    assert!(sandbox.data_dir().join("paused").exists());

    // Dashboard: the figures shown are the engine's, for week and month.
    d.go("dashboard");
    d.set_value("[data-testid=to-date]", LAST_DAY);
    for range in [Range::Week, Range::Month] {
        let name = if range == Range::Week { "week" } else { "month" };
        d.click(&format!("[data-testid=range-{name}]"));
        let want = rt.block_on(engine.dashboard(range, Some(last_day), None)).unwrap().totals;
        let shown = d.text_until("[data-testid=total-active-hours]", |t| t == format!("{:.2}", want.active_hours));
        assert_eq!(shown, format!("{:.2}", want.active_hours));
        assert_eq!(d.text("[data-testid=total-focus-hours]"), format!("{:.2}", want.focus_hours));
        assert_eq!(d.text("[data-testid=total-meeting-hours]"), format!("{:.2}", want.meeting_hours));
        assert_eq!(d.text("[data-testid=total-switches]"), format!("{:.2}", want.switches_per_hour));
        assert_eq!(d.text("[data-testid=total-ai-share]"), format!("{:.1} %", want.ai_tools_share * 100.0));
        d.find("[data-testid=chart-categories] canvas");
    }
    d.screenshot(&shots, "dashboard");

    // Privacy: the stored tables as they are (the collector may flush what it held
    // before the pause, so compare with the engine's count read alongside).
    let mut matched = false;
    for _ in 0..5 {
        d.go("privacy");
        let summary = d.text("[data-testid=table-activity_buckets] summary");
        let tables = rt.block_on(engine.privacy()).unwrap().tables;
        let buckets = tables.into_iter().find(|t| t.name == "activity_buckets").unwrap();
        if summary.starts_with(&format!("activity_buckets — {} rows", buckets.total_rows)) {
            matched = true;
            break;
        }
        d.go("dashboard");
    }
    assert!(matched, "the Privacy view's row count never matched the store");
    assert_eq!(d.text("[data-testid=ledger-empty]"), "Nothing has ever been sent off this machine.");
    d.screenshot(&shots, "privacy");

    // Settings: a bad regex is refused next to its field and nothing is written.
    d.go("settings");
    d.click("[data-testid=rule-add]");
    d.type_into("[data-testid=rule-0-app]", "(obscure");
    d.click("[data-testid=settings-save]");
    let error = d.text_until("[data-testid=field-error]", |t| !t.is_empty());
    assert!(error.contains("not a valid regex"), "{error}");
    let attr = d.script("return document.querySelector('[data-testid=field-error]').dataset.for", json!([]));
    assert_eq!(attr, "rules.0.app");
    assert!(!sandbox.config().exists(), "a refused save must not write the config");
    // A valid rule: obscure-tool is an AI tool.
    d.type_into("[data-testid=rule-0-app]", "^obscure-tool$");
    d.set_value("[data-testid=rule-0-category]", "ai_tools");
    d.click("[data-testid=settings-save]");
    d.text_until("[data-testid=settings-status]", |t| t.starts_with("Saved."));
    assert!(std::fs::read_to_string(sandbox.config()).unwrap().contains("^obscure-tool$"));
    d.screenshot(&shots, "settings");

    // Import through the UI, under the new rule, and see the dashboard change.
    let day = Range::Day;
    let before = rt.block_on(engine.dashboard(day, Some(last_day), None)).unwrap().totals.ai_tools_share;
    d.go("export");
    d.type_into("[data-testid=import-path]", obscure_tool_export(sandbox.inputs.path()).to_str().unwrap());
    d.click("[data-testid=import-run]");
    d.text_until("[data-testid=import-result]", |t| t.starts_with("Imported 8 records"));
    let after = rt.block_on(engine.dashboard(day, Some(last_day), None)).unwrap().totals;
    assert!(
        after.ai_tools_share > before,
        "the rule made obscure-tool an AI tool: {before} → {}",
        after.ai_tools_share
    );
    d.go("dashboard");
    d.click("[data-testid=range-day]");
    d.text_until("[data-testid=total-ai-share]", |t| t == format!("{:.1} %", after.ai_tools_share * 100.0));

    // Export through the UI: the file equals the engine's report for the same dates.
    d.go("export");
    let out = sandbox.inputs.path().join("report.csv");
    d.set_value("[data-testid=export-from]", "2026-11-01");
    d.set_value("[data-testid=export-to]", LAST_DAY);
    d.set_value("[data-testid=export-by]", "week");
    d.type_into("[data-testid=export-path]", out.to_str().unwrap());
    d.click("[data-testid=export-run]");
    d.text_until("[data-testid=export-result]", |t| t.starts_with("Wrote "));
    let expected = sandbox.inputs.path().join("expected.csv");
    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    rt.block_on(engine.export_csv(&expected, from, last_day, tally::report::Period::Week)).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&expected).unwrap());
    d.screenshot(&shots, "export");

    // Teams (admin mode): every plotted value is the engine's released cells; gamma
    // (3 people, below k) nowhere on the page or in the printable report.
    d.go("teams");
    d.set_value("[data-testid=teams-from]", "2026-11-16");
    d.set_value("[data-testid=teams-to]", LAST_DAY);
    d.set_value("[data-testid=teams-by]", "week");
    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    let week = tally::rollup::TeamPeriod::Week;
    let want = rt.block_on(engine.team_dashboard(from, last_day, week)).unwrap();
    assert_eq!(want.trends.teams.iter().map(|s| s.team.as_str()).collect::<Vec<_>>(), vec!["alpha"]);
    assert_plotted(&d, &want.trends, false);
    assert!(!d.main_html().contains("gamma"), "a team below k is on the page");
    // The team CSV through the UI equals the engine's for the same range, and the
    // printable report's figures equal the CSV's.
    let team_csv = sandbox.inputs.path().join("team.csv");
    d.type_into("[data-testid=teams-export-path]", team_csv.to_str().unwrap());
    d.click("[data-testid=teams-export-run]");
    d.text_until("[data-testid=teams-export-result]", |t| {
        t.starts_with(&format!("Wrote {} rows", want.report.teams.len()))
    });
    let expected_team = sandbox.inputs.path().join("expected-team.csv");
    rt.block_on(engine.export_team_csv(&expected_team, from, last_day, week)).unwrap();
    assert_eq!(std::fs::read(&team_csv).unwrap(), std::fs::read(&expected_team).unwrap());
    assert_report_equals_csv(&d, &team_csv, &want.trends);
    assert!(!d.main_html().contains("gamma"), "a team below k is in the printable report");
    d.click("[data-testid=report-back]");

    // The demo organisation: 40 made-up installs in 6 teams, legal (4) below k.
    d.click("[data-testid=teams-demo-on]");
    d.find("[data-testid=demo-org-banner]");
    rt.block_on(engine.use_demo_org(true)).unwrap();
    let state = rt.block_on(engine.teams_state());
    let (first, last) = (state.first_day.unwrap(), state.last_day.unwrap());
    let demo = rt.block_on(engine.team_dashboard(first, last, week)).unwrap();
    assert!(demo.demo);
    assert_eq!(demo.trends.teams.len(), 5, "six teams, one below k");
    assert_plotted(&d, &demo.trends, false);
    let html = d.main_html();
    assert!(!html.contains("legal"), "the team below k is on the page");
    // Design's away week: a labelled gap in every design chart, never a zero.
    let away = demo.trends.periods[tally::rollup::demo::DESIGN_AWAY_WEEK as usize];
    let design = demo.trends.teams.iter().find(|s| s.team == "design").unwrap();
    assert!(design.points[tally::rollup::demo::DESIGN_AWAY_WEEK as usize].active_hours.is_none());
    let gaps = d.text("[data-testid=gaps-hours-design]");
    assert!(gaps.contains("hidden: fewer than 5 people") && gaps.contains(&away.to_string()), "{gaps}");
    let gaps = d.text("[data-testid=gaps-meetings-design]");
    assert!(gaps.contains(&away.to_string()), "{gaps}");
    // Each chart states k, the noise with its typical error, and the period.
    let statements = d.script(
        "return Array.from(document.querySelectorAll('[data-testid=chart-statement]')).map(e => e.textContent)",
        json!([]),
    );
    let statements = statements.as_array().unwrap();
    assert_eq!(statements.len(), 5 * 6 + 1);
    for s in statements {
        let s = s.as_str().unwrap();
        assert!(s.starts_with("k = 5 · noise on: ε = 8 per released cell, typical error ±"), "{s}");
        assert!(s.ends_with(&format!("{first} to {last} by week")), "{s}");
    }
    // Hovering a point gives the number of contributors (the engine's), never who.
    let hover = "const c = document.querySelector(`.chart[data-testid=${arguments[0]}]`).chart; \
        const ds = c.data.datasets[arguments[1]]; const i = arguments[2]; \
        return c.options.plugins.tooltip.callbacks.label.call(c.tooltip, \
            {dataIndex: i, datasetIndex: arguments[1], dataset: ds, parsed: {y: ds.data[i]}});";
    let data = demo.trends.teams.iter().find(|s| s.team == "data").unwrap();
    let last_week = demo.trends.periods.len() - 1;
    let n = data.points[last_week].contributors[0].unwrap();
    let tip = d.script(hover, json!(["trend-hours-data", 0, last_week]));
    assert!(tip.as_str().unwrap().ends_with(&format!(" h · {n} people contributed")), "{tip}");
    let mobile = demo.trends.teams.iter().find(|s| s.team == "mobile").unwrap();
    let p = &mobile.points[last_week];
    let (lo, hi) = (p.contributors_min.unwrap(), p.contributors_max.unwrap());
    let people =
        if lo == hi { format!("{lo} people contributed") } else { format!("cells of {lo}–{hi} people contributed") };
    let tip = d.script(hover, json!(["trend-meetings-mobile", 0, last_week]));
    assert!(tip.as_str().unwrap().starts_with("mobile: ") && tip.as_str().unwrap().ends_with(&people), "{tip}");
    d.screenshot(&shots, "teams");
    d.script("document.querySelector('[data-testid=trend-meetings]').scrollIntoView()", json!([]));
    d.screenshot(&shots, "teams-trends");
    d.script("window.scrollTo(0, 0)", json!([]));
    // The org insight: the exact bytes are the engine's, the read is audited, and Send
    // goes through the gate to the provider (a local stand-in) and shows its answer.
    let (provider_url, received) = stand_in_provider(ANSWER);
    let provider = tally::app::ProviderEdit {
        name: "stand-in".into(),
        kind: "openai".into(),
        base_url: provider_url,
        model: "trend-model".into(),
        max_tokens: None,
        timeout_secs: None,
        key: None,
        make_default: true,
    };
    rt.block_on(engine.save_provider(provider)).unwrap();
    // Its key in the session keyring the app shares (the test process names the backend).
    let secrets = tally::secrets::SecretStore::open(tally::secrets::BackendChoice::Keyutils).unwrap();
    let key = tally::secrets::Secret::new("sk-e2e-stand-in").unwrap();
    secrets.set(&tally::secrets::provider_key_name("stand-in"), &key).unwrap();
    d.click("[data-testid=org-insight-preview]");
    let body = d.text_until("[data-testid=org-insight-gate]", |t| t.starts_with("Outbound gate: clear"));
    assert!(!body.is_empty());
    let shown = d.script("return document.querySelector('[data-testid=org-insight-body]').textContent", json!([]));
    let preview = rt.block_on(engine.team_insights_preview(None, None)).unwrap();
    assert_eq!(shown.as_str().unwrap(), preview.body);
    assert!(preview.body.contains(r#"\"scope\": \"org\""#), "{}", preview.body);
    assert!(!preview.body.contains("legal"));
    let audit = rt.block_on(async { engine.store().await.audit_log(50).await }).unwrap();
    assert!(audit.iter().any(|a| a.org == "demo-org" && a.action == "insight"), "{audit:?}");
    d.click("[data-testid=org-insight-send]");
    d.text_until("[data-testid=org-insight-text]", |t| t == ANSWER);
    let request = received.recv_timeout(Duration::from_secs(10)).expect("the stand-in got the request");
    assert_eq!(String::from_utf8(request).unwrap(), preview.body, "what was sent is what was previewed");
    let sent = rt.block_on(engine.ledger(5)).unwrap();
    let entry = sent.iter().find(|e| e.purpose == "insight").expect("the send is in the ledger");
    assert_eq!(
        (entry.scope.as_deref(), entry.outcome.as_str(), entry.response.as_deref()),
        (Some("org"), "sent", Some(ANSWER))
    );
    // The demo's CSV and its printable report.
    let demo_csv = sandbox.inputs.path().join("demo-team.csv");
    d.type_into("[data-testid=teams-export-path]", demo_csv.to_str().unwrap());
    d.click("[data-testid=teams-export-run]");
    d.text_until("[data-testid=teams-export-result]", |t| {
        t.starts_with(&format!("Wrote {} rows", demo.report.teams.len()))
    });
    assert_report_equals_csv(&d, &demo_csv, &demo.trends);
    assert!(!d.main_html().contains("legal"), "the team below k is in the printable report");
    d.script("window.scrollTo(0, 0)", json!([]));
    d.screenshot(&shots, "teams-report");
    d.click("[data-testid=report-back]");
    // A range with nothing released says why; a share that cannot be read shows its error.
    d.set_value("[data-testid=teams-from]", "2030-01-07");
    d.set_value("[data-testid=teams-to]", "2030-02-24");
    let empty = d.text_until("[data-testid=teams-empty]", |t| !t.is_empty());
    assert!(
        empty.starts_with("Nothing released from 2030-01-07 to 2030-02-24: no team had 5 or more people"),
        "{empty}"
    );
    let share = sandbox.data_dir().parent().unwrap().join("tally-demo-org").join("share");
    let moved = share.with_file_name("share-moved");
    std::fs::rename(&share, &moved).unwrap();
    d.set_value("[data-testid=teams-from]", &first.to_string());
    let error = d.text_until("[data-testid=teams-error]", |t| !t.is_empty());
    assert!(error.contains("is not a folder this machine can see"), "{error}");
    std::fs::rename(&moved, &share).unwrap();
    d.set_value("[data-testid=teams-to]", &last.to_string());
    d.find(".chart[data-testid=trend-hours-org]");
    d.click("[data-testid=teams-demo-off]");
    d.find("[data-testid=teams-demo-on]");

    // A pulse check-in with planted PII: only its sentiment is kept.
    d.go("pulse");
    d.type_into(
        "[data-testid=pulse-text]",
        &format!("Blocked again by {} ({}), the build keeps failing", PLANTED[1], PLANTED[0]),
    );
    d.click("[data-testid=pulse-mood-2]");
    d.click("[data-testid=pulse-send]");
    d.text_until("[data-testid=pulse-result]", |t| t.starts_with("Thanks — recorded as negative"));
    d.screenshot(&shots, "pulse");

    // Delete my data for one day: the engine then finds nothing there.
    d.go("privacy");
    d.script("window.confirm = () => true;", json!([]));
    d.set_value("[data-testid=forget-from]", LAST_DAY);
    d.set_value("[data-testid=forget-to]", LAST_DAY);
    d.click("[data-testid=forget-range]");
    d.text_until("[data-testid=forget-result]", |t| t.starts_with("Deleted "));
    let gone = rt.block_on(engine.dashboard(Range::Day, Some(last_day), None)).unwrap();
    assert_eq!((gone.totals.active_hours, gone.points.len()), (0.0, 0), "the forgotten day is empty");
    let kept = rt.block_on(engine.dashboard(Range::Week, Some(last_day), None)).unwrap();
    assert!(kept.totals.active_hours > 0.0, "the other days stay");

    let _ = d.call(reqwest::Method::DELETE, "", None);
    drop(_driver_process);
    // Nothing the app or WebKit wrote holds the planted titles.
    assert_eq!(scan(sandbox.home.path(), &PLANTED), Vec::<String>::new());
}

#[test]
fn the_app_end_to_end_under_c_utf8() {
    scenario("C.UTF-8");
}

#[test]
fn the_app_end_to_end_under_en_us_utf8() {
    scenario("en_US.UTF-8");
}
