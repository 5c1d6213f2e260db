//! The live collector: desktop watchers polled on a blocking thread, turned into events
//! by the [`Tracker`] and fed through the same analyze → aggregate → store pipeline as
//! an import ([`pipeline::run`] with a live [`Source`]).
//!
//! - [`WindowWatcher`] / [`IdleWatcher`]: what the desktop says now. X11 on Linux
//!   (`x11.rs`); other platforms get stubs that fail with [`WatchError::Unsupported`].
//! - [`tracker`]: the pure heartbeat state machine (extend, change, suspend gap, idle,
//!   pause, exclusions).
//! - [`Collector::start`] → [`CollectorHandle`]: pause, resume, status, stop. The pause is a flag
//!   file in the data directory ([`PauseFlag`]), so it survives restarts and a
//!   `tally pause` from another process stops a running collector within one poll.
//!
//! Raw titles live only in the watcher's return value, the tracker's open event and the
//! pipeline's in-memory analyze stage. No error or status built here contains one.

pub mod tracker;
#[cfg(target_os = "linux")]
pub mod x11;

use crate::aggregate::FocusConfig;
use crate::analyze::exclusions::Exclusions;
use crate::analyze::Analyzer;
use crate::event::RawEvent;
use crate::pipeline::{self, PipelineError, RunOptions, RunSummary};
use crate::source::{Emit, ReadError, Source, SourceItem};
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
pub use tracker::{Sample, Tracker, TrackerConfig};

/// The focused window as a watcher saw it. `title` is empty where titles cannot be read.
/// Holds a raw title: memory only, and its `Debug` shows sizes, not content.
#[derive(Clone, PartialEq, Eq)]
pub struct ActiveWindow {
    pub app: String,
    pub title: String,
}

impl std::fmt::Debug for ActiveWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveWindow")
            .field("app_bytes", &self.app.len())
            .field("title_bytes", &self.title.len())
            .finish()
    }
}

/// Why a watcher could not answer. Messages name the request or the platform, never a
/// window's app or title.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WatchError {
    #[error("{0}")]
    Connection(String),
    #[error("not supported here: {0}")]
    Unsupported(String),
}

/// Which window has the focus now.
pub trait WindowWatcher: Send {
    /// The focused window, `None` when no window has the focus.
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, WatchError>;
}

/// How long the user has not touched keyboard or mouse.
pub trait IdleWatcher: Send {
    fn idle_for(&mut self) -> Result<Duration, WatchError>;
}

/// What kind of desktop session this is, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// An X11 display to connect to (`$DISPLAY`), also under XWayland.
    pub display: Option<String>,
    /// A Wayland session (`$WAYLAND_DISPLAY`, or `XDG_SESSION_TYPE=wayland`).
    pub wayland: bool,
}

impl Session {
    pub fn from_env() -> Session {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Session {
            display: var("DISPLAY"),
            wayland: var("WAYLAND_DISPLAY").is_some() || var("XDG_SESSION_TYPE").is_some_and(|t| t == "wayland"),
        }
    }

    /// Whether window titles are recorded. On Wayland, X11 shows only XWayland windows,
    /// so Tally records app-level activity only.
    pub fn titles_available(&self) -> bool {
        self.display.is_some() && !self.wayland
    }

    /// What the UI should say about this session, if anything.
    pub fn note(&self) -> Option<String> {
        match (&self.display, self.wayland) {
            (Some(_), true) => Some(
                "Wayland session: window titles cannot be read for all apps, so Tally records app-level \
                 activity only (from apps running under XWayland)."
                    .into(),
            ),
            (None, true) => {
                Some("Wayland session without X11 (XWayland): Tally cannot see windows or idle time here yet.".into())
            }
            _ => None,
        }
    }
}

/// The two watchers of one desktop.
pub struct Watchers {
    pub window: Box<dyn WindowWatcher>,
    pub idle: Box<dyn IdleWatcher>,
}

/// The desktop's watchers for `session`: X11 on Linux.
#[cfg(target_os = "linux")]
pub fn desktop_watchers(session: &Session) -> Result<Watchers, WatchError> {
    let Some(display) = session.display.clone() else {
        return Err(WatchError::Unsupported(
            session.note().unwrap_or_else(|| "no X11 display (DISPLAY is not set)".into()),
        ));
    };
    let window = x11::X11WindowWatcher::connect(Some(display.clone()))?;
    let idle: Box<dyn IdleWatcher> = match x11::X11IdleWatcher::connect(Some(display)) {
        Ok(idle) => Box::new(idle),
        // A server without MIT-SCREEN-SAVER still has windows to watch: no idle time
        // then, and every poll's status says why.
        Err(WatchError::Unsupported(why)) => Box::new(NoIdle(why)),
        Err(e) => return Err(e),
    };
    Ok(Watchers { window: Box::new(window), idle })
}

/// An idle watcher for a desktop that cannot tell idle time: always says why not.
#[cfg(target_os = "linux")]
struct NoIdle(String);

#[cfg(target_os = "linux")]
impl IdleWatcher for NoIdle {
    fn idle_for(&mut self) -> Result<Duration, WatchError> {
        Err(WatchError::Unsupported(self.0.clone()))
    }
}

/// Other platforms: compile-time stubs until their watchers exist.
#[cfg(not(target_os = "linux"))]
pub fn desktop_watchers(_session: &Session) -> Result<Watchers, WatchError> {
    Err(WatchError::Unsupported(format!(
        "the live collector has no window watcher for {} yet (X11 on Linux only)",
        std::env::consts::OS
    )))
}

/// The persistent pause: a file `paused` in the data directory. A file (not a DB row)
/// because the collector checks it on every poll from a blocking thread, and because
/// `tally pause` must reach a collector running in another process.
#[derive(Debug, Clone)]
pub struct PauseFlag(PathBuf);

impl PauseFlag {
    pub const FILE: &'static str = "paused";

    pub fn in_dir(data_dir: &Path) -> PauseFlag {
        PauseFlag(data_dir.join(Self::FILE))
    }

    pub fn is_set(&self) -> bool {
        self.0.exists()
    }

    pub fn set(&self) -> std::io::Result<()> {
        crate::files::write_private(&self.0, b"")
    }

    pub fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.0) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The collector as the shell shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CollectorStatus {
    /// The polling thread is alive.
    pub running: bool,
    /// Collection is paused (the pause flag is set).
    pub paused: bool,
    /// Window titles are read (false on Wayland: app-level activity only).
    pub titles_available: bool,
    /// A plain sentence for the UI about this session's limits, if any.
    pub note: Option<String>,
    /// The last watcher problem, if the last poll had one, else why the store refuses
    /// writes, while it does (no titles in either).
    pub last_error: Option<String>,
    /// Event pieces handed to the pipeline since the start.
    pub pieces: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("collection needs the employee's consent first: run `tally consent --agree` (or agree in the app)")]
    NoConsent,
    #[error("cannot watch the desktop: {0}")]
    Watch(#[from] WatchError),
    #[error("cannot change the pause flag {path}: {source}")]
    PauseFlag { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("internal error: the collector task stopped unexpectedly")]
    Task,
}

/// Settings of one collector run.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    pub poll: Duration,
    pub idle_timeout: Duration,
    /// Where the pause flag lives (the data directory of the store).
    pub data_dir: PathBuf,
    pub team: String,
    pub focus: FocusConfig,
}

/// State shared by the handle and the polling thread.
struct Shared {
    stop: AtomicBool,
    running: AtomicBool,
    pieces: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// Wakes the polling thread early (stop, pause, resume).
    wake: (Mutex<bool>, Condvar),
}

impl Shared {
    fn wake(&self) {
        let (lock, cvar) = &self.wake;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cvar.notify_all();
    }

    /// Sleeps for `timeout` or until woken.
    fn sleep(&self, timeout: Duration) {
        let (lock, cvar) = &self.wake;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (mut woken, _) =
            cvar.wait_timeout_while(guard, timeout, |woken| !*woken).unwrap_or_else(|p| p.into_inner());
        *woken = false;
    }

    fn note_error(&self, error: Option<&WatchError>) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = error.map(ToString::to_string);
    }
}

/// How often a running collector re-reads the consent, so a withdrawal made elsewhere
/// (`tally consent --withdraw`, another window) stops it.
const CONSENT_RECHECK: Duration = Duration::from_secs(2);

/// The pipeline's live source: polls the watchers until stopped or consent is withdrawn.
struct LiveSource {
    window: Box<dyn WindowWatcher>,
    idle: Box<dyn IdleWatcher>,
    tracker: Tracker,
    poll: Duration,
    pause: PauseFlag,
    shared: Arc<Shared>,
    store: Store,
    runtime: tokio::runtime::Handle,
}

impl Source for LiveSource {
    fn kind(&self) -> &'static str {
        "collector"
    }

    fn identity(&self) -> Result<Option<String>, ReadError> {
        Ok(None)
    }

    fn live(&self) -> bool {
        true
    }

    fn read(mut self: Box<Self>, emit: &mut dyn Emit) -> Result<(), ReadError> {
        let mut record = 0u64;
        let shared = Arc::clone(&self.shared);
        let mut send = |events: Vec<RawEvent>| {
            if events.is_empty() {
                return ControlFlow::Continue(());
            }
            shared.pieces.fetch_add(events.len() as u64, Ordering::Relaxed);
            record += 1;
            emit.emit(SourceItem::Events { record: record - 1, events })
        };
        let mut paused = false;
        let mut consent_checked = std::time::Instant::now();
        loop {
            if consent_checked.elapsed() >= CONSENT_RECHECK {
                consent_checked = std::time::Instant::now();
                // This is a blocking thread of the runtime, where block_on is allowed.
                if let Ok(consent) = self.runtime.block_on(self.store.consent()) {
                    if !consent.agreed {
                        *self.shared.last_error.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some("consent was withdrawn; collection stopped".into());
                        self.shared.stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            if self.shared.stop.load(Ordering::Relaxed) {
                let _ = send(self.tracker.finish());
                return Ok(());
            }
            let flow = if self.pause.is_set() {
                let events = if paused { Vec::new() } else { self.tracker.pause() };
                paused = true;
                send(events)
            } else {
                paused = false;
                let sample = self.sample();
                send(self.tracker.observe(sample))
            };
            if flow.is_break() {
                return Err(ReadError::Stopped);
            }
            self.shared.sleep(self.poll);
        }
    }
}

impl LiveSource {
    fn sample(&mut self) -> Sample {
        let window = self.window.active_window();
        let idle = self.idle.idle_for();
        self.shared.note_error(window.as_ref().err().or(idle.as_ref().err()));
        Sample { at: chrono::Utc::now(), window: window.ok().flatten(), idle: idle.ok() }
    }
}

/// A running collector. Dropping it without [`CollectorHandle::stop`] stops the polling
/// thread but does not wait for the last flush.
pub struct CollectorHandle {
    shared: Arc<Shared>,
    pause: PauseFlag,
    session: Session,
    /// The pipeline's report: whether the store refuses writes.
    health: Arc<pipeline::Health>,
    task: Option<tokio::task::JoinHandle<Result<RunSummary, PipelineError>>>,
}

impl CollectorHandle {
    /// Pauses collection now and across restarts: the open event ends at the last
    /// poll, and nothing is sampled until [`CollectorHandle::resume`].
    pub fn pause(&self) -> Result<(), CollectError> {
        self.pause.set().map_err(|source| CollectError::PauseFlag { path: self.pause.0.clone(), source })?;
        self.shared.wake();
        Ok(())
    }

    pub fn resume(&self) -> Result<(), CollectError> {
        self.pause.clear().map_err(|source| CollectError::PauseFlag { path: self.pause.0.clone(), source })?;
        self.shared.wake();
        Ok(())
    }

    pub fn status(&self) -> CollectorStatus {
        CollectorStatus {
            running: self.shared.running.load(Ordering::Relaxed),
            paused: self.pause.is_set(),
            titles_available: self.session.titles_available(),
            note: self.session.note(),
            last_error: self.shared.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone().or_else(|| {
                // The pipeline keeps what it cannot store and retries; say why meanwhile.
                self.health
                    .trouble()
                    .map(|t| format!("{}; activity is kept in memory and saved once it can be", t.problem))
            }),
            pieces: self.shared.pieces.load(Ordering::Relaxed),
        }
    }

    /// Whether the collector ended on its own (an error); [`CollectorHandle::stop`] says why.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops polling, ends the open event, and waits until everything is flushed.
    pub async fn stop(mut self) -> Result<RunSummary, CollectError> {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.wake();
        let task = self.task.take().ok_or(CollectError::Task)?;
        let result = task.await.map_err(|_| CollectError::Task)?;
        self.shared.running.store(false, Ordering::Relaxed);
        Ok(result?)
    }
}

impl Drop for CollectorHandle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.wake();
    }
}

/// The live collector's entry points: [`Collector::start`] on this machine's desktop,
/// [`Collector::start_with`] on given watchers. Both return a [`CollectorHandle`].
pub struct Collector;

impl Collector {
    /// Starts the collector on this machine's desktop (see [`desktop_watchers`]).
    /// Refuses without consent ([`crate::store::consent`]), before connecting to the display.
    pub async fn start(
        store: &Store,
        analyzer: Arc<Analyzer>,
        exclusions: Exclusions,
        options: CollectorOptions,
    ) -> Result<CollectorHandle, CollectError> {
        let session = Session::from_env();
        // Consent first: without it the desktop is not even connected to.
        if !store.consent().await?.agreed {
            return Err(CollectError::NoConsent);
        }
        let watchers = tokio::task::spawn_blocking({
            let session = session.clone();
            move || desktop_watchers(&session)
        })
        .await
        .map_err(|_| CollectError::Task)??;
        Collector::start_with(store, analyzer, exclusions, options, session, watchers).await
    }

    /// Starts the collector with given watchers (another desktop, scripted ones in
    /// tests) and the session they belong to. Refuses without consent.
    pub async fn start_with(
        store: &Store,
        analyzer: Arc<Analyzer>,
        exclusions: Exclusions,
        options: CollectorOptions,
        session: Session,
        watchers: Watchers,
    ) -> Result<CollectorHandle, CollectError> {
        if !store.consent().await?.agreed {
            return Err(CollectError::NoConsent);
        }
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            running: AtomicBool::new(true),
            pieces: AtomicU64::new(0),
            last_error: Mutex::new(None),
            wake: (Mutex::new(false), Condvar::new()),
        });
        let pause = PauseFlag::in_dir(&options.data_dir);
        let tracker = Tracker::new(
            TrackerConfig {
                titles: session.titles_available(),
                ..TrackerConfig::new(options.poll, options.idle_timeout)
            },
            exclusions,
        );
        let source = LiveSource {
            window: watchers.window,
            idle: watchers.idle,
            tracker,
            poll: options.poll,
            pause: pause.clone(),
            shared: Arc::clone(&shared),
            store: store.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let store = store.clone();
        let running = Arc::clone(&shared);
        let health = Arc::new(pipeline::Health::default());
        let run_health = Arc::clone(&health);
        let task = tokio::spawn(async move {
            // The collector ends its own source; the pipeline's stop flag stays down so the
            // final pieces still pass.
            let never = Arc::new(AtomicBool::new(false));
            let options = RunOptions {
                health: run_health,
                ..RunOptions::new(&options.team, options.focus, pipeline::CHECKPOINT_RECORDS)
            };
            let result = pipeline::run(&store, analyzer, Box::new(source), options, never, |_| {}).await;
            running.running.store(false, Ordering::Relaxed);
            result
        });
        Ok(CollectorHandle { shared, pause, session, health, task: Some(task) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_says_when_titles_are_not_recorded() {
        let x11 = Session { display: Some(":0".into()), wayland: false };
        let xwayland = Session { display: Some(":0".into()), wayland: true };
        let wayland_only = Session { display: None, wayland: true };
        assert!(x11.titles_available() && x11.note().is_none());
        assert!(!xwayland.titles_available());
        assert!(xwayland.note().unwrap().contains("app-level activity only"));
        assert!(!wayland_only.titles_available());
        assert!(wayland_only.note().unwrap().contains("without X11"));
        // No display at all: a clear "unsupported", not a connection attempt.
        match desktop_watchers(&wayland_only) {
            Err(WatchError::Unsupported(why)) => {
                assert!(why.contains(if cfg!(target_os = "linux") { "Wayland" } else { "Linux only" }), "{why}")
            }
            _ => panic!("expected Unsupported"),
        }
    }

    #[test]
    fn the_pause_flag_persists_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let flag = PauseFlag::in_dir(dir.path());
        assert!(!flag.is_set());
        flag.set().unwrap();
        assert!(PauseFlag::in_dir(dir.path()).is_set(), "another handle (process) sees it");
        flag.clear().unwrap();
        flag.clear().unwrap();
        assert!(!flag.is_set());
    }
}
