//! X11 watchers over a pure-Rust connection (`x11rb`, no libxcb): the focused window's
//! app and title, and the idle time from the MIT-SCREEN-SAVER extension.
//!
//! The focused window is `_NET_ACTIVE_WINDOW` of the root window where an EWMH window
//! manager maintains it; without one (a bare X server, some kiosk set-ups) it is the
//! input focus, walked up to the first ancestor that carries `WM_CLASS`. Properties are
//! read with a length cap and decoded leniently: a window can set any bytes it likes.
//! Errors name the request that failed, never a property's value.

use super::{ActiveWindow, IdleWatcher, WatchError, WindowWatcher};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::errors::{ConnectionError, ReplyError};
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

/// The longest title read, in bytes (longer ones are cut; titles of megabytes exist).
const MAX_TITLE_BYTES: u32 = 2048;
/// The longest `WM_CLASS` read, in bytes.
const MAX_CLASS_BYTES: u32 = 512;
/// How far up the window tree the input focus is followed.
const MAX_TREE_DEPTH: usize = 16;
/// How long a lost connection waits before the next reconnect attempt.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

struct Atoms {
    net_active_window: Atom,
    net_wm_name: Atom,
    net_wm_pid: Atom,
    utf8_string: Atom,
}

struct Link {
    conn: RustConnection,
    root: Window,
    atoms: Atoms,
}

impl Link {
    fn connect(display: Option<&str>) -> Result<Link, WatchError> {
        let (conn, screen) = RustConnection::connect(display)
            .map_err(|e| WatchError::Connection(format!("cannot connect to the X server: {e}")))?;
        let root = conn
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or_else(|| WatchError::Connection("the X server reported no such screen".into()))?;
        let intern = |name: &[u8]| -> Result<Atom, WatchError> {
            Ok(conn.intern_atom(false, name).map_err(lost)?.reply().map_err(reply_lost)?.atom)
        };
        let atoms = Atoms {
            net_active_window: intern(b"_NET_ACTIVE_WINDOW")?,
            net_wm_name: intern(b"_NET_WM_NAME")?,
            net_wm_pid: intern(b"_NET_WM_PID")?,
            utf8_string: intern(b"UTF8_STRING")?,
        };
        Ok(Link { conn, root, atoms })
    }

    /// Reads a property of `window`; `None` when the window or property is gone.
    fn property(
        &self,
        window: Window,
        property: Atom,
        kind: Atom,
        max_bytes: u32,
    ) -> Result<Option<Vec<u8>>, WatchError> {
        let cookie = self.conn.get_property(false, window, property, kind, 0, max_bytes.div_ceil(4)).map_err(lost)?;
        match cookie.reply() {
            Ok(reply) if reply.type_ == u32::from(AtomEnum::NONE) => Ok(None),
            Ok(reply) => Ok(Some(reply.value)),
            Err(ReplyError::X11Error(_)) => Ok(None),
            Err(e) => Err(reply_lost(e)),
        }
    }

    fn window_property(&self, window: Window, property: Atom) -> Result<Option<Window>, WatchError> {
        Ok(self
            .property(window, property, AtomEnum::ANY.into(), 4)?
            .and_then(|v| v.get(..4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])))
            .filter(|&w| w != 0))
    }

    /// `_NET_ACTIVE_WINDOW`, else the input focus walked up to a window with `WM_CLASS`.
    fn focused(&self) -> Result<Option<Window>, WatchError> {
        if let Some(w) = self.window_property(self.root, self.atoms.net_active_window)? {
            return Ok(Some(w));
        }
        let focus = match self.conn.get_input_focus().map_err(lost)?.reply() {
            Ok(reply) => reply.focus,
            Err(ReplyError::X11Error(_)) => return Ok(None),
            Err(e) => return Err(reply_lost(e)),
        };
        // 0 is None, 1 is PointerRoot: no window has the focus.
        let mut window = focus;
        for _ in 0..MAX_TREE_DEPTH {
            if window <= 1 || window == self.root {
                return Ok(None);
            }
            if self.property(window, AtomEnum::WM_CLASS.into(), AtomEnum::STRING.into(), MAX_CLASS_BYTES)?.is_some() {
                return Ok(Some(window));
            }
            window = match self.conn.query_tree(window).map_err(lost)?.reply() {
                Ok(tree) => tree.parent,
                Err(ReplyError::X11Error(_)) => return Ok(None),
                Err(e) => return Err(reply_lost(e)),
            };
        }
        Ok(None)
    }

    fn describe(&self, window: Window) -> Result<ActiveWindow, WatchError> {
        let class = self.property(window, AtomEnum::WM_CLASS.into(), AtomEnum::STRING.into(), MAX_CLASS_BYTES)?;
        let app = match class.as_deref().and_then(wm_class_app) {
            Some(app) => app,
            None => self.process_name(window)?.unwrap_or_default(),
        };
        let title = match self.property(window, self.atoms.net_wm_name, self.atoms.utf8_string, MAX_TITLE_BYTES)? {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => self
                .property(window, AtomEnum::WM_NAME.into(), AtomEnum::ANY.into(), MAX_TITLE_BYTES)?
                .map(|bytes| latin1(&bytes))
                .unwrap_or_default(),
        };
        Ok(ActiveWindow { app, title: clean(title) })
    }

    /// The window's process name from `_NET_WM_PID` (local clients only).
    fn process_name(&self, window: Window) -> Result<Option<String>, WatchError> {
        let pid = self
            .property(window, self.atoms.net_wm_pid, AtomEnum::CARDINAL.into(), 4)?
            .and_then(|v| v.get(..4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])));
        Ok(pid.and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()).map(|c| c.trim().to_string()))
    }
}

/// `WM_CLASS` is "instance\0class\0": the class names the application (ActivityWatch's
/// choice too), the instance is the fallback.
fn wm_class_app(bytes: &[u8]) -> Option<String> {
    let mut parts = bytes.split(|&b| b == 0).filter(|p| !p.is_empty());
    let instance = parts.next();
    let class = parts.next();
    class.or(instance).map(|p| String::from_utf8_lossy(p).trim().to_string()).filter(|s| !s.is_empty())
}

/// `WM_NAME` is Latin-1 by the ICCCM (or compound text, whose ASCII part reads the same).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Control characters (a newline in a title) become spaces.
fn clean(title: String) -> String {
    if title.chars().any(char::is_control) {
        title.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
    } else {
        title
    }
}

fn lost(e: ConnectionError) -> WatchError {
    WatchError::Connection(format!("the X server connection failed: {e}"))
}

fn reply_lost(e: ReplyError) -> WatchError {
    match e {
        ReplyError::ConnectionError(e) => lost(e),
        ReplyError::X11Error(e) => {
            WatchError::Connection(format!("the X server refused a request: {:?}", e.error_kind))
        }
    }
}

/// A connection that is re-made (at most every few seconds) after it breaks, e.g. when
/// the X server restarts.
struct Reconnecting {
    display: Option<String>,
    link: Option<Link>,
    failed_at: Option<Instant>,
}

impl Reconnecting {
    fn connect(display: Option<String>) -> Result<Reconnecting, WatchError> {
        let link = Link::connect(display.as_deref())?;
        Ok(Reconnecting { display, link: Some(link), failed_at: None })
    }

    fn with<T>(&mut self, f: impl FnOnce(&Link) -> Result<T, WatchError>) -> Result<T, WatchError> {
        if self.link.is_none() {
            if self.failed_at.is_some_and(|t| t.elapsed() < RECONNECT_AFTER) {
                return Err(WatchError::Connection("the X server connection is down; retrying".into()));
            }
            match Link::connect(self.display.as_deref()) {
                Ok(link) => self.link = Some(link),
                Err(e) => {
                    self.failed_at = Some(Instant::now());
                    return Err(e);
                }
            }
        }
        let result = f(self.link.as_ref().expect("connected above"));
        if result.is_err() {
            self.link = None;
            self.failed_at = Some(Instant::now());
        }
        result
    }
}

/// The focused X11 window: app from `WM_CLASS` (else the process name), title from
/// `_NET_WM_NAME` (else `WM_NAME`).
pub struct X11WindowWatcher(Reconnecting);

impl X11WindowWatcher {
    /// Connects to `display` (`None`: `$DISPLAY`).
    pub fn connect(display: Option<String>) -> Result<X11WindowWatcher, WatchError> {
        Ok(X11WindowWatcher(Reconnecting::connect(display)?))
    }
}

impl WindowWatcher for X11WindowWatcher {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, WatchError> {
        self.0.with(|link| match link.focused()? {
            Some(window) => link.describe(window).map(Some),
            None => Ok(None),
        })
    }
}

/// Idle time from the MIT-SCREEN-SAVER extension (time since the last input event).
pub struct X11IdleWatcher(Reconnecting);

impl X11IdleWatcher {
    /// Connects to `display` and checks that the server has the extension.
    pub fn connect(display: Option<String>) -> Result<X11IdleWatcher, WatchError> {
        let mut watcher = X11IdleWatcher(Reconnecting::connect(display)?);
        watcher.idle_for()?;
        Ok(watcher)
    }
}

impl IdleWatcher for X11IdleWatcher {
    fn idle_for(&mut self) -> Result<Duration, WatchError> {
        self.0.with(|link| {
            let reply = link
                .conn
                .screensaver_query_info(link.root)
                .map_err(|e| match e {
                    ConnectionError::UnsupportedExtension => {
                        WatchError::Unsupported("the X server lacks the MIT-SCREEN-SAVER extension (idle time)".into())
                    }
                    e => lost(e),
                })?
                .reply()
                .map_err(reply_lost)?;
            Ok(Duration::from_millis(u64::from(reply.ms_since_user_input)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wm_class_names_the_class_else_the_instance() {
        for (bytes, want) in [
            (&b"xterm\0XTerm\0"[..], Some("XTerm")),
            (b"navigator\0firefox", Some("firefox")),
            (b"solo\0", Some("solo")),
            (b"\0\0", None),
            (b"", None),
            (b"bad\0\xff\xfeclass\0", Some("\u{fffd}\u{fffd}class")),
        ] {
            assert_eq!(wm_class_app(bytes).as_deref(), want);
        }
    }

    #[test]
    fn titles_are_decoded_leniently() {
        assert_eq!(latin1(b"caf\xe9"), "café");
        assert_eq!(clean("a\nb\tc".to_string()), "a b c");
        // A title cut inside a UTF-8 sequence decodes with a replacement character.
        assert_eq!(String::from_utf8_lossy(&"é".as_bytes()[..1]), "\u{fffd}");
    }
}
