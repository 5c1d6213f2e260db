//! The rule-based sentiment fallback: friction and success words. Used when no model is
//! loaded; the model's sentiment head replaces it.

use crate::event::Sentiment;
use regex::Regex;

pub struct SentimentLexicon {
    negative: Regex,
    positive: Regex,
}

const NEGATIVE: &str = r"(?i)\b(error|errors|failed|failing|failure|fails?|crash(ed|es|ing)?|broken|bug|blocked|blocker|urgent|asap|timeout|timed out|exception|panic|denied|forbidden|unauthori[sz]ed|outage|incident|down|stuck|frustrat\w*|annoy\w*|angry|hate|terrible|awful|slow|lag(gy)?|cannot|can't|can ?not|won't work|doesn't work|not working|rejected|overdue|late again|escalat\w*|complain\w*|problem|issue|fatal|segfault|conflict)\b";
const POSITIVE: &str = r"(?i)\b(thanks?|thank you|great|awesome|excellent|love|nice|success(ful|fully)?|succeeded|passed|passing|merged|approved|shipped|released|resolved|fixed|done|congrat\w*|kudos|well done|happy|glad|smooth|productive|win|wins|celebrat\w*|all green|lgtm)\b";

impl SentimentLexicon {
    pub fn new() -> SentimentLexicon {
        SentimentLexicon {
            negative: Regex::new(NEGATIVE).expect("negative lexicon compiles"),
            positive: Regex::new(POSITIVE).expect("positive lexicon compiles"),
        }
    }

    /// The sentiment of `text` and a confidence in [0, 1]: the side with more hits wins;
    /// no hits (or a tie) is neutral.
    pub fn score(&self, text: &str) -> (Sentiment, f32) {
        let neg = self.negative.find_iter(text).count();
        let pos = self.positive.find_iter(text).count();
        let confidence = |n: usize, other: usize| (0.55 + 0.15 * (n - other) as f32).min(0.95);
        match neg.cmp(&pos) {
            std::cmp::Ordering::Greater => (Sentiment::Negative, confidence(neg, pos)),
            std::cmp::Ordering::Less => (Sentiment::Positive, confidence(pos, neg)),
            std::cmp::Ordering::Equal if neg == 0 => (Sentiment::Neutral, 0.6),
            std::cmp::Ordering::Equal => (Sentiment::Neutral, 0.5),
        }
    }
}

impl Default for SentimentLexicon {
    fn default() -> Self {
        SentimentLexicon::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friction_and_success_words_decide_sentiment() {
        let lexicon = SentimentLexicon::new();
        let cases = [
            ("Build failed: 3 errors - CI", Sentiment::Negative),
            ("URGENT: prod outage", Sentiment::Negative),
            ("the VPN is not working again, so frustrating", Sentiment::Negative),
            ("PR merged, all green, thanks!", Sentiment::Positive),
            ("Great demo today", Sentiment::Positive),
            ("main.rs - tally - Visual Studio Code", Sentiment::Neutral),
            ("Errorless parsing in Rust", Sentiment::Neutral),
            ("fixed the bug", Sentiment::Neutral),
        ];
        for (text, want) in cases {
            assert_eq!(lexicon.score(text).0, want, "{text}");
        }
    }
}
