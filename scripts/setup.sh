#!/usr/bin/env bash
# Installs everything the demo and the tests need, from package registries only
# (Debian apt, crates.io, npm). Idempotent: each step is skipped when already done.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

step() { printf '\n== %s\n' "$*" >&2; }

# Chromium + ChromeDriver for the browser tests; Mesa's lavapipe so wgpu has a
# Vulkan adapter on machines without a GPU (correctness only: it is slow).
missing=()
for pkg in chromium mesa-vulkan-drivers; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! cargo fmt --version >/dev/null 2>&1; then
  step "rustup component add rustfmt"
  rustup component add rustfmt
fi
if ! cargo clippy --version >/dev/null 2>&1; then
  step "rustup component add clippy"
  rustup component add clippy
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Trunk 0.22 needs a newer rustc than this project's 1.95.
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  step "cargo install trunk $TRUNK_VERSION (about 9 minutes on 2 cores)"
  cargo install trunk --locked --version "$TRUNK_VERSION"
fi

# Must equal the wasm-bindgen in Cargo.lock. No --locked: a yanked dependency of the
# CLI's own lock file fails with it.
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm: playwright-core drives Debian's Chromium (never its own download), and
# binaryen provides a wasm-opt new enough for burn's wasm (Debian's 108 is not).
# npm writes node_modules/.package-lock.json on install: newer than the lock file
# means the installed packages are the locked ones.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! package-lock.json -ot node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -d "$LATENTLAB_DATA/fashion-mnist" ] && [ ! -d "$LATENTLAB_DATA/mnist" ]; then
  printf '\nNOTE: no datasets under %s; the CLI test will fail until you set LATENTLAB_DATA or run scripts/fetch-mnist.sh\n' "$LATENTLAB_DATA" >&2
fi
