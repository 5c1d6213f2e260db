#!/usr/bin/env bash
# Fetches libonnxruntime.so (from the PyPI onnxruntime wheel) into ~/.cache/tally/onnxruntime/,
# where Tally's engine finds it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_onnxruntime
echo "$ORT_DYLIB_PATH"
