//! A reader that stops early (`tally export csv | head -1`) closes the pipe Tally writes
//! to. That is a normal end of the command: exit status 0, no panic, no abort, no error
//! message, whether stderr goes elsewhere or into the same pipe.
#![cfg(unix)]

mod common;

use common::Sandbox;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::FromRawFd;
use std::process::{ExitStatus, Stdio};

/// A pipe as (read end, write end), closed on exec so a child holds only what it is given.
fn pipe() -> (File, File) {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills the array with two new descriptors, which the Files then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Where the reader closes the pipe.
#[derive(Clone, Copy, Debug)]
enum Close {
    /// Before the command starts: its first write fails.
    AtOnce,
    /// After reading the first line, as `head -1` does.
    AfterFirstLine,
}

/// Runs `tally ARGS` with `stdin`, stdout into a pipe closed as `close` says, and stderr
/// into the same pipe or captured; returns the exit status and what stderr said.
fn run_into_closed_pipe(
    sandbox: &Sandbox,
    args: &[&str],
    stdin: &[u8],
    close: Close,
    stderr_too: bool,
) -> (ExitStatus, String) {
    let (read, write) = pipe();
    let mut reader = match close {
        Close::AtOnce => {
            drop(read);
            None
        }
        Close::AfterFirstLine => Some(BufReader::new(read)),
    };
    let mut cmd = sandbox.command(args);
    cmd.stdin(Stdio::piped()).stdout(Stdio::from(write.try_clone().unwrap()));
    if stderr_too {
        cmd.stderr(Stdio::from(write.try_clone().unwrap()));
    } else {
        cmd.stderr(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    drop(write);
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // The command may stop reading once its output is gone: a failed write here is expected.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    if let Some(reader) = reader.as_mut() {
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "tally {args:?} printed nothing");
    }
    drop(reader);
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut said).unwrap();
    }
    let status = child.wait().unwrap();
    feeder.join().unwrap();
    (status, said)
}

/// About six weeks of activity: an hourly report of it is far larger than a pipe's buffer.
fn sandbox_with_activity() -> Sandbox {
    let sandbox = Sandbox::new();
    let mut shape = tally::synth::shape_for_total(5_000, 3);
    shape.end = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z").unwrap().timestamp();
    let mut export = Vec::new();
    tally::synth::write_aw_export(&mut export, shape).unwrap();
    let file = sandbox.input("aw.json", export);
    let out = sandbox.run(&["--no-model", "import", "--format", "aw", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    sandbox
}

#[test]
fn a_closed_pipe_ends_a_command_as_a_success_without_a_panic() {
    let sandbox = sandbox_with_activity();
    let texts: Vec<u8> = "{\"text\":\"build 42 passed on main\"}\n".repeat(20_000).into_bytes();
    let export = ["export", "csv", "--from", "2026-10-15", "--to", "2026-11-30", "--by", "hour"];
    let stats = ["stats", "--from", "2026-10-15", "--to", "2026-11-30"];
    let cases: Vec<(&[&str], &[u8], Close)> = vec![
        (&export, b"", Close::AfterFirstLine),
        (&["--no-model", "redact"], &texts, Close::AfterFirstLine),
        (&export, b"", Close::AtOnce),
        (&["--no-model", "redact"], &texts, Close::AtOnce),
        (&["--no-model", "classify"], b"{\"app\":\"code\",\"title\":\"main.rs\"}\n", Close::AtOnce),
        (&stats, b"", Close::AtOnce),
        (&["ledger"], b"", Close::AtOnce),
        (&["provider", "list"], b"", Close::AtOnce),
    ];
    let mut failures = Vec::new();
    for (args, stdin, close) in cases {
        for stderr_too in [false, true] {
            let (status, said) = run_into_closed_pipe(&sandbox, args, stdin, close, stderr_too);
            if !status.success() || said.contains("internal error") || said.contains("Broken pipe") {
                let into = if stderr_too { "stdout and stderr" } else { "stdout" };
                failures.push(format!("tally {args:?} with {into} closed {close:?}: {status}; stderr: {said}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
