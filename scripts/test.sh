#!/usr/bin/env bash
# Runs every test: the formatting and lint gates, Rust unit and integration tests (CPU and wgpu
# on lavapipe), then the browser end-to-end tests in headless Chromium against the
# Trunk-built page.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

printf '\n== cargo fmt --check\n' >&2
cargo fmt --all -- --check

printf '\n== cargo clippy (native, then the web crate on wasm32)\n' >&2
cargo clippy --workspace --exclude latentlab-web --all-targets -- -D warnings
cargo clippy -p latentlab-web --target wasm32-unknown-unknown -- -D warnings
# The page's CPU build (index.html builds it without `webgpu`, with `relaxed-simd`).
cargo clippy -p latentlab-web --target wasm32-unknown-unknown --no-default-features --features relaxed-simd -- -D warnings

printf '\n== cargo test\n' >&2
cargo test

printf '\n== pictures of the shipped projections, then trunk build --release\n' >&2
"$ROOT/scripts/projections.sh"
trunk build --release

printf '\n== browser tests (node --test)\n' >&2
export LATENTLAB_BIN="$CARGO_TARGET_DIR/debug/latentlab"
node --test --test-reporter=spec tests/e2e/*.test.mjs
