#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml): the page's WebGPU build, into
# $TRUNK_STAGING_DIR/webgpu/. Trunk itself builds the CPU build (index.html's rust
# link, without the `webgpu` feature); this is the same crate with its default
# features, bound and optimised as Trunk does it (wasm-bindgen, then wasm-opt -O1 in
# release), and loaded only by visits that run on WebGPU (web/src/services/builds.rs).
set -euo pipefail
cd "$TRUNK_SOURCE_DIR"
profile=(); dir=debug
if [ "${TRUNK_PROFILE:-debug}" = release ]; then profile=(--release); dir=release; fi
cargo build "${profile[@]}" --target wasm32-unknown-unknown -p latentlab-web --bin latentlab-web
target="${CARGO_TARGET_DIR:-$TRUNK_SOURCE_DIR/target}"
out="$TRUNK_STAGING_DIR/webgpu"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name latentlab-web \
  "$target/wasm32-unknown-unknown/$dir/latentlab-web.wasm"
if [ "$dir" = release ]; then
  wasm-opt -O1 --output="$out/latentlab-web_bg.wasm" "$out/latentlab-web_bg.wasm"
fi
