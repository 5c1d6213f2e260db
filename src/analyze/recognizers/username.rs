//! USERNAME: home-directory paths (`/home/NAME`, `/Users/NAME`, `C:\Users\NAME`; the span
//! is NAME only), `user@host` logins (host without a dotted TLD, else it is an EMAIL),
//! `@handles`, the login of a code host's profile page (`login (Full Name) · GitHub`),
//! a Windows `DOMAIN\login`, a login in a personal file's name (`notes_jdoe.txt`), and the
//! login after the host in a remote-desktop title (`srv-app-07 - jdoe - Remote Desktop
//! Connection`, `jdoe on srv-app-07 - TigerVNC`).

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

/// `DOMAIN\login`.
pub const DOMAIN_LOGIN_SCORE: f32 = 0.8;
/// Domains of Windows paths and registry keys, not of accounts.
const NOT_DOMAINS: &[&str] =
    &["HKLM", "HKCU", "HKCR", "HKU", "HKCC", "WINDOWS", "SYSTEM32", "SYSWOW64", "PROGRA~1", "NT AUTHORITY", "BUILTIN"];
/// Accounts that are not a person's.
const SERVICE_ACCOUNTS: &[&str] = &[
    "system",
    "administrator",
    "admin",
    "guest",
    "localservice",
    "networkservice",
    "defaultaccount",
    "users",
    "everyone",
];

/// A login glued to the name of a personal file (`notes_jdoe.txt`, `cv-mgarcia.pdf`).
pub const FILE_LOGIN_SCORE: f32 = 0.7;
/// File-name words that are not logins (`notes_final.txt`).
const FILE_WORDS: &[&str] = &[
    "final",
    "draft",
    "old",
    "new",
    "copy",
    "backup",
    "bak",
    "v1",
    "v2",
    "v3",
    "latest",
    "current",
    "updated",
    "edit",
    "edited",
    "clean",
    "template",
    "tmp",
    "temp",
    "test",
    "meeting",
    "meetings",
    "team",
    "project",
    "weekly",
    "daily",
    "monthly",
    "annual",
    "yearly",
    "q1",
    "q2",
    "q3",
    "q4",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "today",
    "todo",
    "done",
    "misc",
    "personal",
    "private",
    "work",
    "home",
    "standup",
    "retro",
    "review",
    "reviews",
    "summary",
    "notes",
    "call",
    "calls",
    "sync",
    "kickoff",
    "onboarding",
    "offsite",
    "interview",
    "interviews",
    "plan",
    "planning",
    "roadmap",
    "budget",
    "ideas",
    "scratch",
    "en",
    "de",
    "fr",
    "es",
    "english",
    "signed",
    "scan",
    "scanned",
    "export",
    "import",
    "data",
    "report",
    "reports",
    "sales",
    "hr",
    "it",
    "eng",
    "dev",
    "prod",
    "staging",
    "main",
    "master",
    "readme",
    "changelog",
    "setup",
    "install",
    "config",
];
/// The names that a personal file takes before the login.
const PERSONAL_FILES: &str = "notes|note|todo|cv|resume|résumé|lebenslauf|payslip|paystub|timesheet|review|feedback|\
1on1|one_on_one|onboarding|offer|contract|appraisal|evaluation|passport|id|scan|journal|diary|tasks|handover";

/// The login after a host in a remote-desktop title.
pub const REMOTE_LOGIN_SCORE: f32 = 0.75;
/// How remote-desktop clients end their window titles.
const REMOTE_DESKTOP_APPS: &[&str] = &[
    "Remote Desktop Connection",
    "Remote Desktop",
    "Remmina",
    "FreeRDP",
    "xfreerdp",
    "TigerVNC",
    "TightVNC",
    "RealVNC",
    "VNC Viewer",
    "AnyDesk",
    "TeamViewer",
    "Windows App",
    "Parsec",
    "RustDesk",
    "NoMachine",
];

pub struct UsernameRecognizer {
    home: Regex,
    login: Regex,
    handle: Regex,
    profile: Regex,
    domain_login: Regex,
    file_login: Regex,
    remote: Regex,
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
        let domain_login =
            Regex::new(r"([A-Z][A-Z0-9\-]{1,14})\\([A-Za-z][A-Za-z0-9._\-]{1,31})").expect("domain login regex");
        let file_login = Regex::new(&format!(
            r"(?i:{PERSONAL_FILES})[_\-]([A-Za-z][A-Za-z0-9.]{{1,19}}?)(?:[_\-](?:v?[0-9]+|final|draft|signed))?\.(?i:txt|md|docx?|odt|pdf|xlsx?|ods|pages|rtf)\b"
        ))
        .expect("file login regex");
        // "HOST - LOGIN - App", "HOST (LOGIN) - App", "LOGIN on HOST - App", "LOGIN@HOST" is a login already.
        let remote = Regex::new(
            r"^(?:([A-Za-z0-9][A-Za-z0-9.\-]{1,62})(?:\x20[-—–|]\x20|\x20\()([A-Za-z][A-Za-z0-9._\-]{1,31})\)?|([A-Za-z][A-Za-z0-9._\-]{1,31})\x20on\x20([A-Za-z0-9][A-Za-z0-9.\-]{1,62}))\x20[-—–|:]\x20",
        )
        .expect("remote desktop regex");
        UsernameRecognizer { home, login, handle, profile, domain_login, file_login, remote }
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

impl UsernameRecognizer {
    fn recognize_domain_login(&self, text: &str, out: &mut Vec<Span>) {
        for caps in self.domain_login.captures_iter(text) {
            let (Some(all), Some(domain), Some(user)) = (caps.get(0), caps.get(1), caps.get(2)) else {
                continue;
            };
            let prev = prev_char(text, all.start());
            let next = next_char(text, all.end());
            // Not a path segment ("C:\WINDOWS\System32", "\\server\share\dir").
            if is_word(prev) || matches!(prev, Some('\\' | '/' | ':' | '.')) || matches!(next, Some('\\' | '/')) {
                continue;
            }
            if NOT_DOMAINS.contains(&domain.as_str())
                || SERVICE_ACCOUNTS.iter().any(|a| user.as_str().eq_ignore_ascii_case(a))
            {
                continue;
            }
            let end = user.as_str().trim_end_matches(['.', '-']).len() + user.start();
            out.push(Span::regex(user.start(), end, PiiLabel::Username, DOMAIN_LOGIN_SCORE));
        }
    }

    fn recognize_file_login(&self, text: &str, out: &mut Vec<Span>) {
        for caps in self.file_login.captures_iter(text) {
            let (Some(all), Some(login)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            if is_word(prev_char(text, all.start())) && prev_char(text, all.start()) != Some('_') {
                continue;
            }
            let l = login.as_str().trim_end_matches('.');
            if l.len() < 2
                || l.bytes().all(|b| b.is_ascii_digit())
                || FILE_WORDS.iter().any(|w| l.eq_ignore_ascii_case(w))
            {
                continue;
            }
            out.push(Span::regex(login.start(), login.start() + l.len(), PiiLabel::Username, FILE_LOGIN_SCORE));
        }
    }

    fn recognize_remote(&self, text: &str, out: &mut Vec<Span>) {
        let trimmed = text.trim_end();
        if !REMOTE_DESKTOP_APPS.iter().any(|a| trimmed.ends_with(a)) {
            return;
        }
        let Some(caps) = self.remote.captures(text) else {
            return;
        };
        // The host has a digit, a dot or a dash, or the login comes after "on".
        let (host, login) = match (caps.get(1), caps.get(2), caps.get(3), caps.get(4)) {
            (Some(h), Some(l), _, _) => (h, l),
            (_, _, Some(l), Some(h)) => (h, l),
            _ => return,
        };
        let hostlike = host.as_str().bytes().any(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
        let l = login.as_str();
        if !hostlike
            || SERVICE_ACCOUNTS.iter().any(|a| l.eq_ignore_ascii_case(a))
            || REMOTE_DESKTOP_APPS.iter().any(|a| a.starts_with(l))
        {
            return;
        }
        out.push(Span::regex(login.start(), login.end(), PiiLabel::Username, REMOTE_LOGIN_SCORE));
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
        if bytes.contains(&b'\\') {
            self.recognize_domain_login(text, out);
        }
        if bytes.contains(&b'.') && (bytes.contains(&b'_') || bytes.contains(&b'-')) {
            self.recognize_file_login(text, out);
        }
        if bytes.len() > 12 {
            self.recognize_remote(text, out);
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
