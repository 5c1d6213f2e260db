//! DESIGN §4.1: raw event content never reaches disk. Every scenario runs with HOME,
//! XDG_* and TMPDIR inside a sandbox, on events carrying planted PII (in good and in
//! malformed records); then every file there and all captured output is scanned.

mod common;
use common::{assert_no_planted_pii, aw_event, aw_export, file_count, scan_for_pii, stderr, Sandbox};
use serde_json::json;

/// Unique strings that exist nowhere but in the inputs.
const PLANTED: &[&str] = &[
    "Quillonia Vexmartin",
    "quillonia.vexmartin@planted-example.org",
    "planted-example.org",
    "qvxuser",
    "+44 20 7946 0321",
    "GB82 WEST 1234 5698 7654 32",
    "qvx-pulse-phrase",
    "Offer_Letter_Quillonia",
    "planted-host-qx7",
    "Zorbelle Quant",
];

fn planted_inputs(sandbox: &Sandbox) -> Vec<(&'static str, std::path::PathBuf)> {
    sandbox.watch(PLANTED);
    let jsonl = [
        json!({"start": "2026-11-05T09:00:00Z", "duration": 600, "app": "thunderbird", "title": "Re: offer for Quillonia Vexmartin <quillonia.vexmartin@planted-example.org>"}),
        json!({"start": "2026-11-05T09:10:00Z", "duration": 300, "app": "code", "title": "/home/qvxuser/Offer_Letter_Quillonia.pdf", "text": "qvx-pulse-phrase: the build failed again"}),
        json!({"start": "2026-11-05T09:15:00Z", "duration": 120, "app": "quillonia.vexmartin@planted-example.org", "title": "call +44 20 7946 0321"}),
        json!({"start": "2026-11-05T09:17:00Z", "duration": "oops", "app": "code", "title": "Zorbelle Quant GB82 WEST 1234 5698 7654 32"}),
    ]
    .iter()
    .map(|v| v.to_string() + "\n")
    .collect::<String>()
        + "{\"start\": \"2026-11-05T09:20:00Z\", \"title\": \"Zorbelle Quant qvx-pulse-phrase\n"
        + "Quillonia Vexmartin planted-example.org not json at all\n";
    let csv = "start,duration,app,title,url\n\
        2026-11-05T10:00:00Z,600,firefox,Quillonia Vexmartin - Profile,https://planted-example.org/u/qvxuser\n\
        2026-11-05T10:10:00Z,bad,firefox,Zorbelle Quant,https://planted-example.org/\n\
        not-a-date Quillonia Vexmartin,60,code,x,\n";
    let aw = aw_export(vec![
        (
            "aw-watcher-window_planted-host-qx7",
            "currentwindow",
            vec![
                aw_event("2026-11-05T11:00:00Z", 600.0, json!({"app": "firefox", "title": "Mozilla Firefox"})),
                aw_event(
                    "2026-11-05T11:10:00Z",
                    600.0,
                    json!({"app": "code", "title": "Offer_Letter_Quillonia.docx - Zorbelle Quant"}),
                ),
                json!({"timestamp": "2026-11-05T11:20:00Z", "duration": -1, "data": {"app": "code", "title": "Quillonia Vexmartin"}}),
            ],
        ),
        (
            "aw-watcher-web-firefox_planted-host-qx7",
            "web.tab.current",
            vec![aw_event(
                "2026-11-05T11:00:00Z",
                600.0,
                json!({"url": "https://planted-example.org/qvxuser", "title": "Zorbelle Quant | qvx-pulse-phrase", "incognito": false}),
            )],
        ),
    ]);
    vec![
        ("jsonl", sandbox.input("planted.jsonl", jsonl)),
        ("csv", sandbox.input("planted.csv", csv)),
        ("aw", sandbox.input("planted.json", aw)),
    ]
}

#[test]
fn import_export_and_stats_leave_no_planted_pii_on_disk_or_in_output() {
    scan_scenario(Sandbox::new(), "recognizers+rules only");
}

#[test]
fn the_same_holds_with_the_local_model_running() {
    scan_scenario(Sandbox::with_model(), "tally-encoder");
}

/// Imports planted PII through every importer (good and malformed records), exports
/// and summarises it, then scans the sandbox and all output. `engine` must appear in
/// stderr, so the scenario ran the engine it claims to.
fn scan_scenario(sandbox: Sandbox, engine: &str) {
    let mut output = Vec::new();
    for (format, path) in planted_inputs(&sandbox) {
        let out = sandbox.run(&["import", "--format", format, path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr(&out));
        output.extend(out.stdout);
        output.extend(out.stderr);
    }
    let report = sandbox.home.path().join("report.csv");
    for args in [
        vec![
            "export",
            "csv",
            "--from",
            "2026-11-05",
            "--to",
            "2026-11-05",
            "--by",
            "hour",
            "--out",
            report.to_str().unwrap(),
        ],
        vec!["export", "csv", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "week"],
        vec!["stats", "--from", "2026-11-05", "--to", "2026-11-05"],
    ] {
        let out = sandbox.run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        output.extend(out.stdout);
        output.extend(out.stderr);
    }

    assert!(String::from_utf8_lossy(&output).contains(engine), "expected engine {engine}");
    // The scenario did store something: the scan is not vacuous.
    let report_text = std::fs::read_to_string(&report).unwrap();
    assert!(report_text.lines().count() > 3, "{report_text}");
    assert!(sandbox.data_dir().join("tally.db").exists());
    assert!(file_count(sandbox.home.path()) >= 2);

    assert_no_planted_pii(sandbox.home.path(), &output, PLANTED);
}

#[test]
fn the_scan_finds_pii_when_it_is_there() {
    // Guards the guard: a planted string written into the sandbox is found.
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.home.path().join("tmp").join("leak.bin"), b"xx QUILLONIA vexmartin yy").unwrap();
    let hits = scan_for_pii(sandbox.home.path(), PLANTED);
    assert_eq!(hits.len(), 1, "{hits:?}");
}

#[test]
fn core_dumps_are_disabled_at_start() {
    tally::hardening::harden_process();
    assert!(tally::hardening::core_dumps_disabled());
}

/// The sandbox's own at-rest scan (run when any scenario's sandbox is dropped) fails
/// when a planted string or synthetic PII is on disk: the guard every scenario relies on.
#[test]
fn the_shared_at_rest_scan_catches_what_reaches_disk() {
    for (planted, written) in [("zqx-watch-me@example.net", "zqx-watch-me@example.net"), ("", "user42@example.com")] {
        let caught = std::panic::catch_unwind(|| {
            let sandbox = Sandbox::new();
            if !planted.is_empty() {
                sandbox.watch(&[planted]);
            }
            std::fs::write(sandbox.home.path().join("cache").join("leak.txt"), written).unwrap();
        });
        assert!(caught.is_err(), "`{written}` on disk went unnoticed");
    }
    // A clean sandbox passes.
    let sandbox = Sandbox::new();
    sandbox.watch(&["zqx-watch-me@example.net"]);
    drop(sandbox);
}
