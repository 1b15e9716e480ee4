#!/usr/bin/env bash
# Builds the page and serves it with the shipped weights at http://127.0.0.1:8080/,
# gzip-compressed as a visitor should get it (scripts/serve.mjs; `trunk serve
# --release` rebuilds on every change but sends the 24 MB wasm uncompressed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
"$ROOT/scripts/projections.sh"
trunk build --release
exec node "$ROOT/scripts/serve.mjs" "$ROOT/dist" 8080
