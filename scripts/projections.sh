#!/usr/bin/env bash
# The projections the page's "Data distributions" activity shows
# (web/projections/<set>/: projections.json and the atlas of the points' images).
# They are made from the datasets in $LATENTLAB_DATA and never committed: the features
# and pictures derive from photos under their own licences. The test and demo scripts
# run this; it is deterministic (seed 0) and takes about a minute on 2 cores
# (EfficientNet-Lite0 on 350 photos, four t-SNE runs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo build --bin latentlab
latentlab="$CARGO_TARGET_DIR/debug/latentlab"

"$latentlab" project --data "$LATENTLAB_DATA/cars-dogs" \
  --cnn "$LATENTLAB_DATA/efficientnet-lite0/efficientnet_lite0_f16.safetensors" \
  --out web/projections/cars-dogs
"$latentlab" project --data "$LATENTLAB_DATA/mnist" --weights web/weights/mlp-ae --limit 1000 \
  --out web/projections/mnist
# The CLI's PNG plots stay in the run folders, not beside the page's files.
rm -f web/projections/*/*.png
