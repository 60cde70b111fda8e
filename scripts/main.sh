#!/usr/bin/env bash
# The main job on the embedded default target: compiles a tiny Llama 4
# checkpoint (test/data/goldens/scout_like: 4 layers, 4 experts, chunked
# attention, NoPE layer with temperature tuning) for the CPU, then runs it
# with moec-run: prefill of a 24-token prompt and 16 tokens of KV-cache
# decode, printing the generated ids and prefill/decode tokens/s.
# Installs missing dependencies first.
#   MOEC_BUILD_DIR   build directory (default: build/ in the repository)
#   MOEC_PRECISION   f32 (default), bf16, fp8-rowwise or fp8-block
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MOEC_BUILD_DIR:-$root/build}
precision=${MOEC_PRECISION:-f32}

bash "$root/scripts/install-deps.sh"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$(nproc)" --target moec moec-run

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
checkpoint="$root/test/data/goldens/scout_like"
echo "moec compile $checkpoint --target=cpu --precision=$precision"
time "$build/bin/moec" compile "$checkpoint" --target=cpu \
  --precision="$precision" --progress -o "$out/scout_like.moec"
# The first 24 ids of the golden greedy run (greedy_ids.npy).
prompt=95,94,11,33,9,88,86,90,10,86,70,122,127,98,57,38,64,94,116,45,3,121,40,126
echo "moec-run --prompt-ids $prompt --max-new-tokens 16"
"$build/bin/moec-run" "$out/scout_like.moec" --prompt-ids "$prompt" \
  --max-new-tokens 16
echo "(transformers' greedy continuation: 95,25,119,39,119,25,37,31,78,16,16,16,73,32,73,73)"
