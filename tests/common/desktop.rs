//! A real X11 desktop for collector tests and the footprint benchmark: an `Xvfb`
//! server on a free display (no window manager), `xterm` windows with chosen titles and
//! `WM_CLASS`, and `xdotool` to move the input focus between them.
//!
//! The tools are required, not optional: a missing one panics with the command that
//! installs it, so CI can never skip these tests silently.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "install them with scripts/test.sh (apt: xvfb xterm xdotool x11-utils)";

/// An `Xvfb` server, killed on drop.
pub struct Xvfb {
    child: Child,
    /// `:N`, for `DISPLAY`.
    pub display: String,
    windows: Vec<Child>,
}

impl Xvfb {
    /// Starts `Xvfb` on a display it picks itself (`-displayfd`), and waits until it
    /// accepts clients.
    pub fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}); {INSTALL}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let number: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb did not report its display"));
        Xvfb { child, display: format!(":{number}"), windows: Vec::new() }
    }

    fn tool(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DISPLAY", &self.display).stdin(Stdio::null());
        cmd
    }

    /// Opens an `xterm` titled `title` with `WM_CLASS` (`instance`, `class`) and waits
    /// until it is mapped; returns its window id. An xterm that exits before it maps
    /// (seen rarely on a loaded CI machine: it could not connect yet) is started again,
    /// up to three times; the last one's stderr is in the panic message.
    pub fn open_window(&mut self, instance: &str, class: &str, title: &str) -> String {
        let mut last_error = String::new();
        for _ in 0..3 {
            let child = self
                .tool("xterm")
                .args(["-name", instance, "-class", class, "-T", title, "-e", "sleep", "3600"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start xterm ({e}); {INSTALL}"));
            self.windows.push(child);
            // Generous: a loaded CI machine maps windows slowly.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let exited = self.windows.last_mut().and_then(|c| c.try_wait().ok().flatten());
                if let Some(status) = exited {
                    let mut stderr = String::new();
                    if let Some(mut pipe) = self.windows.last_mut().and_then(|c| c.stderr.take()) {
                        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                    }
                    last_error = format!("{status}: {}", stderr.trim());
                    self.windows.pop();
                    std::thread::sleep(Duration::from_millis(300));
                    break;
                }
                let out = self
                    .tool("xdotool")
                    .args(["search", "--onlyvisible", "--classname", &format!("^{instance}$")])
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run xdotool ({e}); {INSTALL}"));
                if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
                    return id.to_string();
                }
                assert!(Instant::now() < deadline, "the xterm `{instance}` never appeared");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("xterm `{instance}` exited early three times on display {} ({last_error})", self.display);
    }

    /// Gives `window` the input focus (no window manager: `windowactivate` would need
    /// EWMH, so the collector falls back to the input focus).
    pub fn focus(&self, window: &str) {
        let status = self.tool("xdotool").args(["windowfocus", window]).status().unwrap();
        assert!(status.success(), "xdotool windowfocus failed");
    }

    /// Takes the focus away from every window (focus to None).
    pub fn unfocus(&self) {
        // The root window: the collector sees no application window.
        let root = self.tool("xdotool").args(["search", "--maxdepth", "0", ""]).output().unwrap();
        let root = String::from_utf8_lossy(&root.stdout).lines().next().unwrap_or_default().to_string();
        if !root.is_empty() {
            self.focus(&root);
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        for child in self.windows.iter_mut().chain(std::iter::once(&mut self.child)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends `signal` to a child process.
pub fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on the pid of a child we started and have not reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(rc, 0, "kill failed: {}", std::io::Error::last_os_error());
}
