//! `tally-desktop --require-model` refuses to start without the local model, before
//! any window or tray exists, and names what is missing.

use std::process::Command;

#[test]
fn the_desktop_refuses_to_start_without_the_model_it_requires() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("no-models-here");
    std::fs::create_dir_all(&missing).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tally-desktop"))
        .arg("--data-dir")
        .arg(home.path().join("data"))
        .arg("--config")
        .arg(home.path().join("config.toml"))
        .arg("--model-dir")
        .arg(&missing)
        .arg("--require-model")
        .env("TALLY_KEYRING", "keyutils")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("the local model is required (--require-model) but unavailable"), "stderr: {stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "names where it looked: {stderr}");
}
