//! What the desktop e2e test and the footprint benchmark share: process groups that die
//! with their handle, and a private Xvfb display.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// A child started in its own process group; dropping it terminates the whole group.
pub struct Group(pub Child);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: signalling our own child's process group.
        unsafe { libc::kill(-(self.0.id() as i32), libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a free display number (`-displayfd`) and returns it with its `:N`.
pub fn start_xvfb() -> (Group, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("Xvfb runs (apt: xvfb)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let display = format!(":{}", line.trim());
    (Group(child), display)
}
