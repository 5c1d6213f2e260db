"""Apply the default-encoder rule (models/HISTORY.md, "Which encoder is the default: the rule") and write
MODEL_DIR/default.json, which card.py renders and the engine's default follows.

    python pick_default.py --model-dir DIR --split DATA/unseen12.jsonl --tally PATH/TO/tally \
        --presidio benches/presidio/results.json

The fast encoder is the default unless its untyped leak is more than 0.005 worse than the standard one's on
the newest clean split (scored by position through the whole engine, `benches/presidio/split_leak.py`) or on
the Presidio corpus (`benches/presidio/run.sh`'s `leak_all`, read from its results file).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT_LEAK = os.path.join(HERE, "..", "..", "benches", "presidio", "split_leak.py")
MARGIN = 0.005
RULE = ("The fast encoder is the default unless its untyped leak is more than 0.005 worse than the standard "
        "encoder's on either the newest clean split (each text redacted by the whole engine, recognizers and "
        "model, and scored by position: a gold span leaks when any of its characters is outside every span Tally "
        "reports) or the Presidio corpus of `benches/presidio/run.sh` (a gold span leaks when its text survives "
        "verbatim). Written on 2026-12-07, before either encoder of this version was trained (models/HISTORY.md).")


def split_leak(tally, split, model_dir, variant):
    """split_leak.py's figures for one encoder: leak, partial, national-ID leak (None without such gold spans),
    over-redaction."""
    argv = [sys.executable, SPLIT_LEAK, "--tally", tally, "--split", split, "--variant", variant,
            "--model-dir", model_dir]
    out = subprocess.run(argv, capture_output=True, check=True).stdout.decode()
    r = json.loads(out[out.index("{"):])
    nid = r["leak_by_label"].get("NATIONAL_ID")
    return {"leak": r["leak"], "partial": r["partial"], "national_id": nid["rate"] if nid else None,
            "over_redaction": r["over_redaction"]}


def presidio_figures(system):
    """The same figures from a run.sh system: partial is a gold span cut rather than left whole (its token leak
    without its verbatim leak)."""
    return {"leak": system["leak_all"], "partial": system["token_leak_all"] - system["leak_all"],
            "national_id": system["leak"].get("NATIONAL_ID"), "over_redaction": system["over_redaction_lines"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--tally", required=True)
    ap.add_argument("--presidio", required=True, help="results.json of benches/presidio/run.sh")
    a = ap.parse_args()
    split_name = os.path.basename(a.split).removesuffix(".jsonl").replace("unseen", "unseen-")
    figures = [{"corpus": f"{split_name} (clean split, by position)",
                **{v: split_leak(a.tally, a.split, a.model_dir, v) for v in ("standard", "fast")}}]
    with open(a.presidio) as fh:
        systems = json.load(fh)["systems"]
    figures.append({"corpus": "Presidio corpus (verbatim)", "standard": presidio_figures(systems["tally"]),
                    "fast": presidio_figures(systems["tally_fast"])})
    measured = [{"corpus": f["corpus"], "standard": f["standard"]["leak"], "fast": f["fast"]["leak"]} for f in figures]
    worse = [m["corpus"] for m in measured if m["fast"] - m["standard"] > MARGIN]
    if worse:
        outcome = ("The fast encoder leaks more than 0.005 more on " + " and ".join(worse)
                   + ", so the standard one stays the default.")
    else:
        outcome = "The fast encoder leaks at most 0.005 more on both."
    choice = {"rule": RULE, "measured": measured, "figures": figures, "default": "standard" if worse else "fast",
              "outcome": outcome,
              "date": datetime.date.today().isoformat(),
              "command": "python models/train/pick_default.py --model-dir DIR --split DATA/unseen12.jsonl "
                         "--tally TALLY --presidio benches/presidio/results.json"}
    with open(os.path.join(a.model_dir, "default.json"), "w") as fh:
        json.dump(choice, fh, indent=1)
        fh.write("\n")
    print(json.dumps(choice, indent=1))


if __name__ == "__main__":
    main()
