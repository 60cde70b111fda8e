#!/usr/bin/env bash
# Builds moec and runs every test: the lit suite and the unit tests, both
# through ctest, then a bounded libFuzzer run (20000 inputs or 20 s per
# target) over the runtime's artifact and safetensors readers, built with
# clang into $MOEC_BUILD_DIR/fuzz. Installs missing dependencies first.
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

# libFuzzer needs clang; the runtime alone is built again, instrumented.
fuzz="$build/fuzz"
cmake -G Ninja -S "$root" -B "$fuzz" -DCMAKE_BUILD_TYPE=Release \
  -DMOEC_BUILD_COMPILER=OFF -DMOEC_ENABLE_FUZZERS=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$fuzz" -j "$(nproc)" --target MoecArtifactFuzzer \
  MoecSafetensorsFuzzer MoecArtifactFuzzReplay MoecSafetensorsFuzzReplay
cd "$fuzz"
ctest -R '^fuzz\.' --output-on-failure
