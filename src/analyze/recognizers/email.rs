//! EMAIL: `local@domain.tld`.

use regex::Regex;

use super::{is_word, next_char, prev_char, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

pub const EMAIL_SCORE: f32 = 0.95;

/// File extensions that look like a TLD ("icon@2x.png", "logo@dark.svg").
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "heic", "pdf", "json", "html", "htm",
    "xml", "txt", "css", "js", "mjs", "ts", "tsx", "jsx", "yaml", "yml", "toml", "lock", "log", "csv", "xlsx", "docx",
    "pptx", "zip", "tar", "gz", "exe", "dll", "mp3", "mp4", "mov", "wav",
];

pub struct EmailRecognizer {
    re: Regex,
}

impl EmailRecognizer {
    pub fn new() -> Self {
        let re = Regex::new(
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
        )
        .expect("email regex");
        EmailRecognizer { re }
    }
}

impl Default for EmailRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Recognizer for EmailRecognizer {
    fn name(&self) -> &'static str {
        "email"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !text.as_bytes().contains(&b'@') {
            return;
        }
        for m in self.re.find_iter(text) {
            let mut start = m.start();
            let end = m.end();
            // A local part never starts with a dot ("see.alice@x.org" is handled by the
            // greedy match; "...alice@x.org" is trimmed).
            while text.as_bytes()[start] == b'.' {
                start += 1;
            }
            if text.as_bytes()[start] == b'@' || is_word(prev_char(text, start)) {
                continue;
            }
            let next = next_char(text, end);
            if is_word(next) || next == Some('@') {
                continue;
            }
            let tld = text[start..end].rsplit('.').next().unwrap_or("");
            if FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e)) {
                continue;
            }
            out.push(Span::regex(start, end, PiiLabel::Email, EMAIL_SCORE));
        }
    }
}
