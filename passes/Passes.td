//===- Passes.td - moec target-independent passes ----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_PASSES_TD
#define MOEC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def VerifyStageLegality : Pass<"moec-verify-stage-legality", "::mlir::ModuleOp"> {
  let summary = "Rejects ops that must be gone at a pipeline stage boundary";
  let description = [{
    A contract check run between pipeline stages. At `stage=graph` only the
    graph dialect, `moe.block`, `moe.dequantize` and the structural upstream
    ops (func, arith, tensor) may appear; at `stage=routed` every `moe.block`
    must have been lowered to the explicit routing ops. Each leftover op is
    reported at its location, by name.
  }];
  let options = [
    Option<"stage", "stage", "std::string", /*default=*/"\"graph\"",
           "Stage whose contract to check: graph or routed">
  ];
}

def ExpertRouting : Pass<"moec-expert-routing", "::mlir::func::FuncOp"> {
  let summary = "Lowers each moe.block to explicit routing steps";
  let description = [{
    Rewrites every graph-level `moe.block` into the routed algorithm:

    1. `moe.router_topk`: router logits, top-k expert ids, sigmoid scores.
    2. `moe.dispatch`: per-expert histogram, prefix-sum offsets and the
       expert-major permutation of token rows; Llama 4 multiplies each row by
       its router score here, on the expert *input*.
    3. `moe.grouped_matmul` over `gate_up` with the SwiGLU epilogue.
    4. `moe.grouped_matmul` over `down`.
    5. `moe.combine`: rows back to tokens. Because the score was applied on
       the input, combine takes no scores; with top-1 it is a permutation.
    6. The shared expert, a dense `graph.mlp` over all tokens, added with
       `arith.addf`.

    Offsets and the permutation are tensors consumed on the device, so the
    routed layer needs no host synchronization.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect",
                           "::mlir::moec::graph::GraphDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // MOEC_PASSES_PASSES_TD
