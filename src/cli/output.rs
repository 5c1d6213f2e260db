//! Where the command line's output goes. Everything for stdout is written through
//! [`stdout`], with `outln!` and `out!` in place of `println!` and `print!`, and every
//! message through `note!` in place of `eprintln!`.
//!
//! A reader that stops early (`tally export csv | head -1`) closes the pipe: the write
//! fails with `BrokenPipe`, the command unwinds with that error through `?`, and `main`
//! ends it as a success without a word, as Unix tools do. SIGPIPE stays ignored, as Rust
//! sets it, rather than reset to kill the process: the collector's X11 and D-Bus
//! sockets, the servers and the sinks must get a closed peer as an error they handle.
//! A closed stderr silences messages and nothing more.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// The process's stdout, remembering when its reader went away.
pub struct Stdout;

pub fn stdout() -> Stdout {
    Stdout
}

/// Whether a write to stdout failed because nothing reads it any more.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn noticed(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    e
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().write(buf).map_err(noticed)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stdout().lock().write_all(buf).map_err(noticed)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush().map_err(noticed)
    }
}

/// Writes a message line to stderr; when stderr is gone there is no one to tell.
pub fn note(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// `print!` to [`stdout`], returning the write's `io::Result`.
macro_rules! out {
    ($($arg:tt)*) => {
        std::io::Write::write_fmt(&mut $crate::cli::output::stdout(), format_args!($($arg)*))
    };
}

/// `println!` to [`stdout`], returning the write's `io::Result`.
macro_rules! outln {
    () => {
        std::io::Write::write_all(&mut $crate::cli::output::stdout(), b"\n")
    };
    ($($arg:tt)*) => {
        std::io::Write::write_fmt(&mut $crate::cli::output::stdout(), format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that never panics.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::output::note(format_args!($($arg)*))
    };
}
