#!/usr/bin/env bash
# Sets up Tally and launches the desktop app with the embedded defaults: a local SQLite
# store under the platform data dir, the bundled model (ONNX Runtime from the PyPI
# wheel), the built-in recognizers and rules, no API key. The dashboard opens at once;
# its empty state offers a generated demo month (clearly marked, in its own data dir).
# Without a display it prints a summary of the demo month from the command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tally_setup
cargo build --locked --release --bin tally --example synth_export
cargo build --locked --release -p tally-desktop --features custom-protocol
tally="$CARGO_TARGET_DIR/release/tally"
desktop="$CARGO_TARGET_DIR/release/tally-desktop"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Tally's desktop app: $desktop (the tray keeps it running when the window closes)."
  echo "The command line is $tally."
  exec "$desktop" --open
fi

demo_dir="${XDG_DATA_HOME:-$HOME/.local/share}/tally-demo"
if [ ! -f "$demo_dir/tally.db" ]; then
  mkdir -p "$demo_dir"
  export_file=$(mktemp --suffix=.json)
  trap 'rm -f "$export_file"' EXIT
  "$CARGO_TARGET_DIR/release/examples/synth_export" 20000 "$export_file" now
  "$tally" --data-dir "$demo_dir" import --format aw "$export_file"
fi

echo
echo "No display, so no desktop window. == DEMO DATA (generated, not yours): $demo_dir =="
"$tally" --data-dir "$demo_dir" stats --from "$(date -d '-29 days' +%F)" --to "$(date +%F)"
echo
echo "On a desktop, run $desktop --open. From the command line, feed your own store with:"
echo "  $tally import --format aw ~/Downloads/aw-export.json"
echo "  $tally stats"
echo "  $tally export csv --from $(date -d '-6 days' +%F) --to $(date +%F) --by day --out report.csv"
