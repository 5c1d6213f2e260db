//! The app catalogue: maps the many raw names one application goes by (WM_CLASS,
//! process name, display name) onto one normalized name, and [`AppName`], the only
//! form an app name takes after the analyzer.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// Raw name (lower case) → normalized name. An unknown app keeps its name only when it is
/// a program id ([`is_program_id`]) in which the analyzer finds nothing (see
/// `Analyzer::normalize_app`).
const CATALOGUE: &[(&str, &[&str])] = &[
    ("vscode", &["code", "code-oss", "vscodium", "visual studio code", "code - oss"]),
    ("cursor", &["cursor"]),
    (
        "jetbrains",
        &[
            "jetbrains-idea",
            "jetbrains-pycharm",
            "jetbrains-webstorm",
            "jetbrains-goland",
            "jetbrains-clion",
            "jetbrains-rider",
            "jetbrains-rustrover",
            "idea",
            "intellij idea",
            "pycharm",
            "webstorm",
            "goland",
            "clion",
            "rider",
            "rustrover",
        ],
    ),
    ("vim", &["vim", "gvim", "nvim", "neovim"]),
    ("emacs", &["emacs"]),
    (
        "terminal",
        &[
            "gnome-terminal",
            "gnome-terminal-server",
            "konsole",
            "xterm",
            "alacritty",
            "kitty",
            "wezterm",
            "terminator",
            "tilix",
            "iterm2",
            "terminal",
            "windowsterminal",
            "powershell",
            "cmd",
        ],
    ),
    ("firefox", &["firefox", "firefox-esr", "navigator", "mozilla firefox"]),
    ("chrome", &["google-chrome", "chrome", "google chrome", "chromium", "chromium-browser"]),
    ("edge", &["microsoft-edge", "msedge", "microsoft edge"]),
    ("safari", &["safari"]),
    ("brave", &["brave-browser", "brave"]),
    ("slack", &["slack"]),
    ("teams", &["teams", "microsoft teams", "ms-teams", "teams-for-linux"]),
    ("zoom", &["zoom", "zoom.us", "zoom meeting"]),
    ("discord", &["discord"]),
    ("thunderbird", &["thunderbird", "thunderbird-esr"]),
    ("outlook", &["outlook", "microsoft outlook"]),
    ("libreoffice", &["libreoffice", "soffice", "libreoffice-writer", "libreoffice-calc", "libreoffice-impress"]),
    ("word", &["winword", "microsoft word"]),
    ("excel", &["excel", "microsoft excel"]),
    ("powerpoint", &["powerpnt", "microsoft powerpoint"]),
    (
        "files",
        &[
            "nautilus",
            "org.gnome.nautilus",
            "files",
            "dolphin",
            "thunar",
            "nemo",
            "pcmanfm",
            "finder",
            "explorer",
            "file explorer",
        ],
    ),
    (
        "settings",
        &[
            "gnome-control-center",
            "systemsettings",
            "system settings",
            "system preferences",
            "settings",
            "control panel",
        ],
    ),
    ("figma", &["figma", "figma-linux"]),
    ("spotify", &["spotify"]),
    ("steam", &["steam"]),
];

/// Browsers: their window events are replaced by web-watcher events when both exist.
pub const BROWSERS: &[&str] = &["firefox", "chrome", "edge", "safari", "brave", "opera", "vivaldi"];

/// The catalogue name for a raw app name, if it is a known app.
pub fn known_app(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().to_lowercase();
    let lower = lower.strip_suffix(".exe").unwrap_or(&lower);
    CATALOGUE.iter().find(|(_, aliases)| aliases.contains(&lower)).map(|(name, _)| *name)
}

/// Every catalogue name and raw alias (lower case), e.g. for telling an app's name in a
/// title from a person's.
pub fn catalogue_names() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().flat_map(|(name, aliases)| std::iter::once(*name).chain(aliases.iter().copied()))
}

/// Prefix of a keyed app id, the stored form of an app name that is neither in the
/// catalogue nor a program id (see `Analyzer::normalize_app`).
pub const APP_ID_PREFIX: &str = "app:";

/// How the UI shows a keyed app id.
pub const UNRECOGNISED_APP: &str = "unrecognised app";

/// Longest program id, in bytes.
const MAX_PROGRAM_ID: usize = 64;

/// Whether `name` has the shape of a program identifier, the only unknown app names
/// stored as given (after the analyzer found nothing in them). ASCII, 1–64 bytes,
/// starting with a letter or digit, and either
/// - lower-case letters, digits, `.`, `-` and `_` only (`code`, `firefox-esr`,
///   `gimp-2.10`, `my_tool`), or
/// - a reverse-DNS id: three or more non-empty dot-separated parts of letters, digits,
///   `-` and `_`, the first one lower case (`org.gnome.Nautilus`,
///   `com.jetbrains.IntelliJ-IDEA`).
///
/// Spaces, `@`, `/`, `\`, `:` and upper case outside a reverse-DNS id never qualify, so
/// person names, e-mail addresses, paths and phrases (`Maria Garcia`, `Obscure Tool`)
/// do not, nor do capitalised window classes such as `Inkscape`: a single capitalised
/// word cannot be told from a first name.
pub fn is_program_id(name: &str) -> bool {
    let part = |p: &str, upper: bool| {
        !p.is_empty()
            && p.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_'
                    || (upper && b.is_ascii_uppercase())
            })
    };
    let starts_alnum = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !starts_alnum || name.len() > MAX_PROGRAM_ID {
        return false;
    }
    let lower_case = name.split('.').all(|p| p.is_empty() || part(p, false));
    let parts: Vec<&str> = name.split('.').collect();
    let reverse_dns = parts.len() >= 3 && part(parts[0], false) && parts[1..].iter().all(|p| part(p, true));
    lower_case || reverse_dns
}

pub fn is_browser(normalized: &str) -> bool {
    BROWSERS.contains(&normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_one_name() {
        for (raw, want) in [
            ("Code", Some("vscode")),
            ("firefox-esr", Some("firefox")),
            ("WINWORD.EXE", Some("word")),
            ("org.gnome.Nautilus", Some("files")),
            ("mystery", None),
        ] {
            assert_eq!(known_app(raw), want, "{raw}");
        }
    }

    #[test]
    fn program_ids_are_lower_case_ids_or_reverse_dns() {
        for (name, want) in [
            ("code", true),
            ("firefox-esr", true),
            ("gimp-2.10", true),
            ("my_tool", true),
            ("7zip", true),
            ("org.gnome.Nautilus", true),
            ("com.jetbrains.IntelliJ-IDEA", true),
            ("maria garcia", false),
            ("Maria Garcia", false),
            ("Inkscape", false),
            ("Maria.Garcia", false),
            ("org.Maria", false),
            ("Org.gnome.Nautilus", false),
            ("org..nautilus", true),
            ("org..Nautilus", false),
            ("ana@example.org", false),
            ("/usr/bin/tool", false),
            ("c:tool", false),
            ("-tool", false),
            (".tool", false),
            ("", false),
            ("ü-tool", false),
        ] {
            assert_eq!(is_program_id(name), want, "{name}");
        }
        assert!(is_program_id(&"a".repeat(64)));
        assert!(!is_program_id(&"a".repeat(65)));
    }
}

/// A normalized application name: a catalogue name, a program id in which the analyzer
/// found nothing, a keyed app id (`app:` and 12 hex digits) for any other name, or
/// `other` (no name, or no key to make an id with). Only the analyzer builds one from raw
/// input, and nothing outside the crate builds one at all; it is not `Deserialize`, so
/// no deserialized input can become one either.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AppName(Arc<str>);

impl AppName {
    pub(crate) fn new_unchecked(name: &str) -> AppName {
        AppName(Arc::from(name))
    }

    /// Rebuilds a name read back from the store or a checkpoint (normalized when it was
    /// written).
    pub(crate) fn from_stored(name: &str) -> AppName {
        AppName(Arc::from(name))
    }

    pub fn other() -> AppName {
        AppName(Arc::from("other"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a keyed app id rather than a name.
    pub fn is_app_id(&self) -> bool {
        self.0.starts_with(APP_ID_PREFIX)
    }

    /// The name as the UI shows it: keyed app ids read "unrecognised app".
    pub fn display_name(&self) -> &str {
        if self.is_app_id() {
            UNRECOGNISED_APP
        } else {
            &self.0
        }
    }
}

/// Deserializes an [`AppName`] saved by this crate (import checkpoints' timeline state).
pub(crate) fn deserialize_stored_app<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AppName, D::Error> {
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Ok(AppName::from_stored(&name))
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
