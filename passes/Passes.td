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

#endif // MOEC_PASSES_PASSES_TD
