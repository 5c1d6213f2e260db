"""Evaluate the Tally encoder: fp32 (torch, merged) and int8 (onnxruntime, shipped model.onnx).

    python evaluate.py --data /root/.cache/tally-train/data --work /root/.cache/tally-train/run \
                       --model-dir ../tally-encoder

Splits: heldout (seen template families + locales, fresh samples) and unseen (template families
AND locales training never saw).  Encodes exactly like the runtime: shipped tokenizer.json,
pair (text, "{app} {domain}") or text alone.  Writes metrics.json (work dir and model dir),
parity.json (model dir).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import CATEGORIES, EVAL_SPLITS, PII_LABELS, SENTIMENTS, context_string  # noqa: E402
from variants import VARIANTS  # noqa: E402

PII_TAGS = ["O"] + [f"{p}-{l}" for l in PII_LABELS for p in ("B", "I")]


# The graph rewrites the Rust runtime turns off (src/analyze/model/mod.rs, DISABLED_OPTIMIZERS): onnxruntime's fused
# SkipLayerNormalization is slower on this CPU than the Add + LayerNormalization it replaces (about 16 % of the CPU per
# text; README, Performance) and further from the unoptimised graph's outputs.
DISABLED_OPTIMIZERS = "SkipLayerNormFusion"


def session(model_path, threads):
    """An onnxruntime CPU session configured as the Rust runtime configures its own."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("optimization.disable_specified_optimizers", DISABLED_OPTIMIZERS)
    return ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])


def load_jsonl(p):
    with open(p, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh]


def encode(tok, text, ctx):
    return tok.encode(text, ctx) if ctx else tok.encode(text)


def batch_arrays(encs):
    L = max(len(e.ids) for e in encs)
    n = len(encs)
    ids = np.zeros((n, L), dtype=np.int64)
    am = np.zeros((n, L), dtype=np.int64)
    tt = np.zeros((n, L), dtype=np.int64)
    for i, e in enumerate(encs):
        k = len(e.ids)
        ids[i, :k], am[i, :k], tt[i, :k] = e.ids, e.attention_mask, e.type_ids
    return ids, am, tt


SCRIPTS = [  # (first, last, name): coarse script classes for the word-piece rule
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"), (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0x0600, 0x06FF, "arabic"), (0x0900, 0x097F, "devanagari"),
    (0x0E00, 0x0E7F, "thai"), (0x1100, 0x11FF, "hangul"), (0x3040, 0x30FF, "kana"),
    (0x31F0, 0x31FF, "kana"), (0x3130, 0x318F, "hangul"), (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"), (0xAC00, 0xD7AF, "hangul"), (0xFF66, 0xFF9F, "kana"),
]


def script(ch: str) -> str:
    c = ord(ch)
    for lo, hi, name in SCRIPTS:
        if lo <= c <= hi:
            return name
    return "other"


def word_level(tags, enc, text):
    """Decoding rule (the runtime must do the same): a continuation word-piece (token string starting
    with "##") in sequence A takes the tag of the token before it, as I-<same label> (O stays O), so a
    word is never split between labels -- unless the script changes between the two pieces (a Latin
    or Cyrillic name glued to Japanese kana, "Skovさんとの"): then the piece starts a new word and
    keeps its own tag, except that I-X becomes O (a new word cannot continue the old one's span).
    Applied left to right."""
    t = [int(x) for x in tags]
    toks = enc.tokens
    offs = enc.offsets
    for i in range(1, len(t)):
        if toks[i].startswith("##") and enc.sequence_ids[i] == 0:
            (ps, pe), (s, e) = offs[i - 1], offs[i]
            if pe > ps and e > s and script(text[pe - 1]) != script(text[s]):
                if PII_TAGS[t[i]].startswith("I-"):
                    t[i] = 0
                continue
            prev = PII_TAGS[t[i - 1]]
            t[i] = 0 if prev == "O" else PII_TAGS.index("I-" + prev.split("-", 1)[1])
    return t


# A name, a place and a login are one family: the model often finds the right words and wavers on the type
# from one piece to the next ("Wiberg, Elina" as PERSON then LOCATION).  Within the family an I- tag continues
# an open span whatever its type, and the span's type is then the family member with the most probability
# (B- plus I-) summed over the span's tokens.  On tally-encoder-1.4 this raised typed F1 on every unseen split
# (card, Decoding).
NAME_FAMILY = ("PERSON", "LOCATION", "USERNAME")
_FAMILY_TAGS = [(l, PII_TAGS.index("B-" + l), PII_TAGS.index("I-" + l)) for l in NAME_FAMILY]


def case_typed(label, text, start, end):
    """A name or a login typed by its letter case, where the text around it shows case at all (it has
    upper- and lower-case letters outside the span): one lower-case word is a login, and words that
    are each a capital and lower-case letters are a name.  Places keep the model's type.  The runtime
    (src/analyze/model/decode.rs, `case_typed`) applies the same rule."""
    if label not in ("PERSON", "USERNAME"):
        return label
    outside = text[:start] + text[end:]
    if not (any(c.isupper() for c in outside) and any(c.islower() for c in outside)):
        return label
    span = text[start:end]
    if any("\u10a0" <= c <= "\u10ff" for c in span):  # Georgian is written in lower case (Mkhedruli)
        return label
    words = span.split()
    if label == "PERSON" and len(words) == 1 and span == span.lower() and span != span.upper():
        return "USERNAME"
    if label == "USERNAME" and all(w[0].isupper() and w[1:].islower() and w.isalpha() for w in words if len(w) > 1) \
            and any(len(w) > 1 for w in words):
        return "PERSON"
    return label


# Span rules after BIO decoding, for the name family (card, Decoding; src/analyze/model/decode.rs, `refine_spans`, is
# the same code).  On tally-encoder-1.7 they raised PERSON F1 on every unseen split (unseen-9 0.832 -> 0.878,
# unseen-10 0.893 -> 0.927) and LOCATION on all but the first (0.867 -> 0.848 there), from its errors on
# unseen-9 and unseen-10:
# 1. trim: a name, place or login never starts or ends with a space, dash, comma, colon, bar, dot-separator or
#    slash ("Armando -", "Κεσαλίδης,");
# 2. word: a name or a place never ends or starts inside a word: it runs on over letters of the same script, and
#    over an apostrophe between two such letters ("Демʼяненко" was cut at the "ʼ"), but not over a possessive
#    "'s".  A combining mark (a virama, a Thai or Devanagari vowel sign) belongs to the letter before it, so the
#    span runs on over it ("ஓசூர்" was cut before the "்": the tokenizer drops non-spacing marks, so no token
#    holds it).  Logins are letters, digits and punctuation, so they are left as found;
# 3. glue: two names or places (not logins) separated by one space or one hyphen are one ("Μαυρίκιος" +
#    "Κουτσουλής", "Zeman" + "Dvořák");
# 4. list: a "Last, First"-shaped span of two single words next to another name-family span across a list
#    joiner (", ", " and ", " og " ...) is two first names ("Sent to Frederik, Bertram and Lasse").
# A span a rule changed is typed again by the family vote over the tokens it overlaps, then by case_typed.
EDGE_PUNCT = set(" \t-‐–—,;:|·/")
APOSTROPHES = "ʼ'’"
NAME_GLUE = (" ", "-", "‐")
LIST_JOINERS = (", ", " and ", " & ", " + ", " und ", " et ", " y ", " e ", " i ", " og ", " och ", " en ", " a ",
                " и ")


def family_winner(probs, tokens):
    """The name-family member with the largest B- plus I- probability summed over `tokens`."""
    votes = {l: sum(float(probs[k, b] + probs[k, i]) for k in tokens) for l, b, i in _FAMILY_TAGS}
    return max(NAME_FAMILY, key=lambda l: votes[l])


def family_label(probs, enc, text, start, end):
    tokens = [k for k, (s, e) in enumerate(enc.offsets)
              if enc.sequence_ids[k] == 0 and not enc.special_tokens_mask[k] and s < end and start < e]
    return case_typed(family_winner(probs, tokens), text, start, end)


def _same_script_letter(c, like):
    return c.isalpha() and script(c) == script(like)


def _is_mark(c):
    """A combining mark (general category M*: a virama, a Thai or Devanagari vowel sign): it belongs to the
    letter before it. The tokenizer drops the non-spacing ones, so a span's last token ends before them."""
    return unicodedata.category(c)[0] == "M"


def trim_edges(text, s, e):
    """Rule 1, trim: the span s..e without EDGE_PUNCT characters at either end."""
    while e > s and text[e - 1] in EDGE_PUNCT:
        e -= 1
    while s < e and text[s] in EDGE_PUNCT:
        s += 1
    return s, e


def run_on_to_word_end(text, s, e):
    """Rule 2, word, at the end: on over letters of the script of the span's last letter, the combining marks
    that belong to them, and an apostrophe between two such letters, but not over a possessive 's."""
    while e < len(text) and (text[e - 1].isalpha() or _is_mark(text[e - 1])):
        last = next((c for c in reversed(text[s:e]) if c.isalpha()), None)  # marks skipped
        if last is None:
            break
        if _is_mark(text[e]) or _same_script_letter(text[e], last):
            e += 1
        elif text[e] in APOSTROPHES and e + 1 < len(text) and _same_script_letter(text[e + 1], last) \
                and not (text[e + 1] in "sS" and (e + 2 == len(text) or not text[e + 2].isalpha())):
            e += 2
        else:
            break
    return e


def run_back_to_word_start(text, s):
    """Rule 2, word, at the start: back over letters of the script of the span's first letter (with their
    combining marks), and over an apostrophe between two such letters."""
    while s > 0 and text[s].isalpha():
        k = s  # the letter before s, past the marks that belong to it
        while k > 0 and _is_mark(text[k - 1]):
            k -= 1
        if k > 0 and _same_script_letter(text[k - 1], text[s]):
            s = k - 1
        elif k == s and text[s - 1] in APOSTROPHES and s >= 2 and _same_script_letter(text[s - 2], text[s]):
            s -= 2
        else:
            break
    return s


def glue_names(work, text):
    """Rule 3, glue: over spans sorted by position, overlapping name-family spans become one, and so do two
    names or places (no login) with only a NAME_GLUE between them."""
    glued = []
    for sp in work:
        if glued and sp[2] in NAME_FAMILY and glued[-1][2] in NAME_FAMILY and (
                sp[0] < glued[-1][1]
                or ("USERNAME" not in (sp[2], glued[-1][2]) and text[glued[-1][1]:sp[0]] in NAME_GLUE)):
            glued[-1][1], glued[-1][3] = max(glued[-1][1], sp[1]), True
            continue
        glued.append(sp)
    return glued


def split_name_lists(glued, text):
    """Rule 4, list: a `Last, First`-shaped span of two single words, next to another name-family span across a
    LIST_JOINERS joiner, is two first names."""
    out = []
    for i, (s, e, l, changed) in enumerate(glued):
        parts = text[s:e].split(", ")
        nxt = glued[i + 1] if i + 1 < len(glued) else None
        prv = out[-1] if out else None
        in_list = (nxt is not None and nxt[2] in NAME_FAMILY and text[e:nxt[0]] in LIST_JOINERS) or \
                  (prv is not None and prv[2] in NAME_FAMILY and text[prv[1]:s] in LIST_JOINERS)
        if l in NAME_FAMILY and len(parts) == 2 and all(p and len(p.split()) == 1 for p in parts) and in_list:
            out += [[s, s + len(parts[0]), l, True], [e - len(parts[1]), e, l, True]]
            continue
        out.append([s, e, l, changed])
    return out


def refine_spans(spans, probs, enc, text):
    """The span rules after BIO decoding, one function each, as the runtime has them
    (src/analyze/model/decode.rs): trim_edges, run_on_to_word_end and run_back_to_word_start (not for a
    login), glue_names, split_name_lists; a span a rule changed is typed again by family_label."""
    work = []  # [start, end, label, changed]
    for s0, e0, l in sorted(spans):
        s, e = s0, e0
        if l in NAME_FAMILY:
            s, e = trim_edges(text, s, e)
            if e > s and l != "USERNAME":
                e = run_on_to_word_end(text, s, e)
                s = run_back_to_word_start(text, s)
        if e > s:
            work.append([s, e, l, (s, e) != (s0, e0)])
    work.sort()
    out = split_name_lists(glue_names(work, text), text)
    return [(s, e, family_label(probs, enc, text, s, e) if changed else l) for s, e, l, changed in out]


def decode_spans(probs, enc, text, words=True):
    """Per-token tag probabilities [tokens, tags] over one encoding of `text` -> char spans over
    sequence A: [(start, end, label)].  The runtime (src/analyze/model/decode.rs) decodes the same way."""
    tags = probs.argmax(-1)
    if words:
        tags = word_level(tags, enc, text)
    spans, cur = [], None  # cur = [start, end, label, token indices]

    def close():
        nonlocal cur
        if cur:
            label = cur[2]
            if label in NAME_FAMILY:
                label = case_typed(family_winner(probs, cur[3]), text, cur[0], cur[1])
            spans.append((cur[0], cur[1], label))
            cur = None

    for i, (s, e) in enumerate(enc.offsets):
        if enc.sequence_ids[i] != 0 or enc.special_tokens_mask[i]:
            close()
            continue
        t = PII_TAGS[int(tags[i])]
        if t == "O":
            close()
            continue
        p, lab = t.split("-", 1)
        if p == "I" and cur is not None and (cur[2] == lab or (cur[2] in NAME_FAMILY and lab in NAME_FAMILY)):
            cur[1] = e
            cur[3].append(i)
        else:
            close()
            cur = [s, e, lab, [i]]
    close()
    return refine_spans(spans, probs, enc, text)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def macro_f1(gold, pred, n):
    fs = []
    for c in range(n):
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        if tp + fn == 0 and fp == 0:
            continue
        fs.append(prf(tp, fp, fn)[2])
    return sum(fs) / len(fs) if fs else 0.0


def metrics(examples, encs, pii, cat, sent):
    per = {l: [0, 0, 0] for l in PII_LABELS}
    for ex, enc, tg in zip(examples, encs, pii):
        pred = set(decode_spans(tg, enc, ex["text"]))
        gold = {(e["start"], e["end"], e["label"]) for e in ex["entities"]}
        for s in pred:
            per[s[2]][0 if s in gold else 1] += 1
        for s in gold - pred:
            per[s[2]][2] += 1
    out = {"pii": {}}
    T = [0, 0, 0]
    for l, (tp, fp, fn) in per.items():
        if tp + fp + fn == 0:
            continue
        p, r, f = prf(tp, fp, fn)
        out["pii"][l] = {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "support": tp + fn}
        T = [T[0] + tp, T[1] + fp, T[2] + fn]
    p, r, f = prf(*T)
    out["pii_micro"] = {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "support": T[0] + T[2]}
    # PERSON, LOCATION and USERNAME as one label: a span with the wrong one of the three types is still redacted
    U = [0, 0, 0]
    names = {"PERSON", "LOCATION", "USERNAME"}
    for ex, enc, tg in zip(examples, encs, pii):
        pred = {(s, e) for s, e, l in decode_spans(tg, enc, ex["text"]) if l in names}
        gold = {(e["start"], e["end"]) for e in ex["entities"] if e["label"] in names}
        U = [U[0] + len(pred & gold), U[1] + len(pred - gold), U[2] + len(gold - pred)]
    p, r, f = prf(*U)
    out["names_untyped"] = {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "support": U[0] + U[2]}
    gc = [CATEGORIES.index(e["category"]) for e in examples]
    gs = [SENTIMENTS.index(e["sentiment"]) for e in examples]
    out["category_acc"] = round(sum(int(a == b) for a, b in zip(gc, cat)) / len(gc), 4)
    out["category_macro_f1"] = round(macro_f1(gc, cat, len(CATEGORIES)), 4)
    out["sentiment_acc"] = round(sum(int(a == b) for a, b in zip(gs, sent)) / len(gs), 4)
    out["sentiment_macro_f1"] = round(macro_f1(gs, sent, len(SENTIMENTS)), 4)
    out["n"] = len(examples)
    return out


def run_ort(sess, encs, bs=64, probs=False):
    """Per-text PII tag probabilities and the category and sentiment argmax; with probs, their probabilities
    [n, classes] instead (ensemble.py averages them)."""
    pii, cat, sent = [], [], []
    for i in range(0, len(encs), bs):
        chunk = encs[i:i + bs]
        ids, am, tt = batch_arrays(chunk)
        p, c, s = sess.run(None, {"input_ids": ids, "attention_mask": am, "token_type_ids": tt})
        for j, e in enumerate(chunk):
            pii.append(softmax(p[j, :len(e.ids)]))
        if probs:
            cat.append(softmax(c))
            sent.append(softmax(s))
        else:
            cat += c.argmax(-1).tolist()
            sent += s.argmax(-1).tolist()
    if probs:
        return pii, np.concatenate(cat), np.concatenate(sent)
    return pii, cat, sent


def run_torch(model, encs, bs=64):
    import torch
    pii, cat, sent = [], [], []
    with torch.no_grad():
        for i in range(0, len(encs), bs):
            chunk = encs[i:i + bs]
            ids, am, tt = (torch.from_numpy(x) for x in batch_arrays(chunk))
            p, c, s = model(ids, am, tt)
            for j, e in enumerate(chunk):
                pii.append(softmax(p[j, :len(e.ids)].numpy()))
            cat += c.argmax(-1).tolist()
            sent += s.argmax(-1).tolist()
    return pii, cat, sent


def agreement(a, b, encs):
    tok_same = tok_n = 0
    for x, y, e in zip(a[0], b[0], encs):
        x, y = x.argmax(-1), y.argmax(-1)
        for i in range(len(e.ids)):
            if e.sequence_ids[i] == 0 and not e.special_tokens_mask[i]:
                tok_n += 1
                tok_same += int(x[i] == y[i])
    return {"token_decisions": round(tok_same / tok_n, 5),
            "category_argmax": round(sum(int(x == y) for x, y in zip(a[1], b[1])) / len(a[1]), 5),
            "sentiment_argmax": round(sum(int(x == y) for x, y in zip(a[2], b[2])) / len(a[2]), 5)}


PARITY_INPUTS = [
    ("Weekly sync with Ana Lima - Zoom", "zoom.us"),
    ("Re: Q3 budget review - John Smith - Outlook", "Microsoft Outlook"),
    ("ssh deploy@10.0.4.17", "iTerm2"),
    ("/home/jdoe/src/tally/main.rs - Visual Studio Code", "Code"),
    ("C:\\Users\\mmueller\\Documents\\Offer_Letter_Ana_Lima.pdf", "File Explorer"),
    ("Jürgen Müller (DM) - Acme - Slack", "Slack app.slack.com"),
    ("山田太郎さんとの会議", "Microsoft Teams"),
    ("Письмо от Ивана Петрова", "Thunderbird"),
    ("Réunion avec Élodie Moreau à Paris", None),
    ("Kubernetes pod crashloopbackoff - Google Search", "Google Chrome google.com"),
    ("Funny cats compilation - YouTube", "Firefox youtube.com"),
    ("The sprint review was frustrating, nothing worked", None),
    ("Great pairing session with Priya today!", None),
    ("[ENG-1234] Rate limiting - Jira", "Google Chrome acme.atlassian.net"),
    ("Explain tokenizer padding in Rust - ChatGPT", "Arc chatgpt.com"),
    ("Expense report - March 2026", "Safari expensify.com"),
    ("WEEKLY SYNC WITH ANA LIMA - ZOOM", "zoom.us"),
    ("Μήνυμα από Γιώργο Παπαδόπουλο", "Mail"),
    ("@kmorgan mentioned you in #deploys", "Slack"),
    # chosen because on tally-encoder-1.4 the name-family rule of decode_spans decides their spans
    ("DATASET FROM ХУТІР БІЛА ЦЕРКВА BRANCH - COBALT-POSTMORTEM-V4.XLSX", "Kate"),
    ("Guest wifi for Πύρρος - Βόλος office", "Chromium acme.pipedrive.com"),
    ("accepted answer by birgitta andersson — problem loading page - kagi", "Google Chrome kagi.com"),
    # chosen because on tally-encoder-1.6 the letter-case rule (case_typed) decides their types (on 1.7: two of them)
    ("Benefits enrolment lauridsenj — Welcome", "Zen Browser"),
    ("Dependencies: Frederikke / Laus", "Wrike"),
    ("Shoutout zravn! re-prioritising Redwood put us behind schedule", None),
    # chosen because on tally-encoder-1.7 the span rules (refine_spans) change their spans: list, word, trim, glue
    ("Sent to Frederik, Bertram and Lasse — Outlook", "Microsoft Outlook"),
    ("Daily standup - Lasse, Ellen, Bertram", "Zoom"),
    ("Семен Демʼяненко transfer news - Arc", "Arc espn.com"),
    ("Review of Chef by Ольга Бабʼяк", "Firefox wikipedia.org"),
    ("Rewrite my message to Armando - Poe", "Poe poe.com"),
    ("CI red: Μαυρίκιος Κουτσουλής commented on cell 4", "JupyterLab"),
    ("Blocked by Κομνηνός Τσέτου-Κονδυλίδης (ENG-7992)", "Jira"),
    # chosen because on tally-encoder-1.7 the word rule runs their spans on over a combining mark
    ("Things to do in ஓசூர்", "Maps"),
    ("เอกวิทย์, ภารวี, จินต์จุฑา - DISCORD - GOOGLE CHROME", "Google Chrome discord.com"),
    ("TYPICAL: REPLYING TO মেহজাবিন বসু, NOTHING SPECIAL", None),
    ("", None),
]


def write_parity(sess, tok, path, model_file="model.onnx"):
    items = []
    for a, b in PARITY_INPUTS:
        e = encode(tok, a, b)
        ids, am, tt = batch_arrays([e])
        p, c, s = sess.run(None, {"input_ids": ids, "attention_mask": am, "token_type_ids": tt})
        spans = decode_spans(softmax(p[0]), e, a)
        items.append({"a": a, "b": b, "input_ids": e.ids, "attention_mask": e.attention_mask,
                      "spans": [[a[s0:e0], lab] for s0, e0, lab in spans],
                      "token_type_ids": e.type_ids,
                      "pii_logits": np.round(p[0], 5).tolist(), "category_logits": np.round(c[0], 5).tolist(),
                      "sentiment_logits": np.round(s[0], 5).tolist()})
    with open(path, "w", encoding="utf-8") as fh:
        note = ("onnxruntime %s, CPU, int8 %s, disabled optimizers %s, batch 1 per input, no padding; "
                "b=null means sequence A encoded alone" % (ort.__version__, model_file, DISABLED_OPTIMIZERS))
        json.dump({"note": note, "items": items}, fh, ensure_ascii=False)
        fh.write("\n")


def latency(model_path, tok, text="Re: Q3 budget review - John Smith", ctx=None, runs=500, sessions=None):
    """p50/p90 of one text at batch 1 on one thread; with `sessions`, through each of them in turn per timing
    (ensemble.py: what an ensemble would cost) instead of a fresh session of `model_path`."""
    sessions = sessions or [session(model_path, 1)]
    e = encode(tok, text, ctx)
    ids, am, tt = batch_arrays([e])
    feed = {"input_ids": ids, "attention_mask": am, "token_type_ids": tt}
    for _ in range(30):
        for sess in sessions:
            sess.run(None, feed)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        for sess in sessions:
            sess.run(None, feed)
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    return {"tokens": len(e.ids), "text": text, "p50_ms": round(ts[len(ts) // 2], 3),
            "p90_ms": round(ts[int(len(ts) * 0.9)], 3), "runs": runs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/root/.cache/tally-train/data")
    ap.add_argument("--work", default="/root/.cache/tally-train/run")
    ap.add_argument("--model-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tally-encoder"))
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="standard")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--report-only", action="store_true",
                    help="print the split metrics and write nothing (to compare another model directory)")
    a = ap.parse_args()

    tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))  # shipped file, as the runtime loads it
    variant = VARIANTS[a.variant]
    model_path = os.path.join(a.model_dir, variant["model"])
    suffix = "" if a.variant == "standard" else "-" + a.variant  # metrics-fast.json, parity-fast.json
    int8 = session(model_path, 2)
    model = None
    if not a.no_torch:
        import torch
        torch.set_num_threads(2)
        import train as T
        ck = torch.load(os.path.join(a.work, "model.pt"))
        model = T.build_model(ck["layers"], ck.get("ffn", 0))
        model.load_state_dict(ck["state"])
        model.eval()

    res = {"splits": {}}
    for split in EVAL_SPLITS:
        if not os.path.exists(os.path.join(a.data, f"{split}.jsonl")):
            continue
        data = load_jsonl(os.path.join(a.data, f"{split}.jsonl"))
        encs = [encode(tok, ex["text"], context_string(ex.get("app"), ex.get("url"))) for ex in data]
        r8 = run_ort(int8, encs)
        entry = {"int8": metrics(data, encs, *r8)}
        if model is not None:
            r32 = run_torch(model, encs)
            entry["fp32"] = metrics(data, encs, *r32)
            entry["agreement_fp32_vs_int8"] = agreement(r32, r8, encs)
        # the same split with no context at all (bare `tally redact` text)
        encs0 = [encode(tok, ex["text"], None) for ex in data]
        entry["int8_no_context"] = metrics(data, encs0, *run_ort(int8, encs0))
        res["splits"][split] = entry
        print(split, json.dumps(entry, indent=1), flush=True)

    if a.report_only:
        print(json.dumps({"latency_int8_1thread": latency(model_path, tok, runs=2000)}))
        return
    write_parity(int8, tok, os.path.join(a.model_dir, f"parity{suffix}.json"), variant["model"])
    res["latency_int8_1thread"] = latency(model_path, tok)
    res["latency_int8_1thread_with_context"] = latency(model_path, tok, ctx="Microsoft Outlook")
    fp32_path = os.path.join(a.work, "model.fp32.onnx")
    if os.path.exists(fp32_path):
        res["latency_fp32_1thread"] = latency(fp32_path, tok)
    res["model_onnx_bytes"] = os.path.getsize(model_path)
    res["onnxruntime"] = ort.__version__
    res["variant"] = a.variant
    with open(os.path.join(a.work, "train_info.json")) as fh:
        res["train_info"] = json.load(fh)
    print(json.dumps({k: v for k, v in res.items() if k != "splits"}, indent=1))
    for p in (os.path.join(a.work, f"metrics{suffix}.json"), os.path.join(a.model_dir, f"metrics{suffix}.json")):
        with open(p, "w") as fh:
            json.dump(res, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
