#!/usr/bin/python3
"""CPU model of moec's tiled Hopper (sm_90a) GEMM kernels, step by step, in NumPy.

Why: CI has no GPU, yet most GEMM kernel bugs are indexing bugs (tile order, persistent
tile loop, stage ring parity, wgmma fragment layout, per-K-block scale indexing, edge
tiles, expert lookup).  This model executes the algorithm the emitted kernel executes, as
described by the JSON that `moec emit-kernel gemm ... -o DIR` writes next to the kernel:

  {"kind": "gemm", "name": ..., "precision": "bf16" | "fp8-rowwise" | "fp8-block",
   "m": null | int, "n": N, "k": K, "tile": [TM, TN, TK], "mma": [64, TN, mma_k],
   "stages": S, "warp_roles": [1, consumers], "promote_every": TK, "threads": ...,
   "smem_bytes": ..., "max_ctas": 132, "tile_order": "m_fastest",
   "activation": "none" | "silu" | "swiglu", "scale_block": 128,
   "output_n": N (N/2 with swiglu), "b_box_rows": TN (TN/2 with swiglu),
   "swap_ab": false (absent = false; true: the swap-AB variant below)}

and compares it with a float64 reference on the same (already quantized) inputs.

SwiGLU ("activation": "swiglu"): B is the fused gate|up weight, N = 2I rows (per expert):
gate rows [0, I), up rows [I, 2I); C has I = output_n columns, C[r, j] = silu(G[r, j]) *
U[r, j] with G = A . B[j] and U = A . B[I + j] (scaled).  A tile covers b_box_rows = TN/2
output columns (numNBlocks = ceil(I / (TN/2))); each stage loads the A box and two B boxes:
gate rows [nBlock*TN/2, +TN/2) into the first half of the B tile, up rows [I + nBlock*TN/2,
+TN/2) into the second half.  Rows >= N read zero (TMA), but gate rows >= I of a partial
last tile read up rows: garbage, which the model loads as the kernel does and requires never
to be stored.  The m64 x TN accumulator then holds gate in columns [0, TN/2) and up in
[TN/2, TN): register r < TN/4 pairs with register r + TN/4 of the same thread (same row,
column + TN/2).  FP8 block promotion uses one gate and one up weight scale per tile and
k-block (the block of the half's first row); the rowwise epilogue scales the gate with
scale_b[col] and the up value with scale_b[I + col] (col clamped to I-1, as the kernel).

The grouped (MoE) kernel of `moec emit-kernel grouped-gemm --experts=E ...` has the same
description with "kind": "grouped_gemm", "experts": E and "m": null.  Its operands are A
[rows, K] (tokens sorted by expert), B [E, N, K], C [rows, N] and int32 offsets [E+1]:
expert e owns rows [offsets[e], offsets[e+1]), every offset a multiple of TM (segments
padded with zero rows), rows >= offsets[E] unused.  The kernel reads offsets[E] on the
device (numMBlocks = offsets[E] / TM), the host launches max_ctas CTAs, and each tile finds
its expert by an unrolled binary search over offsets from its first row; B is read through
a 3D map (rows past N zero, never another expert's), weight scales carry a leading E.
Everything else (stage ring, fragments, promotion, epilogue) is the dense kernel's code.

Swap-AB ("decode", "swap_ab": true; dense and grouped, any activation): for few token rows
per weight matrix the weight rows fill wgmma's M = 64 and the tokens are wgmma's N.  The
description then reads "tile": [TM, TN, TK] with TM the token rows of C per tile (16, 32
or 64; any multiple of 8 up to 256 is modelled) and TN = 64 x parts (parts 1 or 2) B
rows per tile, "mma": [64, TM, mma_k], "warp_roles": [1, 1] (one consumer warpgroup,
threads 256), "parts": TN/64 (optional), "b_box_rows": TN (swiglu: 64, and TN must be
128), "output_n" as above, grouped "offsets_alignment": TM (segments padded to multiples
of TM; optional, checked for every grouped kernel).  Tiles, the tile order, the
persistent loop, the ring, the boxes a stage holds (A: token rows [mBlock*TM, +TM);
B: rows [nBlock*TN, +TN), swiglu gate rows [nBlock*64, +64) then up rows [I + nBlock*64,
+64)) and the expert search are the kernel's above.  The consumer keeps one m64 x nTM
accumulator per part: part p (B-tile rows [64p, 64p+64); swiglu p = 0 gate, p = 1 up)
computes acc_p[i][j] += sum_k Btile[64p + i][k] * Atile[j][k], D = W . X^T.  Register r
of thread t (warp w, lane l) holds i = 16w + l/4 + 8((r>>1)&1), j = 2(l%4) + (r&1) +
8(r>>2) (the standard m64nTM fragment, TM/2 registers).  fp8-block promotion per k-block
scales register r of part p by scale_a[min(token, m-1)][kb] x scale_b[(e,) firstRow_p /
128][kb], token = mBlock*TM + j, firstRow_p = nBlock*TN + 64p (swiglu p*I + nBlock*64).
The epilogue stores token row mBlock*TM + j (when < m, grouped offsets[E]): plain at
column nBlock*TN + 64p + i (when < output_n) the value act(acc_p[r] * s), s = 1 or
(fp8-rowwise) scale_a[min(row, m-1)] * scale_b[(e,) min(col, output_n-1)]; swiglu at
column nBlock*64 + i silu(gate) * up of acc_0[r] and acc_1[r] (rowwise: scale_b[(e,)
min(col, I-1)] and scale_b[(e,) I + min(col, I-1)]).  The swap consumer is
gemm_model_swap.py (a mixin over the dense and grouped kernels).

On top of the numeric comparison the model asserts the kernel's invariants as it runs:
  * stage ring: mbarrier phases are modelled as counters; a consumer must read exactly the
    (tile, k-block) the producer put in the stage, the producer may never overwrite a stage
    some consumer has not read, and the ring must not deadlock.  The ring runs under the
    extreme interleavings (consumer-first, producer-first; tags only), then once more with
    the data flowing through the stages under a seeded random interleaving.
  * epilogue: every C element is written exactly once, by the CTA/consumer owning it, and
    nothing out of bounds; C starts as NaN and none may remain.  Grouped: rows >= offsets[E]
    are never written (they stay NaN) and never read (A and scale_a rows there are NaN in
    the model, so a read would poison C).
  * grouped: the expert search lands on the expert owning the tile's rows, for every tile.
  * swiglu: every stored C[r, j] comes from a gate register holding (row r, B row j < I) and
    an up register holding (row r, B row I + j), tracked from the rows the B boxes were
    actually loaded from; the garbage gate columns (B rows >= I) are never stored.
  * swap_ab: every stored C[r, c] comes from a register (hardware layout) holding token r
    and B row c (swiglu: gate and up registers holding token r and B rows c < I, I + c).
  * numerics: relative L2 error (bf16 5e-3, FP8 2e-2) and a rigorous per-element bound
    (bf16 output rounding + float32 accumulation), which catches a single misplaced element.

Library (gemm_model_core.py and gemm_model_swap.py, re-exported here): parse_desc /
load_desc, run_tiled_gemm, check_stage_ring, reference_gemm, random_problem, check_kernel,
elementwise_bound, swiglu_bound; grouped: expert_offsets, find_expert, run_grouped_gemm,
check_grouped_stage_ring, reference_grouped_gemm, random_grouped_problem, routing_counts,
check_grouped_kernel; model_class (TiledGemm, GroupedGemm, SwapTiledGemm,
SwapGroupedGemm).  CLI:

  gemm_model.py --kernel DIR/name.json [--m M[,M...]] [--seeds N]
  gemm_model.py --desc-json '{"precision": "bf16", ...}' [--m ...]
  gemm_model.py --desc-json '{"kind": "grouped_gemm", "experts": 16, ...}'
                [--counts C0,C1,...,C(E-1)]...      (default: routing extremes)
  gemm_model.py --desc-json '{"swap_ab": true, "tile": [16, 128, 128], ...}' [--m ...]
  gemm_model.py ... --inject-bug=fragment-row|kblock-scale|stage-parity|empty-parity|
                                 empty-count|expert-search|expert-scale|
                                 swiglu-up-offset|swap-fragment-transpose|
                                 swap-token-scale|swap-part-offset|swap-up-box

prints one line per (M or routing, seed) check and exits 1 on any failure (2 for a bad
description).  The JSON files `moec emit-kernel` writes load as they are (extra keys are
ignored).  --inject-bug perturbs the model the way a kernel bug would (BUGS lists them;
a mutation for a kernel it does not apply to is refused), so the self-tests
(gemm-model.test, grouped-gemm-model.test, swiglu-gemm-model.test,
swap-ab-gemm-model.test) can prove the checks fail.  The swap mutations:
  swap-fragment-transpose  the epilogue stores register r's (i, j) at tile row i, column j
                           (the non-swapped mapping) instead of token j, weight row i;
  swap-token-scale         fp8: scale_a read at the weight-row index mBlock*TM + i
                           (clamped to m-1) instead of the register's token;
  swap-part-offset         part 1 stored 32 columns right of part 0 instead of 64;
  swap-up-box              swiglu: the up box loaded from B rows I + nBlock*TN instead
                           of I + nBlock*64.
Needs only NumPy; run with /usr/bin/python3.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True          # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The library, re-exported: gemm_model.X keeps working for everything in the docstring.
from gemm_model_core import (  # noqa: E402,F401
    DescError, GroupedGemm, ModelError, POLICIES, REL_L2_BOUND, ROUTINGS, TiledGemm,
    _grouped_reference, _reference_and_bound, accumulation_magnitude, ceil_div,
    dequantized_operands, elementwise_bound, expert_offsets, find_expert,
    grouped_tile_grid, kernel_fragment_coords, load_desc, parse_desc, random_grouped_problem,
    random_problem, reference_gemm, reference_grouped_gemm, routing_counts, swiglu_bound,
    tile_grid, wgmma_accumulator_layout)
from gemm_model_swap import SwapGroupedGemm, SwapTiledGemm, model_class  # noqa: E402,F401

# --inject-bug mutations: each mimics a plausible kernel bug and must make a check fail.
BUGS = {
    "fragment-row": "epilogue/scale row of a register off by 8 (drops the +8 of r&2; "
                    "swap_ab: its weight row, i.e. C's column)",
    "kblock-scale": "fp8-block promotion uses scale_a of k-block kb+1",
    "stage-parity": "consumers wait full[stage] with the wrong parity",
    "empty-parity": "producer waits empty[stage] with parity instead of parity^1",
    "empty-count": "empty barriers expect 1 arrival instead of one per consumer",
    "expert-search": "grouped: the expert search tests offsets[mid] < row (strict) instead "
                     "of <=, so a tile starting an expert's segment goes to an earlier one",
    "expert-scale": "grouped: weight scales (scale_b) of expert e+1 (e-1 for the last)",
    "swiglu-up-offset": "swiglu: the up value of output register r is taken from register "
                        "r + TN/4 - 2 instead of r + TN/4 (swap_ab: part 1's register r - 2 "
                        "mod TM/2 instead of r)",
    "swap-fragment-transpose": "swap_ab: the epilogue stores register r's (i, j) at (row "
                               "i, column j) of the tile, the non-swapped mapping, instead "
                               "of (token j, weight row i)",
    "swap-token-scale": "swap_ab, fp8: the token scale of register r (scale_a, in the "
                        "fp8-block promotion or the rowwise epilogue) is read at the weight "
                        "row index, row mBlock*TM + i (clamped to m-1), not at its token j",
    "swap-part-offset": "swap_ab, 2 parts, no swiglu: part 1 is stored at column nBlock*TN "
                        "+ 32 + i instead of nBlock*TN + 64 + i",
    "swap-up-box": "swap_ab swiglu: the producer loads the up box from B rows I + nBlock*TN "
                   "(tile N) instead of I + nBlock*64 (b_box_rows)",
}
# Which kernels a mutation applies to: (test on the description, what it needs).
BUG_NEEDS = {
    "expert-search": (lambda d: d["kind"] == "grouped_gemm", "grouped_gemm kernels"),
    "expert-scale": (lambda d: d["kind"] == "grouped_gemm", "grouped_gemm kernels"),
    "swiglu-up-offset": (lambda d: d["activation"] == "swiglu", "swiglu kernels"),
    "swap-fragment-transpose": (lambda d: d["swap_ab"], "swap_ab kernels"),
    "swap-token-scale": (lambda d: d["swap_ab"] and d["precision"] != "bf16",
                         "fp8 swap_ab kernels"),
    "swap-part-offset": (lambda d: d["swap_ab"] and d["tile"][1] == 128 and
                         d["activation"] != "swiglu",
                         "swap_ab kernels with 2 parts (tile N 128) and no swiglu"),
    "swap-up-box": (lambda d: d["swap_ab"] and d["activation"] == "swiglu",
                    "swap_ab swiglu kernels"),
}


def run_tiled_gemm(desc, a, b, scale_a, scale_b, m, policy="random", seed=0, bug=None):
    """Run the kernel model; returns C [m, output_n] float32 holding bf16 values.

    a [m, k], b [n, k]: float32 values (or raw e4m3 uint8 / bf16 uint16 bits).  Scales:
    fp8-rowwise [m] and [n]; fp8-block [m, ceil(k/128)] and [ceil(n/128), ceil(k/128)];
    bf16 None.  Raises ModelError when an invariant breaks."""
    return model_class(desc)(desc, a, b, scale_a, scale_b, m, bug=bug).run(policy, seed)


def check_stage_ring(desc, m, policies=POLICIES, bug=None):
    """Run only the synchronisation (tags, no math) of every CTA under the given
    interleavings: cheap, and the greedy orders are the extremes a real GPU can produce."""
    for policy in policies:
        model_class(desc)(desc, None, None, None, None, m, bug=bug,
                          compute=False).run(policy)


def run_grouped_gemm(desc, a, b, scale_a, scale_b, offsets, policy="random", seed=0,
                     bug=None):
    """Run the grouped kernel model; returns C [rows, output_n] float32 holding bf16 values in
    rows < offsets[E] and the NaN poison in the rows past them (never written).

    a [rows, k] with rows >= offsets[E] (the launcher's capacity), b [E, n, k]: float32
    values (or raw e4m3 uint8 / bf16 uint16 bits); offsets int [E+1].  Scales: fp8-rowwise
    [rows] and [E, n]; fp8-block [rows, ceil(k/128)] and [E, ceil(n/128), ceil(k/128)];
    bf16 None.  Raises ModelError when an invariant breaks."""
    return model_class(desc)(desc, a, b, scale_a, scale_b, offsets, bug=bug).run(policy,
                                                                                  seed)


def check_grouped_stage_ring(desc, offsets, policies=POLICIES, bug=None):
    """check_stage_ring for the grouped schedule (tags only; includes the expert search)."""
    for policy in policies:
        model_class(desc)(desc, None, None, None, None, offsets, bug=bug,
                          compute=False).run(policy)


# --------------------------------------------------------------------------------------
# Checks and CLI
# --------------------------------------------------------------------------------------

RING_POLICIES = ("consumer_first", "producer_first")


def _compare(desc, c, y, bound):
    """Relative L2 error and the worst element against its per-element bound."""
    err = c.astype(np.float64) - y
    norm = np.linalg.norm(y)
    rel = float(np.linalg.norm(err) / norm) if norm > 0 else float(np.linalg.norm(err))
    if not y.size:
        return dict(rel_l2=rel, bound=REL_L2_BOUND[desc["precision"]], elem_ratio=0.0,
                    worst=None)
    ratio = np.abs(err) / (bound + 1e-30)
    worst = np.unravel_index(np.argmax(ratio), ratio.shape)
    return dict(rel_l2=rel, bound=REL_L2_BOUND[desc["precision"]],
                elem_ratio=float(ratio.max()), worst=tuple(int(i) for i in worst))


def check_kernel(desc, m, seed, bug=None, ring_policies=RING_POLICIES):
    """One check: ring interleavings, the model's data run, comparison with the reference.
    Returns a dict of measurements; raises ModelError on an invariant violation."""
    check_stage_ring(desc, m, policies=ring_policies, bug=bug)
    a, b, sa, sb = random_problem(desc, m, seed)
    model = model_class(desc)(desc, a, b, sa, sb, m, bug=bug)
    c = model.run(policy="random", seed=seed)
    da, db = dequantized_operands(desc, a, b, sa, sb, m)
    r = _compare(desc, c, *_reference_and_bound(desc, da, db))
    nmb, nnb, tiles, grid = tile_grid(desc, m)
    r.update(tiles=tiles, grid=grid, gate_rows_past_i=model.gate_rows_past_i,
             ring_its=ceil_div(tiles, grid) * ceil_div(desc["k"], desc["tile"][2]))
    return r


def check_grouped_kernel(desc, counts, seed, bug=None, ring_policies=RING_POLICIES):
    """check_kernel for the grouped kernel and one routing (per-expert token counts): ring
    interleavings (with the expert search) on the routing's offsets, the data run, the
    per-expert float64 reference on the rows in use."""
    check_grouped_stage_ring(desc, expert_offsets(counts, desc["tile"][0]),
                             policies=ring_policies, bug=bug)
    a, b, sa, sb, offsets = random_grouped_problem(desc, counts, seed)
    model = model_class(desc)(desc, a, b, sa, sb, offsets, bug=bug)
    c = model.run(policy="random", seed=seed)
    m = int(offsets[-1])
    y, bound = _grouped_reference(desc, a, b, sa, sb, offsets)
    r = _compare(desc, c[:m], y, bound)
    nmb, nnb, tiles, grid = grouped_tile_grid(desc, offsets)
    r.update(tiles=tiles, grid=grid, gate_rows_past_i=model.gate_rows_past_i, rows=m,
             capacity=len(c), tokens=int(np.sum(counts)), used=int(np.count_nonzero(counts)),
             ring_its=ceil_div(tiles, grid) * ceil_div(desc["k"], desc["tile"][2]))
    return r


def _parse_ms(values, desc):
    """Ms to check: the JSON's static m, else --m, else edge cases around the tile size."""
    tm = desc["tile"][0]
    ms = [int(x) for v in values or [] for x in str(v).split(",") if x.strip()]
    if desc["m"] is not None:
        if any(x != desc["m"] for x in ms):
            raise DescError("kernel %s is compiled for m=%d; --m %s does not match"
                            % (desc["name"], desc["m"], ms))
        return [desc["m"]]
    if any(x < 1 for x in ms):
        raise DescError("--m values must be positive, got %s" % ms)
    return ms or sorted({1, 63, tm + 1, 3 * tm - 5})


def _parse_routings(names, values, desc, seeds):
    """(name, [counts per seed]) of the grouped checks: the --routings named, then each
    --counts list; neither given: all default routings (ROUTINGS; uniform differs per
    seed)."""
    experts, tm = desc["experts"], desc["tile"][0]
    names = [x for v in names or [] for x in v.split(",") if x]
    unknown = [x for x in names if x not in ROUTINGS]
    if unknown:
        raise DescError("--routings: unknown routing(s) %s (known: %s)"
                        % (", ".join(unknown), ", ".join(ROUTINGS)))
    if not names and not values:
        names = list(ROUTINGS)
    cases = [(name, [routing_counts(name, experts, tm, seed) for seed in range(seeds)])
             for name in names]
    for v in values or []:
        try:
            counts = [int(x) for x in v.split(",")]
        except ValueError:
            raise DescError("--counts %r: expected comma-separated integers" % v)
        if len(counts) != experts or min(counts) < 0:
            raise DescError("--counts %r: expected %d non-negative token counts (one per "
                            "expert)" % (v, experts))
        cases.append(("counts", [np.array(counts, np.int64)] * seeds))
    return cases


def _grouped_main(desc, args, policies):
    """The CLI's grouped path: one line per (routing, seed)."""
    routings = _parse_routings(args.routings, args.counts, desc, args.seeds)
    prec, (tm, tn, tk) = desc["precision"], desc["tile"]
    print("kernel %s: grouped_gemm experts=%d %s n=%d k=%d tile=%dx%dx%d stages=%d "
          "consumers=%d max_ctas=%d act=%s%s%s"
          % (desc["name"], desc["experts"], prec, desc["n"], desc["k"], tm, tn, tk,
             desc["stages"], desc["warp_roles"][1], desc["max_ctas"], desc["activation"],
             _header_note(desc),
             " inject-bug=" + args.inject_bug if args.inject_bug else ""))
    failed = total = 0
    for name, per_seed in routings:
        for seed, counts in enumerate(per_seed):
            total += 1
            head = "routing=%s T=%d experts_used=%d/%d seed=%d" % (
                name, int(counts.sum()), int(np.count_nonzero(counts)), desc["experts"], seed)
            failed += _report(desc, head, lambda: check_grouped_kernel(
                desc, counts, seed, bug=args.inject_bug, ring_policies=policies),
                lambda r: "rows=%d/%d " % (r["rows"], r["capacity"]))
    return failed, total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--kernel", help="DIR/<name>.json written by moec emit-kernel gemm "
                                      "or grouped-gemm")
    src.add_argument("--desc-json", help="the kernel description inline, as JSON")
    p.add_argument("--m", action="append",
                   help="M (comma list, repeatable); default for a dynamic-M kernel: "
                        "1, 63, TM+1, 3*TM-5 (dense kernels only)")
    p.add_argument("--counts", action="append",
                   help="grouped kernels: per-expert token counts C0,...,C(E-1) (repeatable, "
                        "one check each); default: all --routings")
    p.add_argument("--routings", action="append",
                   help="grouped kernels: default routings to check (comma list, "
                        "repeatable): " + "; ".join("%s: %s" % kv for kv in ROUTINGS.items()))
    p.add_argument("--seeds", type=int, default=1,
                   help="random inputs per M or routing (seeds 0..N-1)")
    p.add_argument("--inject-bug", choices=sorted(BUGS),
                   help="perturb the model like a kernel bug (for the self-test): " +
                        "; ".join("%s: %s" % kv for kv in BUGS.items()))
    p.add_argument("--ring-policies", default=",".join(RING_POLICIES),
                   help="interleavings of the tag-only stage-ring runs, in order, before the "
                        "data run (which is seeded random); any of " + ", ".join(POLICIES))
    args = p.parse_args(argv)
    policies = tuple(x for x in args.ring_policies.split(",") if x)
    if any(x not in POLICIES for x in policies):
        p.error("--ring-policies: unknown policy in %r" % args.ring_policies)
    try:
        desc = load_desc(args.kernel) if args.kernel else parse_desc(args.desc_json)
        grouped = desc["kind"] == "grouped_gemm"
        if grouped and args.m:
            raise DescError("--m is for dense kernels; a grouped kernel's rows come from "
                            "--counts")
        if not grouped and (args.counts or args.routings):
            raise DescError("--counts and --routings are for grouped_gemm kernels")
        applies, needs = BUG_NEEDS.get(args.inject_bug, (lambda d: True, ""))
        if not applies(desc):
            raise DescError("--inject-bug=%s applies to %s only" % (args.inject_bug, needs))
        if grouped:
            failed, total = _grouped_main(desc, args, policies)
        else:
            ms = _parse_ms(args.m, desc)
    except (DescError, OSError, json.JSONDecodeError) as e:
        print("gemm_model: error: %s" % e, file=sys.stderr)
        return 2
    if grouped:
        return _verdict(desc, failed, total)
    prec, (tm, tn, tk) = desc["precision"], desc["tile"]
    print("kernel %s: %s n=%d k=%d tile=%dx%dx%d stages=%d consumers=%d max_ctas=%d act=%s%s%s"
          % (desc["name"], prec, desc["n"], desc["k"], tm, tn, tk, desc["stages"],
             desc["warp_roles"][1], desc["max_ctas"], desc["activation"], _header_note(desc),
             " inject-bug=" + args.inject_bug if args.inject_bug else ""))
    failed = total = 0
    for m in ms:
        for seed in range(args.seeds):
            total += 1
            head = "M=%d seed=%d" % (m, seed)
            failed += _report(desc, head, lambda: check_kernel(
                desc, m, seed, bug=args.inject_bug, ring_policies=policies),
                lambda r: "")
    return _verdict(desc, failed, total)


def _header_note(desc):
    """Header details: of a swiglu kernel C's width I and the B rows per box; of a swap_ab
    kernel the 64-row parts per tile (tile N / 64; the tokens per tile are tile M)."""
    note = ""
    if desc["activation"] == "swiglu":
        note += " output_n=%d b_box_rows=%d" % (desc["output_n"], desc["b_box_rows"])
    if desc["swap_ab"]:
        note += " swap_ab parts=%d" % desc["parts"]
    return note


def _report(desc, head, run, prefix):
    """Runs one check and prints its PASS/FAIL line (`prefix(result)` adds
    details after `head`); returns 1 when it failed."""
    try:
        r = run()
    except ModelError as e:
        print("FAIL %s: %s" % (head, e))
        return 1
    ok = r["rel_l2"] <= r["bound"] and r["elem_ratio"] <= 1.0
    print("%s %s %stiles=%d grid=%d ring_its/cta<=%d%s rel_l2=%.2e (bound %.0e) "
          "max_err/elem_bound=%.3f at C%s%s"
          % ("PASS" if ok else "FAIL", head, prefix(r), r["tiles"], r["grid"],
             r["ring_its"], _garbage_note(desc, r), r["rel_l2"], r["bound"],
             r["elem_ratio"], list(r["worst"]) if r["worst"] else "[]",
             "" if ok else ": model differs from the float64 reference beyond the "
             "bound"))
    return 0 if ok else 1


def _garbage_note(desc, r):
    """swiglu: how many (tile, gate B row >= I) pairs were loaded and computed but never
    stored (a partial last n-block)."""
    if desc["activation"] != "swiglu":
        return ""
    return " gate_rows_past_I=%d" % r["gate_rows_past_i"]


def _verdict(desc, failed, total):
    sys.stdout.flush()                  # keep the per-check lines before the verdict
    if failed:
        print("gemm_model: %d of %d checks FAILED for %s" % (failed, total, desc["name"]),
              file=sys.stderr)
        return 1
    print("gemm_model: all %d checks passed for %s" % (total, desc["name"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
