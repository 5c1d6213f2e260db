"""Sentiment on pulse comments alone: macro-F1 and accuracy of each encoder's int8 graph over the pulse texts of
the evaluation splits (the examples whose kind is "pulse"), encoded as the runtime encodes them.

    python pulse_sentiment.py --data DIR --model-dir ../tally-encoder [--splits unseen12 unseen11]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as E  # noqa: E402
from variants import VARIANTS  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--splits", nargs="+", default=["unseen12"])
    a = ap.parse_args()
    tok = E.Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
    out = {}
    for name, variant in VARIANTS.items():
        sess = E.session(os.path.join(a.model_dir, variant["model"]), 2)
        for split in a.splits:
            data = [ex for ex in E.load_jsonl(os.path.join(a.data, f"{split}.jsonl")) if ex["kind"] == "pulse"]
            encs = [E.encode(tok, ex["text"], E.context_string(ex.get("app"), ex.get("url"))) for ex in data]
            _, _, sent = E.run_ort(sess, encs)
            gold = [E.SENTIMENTS.index(ex["sentiment"]) for ex in data]
            out[f"{name} {split}"] = {
                "pulse_texts": len(data),
                "sentiment_macro_f1": round(E.macro_f1(gold, sent, len(E.SENTIMENTS)), 4),
                "sentiment_acc": round(sum(int(g == p) for g, p in zip(gold, sent)) / len(gold), 4),
            }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
