#!/usr/bin/env bash
# Sets up Tally and launches it with the embedded defaults: a local SQLite store under
# the platform data dir, the bundled model (ONNX Runtime from the PyPI wheel), the
# built-in recognizers and rules, no API key. On first use it
# imports a generated demo month (clearly marked, in its own data dir) and shows it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tally_setup
cargo build --locked --release --bin tally --example synth_export
tally="$CARGO_TARGET_DIR/release/tally"

demo_dir="${XDG_DATA_HOME:-$HOME/.local/share}/tally-demo"
if [ ! -f "$demo_dir/tally.db" ]; then
  mkdir -p "$demo_dir"
  export_file=$(mktemp --suffix=.json)
  trap 'rm -f "$export_file"' EXIT
  "$CARGO_TARGET_DIR/release/examples/synth_export" 20000 "$export_file" now
  "$tally" --data-dir "$demo_dir" import --format aw "$export_file"
fi

echo
echo "== DEMO DATA (generated, not yours): $demo_dir =="
"$tally" --data-dir "$demo_dir" stats --from "$(date -d '-29 days' +%F)" --to "$(date +%F)"
echo
echo "Tally is built at $tally. Your own store starts empty; feed it with, for example:"
echo "  $tally import --format aw ~/Downloads/aw-export.json"
echo "  $tally stats"
echo "  $tally export csv --from $(date -d '-6 days' +%F) --to $(date +%F) --by day --out report.csv"
"$tally" --help
