"""Score an ensemble of int8 models on the unseen splits: the ceiling of averaging or distilling them.

    python ensemble.py --data DATA_DIR MODEL_DIR MODEL_DIR [MODEL_DIR ...]

Each model directory's model.onnx runs on every unseen split (1 thread, encoded as evaluate.py does with the
first directory's tokenizer.json). The ensemble averages the models' PII tag probabilities per token and their
category and sentiment probabilities, then decodes as evaluate.py does. Prints PERSON / LOCATION / USERNAME F1,
category accuracy and sentiment macro-F1 per split, for each model and the ensemble, then their means over
the unseen splits changes are decided on and the newest split (HELD_OUT's last) alone, and the p50 latency of one
model and of all of them in turn. An ensemble of n models costs n
encoder passes, so it cannot ship under the 1 ms target; what it scores bounds what distilling it into one
model could reach. Run once (card, history): 1.7 with its seed-14 and seed-15 twins.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import encode, latency, load_jsonl, metrics, run_ort, session  # noqa: E402
from generate import EVAL_SPLITS, HELD_OUT, context_string  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

COLUMNS = ("PERSON", "LOCATION", "USERNAME", "category", "sentiment")


def score(data, encs, pii, cat, sent):
    m = metrics(data, encs, pii, cat.argmax(-1).tolist(), sent.argmax(-1).tolist())
    f1 = lambda label: m["pii"].get(label, {}).get("f1", 0.0)  # noqa: E731
    return (f1("PERSON"), f1("LOCATION"), f1("USERNAME"), m["category_acc"], m["sentiment_macro_f1"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="a build's data directory (TALLY_TRAIN_CACHE/data)")
    ap.add_argument("models", nargs="+", help="model directories holding model.onnx")
    a = ap.parse_args()
    if len(a.models) < 2:
        sys.exit("ensemble.py: name two or more model directories")
    for d in a.models:
        if not os.path.isfile(os.path.join(d, "model.onnx")):
            sys.exit(f"ensemble.py: {d}: no model.onnx")
    tok = Tokenizer.from_file(os.path.join(a.models[0], "tokenizer.json"))
    sessions = [session(os.path.join(d, "model.onnx"), 1) for d in a.models]
    names = [f"model {i + 1}" for i in range(len(a.models))] + ["ensemble"]
    for i, d in enumerate(a.models):
        print(f"model {i + 1}: {d}")
    rows = {}
    for split in [s for s in EVAL_SPLITS if s.startswith("unseen")]:
        path = os.path.join(a.data, f"{split}.jsonl")
        if not os.path.exists(path):
            continue
        data = load_jsonl(path)
        encs = [encode(tok, ex["text"], context_string(ex.get("app"), ex.get("url"))) for ex in data]
        outs = [run_ort(s, encs, probs=True) for s in sessions]
        mean = ([sum(o[0][k] for o in outs) / len(outs) for k in range(len(encs))],
                sum(o[1] for o in outs) / len(outs), sum(o[2] for o in outs) / len(outs))
        rows[split] = [score(data, encs, *o) for o in outs + [mean]]
        print(f"{split:9s} " + " | ".join(f"{n}: " + " ".join(f"{x:.3f}" for x in r)
                                          for n, r in zip(names, rows[split])), flush=True)
    newest = list(HELD_OUT)[-1]  # the untouched split: the newest one (unseen11 when ensemble.py was run)
    decided = [s for s in rows if s != newest]
    print("columns: " + " / ".join(COLUMNS))
    for k, n in enumerate(names):
        line = f"{n:9s} mean over {len(decided)} splits " + " ".join(
            f"{sum(rows[s][k][c] for s in decided) / len(decided):.3f}" for c in range(len(COLUMNS)))
        if newest in rows:
            line += f" | {newest.replace('unseen', 'unseen-')} " + " ".join(f"{x:.3f}" for x in rows[newest][k])
        print(line)
    one, all_ = (latency(None, tok, sessions=s)["p50_ms"] for s in (sessions[:1], sessions))
    print(f"p50 for the 11-token title, 1 thread: model 1 alone {one:.3f} ms, all {len(sessions)} models {all_:.3f} ms")


if __name__ == "__main__":
    main()
