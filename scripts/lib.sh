# Shared set-up steps for scripts/run.sh and scripts/test.sh (sourced, not run).
# Every step is idempotent: it checks before it installs.

# Installs the Debian/Ubuntu packages that are not installed yet.
ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

# Puts a Rust toolchain (>= 1.85) on PATH.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    # Debian 13 / Ubuntu 24.04 package rustup; it fetches a current toolchain.
    ensure_apt_packages rustup && rustup default stable
  fi
  local version
  version=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.85.0\n' "$version" | sort -V | head -n1)" != "1.85.0" ]; then
    echo "setup: Rust $version is too old; Tally needs 1.85 or newer (rustup update stable)" >&2
    exit 1
  fi
}

# One build cache outside the checkout, shared by runs, tests and CI.
tally_target_dir() {
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tally-target}"
  mkdir -p "$CARGO_TARGET_DIR"
}

# The ONNX Runtime version whose shared library the engine loads (ort api-31 needs >= 1.31).
ONNXRUNTIME_VERSION=1.31.1

# Puts libonnxruntime.so from the PyPI onnxruntime wheel into
# $XDG_CACHE_HOME/tally/onnxruntime/ (where the engine looks) and exports ORT_DYLIB_PATH.
ensure_onnxruntime() {
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/tally/onnxruntime"
  local lib="$dir/libonnxruntime.so.$ONNXRUNTIME_VERSION"
  if [ ! -f "$lib" ]; then
    command -v python3 >/dev/null 2>&1 || ensure_apt_packages python3
    python3 -m pip --version >/dev/null 2>&1 || ensure_apt_packages python3-pip
    local tmp
    tmp=$(mktemp -d)
    echo "setup: fetching the onnxruntime $ONNXRUNTIME_VERSION wheel from PyPI" >&2
    python3 -m pip download --quiet --no-deps --only-binary=:all: "onnxruntime==$ONNXRUNTIME_VERSION" -d "$tmp"
    mkdir -p "$dir"
    python3 - "$tmp" "$dir" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith("onnxruntime/capi/") and base.startswith("libonnxruntime.so"):
            with z.open(name) as src, open(os.path.join(dest, base + ".part"), "wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(os.path.join(dest, base + ".part"), os.path.join(dest, base))
PY
    rm -rf "$tmp"
  fi
  [ -f "$lib" ] || { echo "setup: $lib is missing after extracting the wheel" >&2; exit 1; }
  export ORT_DYLIB_PATH="$lib"
}

# A Python virtualenv at $1 with the pinned requirements file $2 installed (re-installed
# only when the file changes).
ensure_python_venv() {
  local venv="$1" requirements="$2"
  if ! python3 -m venv --help >/dev/null 2>&1; then
    ensure_apt_packages python3-venv
  fi
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  local stamp="$venv/.requirements.sha256"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
  fi
}

# Everything both the run and the test command need before they build.
tally_setup() {
  # libdbus-1-dev: the keyring's Secret Service backend links libdbus. The rest: the
  # desktop shell (src-tauri, a workspace member) builds against WebKitGTK.
  ensure_apt_packages build-essential pkg-config libdbus-1-dev file \
    libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  ensure_rust
  ensure_onnxruntime
  tally_target_dir
  ensure_ui_built
}

# Node 20.19+ (Vite 7), then ui/node_modules from the lockfile (only when it changed),
# then ui/dist, which the desktop shell embeds at compile time.
ensure_ui_built() {
  if ! command -v node >/dev/null 2>&1; then
    ensure_apt_packages nodejs npm
  fi
  local node_version
  node_version=$(node --version | tr -d v)
  if [ "$(printf '%s\n20.19.0\n' "$node_version" | sort -V | head -n1)" != "20.19.0" ]; then
    echo "setup: Node $node_version is too old; the UI build needs Node 20.19 or newer" >&2
    return 1
  fi
  local stamp=ui/node_modules/.tally-lock-sha256 want
  want=$(sha256sum ui/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # --ignore-scripts: nothing here needs an install script (esbuild and the Tauri CLI
    # ship their binaries as optional packages).
    (cd ui && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
  (cd ui && npm run --silent build >/dev/null)
}

# The end-to-end tests' WebDriver stack: WebKitWebDriver, tauri-driver, Xvfb, fonts.
ensure_e2e_packages() {
  ensure_apt_packages webkit2gtk-driver xvfb xauth fonts-dejavu-core dbus dbus-x11 imagemagick
  if [ ! -x "$HOME/.cargo/bin/tauri-driver" ] || ! "$HOME/.cargo/bin/tauri-driver" --help >/dev/null 2>&1; then
    # A separate target dir: installing must not invalidate the project's build cache.
    CARGO_TARGET_DIR="$HOME/.cache/tally-tools-target" cargo install tauri-driver --locked --version 2.1.0
  fi
}

# What the keyring tests need: a D-Bus session bus with GNOME Keyring's Secret Service
# (run under dbus-run-session by the test itself) and the keyutils tools.
ensure_keyring_test_packages() {
  ensure_apt_packages dbus dbus-x11 gnome-keyring keyutils
}

# What the live-collector tests need: a real X server without a display (Xvfb), xterm
# windows to focus, xdotool to move the focus, and the X utilities. The tests fail,
# never skip, when these are missing.
ensure_collector_test_packages() {
  ensure_apt_packages xvfb xterm xdotool x11-utils
}

# What the PostgreSQL sink's tests need: the server binaries (tests/common/postgres.rs
# starts a throwaway cluster on loopback), pgcrypto (contrib) and openssl for the TLS
# certificate. The tests fail, never skip, under CI when these are missing.
ensure_postgres_test_packages() {
  ensure_apt_packages postgresql postgresql-contrib openssl
}

# cargo-fuzz (libFuzzer). It passes nightly-only flags (-Zsanitizer=address, …) to rustc;
# scripts/fuzz.sh sets RUSTC_BOOTSTRAP=1 so the stable toolchain accepts them.
ensure_cargo_fuzz() {
  command -v cargo-fuzz >/dev/null 2>&1 && return 0
  echo "setup: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked --version 0.13.2
}
