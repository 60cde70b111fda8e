#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarizes the per-layer structure of a module `moec import` printed.

Reads the MLIR text on stdin and prints, for FileCheck, which layers have
each property:

  layers: 48
  rope: 0 1 2 4 ...            (layers that apply graph.rope to q and k)
  nope: 3 7 11 ...
  mask chunked_causal(8192): ...
  mask causal: ...
  qk_norm: ...
  temperature_tuning(8192.0, 0.1): ...
  moe(experts=16, top_k=1, width=8192, shared=8192): ...
  mlp(width=16384): ...

A layer's ops are attributed by the `layers.N.` in the weight names they read.
"""

import re
import sys
from collections import OrderedDict

LAYER = re.compile(r"graph\.weight_ref @\"?[\w.]*?layers\.(\d+)\.")
TENSOR = re.compile(r"tensor<([0-9x?]+)x[a-zA-Z0-9]+>")


def dims(text):
    return [d for d in text.split("x")]


def main():
    groups = OrderedDict()
    rope_ops = {}
    layers = set()
    layer = None

    def add(key, index):
        groups.setdefault(key, []).append(index)

    for line in sys.stdin:
        match = LAYER.search(line)
        if match:
            layer = int(match.group(1))
            layers.add(layer)
            continue
        if layer is None:
            continue
        if "graph.rope " in line:
            rope_ops[layer] = rope_ops.get(layer, 0) + 1
        elif "graph.attention " in line:
            add("rope" if rope_ops.get(layer) == 2 else "nope", layer)
            mask = re.search(r"mask = #graph\.mask<(\w+)>", line).group(1)
            chunk = re.search(r"chunk_size = (\d+)", line)
            add(f"mask {mask}" + (f"({chunk.group(1)})" if chunk else ""),
                layer)
            if "qk_norm_epsilon" in line:
                add("qk_norm", layer)
            tuning = re.search(r"#graph\.temperature_tuning<floor_scale = "
                               r"([\d.e+-]+), attn_scale = ([\d.e+-]+)>", line)
            if tuning:
                add(f"temperature_tuning({tuning.group(1)}, "
                    f"{tuning.group(2)})", layer)
        elif "moe.block " in line:
            types = [dims(t) for t in TENSOR.findall(line)]
            # input, router, gate_up, down, shared gate, shared up, ...
            experts, width = types[2][0], types[3][1]
            shared = types[4][0] if len(types) > 5 else "none"
            top_k = re.search(r"top_k = (\d+)", line).group(1)
            add(f"moe(experts={experts}, top_k={top_k}, width={width}, "
                f"shared={shared})", layer)
        elif "graph.mlp " in line:
            types = [dims(t) for t in TENSOR.findall(line)]
            add(f"mlp(width={types[1][0]})", layer)

    print(f"layers: {len(layers)}")
    for key, members in sorted(groups.items()):
        print(f"{key}: " + " ".join(str(m) for m in members))
    return 0


if __name__ == "__main__":
    sys.exit(main())
