"""Move the word-embedding table out of each encoder into one shared file, embeddings.bin.

    python share_embeddings.py --model-dir DIR

LoRA leaves the base model's word embeddings frozen, and quantization turns the same fp32 table into the
same int8 bytes, so the standard (model.onnx) and fast (model-fast.onnx) encoders carry an identical
11.7 MB table. Each graph keeps its other weights and points at embeddings.bin through ONNX external data
(offset 0, relative to the graph's own directory), which keeps everything under models/ within its
30 MB budget. The script is idempotent, refuses a graph whose table differs from the file already there,
and checks that every rewritten graph gives bit-identical outputs to the graph it replaces.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx.external_data_helper import set_external_data

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from variants import VARIANTS  # noqa: E402

TABLE = "bert.embeddings.word_embeddings.weight_quantized"
SHARED = "embeddings.bin"


def outputs(model_bytes_or_path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes_or_path, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    ids = rng.integers(100, 30000, size=(2, 12)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    return sess.run(None, feed)


def share(model_dir: str, name: str) -> str:
    path = os.path.join(model_dir, name)
    model = onnx.load(path, load_external_data=False)
    table = next((t for t in model.graph.initializer if t.name == TABLE), None)
    if table is None:
        raise SystemExit(f"{path}: no initializer named {TABLE}")
    if table.data_location == onnx.TensorProto.EXTERNAL:
        where = {e.key: e.value for e in table.external_data}.get("location")
        if where != SHARED:
            raise SystemExit(f"{path}: {TABLE} is stored in {where!r}, expected {SHARED}")
        return "already shared"
    data = table.raw_data
    shared = os.path.join(model_dir, SHARED)
    if os.path.exists(shared):
        with open(shared, "rb") as fh:
            if fh.read() != data:
                raise SystemExit(f"{path}: its word-embedding table differs from {shared}; rebuild every variant")
    else:
        with open(shared, "wb") as fh:
            fh.write(data)
    before = outputs(model.SerializeToString())
    set_external_data(table, location=SHARED, offset=0, length=len(data))
    table.ClearField("raw_data")
    table.data_location = onnx.TensorProto.EXTERNAL
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    after = outputs(tmp)
    if any(not np.array_equal(a, b) for a, b in zip(before, after)):
        os.remove(tmp)
        raise SystemExit(f"{path}: outputs changed when the table moved to {SHARED}")
    os.replace(tmp, path)
    return f"table moved to {SHARED} ({len(data):,} bytes), outputs bit-identical"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    a = ap.parse_args()
    for v in VARIANTS.values():
        if os.path.exists(os.path.join(a.model_dir, v["model"])):
            print(f"{v['model']}: {share(a.model_dir, v['model'])}")


if __name__ == "__main__":
    main()
