# Sourced by the other scripts: where builds, tools and data live.
# The cargo target directory sits outside the clone so CI (a fresh clone on the
# same machine) reuses earlier builds; from cold everything still builds.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latentlab/target}"
export LATENTLAB_DATA="${LATENTLAB_DATA:-$ROOT/../shared/data}"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
# Pinned tool versions (Trunk.toml pins the same wasm-bindgen and wasm-opt).
TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
