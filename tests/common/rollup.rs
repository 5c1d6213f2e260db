//! Helpers shared by the org-rollup scenario tests (shared folder and PostgreSQL).

use super::{stderr, Sandbox};
use std::process::Output;

/// Days every install of a rollup scenario has activity on (a Monday to Friday).
pub const DAYS: [&str; 5] = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"];
/// Planted in every install's window titles: none of it may leave the install.
pub const PLANTED: [&str; 2] = ["Ana Lima-Quaresma", "ana.quaresma@example.net"];

/// A fresh organisation id, so keyring entries of concurrent tests never meet.
pub fn unique_org() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    format!("org-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

/// The stdout of a command that must succeed.
pub fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), stderr(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Install number `i`'s coding minutes per day of [`DAYS`] (meetings are half of it).
pub fn minutes_of(i: usize) -> Vec<i64> {
    DAYS.iter().enumerate().map(|(d, _)| 60 + 7 * i as i64 + 11 * d as i64).collect()
}

/// Imports install `i`'s week of coding and meetings, with the planted PII in its titles.
pub fn import_week(sandbox: &Sandbox, minutes: &[i64]) {
    sandbox.watch(&PLANTED);
    let mut lines = Vec::new();
    for (day, m) in DAYS.iter().zip(minutes) {
        lines.push(format!(
            r#"{{"start": "{day}T09:00:00Z", "duration": {}, "app": "code", "title": "offer_letter_{}.md — {}"}}"#,
            m * 60,
            PLANTED[0].replace(' ', "_"),
            PLANTED[1]
        ));
        lines.push(format!(
            r#"{{"start": "{day}T13:00:00Z", "duration": {}, "app": "zoom", "title": "1:1 with {}"}}"#,
            m * 30,
            PLANTED[0]
        ));
    }
    let file = sandbox.input("events.jsonl", lines.join("\n") + "\n");
    ok(&sandbox.run(&["--no-model", "import", "--format", "jsonl", file.to_str().unwrap()]));
}
