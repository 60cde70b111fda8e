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
#       reference), then bench/torch_baseline.py (cuBLAS and copy ceilings,
#       same run) and `moec-bench gemm`, and prints the table last. Results
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

emit_grouped() { # dir precision experts n k
  "$ROOT/build/bin/moec" emit-kernel grouped-gemm --precision="$2" \
    --experts="$3" --n="$4" --k="$5" -o "$DIR/$1" >/dev/null
}

prepare() {
  local moec="$ROOT/build/bin/moec"
  [[ -x "$moec" ]] || { echo "gpu-check: build the compiler first (scripts/build.sh): $moec is missing" >&2; exit 1; }
  command -v ptxas >/dev/null || [[ -x /usr/local/cuda/bin/ptxas ]] ||
    echo "gpu-check: no ptxas: kernels carry PTX for the driver to JIT-compile" >&2
  cmake --build "$ROOT/build" --target moec-bench moec-example-gemm-bf16 \
    moec-example-gemm-fp8-rowwise moec-example-gemm-fp8-block \
    moec-example-moe-layer moec-example-moe-layer-e16 \
    moec-example-moe-layer-e128
  rm -rf "$DIR" && mkdir -p "$DIR/kernels" "$DIR/grouped-check" "$DIR/bin"
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
  for precision in fp8-block fp8-rowwise bf16; do
    emit_grouped grouped-check "$precision" 16 384 512
    emit_grouped grouped-check "$precision" 128 200 336
  done
  for precision in fp8-block fp8-rowwise; do
    emit_grouped kernels "$precision" 16 16384 5120
    emit_grouped kernels "$precision" 16 5120 8192
  done
  cp "$ROOT/build/bin/moec-bench" "$ROOT"/build/bin/moec-example-* "$DIR/bin/"
  cp "$ROOT/bench/torch_baseline.py" "$DIR/"
  echo "gpu-check: prepared $(ls "$DIR"/kernels/*.json "$DIR"/grouped-check/*.json | wc -l) kernels in $DIR"
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
  for m in 1 64 300 1000; do
    for routing in uniform skewed; do
      "$DIR/bin/moec-example-moe-layer" "$m" $((seed + m)) "$routing" ||
        echo "FAIL: moe-layer T=$m $routing"
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
  echo "== baselines (PyTorch, same run)"
  local baseline=()
  if python3 "$DIR/torch_baseline.py" gemm --out "$results/baseline.json" \
      --rows 1,64,512,4096,8192,16384 2>&1 | tee "$results/baseline.log"; then
    baseline=(--baseline="$results/baseline.json")
  else
    echo "gpu-check: torch_baseline.py failed: no roofline or cuBLAS ratios" >&2
  fi
  echo "== moec-bench gemm"
  local dynamic=() static=()
  local grouped=("$DIR"/kernels/moec_grouped_gemm_*.json)
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
  timeout 180 "$DIR/bin/moec-bench" gemm "${grouped[@]}" \
    --m=1,64,512,4096,16384 --reps=20 "${baseline[@]}" \
    --markdown="$results/gemm-grouped.md" \
    >"$results/gemm-grouped.log" 2>&1 || failures=$((failures + 1))
  echo "== MoE layer benchmark (hidden 5120, width 8192; Scout, Maverick)"
  for experts in 16 128; do
    for m in 1 64 512 4096 16384; do
      timeout 120 "$DIR/bin/moec-example-moe-layer-e$experts" "$m" \
        $((seed + m)) uniform 20 || echo "FAIL: moe-layer E=$experts T=$m"
    done
  done 2>&1 | tee "$results/moe-bench.log"
  grep -q "^FAIL" "$results/moe-bench.log" && failures=$((failures + 1))
  python3 "$DIR/torch_baseline.py" moe --out "$results/moe-baseline.json" \
    2>&1 | tail -12 || echo "gpu-check: torch_baseline.py moe failed" >&2
  python3 - "$results/moe-bench.log" "$results/moe-baseline.json" \
    "$results/baseline.json" >"$results/moe-table.log" 2>&1 <<'PY' || true
# One row per (experts, T): moec's median, the PyTorch baselines, the ratio
# to the best of them, and the FP8 roofline of the layer measured in the
# same run: max(touched expert weights (routed + shared, FP8) / copy
# bandwidth, FLOPs / cuBLAS FP8 8192^3 rate).
import json, os, re, sys
H, I = 5120, 8192
ours = {}
for line in open(sys.argv[1]):
    m = re.search(r"E=(\d+) H=\d+ I=\d+ T=(\d+): ([0-9.]+) ms", line)
    if m:
        ours[(int(m[1]), int(m[2]))] = float(m[3])
moe = json.load(open(sys.argv[2]))
base = {(c["experts"], c["tokens"]): c for c in moe["moe"]}
copy = moe.get("copy_gbps", 0.0) * 1e9
peak = 0.0
if os.path.exists(sys.argv[3]):
    for c in json.load(open(sys.argv[3]))["gemm"]:
        if (c["n"], c["k"], c["m"]) == (8192, 8192, 8192):
            peak = c.get("cublas_fp8_rowwise_tflops", 0.0) * 1e12
print("| experts | T | moec ms | eager | _grouped_mm bf16 | _scaled_grouped_mm fp8 | best torch / moec | FP8 floor ms | roofline |")
print("|---|---|---|---|---|---|---|---|---|")
for (e, t) in sorted(ours):
    c = base.get((e, t), {})
    times = [c.get(k) for k in ("eager_bf16_ms", "grouped_mm_bf16_ms", "scaled_grouped_mm_fp8_ms")]
    best = min([x for x in times if x] or [float("nan")])
    touched = e * (1 - (1 - 1 / e) ** t) + 1
    floor = max(touched * 3 * H * I / copy if copy else 0,
                2 * 2 * t * 3 * H * I / peak if peak else 0) * 1e3
    ms = ours[(e, t)]
    print("| %d | %d | %.3f | %s | %.2f | %.3f | %s |" % (
        e, t, ms, " | ".join("%.3f" % x if x else "-" for x in times),
        best / ms, floor, "%.0f%%" % (100 * floor / ms) if floor else "-"))
PY
  echo "== results ($results)"
  cat "$results/gemm-8192.log" "$results/gemm-static.log" \
    "$results/gemm-dynamic.log" "$results/gemm-grouped.log" \
    "$results/moe-table.log"
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
