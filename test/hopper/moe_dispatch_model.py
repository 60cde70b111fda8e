#!/usr/bin/env python3
"""CPU model of the MoE layer's routing kernels (codegen/hopper/MoeKernels.cpp).

It replays, step by step, what `NAME_route`, `NAME_offsets`, `NAME_dispatch`
and `NAME_combine` do, with the atomic arrival order of the tokens drawn at
random (the GPU gives no order), and checks the invariants the grouped GEMMs
and the header rely on:
  - route: the first maximum logit wins; counts sum to T;
  - offsets: segments tile-aligned, in expert order, offsets[E] <= the
    header's row capacity roundup(T + E * (TM - 1), TM);
  - dispatch: every token gets a distinct row inside its expert's segment;
    padding rows are zeroed; every row below offsets[E] is written once;
  - combine: out[t] = y[token_row[t]] + shared[t] gives back, for a
    per-expert function y, exactly expert(x[t]) + shared[t].
Routing extremes: all tokens to the first / last expert, runs of empty
experts, T = 1, T not a multiple of the tile, uniform routing.
"""

import argparse
import sys

import numpy as np


class ModelError(Exception):
    pass


def capacity(tokens, experts, tile_m):
    """The header's NAME_capacity."""
    rows = tokens + experts * (tile_m - 1)
    return (rows + tile_m - 1) // tile_m * tile_m


def route(logits):
    """NAME_route: first maximum (a strict > scan), then the histogram."""
    experts = logits.shape[1]
    chosen = np.zeros(logits.shape[0], dtype=np.int64)
    for t, row in enumerate(logits):
        best = 0
        for e in range(1, experts):
            if row[e] > row[best]:
                best = e
        chosen[t] = best
    counts = np.bincount(chosen, minlength=experts)
    return chosen, counts


def offsets_of(counts, tile_m, bug=None):
    """NAME_offsets: segments padded to whole row tiles."""
    offsets = [0]
    for c in counts:
        padded = c if bug == "unaligned-offsets" else -(-c // tile_m) * tile_m
        offsets.append(offsets[-1] + padded)
    return np.array(offsets)


def dispatch(chosen, counts, offsets, hidden, rng, bug=None):
    """NAME_dispatch: CTA t claims a row (atomic cursor, random arrival
    order); CTA T + e zeroes expert e's padding rows."""
    rows = int(offsets[-1])
    written = np.zeros(rows, dtype=np.int64)
    source = np.full(rows, -1)  # token of each row, -1 for padding
    cursors = np.zeros(len(counts), dtype=np.int64)
    token_row = np.zeros(len(chosen), dtype=np.int64)
    for t in rng.permutation(len(chosen)):
        e = chosen[t]
        slot = cursors[e]
        cursors[e] += 1
        row = offsets[e] + slot + (1 if bug == "row-off-by-one" else 0)
        if row >= rows:
            raise ModelError(f"token {t} claims row {row} past offsets[E] = {rows}")
        token_row[t] = row
        written[row] += 1
        source[row] = t
    for e in range(len(counts)):
        for row in range(offsets[e] + counts[e], offsets[e + 1]):
            written[row] += 1
    return token_row, written, source


def check(experts, tokens, tile_m, logits, seed, bug=None):
    rng = np.random.default_rng(seed)
    chosen, counts = route(logits)
    if counts.sum() != tokens:
        raise ModelError("counts do not sum to T")
    offsets = offsets_of(counts, tile_m, bug)
    for e in range(experts):
        if offsets[e] % tile_m:
            raise ModelError(f"offsets[{e}] = {offsets[e]} is not a multiple of {tile_m}")
        if offsets[e + 1] - offsets[e] < counts[e]:
            raise ModelError(f"expert {e}'s segment is shorter than its {counts[e]} tokens")
    if offsets[-1] > capacity(tokens, experts, tile_m):
        raise ModelError(f"offsets[E] = {offsets[-1]} exceeds the capacity "
                         f"{capacity(tokens, experts, tile_m)}")
    hidden = 4
    token_row, written, source = dispatch(chosen, counts, offsets, hidden, rng, bug)
    if np.any(written != 1):
        bad = int(np.flatnonzero(written != 1)[0])
        raise ModelError(f"row {bad} written {written[bad]} times")
    for t, row in enumerate(token_row):
        e = chosen[t]
        if not offsets[e] <= row < offsets[e] + counts[e]:
            raise ModelError(f"token {t} sits in row {row}, outside expert {e}'s tokens")
    # Combine with a per-expert function of the row's token.
    x = rng.standard_normal((tokens, hidden))
    scale = rng.standard_normal(experts)
    y = np.zeros((int(offsets[-1]), hidden))
    for row, t in enumerate(source):
        if t >= 0:
            y[row] = x[t] * scale[chosen[t]]
    shared = rng.standard_normal((tokens, hidden))
    out = y[token_row] + shared
    want = x * scale[chosen][:, None] + shared
    if not np.allclose(out, want):
        raise ModelError("combine does not give each token its expert's output")
    return counts, offsets


def routing_cases(experts, tokens, tile_m, rng):
    """(name, logits) for the routing extremes."""
    def favour(which):
        logits = rng.standard_normal((tokens, experts))
        logits[np.arange(tokens), which] += 100.0
        return logits
    cases = [("uniform", rng.standard_normal((tokens, experts))),
             ("all-first", favour(np.zeros(tokens, dtype=int))),
             ("all-last", favour(np.full(tokens, experts - 1))),
             ("empty-runs", favour(rng.choice([0, experts // 2, experts - 1], tokens))),
             ("ties", np.zeros((tokens, experts)))]
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, nargs="+", default=[16, 128])
    parser.add_argument("--tokens", type=int, nargs="+", default=[1, 5, 127, 300, 1000])
    parser.add_argument("--tile-m", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inject-bug", choices=["unaligned-offsets", "row-off-by-one"])
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    failures = 0
    for experts in args.experts:
        for tokens in args.tokens:
            for name, logits in routing_cases(experts, tokens, args.tile_m, rng):
                try:
                    counts, offsets = check(experts, tokens, args.tile_m, logits,
                                            args.seed, args.inject_bug)
                    print(f"PASS E={experts} T={tokens} {name}: "
                          f"{np.count_nonzero(counts)} experts used, rows "
                          f"{offsets[-1]} of capacity "
                          f"{capacity(tokens, experts, args.tile_m)}")
                except ModelError as error:
                    failures += 1
                    print(f"FAIL E={experts} T={tokens} {name}: {error}")
    if failures:
        sys.exit(f"moe_dispatch_model: {failures} checks failed")
    print("moe_dispatch_model: all checks passed")


if __name__ == "__main__":
    main()
