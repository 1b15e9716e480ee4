#!/usr/bin/env bash
# The long fuzz run (see crates/train/src/fuzz.rs): every parser a user's file reaches,
# INPUTS mutated inputs each (default 1,000,000), seeded from the committed synthetic
# corpus and from real files cut from $LATENTLAB_DATA. Prints the README's table.
# About 10 minutes per million inputs per parser on one core of the 2-core machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
LATENTLAB_FUZZ_INPUTS="${1:-1000000}" \
  cargo test -p latentlab-train --lib fuzz_long -- --ignored --nocapture --test-threads 1
