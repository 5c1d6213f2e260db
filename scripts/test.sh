#!/usr/bin/env bash
# Sets up and runs Tally's whole test suite (Debian/Ubuntu). Idempotent; CI runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tally_setup
ensure_keyring_test_packages
ensure_e2e_packages
ensure_collector_test_packages
ensure_postgres_test_packages

if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all --check
else
  echo "test: rustfmt is not installed; skipping the format check" >&2
fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --locked --workspace --all-targets --features tally-desktop/custom-protocol -- -D warnings
else
  echo "test: clippy is not installed; skipping lints" >&2
fi
# The real ActivityWatch client for tests/aw_api.rs (which would otherwise skip, loudly).
aw_venv="${XDG_CACHE_HOME:-$HOME/.cache}/tally/aw-venv"
ensure_python_venv "$aw_venv" tests/aw_client/requirements.txt
export TALLY_AW_CLIENT_VENV="$aw_venv"
# Benchmarks are compiled by clippy above but never run here. custom-protocol: the
# desktop binary serves the built UI, as the e2e tests (src-tauri/tests/e2e.rs) need.
cargo test --locked --workspace --features tally-desktop/custom-protocol --lib --bins --tests --examples

# Bounded fuzzing of every importer, the redactor and the AW API parsers (fuzz/, its own
# crate; libFuzzer on the stable toolchain through RUSTC_BOOTSTRAP=1).
scripts/fuzz.sh "${TALLY_FUZZ_SECONDS:-20}"

# The model's data generators: their own tests need Faker only, not torch.
venv="${XDG_CACHE_HOME:-$HOME/.cache}/tally/test-venv"
ensure_python_venv "$venv" models/train/requirements-test.txt
(cd models/train && "$venv/bin/python" -m pytest -q -p no:cacheprovider test_generate.py)
# The Presidio benchmark's corpus generator (Faker only; Presidio itself is never installed here).
(cd benches/presidio && "$venv/bin/python" -m pytest -q -p no:cacheprovider test_corpus.py)
