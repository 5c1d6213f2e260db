//! Messages a newcomer meets first: each names what was wrong and where, in plain words,
//! once, and never echoes a value from a file.

mod common;

use common::{stderr, Sandbox};

#[test]
fn a_date_in_another_format_says_yyyy_mm_dd() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["export", "csv", "--from", "30/11/2026", "--to", "2026-12-01"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("expected a date as YYYY-MM-DD"), "{}", stderr(&out));
}

#[test]
fn policy_file_mistakes_are_named_once_in_plain_words() {
    let sandbox = Sandbox::new();
    let missing = sandbox.inputs.path().join("absent").join("policy.toml");
    let out = sandbox.run(&["--policy", missing.to_str().unwrap(), "publish"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert_eq!(err.matches("No such file or directory").count(), 1, "the OS error once: {err}");

    let no_id = sandbox.input("no-id.toml", "[org]\nteam = \"a\"\n[sink]\nkind = \"folder\"\n");
    let out = sandbox.run(&["--policy", no_id.to_str().unwrap(), "publish"]);
    assert!(stderr(&out).contains("missing field `[org].id`"), "{}", stderr(&out));

    let five = sandbox
        .input("k-as-text.toml", "[org]\nid = \"acme\"\nteam = \"a\"\nk = \"five\"\n[sink]\nkind = \"folder\"\n");
    let out = sandbox.run(&["--policy", five.to_str().unwrap(), "publish"]);
    let err = stderr(&out);
    assert!(err.contains("line 4, column 5: expected a whole number, found text"), "{err}");
    assert!(!err.contains("five") && !err.contains("u32"), "no value, no serde jargon: {err}");
}

#[test]
fn a_csv_import_of_the_wrong_shape_names_the_delimiter_or_the_format_to_use() {
    let sandbox = Sandbox::new();
    let semicolons =
        sandbox.input("semicolons.csv", "start;duration;app;title\n2026-11-30T09:00:00Z;60;code;Ana Lima notes\n");
    let out = sandbox.run(&["import", "--format", "csv", semicolons.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("separated by semicolons") && err.contains("commas"), "{err}");
    assert!(!err.contains("Ana Lima"), "no value: {err}");

    let tabs = sandbox.input("tabs.csv", "start\tduration\tapp\n2026-11-30T09:00:00Z\t60\tcode\n");
    let err = stderr(&sandbox.run(&["import", "--format", "csv", tabs.to_str().unwrap()]));
    assert!(err.contains("separated by tabs"), "{err}");

    let aw = sandbox.input("export.json", "{\"buckets\": {}}\n");
    let err = stderr(&sandbox.run(&["import", "--format", "csv", aw.to_str().unwrap()]));
    assert!(err.contains("JSON, not CSV") && err.contains("--format aw"), "{err}");

    let lines = sandbox.input("events.jsonl", "{\"start\": \"2026-11-30T09:00:00Z\", \"app\": \"code\"}\n");
    let err = stderr(&sandbox.run(&["import", "--format", "csv", lines.to_str().unwrap()]));
    assert!(err.contains("JSON, not CSV") && err.contains("--format jsonl"), "{err}");
}
