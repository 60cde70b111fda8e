#!/usr/bin/env python3
"""PyTorch baselines measured in the same run as moec's kernels.

`gemm` times cuBLAS through PyTorch at the shapes of `moec-bench gemm`
(bf16 `torch.matmul`, FP8 e4m3 `torch._scaled_mm` with row-wise scales) and
the device copy bandwidth; the ceilings give moec-bench its roofline
fractions and the baselines its ratios. Timing: triton.testing.do_bench,
median, after warm-up, on random (never zero) inputs.

Writes JSON (one object: {"device", "copy_gbps", "gemm": [...]}) to --out
and prints a table.
"""

import argparse
import json
import sys

# The shapes of issue 6: (name, N, K), hidden 5120 (Llama 4 Scout/Maverick).
GEMM_SHAPES = [
    ("square8192", 8192, 8192),
    ("qkv", 7168, 5120),
    ("o_proj", 5120, 5120),
    ("gate_up", 16384, 5120),
    ("down", 5120, 8192),
    ("lm_head", 202048, 5120),
]
GEMM_ROWS = [1, 64, 512, 4096, 16384]


def bench_ms(fn):
    """Median milliseconds of fn() with triton's event-based timer."""
    import triton.testing
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def copy_gbps(torch):
    """Device copy bandwidth: bytes read plus bytes written per second."""
    src = torch.randn(256 * 1024 * 1024, device="cuda", dtype=torch.float32)
    dst = torch.empty_like(src)
    ms = bench_ms(lambda: dst.copy_(src))
    return 2 * src.numel() * 4 / (ms * 1e-3) / 1e9


def fp8_operands(torch, rows, k):
    x = torch.randn(rows, k, device="cuda", dtype=torch.float32)
    scale = x.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 448.0
    return (x / scale).to(torch.float8_e4m3fn), scale


def gemm_case(torch, name, n, k, m, skip_bf16_above):
    """Times one M x N x K product in bf16 and FP8; None where skipped."""
    flops = 2.0 * m * n * k
    result = {"shape": name, "m": m, "n": n, "k": k}
    # lm_head at M=16384 in bf16 needs ~13 GB of operands: skip huge ones.
    if m * n <= skip_bf16_above:
        a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
        ms = bench_ms(lambda: torch.matmul(a, b.t()))
        result["cublas_bf16_ms"] = ms
        result["cublas_bf16_tflops"] = flops / (ms * 1e-3) / 1e12
        del a, b
    a8, sa = fp8_operands(torch, m, k)
    b8, sb = fp8_operands(torch, n, k)
    sb = sb.t().contiguous()  # [1, N]: per output channel
    ms = bench_ms(lambda: torch._scaled_mm(a8, b8.t(), scale_a=sa,
                                           scale_b=sb,
                                           out_dtype=torch.bfloat16))
    result["cublas_fp8_rowwise_ms"] = ms
    result["cublas_fp8_rowwise_tflops"] = flops / (ms * 1e-3) / 1e12
    return result


def run_gemm(args):
    import torch
    if not torch.cuda.is_available():
        sys.exit("torch_baseline.py: no CUDA device")
    torch.manual_seed(args.seed)
    report = {"device": torch.cuda.get_device_name(0),
              "torch": torch.__version__,
              "copy_gbps": copy_gbps(torch), "gemm": []}
    rows = [int(r) for r in args.rows.split(",")]
    for name, n, k in GEMM_SHAPES:
        for m in rows:
            case = gemm_case(torch, name, n, k, m, args.skip_bf16_above)
            report["gemm"].append(case)
            torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"{report['device']}: copy {report['copy_gbps']:.0f} GB/s")
    print(f"{'shape':>10} {'M':>6} {'bf16 ms':>9} {'TF/s':>6} "
          f"{'fp8 ms':>9} {'TF/s':>6}")
    for c in report["gemm"]:
        bf16 = c.get("cublas_bf16_ms")
        print(f"{c['shape']:>10} {c['m']:>6} "
              f"{bf16 if bf16 is not None else float('nan'):9.4f} "
              f"{c.get('cublas_bf16_tflops', float('nan')):6.0f} "
              f"{c['cublas_fp8_rowwise_ms']:9.4f} "
              f"{c['cublas_fp8_rowwise_tflops']:6.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gemm = sub.add_parser("gemm", help="cuBLAS bf16/FP8 GEMMs and copy bandwidth")
    gemm.add_argument("--out", required=True, help="JSON file to write")
    gemm.add_argument("--rows", default=",".join(map(str, GEMM_ROWS)))
    gemm.add_argument("--seed", type=int, default=0)
    gemm.add_argument("--skip-bf16-above", type=int, default=2 ** 31,
                      help="skip bf16 when M*N exceeds this")
    args = parser.parse_args()
    if args.command == "gemm":
        run_gemm(args)


if __name__ == "__main__":
    main()
