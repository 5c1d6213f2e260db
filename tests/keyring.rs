//! The OS keyring never fails open: a secret that was configured but cannot be read is
//! an error naming the backend, long-lived keys refuse a store that forgets them at
//! reboot unless told otherwise, and a missing session keyring is named as such. The
//! real `tally` binary, a real keyutils keyring and a real Secret Service.

mod common;

use common::rollup::{import_week, minutes_of, ok, unique_org};
use common::{join_fresh_session_keyring, stderr, Sandbox};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tally::rollup::folder::OrgKeys;

/// `cmd`'s environment on another program.
fn cmd_with_program(cmd: Command, program: &str) -> Command {
    let mut other = Command::new(program);
    other.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            other.env(k, v);
        }
    }
    other
}

/// A serve token set in the Secret Service, then `tally serve` from a shell without a
/// session bus (cron, ssh): `auto` lands on keyutils, which has no token. Serve must
/// refuse to start, naming the Secret Service, instead of running without auth.
#[test]
fn serve_refuses_to_start_when_its_configured_token_cannot_be_read() {
    join_fresh_session_keyring();
    let sandbox = Sandbox::new();
    let exe = env!("CARGO_BIN_EXE_tally");
    let script = format!(
        "set -e\n\
         printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1\n\
         printf '%s\\n' 'serve-token-for-the-test' | {exe} serve-token set\n"
    );
    let mut cmd = sandbox.command(&[]);
    cmd.env("TALLY_KEYRING", "secret-service");
    let mut cmd = cmd_with_program(cmd, "dbus-run-session");
    cmd.args(["--", "bash", "-c", &script]);
    let set = sandbox.run_command(cmd);
    assert!(set.status.success(), "{}", stderr(&set));

    let port = common::free_port().to_string();
    let mut child = sandbox
        .command(&["serve", "--port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("tally serve started without its configured token (fails open): {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("Secret Service") && err.contains("tally serve-token"), "{err}");
    assert!(!err.contains("serve-token-for-the-test"), "{err}");
}

/// The admin side of a shared-folder organisation on keyutils (no session bus).
fn folder_init(admin: &Sandbox, org: &str, extra: &[&str]) -> std::process::Output {
    let folder = admin.inputs.path().join("share");
    let mut args = vec!["team", "init", "--org", org, "--folder", folder.to_str().unwrap()];
    args.extend(extra);
    admin.run(&args)
}

#[test]
fn team_init_refuses_a_keyring_that_forgets_at_reboot_unless_told() {
    join_fresh_session_keyring();
    let admin = Sandbox::new();
    let org = unique_org();
    let refused = folder_init(&admin, &org, &[]);
    let err = stderr(&refused);
    assert!(!refused.status.success(), "{err}");
    assert!(err.contains("keyutils") && err.contains("reboot") && err.contains("--allow-volatile-keyring"), "{err}");
    assert!(!admin.inputs.path().join("share").exists(), "nothing is set up when init refuses");

    let out = ok(&folder_init(&admin, &org, &["--allow-volatile-keyring"]));
    assert!(out.contains("org_public_key = \""), "{out}");
}

#[test]
fn an_exported_org_key_is_owner_only_and_opens_sealed_contributions() {
    join_fresh_session_keyring();
    let admin = Sandbox::new();
    let org = unique_org();
    let out = ok(&folder_init(&admin, &org, &["--allow-volatile-keyring"]));
    let public_key = out.lines().find_map(|l| l.strip_prefix("org_public_key = \"")?.split('"').next()).unwrap();
    let folder = admin.inputs.path().join("share");
    let policy = |sandbox: &Sandbox, extra: &str| {
        let text = format!(
            "[org]\nid = \"{org}\"\nteam = \"alpha\"\n{extra}\n[sink]\nkind = \"folder\"\npath = \"{}\"\norg_public_key = \"{public_key}\"\n[roster]\nalpha = 6\n",
            folder.display()
        );
        sandbox.input("policy.toml", text).display().to_string()
    };
    let admin_policy = policy(&admin, "admin = true\n");
    let token = ok(&admin.run(&["--policy", &admin_policy, "team", "tokens", "issue", "--team", "alpha"]));

    let install = Sandbox::new();
    let install_policy = policy(&install, "");
    import_week(&install, &minutes_of(0));
    ok(&install.run_with_stdin(&["--policy", &install_policy, "enrol"], token.trim().as_bytes()));
    ok(&install.run(&["--no-model", "--policy", &install_policy, "publish"]));

    let file = admin.inputs.path().join("org-key.backup");
    let exported = admin.run(&["--policy", &admin_policy, "team", "key", "export", "--out", file.to_str().unwrap()]);
    ok(&exported);
    assert!(stderr(&exported).contains("warning"), "{}", stderr(&exported));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let hex = std::fs::read_to_string(&file).unwrap();
    let bytes: Vec<u8> = (0..64).step_by(2).map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).unwrap()).collect();
    let keys = OrgKeys::from_secret(bytes.try_into().unwrap());
    let sealed: Vec<_> = std::fs::read_dir(folder.join("contrib"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "sealed"))
        .collect();
    assert!(!sealed.is_empty(), "the install published a sealed contribution");
    for entry in sealed {
        assert!(keys.open(&std::fs::read(entry.path()).unwrap()).is_some(), "the exported key opens it");
    }

    // An existing file is never overwritten.
    let again = admin.run(&["--policy", &admin_policy, "team", "key", "export", "--out", file.to_str().unwrap()]);
    assert!(!again.status.success());
}

/// A session keyring that was revoked (the login that started the process has ended) is
/// named as such, with the command that fixes it, instead of a bare "no entry".
#[test]
fn a_missing_session_keyring_is_named_with_the_fix() {
    join_fresh_session_keyring();
    const KEYCTL_REVOKE: libc::c_long = 3;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    // SAFETY: keyctl(REVOKE, id) takes no pointers.
    let r = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_REVOKE, KEY_SPEC_SESSION_KEYRING) };
    assert_eq!(r, 0, "{}", std::io::Error::last_os_error());
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command(&["serve-token", "set"]);
    cmd.env("TALLY_KEYRING", "keyutils");
    let out = common::output_with_stdin(cmd, b"a-token-that-goes-nowhere\n");
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("session keyring") && err.contains("keyctl session"), "{err}");
}
