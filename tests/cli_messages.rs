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
