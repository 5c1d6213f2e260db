//! SECRET: provider API keys and tokens (OpenAI/Anthropic `sk-`, AWS, GitHub, Slack,
//! GitLab, Stripe, Google, npm, Hugging Face), JWTs, bearer tokens, values after keys like
//! `password=` / `token:`, credentials in URL query parameters, passwords on command lines
//! (`mysql -pX`, `--password X`, `PGPASSWORD=X`, `sshpass -p X`) and in phrases such as
//! "temporary password for ana: X".

use regex::Regex;

use super::username::LOGIN_SCORE;
use super::{is_word, next_char, prev_char, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

/// Three base64url segments, the first starting with `eyJ` (`{"`).
pub const JWT_SCORE: f32 = 0.99;
/// A provider token with a fixed, distinctive prefix.
pub const PROVIDER_TOKEN_SCORE: f32 = 0.97;
/// The password in a URL's userinfo (`scheme://user:PASSWORD@host`); above EMAIL so that
/// "PASSWORD@host" is not taken for an address.
pub const URL_PASSWORD_SCORE: f32 = 0.96;
/// The value after `password=`, `token:`, ... or `Bearer`.
pub const KEY_VALUE_SCORE: f32 = 0.85;

/// Values that are placeholders rather than secrets.
const PLACEHOLDERS: &[&str] = &[
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "required",
    "optional",
    "redacted",
    "<redacted>",
    "[redacted]",
    "hidden",
    "changeme?",
];

/// A password on a command line or in a sentence.
pub const COMMAND_LINE_SCORE: f32 = 0.85;

pub struct SecretRecognizer {
    tokens: Regex,
    key_value: Regex,
    bearer: Regex,
    url_userinfo: Regex,
    query: Regex,
    command_line: Regex,
    phrase: Regex,
}

impl SecretRecognizer {
    pub fn new() -> Self {
        let tokens = Regex::new(
            r"(?x)
            eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{10,}
            |sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}
            |(?:AKIA|ASIA)[0-9A-Z]{16}
            |gh[pousr]_[A-Za-z0-9]{36}
            |github_pat_[A-Za-z0-9_]{22,}
            |xox[abprs]-[A-Za-z0-9\-]{10,}
            |glpat-[A-Za-z0-9_\-]{20,}
            |(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}
            |AIza[0-9A-Za-z_\-]{35}
            |npm_[A-Za-z0-9]{36}
            |hf_[A-Za-z0-9]{34}
            ",
        )
        .expect("token regex");
        let key_value = Regex::new(
            r#"(?i-u:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key)["']?[\x20\t]*[:=][\x20\t]*["']?([^\s"'&;]+)"#,
        )
        .expect("key-value regex");
        let bearer = Regex::new(r"(?i-u:bearer)[\x20\t]+([A-Za-z0-9\-._~+/]{16,}=*)").expect("bearer regex");
        let url_userinfo =
            Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://([^\s:/?#@\[\]]+):([^\s/?#@\[\]]+)@").expect("url userinfo regex");
        // Query parameters that carry credentials; `token`, `secret`, `password` and the
        // keys are `key_value`'s.
        let query = Regex::new(
            r"[?&](?i-u:code|key|sig|signature|auth|access_token|id_token|refresh_token|session|sessionid|sid)=([^&#\s]+)",
        )
        .expect("query regex");
        let command_line = Regex::new(
            r#"(?x)
            \b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?\s-p([^\s"']+)
            |--(?:password|passwd|pass)[\x20=]["']?([^\s"']+)
            |\b(?:PGPASSWORD|SSHPASS|REDISCLI_AUTH|MYSQL_PWD|PASSWORD)=["']?([^\s"';&]+)
            |\bsshpass\s+-p\s*["']?([^\s"']+)
            "#,
        )
        .expect("command-line regex");
        let phrase = Regex::new(
            r#"(?i)\b(?:password|passcode|passwort|kennwort|mot\ de\ passe|contraseña|senha|parola)\b(?:\s+(?:for|für|pour|para|per)\s+[^\s:=]{1,40})?\s*(?::|=|\bis\b|\bist\b|\best\b|\bes\b|\bé\b)\s*([^\s,;&"']+)"#,
        )
        .expect("phrase regex");
        SecretRecognizer { tokens, key_value, bearer, url_userinfo, query, command_line, phrase }
    }
}

/// Whether a value looks made to be a password: 6 or more characters mixing at least
/// two of lower case, upper case, digits and symbols (so "incorrect" or "required" after
/// "password is" is not one).
fn looks_like_password(v: &str) -> bool {
    let kinds = [
        v.chars().any(char::is_lowercase),
        v.chars().any(char::is_uppercase),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| !c.is_alphanumeric()),
    ];
    v.chars().count() >= 6 && kinds.iter().filter(|&&k| k).count() >= 2
}

impl Default for SecretRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

fn is_placeholder(v: &str) -> bool {
    v.chars().all(|c| matches!(c, '*' | '•' | '●' | '.' | '…' | 'x' | 'X' | '?' | '-' | '_'))
        || PLACEHOLDERS.iter().any(|p| v.eq_ignore_ascii_case(p))
        || v.starts_with("${")
        || v.starts_with("{{")
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
}

impl Recognizer for SecretRecognizer {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if text.len() < 8 {
            return;
        }
        for m in self.tokens.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if is_word(prev_char(text, start)) || is_word(next_char(text, end)) {
                continue;
            }
            let score = if m.as_str().starts_with("eyJ") { JWT_SCORE } else { PROVIDER_TOKEN_SCORE };
            out.push(Span::regex(start, end, PiiLabel::Secret, score));
        }
        let bytes = text.as_bytes();
        if bytes.contains(&b'=') || bytes.contains(&b':') {
            for caps in self.key_value.captures_iter(text) {
                let Some(v) = caps.get(1) else { continue };
                // `1Password: …`, `MyToken: …`: the key must start a word (`client_secret=` does).
                let key_start = caps.get(0).map_or(0, |m| m.start());
                if prev_char(text, key_start).is_some_and(char::is_alphanumeric) {
                    continue;
                }
                let value = v.as_str().trim_end_matches([',', '.', ')', ']', '}', '>']);
                if value.is_empty() || is_placeholder(value) {
                    continue;
                }
                out.push(Span::regex(v.start(), v.start() + value.len(), PiiLabel::Secret, KEY_VALUE_SCORE));
            }
        }
        if bytes.contains(&b'@') && bytes.contains(&b':') {
            for caps in self.url_userinfo.captures_iter(text) {
                let Some(pw) = caps.get(2) else { continue };
                out.push(Span::regex(pw.start(), pw.end(), PiiLabel::Secret, URL_PASSWORD_SCORE));
                // The user part of the userinfo is a USERNAME.
                if let Some(user) = caps.get(1) {
                    out.push(Span::regex(user.start(), user.end(), PiiLabel::Username, LOGIN_SCORE));
                }
            }
        }
        if bytes.contains(&b'=') && (bytes.contains(&b'?') || bytes.contains(&b'&')) {
            for caps in self.query.captures_iter(text) {
                let Some(v) = caps.get(1) else { continue };
                if v.as_str().len() >= 6 && !is_placeholder(v.as_str()) {
                    out.push(Span::regex(v.start(), v.end(), PiiLabel::Secret, KEY_VALUE_SCORE));
                }
            }
        }
        if bytes.contains(&b'-') || bytes.contains(&b'=') {
            for caps in self.command_line.captures_iter(text) {
                let Some(v) = caps.iter().skip(1).flatten().next() else { continue };
                if !is_placeholder(v.as_str()) && !v.as_str().starts_with('$') {
                    out.push(Span::regex(v.start(), v.end(), PiiLabel::Secret, COMMAND_LINE_SCORE));
                }
            }
        }
        let lower = text.to_ascii_lowercase();
        let phrases = ["pass", "kennwort", "contrase", "senha", "parola", "mot de"].iter().any(|w| lower.contains(w));
        for caps in self.phrase.captures_iter(text).filter(|_| phrases) {
            let Some(v) = caps.get(1) else { continue };
            let value = v.as_str().trim_end_matches(['.', ')', ']', '}', '>']);
            if looks_like_password(value) && !is_placeholder(value) {
                out.push(Span::regex(v.start(), v.start() + value.len(), PiiLabel::Secret, COMMAND_LINE_SCORE));
            }
        }
        if bytes.contains(&b' ') || bytes.contains(&b'\t') {
            for caps in self.bearer.captures_iter(text) {
                let Some(v) = caps.get(1) else { continue };
                if is_word(next_char(text, v.end())) {
                    continue;
                }
                out.push(Span::regex(v.start(), v.end(), PiiLabel::Secret, KEY_VALUE_SCORE));
            }
        }
    }
}
