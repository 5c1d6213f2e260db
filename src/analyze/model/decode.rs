//! Decoding the encoder's PII logits into byte spans of the text: pure functions, no
//! runtime. [`decode_spans`] reads BIO tags per token and [`refine_spans`] applies the
//! span rules; `models/train/evaluate.py` decodes the same way (its `decode_spans` and
//! `refine_spans`), so the card's figures and the parity fixture describe this code.

use crate::analyze::span::{PiiLabel, Span, SpanSource};

/// Tag index → (label, is_begin) for `B-X`/`I-X`; `None` for `O` and unknown labels.
pub(super) fn parse_tags(tags: &[String]) -> Vec<Option<(PiiLabel, bool)>> {
    tags.iter()
        .map(|t| {
            let (prefix, label) = t.split_once('-')?;
            Some((PiiLabel::parse(label)?, prefix == "B"))
        })
        .collect()
}

/// A name, a place and a login are one family for decoding: the model often finds the
/// right words and wavers on the type from one piece to the next (`Wiberg, Elina` as
/// PERSON then LOCATION).
const NAME_FAMILY: [PiiLabel; 3] = [PiiLabel::Person, PiiLabel::Location, PiiLabel::Username];

/// A span being decoded: the sum of its tokens' winning probabilities (for the score) and,
/// per [`NAME_FAMILY`] member, the sum of its `B-` and `I-` probabilities (for the type).
struct OpenSpan {
    span: Span,
    score_sum: f32,
    tokens: usize,
    family_votes: [f32; 3],
}

impl OpenSpan {
    fn finish(self) -> Span {
        let mut label = self.span.label;
        if NAME_FAMILY.contains(&label) {
            label = family_winner(&self.family_votes);
        }
        Span { label, score: self.score_sum / self.tokens as f32, ..self.span }
    }
}

/// BIO tags of the text's tokens → byte spans in the text, decoded exactly as
/// `models/train/evaluate.py` does (the card's metrics assume it): argmax per token; a
/// continuation word piece (`##…`) takes the tag of the token before it as `I-` of the
/// same label, unless the script changes between the two pieces (a name glued to
/// Japanese kana, `Skovさんとの`): then it keeps its own tag, an `I-` becoming `O`.
/// Then `B-X` (or an `I-X` that continues nothing) opens a span, `I-X` extends an open
/// `X` span — or any open span of the name family when `X` is in it — and anything else
/// closes it. A name-family span takes the member with the largest summed probability over
/// its tokens, and then [`case_typed`] may retype a name as a login or back; a span's score
/// is its tokens' mean winning probability.
pub(super) fn decode_spans<'a>(
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: impl Fn(usize) -> &'a [f32],
) -> Vec<Span> {
    let sequence_ids = encoding.get_sequence_ids();
    let offsets = encoding.get_offsets();
    let tokens = encoding.get_tokens();
    let mut spans: Vec<Span> = Vec::new();
    let mut open: Option<OpenSpan> = None;
    let mut previous: Option<(PiiLabel, bool)> = None;
    let close = |open: &mut Option<OpenSpan>, spans: &mut Vec<Span>| {
        if let Some(o) = open.take() {
            let span = o.finish();
            spans.push(Span { label: case_typed(span.label, text, span.start, span.end), ..span });
        }
    };
    for (t, &(start, end)) in offsets.iter().enumerate() {
        if sequence_ids.get(t).copied().flatten() != Some(0) {
            close(&mut open, &mut spans);
            previous = None;
            continue;
        }
        let token_logits = logits(t);
        let (index, p) = argmax_softmax(token_logits);
        let mut tag = tag_table.get(index).copied().flatten();
        if tokens.get(t).is_some_and(|tok| tok.starts_with("##")) {
            let changes_script = t.checked_sub(1).and_then(|p| offsets.get(p)).is_some_and(|&(ps, pe)| {
                let last = text.get(ps..pe).and_then(|s| s.chars().next_back());
                let first = text.get(start..end).and_then(|s| s.chars().next());
                matches!((last, first), (Some(a), Some(b)) if Script::of(a) != Script::of(b))
            });
            if !changes_script {
                tag = previous.map(|(label, _)| (label, false));
            } else if tag.is_some_and(|(_, begin)| !begin) {
                tag = None;
            }
        }
        previous = tag;
        let Some((label, begin)) = tag else {
            close(&mut open, &mut spans);
            continue;
        };
        let continues = |o: &OpenSpan| {
            o.span.label == label || (NAME_FAMILY.contains(&o.span.label) && NAME_FAMILY.contains(&label))
        };
        if begin || !open.as_ref().is_some_and(continues) {
            close(&mut open, &mut spans);
            let span = Span { start, end, label, score: p, source: SpanSource::Model };
            open = Some(OpenSpan { span, score_sum: 0.0, tokens: 0, family_votes: [0.0; 3] });
        }
        let o = open.as_mut().expect("opened above");
        o.span.end = end;
        o.score_sum += p;
        o.tokens += 1;
        add_family_votes(tag_table, token_logits, token_logits[index], p, &mut o.family_votes);
    }
    close(&mut open, &mut spans);
    let spans: Vec<Span> = spans.into_iter().map(|s| on_char_boundaries(text, s)).filter(|s| !s.is_empty()).collect();
    refine_spans(spans, tag_table, encoding, text, &logits)
}

/// Characters a name, a place or a login never starts or ends with (`EDGE_PUNCT` in
/// `models/train/evaluate.py`).
const EDGE_PUNCT: [char; 12] = [' ', '\t', '-', '‐', '–', '—', ',', ';', ':', '|', '·', '/'];
/// Apostrophes a name or a place runs on over when a letter of its script follows.
const APOSTROPHES: [char; 3] = ['ʼ', '\'', '’'];
/// What may stand between two names (or two places) that are one.
const NAME_GLUE: [&str; 3] = [" ", "-", "‐"];
/// What stands between the items of a list of names.
const LIST_JOINERS: [&str; 14] =
    [", ", " and ", " & ", " + ", " und ", " et ", " y ", " e ", " i ", " og ", " och ", " en ", " a ", " и "];

/// A letter, as Python's `str.isalpha` (Unicode general category L*).
fn is_letter(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_letter()
}

fn same_script_letter(c: char, like: char) -> bool {
    is_letter(c) && Script::of(c) == Script::of(like)
}

/// A combining mark (general category M*: a virama, a Thai or Devanagari vowel sign), as
/// `_is_mark` in `models/train/evaluate.py`. It belongs to the letter before it; the tokenizer
/// drops the non-spacing ones, so a span's last token ends before them.
fn is_mark(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_mark()
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Span rules after BIO decoding, for the name family, one function each; `refine_spans`
/// in `models/train/evaluate.py` is the same code, and its comment gives the figures.
/// 1. trim ([`trim_edges`]): a name, place or login never starts or ends with an
///    [`EDGE_PUNCT`] character;
/// 2. word ([`run_on_to_word_end`], [`run_back_to_word_start`]): a name or a place (not
///    a login) never ends or starts inside a word: it runs on over letters of the same
///    script, over the combining marks that belong to them (`ஓசூர்` was cut before the
///    `்`), and over an apostrophe between two of them, but not over a possessive `'s`;
/// 3. glue ([`glue_names`]): overlapping name-family spans are one, and so are two names
///    or places (no login) with only a [`NAME_GLUE`] between them;
/// 4. list ([`split_name_lists`]): a `Last, First`-shaped span of two single words next
///    to another name-family span across a [`LIST_JOINERS`] joiner is two first names.
///
/// A span a rule changed is typed again by the family vote over the tokens it overlaps
/// (then [`case_typed`]) and scored by their mean winning probability.
fn refine_spans<'a>(
    spans: Vec<Span>,
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: &impl Fn(usize) -> &'a [f32],
) -> Vec<Span> {
    let mut work: Vec<(Span, bool)> = Vec::with_capacity(spans.len());
    for span in spans {
        let (mut s, mut e) = (span.start, span.end);
        if in_family(span.label) {
            (s, e) = trim_edges(text, s, e);
            if e > s && span.label != PiiLabel::Username {
                e = run_on_to_word_end(text, s, e);
                s = run_back_to_word_start(text, s);
            }
        }
        if e > s {
            work.push((Span { start: s, end: e, ..span }, (s, e) != (span.start, span.end)));
        }
    }
    work.sort_by_key(|(s, _)| (s.start, s.end));
    split_name_lists(glue_names(work, text), text)
        .into_iter()
        .map(|(span, changed)| if changed { retyped(span, tag_table, encoding, text, logits) } else { span })
        .collect()
}

fn in_family(label: PiiLabel) -> bool {
    NAME_FAMILY.contains(&label)
}

/// Rule 1, trim: the span `s..e` without [`EDGE_PUNCT`] characters at either end.
fn trim_edges(text: &str, mut s: usize, mut e: usize) -> (usize, usize) {
    while let Some(c) = char_before(text, e).filter(|c| e > s && EDGE_PUNCT.contains(c)) {
        e -= c.len_utf8();
    }
    while let Some(c) = char_at(text, s).filter(|c| s < e && EDGE_PUNCT.contains(c)) {
        s += c.len_utf8();
    }
    (s, e)
}

/// Rule 2, word, at the end: the end moves on over letters of the script of the span's
/// last letter, the combining marks that belong to them, and an apostrophe between two
/// such letters, but not over a possessive `'s`.
fn run_on_to_word_end(text: &str, s: usize, mut e: usize) -> usize {
    while let (Some(_), Some(next)) = (char_before(text, e).filter(|&c| is_letter(c) || is_mark(c)), char_at(text, e)) {
        // The span's last letter, past the marks that belong to it.
        let Some(last) = text[s..e].chars().rev().find(|&c| is_letter(c)) else { break };
        if is_mark(next) || same_script_letter(next, last) {
            e += next.len_utf8();
        } else if APOSTROPHES.contains(&next) {
            let mut after = text[e + next.len_utf8()..].chars();
            let Some(l) = after.next().filter(|&l| same_script_letter(l, last)) else { break };
            let possessive = matches!(l, 's' | 'S') && !after.next().is_some_and(is_letter);
            if possessive {
                break;
            }
            e += next.len_utf8() + l.len_utf8();
        } else {
            break;
        }
    }
    e
}

/// Rule 2, word, at the start: the start moves back over letters of the script of the
/// span's first letter (with their combining marks), and over an apostrophe between two
/// such letters.
fn run_back_to_word_start(text: &str, mut s: usize) -> usize {
    while let (Some(first), Some(prev)) = (char_at(text, s).filter(|&c| is_letter(c)), char_before(text, s)) {
        // The letter before s, past the marks that belong to it.
        let marks: usize = text[..s].chars().rev().take_while(|&c| is_mark(c)).map(char::len_utf8).sum();
        if let Some(base) = char_before(text, s - marks).filter(|&b| same_script_letter(b, first)) {
            s -= marks + base.len_utf8();
        } else if marks > 0 {
            break;
        } else if APOSTROPHES.contains(&prev) {
            match char_before(text, s - prev.len_utf8()) {
                Some(b) if same_script_letter(b, first) => s -= prev.len_utf8() + b.len_utf8(),
                _ => break,
            }
        } else {
            break;
        }
    }
    s
}

/// Rule 3, glue: over spans sorted by position, overlapping name-family spans become one,
/// and so do two names or places (no login) with only a [`NAME_GLUE`] between them.
fn glue_names(work: Vec<(Span, bool)>, text: &str) -> Vec<(Span, bool)> {
    let mut glued: Vec<(Span, bool)> = Vec::with_capacity(work.len());
    for (span, changed) in work {
        if let Some((last, last_changed)) = glued.last_mut() {
            let between = text.get(last.end..span.start);
            if in_family(span.label)
                && in_family(last.label)
                && (span.start < last.end
                    || (span.label != PiiLabel::Username
                        && last.label != PiiLabel::Username
                        && between.is_some_and(|b| NAME_GLUE.contains(&b))))
            {
                last.end = last.end.max(span.end);
                *last_changed = true;
                continue;
            }
        }
        glued.push((span, changed));
    }
    glued
}

/// Rule 4, list: a `Last, First`-shaped span of two single words, next to another
/// name-family span across a [`LIST_JOINERS`] joiner, is two first names.
fn split_name_lists(glued: Vec<(Span, bool)>, text: &str) -> Vec<(Span, bool)> {
    let joined = |a: &Span, b: &Span| {
        in_family(a.label) && in_family(b.label) && text.get(a.end..b.start).is_some_and(|j| LIST_JOINERS.contains(&j))
    };
    let mut out: Vec<(Span, bool)> = Vec::with_capacity(glued.len());
    for (i, (span, changed)) in glued.iter().enumerate() {
        let parts: Vec<&str> = text[span.start..span.end].split(", ").collect();
        let in_list = glued.get(i + 1).is_some_and(|(next, _)| joined(span, next))
            || out.last().is_some_and(|(prev, _)| joined(prev, span));
        if in_family(span.label)
            && parts.len() == 2
            && parts.iter().all(|p| !p.is_empty() && p.split_whitespace().count() == 1)
            && in_list
        {
            let first_end = span.start + parts[0].len();
            out.push((Span { end: first_end, ..*span }, true));
            out.push((Span { start: span.end - parts[1].len(), ..*span }, true));
            continue;
        }
        out.push((*span, *changed));
    }
    out
}

/// A span typed again after [`refine_spans`] changed it: the name-family member with the
/// largest summed `B-` + `I-` probability over the sequence-A tokens it overlaps
/// ([`family_winner`]), then [`case_typed`].
fn retyped<'a>(
    span: Span,
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: &impl Fn(usize) -> &'a [f32],
) -> Span {
    let (mut votes, mut score_sum, mut tokens) = ([0.0f32; 3], 0.0f32, 0usize);
    for (t, &(start, end)) in encoding.get_offsets().iter().enumerate() {
        if encoding.get_sequence_ids().get(t).copied().flatten() == Some(0) && start < span.end && span.start < end {
            let token_logits = logits(t);
            let (index, p) = argmax_softmax(token_logits);
            add_family_votes(tag_table, token_logits, token_logits[index], p, &mut votes);
            score_sum += p;
            tokens += 1;
        }
    }
    if tokens == 0 || !NAME_FAMILY.contains(&span.label) {
        return span;
    }
    Span {
        label: case_typed(family_winner(&votes), text, span.start, span.end),
        score: score_sum / tokens as f32,
        ..span
    }
}

/// The name-family member with the most votes: the first of the largest, in
/// [`NAME_FAMILY`]'s order, as Python's `max()` picks.
fn family_winner(votes: &[f32; 3]) -> PiiLabel {
    let mut best = 0;
    for (i, &v) in votes.iter().enumerate() {
        if v > votes[best] {
            best = i;
        }
    }
    NAME_FAMILY[best]
}

/// A name or a login typed by its letter case, where the text around it shows case at all
/// (it has upper- and lower-case letters outside the span): one lower-case word is a login,
/// and words that are each a capital and lower-case letters are a name. Places keep the
/// model's type, and so does Georgian, which is written in lower case. `case_typed` in
/// `models/train/evaluate.py` is the same rule.
fn case_typed(label: PiiLabel, text: &str, start: usize, end: usize) -> PiiLabel {
    if !matches!(label, PiiLabel::Person | PiiLabel::Username) {
        return label;
    }
    let (Some(before), Some(span), Some(after)) = (text.get(..start), text.get(start..end), text.get(end..)) else {
        return label;
    };
    let outside = || before.chars().chain(after.chars());
    if !(outside().any(char::is_uppercase) && outside().any(char::is_lowercase))
        || span.chars().any(|c| ('\u{10a0}'..='\u{10ff}').contains(&c))
    {
        return label;
    }
    let words: Vec<&str> = span.split_whitespace().collect();
    if label == PiiLabel::Person && words.len() == 1 && span.to_lowercase() == span && span.to_uppercase() != span {
        return PiiLabel::Username;
    }
    // Python's `w[0].isupper() and w[1:].islower() and w.isalpha()`, for words of two letters or more.
    let capitalised = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars().all(char::is_alphabetic)
            && chars.clone().all(|c| !c.is_uppercase())
            && chars.any(char::is_lowercase)
    };
    let long: Vec<&str> = words.iter().copied().filter(|w| w.chars().nth(1).is_some()).collect();
    if label == PiiLabel::Username && !long.is_empty() && long.iter().all(|w| capitalised(w)) {
        return PiiLabel::Person;
    }
    label
}

/// Adds each name-family member's `B-` and `I-` softmax probabilities to `votes`, from
/// what [`argmax_softmax`] already found: the largest logit and its probability (which is
/// 1 / Σ exp(logit − largest)), so the sum is not taken twice.
fn add_family_votes(
    tag_table: &[Option<(PiiLabel, bool)>],
    logits: &[f32],
    max: f32,
    p_max: f32,
    votes: &mut [f32; 3],
) {
    for (tag, &v) in tag_table.iter().zip(logits) {
        if let Some(i) = tag.and_then(|(label, _)| NAME_FAMILY.iter().position(|&m| m == label)) {
            votes[i] += (v - max).exp() * p_max;
        }
    }
}

/// Coarse script classes for the word-piece rule; everything not listed (Latin, digits,
/// punctuation) is `Other`. The same table as `SCRIPTS` in `models/train/evaluate.py`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Greek,
    Cyrillic,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    Hangul,
    Kana,
    Han,
    Other,
}

impl Script {
    fn of(c: char) -> Script {
        match u32::from(c) {
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F => Script::Cyrillic,
            0x0590..=0x05FF => Script::Hebrew,
            0x0600..=0x06FF => Script::Arabic,
            0x0900..=0x097F => Script::Devanagari,
            0x0E00..=0x0E7F => Script::Thai,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF => Script::Han,
            _ => Script::Other,
        }
    }
}

/// Clamps a span to the text and to char boundaries (tokenizer offsets already are).
fn on_char_boundaries(text: &str, mut span: Span) -> Span {
    span.start = span.start.min(text.len());
    span.end = span.end.min(text.len());
    while !text.is_char_boundary(span.start) {
        span.start -= 1;
    }
    while !text.is_char_boundary(span.end) {
        span.end += 1;
    }
    span
}

pub(super) fn argmax_softmax(logits: &[f32]) -> (usize, f32) {
    let (best, max) =
        logits
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |acc, (i, v)| if v > acc.1 { (i, v) } else { acc });
    let sum: f32 = logits.iter().map(|v| (v - max).exp()).sum();
    (best, if sum > 0.0 { 1.0 / sum } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::model::Labels;
    use std::path::Path;

    /// The shipped tag table and tokenizer, with logits made up per token: `(tag, logit)`
    /// for the one raised tag of each sequence-A token (the others stay 0).
    fn decode_made_up(text: &str, raised: &[(&str, f32)]) -> Vec<(String, PiiLabel)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tally-encoder");
        let labels: Labels = serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
        let encoding = tokenizer.encode(text, true).unwrap();
        let n_tags = labels.pii_tags.len();
        let mut logits = vec![0.0f32; encoding.len() * n_tags];
        for (i, (tag, value)) in raised.iter().enumerate() {
            let t = i + 1; // after [CLS]
            let k = labels.pii_tags.iter().position(|x| x == tag).unwrap();
            logits[t * n_tags + k] = *value;
        }
        let spans =
            decode_spans(&parse_tags(&labels.pii_tags), &encoding, text, |t| &logits[t * n_tags..(t + 1) * n_tags]);
        spans.iter().map(|s| (text[s.start..s.end].to_string(), s.label)).collect()
    }

    #[test]
    fn letter_case_retypes_a_name_or_a_login_only_where_the_text_shows_case() {
        use PiiLabel::{Location, Person, Username};
        let cases = [
            ("Benefits enrolment lauridsenj — Welcome", "lauridsenj", Person, Username),
            ("Review by jan.novak on Monday", "jan.novak", Person, Username),
            ("Dependencies: Frederikke / Laus", "Frederikke", Username, Person),
            ("Thom Miner tagged v2.0 — Build failed", "Thom Miner", Username, Person),
            ("Ping from Ελένη about the Q3 plan", "Ελένη", Username, Person),
            // Kept: no case around the span, two lower-case words, camel case, caseless
            // scripts, Georgian (written in lower case), places.
            ("benefits enrolment lauridsenj", "lauridsenj", Person, Person),
            ("BENEFITS ENROLMENT LAURIDSENJ", "LAURIDSENJ", Person, Person),
            ("Ping from Anna and jan novak", "jan novak", Person, Person),
            ("Deploy by JohnDoe on Monday", "JohnDoe", Username, Username),
            ("Deploy by J. Doe on Monday", "J. Doe", Username, Username),
            ("Meeting with 李雷 today", "李雷", Person, Person),
            ("მთვარისა: designing the Nova mockups", "მთვარისა", Person, Person),
            ("Greetings from lund, Sweden", "lund", Location, Location),
        ];
        for (text, span, label, expected) in cases {
            let start = text.find(span).unwrap();
            assert_eq!(case_typed(label, text, start, start + span.len()), expected, "{span} in {text}");
        }
    }

    #[test]
    fn a_name_that_wavers_between_person_and_place_is_one_span_typed_by_the_summed_probabilities() {
        // parking permit wi ##berg , eli ##na
        let text = "Parking permit Wiberg, Elina";
        let sure_person_then_unsure_place = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("I-LOCATION", 2.0),
            ("I-LOCATION", 2.0),
            ("I-LOCATION", 2.0),
        ];
        assert_eq!(
            decode_made_up(text, &sure_person_then_unsure_place),
            vec![("Wiberg, Elina".to_string(), PiiLabel::Person)]
        );
        let unsure_person_then_sure_place = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 2.0),
            ("I-PERSON", 2.0),
            ("I-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &unsure_person_then_sure_place),
            vec![("Wiberg, Elina".to_string(), PiiLabel::Location)]
        );
        // Outside the family an I- tag of another label still starts its own span, and a B- tag always does.
        let other_label = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("O", 9.0),
            ("I-EMAIL", 9.0),
            ("I-EMAIL", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &other_label),
            vec![("Wiberg".to_string(), PiiLabel::Person), ("Elina".to_string(), PiiLabel::Email)]
        );
        let two_names = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("O", 9.0),
            ("B-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &two_names),
            vec![("Wiberg".to_string(), PiiLabel::Person), ("Elina".to_string(), PiiLabel::Location)]
        );
    }

    /// `decode_made_up` with every listed token's tag raised to 9.
    fn decode_tags(text: &str, tags: &[&str]) -> Vec<(String, PiiLabel)> {
        let raised: Vec<(&str, f32)> = tags.iter().map(|&t| (t, 9.0)).collect();
        decode_made_up(text, &raised)
    }

    fn spans(list: &[(&str, PiiLabel)]) -> Vec<(String, PiiLabel)> {
        list.iter().map(|&(s, l)| (s.to_string(), l)).collect()
    }

    #[test]
    fn a_name_never_starts_or_ends_with_punctuation() {
        // message to armando - poe
        let found = decode_tags("Message to Armando - Poe", &["O", "O", "B-PERSON", "I-PERSON", "O"]);
        assert_eq!(found, spans(&[("Armando", PiiLabel::Person)]));
        // A span of punctuation only is dropped.
        assert_eq!(decode_tags("Message to Armando - Poe", &["O", "O", "O", "B-PERSON", "O"]), spans(&[]));
    }

    #[test]
    fn a_name_runs_on_to_the_end_of_its_word_and_over_an_inner_apostrophe_but_not_a_possessive() {
        use PiiLabel::Person;
        // review by о ##л ##ь ##г ##а б ##а ##б ##ʼ ##я ##к: the script changes at "ʼ", so the
        // word-piece rule leaves "ʼяк" untagged.
        let mut tags = vec!["O", "O", "B-PERSON"];
        tags.extend(["I-PERSON"; 7]);
        tags.extend(["O"; 3]);
        assert_eq!(decode_tags("Review by Ольга Бабʼяк", &tags), spans(&[("Ольга Бабʼяк", Person)]));
        // anna ' s laptop
        assert_eq!(decode_tags("Anna's laptop", &["B-PERSON", "O", "O", "O"]), spans(&[("Anna", Person)]));
        // A login is left as found: jd ##oe is one word anyway, so cut a made-up one.
        let login = decode_tags("Ping from jdoe Anna", &["O", "O", "B-USERNAME", "I-USERNAME", "O"]);
        assert_eq!(login, spans(&[("jdoe", PiiLabel::Username)]));
    }

    #[test]
    fn a_name_or_place_keeps_the_combining_marks_at_the_end_of_its_word() {
        use PiiLabel::Location;
        // things to do in [UNK]: the token ends before the virama, which the tokenizer drops.
        let tamil = decode_tags("Things to do in ஓசூர்", &["O", "O", "O", "O", "B-LOCATION"]);
        assert_eq!(tamil, spans(&[("ஓசூர்", Location)]));
        // call with क ##र ##ि ##स ##म ##स ट ##ा ##प: the vowel sign after the last piece is dropped too.
        let mut tags = vec!["O", "O", "B-LOCATION"];
        tags.extend(["I-LOCATION"; 8]);
        assert_eq!(decode_tags("Call with क्रिसमस टापु", &tags), spans(&[("क्रिसमस टापु", Location)]));
    }

    #[test]
    fn two_names_with_only_a_space_or_hyphen_between_are_one_but_a_login_stays_apart() {
        use PiiLabel::{Person, Username};
        // blocked by ze ##man - d ##vor ##ak today
        let tags = ["O", "O", "B-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON", "I-PERSON", "O"];
        assert_eq!(decode_tags("Blocked by Zeman-Dvořák today", &tags), spans(&[("Zeman-Dvořák", Person)]));
        // ping from jd ##oe anna
        let tags = ["O", "O", "B-USERNAME", "I-USERNAME", "B-PERSON"];
        assert_eq!(decode_tags("Ping from jdoe Anna", &tags), spans(&[("jdoe", Username), ("Anna", Person)]));
    }

    #[test]
    fn a_last_first_shaped_pair_inside_a_list_of_names_is_two_first_names() {
        use PiiLabel::Person;
        // sent to fred ##erik , bertram and lass ##e
        let tags = ["O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON"];
        assert_eq!(
            decode_tags("Sent to Frederik, Bertram and Lasse", &tags),
            spans(&[("Frederik", Person), ("Bertram", Person), ("Lasse", Person)])
        );
        // Alone, "Last, First" stays one name (the test above: "Wiberg, Elina").
        let alone = ["O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "O", "O"];
        assert_eq!(decode_tags("Sent to Frederik, Bertram and Lasse", &alone), spans(&[("Frederik, Bertram", Person)]));
    }

    #[test]
    fn scripts_are_told_apart_for_the_word_piece_rule() {
        assert_eq!(Script::of('v'), Script::Other);
        assert_eq!(Script::of('ü'), Script::Other);
        assert_eq!(Script::of('さ'), Script::Kana);
        assert_eq!(Script::of('会'), Script::Han);
        assert_eq!(Script::of('Ж'), Script::Cyrillic);
        assert_eq!(Script::of('Ω'), Script::Greek);
        assert_eq!(Script::of('ש'), Script::Hebrew);
        assert_eq!(Script::of('한'), Script::Hangul);
    }

    #[test]
    fn softmax_argmax_picks_the_largest_logit() {
        let (i, p) = argmax_softmax(&[0.0, 2.0, 1.0]);
        assert_eq!(i, 1);
        assert!((p - 0.665_240_9).abs() < 1e-5);
    }
}
