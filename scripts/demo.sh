#!/usr/bin/env bash
# Serves the page with the shipped weights at http://127.0.0.1:8080/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
"$ROOT/scripts/projections.sh"
exec trunk serve --release
