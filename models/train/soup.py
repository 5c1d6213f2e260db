"""Weight averaging ("model soup") of trained runs: the merged weights in each run's model.pt are averaged,
exported to ONNX and quantized to int8 exactly as train.py does, into a trial model directory.

    python soup.py --out DIR --like models/tally-encoder RUN_DIR RUN_DIR [RUN_DIR ...]

RUN_DIR is a build's work directory (TALLY_TRAIN_CACHE/run, holding model.pt); --like names the model
directory whose tokenizer.json and labels.json the trial copies. Score it with
`evaluate.py --model-dir DIR --work DIR-work`. Tried once (card, history): 1.7 with its seed-14 twin.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import build_model, export_onnx, load_tokenizer, quantize  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--like", required=True, help="model directory to copy tokenizer.json and labels.json from")
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    if len(a.runs) < 2:
        sys.exit("soup.py: name two or more run directories")
    states = [torch.load(os.path.join(r, "model.pt"), map_location="cpu") for r in a.runs]
    shapes = {(s["layers"], s.get("ffn", 0)) for s in states}
    if len(shapes) != 1:
        sys.exit(f"soup.py: the runs differ in layers/ffn: {sorted(shapes)}")
    layers, ffn = shapes.pop()
    avg = {k: (sum(s["state"][k] for s in states) / len(states) if v.is_floating_point() else v)
           for k, v in states[0]["state"].items()}
    model = build_model(layers, ffn)
    model.load_state_dict(avg)
    work = a.out.rstrip("/") + "-work"
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    torch.save({"state": avg, "layers": layers, "ffn": ffn}, os.path.join(work, "model.pt"))
    fp32 = os.path.join(work, "model.fp32.onnx")
    export_onnx(model, fp32, load_tokenizer())
    quantize(fp32, os.path.join(a.out, "model.onnx"))
    for f in ("tokenizer.json", "labels.json"):
        shutil.copy(os.path.join(a.like, f), a.out)
    print(f"soup of {len(a.runs)} runs -> {a.out}")


if __name__ == "__main__":
    main()
