#!/usr/bin/env bash
# The page's face decoder against ONNX Runtime Web, side by side in one headless
# Chromium (a benchmark, not a test: the test suite never needs ORT or Python's onnx).
#
#   bench/page-vs-ort/run.sh                  # ORT 1 and 2 threads, the page on CPU and WebGPU
#   PAGE_BACKENDS=cpu bench/page-vs-ort/run.sh
#
# Needs the built page (trunk build --release) and the CLI (cargo build), as the
# browser tests do. Makes ~/.cache/latentlab/ort-venv (Python's onnx, to write the
# graph from the export) and installs onnxruntime-web here, both on the first run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/env.sh"
HERE="$ROOT/bench/page-vs-ort"
VENV="${LATENTLAB_ORT_VENV:-$HOME/.cache/latentlab/ort-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import onnx' 2>/dev/null; then
  printf '== making %s (onnx from PyPI)\n' "$VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
fi
if [ ! -d "$HERE/node_modules/onnxruntime-web" ]; then
  printf '== npm install (onnxruntime-web)\n' >&2
  npm install --prefix "$HERE" --no-audit --no-fund --silent
fi
"$VENV/bin/python" "$HERE/make_onnx.py" "$ROOT/web/weights/celeba-vae" "$HERE/decoder.onnx" >&2
export LATENTLAB_BIN="${LATENTLAB_BIN:-$CARGO_TARGET_DIR/debug/latentlab}"
exec node "$HERE/bench.mjs"
