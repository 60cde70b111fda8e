//===- Passes.td - moec target-independent passes ----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
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
    must have been lowered to the explicit routing ops; at `stage=tiled`
    every matmul, grouped matmul and attention must have been tiled into
    scf/affine/tensor loop nests of tile ops. Each leftover op is reported
    at its location, by name.
  }];
  let options = [
    Option<"stage", "stage", "std::string", /*default=*/"\"graph\"",
           "Stage whose contract to check: graph, routed or tiled">
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

def FuseQKV : Pass<"moec-fuse-qkv", "::mlir::func::FuncOp"> {
  let summary = "Fuses the Q, K and V projections of an attention into one matmul";
  let description = [{
    Finds the three `graph.linear` ops that read the same activation and
    produce the query, key and value operands of one `graph.attention`,
    directly or through a `graph.rope`, and replaces them with:

    1. `tensor.concat dim(0)` of the `[out, in]` weights, `[q + k + v, in]`
       (a packing step on the weights, done at compile time for checkpoint
       tensors);
    2. one `moe.matmul` with `op_class = #moe.op_class<attention>`;
    3. three `tensor.extract_slice` ops, columns `[0, q)`, `[q, q + k)` and
       `[q + k, q + k + v)`, in place of the projections' results.

    Projections with different inputs, with weights of different element
    types, with FP8 operands (they need scales), with a dynamic width, or
    that do not feed an attention's q/k/v are left alone.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def FuseGateUp : Pass<"moec-fuse-gate-up", "::mlir::func::FuncOp"> {
  let summary = "Lowers each SwiGLU graph.mlp to a gate|up matmul and a down matmul";
  let description = [{
    Rewrites `graph.mlp %x, %gate, %up, %down` into

    ```mlir
    %w = tensor.concat dim(0) %gate, %up        // [2 * inter, hidden]
    %h = moe.matmul %x, %w {epilogue = #moe.epilogue<swiglu>}  // [T, inter]
    %y = moe.matmul %h, %down                   // [T, hidden]
    ```

    Both matmuls get the MLP's role: the `moe.op_class` attribute expert
    routing puts on the shared expert, or `dense_mlp` without one (the
    dense layers of Maverick). MLPs with gate and up weights of different
    element types, or with FP8 operands, are left alone.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LinearToMatmul : Pass<"moec-linear-to-matmul", "::mlir::func::FuncOp"> {
  let summary = "Converts the remaining graph.linear ops to moe.matmul";
  let description = [{
    Runs after the fusions and gives every remaining projection the
    `op_class` its place in the graph shows:

    - input produced by `graph.attention`: `attention` (the output
      projection);
    - result used as an attention's query, key or value (directly or
      through `graph.rope`): `attention` (an unfused QKV projection);
    - result used only by the function's `return`: `lm_head`.

    Any other `graph.linear` is an error naming it, as is one with FP8
    operands (FP8 weights enter the graph through `moe.dequantize`): the
    precision policy keys on `op_class` and must never get a guess.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect"];
}

def FuseResidual : Pass<"moec-fuse-residual", "::mlir::func::FuncOp"> {
  let summary = "Folds skip-connection adds into the producing matmul's epilogue";
  let description = [{
    Rewrites `arith.addf %skip, %m` (either operand order), where `%m` is
    a `moe.matmul` without a residual whose only use is the add, in the
    add's block (never into a loop body), into the matmul with
    `residual(%skip : type)`.

    The choice of the skip is deterministic: the add is fused only when
    exactly one addend is such a matmul. An add of two fusable matmuls has
    no recognizable skip and is left alone; a matmul that already has a
    residual or has other users is never fused, but may be the skip of the
    other addend.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect"];
}

def Precision : Pass<"moec-precision", "::mlir::ModuleOp"> {
  let summary = "Gives activations the compute type and moves op classes to FP8";
  let description = [{
    Applies a precision policy to every function of the module:

    1. Compute type: f32 for `precision=f32`, bf16 otherwise. Every
       floating activation (arguments, results, graph/moe/arith/tensor op
       results) gets it. Checkpoint weights keep their stored type in
       `graph.weight`; a conversion right after `graph.weight_ref` (a
       compile-time packing step) produces the compute type. Integer
       tensors, router scores and FP8 scales keep their types.
    2. FP8 (`fp8-*` precisions): every `moe.matmul` whose `op_class` is in
       `fp8-classes`, and every `moe.grouped_matmul` when `routed_expert`
       is, takes FP8 operands with scales. Activations get a run-time
       `moe.quantize` right after their producer, once per activation;
       weights get a `moe.quantize` (`reduction_dim = 1`, K of `[N, K]` and
       of `[E, K, N]`) that codegen evaluates when it packs the weights. A
       checkpoint weight that is already FP8 with the scheme's weight
       granularity (`moe.dequantize`, possibly stacked per expert and
       concatenated) is used as stored, without a round trip.

    | precision     | activations   | weights           |
    |---------------|---------------|-------------------|
    | `fp8-rowwise` | `per_token`   | `per_channel`     |
    | `fp8-block`   | `block 1x128` | `block 128x128`   |
    | `fp8-tensor`  | `per_tensor`  | `per_tensor`      |

    Matmuls without an `op_class` keep the compute type. The router stays
    in the compute type even when `router` is listed (a warning says so):
    `moe.router_topk` has no FP8 form. Functions are retyped one by one, so
    `func.call` is an error (the frontend emits one function).
    `moec-verify-scaling` checks the result.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "Number format: f32, bf16, fp8-rowwise, fp8-block or fp8-tensor">,
    ListOption<"fp8Classes", "fp8-classes", "std::string",
               "Op classes computed in FP8 under an fp8 precision; empty "
               "means the default, attention, dense_mlp, shared_expert, "
               "routed_expert",
               "llvm::cl::list_init<std::string>({\"attention\", "
               "\"dense_mlp\", \"shared_expert\", \"routed_expert\"})">,
    Option<"compute", "compute", "std::string", /*default=*/"\"\"",
           "Compute type around the FP8 matmuls of an fp8 precision: bf16 "
           "(default) or f32">
  ];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def VerifyScaling : Pass<"moec-verify-scaling", "::mlir::func::FuncOp"> {
  let summary = "Checks that FP8 consumers get the scale layouts they expect";
  let description = [{
    For every FP8 `moe.matmul` and `moe.grouped_matmul`, finds the op that
    produced each scale operand (`moe.quantize` or `moe.rms_norm_quantize`)
    and checks that

    - it also produced the FP8 data the scale goes with;
    - its scaling equals the consumer's `lhs_scaling` / `rhs_scaling`;
    - it laid the scales out along the consumer's reduction dimension
      (dimension 1 of lhs `[M, K]`, of rhs `[N, K]` and of grouped rhs
      `[E, K, N]`).

    A scale layout can have the right shape and still be wrong (per-token
    and per-channel scales of `[N, K]` are both `[N, 1]`; per-tensor scales
    of `[E, K, N]` are `[E, 1, 1]` along either dimension), so the op
    verifiers cannot catch this. Each mismatch is an error on the consumer
    naming both ops and both granularities. Scales read from the
    checkpoint carry no granularity in the IR and are not checked.
  }];
}

def FuseNormQuantize : Pass<"moec-fuse-norm-quantize", "::mlir::func::FuncOp"> {
  let summary = "Fuses graph.rms_norm with the FP8 quantization of its result";
  let description = [{
    Rewrites `moe.quantize` (reduction along the last dimension) of a
    `graph.rms_norm` result into one `moe.rms_norm_quantize`, so that the
    normalized activation never goes to memory in the compute type. The
    `graph.rms_norm` stays when it has other users (the router reads the
    normalized activation in bf16). Scalings `moe.rms_norm_quantize` does
    not take (`per_channel`, blocks of more than one row) are left alone.
  }];
  let dependentDialects = ["::mlir::moec::moe::MoeDialect"];
}

def Tile : Pass<"moec-tile", "::mlir::ModuleOp"> {
  let summary = "Tiles matmuls, grouped matmuls and attention for a target";
  let description = [{
    Rewrites every `moe.matmul`, `moe.grouped_matmul` and `graph.attention`
    into explicit loop nests over tiles (docs/tiled-ir.md), with the tile
    sizes, MMA shape, pipeline depth and warpgroup roles a target
    description chooses per op from its shape and precision:

    - dense matmul: `scf.forall` over (row block, column block) output
      tiles, each an `scf.for` K loop. BF16/F32 accumulate with `tile.mma`;
      FP8 computes each K block from zero and `tile.promote`s it into the
      fp32 accumulator with the scales of that block (every 128 elements of
      K). `tile.epilogue` applies SwiGLU (the tile's rhs rows are gate rows
      followed by the matching up rows) and the residual.
    - grouped matmul: the expert weights are packed K-major
      (`tile.transpose_weight`), then `scf.for` over experts, `scf.for` over
      row blocks of the expert's segment (bounds read from the device
      offsets with `tensor.extract`), `scf.forall` over column blocks.
    - attention: `tile.head_rms_norm` (QK-norm), `tile.temperature_scale`
      and `tile.cache_write` on whole tensors, then `scf.forall` over
      (query block, head) with an online-softmax `scf.for` over the key
      blocks the mask lets the block see (from 0, or from the chunk start
      for chunked masks): `tile.mma`, `tile.flash_step`,
      `tile.flash_finalize`.

    The module gets `tile.target`, the outermost loop of every nest
    `tile.config`. Ops the target cannot tile (block scaling with K not a
    multiple of 128, SwiGLU halves not aligned to the scale blocks, rows
    TMA cannot copy, unsupported element types) are reported by name and
    the pass fails without rewriting anything.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"sm_90a\"",
           "Target description to tile for: sm_90a or cpu">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::moec::tile::TileDialect"];
}

#endif // MOEC_PASSES_PASSES_TD
