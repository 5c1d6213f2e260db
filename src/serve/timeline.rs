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

/// Every bucket's current event and the closed events waiting for the horizon.
#[derive(Default)]
pub struct Timeline {
    buckets: HashMap<String, LiveBucket>,
    /// Closed window events, sorted by start.
    windows: Vec<ClosedWindow>,
    web: OverlayEvents,
    editor: OverlayEvents,
    /// AFK periods `[start, end)` in ms, merged and sorted.
    afk: Vec<(i64, i64)>,
    has_window: bool,
}

impl Timeline {
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
        let closed = if merged { None } else { bucket.current.replace(heartbeat) };
        let (kind, app, current) = (bucket.kind, Arc::clone(&bucket.app), bucket.current.clone());
        if let Some(event) = closed {
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
                let at = self.windows.partition_point(|w| w.start_ms <= start_ms);
                self.windows.insert(at, window);
            }
            BucketKind::Web => self.web.push(OverlayEvent {
                app: Arc::clone(app),
                start_ms,
                end_ms,
                title: Arc::from(text("title").unwrap_or_default()),
                url: text("url").map(Arc::from),
                incognito: event.data.get("incognito").and_then(Value::as_bool).unwrap_or(false),
            }),
            BucketKind::Editor => {
                let title = ["file", "project", "language"]
                    .iter()
                    .filter_map(|f| text(f).filter(|s| !s.is_empty()))
                    .collect::<Vec<_>>()
                    .join(" - ");
                self.editor.push(OverlayEvent {
                    app: Arc::clone(app),
                    start_ms,
                    end_ms,
                    title: Arc::from(title),
                    url: None,
                    incognito: false,
                })
            }
            BucketKind::Afk => {
                if text("status").as_deref() == Some("afk") && end_ms > start_ms {
                    self.afk.push((start_ms, end_ms));
                    merge_periods(&mut self.afk);
                }
            }
            BucketKind::Other => {}
        }
    }

    /// Closes stale events (all of them when `all`), and returns the events that are
    /// final, in time order; they are forgotten here.
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
                self.close(kind, &app, event);
            }
        }
        let horizon = self.horizon();
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
        // Overlays and AFK periods are kept while a waiting window event may need them.
        let keep_from = self.windows.first().map_or(horizon, |w| w.start_ms.min(horizon));
        self.web.forget_before(keep_from);
        self.editor.forget_before(keep_from);
        self.afk.retain(|a| a.1 > keep_from);
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
