//! USERNAME: home-directory paths (`/home/NAME`, `/Users/NAME`, `C:\Users\NAME`; the span
//! is NAME only), `user@host` logins (host without a dotted TLD, else it is an EMAIL),
//! `@handles`, and the login of a code host's profile page (`login (Full Name) · GitHub`).

use regex::Regex;

use super::{is_word, next_char, next_next_char, prev_char, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

/// NAME in a home-directory path.
pub const HOME_PATH_SCORE: f32 = 0.85;
/// `user@host` (ssh targets, shell prompts).
pub const LOGIN_SCORE: f32 = 0.8;
/// `@handle` mentions.
pub const HANDLE_SCORE: f32 = 0.7;

/// Profile directories that are not a person's account.
const GENERIC_HOME_NAMES: &[&str] = &[
    "public",
    "shared",
    "default",
    "default user",
    "defaultuser0",
    "all users",
    "root",
    "guest",
    "user",
    "users",
    "username",
    "admin",
    "administrator",
    "localservice",
    "networkservice",
    "systemprofile",
    "wdagutilityaccount",
    "me",
    "you",
    "yourname",
    "your-name",
    "your_name",
    "name",
    "runner",
    "ubuntu",
    "ec2-user",
    "vagrant",
];

/// Mentions that address a group, and `@`-keywords of CSS, Java, JSDoc, ... .
const GENERIC_HANDLES: &[&str] = &[
    "here",
    "channel",
    "everyone",
    "all",
    "me",
    "media",
    "import",
    "font-face",
    "keyframes",
    "supports",
    "charset",
    "override",
    "deprecated",
    "param",
    "return",
    "returns",
    "author",
    "since",
    "see",
    "throws",
    "interface",
    "end",
    "implementation",
    "property",
    "synthesize",
    "todo",
];

/// The login that a code host's profile page title starts with.
pub const PROFILE_SCORE: f32 = 0.8;
/// Code hosts whose profile pages are titled `login (Full Name) · Host`.
const CODE_HOSTS: &[&str] = &["GitHub", "GitLab", "Gitea", "Codeberg"];
/// Page names that title a code host's pages the same way (`Issues (3) · GitHub`).
const CODE_HOST_PAGES: &[&str] = &[
    "issues",
    "pulls",
    "pull",
    "actions",
    "projects",
    "security",
    "insights",
    "settings",
    "notifications",
    "explore",
    "marketplace",
    "discussions",
    "wiki",
    "commits",
    "branches",
    "tags",
    "releases",
    "repositories",
    "stars",
    "followers",
    "following",
    "packages",
    "sponsors",
    "codespaces",
    "merge",
    "pipelines",
    "jobs",
];

pub struct UsernameRecognizer {
    home: Regex,
    login: Regex,
    handle: Regex,
    profile: Regex,
}

impl UsernameRecognizer {
    pub fn new() -> Self {
        let home = Regex::new(
            r#"(?:[A-Za-z]:[\\/]{1,2}(?i-u:users|documents and settings)[\\/]{1,2}|(?:(?:/mnt)?/[a-zA-Z])?/Users/|/home/)([^\\/:*?"<>|\s'`()\[\],;=]+(?:\x20[^\\/:*?"<>|\s'`()\[\],;=]+)*)"#,
        )
        .expect("home path regex");
        let login = Regex::new(
            r"([A-Za-z_][A-Za-z0-9_.\-]{0,31})@(?:([A-Za-z][A-Za-z0-9\-]{0,62})|([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}))",
        )
        .expect("login regex");
        let handle = Regex::new(r"@([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?)").expect("handle regex");
        let profile = Regex::new(r"^([A-Za-z0-9][A-Za-z0-9_\-]{0,38}) \([^()]*[A-Za-z][^()]*\)(?: [·\-|] |$)")
            .expect("profile regex");
        UsernameRecognizer { home, login, handle, profile }
    }

    fn recognize_home(&self, text: &str, out: &mut Vec<Span>) {
        for caps in self.home.captures_iter(text) {
            let (Some(all), Some(name)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let first = text.as_bytes()[all.start()];
            let prev = prev_char(text, all.start());
            if first == b'/' {
                // Not a URL path ("example.com/home/about") or a deeper directory.
                if is_word(prev) || matches!(prev, Some('.' | '-' | '~' | '%')) {
                    continue;
                }
            } else if is_word(prev) {
                continue;
            }
            let mut end = name.end();
            // Names with spaces only when the path continues ("C:\Users\John Smith\...").
            if !matches!(next_char(text, end), Some('\\' | '/')) {
                if let Some(sp) = name.as_str().find(' ') {
                    end = name.start() + sp;
                }
            }
            let value = text[name.start()..end].trim_end_matches(['.', '-']);
            if value.is_empty()
                || value.starts_with(['$', '%', '{', '~', '.', '*', '<', '&'])
                || GENERIC_HOME_NAMES.iter().any(|g| value.eq_ignore_ascii_case(g))
            {
                continue;
            }
            out.push(Span::regex(name.start(), name.start() + value.len(), PiiLabel::Username, HOME_PATH_SCORE));
        }
    }

    fn recognize_login(&self, text: &str, out: &mut Vec<Span>) {
        for caps in self.login.captures_iter(text) {
            let (Some(all), Some(user)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let prev = prev_char(text, all.start());
            if is_word(prev) || matches!(prev, Some('.' | '%' | '+' | '-' | '@' | '/' | '\\')) {
                continue;
            }
            let u = user.as_str();
            if u.ends_with(['.', '-']) {
                continue;
            }
            let end = all.end();
            let next = next_char(text, end);
            if is_word(next) || next == Some('@') {
                continue;
            }
            if caps.get(3).is_some() {
                // user@IP: the address is an IP_ADDRESS, the user part a USERNAME.
                if !matches!(next, Some('.')) || !is_word(next_next_char(text, end)) {
                    out.push(Span::regex(user.start(), user.end(), PiiLabel::Username, LOGIN_SCORE));
                }
                continue;
            }
            // A dotted host with a TLD ("alice@example.com") is an EMAIL.
            if matches!(next, Some('.' | '-')) && is_word(next_next_char(text, end)) {
                continue;
            }
            out.push(Span::regex(all.start(), end, PiiLabel::Username, LOGIN_SCORE));
        }
    }

    fn recognize_handle(&self, text: &str, out: &mut Vec<Span>) {
        for caps in self.handle.captures_iter(text) {
            let (Some(all), Some(h)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let prev = prev_char(text, all.start());
            if is_word(prev) || matches!(prev, Some('.' | '%' | '+' | '-' | '@' | '/' | '\\' | '=')) {
                continue;
            }
            let next = next_char(text, all.end());
            if matches!(next, Some('@' | '/' | '\\')) || is_word(next) {
                continue;
            }
            let h = h.as_str();
            if h.len() < 2
                || looks_like_domain(h)
                || h.bytes().all(|b| b.is_ascii_digit())
                || GENERIC_HANDLES.iter().any(|g| h.eq_ignore_ascii_case(g))
            {
                continue;
            }
            out.push(Span::regex(all.start(), all.end(), PiiLabel::Username, HANDLE_SCORE));
        }
    }
}

/// "@example.com": a domain, not a handle.
fn looks_like_domain(h: &str) -> bool {
    const TLDS: &[&str] = &[
        "com", "org", "net", "io", "dev", "app", "ai", "co", "edu", "gov", "de", "uk", "fr", "nl", "ch", "at", "es",
        "it", "eu", "us", "ca", "au", "jp", "cn", "ru", "info", "biz", "social", "local",
    ];
    match h.rsplit_once('.') {
        Some((_, tld)) => TLDS.iter().any(|t| tld.eq_ignore_ascii_case(t)),
        None => false,
    }
}

impl Default for UsernameRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Recognizer for UsernameRecognizer {
    fn name(&self) -> &'static str {
        "username"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        let bytes = text.as_bytes();
        if bytes.contains(&b'/') || bytes.contains(&b'\\') {
            self.recognize_home(text, out);
        }
        if bytes.contains(&b'@') {
            self.recognize_login(text, out);
            self.recognize_handle(text, out);
        }
        if bytes.contains(&b'(') && CODE_HOSTS.iter().any(|h| text.trim_end().ends_with(h)) {
            let login = self.profile.captures(text).and_then(|c| c.get(1));
            if let Some(login) = login.filter(|l| !CODE_HOST_PAGES.iter().any(|p| l.as_str().eq_ignore_ascii_case(p))) {
                out.push(Span::regex(login.start(), login.end(), PiiLabel::Username, PROFILE_SCORE));
            }
        }
    }
}
