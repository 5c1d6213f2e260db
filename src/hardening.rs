//! Process hardening for DESIGN §4.1 and §4.2: no core dumps, panic messages that carry
//! a location but never a payload (a payload could hold event text), and no telemetry
//! from the libraries Tally loads.

use std::io::Write;

/// ONNX Runtime's switch for its telemetry, which otherwise writes a device id and an
/// event queue under the cache dir's `Microsoft/` and a session file in TMPDIR. It is
/// read while the library starts, before any API call could turn it off.
pub const RUNTIME_TELEMETRY_SWITCH: &str = "ORT_DISABLE_TELEMETRY";

/// Call first thing in `main`, while the process has one thread: it sets an environment
/// variable, which is safe only when no other thread reads the environment.
pub fn harden_process() {
    disable_runtime_telemetry();
    disable_core_dumps();
    std::panic::set_hook(Box::new(|info| {
        let at =
            info.location().map_or_else(|| "unknown location".to_string(), |l| format!("{}:{}", l.file(), l.line()));
        // Not eprintln!: with stderr closed, a panic inside the hook would abort.
        let _ = writeln!(
            std::io::stderr(),
            "tally: internal error at {at} (details withheld: they may contain event data). Please report it."
        );
    }));
}

/// Turns ONNX Runtime's telemetry off for this process and the ones it starts.
pub fn disable_runtime_telemetry() {
    std::env::set_var(RUNTIME_TELEMETRY_SWITCH, "1");
}

/// Whether ONNX Runtime's telemetry is off for this process.
pub fn runtime_telemetry_disabled() -> bool {
    std::env::var_os(RUNTIME_TELEMETRY_SWITCH).is_some_and(|v| v == "1")
}

fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: setrlimit reads a valid, initialised struct; failure is harmless here.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
}

/// Whether core dumps are off for this process.
pub fn core_dumps_disabled() -> bool {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 1, rlim_max: 1 };
        // SAFETY: getrlimit writes into a valid struct we own.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) } == 0;
        ok && limit.rlim_cur == 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}
