"""The command line: every split into OUT/<split>.jsonl and the family tables into OUT/meta.json."""
from __future__ import annotations

import argparse
import json
import os

from .data.families import HOLDOUT_FAMILIES, HELD_OUT
from .data.labels import TRAIN_LOCALES, UNSEEN_LOCALES
from .splits import EVAL_SPLITS, FAMILIES, generate


def meta() -> dict:
    """What meta.json records: the locales, family and template counts and every held-out family set
    (card.py reads it, from meta.json or from here)."""
    return {"train_locales": TRAIN_LOCALES, "unseen_locales": UNSEEN_LOCALES,
            "families": len(FAMILIES), "holdout_families": sorted(HOLDOUT_FAMILIES),
            **{f"holdout_families_v{k[len('unseen'):]}": sorted(v) for k, v in HELD_OUT.items() if k != "unseen"},
            "templates": sum(len(f.templates) for f in FAMILIES)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/root/.cache/tally-train/data")
    ap.add_argument("--train", type=int, default=12000)
    for split in EVAL_SPLITS:
        ap.add_argument(f"--{split}", type=int, default={"unseen": 2000, "unseen9": 3000, "unseen10": 3000, "unseen11": 3000, "unseen12": 3000}.get(split, 1500))
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for split in ["train", *EVAL_SPLITS]:
        n = getattr(a, split)
        data = generate(split, n, a.seed)
        with open(os.path.join(a.out, f"{split}.jsonl"), "w", encoding="utf-8") as fh:
            for ex in data:
                fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
        print(split, len(data))
    with open(os.path.join(a.out, "meta.json"), "w") as fh:
        json.dump(meta(), fh, indent=1)
    print(json.dumps(meta()))
