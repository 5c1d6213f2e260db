//! Import → export round trips on hand-computed fixtures, idempotent re-import, and
//! files with malformed records. Real SQLite files, the real binary.

mod common;
use common::{aw_event, aw_export, stderr, Sandbox};
use serde_json::json;

const HEADER: &str = "period_start,period_end,team,category,active_minutes,active_share,events,switches,focus_minutes,sentiment_negative,sentiment_neutral,sentiment_positive,sentiment_mean";

/// A morning on 2026-11-02 (UTC), newest first as ActivityWatch exports it:
/// - 09:00 code 20 min, 09:20 Slack 1.5 min ("build failed"), 09:21:30 code 10 min:
///   one focus block of 30 min (the 1.5 min interruption is under 2 min);
/// - 09:31:30 Firefox 5 min, of which a Stack Overflow tab covers 3 min (research) and
///   the rest stays the bare window (uncategorized);
/// - 09:36:30 code 30 min with an e-mail address in the title, AFK 09:50–09:55: 25 min
///   active in two pieces, one event, no focus block (the AFK gap breaks the streak);
/// - 10:30 Firefox 2 min on an incognito tab: dropped.
fn morning_export() -> String {
    let window = vec![
        aw_event("2026-11-02T10:30:00Z", 120.0, json!({"app": "firefox", "title": "Private Browsing"})),
        aw_event(
            "2026-11-02T09:36:30Z",
            1800.0,
            json!({"app": "code", "title": "ana.lima@example.org - notes.md - Visual Studio Code"}),
        ),
        aw_event("2026-11-02T09:31:30Z", 300.0, json!({"app": "firefox", "title": "Mozilla Firefox"})),
        aw_event("2026-11-02T09:21:30Z", 600.0, json!({"app": "code", "title": "lib.rs - tally - Visual Studio Code"})),
        aw_event("2026-11-02T09:20:00Z", 90.0, json!({"app": "Slack", "title": "#eng | Acme - build failed"})),
        aw_event(
            "2026-11-02T09:00:00Z",
            1200.0,
            json!({"app": "code", "title": "main.rs - tally - Visual Studio Code"}),
        ),
    ];
    let web = vec![
        aw_event(
            "2026-11-02T11:00:00Z",
            60.0,
            json!({"url": "https://news.example.com/", "title": "News", "incognito": false}),
        ),
        aw_event(
            "2026-11-02T10:30:00Z",
            120.0,
            json!({"url": "https://example.org/secret", "title": "Dr. Planted Private", "incognito": true}),
        ),
        aw_event(
            "2026-11-02T09:31:30Z",
            180.0,
            json!({"url": "https://stackoverflow.com/questions/1", "title": "rust - How do I sort a Vec? - Stack Overflow", "incognito": false}),
        ),
    ];
    let afk = vec![
        aw_event("2026-11-02T09:55:00Z", 3600.0, json!({"status": "not-afk"})),
        aw_event("2026-11-02T09:50:00Z", 300.0, json!({"status": "afk"})),
        aw_event("2026-11-02T09:00:00Z", 3000.0, json!({"status": "not-afk"})),
    ];
    aw_export(vec![
        ("aw-watcher-window_planted-host-qx7", "currentwindow", window),
        ("aw-watcher-web-firefox_planted-host-qx7", "web.tab.current", web),
        ("aw-watcher-afk_planted-host-qx7", "afkstatus", afk),
    ])
}

fn expected_day() -> String {
    [
        HEADER,
        "2026-11-02,2026-11-03,qa,communication,1.50,0.0244,1,1,0.00,1,0,0,-1.0000",
        "2026-11-02,2026-11-03,qa,deep_work,55.00,0.8943,3,2,30.00,0,3,0,0.0000",
        "2026-11-02,2026-11-03,qa,research,3.00,0.0488,1,1,0.00,0,1,0,0.0000",
        "2026-11-02,2026-11-03,qa,uncategorized,2.00,0.0325,1,1,0.00,0,1,0,0.0000",
        "",
    ]
    .join("\r\n")
}

fn with_team(sandbox: &Sandbox) {
    let config = sandbox.home.path().join("config").join("tally");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "team = \"qa\"\ntimezone = \"UTC\"\n").unwrap();
}

#[test]
fn activitywatch_export_round_trips_to_the_hand_computed_report() {
    let sandbox = Sandbox::new();
    with_team(&sandbox);
    let file = sandbox.input("aw.json", morning_export());
    let out = sandbox.run(&["import", "--format", "aw", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("imported 6 records"), "{}", stderr(&out));

    assert_eq!(sandbox.export_csv("2026-11-02", "2026-11-02", "day"), expected_day());

    let hourly = sandbox.export_csv("2026-11-02", "2026-11-02", "hour");
    let deep: Vec<&str> = hourly.lines().filter(|l| l.contains("deep_work")).collect();
    assert_eq!(
        deep,
        [
            "2026-11-02T09:00:00+00:00,2026-11-02T10:00:00+00:00,qa,deep_work,48.50,0.8818,3,2,30.00,0,3,0,0.0000",
            "2026-11-02T10:00:00+00:00,2026-11-02T11:00:00+00:00,qa,deep_work,6.50,1.0000,0,0,0.00,0,0,0,",
        ]
    );
    let weekly = sandbox.export_csv("2026-11-01", "2026-11-08", "week");
    assert!(weekly.contains("\r\n2026-11-02,2026-11-09,qa,deep_work,55.00,"), "{weekly}");
    assert!(!weekly.contains("2026-10-26"), "{weekly}");

    // Re-importing the same file changes nothing.
    let again = sandbox.run(&["import", "--format", "aw", file.to_str().unwrap()]);
    assert!(again.status.success());
    assert!(stderr(&again).contains("already imported"), "{}", stderr(&again));
    assert_eq!(sandbox.export_csv("2026-11-02", "2026-11-02", "day"), expected_day());
}

#[test]
fn the_same_day_as_jsonl_and_csv_gives_the_same_report() {
    // The AW fixture after the importer's overlay and AFK steps, written flat.
    let rows = [
        ("2026-11-02T09:00:00Z", 1200.0, "code", "main.rs - tally - Visual Studio Code", ""),
        ("2026-11-02T09:20:00Z", 90.0, "Slack", "#eng | Acme - build failed", ""),
        ("2026-11-02T09:21:30Z", 600.0, "code", "lib.rs - tally - Visual Studio Code", ""),
        (
            "2026-11-02T09:31:30Z",
            180.0,
            "firefox",
            "rust - How do I sort a Vec? - Stack Overflow",
            "https://stackoverflow.com/questions/1",
        ),
        ("2026-11-02T09:34:30Z", 120.0, "firefox", "Mozilla Firefox", ""),
        ("2026-11-02T09:36:30Z", 810.0, "code", "ana.lima@example.org - notes.md - Visual Studio Code", ""),
    ];
    let jsonl: String = rows
        .iter()
        .map(|(s, d, a, t, u)| {
            let mut v = json!({"start": s, "duration": d, "app": a, "title": t});
            if !u.is_empty() {
                v["url"] = json!(u);
            }
            format!("{v}\n")
        })
        .collect();
    let csv: String = std::iter::once("start,duration,app,title,url\n".to_string())
        .chain(rows.iter().map(|(s, d, a, t, u)| format!("{s},{d},{a},\"{t}\",{u}\n")))
        .collect();
    for (format, content) in [("jsonl", jsonl), ("csv", csv)] {
        let sandbox = Sandbox::new();
        with_team(&sandbox);
        let file = sandbox.input(&format!("day.{format}"), content);
        let out = sandbox.run(&["import", "--format", format, file.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let report = sandbox.export_csv("2026-11-02", "2026-11-02", "day");
        // The last event stops at 09:50 here (13.5 min): deep_work 43.5 min.
        assert!(report.contains("qa,deep_work,43.50,0.8700,"), "{format}: {report}");
        assert!(report.contains("qa,communication,1.50,"), "{format}: {report}");
        assert!(report.contains(",3,2,30.00,0,3,0,0.0000"), "{format}: {report}");
    }
}

#[test]
fn five_percent_malformed_records_are_skipped_with_positions_and_the_rest_imports() {
    let sandbox = Sandbox::new();
    sandbox.watch(&["zqxplanted"]);
    with_team(&sandbox);
    let mut good = String::from("start,duration,app,title,url\n");
    let mut mixed = good.clone();
    let mut bad_lines = Vec::new();
    for i in 0..200u32 {
        let start = format!("2026-11-03T{:02}:{:02}:00Z", 8 + i / 60, i % 60);
        let row = format!("{start},60,code,file{i}.rs - Visual Studio Code,\n");
        if i % 20 == 7 {
            let line = mixed.lines().count() + 1;
            let bad = match (i / 20) % 5 {
                0 => format!("{start},sixty,code,zqxplanted{i}@example.org,\n"),
                1 => format!("yesterday-zqxplanted{i},60,code,x,\n"),
                2 => format!("{start},60,,Planted Person {i},\n"),
                3 => format!("{start},-5,code,x,\n"),
                _ => format!("{start},60\n"),
            };
            mixed.push_str(&bad);
            bad_lines.push(line);
        } else {
            good.push_str(&row);
            mixed.push_str(&row);
        }
    }
    let file = sandbox.input("mixed.csv", &mixed);
    let out = sandbox.run(&["import", "--format", "csv", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("imported 190 records"), "{err}");
    assert!(err.contains("skipped 10"), "{err}");
    for line in &bad_lines {
        assert!(err.contains(&format!("line {line}")), "line {line} not named: {err}");
    }
    assert!(err.contains("field `duration`: not a number of seconds"), "{err}");
    assert!(err.contains("field `start`: not an RFC 3339 timestamp"), "{err}");
    assert!(err.contains("field `app`: empty"), "{err}");
    assert!(err.contains("field `app`: missing (the row has too few columns)"), "{err}");
    assert!(!err.contains("zqxplanted") && !err.contains("Planted Person"), "an error echoed its record: {err}");
    let with_errors = sandbox.export_csv("2026-11-03", "2026-11-03", "day");

    let clean = Sandbox::new();
    with_team(&clean);
    let file = clean.input("good.csv", &good);
    assert!(clean.run(&["import", "--format", "csv", file.to_str().unwrap()]).status.success());
    assert_eq!(with_errors, clean.export_csv("2026-11-03", "2026-11-03", "day"));
    assert!(with_errors.contains(",qa,deep_work,190.00,1.0000,190,"), "{with_errors}");
}

#[test]
fn malformed_activitywatch_events_and_a_truncated_file_keep_what_was_accepted() {
    let sandbox = Sandbox::new();
    sandbox.watch(&["zqx.planted"]);
    with_team(&sandbox);
    let window = vec![
        aw_event("2026-11-04T09:00:00Z", 600.0, json!({"app": "code", "title": "a.rs"})),
        json!({"timestamp": "2026-11-04T09:10:00Z", "duration": "long", "data": {"app": "code", "title": "zqx.planted@example.org"}}),
        json!({"timestamp": 17, "duration": 60, "data": {"title": "missing app"}}),
        json!("not an event"),
        aw_event("2026-11-04T09:20:00Z", 600.0, json!({"app": "code", "title": "b.rs"})),
    ];
    let export = aw_export(vec![("aw-watcher-window_h", "currentwindow", window)]);
    let file = sandbox.input("aw.json", &export);
    let out = sandbox.run(&["import", "--format", "aw", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bucket #1 (currentwindow), event #2, field `duration`: expected a number"), "{err}");
    assert!(err.contains("bucket #1 (currentwindow), event #3, field `data.app`: missing"), "{err}");
    assert!(err.contains("bucket #1 (currentwindow), event #4: expected a JSON object"), "{err}");
    assert!(!err.contains("zqx.planted"), "{err}");
    assert!(sandbox.export_csv("2026-11-04", "2026-11-04", "day").contains(",qa,deep_work,20.00,1.0000,2,"));

    // A file cut off mid-way: the events before the break are imported, the error says where.
    let cut = Sandbox::new();
    with_team(&cut);
    let half = &export[..export.find("b.rs").unwrap()];
    let file = cut.input("cut.json", half);
    let out = cut.run(&["import", "--format", "aw", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("then stopped"), "{err}");
    assert!(cut.export_csv("2026-11-04", "2026-11-04", "day").contains(",qa,deep_work,10.00,1.0000,1,"));
}

#[test]
fn bad_config_and_arguments_are_refused_clearly() {
    let sandbox = Sandbox::new();
    let config =
        sandbox.input("config.toml", "team = \"qa\"\n[[rules.rule]]\ncategory = \"deep_work\"\napp = \"(unclosed\"\n");
    let out = sandbox.run(&["--config", config.to_str().unwrap(), "classify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("rule #1: field `app` is not a valid regex"), "{}", stderr(&out));

    let config = sandbox.input("tz.toml", "timezone = \"Mars/Olympus\"\n");
    let out = sandbox.run(&["--config", config.to_str().unwrap(), "stats"]);
    assert!(stderr(&out).contains("`timezone`: unknown IANA time zone"), "{}", stderr(&out));

    let config = sandbox.input("typo.toml", "teem = \"qa\"\n");
    let out = sandbox.run(&["--config", config.to_str().unwrap(), "stats"]);
    assert!(stderr(&out).contains("line 1, column 1"), "{}", stderr(&out));

    let out = sandbox.run(&["export", "csv", "--from", "2026-11-05", "--to", "2026-11-01"]);
    assert!(stderr(&out).contains("--to (2026-11-01) is before --from (2026-11-05)"), "{}", stderr(&out));
}

#[test]
fn export_writes_a_file_atomically_and_stats_summarise_the_range() {
    let sandbox = Sandbox::new();
    with_team(&sandbox);
    let file = sandbox.input("aw.json", morning_export());
    assert!(sandbox.run(&["import", "--format", "aw", file.to_str().unwrap()]).status.success());
    let out_path = sandbox.inputs.path().join("report.csv");
    let out = sandbox.run(&[
        "export",
        "csv",
        "--from",
        "2026-11-02",
        "--to",
        "2026-11-02",
        "--by",
        "day",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected_day());

    let stats = sandbox.run(&["stats", "--from", "2026-11-02", "--to", "2026-11-02"]);
    let text = String::from_utf8(stats.stdout).unwrap();
    assert!(text.contains("Active time           1.0 h over 1 day(s)"), "{text}");
    assert!(text.contains("deep_work"), "{text}");
    assert!(text.contains("Focus time            0.5 h (48.8 % of active time)"), "{text}");
    assert!(text.contains("Context switches      4.9 per active hour (5 in all)"), "{text}");
    assert!(text.contains("Redactions        EMAIL 1"), "{text}");
    let empty = sandbox.run(&["stats", "--from", "2020-01-01", "--to", "2020-01-02"]);
    assert!(String::from_utf8(empty.stdout).unwrap().contains("No activity stored"));
}

#[test]
fn excluded_apps_titles_and_private_windows_never_reach_the_store() {
    let sandbox = Sandbox::new();
    let config = sandbox.input(
        "config.toml",
        "team = \"qa\"\n[exclude]\napps = [\"Slack\"]\ntitles = [\"^lib\\\\.rs\"]\nurls = [\"bank\\\\.example\"]\n",
    );
    let lines = [
        json!({"start": "2026-11-06T09:00:00Z", "duration": 600, "app": "code", "title": "main.rs - tally - Visual Studio Code"}),
        json!({"start": "2026-11-06T09:10:00Z", "duration": 600, "app": "slack", "title": "#eng | Acme"}),
        json!({"start": "2026-11-06T09:20:00Z", "duration": 600, "app": "code", "title": "lib.rs - tally - Visual Studio Code"}),
        json!({"start": "2026-11-06T09:30:00Z", "duration": 600, "app": "firefox", "title": "Account", "url": "https://bank.example/x"}),
        json!({"start": "2026-11-06T09:40:00Z", "duration": 600, "app": "firefox", "title": "Mozilla Firefox Private Browsing"}),
    ];
    let file = sandbox.input("day.jsonl", lines.iter().map(|l| format!("{l}\n")).collect::<String>());
    let out =
        sandbox.run(&["--config", config.to_str().unwrap(), "import", "--format", "jsonl", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = sandbox.export_csv("2026-11-06", "2026-11-06", "day");
    let rows: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(rows, ["2026-11-06,2026-11-07,qa,deep_work,10.00,1.0000,1,0,0.00,0,1,0,0.0000"], "{report}");

    let bad = sandbox.input("bad.toml", "[exclude]\ntitles = [\"(\"]\n");
    let out = sandbox.run(&["--config", bad.to_str().unwrap(), "import", "--format", "jsonl", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("config `exclude.titles` #1: not a valid regex"), "{}", stderr(&out));
}
