#!/usr/bin/env bash
# Regenerates the dialect and pass reference docs from ODS into docs/.
#   MOEC_BUILD_DIR   build directory (default: build/ in the repository)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MOEC_BUILD_DIR:-$root/build}
cmake --build "$build" --target moec-doc
for doc in dialects/GraphDialect.md dialects/MoeDialect.md \
    dialects/TileDialect.md passes/MoecPasses.md codegen/MoecCpuPasses.md \
    codegen/MoecEmulationPasses.md; do
  mkdir -p "$root/docs/$(dirname "$doc")"
  cp "$build/docs/$doc" "$root/docs/$doc"
done
