//! The app catalogue: maps the many raw names one application goes by (WM_CLASS,
//! process name, display name) onto one normalized name.

/// Raw name (lower case) → normalized name. Unknown apps keep their lower-cased raw name
/// when the analyzer finds no PII in it (see `Analyzer::normalize_app`).
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
}
