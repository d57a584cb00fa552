# Shared by scripts/*: paths and tool locations. Source it; it changes nothing on disk.
# shellcheck shell=bash
HUIFANG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HUIFANG_ROOT
# Tools that are not cargo binaries live outside the clone so a fresh clone (CI) reuses them.
export HUIFANG_TOOLS="${HUIFANG_TOOLS:-$HOME/.cache/huifang-tools}"
export PATH="$HUIFANG_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14"
# binaryen 132's wasm-opt; Debian's 108 builds pages that die at start (TOOLCHAIN.md).
BINARYEN_VERSION="132"
# Hostile-input testing (docs/hostile-input.md): libFuzzer targets (nightly) and API fuzzing.
CARGO_FUZZ_VERSION="0.13.2"
SCHEMATHESIS_VERSION="4.32.5"

say() { printf '\033[1m[huifang]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[huifang] error:\033[0m %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version Cargo.lock resolved: the CLI must equal it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$HUIFANG_ROOT/Cargo.lock"
}

# Trunk reads these instead of downloading anything (Trunk.toml has the same, offline = true).
trunk_env() {
  TRUNK_TOOLS_WASM_BINDGEN="$(wasm_bindgen_version)"
  TRUNK_TOOLS_WASM_OPT="version_${BINARYEN_VERSION}"
  TRUNK_OFFLINE=true
  TRUNK_SKIP_VERSION_CHECK=true
  export TRUNK_TOOLS_WASM_BINDGEN TRUNK_TOOLS_WASM_OPT TRUNK_OFFLINE TRUNK_SKIP_VERSION_CHECK
}

# Builds the app as a tablet downloads it into dist/ and prints what that costs.
build_app() {
  trunk_env
  say "building the app (release) into dist/"
  (cd "$HUIFANG_ROOT" && cargo fetch --locked >/dev/null && trunk build --release --offline --locked --skip-version-check) \
    || die "trunk build failed (see above)"
  "$HUIFANG_ROOT/scripts/bundle-size" "$HUIFANG_ROOT/dist"
}
