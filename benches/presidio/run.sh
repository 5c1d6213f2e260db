#!/usr/bin/env bash
# Tally vs Microsoft Presidio, side by side (README: Performance > Side-by-side with Presidio).
# Idempotent: creates/updates the virtualenv under ${XDG_CACHE_HOME:-$HOME/.cache}/tally/
# presidio-venv, builds the release `tally`, generates the corpus, runs both, prints a
# table and writes results.json (default: benches/presidio/results.json).
#   TALLY_PRESIDIO_N=3000 TALLY_PRESIDIO_SEED=2024 TALLY_PRESIDIO_REPEAT=3 \
#     benches/presidio/run.sh [--out FILE]
# Never run by CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
. scripts/lib.sh

out="$here/results.json"
if [ "${1:-}" = "--out" ]; then out=$(realpath -m "$2"); fi
n="${TALLY_PRESIDIO_N:-3000}"
seed="${TALLY_PRESIDIO_SEED:-2024}"

ensure_rust
ensure_onnxruntime
tally_target_dir
venv="${XDG_CACHE_HOME:-$HOME/.cache}/tally/presidio-venv"
ensure_python_venv "$venv" "$here/requirements.txt"

cargo build --locked --release -p tally --bin tally
tally="$CARGO_TARGET_DIR/release/tally"

work="$CARGO_TARGET_DIR/presidio-bench"
mkdir -p "$work"
"$venv/bin/python" "$here/corpus.py" --out "$work/corpus.jsonl" --n "$n" --seed "$seed"
"$venv/bin/python" "$here/bench.py" --tally "$tally" --corpus "$work/corpus.jsonl" \
  --work "$work" --out "$out" --repeat "${TALLY_PRESIDIO_REPEAT:-3}"
echo "bench: wrote $out (outputs of each system in $work)" >&2
