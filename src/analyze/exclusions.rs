//! Exclusions: events the employee or IT never want analyzed. They are dropped before
//! the analyzer looks at their text (DESIGN §3: "Exclusions drop events first").

use crate::event::RawEvent;
use regex::{Regex, RegexSet};
use serde::Deserialize;

/// Config `[exclude]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ExclusionConfig {
    /// App names (case-insensitive, exact) whose events are dropped.
    pub apps: Vec<String>,
    /// Regexes on window titles (case-insensitive).
    pub titles: Vec<String>,
    /// Regexes on URLs (case-insensitive).
    pub urls: Vec<String>,
    /// Drop private / incognito browser windows (on by default).
    pub private_windows: bool,
}

impl Default for ExclusionConfig {
    fn default() -> Self {
        ExclusionConfig { apps: Vec::new(), titles: Vec::new(), urls: Vec::new(), private_windows: true }
    }
}

/// Title suffixes of private windows in common browsers.
const PRIVATE_WINDOW: &str = r"(?i)(private browsing|\(incognito\)|- incognito$|inprivate|private window)";

#[derive(Debug, thiserror::Error)]
#[error("config `exclude.{field}` #{index}: not a valid regex: {reason}")]
pub struct ExclusionError {
    field: &'static str,
    index: usize,
    reason: String,
}

pub struct Exclusions {
    apps: Vec<String>,
    titles: RegexSet,
    urls: RegexSet,
    private_window: Option<Regex>,
}

impl Exclusions {
    pub fn new(config: &ExclusionConfig) -> Result<Exclusions, ExclusionError> {
        let set = |field: &'static str, patterns: &[String]| {
            for (i, p) in patterns.iter().enumerate() {
                Regex::new(&format!("(?i:{p})")).map_err(|e| ExclusionError {
                    field,
                    index: i + 1,
                    reason: e.to_string(),
                })?;
            }
            RegexSet::new(patterns.iter().map(|p| format!("(?i:{p})"))).map_err(|e| ExclusionError {
                field,
                index: 0,
                reason: e.to_string(),
            })
        };
        Ok(Exclusions {
            apps: config.apps.iter().map(|a| a.trim().to_lowercase()).collect(),
            titles: set("titles", &config.titles)?,
            urls: set("urls", &config.urls)?,
            private_window: config.private_windows.then(|| Regex::new(PRIVATE_WINDOW).expect("pattern compiles")),
        })
    }

    /// Whether `event` must be dropped unseen.
    pub fn excludes(&self, event: &RawEvent) -> bool {
        self.excludes_parts(&event.app, &event.title, event.url.as_deref())
    }

    /// [`Exclusions::excludes`] on the parts of an event, for a live watcher that drops a
    /// window before an event is ever built from it.
    pub fn excludes_parts(&self, app: &str, title: &str, url: Option<&str>) -> bool {
        (!self.apps.is_empty() && self.apps.contains(&app.trim().to_lowercase()))
            || self.titles.is_match(title)
            || url.is_some_and(|u| self.urls.is_match(u))
            || self.private_window.as_ref().is_some_and(|r| r.is_match(title))
    }
}

impl Default for Exclusions {
    fn default() -> Self {
        Exclusions::new(&ExclusionConfig::default()).expect("defaults compile")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SourceKind;
    use chrono::{TimeDelta, Utc};

    fn event(app: &str, title: &str, url: Option<&str>) -> RawEvent {
        RawEvent {
            start: Utc::now(),
            duration: TimeDelta::seconds(1),
            app: app.into(),
            title: title.into(),
            url: url.map(Into::into),
            text: None,
            source: SourceKind::Window,
            continued: false,
        }
    }

    #[test]
    fn excluded_apps_titles_urls_and_private_windows_are_dropped() {
        let config = ExclusionConfig {
            apps: vec!["KeePassXC".into()],
            titles: vec!["^payroll".into()],
            urls: vec![r"bank\.example\.com".into()],
            private_windows: true,
        };
        let ex = Exclusions::new(&config).unwrap();
        let cases = [
            (event("keepassxc", "Passwords", None), true),
            (event("libreoffice", "Payroll 2026.ods", None), true),
            (event("firefox", "Account", Some("https://bank.example.com/x")), true),
            (event("firefox", "Mozilla Firefox Private Browsing", None), true),
            (event("chrome", "New Tab - Google Chrome (Incognito)", None), true),
            (event("msedge", "New InPrivate tab - Microsoft Edge", None), true),
            (event("code", "main.rs - Visual Studio Code", None), false),
            (event("firefox", "Private equity news", None), false),
        ];
        for (e, want) in cases {
            assert_eq!(ex.excludes(&e), want, "{} / {}", e.app, e.title);
        }
        let off = Exclusions::new(&ExclusionConfig { private_windows: false, ..Default::default() }).unwrap();
        assert!(!off.excludes(&event("firefox", "Mozilla Firefox Private Browsing", None)));
    }

    #[test]
    fn a_bad_pattern_names_its_place() {
        let config = ExclusionConfig { titles: vec!["ok".into(), "(".into()], ..Default::default() };
        let err = Exclusions::new(&config).err().unwrap().to_string();
        assert!(err.starts_with("config `exclude.titles` #2: not a valid regex"), "{err}");
    }
}
