#!/usr/bin/env bash
# A long libFuzzer campaign over the runtime's file readers (the artifact and
# safetensors fuzz targets of test/runtime/fuzz), beyond CI's bounded run.
#
#   scripts/fuzz-campaign.sh [RUNS]     (default: 1000000 inputs per target)
#
# Builds the instrumented runtime (clang, ASan + UBSan, runtime only) in
# $MOEC_BUILD_DIR/fuzz (default build/fuzz), starts each target from its
# corpus in the repository (test/runtime/fuzz/corpus/<target>) and the
# generated seeds, runs RUNS inputs, then minimizes the corpus (libFuzzer
# -merge=1) back into the repository, so the next campaign and CI's bounded
# run start where this one ended. A crash stops the script with the input
# libFuzzer saved. Prints one summary line per target for docs/fuzzing.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MOEC_BUILD_DIR:-$root/build}/fuzz
runs=${1:-1000000}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }

cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DMOEC_BUILD_COMPILER=OFF -DMOEC_ENABLE_FUZZERS=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$build" --target MoecArtifactFuzzer MoecSafetensorsFuzzer \
  MoecArtifactFuzzReplay MoecSafetensorsFuzzReplay > /dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in Artifact Safetensors; do
  lower=$(echo "$target" | tr '[:upper:]' '[:lower:]')
  corpus=$root/test/runtime/fuzz/corpus/$lower
  mkdir -p "$corpus" "$work/$lower/new" "$work/$lower/min" "$work/$lower/seeds"
  "$build/bin/Moec${target}FuzzReplay" --write-seeds "$work/$lower/seeds"
  start=$(date +%s)
  # Crash inputs go to the current folder, which the message names.
  (cd "$work/$lower" && "$build/bin/Moec${target}Fuzzer" -runs="$runs" \
      -max_len=65536 -print_final_stats=1 \
      new "$corpus" seeds > log 2>&1) || {
    echo "fuzz-campaign: $target failed; see $work/$lower/log and the" \
         "crash-* input beside it" >&2
    trap - EXIT
    exit 1
  }
  seconds=$(( $(date +%s) - start ))
  (cd "$work/$lower" && "$build/bin/Moec${target}Fuzzer" -merge=1 min \
      "$corpus" new seeds > merge.log 2>&1)
  rm -rf "$corpus" && cp -r "$work/$lower/min" "$corpus"
  stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$lower/log" | tail -1)
  speed=$(grep -E 'stat::average_exec_per_sec' "$work/$lower/log" |
    awk '{print $2}')
  echo "$target: $runs inputs in ${seconds} s (${speed} exec/s), no crash;" \
       "final: ${stats#*DONE }; corpus kept: $(ls "$corpus" | wc -l) files," \
       "$(du -sk "$corpus" | cut -f1) KiB"
done
