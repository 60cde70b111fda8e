//===- MoeDialect.td - moec mixture-of-experts dialect -----*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The moe dialect: mixture-of-experts blocks at the graph level, the explicit
// routing steps they lower to, and explicit FP8 quantization.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_DIALECTS_MOE_IR_MOEDIALECT_TD
#define MOEC_DIALECTS_MOE_IR_MOEDIALECT_TD

include "mlir/IR/OpBase.td"

def Moe_Dialect : Dialect {
  let name = "moe";
  let cppNamespace = "::mlir::moec::moe";
  let summary = "Mixture-of-experts blocks, expert routing and FP8 scaling.";
  let description = [{
    The `moe` dialect has two levels.

    At the graph level a single `moe.block` stands for a whole Llama 4 MoE
    feed-forward block: the router, the routed SwiGLU experts and the shared
    expert, with Llama 4's semantics (top-k over router logits, sigmoid of
    the selected logit applied to the expert *input*).

    At the routed level the block is spelled out as the algorithm a kernel
    runs: `moe.router_topk` picks experts, `moe.dispatch` sorts token rows by
    expert and computes per-expert offsets as tensors (they stay on the
    device: nothing here needs a host synchronization), `moe.grouped_matmul`
    runs one matmul per expert segment (optionally with a fused SwiGLU
    epilogue and FP8 scales), and `moe.combine` scatters rows back to tokens.

    Quantization is explicit: `moe.quantize` / `moe.dequantize` carry a
    `#moe.scaling` granularity that is verified against operand shapes.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Discardable attributes the dialect defines on other ops.
    static constexpr ::llvm::StringLiteral kActivationScalingAttrName =
        "moe.activation_scaling";
    static constexpr ::llvm::StringLiteral kActivationScaleUpperBoundAttrName =
        "moe.activation_scale_ub";
  }];
  let usePropertiesForAttributes = 1;
}

class Moe_Op<string mnemonic, list<Trait> traits = []>
    : Op<Moe_Dialect, mnemonic, traits>;

#endif // MOEC_DIALECTS_MOE_IR_MOEDIALECT_TD
