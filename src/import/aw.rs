//! ActivityWatch export importer: `{"buckets": {id: {type, events: [{timestamp,
//! duration, data}]}}}` as written by ActivityWatch's export endpoint.
//!
//! Two streaming passes over the file, so memory does not grow with the number of
//! window events:
//! 1. collect AFK periods (`afkstatus`, status `afk`) and web-tab events
//!    (`web.tab.current`);
//! 2. stream `currentwindow` events: a browser window's time is split by the web events
//!    that overlap it (the tab's title and URL replace the window's, as ActivityWatch's
//!    own queries do), incognito tabs are dropped, and AFK time is cut out.
//!
//! When an export has no window bucket, web events are imported on their own.
//! AFK periods apply to all window events of the file, whatever their host.

use super::fields::{
    describe_json_error, json_bool, json_duration, json_required_string, json_string, json_timestamp, FieldError,
};
use super::{open, ReadProgress};
use crate::analyze::apps;
use crate::event::{RawEvent, SourceKind};
use crate::source::{Emit, ReadError, RecordError, SourceItem};
use chrono::{DateTime, TimeDelta, Utc};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
enum BucketKind {
    Window,
    Web,
    Afk,
    Other,
}

impl BucketKind {
    fn from_type(t: &str) -> BucketKind {
        match t {
            "currentwindow" => BucketKind::Window,
            "web.tab.current" => BucketKind::Web,
            "afkstatus" => BucketKind::Afk,
            _ => BucketKind::Other,
        }
    }

    /// ActivityWatch's watcher naming, for exports whose `events` precede `type`.
    fn from_id(id: &str) -> BucketKind {
        if id.starts_with("aw-watcher-window") {
            BucketKind::Window
        } else if id.starts_with("aw-watcher-web") {
            BucketKind::Web
        } else if id.starts_with("aw-watcher-afk") {
            BucketKind::Afk
        } else {
            BucketKind::Other
        }
    }

    fn name(&self) -> &'static str {
        match self {
            BucketKind::Window => "currentwindow",
            BucketKind::Web => "web.tab.current",
            BucketKind::Afk => "afkstatus",
            BucketKind::Other => "other type",
        }
    }
}

struct Bucket {
    /// 1-based position in the file; errors name this, never the id (it holds a host name).
    index: usize,
    kind: BucketKind,
    /// Browser name from an `aw-watcher-web-<browser>` id, for standalone web events.
    browser: String,
}

impl Bucket {
    fn location(&self, event: u64) -> String {
        format!("bucket #{} ({}), event #{}", self.index, self.kind.name(), event + 1)
    }
}

/// What a pass does with the export's buckets and events.
trait Pass {
    fn wants(&self, kind: &BucketKind) -> bool;
    fn event(&mut self, bucket: &Bucket, index: u64, raw: &RawValue) -> ControlFlow<()>;
    fn end_bucket(&mut self, bucket: &Bucket) -> ControlFlow<()>;
}

#[derive(Deserialize)]
struct AwEvent<'a> {
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    duration: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct AwData<'a> {
    #[serde(borrow, default)]
    app: Option<&'a RawValue>,
    #[serde(borrow, default)]
    title: Option<&'a RawValue>,
    #[serde(borrow, default)]
    url: Option<&'a RawValue>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
    #[serde(borrow, default)]
    incognito: Option<&'a RawValue>,
}

struct Parsed<'a> {
    start: DateTime<Utc>,
    duration: TimeDelta,
    data: AwData<'a>,
}

fn parse_event(raw: &RawValue) -> Result<Parsed<'_>, FieldError> {
    let event: AwEvent<'_> = serde_json::from_str(raw.get()).map_err(|e| (String::new(), describe_json_error(&e)))?;
    let start = json_timestamp("timestamp", event.timestamp)?;
    let duration = json_duration("duration", event.duration)?;
    let data = match event.data {
        None => AwData::default(),
        Some(d) => serde_json::from_str(d.get()).map_err(|_| ("data".to_string(), "expected an object".to_string()))?,
    };
    Ok(Parsed { start, duration, data })
}

fn reject(bucket: &Bucket, index: u64, record: Option<u64>, (field, problem): FieldError) -> SourceItem {
    SourceItem::Rejected {
        record,
        error: RecordError { location: bucket.location(index), field: (!field.is_empty()).then_some(field), problem },
    }
}

// ---- the streaming walk over the export --------------------------------------------

struct ExportSeed<'p>(&'p mut dyn Pass);

impl<'de> DeserializeSeed<'de> for ExportSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExportSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ActivityWatch export object with `buckets`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "buckets" {
                seen = true;
                map.next_value_seed(BucketsSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(de::Error::custom("the export has no `buckets` object"));
        }
        Ok(())
    }
}

struct BucketsSeed<'p>(&'p mut dyn Pass);

impl<'de> DeserializeSeed<'de> for BucketsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BucketsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of buckets by id")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(id) = map.next_key::<String>()? {
            index += 1;
            map.next_value_seed(BucketSeed { pass: &mut *self.0, id, index })?;
        }
        Ok(())
    }
}

struct BucketSeed<'p> {
    pass: &'p mut dyn Pass,
    id: String,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for BucketSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BucketSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bucket object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let browser = self
            .id
            .strip_prefix("aw-watcher-web-")
            .and_then(|rest| rest.split('_').next())
            .and_then(apps::known_app)
            .unwrap_or("browser")
            .to_string();
        let mut bucket = Bucket { index: self.index, kind: BucketKind::from_id(&self.id), browser };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => bucket.kind = BucketKind::from_type(&map.next_value::<String>()?),
                "events" if self.pass.wants(&bucket.kind) => {
                    map.next_value_seed(EventsSeed { pass: &mut *self.pass, bucket: &bucket })?;
                    if self.pass.end_bucket(&bucket).is_break() {
                        return Err(de::Error::custom(STOPPED));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct EventsSeed<'p, 'b> {
    pass: &'p mut dyn Pass,
    bucket: &'b Bucket,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if self.pass.event(self.bucket, index, &raw).is_break() {
                return Err(de::Error::custom(STOPPED));
            }
            index += 1;
        }
        Ok(())
    }
}

const STOPPED: &str = "\u{0}stopped";

fn walk(path: &Path, progress: &ReadProgress, pass: &mut dyn Pass) -> Result<(), ReadError> {
    let reader = open(path, progress)?;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = ExportSeed(pass).deserialize(&mut de).and_then(|()| de.end());
    result.map_err(|e| {
        if e.to_string().starts_with(STOPPED) {
            return ReadError::Stopped;
        }
        let problem = match e.classify() {
            serde_json::error::Category::Io => {
                return ReadError::Io { path: path.to_path_buf(), source: std::io::Error::other(format!("read failed at line {}", e.line())) }
            }
            serde_json::error::Category::Data => format!(
                "line {}, column {}: not an ActivityWatch export (expected {{\"buckets\": {{id: {{\"type\": …, \"events\": […]}}}}}})",
                e.line(),
                e.column()
            ),
            _ => describe_json_error(&e),
        };
        ReadError::Malformed { path: path.to_path_buf(), problem }
    })
}

// ---- window time split by overlays and AFK periods (shared with `serve`) -------------

/// A web-tab (or editor) event laid over window time: where it covers a window event,
/// its title and URL replace the window's.
pub(crate) struct OverlayEvent {
    /// The app (browser, editor) the event stands for when there is no window to lay it over.
    pub app: Arc<str>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub title: Arc<str>,
    pub url: Option<Arc<str>>,
    pub incognito: bool,
}

/// Overlay events sorted by start, with the longest one's length, so the ones that
/// overlap a window event are found by bisection.
#[derive(Default)]
pub(crate) struct OverlayEvents {
    events: Vec<OverlayEvent>,
    longest_ms: i64,
}

impl OverlayEvents {
    pub fn push(&mut self, event: OverlayEvent) {
        self.longest_ms = self.longest_ms.max(event.end_ms - event.start_ms);
        let at = self.events.partition_point(|w| (w.start_ms, w.end_ms) <= (event.start_ms, event.end_ms));
        self.events.insert(at, event);
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Drops the events that end at or before `ms`.
    pub fn forget_before(&mut self, ms: i64) {
        self.events.retain(|w| w.end_ms > ms);
        self.longest_ms = self.events.iter().map(|w| w.end_ms - w.start_ms).max().unwrap_or(0);
    }

    pub fn iter(&self) -> impl Iterator<Item = &OverlayEvent> {
        self.events.iter()
    }
}

/// Sorts `[start, end)` periods and merges those that overlap or touch.
pub(crate) fn merge_periods(periods: &mut Vec<(i64, i64)>) {
    periods.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(periods.len());
    for &(s, e) in periods.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *periods = merged;
}

/// `[s, e)` minus the merged, sorted AFK periods `afk`, appended to `out`.
pub(crate) fn active_parts(afk: &[(i64, i64)], s: i64, e: i64, out: &mut Vec<(i64, i64)>) {
    let mut at = s;
    let first = afk.partition_point(|a| a.1 <= s);
    for &(a_start, a_end) in &afk[first..] {
        if a_start >= e {
            break;
        }
        if a_start > at {
            out.push((at, a_start));
        }
        at = at.max(a_end);
    }
    if at < e {
        out.push((at, e));
    }
}

/// One window event, as the window watcher saw it.
pub(crate) struct WindowSpan<'a> {
    pub start_ms: i64,
    pub end_ms: i64,
    pub app: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
}

/// The active pieces of one window event, in time order: where `overlay` events cover
/// it, their title and URL replace the window's (as `source`) and incognito ones are
/// dropped; AFK time is cut out. Pieces after the first of one content are `continued`.
pub(crate) fn window_pieces(
    window: &WindowSpan<'_>,
    overlay: Option<(&OverlayEvents, SourceKind)>,
    afk: &[(i64, i64)],
    out: &mut Vec<RawEvent>,
) {
    // Segments of the window's time: None = the window itself, Some(i) = overlay event i.
    let mut segments: Vec<(i64, i64, Option<usize>)> = Vec::new();
    let mut at = window.start_ms;
    if let Some((overlay, _)) = overlay {
        let first = overlay.events.partition_point(|w| w.start_ms < window.start_ms - overlay.longest_ms);
        for (i, w) in overlay.events.iter().enumerate().skip(first) {
            if w.start_ms >= window.end_ms {
                break;
            }
            let (s, e) = (w.start_ms.max(at), w.end_ms.min(window.end_ms));
            if e <= s {
                continue;
            }
            if s > at {
                segments.push((at, s, None));
            }
            segments.push((s, e, Some(i)));
            at = e;
        }
    }
    if at < window.end_ms || segments.is_empty() {
        segments.push((at, window.end_ms, None));
    }

    let mut parts = Vec::new();
    let mut seen: Vec<Option<usize>> = Vec::new();
    for (s, e, content) in segments {
        let (title, url, source) = match (content, overlay) {
            (Some(i), Some((overlay, source))) => {
                let w = &overlay.events[i];
                if w.incognito {
                    continue;
                }
                (w.title.to_string(), w.url.as_ref().map(|u| u.to_string()), source)
            }
            _ => (window.title.to_string(), window.url.map(str::to_string), SourceKind::Window),
        };
        parts.clear();
        if e == s {
            parts.push((s, e));
        } else {
            active_parts(afk, s, e, &mut parts);
        }
        for &(ps, pe) in &parts {
            let continued = seen.contains(&content);
            seen.push(content);
            out.push(RawEvent {
                start: DateTime::from_timestamp_millis(ps).unwrap_or_default(),
                duration: TimeDelta::milliseconds(pe - ps),
                app: window.app.to_string(),
                title: title.clone(),
                url: url.clone(),
                text: None,
                source,
                continued,
            });
        }
    }
}

// ---- pass 1: AFK periods and web-tab events ------------------------------------------

#[derive(Default)]
struct Overlay {
    /// Merged, sorted AFK periods `[start, end)` in ms.
    afk: Vec<(i64, i64)>,
    /// Web-tab events, collected unsorted, then sorted by `finish`.
    collected: Vec<OverlayEvent>,
    web: OverlayEvents,
    has_window: bool,
    afk_errors: Vec<SourceItem>,
    web_errors: Vec<SourceItem>,
    interned: HashMap<Box<str>, Arc<str>>,
}

impl Overlay {
    fn intern(&mut self, s: String) -> Arc<str> {
        if let Some(a) = self.interned.get(s.as_str()) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s.as_str());
        self.interned.insert(s.into_boxed_str(), Arc::clone(&a));
        a
    }

    fn finish(&mut self) {
        merge_periods(&mut self.afk);
        let mut web = std::mem::take(&mut self.collected);
        web.sort_by_key(|w| (w.start_ms, w.end_ms));
        self.web.longest_ms = web.iter().map(|w| w.end_ms - w.start_ms).max().unwrap_or(0);
        self.web.events = web;
        self.interned = HashMap::new();
    }
}

impl Pass for Overlay {
    fn wants(&self, kind: &BucketKind) -> bool {
        matches!(kind, BucketKind::Afk | BucketKind::Web)
    }

    fn event(&mut self, bucket: &Bucket, index: u64, raw: &RawValue) -> ControlFlow<()> {
        let parsed = parse_event(raw).and_then(|p| {
            let start_ms = p.start.timestamp_millis();
            let end_ms = start_ms + p.duration.num_milliseconds();
            match bucket.kind {
                BucketKind::Afk => {
                    let status = json_required_string("data.status", p.data.status)?;
                    Ok(Some((start_ms, end_ms, status == "afk", None)))
                }
                _ => {
                    let title = json_string("data.title", p.data.title)?.unwrap_or_default();
                    let url = json_string("data.url", p.data.url)?;
                    let incognito = json_bool("data.incognito", p.data.incognito)?.unwrap_or(false);
                    Ok(Some((start_ms, end_ms, incognito, Some((title, url)))))
                }
            }
        });
        match parsed {
            Ok(Some((s, e, afk, None))) => {
                if afk && e > s {
                    self.afk.push((s, e));
                }
            }
            Ok(Some((s, e, incognito, Some((title, url))))) => {
                let title = self.intern(title);
                let url = url.map(|u| self.intern(u));
                let app = self.intern(bucket.browser.clone());
                self.collected.push(OverlayEvent { app, start_ms: s, end_ms: e, title, url, incognito });
            }
            Ok(None) => {}
            Err(problem) => {
                let item = reject(bucket, index, None, problem);
                match bucket.kind {
                    BucketKind::Afk => self.afk_errors.push(item),
                    _ => self.web_errors.push(item),
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn end_bucket(&mut self, _bucket: &Bucket) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// Notes whether the export has a window bucket (pass 1 skips their events).
struct WindowProbe<'o>(&'o mut Overlay);

impl Pass for WindowProbe<'_> {
    fn wants(&self, kind: &BucketKind) -> bool {
        // Window buckets are entered (their events skipped) so end_bucket can note them.
        self.0.wants(kind) || *kind == BucketKind::Window
    }
    fn event(&mut self, bucket: &Bucket, index: u64, raw: &RawValue) -> ControlFlow<()> {
        if bucket.kind == BucketKind::Window {
            return ControlFlow::Continue(());
        }
        self.0.event(bucket, index, raw)
    }
    fn end_bucket(&mut self, bucket: &Bucket) -> ControlFlow<()> {
        if bucket.kind == BucketKind::Window {
            self.0.has_window = true;
        }
        ControlFlow::Continue(())
    }
}

// ---- pass 2: window events ----------------------------------------------------------

struct Pending {
    record: u64,
    start_ms: i64,
    end_ms: i64,
    app: String,
    title: String,
    url: Option<String>,
    /// Standalone web events are dropped when incognito.
    incognito: bool,
}

struct Events<'e> {
    overlay: Overlay,
    emit: &'e mut dyn Emit,
    next_record: u64,
    pending: Option<Pending>,
    descending: bool,
}

impl Events<'_> {
    fn flush(&mut self) -> ControlFlow<()> {
        let Some(p) = self.pending.take() else {
            return ControlFlow::Continue(());
        };
        let events = if p.incognito { Vec::new() } else { self.pieces(&p) };
        self.emit.emit(SourceItem::Events { record: p.record, events })
    }

    /// The active pieces of one window event, in the bucket's time order.
    fn pieces(&mut self, p: &Pending) -> Vec<RawEvent> {
        let is_browser = apps::known_app(&p.app).is_some_and(apps::is_browser);
        let overlay = (is_browser && self.overlay.has_window && !self.overlay.web.is_empty())
            .then_some((&self.overlay.web, SourceKind::Web));
        let window =
            WindowSpan { start_ms: p.start_ms, end_ms: p.end_ms, app: &p.app, title: &p.title, url: p.url.as_deref() };
        let mut out = Vec::new();
        window_pieces(&window, overlay, &self.overlay.afk, &mut out);
        if self.descending {
            out.reverse();
        }
        out
    }
}

impl Pass for Events<'_> {
    fn wants(&self, kind: &BucketKind) -> bool {
        match kind {
            BucketKind::Window => true,
            BucketKind::Web => !self.overlay.has_window,
            _ => false,
        }
    }

    fn event(&mut self, bucket: &Bucket, index: u64, raw: &RawValue) -> ControlFlow<()> {
        let record = self.next_record;
        self.next_record += 1;
        let parsed = parse_event(raw).and_then(|p| {
            let start_ms = p.start.timestamp_millis();
            let end_ms = start_ms + p.duration.num_milliseconds();
            let (app, incognito) = if bucket.kind == BucketKind::Web {
                (bucket.browser.clone(), json_bool("data.incognito", p.data.incognito)?.unwrap_or(false))
            } else {
                let app = json_required_string("data.app", p.data.app)?;
                if app.trim().is_empty() {
                    return Err(("data.app".to_string(), "empty".to_string()));
                }
                (app, false)
            };
            Ok(Pending {
                record,
                start_ms,
                end_ms,
                app,
                title: json_string("data.title", p.data.title)?.unwrap_or_default(),
                url: json_string("data.url", p.data.url)?,
                incognito,
            })
        });
        match parsed {
            Ok(next) => {
                if let Some(prev) = &self.pending {
                    self.descending = next.start_ms < prev.start_ms;
                }
                let flow = self.flush();
                self.pending = Some(next);
                flow
            }
            Err(problem) => {
                self.flush()?;
                self.emit.emit(reject(bucket, index, Some(record), problem))
            }
        }
    }

    fn end_bucket(&mut self, _bucket: &Bucket) -> ControlFlow<()> {
        let flow = self.flush();
        self.descending = false;
        flow
    }
}

pub fn read(path: &Path, progress: &ReadProgress, emit: &mut dyn Emit) -> Result<(), ReadError> {
    progress.pass.store(1, std::sync::atomic::Ordering::Relaxed);
    let mut overlay = Overlay::default();
    match walk(path, progress, &mut WindowProbe(&mut overlay)) {
        // A broken file: pass 2 imports what comes before the break and reports it.
        Ok(()) | Err(ReadError::Malformed { .. }) => {}
        Err(e) => return Err(e),
    }
    overlay.finish();
    let mut errors = std::mem::take(&mut overlay.afk_errors);
    if overlay.has_window {
        errors.append(&mut overlay.web_errors);
    }
    for item in errors {
        if emit.emit(item).is_break() {
            return Err(ReadError::Stopped);
        }
    }
    progress.pass.store(2, std::sync::atomic::Ordering::Relaxed);
    let mut events = Events { overlay, emit, next_record: 0, pending: None, descending: false };
    walk(path, progress, &mut events)?;
    if events.flush().is_break() {
        return Err(ReadError::Stopped);
    }
    Ok(())
}
