"""How much of a generated evaluation split's PII the whole engine removes: every text of a split that
`models/train/generate.py` writes goes through `tally redact` (recognizers and model, as shipped), and each
gold span is scored by position against the spans Tally reports, whatever label either side gives it.

    python split_leak.py --tally PATH/TO/tally --split DATA/unseen12.jsonl [--variant fast] [--model-dir DIR]

Prints one JSON object:
  * leak: gold spans not fully removed (some character of the span is outside every reported span);
  * partial: the part of those that was cut, not missed (some of its characters removed, not all);
  * leak_by_label: the leak per gold label (NATIONAL_ID's is the national-ID leak);
  * over_redaction: share of the split's texts without gold PII that Tally changed at all.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter


def byte_to_char(text: str) -> dict[int, int]:
    b2c, pos = {}, 0
    for i, ch in enumerate(text):
        b2c[pos] = i
        pos += len(ch.encode())
    b2c[pos] = len(text)
    return b2c


def score(rows: list[dict], outputs: dict[str, dict]) -> dict:
    gold, leaked, partial = Counter(), Counter(), Counter()
    clean = clean_changed = 0
    for row in rows:
        out = outputs[row["id"]]
        if not row["entities"]:
            clean += 1
            clean_changed += out["text"] != row["text"]
            continue
        b2c = byte_to_char(row["text"])
        covered = set()
        for s in out["pii"]:
            covered.update(range(b2c[s["start"]], b2c[s["end"]]))
        for ent in row["entities"]:
            chars = set(range(ent["start"], ent["end"]))
            gold[ent["label"]] += 1
            if not chars <= covered:
                leaked[ent["label"]] += 1
                partial[ent["label"]] += bool(chars & covered)
    n = sum(gold.values())
    return {
        "texts": len(rows),
        "gold_spans": n,
        "leak": sum(leaked.values()) / n if n else 0.0,
        "partial": sum(partial.values()) / n if n else 0.0,
        "leak_by_label": {k: {"gold": gold[k], "leaked": leaked[k], "rate": leaked[k] / gold[k]} for k in sorted(gold)},
        "over_redaction": clean_changed / clean if clean else 0.0,
        "over_redaction_n": [clean_changed, clean],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tally", required=True)
    ap.add_argument("--split", required=True, help="a split file generate.py wrote (unseen12.jsonl, ...)")
    ap.add_argument("--variant", choices=["standard", "fast"], default="standard")
    ap.add_argument("--model-dir")
    a = ap.parse_args()
    with open(a.split, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    flags = ["--require-model", "--model-variant", a.variant]
    if a.model_dir:
        flags += ["--model-dir", a.model_dir]
    with tempfile.TemporaryDirectory() as tmp:
        texts = os.path.join(tmp, "texts.jsonl")
        with open(texts, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False) + "\n")
        argv = [a.tally, "--data-dir", os.path.join(tmp, "data"), *flags, "redact", texts]
        done = subprocess.run(argv, capture_output=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr.decode(errors="replace"))
            return done.returncode
    outputs = {}
    for line in done.stdout.decode().splitlines():
        r = json.loads(line)
        outputs[r["id"]] = r
    result = score(rows, outputs)
    result.update({"split": os.path.basename(a.split), "variant": a.variant})
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
