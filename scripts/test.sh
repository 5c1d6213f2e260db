#!/usr/bin/env bash
# Sets up and runs Tally's whole test suite (Debian/Ubuntu). Idempotent; CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tally_setup
ensure_keyring_test_packages
ensure_collector_test_packages

if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all --check
else
  echo "test: rustfmt is not installed; skipping the format check" >&2
fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --locked --all-targets -- -D warnings
else
  echo "test: clippy is not installed; skipping lints" >&2
fi
# Benchmarks are compiled by clippy above but never run here.
cargo test --locked --lib --bins --tests --examples

# The model's data generators: their own tests need Faker only, not torch.
venv="${XDG_CACHE_HOME:-$HOME/.cache}/tally/test-venv"
ensure_python_venv "$venv" models/train/requirements-test.txt
(cd models/train && "$venv/bin/python" -m pytest -q -p no:cacheprovider test_generate.py)
