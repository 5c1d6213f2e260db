//! The heartbeat logic of the live collector as a pure state machine: samples in
//! (poll instant, active window, idle time), finished pieces of [`RawEvent`] out. No
//! clock, no X11, no threads, so every rule is checked by a table of samples.
//!
//! Rules, in the order they apply to each sample:
//! 1. **Suspend gap** — a sample more than twice the poll interval after the previous
//!    one (or before it: the clock went back) ends the open event at the previous poll;
//!    the gap is never counted as activity.
//! 2. **Exclusions** — an excluded app, title pattern or private window counts as "no
//!    window": it ends the open event and starts nothing. Its title is dropped here, so
//!    nothing after the tracker ever sees it.
//! 3. **Idle** — idle time at or above the timeout ends the open event at the last
//!    input (`sample − idle`): the whole idle stretch is not active time, as
//!    ActivityWatch's AFK periods cut window events.
//! 4. **Heartbeat** — the same window extends the open event to this sample; another
//!    window ends it here and opens a new one.
//!
//! A long event is handed on in pieces of at most [`TrackerConfig::piece`] (the later
//! ones marked `continued`, so they add time but are not counted as new events), so the
//! pipeline can flush live data within a minute. A piece never extends past the last
//! input, because idle time found later must still be cut out of what is not yet sent.

use super::ActiveWindow;
use crate::analyze::exclusions::Exclusions;
use crate::event::{RawEvent, SourceKind};
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

/// One poll of the watchers.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the poll ran (wall clock: it keeps running through a suspend, unlike a
    /// monotonic clock, so a suspend shows up as a gap).
    pub at: DateTime<Utc>,
    /// The focused window, or `None` when there is none or it cannot be read.
    pub window: Option<ActiveWindow>,
    /// Time since the last keyboard or mouse input; `None` when unknown (never idle).
    pub idle: Option<Duration>,
}

#[derive(Debug, Clone, Copy)]
pub struct TrackerConfig {
    /// The poll interval; a gap longer than twice it ends the open event.
    pub poll: Duration,
    /// Idle time from which the user counts as away.
    pub idle_timeout: Duration,
    /// The longest piece of one event held back before it is handed on.
    pub piece: Duration,
    /// False where titles cannot be trusted to be complete (a Wayland session): titles
    /// are then blanked after the exclusions saw them, and only apps are recorded.
    pub titles: bool,
}

impl TrackerConfig {
    pub fn new(poll: Duration, idle_timeout: Duration) -> TrackerConfig {
        TrackerConfig { poll, idle_timeout, piece: Duration::from_secs(30), titles: true }
    }
}

#[derive(Debug)]
struct Open {
    window: ActiveWindow,
    /// Everything before this has been handed on.
    sent_until: DateTime<Utc>,
    /// The latest poll that saw this window active.
    end: DateTime<Utc>,
    /// Whether a piece was handed on already (later pieces are `continued`).
    started: bool,
}

/// The state machine. Feed it with [`Tracker::observe`]; call [`Tracker::pause`] when
/// collection pauses and [`Tracker::finish`] when it stops.
pub struct Tracker {
    config: TrackerConfig,
    exclusions: Exclusions,
    open: Option<Open>,
    last_poll: Option<DateTime<Utc>>,
}

impl Tracker {
    pub fn new(config: TrackerConfig, exclusions: Exclusions) -> Tracker {
        Tracker { config, exclusions, open: None, last_poll: None }
    }

    /// Takes one sample; returns the pieces of events it completed.
    pub fn observe(&mut self, sample: Sample) -> Vec<RawEvent> {
        let mut out = Vec::new();
        let at = sample.at;
        if let Some(last) = self.last_poll {
            let gap = at - last;
            if gap < TimeDelta::zero() || gap > delta(self.config.poll) * 2 {
                self.close_at(last, &mut out);
            }
        }
        self.last_poll = Some(at);

        let window = sample.window.filter(|w| !self.exclusions.excludes_parts(&w.app, &w.title, None)).map(|mut w| {
            if !self.config.titles {
                w.title.clear();
            }
            w
        });
        let idle = sample.idle.map(delta).unwrap_or_default();
        let last_input = at - idle;
        if idle >= delta(self.config.idle_timeout) {
            self.close_at(last_input, &mut out);
            return out;
        }
        // The window seen at the last poll stayed active until this one noticed a change.
        if let Some(open) = &mut self.open {
            open.end = at;
        }
        match window {
            None => self.close_at(at, &mut out),
            Some(window) => match &self.open {
                Some(open) if open.window == window => {}
                _ => {
                    self.close_at(at, &mut out);
                    self.open = Some(Open { window, sent_until: at, end: at, started: false });
                }
            },
        }
        // Hand on what is surely active (up to the last input) once it is a whole piece.
        if let Some(open) = &mut self.open {
            let until = last_input.clamp(open.sent_until, open.end);
            if until - open.sent_until >= delta(self.config.piece) {
                out.push(piece(open, until));
            }
        }
        out
    }

    /// Collection paused: the open event ends at the last poll, and the next sample
    /// starts afresh (the pause is not a suspend gap).
    pub fn pause(&mut self) -> Vec<RawEvent> {
        self.finish()
    }

    /// Collection stops: the open event ends at the last poll.
    pub fn finish(&mut self) -> Vec<RawEvent> {
        let mut out = Vec::new();
        if let Some(last) = self.last_poll.take() {
            self.close_at(last, &mut out);
        }
        out
    }

    /// Ends the open event at `at` (not before what was handed on, not after its last
    /// active poll).
    fn close_at(&mut self, at: DateTime<Utc>, out: &mut Vec<RawEvent>) {
        if let Some(mut open) = self.open.take() {
            let until = at.clamp(open.sent_until, open.end.max(open.sent_until));
            if until > open.sent_until {
                out.push(piece(&mut open, until));
            }
        }
    }
}

/// Hands on `[sent_until, until)` of the open event.
fn piece(open: &mut Open, until: DateTime<Utc>) -> RawEvent {
    let event = RawEvent {
        start: open.sent_until,
        duration: until - open.sent_until,
        app: open.window.app.clone(),
        title: open.window.title.clone(),
        url: None,
        text: None,
        source: SourceKind::Window,
        continued: open.started,
    };
    open.sent_until = until;
    open.started = true;
    event
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::exclusions::ExclusionConfig;
    use chrono::TimeZone;

    /// Seconds after 09:00 UTC.
    fn t(s: f64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap() + TimeDelta::milliseconds((s * 1000.0) as i64)
    }

    fn w(app: &str, title: &str) -> Option<ActiveWindow> {
        Some(ActiveWindow { app: app.into(), title: title.into() })
    }

    /// (seconds, window, idle seconds): one poll; 1 s interval, 180 s idle timeout.
    type Poll = (f64, Option<ActiveWindow>, f64);
    type Script<'a> = &'a [Poll];
    /// (app, start s, end s, continued): one piece handed on.
    type Piece = (String, f64, f64, bool);

    /// Runs a script and returns (app, start s, end s, continued) per piece; `pause_at`
    /// pauses before the poll of that index and resumes at the next one.
    fn run(tracker: &mut Tracker, script: Script<'_>, pause_at: Option<usize>) -> Vec<Piece> {
        let mut out = Vec::new();
        for (i, (s, window, idle)) in script.iter().enumerate() {
            if Some(i) == pause_at {
                out.extend(tracker.pause());
                continue;
            }
            out.extend(tracker.observe(Sample {
                at: t(*s),
                window: window.clone(),
                idle: Some(Duration::from_secs_f64(*idle)),
            }));
        }
        out.extend(tracker.finish());
        let secs = |d: DateTime<Utc>| (d - t(0.0)).num_milliseconds() as f64 / 1000.0;
        out.into_iter().map(|e| (e.app.clone(), secs(e.start), secs(e.end()), e.continued)).collect()
    }

    fn tracker(exclude: ExclusionConfig) -> Tracker {
        Tracker::new(
            TrackerConfig::new(Duration::from_secs(1), Duration::from_secs(180)),
            Exclusions::new(&exclude).unwrap(),
        )
    }

    fn p(app: &str, start: f64, end: f64, continued: bool) -> Piece {
        (app.to_string(), start, end, continued)
    }

    #[test]
    fn heartbeats_extend_change_and_gaps_end_events() {
        let a = || w("code", "main.rs");
        let b = || w("firefox", "Docs");
        let cases: Vec<(&str, Vec<Poll>, Vec<Piece>)> = vec![
            (
                "same window extends",
                vec![(0.0, a(), 0.0), (1.0, a(), 0.0), (2.0, a(), 0.0)],
                vec![p("code", 0.0, 2.0, false)],
            ),
            (
                "a change ends the event where it is noticed",
                vec![(0.0, a(), 0.0), (1.0, a(), 0.0), (2.0, b(), 0.0), (3.0, b(), 0.0)],
                vec![p("code", 0.0, 2.0, false), p("firefox", 2.0, 3.0, false)],
            ),
            (
                "same app, other title is a change",
                vec![(0.0, a(), 0.0), (1.0, w("code", "lib.rs"), 0.0), (2.0, a(), 0.0)],
                vec![p("code", 0.0, 1.0, false), p("code", 1.0, 2.0, false)],
            ),
            (
                "a gap of exactly twice the interval is still one event",
                vec![(0.0, a(), 0.0), (2.0, a(), 0.0), (3.0, a(), 0.0)],
                vec![p("code", 0.0, 3.0, false)],
            ),
            (
                "a longer gap (suspend) ends the event at the last poll",
                vec![(0.0, a(), 0.0), (1.0, a(), 0.0), (3600.0, a(), 0.0), (3601.0, a(), 0.0)],
                vec![p("code", 0.0, 1.0, false), p("code", 3600.0, 3601.0, false)],
            ),
            (
                "a clock going back ends the event too",
                vec![(10.0, a(), 0.0), (11.0, a(), 0.0), (5.0, a(), 0.0), (6.0, a(), 0.0)],
                vec![p("code", 10.0, 11.0, false), p("code", 5.0, 6.0, false)],
            ),
            (
                "no focused window ends the event",
                vec![(0.0, a(), 0.0), (1.0, None, 0.0), (2.0, None, 0.0), (3.0, a(), 0.0), (4.0, a(), 0.0)],
                vec![p("code", 0.0, 1.0, false), p("code", 3.0, 4.0, false)],
            ),
        ];
        for (name, script, want) in cases {
            let mut tr = tracker(ExclusionConfig::default());
            tr.config.piece = Duration::from_secs(3600);
            assert_eq!(run(&mut tr, &script, None), want, "{name}");
        }
    }

    #[test]
    fn idle_below_the_timeout_is_active() {
        let script: Vec<_> = (0..=101).map(|s| (s as f64, w("code", "main.rs"), s.max(1) as f64 - 1.0)).collect();
        let mut tr = tracker(ExclusionConfig::default());
        tr.config.piece = Duration::from_secs(3600);
        assert_eq!(run(&mut tr, &script, None), vec![p("code", 0.0, 101.0, false)]);
    }

    #[test]
    fn idle_time_from_the_timeout_on_is_not_active() {
        // Input stops at 10 s; at 190 s idle reaches 180 s: the event ends at 10 s.
        // Input resumes at 300 s: a new event starts there.
        let a = || w("code", "main.rs");
        let mut script: Vec<_> =
            (0..=320).map(|s| (s as f64, a(), if s <= 10 { 0.0 } else { (s - 10) as f64 })).collect();
        for poll in script.iter_mut().filter(|(s, _, _)| *s >= 300.0) {
            poll.2 = 0.0;
        }
        let mut tr = tracker(ExclusionConfig::default());
        let pieces = run(&mut tr, &script, None);
        let active: f64 = pieces.iter().map(|(_, s, e, _)| e - s).sum();
        assert_eq!(pieces.first().map(|p| p.1), Some(0.0));
        assert!(pieces.iter().all(|(_, s, e, _)| *e <= 10.0 || *s >= 300.0), "{pieces:?}");
        assert_eq!(active, 10.0 + 20.0, "{pieces:?}");
        // Counted as two events: the first piece after the idle stretch is not `continued`.
        assert_eq!(pieces.iter().filter(|p| !p.3).count(), 2, "{pieces:?}");
    }

    #[test]
    fn long_events_are_handed_on_in_pieces_up_to_the_last_input() {
        let a = || w("code", "main.rs");
        let script: Vec<_> = (0..=95).map(|s| (s as f64, a(), 0.0)).collect();
        let mut tr = tracker(ExclusionConfig::default());
        let pieces = run(&mut tr, &script, None);
        assert_eq!(
            pieces,
            vec![
                p("code", 0.0, 30.0, false),
                p("code", 30.0, 60.0, true),
                p("code", 60.0, 90.0, true),
                p("code", 90.0, 95.0, true)
            ]
        );
        // Idle time held back: no piece reaches past the last input.
        let script: Vec<_> = (0..=60).map(|s| (s as f64, a(), if s <= 20 { 0.0 } else { (s - 20) as f64 })).collect();
        let mut tr = tracker(ExclusionConfig::default());
        tr.config.idle_timeout = Duration::from_secs(30);
        let pieces = run(&mut tr, &script, None);
        assert_eq!(pieces, vec![p("code", 0.0, 20.0, false)]);
    }

    #[test]
    fn pause_ends_the_event_and_drops_samples() {
        let a = || w("code", "main.rs");
        let script: Vec<_> =
            vec![(0.0, a(), 0.0), (1.0, a(), 0.0), (2.0, a(), 0.0), (50.0, a(), 0.0), (51.0, a(), 0.0)];
        let mut tr = tracker(ExclusionConfig::default());
        // Paused at the third poll (2 s) until the fourth (50 s).
        assert_eq!(run(&mut tr, &script, Some(2)), vec![p("code", 0.0, 1.0, false), p("code", 50.0, 51.0, false)]);
    }

    #[test]
    fn excluded_and_private_windows_are_dropped_before_anything_sees_them() {
        let script: Vec<_> = vec![
            (0.0, w("code", "main.rs"), 0.0),
            (1.0, w("KeePassXC", "Passwords"), 0.0),
            (2.0, w("firefox", "Bank - Mozilla Firefox Private Browsing"), 0.0),
            (3.0, w("chrome", "Mail - Google Chrome (Incognito)"), 0.0),
            (4.0, w("code", "payroll.rs"), 0.0),
            (5.0, w("code", "main.rs"), 0.0),
            (6.0, w("code", "main.rs"), 0.0),
        ];
        let exclude =
            ExclusionConfig { apps: vec!["keepassxc".into()], titles: vec!["payroll".into()], ..Default::default() };
        let mut tr = tracker(exclude);
        assert_eq!(run(&mut tr, &script, None), vec![p("code", 0.0, 1.0, false), p("code", 5.0, 6.0, false)]);
    }

    #[test]
    fn without_titles_only_the_app_is_kept() {
        let mut tr = tracker(ExclusionConfig::default());
        tr.config.titles = false;
        let mut out = tr.observe(Sample { at: t(0.0), window: w("code", "secret.rs"), idle: None });
        out.extend(tr.observe(Sample { at: t(1.0), window: w("code", "other.rs"), idle: None }));
        out.extend(tr.finish());
        assert_eq!(out.len(), 1, "titles no longer tell windows apart");
        assert_eq!((out[0].app.as_str(), out[0].title.as_str()), ("code", ""));
        // A private window is still recognized by its title before it is blanked.
        let mut out = tr.observe(Sample { at: t(5.0), window: w("firefox", "x — Private Browsing"), idle: None });
        out.extend(tr.finish());
        assert!(out.is_empty());
    }
}
