//! The live timeline behind `tally serve`: each bucket's current (heartbeat-merged)
//! event, the closed events not yet emitted, and the rule that turns them into
//! [`RawEvent`]s — the same as for an ActivityWatch export (`import::aw`):
//!
//! - `currentwindow` events are the timeline. Where a `web.tab.current` event covers a
//!   browser window, the tab's title and URL replace the window's (incognito tabs are
//!   dropped); where an `app.editor.activity` event covers any other window, the
//!   editor's file, project and language replace its title (source `editor`).
//! - `afkstatus` events with status `afk` are cut out of all of it; `not-afk` adds nothing.
//! - With no window bucket, web and editor events stand on their own (app: the browser
//!   or editor named by the bucket).
//!
//! An event is final when the bucket's next heartbeat does not merge with it (data
//! changed, or a gap over `pulsetime`), when its watcher has been silent for
//! [`STALE_AFTER`], or at shutdown. A window event is emitted once no open event could
//! still overlay it: its end is at or before the *horizon*, the earliest start of an
//! open web, editor or `afk` event (an open `not-afk` event counts from its end, since a
//! following `afk` event starts there). Everything here holds raw text: memory only.

use super::heartbeat::{merge, Heartbeat};
use crate::analyze::apps;
use crate::event::{RawEvent, SourceKind};
use crate::import::aw::{merge_periods, window_pieces, OverlayEvent, OverlayEvents, WindowSpan};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An open event whose watcher sent nothing for this long is closed.
pub const STALE_AFTER: Duration = Duration::from_secs(600);
/// How long AFK periods and web/editor overlays are kept past the horizon, for events
/// that arrive late from another watcher (event time, milliseconds).
const LATE_EVENTS_MS: i64 = 2 * 3600 * 1000;
/// Closed events held back for the horizon, at most; beyond it (a client inserting
/// events far in the future, say) they are emitted as they are, so memory stays bounded.
pub const MAX_HELD: usize = 100_000;
/// The same bound in bytes of held text ([`Timeline::held_bytes`]), by default.
pub const MAX_HELD_BYTES: usize = 32 << 20;
/// Counted for every held event on top of its text, for the byte bounds.
const EVENT_BYTES: usize = 64;

/// What a bucket's events mean to Tally, by ActivityWatch bucket type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    Window,
    Web,
    Afk,
    Editor,
    /// Any other type: accepted, its events ignored.
    Other,
}

impl BucketKind {
    pub fn from_type(t: &str) -> BucketKind {
        match t {
            "currentwindow" => BucketKind::Window,
            "web.tab.current" => BucketKind::Web,
            "afkstatus" => BucketKind::Afk,
            "app.editor.activity" => BucketKind::Editor,
            _ => BucketKind::Other,
        }
    }

    /// Checks an event's `data` for this kind; the error names the field, never a value.
    pub fn check(self, data: &serde_json::Map<String, Value>) -> Result<(), (String, &'static str)> {
        let string = |field: &str, required: bool| match data.get(field) {
            None | Some(Value::Null) if !required => Ok(()),
            Some(Value::String(s)) if !(required && s.trim().is_empty()) => Ok(()),
            None | Some(Value::Null) => Err((format!("data.{field}"), "missing")),
            Some(Value::String(_)) => Err((format!("data.{field}"), "empty")),
            Some(_) => Err((format!("data.{field}"), "expected a string")),
        };
        match self {
            BucketKind::Window => {
                string("app", true)?;
                string("title", false)?;
                string("url", false)
            }
            BucketKind::Web => {
                string("url", false)?;
                string("title", false)?;
                match data.get("incognito") {
                    None | Some(Value::Null | Value::Bool(_)) => Ok(()),
                    Some(_) => Err(("data.incognito".to_string(), "expected true or false")),
                }
            }
            BucketKind::Afk => match data.get("status") {
                Some(Value::String(s)) if s == "afk" || s == "not-afk" => Ok(()),
                Some(Value::String(_)) => Err(("data.status".to_string(), "expected \"afk\" or \"not-afk\"")),
                _ => Err(("data.status".to_string(), "missing")),
            },
            BucketKind::Editor => {
                string("file", false)?;
                string("project", false)?;
                string("language", false)
            }
            BucketKind::Other => Ok(()),
        }
    }
}

struct LiveBucket {
    kind: BucketKind,
    /// The browser or editor this bucket stands for (standalone events).
    app: Arc<str>,
    current: Option<Heartbeat>,
    last_heard: Instant,
}

struct ClosedWindow {
    start_ms: i64,
    end_ms: i64,
    app: String,
    title: String,
    url: Option<String>,
}

impl ClosedWindow {
    fn bytes(&self) -> usize {
        EVENT_BYTES + self.app.len() + self.title.len() + self.url.as_ref().map_or(0, String::len)
    }
}

fn overlay_bytes(event: &OverlayEvent) -> usize {
    // The app is shared with the bucket; the title and URL are the event's own.
    EVENT_BYTES + event.title.len() + event.url.as_ref().map_or(0, |u| u.len())
}

fn current_bytes(event: &Heartbeat) -> usize {
    EVENT_BYTES + event.data_bytes()
}

/// What a finished event's text takes in memory until it is aggregated, counted the
/// same way as the events [`Timeline`] holds.
pub fn event_bytes(event: &RawEvent) -> usize {
    EVENT_BYTES
        + event.app.len()
        + event.title.len()
        + event.url.as_ref().map_or(0, String::len)
        + event.text.as_ref().map_or(0, String::len)
}

/// Every bucket's current event and the closed events waiting for the horizon.
pub struct Timeline {
    buckets: HashMap<String, LiveBucket>,
    /// Closed window events, sorted by start.
    windows: Vec<ClosedWindow>,
    web: OverlayEvents,
    editor: OverlayEvents,
    /// AFK periods `[start, end)` in ms, merged and sorted.
    afk: Vec<(i64, i64)>,
    has_window: bool,
    /// Text bytes of the buckets' current events, and of the closed events.
    current_bytes: usize,
    closed_bytes: usize,
    /// Closed bytes beyond which everything closed is emitted, horizon or not.
    byte_cap: usize,
}

impl Default for Timeline {
    fn default() -> Timeline {
        Timeline::with_byte_cap(MAX_HELD_BYTES)
    }
}

impl Timeline {
    /// A timeline that holds at most `byte_cap` bytes of closed events back for the horizon.
    pub fn with_byte_cap(byte_cap: usize) -> Timeline {
        Timeline {
            buckets: HashMap::new(),
            windows: Vec::new(),
            web: OverlayEvents::default(),
            editor: OverlayEvents::default(),
            afk: Vec::new(),
            has_window: false,
            current_bytes: 0,
            closed_bytes: 0,
            byte_cap,
        }
    }

    /// Registers a bucket (idempotent); `id` is the clear bucket id, held in memory only.
    pub fn add_bucket(&mut self, id: &str, kind: BucketKind) {
        self.has_window |= kind == BucketKind::Window;
        self.buckets.entry(id.to_string()).or_insert_with(|| LiveBucket {
            kind,
            app: Arc::from(standalone_app(id, kind)),
            current: None,
            last_heard: Instant::now(),
        });
    }

    /// Closes the bucket's current event (its time stays counted) and forgets the bucket.
    pub fn remove_bucket(&mut self, id: &str) {
        if let Some(mut bucket) = self.buckets.remove(id) {
            if let Some(event) = bucket.current.take() {
                self.current_bytes = self.current_bytes.saturating_sub(current_bytes(&event));
                self.close(bucket.kind, &bucket.app, event);
            }
        }
    }

    /// Applies a heartbeat; returns the bucket's current event after the merge. The
    /// bucket must have been added and `heartbeat.data` checked for its kind.
    pub fn heartbeat(&mut self, id: &str, heartbeat: Heartbeat, pulsetime_ms: i64, now: Instant) -> Option<Heartbeat> {
        let bucket = self.buckets.get_mut(id)?;
        bucket.last_heard = now;
        let merged = bucket.current.as_mut().is_some_and(|current| merge(current, &heartbeat, pulsetime_ms));
        let closed = if merged {
            None
        } else {
            self.current_bytes += current_bytes(&heartbeat);
            bucket.current.replace(heartbeat)
        };
        let (kind, app, current) = (bucket.kind, Arc::clone(&bucket.app), bucket.current.clone());
        if let Some(event) = closed {
            self.current_bytes = self.current_bytes.saturating_sub(current_bytes(&event));
            self.close(kind, &app, event);
        }
        current
    }

    /// Takes events as they are (`POST …/events`): each is closed at once, unmerged.
    pub fn insert(&mut self, id: &str, events: Vec<Heartbeat>) -> bool {
        let Some(bucket) = self.buckets.get(id) else { return false };
        let (kind, app) = (bucket.kind, Arc::clone(&bucket.app));
        for event in events {
            self.close(kind, &app, event);
        }
        true
    }

    fn close(&mut self, kind: BucketKind, app: &Arc<str>, event: Heartbeat) {
        let (start_ms, end_ms) = (event.start_ms, event.end_ms());
        let text = |field: &str| event.data.get(field).and_then(Value::as_str).map(str::to_string);
        match kind {
            BucketKind::Window => {
                let window = ClosedWindow {
                    start_ms,
                    end_ms,
                    app: text("app").unwrap_or_default(),
                    title: text("title").unwrap_or_default(),
                    url: text("url"),
                };
                self.closed_bytes += window.bytes();
                let at = self.windows.partition_point(|w| w.start_ms <= start_ms);
                self.windows.insert(at, window);
            }
            BucketKind::Web => {
                let web = OverlayEvent {
                    app: Arc::clone(app),
                    start_ms,
                    end_ms,
                    title: Arc::from(text("title").unwrap_or_default()),
                    url: text("url").map(Arc::from),
                    incognito: event.data.get("incognito").and_then(Value::as_bool).unwrap_or(false),
                };
                self.closed_bytes += overlay_bytes(&web);
                self.web.push(web)
            }
            BucketKind::Editor => {
                let title = ["file", "project", "language"]
                    .iter()
                    .filter_map(|f| text(f).filter(|s| !s.is_empty()))
                    .collect::<Vec<_>>()
                    .join(" - ");
                let editor = OverlayEvent {
                    app: Arc::clone(app),
                    start_ms,
                    end_ms,
                    title: Arc::from(title),
                    url: None,
                    incognito: false,
                };
                self.closed_bytes += overlay_bytes(&editor);
                self.editor.push(editor)
            }
            BucketKind::Afk => {
                if text("status").as_deref() == Some("afk") && end_ms > start_ms {
                    self.closed_bytes += EVENT_BYTES;
                    self.afk.push((start_ms, end_ms));
                    merge_periods(&mut self.afk);
                }
            }
            BucketKind::Other => {}
        }
    }

    /// Closes stale events (all of them when `all`), and returns the events that are
    /// final, in time order; they are forgotten here. Everything is final when more than
    /// [`MAX_HELD`] events, or more than the byte cap, wait.
    pub fn settle(&mut self, now: Instant, all: bool) -> Vec<RawEvent> {
        let stale: Vec<String> = self
            .buckets
            .iter()
            .filter(|(_, b)| b.current.is_some() && (all || now.duration_since(b.last_heard) >= STALE_AFTER))
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            let bucket = self.buckets.get_mut(&id).expect("listed above");
            let (kind, app) = (bucket.kind, Arc::clone(&bucket.app));
            if let Some(event) = bucket.current.take() {
                self.current_bytes = self.current_bytes.saturating_sub(current_bytes(&event));
                self.close(kind, &app, event);
            }
        }
        let held = self.windows.len() + self.web.len() + self.editor.len() + self.afk.len();
        let horizon = if held > MAX_HELD || self.closed_bytes > self.byte_cap { i64::MAX } else { self.horizon() };
        let mut out = Vec::new();
        let ready = self.windows.partition_point(|w| w.start_ms < horizon);
        let mut kept = Vec::new();
        for w in self.windows.drain(..ready) {
            if w.end_ms > horizon {
                kept.push(w);
                continue;
            }
            let browser = apps::known_app(&w.app).is_some_and(apps::is_browser);
            let overlay = if browser {
                (!self.web.is_empty()).then_some((&self.web, SourceKind::Web))
            } else {
                (!self.editor.is_empty()).then_some((&self.editor, SourceKind::Editor))
            };
            let span = WindowSpan {
                start_ms: w.start_ms,
                end_ms: w.end_ms,
                app: &w.app,
                title: &w.title,
                url: w.url.as_deref(),
            };
            window_pieces(&span, overlay, &self.afk, &mut out);
        }
        for (i, w) in kept.into_iter().enumerate() {
            self.windows.insert(i, w);
        }
        if !self.has_window {
            for (overlay, source) in [(&self.web, SourceKind::Web), (&self.editor, SourceKind::Editor)] {
                for e in overlay.iter().filter(|e| e.end_ms <= horizon && !e.incognito) {
                    let span = WindowSpan {
                        start_ms: e.start_ms,
                        end_ms: e.end_ms,
                        app: &e.app,
                        title: &e.title,
                        url: e.url.as_deref(),
                    };
                    let from = out.len();
                    window_pieces(&span, None, &self.afk, &mut out);
                    out[from..].iter_mut().for_each(|piece| piece.source = source);
                }
            }
            out.sort_by_key(|e| e.start);
        }
        // Overlays and AFK periods are kept while a waiting window event may need them,
        // and for LATE_EVENTS_MS more: one watcher may deliver its events after another
        // (aw-client replays its queue after an outage).
        let keep_from =
            self.windows.first().map_or(horizon, |w| w.start_ms.min(horizon)).saturating_sub(LATE_EVENTS_MS);
        self.web.forget_before(keep_from);
        self.editor.forget_before(keep_from);
        self.afk.retain(|a| a.1 > keep_from);
        self.closed_bytes = self.windows.iter().map(ClosedWindow::bytes).sum::<usize>()
            + self.web.iter().chain(self.editor.iter()).map(overlay_bytes).sum::<usize>()
            + self.afk.len() * EVENT_BYTES;
        out
    }

    /// The time before which no open event can change what is emitted.
    fn horizon(&self) -> i64 {
        self.buckets
            .values()
            .filter_map(|b| {
                let current = b.current.as_ref()?;
                match b.kind {
                    BucketKind::Other => None,
                    BucketKind::Afk if current.data.get("status").and_then(Value::as_str) == Some("not-afk") => {
                        Some(current.end_ms())
                    }
                    _ => Some(current.start_ms),
                }
            })
            .min()
            .unwrap_or(i64::MAX)
    }

    pub fn set_byte_cap(&mut self, byte_cap: usize) {
        self.byte_cap = byte_cap;
    }

    /// Bytes of text held in memory (open and closed events), as the server's memory
    /// limit counts them.
    pub fn held_bytes(&self) -> usize {
        self.current_bytes + self.closed_bytes
    }

    /// Events held in memory (open and closed), for tests and benchmarks.
    pub fn held(&self) -> usize {
        self.buckets.values().filter(|b| b.current.is_some()).count()
            + self.windows.len()
            + self.web.len()
            + self.editor.len()
            + self.afk.len()
    }
}

/// The app a standalone web or editor event stands for: the browser or editor in the
/// watcher's bucket id (`aw-watcher-web-firefox_host`, `aw-watcher-vscode_host`).
fn standalone_app(id: &str, kind: BucketKind) -> String {
    let name = id.strip_prefix("aw-watcher-").unwrap_or(id).split('_').next().unwrap_or("");
    let name = name.strip_prefix("web-").unwrap_or(name);
    match kind {
        BucketKind::Web => apps::known_app(name).filter(|a| apps::is_browser(a)).unwrap_or("browser").to_string(),
        BucketKind::Editor => match apps::known_app(name) {
            Some(known) => known.to_string(),
            None if name == "vscode" => "code".to_string(),
            None => "editor".to_string(),
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: i64 = 1_793_955_600_000; // 2026-11-05T09:00:00Z

    fn hb(at_s: i64, data: Value) -> Heartbeat {
        Heartbeat { start_ms: T0 + at_s * 1000, duration_ms: 0, data: data.as_object().cloned().unwrap() }
    }

    /// (offset s, duration s, title, source, continued) of each emitted piece.
    fn pieces(events: &[RawEvent]) -> Vec<(i64, i64, String, SourceKind, bool)> {
        events
            .iter()
            .map(|e| {
                (
                    (e.start.timestamp_millis() - T0) / 1000,
                    e.duration.num_seconds(),
                    e.title.clone(),
                    e.source,
                    e.continued,
                )
            })
            .collect()
    }

    fn send(t: &mut Timeline, id: &str, beats: &[(i64, Value)], pulsetime_s: i64) {
        for (at, data) in beats {
            t.heartbeat(id, hb(*at, data.clone()), pulsetime_s * 1000, Instant::now()).expect("bucket exists");
        }
    }

    #[test]
    fn windows_merge_and_afk_time_is_cut_out() {
        let mut t = Timeline::default();
        t.add_bucket("aw-watcher-window_h", BucketKind::Window);
        t.add_bucket("aw-watcher-afk_h", BucketKind::Afk);
        let code = json!({"app": "code", "title": "main.rs"});
        let slack = json!({"app": "slack", "title": "general"});
        // code 0–120 s (heartbeats every 30 s), gap of 61 s > pulsetime 60 s: a new event 181–240.
        send(&mut t, "aw-watcher-window_h", &[(0, code.clone()), (60, code.clone()), (120, code.clone())], 60);
        send(&mut t, "aw-watcher-window_h", &[(181, code.clone()), (240, code.clone()), (240, slack.clone())], 60);
        send(&mut t, "aw-watcher-window_h", &[(300, slack.clone())], 60);
        // not-afk 0–60, afk 60–100, not-afk 100–300.
        let (busy, away) = (json!({"status": "not-afk"}), json!({"status": "afk"}));
        send(&mut t, "aw-watcher-afk_h", &[(0, busy.clone()), (60, busy.clone())], 60);
        send(&mut t, "aw-watcher-afk_h", &[(60, away.clone()), (100, away.clone())], 60);
        send(&mut t, "aw-watcher-afk_h", &[(100, busy.clone()), (300, busy.clone())], 300);
        let out = t.settle(Instant::now(), true);
        let main = || "main.rs".to_string();
        assert_eq!(
            pieces(&out),
            vec![
                (0, 60, main(), SourceKind::Window, false),
                (100, 20, main(), SourceKind::Window, true),
                (181, 59, main(), SourceKind::Window, false),
                (240, 60, "general".to_string(), SourceKind::Window, false),
            ]
        );
        assert_eq!(t.held(), 0, "everything emitted is forgotten");
    }

    #[test]
    fn afk_periods_still_cut_window_events_that_arrive_after_them() {
        let mut t = Timeline::default();
        t.add_bucket("aw-watcher-window_h", BucketKind::Window);
        t.add_bucket("aw-watcher-afk_h", BucketKind::Afk);
        let (busy, away) = (json!({"status": "not-afk"}), json!({"status": "afk"}));
        send(&mut t, "aw-watcher-afk_h", &[(0, busy.clone()), (60, busy.clone())], 60);
        send(&mut t, "aw-watcher-afk_h", &[(60, away.clone()), (100, away.clone())], 60);
        send(&mut t, "aw-watcher-afk_h", &[(100, busy.clone()), (300, busy.clone())], 300);
        // The server settles while only the AFK watcher has spoken…
        assert!(t.settle(Instant::now(), false).is_empty());
        // …then the window watcher delivers the same stretch.
        let code = json!({"app": "code", "title": "main.rs"});
        send(&mut t, "aw-watcher-window_h", &[(0, code.clone()), (150, code.clone())], 200);
        let out = t.settle(Instant::now(), true);
        let main = || "main.rs".to_string();
        assert_eq!(
            pieces(&out),
            vec![(0, 60, main(), SourceKind::Window, false), (100, 50, main(), SourceKind::Window, true)]
        );
    }

    #[test]
    fn web_tabs_overlay_browser_windows_and_editors_overlay_the_rest() {
        let mut t = Timeline::default();
        for (id, kind) in [
            ("aw-watcher-window_h", BucketKind::Window),
            ("aw-watcher-web-firefox_h", BucketKind::Web),
            ("aw-watcher-vscode_h", BucketKind::Editor),
        ] {
            t.add_bucket(id, kind);
        }
        let ff = json!({"app": "firefox", "title": "Mozilla Firefox"});
        let code = json!({"app": "code", "title": "Visual Studio Code"});
        send(&mut t, "aw-watcher-window_h", &[(0, ff.clone()), (100, ff), (100, code.clone()), (200, code)], 100);
        let docs = json!({"url": "https://docs.rs/", "title": "docs.rs", "incognito": false});
        let secret = json!({"url": "https://x.example/", "title": "private", "incognito": true});
        send(
            &mut t,
            "aw-watcher-web-firefox_h",
            &[(10, docs.clone()), (40, docs), (40, secret.clone()), (70, secret)],
            60,
        );
        let file = json!({"file": "/home/u/src/main.rs", "project": "tally", "language": "rust"});
        send(&mut t, "aw-watcher-vscode_h", &[(120, file.clone()), (150, file)], 60);
        let out = t.settle(Instant::now(), true);
        assert_eq!(
            pieces(&out),
            vec![
                (0, 10, "Mozilla Firefox".to_string(), SourceKind::Window, false),
                (10, 30, "docs.rs".to_string(), SourceKind::Web, false),
                // 40–70: the incognito tab, dropped.
                (70, 30, "Mozilla Firefox".to_string(), SourceKind::Window, true),
                (100, 20, "Visual Studio Code".to_string(), SourceKind::Window, false),
                (120, 30, "/home/u/src/main.rs - tally - rust".to_string(), SourceKind::Editor, false),
                (150, 50, "Visual Studio Code".to_string(), SourceKind::Window, true),
            ]
        );
        assert_eq!(out[4].app, "code", "an editor overlay keeps the window's app");
    }

    #[test]
    fn without_a_window_bucket_web_and_editor_events_stand_alone() {
        let mut t = Timeline::default();
        t.add_bucket("aw-watcher-web-chrome_h", BucketKind::Web);
        t.add_bucket("aw-watcher-vscode_h", BucketKind::Editor);
        let docs = json!({"url": "https://docs.rs/", "title": "docs.rs"});
        send(&mut t, "aw-watcher-web-chrome_h", &[(0, docs.clone()), (30, docs)], 60);
        let file = json!({"file": "lib.rs"});
        send(&mut t, "aw-watcher-vscode_h", &[(40, file.clone()), (50, file)], 60);
        let out = t.settle(Instant::now(), true);
        assert_eq!(
            pieces(&out),
            vec![
                (0, 30, "docs.rs".to_string(), SourceKind::Web, false),
                (40, 10, "lib.rs".to_string(), SourceKind::Editor, false)
            ]
        );
        assert_eq!((out[0].app.as_str(), out[1].app.as_str()), ("chrome", "code"));
    }

    #[test]
    fn a_window_waits_until_no_open_overlay_or_afk_event_can_change_it() {
        let mut t = Timeline::default();
        t.add_bucket("w", BucketKind::Window);
        t.add_bucket("web", BucketKind::Web);
        t.add_bucket("afk", BucketKind::Afk);
        let ff = json!({"app": "firefox", "title": "Firefox"});
        let code = json!({"app": "code", "title": "x.rs"});
        send(&mut t, "w", &[(0, ff.clone()), (60, ff), (60, code)], 60);
        let tab = json!({"url": "https://a.example/", "title": "A"});
        send(&mut t, "web", &[(30, tab.clone()), (55, tab)], 60);
        send(&mut t, "afk", &[(0, json!({"status": "not-afk"})), (100, json!({"status": "not-afk"}))], 60);
        // The web event that started at 30 s is still open: the firefox window (0–60) waits.
        assert!(t.settle(Instant::now(), false).is_empty());
        send(&mut t, "web", &[(60, json!({"url": "https://b.example/", "title": "B"}))], 60);
        let out = t.settle(Instant::now(), false);
        assert_eq!(
            pieces(&out),
            vec![
                (0, 30, "Firefox".to_string(), SourceKind::Window, false),
                (30, 25, "A".to_string(), SourceKind::Web, false),
                (55, 5, "Firefox".to_string(), SourceKind::Window, true),
            ]
        );
        // A watcher silent for longer than STALE_AFTER has its event closed.
        let later = Instant::now() + STALE_AFTER;
        let out = t.settle(later, false);
        assert_eq!(pieces(&out), vec![(60, 0, "x.rs".to_string(), SourceKind::Window, false)]);
        assert_eq!(t.held(), 0);
    }

    #[test]
    fn held_events_are_bounded() {
        let mut t = Timeline::default();
        t.add_bucket("w", BucketKind::Window);
        t.add_bucket("web", BucketKind::Web);
        // An open web event at 0 s holds back every later window event…
        send(&mut t, "web", &[(0, json!({"url": "https://a.example/", "title": "A"}))], 60);
        let events: Vec<Heartbeat> = (0..=MAX_HELD as i64).map(|i| hb(1 + i, json!({"app": "code"}))).collect();
        t.insert("w", events);
        // …until more than MAX_HELD wait: then they go out as they are.
        assert_eq!(t.settle(Instant::now(), false).len(), MAX_HELD + 1);
        assert_eq!(t.held(), 1, "only the open web event is left");
    }

    #[test]
    fn held_text_is_counted_in_bytes_and_bounded_by_the_byte_cap() {
        let mut t = Timeline::with_byte_cap(20_000);
        t.add_bucket("w", BucketKind::Window);
        t.add_bucket("web", BucketKind::Web);
        assert_eq!(t.held_bytes(), 0);
        // An open web event holds back the window events after it…
        send(&mut t, "web", &[(0, json!({"url": "https://a.example/", "title": "A"}))], 60);
        let open = t.held_bytes();
        assert!(open > 0);
        let title = "t".repeat(1000);
        let events: Vec<Heartbeat> = (0..15).map(|i| hb(1 + i, json!({"app": "code", "title": title}))).collect();
        t.insert("w", events);
        assert!(t.settle(Instant::now(), false).is_empty());
        let held = t.held_bytes() - open;
        assert!((15_000..20_000).contains(&held), "15 titles of 1000 bytes: {held}");
        // …until they hold more than the cap: then they go out as they are, and their
        // bytes with them.
        let events: Vec<Heartbeat> = (15..25).map(|i| hb(1 + i, json!({"app": "code", "title": title}))).collect();
        t.insert("w", events);
        assert_eq!(t.settle(Instant::now(), false).len(), 25);
        assert_eq!(t.held_bytes(), open, "only the open web event is left");
        // A merged heartbeat adds nothing; a new event replaces the current one's bytes.
        send(&mut t, "web", &[(30, json!({"url": "https://a.example/", "title": "A"}))], 60);
        assert_eq!(t.held_bytes(), open);
        t.settle(Instant::now(), true);
        assert_eq!(t.held_bytes(), 0, "nothing held, nothing counted");
    }

    #[test]
    fn data_is_checked_per_bucket_kind() {
        let obj = |v: Value| v.as_object().cloned().unwrap();
        assert!(BucketKind::Window.check(&obj(json!({"app": "code"}))).is_ok());
        assert_eq!(BucketKind::Window.check(&obj(json!({"title": "x"}))).unwrap_err().0, "data.app");
        assert_eq!(BucketKind::Window.check(&obj(json!({"app": " "}))).unwrap_err().0, "data.app");
        assert_eq!(BucketKind::Window.check(&obj(json!({"app": "a", "title": 3}))).unwrap_err().0, "data.title");
        assert!(BucketKind::Afk.check(&obj(json!({"status": "afk"}))).is_ok());
        assert_eq!(BucketKind::Afk.check(&obj(json!({"status": "away"}))).unwrap_err().0, "data.status");
        assert_eq!(BucketKind::Web.check(&obj(json!({"incognito": "no"}))).unwrap_err().0, "data.incognito");
        assert!(BucketKind::Editor.check(&obj(json!({"file": "a.rs", "language": "rust"}))).is_ok());
        assert!(BucketKind::Other.check(&obj(json!({"anything": [1, 2]}))).is_ok());
    }
}
