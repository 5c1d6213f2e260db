//! Process hardening for DESIGN §4.1: no core dumps, and panic messages that carry a
//! location but never a payload (a payload could hold event text).

/// Call first thing in `main`.
pub fn harden_process() {
    disable_core_dumps();
    std::panic::set_hook(Box::new(|info| {
        let at =
            info.location().map_or_else(|| "unknown location".to_string(), |l| format!("{}:{}", l.file(), l.line()));
        eprintln!("tally: internal error at {at} (details withheld: they may contain event data). Please report it.");
    }));
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
