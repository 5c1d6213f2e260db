#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time on the stable toolchain.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]   (default 20 s, all targets; CI)
#   scripts/fuzz.sh --long [TARGET…]                  (a benchmark; never run by CI)
# --long runs each target until 10,000,000 executions or 30 minutes, whichever comes
# first, then prints executions and crashes per target as a table. A crash ends its
# target only; the run fails at the end. TALLY_FUZZ_LONG_RUNS and
# TALLY_FUZZ_LONG_SECONDS lower both limits for a quick check of the script itself.
# libFuzzer needs `-Zsanitizer=address` and friends, which rustc accepts only on nightly;
# RUSTC_BOOTSTRAP=1 lets the stable compiler take them. New inputs go to fuzz/corpus/
# (ignored); the committed seeds in fuzz/seeds/ are read only; a crash leaves its input
# in fuzz/artifacts/TARGET/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_rust
ensure_cargo_fuzz

long=0
if [ "${1:-}" = "--long" ]; then
  long=1
  shift
  runs="${TALLY_FUZZ_LONG_RUNS:-10000000}"
  seconds="${TALLY_FUZZ_LONG_SECONDS:-1800}"
else
  seconds="${1:-20}"
  shift || true
fi
export RUSTC_BOOTSTRAP=1
# Its own build cache: sanitizer builds share nothing with the normal one.
target_dir="${TALLY_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tally-fuzz-target}"
cd fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
# cargo fuzz has no --locked: check first that fuzz/Cargo.lock needs no change, so the
# build below cannot rewrite it.
cargo metadata --locked --format-version 1 >/dev/null
cargo fuzz build --target-dir "$target_dir"
# The importers write each input to a file (fuzz/src/lib.rs); keep those in memory, in
# a folder of this run's own that goes when the script ends.
export TMPDIR="$(mktemp -d /dev/shm/tally-fuzz.XXXXXX)"
trap 'rm -rf "$TMPDIR"' EXIT

if [ "$long" = 1 ]; then
  # One row per target: executions, crashes (inputs left in artifacts/), seconds, peak RSS.
  table="$(mktemp -p "$TMPDIR")"
  failed=0
  for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "fuzz --long: $target, up to $runs executions or ${seconds}s" >&2
    log="$(mktemp -p "$TMPDIR")"
    before="$(find "artifacts/$target" -type f | wc -l)"
    started="$(date +%s)"
    # A crash ends this target (its input is in artifacts/) but not the others.
    status=0
    cargo fuzz run --target-dir "$target_dir" "$target" "corpus/$target" "seeds/$target" -- \
      -runs="$runs" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - started))
    execs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')"
    rss="$(grep -E '^stat::peak_rss_mb' "$log" | awk '{if ($2 > m) m = $2} END {print m + 0}')"
    crashes=$(($(find "artifacts/$target" -type f | wc -l) - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
      # libFuzzer stopped without leaving an input (a build or set-up failure): count it.
      crashes=1
      tail -n 20 "$log" >&2
    fi
    [ "$crashes" -eq 0 ] || failed=1
    printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$execs" "$crashes" "$elapsed" "$rss" >>"$table"
  done
  {
    printf '%-14s %14s %8s %9s %8s\n' target executions crashes seconds rss_mb
    while IFS=$'\t' read -r target execs crashes elapsed rss; do
      printf '%-14s %14s %8s %9s %8s\n' "$target" "$execs" "$crashes" "$elapsed" "$rss"
    done <"$table"
  }
  [ "$failed" = 0 ] || echo "fuzz --long: crashes; their inputs are in fuzz/artifacts/TARGET/" >&2
  exit "$failed"
fi

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
