#!/usr/bin/env bash
# GPU correctness checks and benchmarks of moec's Hopper kernels.
#
#   scripts/gpu-check.sh prepare [DIR]   on a build machine (needs the
#       compiler build in build/): emits the kernels of the check and the
#       benchmark into DIR (default build/gpu-check) and copies moec-bench
#       and the example consumers (runtime-only, Abseil static, libcuda
#       loaded at run time) beside them. Carry DIR to the GPU machine.
#   scripts/gpu-check.sh [run] [DIR]     on a GPU machine (H100/H200; needs
#       no LLVM, FlatBuffers or Abseil): runs the example consumers and
#       `moec-bench check` on fresh random inputs with poisoned outputs
#       (FP8 within 2e-2, bf16 within 5e-3 relative L2 of a float64
#       reference) and the MoE layer example against its float64 reference,
#       then bench/torch_baseline.py (cuBLAS, copy bandwidth and the MoE
#       layer baselines of anchors.md, same run), `moec-bench gemm` and
#       `moec-bench moe`, and prints the tables last; the grouped checks
#       also run under the Hopper emulator (same seed, same operands) and
#       the two are printed side by side (emulator-vs-gpu.log). Results
#       go to $OUT (when set) or DIR/results. Exits non-zero on any failed
#       check. Takes a few minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-run}"
DIR="${2:-$ROOT/build/gpu-check}"

# (name N K) of the benchmark: 8192^3 and the Llama 4 projections at
# hidden 5120 (QKV, O, expert gate|up, expert down, lm_head).
SHAPES=(
  "square8192 8192 8192"
  "qkv 7168 5120"
  "o_proj 5120 5120"
  "gate_up 16384 5120"
  "down 5120 8192"
  "lm_head 202048 5120"
)

emit() { # precision m n k
  "$ROOT/build/bin/moec" emit-kernel gemm --precision="$1" --m="$2" \
    --n="$3" --k="$4" -o "$DIR/kernels" >/dev/null
}

emit_grouped() { # dir precision experts n k [tokens: the decode tiling]
  "$ROOT/build/bin/moec" emit-kernel grouped-gemm --precision="$2" \
    --experts="$3" --n="$4" --k="$5" ${6:+--tokens=$6} -o "$DIR/$1" >/dev/null
}

prepare() {
  local moec="$ROOT/build/bin/moec"
  [[ -x "$moec" ]] || { echo "gpu-check: build the compiler first (scripts/build.sh): $moec is missing" >&2; exit 1; }
  command -v ptxas >/dev/null || [[ -x /usr/local/cuda/bin/ptxas ]] ||
    echo "gpu-check: no ptxas: kernels carry PTX for the driver to JIT-compile" >&2
  cmake --build "$ROOT/build" --target moec-bench moec-example-gemm-bf16 \
    moec-example-gemm-fp8-rowwise moec-example-gemm-fp8-block \
    moec-example-moe-layer moec-example-moe-layer-bf16
  rm -rf "$DIR" && mkdir -p "$DIR/kernels" "$DIR/grouped-check" "$DIR/layers" "$DIR/bin"
  local shape name n k
  for shape in "${SHAPES[@]}"; do
    read -r name n k <<<"$shape"
    for m in '?' 1 64; do emit fp8-block "$m" "$n" "$k"; done
  done
  emit fp8-rowwise '?' 8192 8192
  emit fp8-rowwise 1 7168 5120
  emit bf16 '?' 8192 8192
  emit bf16 '?' 16384 5120
  emit bf16 1 7168 5120
  # Grouped (MoE) GEMMs: small weights for the routing-extreme checks
  # (Scout's 16 and Maverick's 128 experts), Scout's expert shapes
  # (gate|up 5120 -> 16384, down 8192 -> 5120) for the benchmark.
  # --tokens=64 / 512: the decode (swap-AB) tiling, 16-token tiles.
  for precision in fp8-block fp8-rowwise bf16; do
    emit_grouped grouped-check "$precision" 16 384 512
    emit_grouped grouped-check "$precision" 128 200 336
    emit_grouped grouped-check "$precision" 16 384 512 64
    emit_grouped grouped-check "$precision" 128 200 336 512
  done
  for precision in fp8-block fp8-rowwise; do
    emit_grouped kernels "$precision" 16 16384 5120
    emit_grouped kernels "$precision" 16 5120 8192
    emit_grouped kernels "$precision" 16 16384 5120 64
    emit_grouped kernels "$precision" 16 5120 8192 64
  done
  # The MoE layer at Llama 4's hidden 5120 and expert width 8192: Scout's
  # 16 and Maverick's 128 experts.
  for experts in 16 128; do
    "$moec" emit-kernel moe-layer --experts=$experts --hidden=5120 \
      --inter=8192 --precision=fp8-rowwise -o "$DIR/layers" >/dev/null
  done
  # Scout's layer in bf16 too (Maverick's bf16 experts would take 32 GB and
  # minutes to fill).
  "$moec" emit-kernel moe-layer --experts=16 --hidden=5120 --inter=8192 \
    --precision=bf16 -o "$DIR/layers" >/dev/null
  cp "$ROOT/build/bin/moec-bench" "$ROOT"/build/bin/moec-example-* "$DIR/bin/"
  # The Hopper emulator's libcuda, where moec-bench --device emulator looks
  # for it (<bin>/../lib/emulator): the run compares it with the GPU.
  mkdir -p "$DIR/lib/emulator"
  cp "$ROOT/build/lib/emulator/libcuda.so.1" "$DIR/lib/emulator/"
  cp "$ROOT/bench/torch_baseline.py" "$DIR/"
  echo "gpu-check: prepared $(ls "$DIR"/kernels/*.json "$DIR"/grouped-check/*.json | wc -l) kernels in $DIR"
}

# Joins two `moec-bench check` logs on (kernel, case) and prints both
# relative errors; fails when one passes and the other does not, or when a
# case is missing from the GPU log, or when the emulator ran nothing.
compare_with_emulator() { # gpu.log emulator.log
  awk '
    $1 == "check" { key = $2 " " $3 " " $4; err[FILENAME, key] = $(NF-2); ok[FILENAME, key] = $NF; keys[key] = 1 }
    END {
      printf "%-64s %-22s %-22s %s\n", "check", "gpu", "emulator", "agree"
      bad = 0
      for (k in keys) {
        g = ok[ARGV[1], k]; e = ok[ARGV[2], k]
        if (e == "") continue
        compared++
        agree = (g == e) ? "yes" : "NO"
        if (g == "") g = "(missing)"
        if (g != e) bad++
        printf "%-64s %-22s %-22s %s\n", k, err[ARGV[1], k] " " g, err[ARGV[2], k] " " e, agree
      }
      if (compared == 0) { print "emulator vs GPU: the emulator ran no check"; exit 1 }
      printf "emulator vs GPU: %d checks compared, %d disagreements\n", compared, bad
      exit bad > 0
    }' "$1" "$2"
}

run() {
  [[ -x "$DIR/bin/moec-bench" ]] || {
    echo "gpu-check: $DIR/bin/moec-bench is missing: run 'scripts/gpu-check.sh prepare' on a build machine and carry $DIR" >&2
    exit 1
  }
  local results="${OUT:-$DIR/results}"
  mkdir -p "$results"
  local failures=0 seed=$(( $(date +%s) % 100000 ))
  nvidia-smi -L || { echo "gpu-check: no NVIDIA GPU here (nvidia-smi -L failed); run it on a GPU machine" >&2; exit 1; }
  echo "== example consumers (seed base $seed)"
  for example in "$DIR"/bin/moec-example-gemm-*; do
    for m in 1 127 300 1000 4097; do
      "$example" "$m" $((seed + m)) || echo "FAIL: $example M=$m"
    done
  done 2>&1 | tee "$results/examples.log"
  if grep -q "^FAIL" "$results/examples.log" ||
     ! grep -q "relative L2" "$results/examples.log"; then
    failures=$((failures + 1))
  fi
  echo "== MoE layer (16 experts, hidden 512, width 1024) vs float64"
  # T <= 32: decode GEMMs for the shared expert; T <= 128 (8 per expert):
  # decode GEMMs for the routed experts; the rest prefill.
  for m in 1 20 64 128 129 300 1000; do
    for layer in moe-layer moe-layer-bf16; do
      for variant in "uniform residual" "skewed none"; do
        read -r routing residual <<<"$variant"
        "$DIR/bin/moec-example-$layer" "$m" $((seed + m)) "$routing" 0 \
          "$residual" || echo "FAIL: $layer T=$m $routing $residual"
      done
    done
  done 2>&1 | tee "$results/moe-check.log"
  if grep -q "^FAIL" "$results/moe-check.log" ||
     ! grep -q "relative L2" "$results/moe-check.log"; then
    failures=$((failures + 1))
  fi
  echo "== moec-bench check"
  local kernels=("$DIR"/kernels/moec_gemm_*.json)
  "$DIR/bin/moec-bench" check "${kernels[@]}" --m=1,300,4097 --seed="$seed" \
    2>&1 | tee "$results/check.log" || failures=$((failures + 1))
  # Grouped: T tokens under uniform, all-to-first, all-to-last and
  # every-other-expert-empty routing.
  "$DIR/bin/moec-bench" check "$DIR"/grouped-check/*.json --m=1,300,2049 \
    --seed="$seed" 2>&1 | tee "$results/check-grouped.log" ||
    failures=$((failures + 1))
  echo "== emulator vs GPU (grouped checks, same seed and operands)"
  # The emulator runs the same kernels on the same operands (the seed fixes
  # them); both errors are against the float64 reference, so where the GPU
  # and the emulator agree the two columns are close (FP8 accumulates in
  # full fp32 in the emulator, in fewer bits on the tensor cores), and a
  # check that passes on one and fails on the other is a disagreement.
  "$DIR/bin/moec-bench" check "$DIR"/grouped-check/*.json --m=1,300 \
    --seed="$seed" --device emulator >"$results/check-emulator.log" 2>&1 || true
  compare_with_emulator "$results/check-grouped.log" \
    "$results/check-emulator.log" | tee "$results/emulator-vs-gpu.log" ||
    failures=$((failures + 1))
  echo "== baselines (PyTorch, same run)"
  local baseline=()
  if python3 "$DIR/torch_baseline.py" gemm --out "$results/baseline.json" \
      --rows 1,64,512,4096,8192,16384 2>&1 | tee "$results/baseline.log"; then
    baseline=(--baseline="$results/baseline.json")
  else
    echo "gpu-check: torch_baseline.py failed: no roofline or cuBLAS ratios" >&2
  fi
  echo "== moec-bench gemm"
  local dynamic=() static=() grouped=() decode=()
  for kernel in "$DIR"/kernels/moec_grouped_gemm_*.json; do
    # Decode (swap-AB) grouped kernels are tuned for few tokens per expert.
    if [[ $kernel == *_swap_ab_* ]]; then decode+=("$kernel"); else grouped+=("$kernel"); fi
  done
  for kernel in "${kernels[@]}"; do
    if grep -q '"m": null' "$kernel"; then dynamic+=("$kernel"); else static+=("$kernel"); fi
  done
  timeout 240 "$DIR/bin/moec-bench" gemm "${dynamic[@]}" --m=512,4096,16384 \
    --reps=20 "${baseline[@]}" --markdown="$results/gemm-dynamic.md" \
    >"$results/gemm-dynamic.log" 2>&1 || failures=$((failures + 1))
  # 8192^3 for the cuBLAS comparison of the issue's goal.
  timeout 60 "$DIR/bin/moec-bench" gemm "$DIR"/kernels/moec_gemm_*_mdyn_n8192_k8192.json \
    --m=8192 --reps=20 "${baseline[@]}" --markdown="$results/gemm-8192.md" \
    >"$results/gemm-8192.log" 2>&1 || failures=$((failures + 1))
  timeout 120 "$DIR/bin/moec-bench" gemm "${static[@]}" --reps=20 "${baseline[@]}" \
    --markdown="$results/gemm-static.md" \
    >"$results/gemm-static.log" 2>&1 || failures=$((failures + 1))
  timeout 150 "$DIR/bin/moec-bench" gemm "${grouped[@]}" \
    --m=1,64,512,4096,16384 --reps=20 "${baseline[@]}" \
    --markdown="$results/gemm-grouped.md" \
    >"$results/gemm-grouped.log" 2>&1 || failures=$((failures + 1))
  timeout 60 "$DIR/bin/moec-bench" gemm "${decode[@]}" --m=1,64,512 \
    --reps=20 "${baseline[@]}" --markdown="$results/gemm-grouped-decode.md" \
    >"$results/gemm-grouped-decode.log" 2>&1 || failures=$((failures + 1))
  echo "== MoE layer benchmark (hidden 5120, width 8192; Scout, Maverick)"
  local moe_baseline=()
  if python3 "$DIR/torch_baseline.py" moe --out "$results/moe-baseline.json" \
      2>&1 | tail -12; then
    moe_baseline=(--moe-baseline="$results/moe-baseline.json")
  else
    echo "gpu-check: torch_baseline.py moe failed: no PyTorch ratios" >&2
  fi
  timeout 300 "$DIR/bin/moec-bench" moe "$DIR"/layers/*.json \
    --m=1,64,512,4096,16384 --reps=20 "${baseline[@]}" "${moe_baseline[@]}" \
    --markdown="$results/moe.md" >"$results/moe.log" 2>&1 ||
    failures=$((failures + 1))
  echo "== results ($results)"
  cat "$results/gemm-8192.log" "$results/gemm-static.log" \
    "$results/gemm-dynamic.log" "$results/gemm-grouped.log" \
    "$results/gemm-grouped-decode.log" "$results/moe.log"
  if ((failures)); then
    echo "gpu-check: FAILED ($failures failing steps; logs in $results)"
    exit 1
  fi
  echo "gpu-check: all checks passed"
}

case "$MODE" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare|run [DIR]" >&2; exit 2 ;;
esac
