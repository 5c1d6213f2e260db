#!/usr/bin/env bash
# Rebuild models/tally-encoder/ from scratch: venv, data, tests, train, export, quantize, evaluate, share the
# word-embedding table, card.
#   models/train/build.sh                 # the standard encoder: model.onnx, labels.json, parity.json, metrics.json
#   VARIANT=fast models/train/build.sh    # the fast one: model-fast.onnx, labels-fast.json, parity-fast.json, ...
# Env overrides: TALLY_TRAIN_VENV, TALLY_TRAIN_CACHE, TALLY_MODEL_OUT (default models/tally-encoder; point it
# elsewhere to build a trial model without touching the shipped one), TRAIN_N, EPOCHS, LAYERS, FFN (feed-forward
# neurons kept per layer, 0 = all), LORA_R (alpha = 2r), SEED (training seed: LoRA init, order, context drops; the
# data's seed is generate.py's), MASK_CTX (probability of masking a title token outside the entities, in
# examples with a name, place or login; default 0), SWAP_ENT (probability that a name or place takes the tokens of
# a random name or place, label kept; default 0), MAX_MINUTES
# (training time budget: the LR schedule runs to zero by then even if not all epochs are done; 0 = no budget).
set -euo pipefail
START=$(date +%s)
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${TALLY_MODEL_OUT:-$(cd "$HERE/.." && pwd)/tally-encoder}"
VENV="${TALLY_TRAIN_VENV:-/root/.cache/tally-train-venv}"
CACHE="${TALLY_TRAIN_CACHE:-/root/.cache/tally-train}"
TRAIN_N="${TRAIN_N:-45000}"
VARIANT="${VARIANT:-standard}"
LORA_R="${LORA_R:-32}"
SEED="${SEED:-13}"
MASK_CTX="${MASK_CTX:-0}"
SWAP_ENT="${SWAP_ENT:-0}"
DATA="$CACHE/data"
case "$VARIANT" in
  standard) EPOCHS="${EPOCHS:-3}"; MAX_MINUTES="${MAX_MINUTES:-26}"; LAYERS="${LAYERS:-6}"; FFN="${FFN:-0}"; WORK="$CACHE/run" ;;
  fast) EPOCHS="${EPOCHS:-5}"; MAX_MINUTES="${MAX_MINUTES:-0}"; LAYERS="${LAYERS:-2}"; FFN="${FFN:-1024}"; WORK="$CACHE/run-fast" ;;
  *) echo "build.sh: VARIANT must be standard or fast, not '$VARIANT'" >&2; exit 2 ;;
esac
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONHASHSEED=0

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
PY="$VENV/bin/python"

mkdir -p "$DATA" "$WORK" "$OUT"
cd "$HERE"
"$PY" generate.py --out "$DATA" --train "$TRAIN_N"  # evaluation split sizes: generate.py's defaults
"$PY" -m pytest -q -p no:cacheprovider test_generate.py
nice -n 5 "$PY" train.py --data "$DATA" --work "$WORK" --out "$OUT" --variant "$VARIANT" --epochs "$EPOCHS" \
  --layers "$LAYERS" --ffn "$FFN" --lora-r "$LORA_R" --lora-alpha $((2 * LORA_R)) --max-minutes "$MAX_MINUTES" --seed "$SEED" \
  --mask-ctx "$MASK_CTX" --swap-ent "$SWAP_ENT"
nice -n 5 "$PY" evaluate.py --data "$DATA" --work "$WORK" --model-dir "$OUT" --variant "$VARIANT"
"$PY" share_embeddings.py --model-dir "$OUT"
END=$(date +%s)
"$PY" card.py --data "$DATA" --model-dir "$OUT" --variant "$VARIANT" --build-seconds $((END - START)) > /dev/null
du -ch "$OUT"/* | tail -1
echo "built $OUT in $((END - START)) s"
