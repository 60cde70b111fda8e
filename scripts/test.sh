#!/usr/bin/env bash
# Builds moec and runs every test: the lit suite and the unit tests, both
# through ctest. Installs missing dependencies first.
#   MOEC_BUILD_DIR   build directory (default: build/ in the repository)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MOEC_BUILD_DIR:-$root/build}

bash "$root/scripts/install-deps.sh"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"

cd "$build"
# The lit suite first, verbosely, so its summary is printed; then every other
# test (unit tests, tool checks) with ctest's summary last.
ctest -R '^lit$' --output-on-failure -V
ctest -E '^lit$' --output-on-failure -j "$(nproc)"
