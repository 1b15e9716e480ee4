#!/usr/bin/env bash
# The shipped projections (web/projections/<set>/projections.json, committed) and the
# pictures of their points (thumbnails.jpg beside each, made from the datasets in
# $LATENTLAB_DATA and never committed: the photos' licences). The test and demo
# scripts run it plain, which only writes the pictures; `--full` remakes everything
# (EfficientNet-Lite0 on 350 photos and four t-SNE runs: about a minute on 2 cores).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo build --bin latentlab
latentlab="$CARGO_TARGET_DIR/debug/latentlab"
mode=(--thumbnails-only)
[[ "${1:-}" == "--full" ]] && mode=()

# Each set's command, once: what made its projections.json.
"$latentlab" project --data "$LATENTLAB_DATA/cars-dogs" \
  --cnn "$LATENTLAB_DATA/efficientnet-lite0/efficientnet_lite0_f16.safetensors" \
  --out web/projections/cars-dogs "${mode[@]}"
"$latentlab" project --data "$LATENTLAB_DATA/mnist" --weights web/weights/mlp-ae --limit 1000 \
  --out web/projections/mnist "${mode[@]}"
# The CLI's PNG plots stay in the run folders, not beside the page's files.
rm -f web/projections/*/*.png
