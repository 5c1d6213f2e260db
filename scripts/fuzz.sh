#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time on the stable toolchain.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]   (default 20 s, all targets)
# libFuzzer needs `-Zsanitizer=address` and friends, which rustc accepts only on nightly;
# RUSTC_BOOTSTRAP=1 lets the stable compiler take them. New inputs go to fuzz/corpus/
# (ignored); the committed seeds in fuzz/seeds/ are read only; a crash leaves its input
# in fuzz/artifacts/TARGET/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_cargo_fuzz

seconds="${1:-20}"
shift || true
export RUSTC_BOOTSTRAP=1
# Its own build cache: sanitizer builds share nothing with the normal one.
target_dir="${TALLY_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tally-fuzz-target}"
cd fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build --target-dir "$target_dir"
# The importers write each input to a file (fuzz/src/lib.rs); keep those in memory, in
# a folder of this run's own that goes when the script ends.
export TMPDIR="$(mktemp -d /dev/shm/tally-fuzz.XXXXXX)"
trap 'rm -rf "$TMPDIR"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${seconds}s" >&2
  log="$(mktemp)"
  if ! cargo fuzz run --target-dir "$target_dir" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/" >&2
    rm -f "$log"
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tr '\n' ' ' >&2
  echo >&2
  rm -f "$log"
done
