#!/usr/bin/env bash
# The main job: builds moec-opt and runs it on a hand-written, full-size
# Llama 4 Scout decoder layer (attention + MoE), printing the verified IR.
# Installs missing dependencies first.
#   MOEC_BUILD_DIR   build directory (default: build/ in the repository)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MOEC_BUILD_DIR:-$root/build}

bash "$root/scripts/install-deps.sh"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$(nproc)" --target moec-opt

"$build/bin/moec-opt" "$root/test/models/scout-decoder-layer.mlir" \
  --moec-verify-stage-legality=stage=graph
