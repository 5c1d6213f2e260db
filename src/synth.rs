//! A deterministic generator of synthetic ActivityWatch exports, for benchmarks, the
//! crash tests and demo data. Titles mix plain work titles with planted PII (e-mail
//! addresses, home paths, phone numbers) the way a real desktop does.

use std::io::Write;

/// A small deterministic PRNG (SplitMix64): the same seed gives the same file.
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Shape of a generated export.
#[derive(Debug, Clone, Copy)]
pub struct ExportShape {
    /// Events in the window bucket; web and AFK events come on top (about 0.2× and 0.05×).
    pub window_events: usize,
    /// How many distinct title variants each template has.
    pub distinct_per_template: u64,
    pub seed: u64,
    /// Unix seconds where the timeline ends (events go back from here).
    pub end: i64,
}

const APPS: &[(&str, &[&str])] = &[
    (
        "code",
        &[
            "main_{n}.rs - tally - Visual Studio Code",
            "/home/dev{n}/src/api/handler.py - Visual Studio Code",
            "README_{n}.md - docs - Visual Studio Code",
        ],
    ),
    ("gnome-terminal-server", &["dev{n}@buildbox: ~/src/tally", "cargo test -p engine{n}", "ssh ops@10.0.{n}.12"]),
    (
        "Slack",
        &[
            "#eng-backend-{n} | Acme",
            "DM with teammate {n} | Acme - build failed again",
            "#release-{n} | Acme - shipped, thanks all",
        ],
    ),
    (
        "thunderbird",
        &["Inbox (12) - person{n}@example.org - Mozilla Thunderbird", "Re: Q{n} budget - Mozilla Thunderbird"],
    ),
    ("zoom", &["Zoom Meeting {n}", "Weekly sync {n} - Zoom"]),
    ("libreoffice", &["forecast_{n}.ods - LibreOffice Calc", "Offer letter {n}.odt - LibreOffice Writer"]),
    ("jira", &["SPRINT-{n} board - Jira"]),
    ("org.gnome.Nautilus", &["Downloads {n}"]),
    ("spotify", &["Spotify Premium {n}"]),
];

const BROWSER_PAGES: &[(&str, &str)] = &[
    ("https://stackoverflow.com/questions/{n}", "rust - lifetimes question {n} - Stack Overflow"),
    ("https://mail.google.com/mail/u/0/#inbox/{n}", "Inbox ({n}) - user{n}@example.com - Gmail"),
    ("https://chatgpt.com/c/{n}", "ChatGPT - draft {n}"),
    ("https://github.com/acme/api/pull/{n}", "Fix flaky test {n} by dev · Pull Request #{n} · acme/api"),
    ("https://www.youtube.com/watch?v={n}", "Funny video {n} - YouTube"),
    ("https://acme.atlassian.net/browse/PROJ-{n}", "PROJ-{n} Call +1 415 555 0{n} - Jira"),
];

fn fill(template: &str, n: u64) -> String {
    template.replace("{n}", &n.to_string())
}

/// The latest instant at or before `t` inside working hours (weekdays 08:00–18:00 UTC).
fn working_time(t: i64) -> i64 {
    use chrono::{Datelike, Timelike};
    let mut at = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    loop {
        let weekday = at.weekday().num_days_from_monday() < 5;
        let hour = at.hour();
        if weekday && (8..18).contains(&hour) {
            return at.timestamp();
        }
        // Go back to just before 18:00 of this day if it is later than that, else of the day before.
        let day_end =
            at.date_naive().and_hms_opt(18, 0, 0).unwrap_or_default().and_utc() - chrono::TimeDelta::seconds(1);
        at = if weekday && hour >= 18 { day_end } else { day_end - chrono::TimeDelta::days(1) };
    }
}

fn ts(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes an ActivityWatch export (newest events first, as ActivityWatch does) with a
/// window, a web and an AFK bucket. Returns the total number of events written.
pub fn write_aw_export<W: Write>(out: &mut W, shape: ExportShape) -> std::io::Result<usize> {
    let mut rng = SplitMix::new(shape.seed);
    let mut web = Vec::new();
    let mut afk = Vec::new();
    let mut total = 0;
    write!(out, "{{\"buckets\": {{\"aw-watcher-window_synthhost\": {{\"id\": \"aw-watcher-window_synthhost\", \"type\": \"currentwindow\", \"client\": \"aw-watcher-window\", \"hostname\": \"synthhost\", \"events\": [")?;
    let mut t = shape.end;
    let mut session_left = 0u64;
    let mut session_app = 0usize;
    let mut session_browser = false;
    for i in 0..shape.window_events {
        // Working hours only: 08:00–18:00 UTC on weekdays; evenings and weekends are gaps.
        t = working_time(t);
        if rng.below(40) == 0 {
            let away = 300 + rng.below(1500) as i64;
            afk.push((t - away, away));
            t -= away;
        }
        // People stay in one app for a while: sessions of 1–30 events.
        if session_left == 0 {
            session_left = 1 + rng.below(30);
            session_browser = rng.below(5) == 0;
            session_app = rng.below(APPS.len() as u64) as usize;
        }
        session_left -= 1;
        let duration = 5 + rng.below(240) as i64;
        t -= duration;
        let n = rng.below(shape.distinct_per_template);
        let (app, title) = if session_browser {
            let (url, title) = BROWSER_PAGES[rng.below(BROWSER_PAGES.len() as u64) as usize];
            web.push((t, duration, fill(url, n), fill(title, n)));
            ("firefox", "Mozilla Firefox".to_string())
        } else {
            let (app, titles) = APPS[session_app];
            (app, fill(titles[rng.below(titles.len() as u64) as usize], n))
        };
        if i > 0 {
            out.write_all(b",")?;
        }
        let data = serde_json::json!({"app": app, "title": title});
        write!(out, "\n{{\"timestamp\": \"{}\", \"duration\": {}.0, \"data\": {}}}", ts(t), duration, data)?;
        total += 1;
    }
    out.write_all(b"]}, \"aw-watcher-web-firefox_synthhost\": {\"id\": \"aw-watcher-web-firefox_synthhost\", \"type\": \"web.tab.current\", \"client\": \"aw-client-web\", \"hostname\": \"synthhost\", \"events\": [")?;
    for (i, (start, duration, url, title)) in web.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let data = serde_json::json!({"url": url, "title": title, "audible": false, "incognito": rng.below(50) == 0, "tabCount": 3});
        write!(out, "\n{{\"timestamp\": \"{}\", \"duration\": {}.0, \"data\": {}}}", ts(*start), duration, data)?;
        total += 1;
    }
    out.write_all(b"]}, \"aw-watcher-afk_synthhost\": {\"id\": \"aw-watcher-afk_synthhost\", \"type\": \"afkstatus\", \"client\": \"aw-watcher-afk\", \"hostname\": \"synthhost\", \"events\": [")?;
    for (i, (start, duration)) in afk.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "\n{{\"timestamp\": \"{}\", \"duration\": {}.0, \"data\": {{\"status\": \"afk\"}}}}",
            ts(*start),
            duration
        )?;
        total += 1;
    }
    out.write_all(b"]}}}\n")?;
    Ok(total)
}

/// The shape that gives about `total` events in all buckets.
pub fn shape_for_total(total: usize, seed: u64) -> ExportShape {
    ExportShape {
        window_events: (total as f64 / 1.225).round() as usize,
        distinct_per_template: 400,
        seed,
        end: 1_798_000_000,
    }
}

const PULSE: &[&str] = &[
    "Good focus day, shipped the parser refactor {n}",
    "Too many meetings again, could not finish ticket {n}",
    "CI was red all morning, build {n} kept failing",
    "Pairing with the new hire went well",
    "Blocked on review for PR {n}, waiting since Tuesday",
];

/// A mixed corpus of desktop-event texts (window titles, tab titles, pulse comments),
/// `variants` distinct values per template, for redaction benchmarks.
pub fn desktop_texts(count: usize, variants: u64, seed: u64) -> Vec<String> {
    let mut rng = SplitMix::new(seed);
    (0..count)
        .map(|_| {
            let n = rng.below(variants);
            match rng.below(10) {
                0..=5 => {
                    let (_, titles) = APPS[rng.below(APPS.len() as u64) as usize];
                    fill(titles[rng.below(titles.len() as u64) as usize], n)
                }
                6..=8 => fill(BROWSER_PAGES[rng.below(BROWSER_PAGES.len() as u64) as usize].1, n),
                _ => fill(PULSE[rng.below(PULSE.len() as u64) as usize], n),
            }
        })
        .collect()
}
