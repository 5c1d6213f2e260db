//! `tally redact` operators and the `[redact]` policy through the real binary: keyed
//! pseudonyms from a real keyutils keyring (stable across runs, changed by
//! `tally pseudonym-key rotate`), masks, and allow/deny lists from the config.

mod common;
use common::{assert_no_planted_pii, join_fresh_session_keyring, stderr, Sandbox};
use serde_json::Value;

const INPUT: &str = "{\"text\":\"mail ana.lima@example.org\"}\n\
{\"text\":\"cc ANA.LIMA@example.org and bo.stone@example.net\"}\n\
{\"text\":\"from bo.stone@example.net\"}\n\
{\"text\":\"nothing here\"}\n";
const PLANTED: [&str; 2] = ["ana.lima@example.org", "bo.stone@example.net"];

/// keyutils also links keys into the user's persistent keyring, which every session of
/// the user shares, so each test keeps its key under its own entry name.
fn config_with_unique_entry(sandbox: &Sandbox, extra: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let entry = format!(
        "pseudonym-key-test-{}x{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let path = sandbox.input("config.toml", format!("[redact]\npseudonym_key = \"{entry}\"\n{extra}"));
    path.to_str().unwrap().to_string()
}

fn redact(sandbox: &Sandbox, config: &str, flags: &[&str], input: &str) -> Vec<Value> {
    let mut args = vec!["--no-model", "--config", config, "redact"];
    args.extend(flags);
    let out = sandbox.run_with_stdin(&args, input.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_planted_pii(sandbox.home.path(), &[out.stdout.clone(), out.stderr.clone()].concat(), &PLANTED);
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn texts(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|l| l["text"].as_str().unwrap().to_string()).collect()
}

/// The `xxxx` of each `<EMAIL:xxxx>` in `text`.
fn pseudonyms(text: &str) -> Vec<String> {
    text.match_indices("<EMAIL:").map(|(at, _)| text[at + 7..at + 11].to_string()).collect()
}

#[test]
fn pseudonyms_are_stable_per_install_and_change_on_rotation() {
    join_fresh_session_keyring();
    let sandbox = Sandbox::new();
    let config = config_with_unique_entry(&sandbox, "");

    let out =
        sandbox.run_with_stdin(&["--no-model", "--config", &config, "redact", "--pseudonymize"], INPUT.as_bytes());
    assert!(stderr(&out).contains("(new key in `pseudonym-key-test-"), "{}", stderr(&out));
    let first = texts(&redact(&sandbox, &config, &["--pseudonymize"], INPUT));
    let (ana, bo) = (pseudonyms(&first[0])[0].clone(), pseudonyms(&first[2])[0].clone());
    assert_eq!(first[0], format!("mail <EMAIL:{ana}>"));
    assert!(ana.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{ana}");
    // The same counterpart, in any case, gets the same pseudonym; another one another.
    assert_eq!(pseudonyms(&first[1]), [ana.clone(), bo.clone()]);
    assert_ne!(ana, bo);
    assert_eq!(first[3], "nothing here");

    // The key was created once and kept: another run gives the same pseudonyms.
    let out =
        sandbox.run_with_stdin(&["--no-model", "--config", &config, "redact", "--pseudonymize"], INPUT.as_bytes());
    assert!(stderr(&out).contains("pseudonym (key in"), "{}", stderr(&out));
    assert_eq!(texts(&redact(&sandbox, &config, &["--operator", "pseudonym"], INPUT)), first);

    let out = sandbox.run(&["--config", &config, "pseudonym-key", "rotate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("do not match earlier ones"), "{}", stderr(&out));
    let rotated = texts(&redact(&sandbox, &config, &["--pseudonymize"], INPUT));
    let (ana2, bo2) = (pseudonyms(&rotated[0])[0].clone(), pseudonyms(&rotated[2])[0].clone());
    // 16 bits each: both staying equal by chance has odds of 1 in 2^32.
    assert!(ana2 != ana || bo2 != bo, "rotation kept the pseudonyms");
    assert_eq!(pseudonyms(&rotated[1]), [ana2, bo2]);
}

#[test]
fn operator_comes_from_the_flag_else_the_config() {
    join_fresh_session_keyring();
    let sandbox = Sandbox::new();
    let config = config_with_unique_entry(&sandbox, "operator = \"mask\"\n");
    let masked = texts(&redact(&sandbox, &config, &[], INPUT));
    assert_eq!(masked[0], format!("mail {}", "*".repeat("ana.lima@example.org".len())));
    let placeholders = texts(&redact(&sandbox, &config, &["--operator", "placeholder"], INPUT));
    assert_eq!(placeholders[1], "cc <EMAIL> and <EMAIL>");
    let out = sandbox.run(&["--config", &config, "redact", "--pseudonymize", "--operator", "mask"]);
    assert!(!out.status.success(), "--pseudonymize and --operator conflict");
}

#[test]
fn allow_and_deny_lists_and_thresholds_apply_to_redact() {
    let sandbox = Sandbox::new();
    let config = config_with_unique_entry(
        &sandbox,
        "allow = [\"tally@example.com\"]\n\
         deny = { PERSON = [\"Nightingale\"] }\n\
         thresholds = { IP_ADDRESS = 1.0 }\n",
    );
    let input = "{\"text\":\"tally@example.com meets Nightingale at 10.1.2.3, cc ana.lima@example.org\"}\n";
    let lines = redact(&sandbox, &config, &[], input);
    assert_eq!(lines[0]["text"], "tally@example.com meets <PERSON> at 10.1.2.3, cc <EMAIL>");
    let labels: Vec<&str> = lines[0]["pii"].as_array().unwrap().iter().map(|p| p["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["PERSON", "EMAIL"]);
    assert_eq!(lines[0]["pii"][0]["source"], "regex");

    let bad = sandbox.input("bad.toml", "[redact]\ndeny = { NAME = [\"x\"] }\n");
    let out = sandbox.run(&["--no-model", "--config", bad.to_str().unwrap(), "redact"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("`redact.deny.NAME`: unknown label"), "{}", stderr(&out));
}
