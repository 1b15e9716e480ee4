#!/usr/bin/env bash
# Training speed of latentlab (burn flex on the CPU) against PyTorch on the same CPU,
# side by side in one run: same architectures, losses, batch sizes and random images,
# 2 threads each, alternating model by model. A benchmark, not a test.
#
#   bench/vs-pytorch/run.sh                 # every model
#   bench/vs-pytorch/run.sh celeba-vae      # some models
#   ROUNDS=3 bench/vs-pytorch/run.sh        # median of 3 alternating rounds
#   bench/vs-pytorch/run.sh --baseline OLD  # also an earlier latentlab binary, same run
#
# The virtual environment (PyTorch from PyPI, about 3 GB with its CUDA wheels) lives
# under ~/.cache/latentlab/bench-venv and is made on the first run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/env.sh"
cd "$ROOT"
HERE="$ROOT/bench/vs-pytorch"
VENV="${LATENTLAB_BENCH_VENV:-$HOME/.cache/latentlab/bench-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  printf '== making %s (PyTorch from PyPI)\n' "$VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
fi
# The release build, as a user trains (the first one takes about 10 minutes on 2
# cores). The dev profile the tests share ran at half its speed until it built gemm
# without debug assertions and overflow checks (Cargo.toml); now they match.
printf '== cargo build --release --bin latentlab\n' >&2
cargo build --release --bin latentlab
exec "$VENV/bin/python" "$HERE/compare.py" \
  --latentlab "$CARGO_TARGET_DIR/release/latentlab" "$@"
