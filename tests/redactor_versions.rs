//! Each aggregate row's redactor version is recorded: a model change shows in `tally stats`.

mod common;

use common::{aw_event, aw_export, stderr, Sandbox};
use serde_json::json;

fn day(date: &str, title: &str) -> String {
    let events = (0..4)
        .map(|i| aw_event(&format!("{date}T{:02}:00:00Z", 9 + i), 1800.0, json!({"app": "code", "title": title})))
        .collect();
    aw_export(vec![("aw-watcher-window_h", "currentwindow", events)])
}

#[test]
fn stats_lists_the_redactor_versions_that_produced_the_aggregates() {
    let sandbox = Sandbox::with_model();
    let a = sandbox.input("a.json", day("2026-11-23", "main.rs - tally"));
    let b = sandbox.input("b.json", day("2026-11-24", "lib.rs - tally"));
    let out = sandbox.run(&["--no-model", "import", "--format", "aw", a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sandbox.run(&["--require-model", "import", "--format", "aw", b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sandbox.run(&["stats", "--from", "2026-11-23", "--to", "2026-11-24", "--tz", "UTC"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let rules = format!("Redactor          tally {version} / recognizers+rules (2026-11-23 to 2026-11-23, 8 buckets)");
    assert!(text.contains(&rules), "{text}");
    let labels = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/tally-encoder/labels.json"));
    let labels: serde_json::Value = serde_json::from_str(&labels.unwrap()).unwrap();
    let model_version = labels["version"].as_str().unwrap();
    let model = format!("tally {version} / {model_version} (2026-11-24 to 2026-11-24, 8 buckets)");
    assert!(text.contains(&model), "{text}");
}
