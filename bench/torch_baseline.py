#!/usr/bin/env python3
"""PyTorch baselines measured in the same run as moec's kernels.

`moe` times the Llama 4 MoE layer of shared/reference/anchors.md (hidden
5120, expert width 8192, top-1 + shared expert, router-scored inputs) at
Scout's 16 and Maverick's 128 experts: the eager per-expert loop,
torch._grouped_mm (bf16) and torch._scaled_grouped_mm (FP8 row-wise), for
the ratios of the moe-layer benchmark.

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


# The MoE layer of anchors.md: hidden 5120, expert width 8192, top-1 routing
# plus a shared expert.
MOE_SHAPES = [("scout", 16), ("maverick", 128)]
MOE_TOKENS = [1, 64, 512, 4096, 16384]
MOE_HIDDEN, MOE_INTER = 5120, 8192


def quantize_rows(torch, x):
    """Per-row e4m3 quantization: (codes, float32 scales of shape [rows]).
    3D weights go one expert at a time to bound the float32 temporaries."""
    if x.dim() == 3:
        codes = torch.empty(x.shape, device=x.device,
                            dtype=torch.float8_e4m3fn)
        scales = torch.empty(x.shape[:2], device=x.device,
                             dtype=torch.float32)
        for e in range(x.shape[0]):
            codes[e], scales[e] = quantize_rows(torch, x[e])
        return codes, scales
    scale = x.float().abs().amax(dim=-1).clamp(min=1e-12) / 448.0
    codes = (x.float() / scale.unsqueeze(-1)).clamp(-448, 448)
    return codes.to(torch.float8_e4m3fn), scale


def moe_layer_inputs(torch, experts, tokens, seed):
    """Weights N(0, 0.02^2) in bf16 (anchors.md), activations N(0, 1)."""
    gen = torch.Generator(device="cuda").manual_seed(seed)
    def randn(*shape, std=0.02):
        # One slice of dim 0 at a time: Maverick's float32 temporaries
        # would not fit next to its bf16 weights.
        out = torch.empty(*shape, device="cuda", dtype=torch.bfloat16)
        for part in out.view(shape[0], -1):
            part.copy_(torch.randn(part.shape, device="cuda",
                                   generator=gen) * std)
        return out
    h, i = MOE_HIDDEN, MOE_INTER
    return {"x": randn(tokens, h, std=1.0), "router": randn(experts, h),
            "w13": randn(experts, 2 * i, h), "w2": randn(experts, h, i),
            "s13": randn(2 * i, h), "s2": randn(h, i)}


def route(torch, w):
    logits = w["x"] @ w["router"].t()
    top, expert = logits.max(dim=-1)
    return expert, torch.sigmoid(top.float()).to(torch.bfloat16)


def shared_expert(torch, w):
    hs = w["x"] @ w["s13"].t()
    i = MOE_INTER
    return (torch.nn.functional.silu(hs[:, :i]) * hs[:, i:]) @ w["s2"].t()


def eager_loop(torch, w):
    expert, score = route(torch, w)
    x = w["x"] * score.unsqueeze(-1)
    out = shared_expert(torch, w)
    i = MOE_INTER
    for e in range(w["w13"].shape[0]):
        rows = (expert == e).nonzero().squeeze(-1)
        if rows.numel() == 0:
            continue
        h = x[rows] @ w["w13"][e].t()
        out.index_add_(0, rows, (torch.nn.functional.silu(h[:, :i]) * h[:, i:])
                       @ w["w2"][e].t())
    return out


def sorted_by_expert(torch, w):
    expert, score = route(torch, w)
    order = torch.argsort(expert)
    counts = torch.bincount(expert, minlength=w["w13"].shape[0])
    offs = torch.cumsum(counts, 0).to(torch.int32)
    x = (w["x"] * score.unsqueeze(-1))[order]
    return order, offs, x


def grouped_bf16(torch, w):
    order, offs, x = sorted_by_expert(torch, w)
    i = MOE_INTER
    h = torch._grouped_mm(x, w["w13"].transpose(1, 2), offs=offs)
    y = torch._grouped_mm(torch.nn.functional.silu(h[:, :i]) * h[:, i:],
                          w["w2"].transpose(1, 2), offs=offs)
    out = shared_expert(torch, w)
    out[order] += y
    return out


def grouped_fp8(torch, w, q):
    order, offs, x = sorted_by_expert(torch, w)
    i = MOE_INTER
    xq, xs = quantize_rows(torch, x)
    h = torch._scaled_grouped_mm(xq, q["w13"].transpose(1, 2), xs, q["w13s"],
                                 offs=offs, out_dtype=torch.bfloat16)
    hq, hs = quantize_rows(torch, torch.nn.functional.silu(h[:, :i]) * h[:, i:])
    y = torch._scaled_grouped_mm(hq, q["w2"].transpose(1, 2), hs, q["w2s"],
                                 offs=offs, out_dtype=torch.bfloat16)
    out = shared_expert(torch, w)
    out[order] += y
    return out


def run_moe(args):
    import torch
    if not torch.cuda.is_available():
        sys.exit("torch_baseline.py: no CUDA device")
    report = {"device": torch.cuda.get_device_name(0),
              "torch": torch.__version__, "copy_gbps": copy_gbps(torch),
              "moe": []}
    tokens = [int(t) for t in args.tokens.split(",")]
    for name, experts in MOE_SHAPES:
        w = moe_layer_inputs(torch, experts, max(tokens), args.seed)
        q = {}
        q["w13"], q["w13s"] = quantize_rows(torch, w["w13"])
        q["w2"], q["w2s"] = quantize_rows(torch, w["w2"])
        full_x = w["x"]
        for t in tokens:
            w["x"] = full_x[:t].contiguous()
            case = {"shape": name, "experts": experts, "tokens": t}
            for label, fn in [("eager_bf16", lambda: eager_loop(torch, w)),
                              ("grouped_mm_bf16", lambda: grouped_bf16(torch, w)),
                              ("scaled_grouped_mm_fp8",
                               lambda: grouped_fp8(torch, w, q))]:
                try:
                    case[label + "_ms"] = bench_ms(fn)
                except Exception as error:  # record, keep measuring the rest
                    case[label + "_error"] = str(error).splitlines()[0][:200]
            report["moe"].append(case)
            print(json.dumps(case))
        del w, q
        torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gemm = sub.add_parser("gemm", help="cuBLAS bf16/FP8 GEMMs and copy bandwidth")
    gemm.add_argument("--out", required=True, help="JSON file to write")
    gemm.add_argument("--rows", default=",".join(map(str, GEMM_ROWS)))
    gemm.add_argument("--seed", type=int, default=0)
    gemm.add_argument("--skip-bf16-above", type=int, default=2 ** 31,
                      help="skip bf16 when M*N exceeds this")
    moe = sub.add_parser("moe", help="the MoE layer baselines of anchors.md")
    moe.add_argument("--out", required=True, help="JSON file to write")
    moe.add_argument("--tokens", default=",".join(map(str, MOE_TOKENS)))
    moe.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.command == "gemm":
        run_gemm(args)
    elif args.command == "moe":
        run_moe(args)


if __name__ == "__main__":
    main()
