"""The model directory's two encoders (src/analyze/model/mod.rs, ModelVariant): file names and version of each.
Kept apart from train.py so that evaluate.py and share_embeddings.py need no torch."""

VARIANTS = {
    "standard": {"model": "model.onnx", "labels": "labels.json", "version": "tally-encoder-1.8"},
    "fast": {"model": "model-fast.onnx", "labels": "labels-fast.json", "version": "tally-encoder-fast-1.1"},
}
