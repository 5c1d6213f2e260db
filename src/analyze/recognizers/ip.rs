//! IP_ADDRESS: IPv4 and IPv6. Candidates come from a regex and are then parsed with
//! `std::net`, which rejects out-of-range octets, leading zeros and malformed groups.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use regex::Regex;

use super::{
    context_before, is_ascii_digit, is_word, next_char, next_next_char, prev_char, prev_prev_char, Recognizer,
};
use crate::analyze::span::{PiiLabel, Span};

pub const IPV4_SCORE: f32 = 0.9;
pub const IPV6_SCORE: f32 = IPV4_SCORE;
/// IPv6 written with `::` compression (fewer groups visible).
pub const IPV6_COMPRESSED_SCORE: f32 = 0.85;

pub struct IpAddressRecognizer {
    v4: Regex,
    v6: Regex,
}

impl IpAddressRecognizer {
    pub fn new() -> Self {
        let v4 = Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").expect("ipv4 regex");
        let v6 = Regex::new(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})?")
            .expect("ipv6 regex");
        IpAddressRecognizer { v4, v6 }
    }

    fn recognize_v4(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.v4.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let prev = prev_char(text, start);
            let next = next_char(text, end);
            // "1.2.3.4.5", "v1.2.3.4", "10.0.0.1a" are not addresses.
            if is_word(prev) || is_word(next) {
                continue;
            }
            if matches!(prev, Some('.' | '-')) && is_ascii_digit(prev_prev_char(text, start)) {
                continue;
            }
            if matches!(next, Some('.' | '-')) && is_ascii_digit(next_next_char(text, end)) {
                continue;
            }
            if context_before(text, start, 9, &["version", "ver.", "build", "v."]) {
                continue;
            }
            if Ipv4Addr::from_str(m.as_str()).is_err() {
                continue;
            }
            out.push(Span::regex(start, end, PiiLabel::IpAddress, IPV4_SCORE));
        }
    }

    fn recognize_v6(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.v6.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let cand = m.as_str();
            let prev = prev_char(text, start);
            let next = next_char(text, end);
            if is_word(prev) || is_word(next) || matches!(prev, Some(':' | '.')) {
                continue;
            }
            if next == Some('.') && is_ascii_digit(next_next_char(text, end)) {
                continue;
            }
            // At least two non-empty groups and one digit: rejects "::", "::1" alone
            // and C++/Rust paths such as "abc::def" that happen to be hex.
            let groups = cand.split(':').filter(|g| !g.is_empty()).count();
            if groups < 2 || !cand.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            if Ipv6Addr::from_str(cand).is_err() {
                continue;
            }
            // An embedded IPv4 ("::ffff:192.0.2.128") scores like IPv4 so that the longer,
            // IPv6 span wins the tie.
            let score = if cand.contains('.') || !cand.contains("::") { IPV6_SCORE } else { IPV6_COMPRESSED_SCORE };
            out.push(Span::regex(start, end, PiiLabel::IpAddress, score));
        }
    }
}

impl Default for IpAddressRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Recognizer for IpAddressRecognizer {
    fn name(&self) -> &'static str {
        "ip_address"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        let bytes = text.as_bytes();
        let mut dots = 0usize;
        let mut colons = 0usize;
        let mut digits = 0usize;
        for &b in bytes {
            match b {
                b'.' => dots += 1,
                b':' => colons += 1,
                b'0'..=b'9' => digits += 1,
                _ => {}
            }
        }
        if dots >= 3 && digits >= 4 {
            self.recognize_v4(text, out);
        }
        if colons >= 2 {
            self.recognize_v6(text, out);
        }
    }
}
