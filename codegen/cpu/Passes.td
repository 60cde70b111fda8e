//===- Passes.td - moec CPU code generator passes ----------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_CPU_PASSES_TD
#define MOEC_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuLowerTileGemm : Pass<"moec-cpu-lower-tile-gemm"> {
  let summary = "Lowers the GEMM tile ops to linalg on tensors for the CPU";
  let description = [{
    Rewrites the GEMM steps of tiled IR into `linalg` ops on tensors that the
    CPU pipeline (`moec-cpu-lower-to-llvm`) bufferizes and lowers:

    - `tile.mma`: a `linalg.generic` (m, n parallel, k reduction) reading
      `a[m, k]` and `b[n, k]`, widening each element to f32 and accumulating
      `acc += a * b` in f32. FP8 (`f8E4M3FN`, `f8E5M2`) is decoded exactly
      from its bits (sign, exponent, mantissa, subnormals, NaN and for
      e5m2 infinities), so no f8 arithmetic reaches LLVM. The multiply and
      add carry `fastmath<reassoc>`: the order of the k sum is free (the
      GPU's differs as well), which lets LLVM vectorize the reduction with
      partial sums (3x prefill on the CPU). Products of FP8 values are exact
      in f32, so FP8 results differ only by that order.
    - `tile.promote`: `acc + (partial * a_scale[i(m)]) * b_scale[j(n)]`, the
      scale rows selected by indexing maps (`i(m) = m` or 0,
      `j(n) = n floordiv b_block` or 0), multiplied in this order.
    - `tile.epilogue`: SwiGLU `silu(gate) * up` over the two halves of the
      accumulator (`silu(x) = x / (1 + exp(-x))`), then the residual (widened
      to f32), then one rounding to the result type.
    - `tile.transpose_weight`: `linalg.transpose` of the last two dims.
    - `moe.stack_experts`: each expert's `[out, in]` weight transposed into
      its `[in, out]` slot of the stacked tensor (FP8 compressed-tensors
      checkpoints; weight packing runs it once at compile time).

    The pass checks every op first and changes nothing if one cannot be
    lowered: an epilogue whose result element type has no f32 rounding on
    the CPU (FP8 or other 8-bit types) is reported by name.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuLowerTileAttention : Pass<"moec-cpu-lower-tile-attention"> {
  let summary = "Lowers the attention tile ops to linalg on tensors for the CPU";
  let description = [{
    Rewrites the attention steps of tiled IR into `linalg.generic` and
    `tensor` ops on tensors, all arithmetic in f32:

    - `tile.flash_step`: masked scaled scores (`k_pos > q_pos` hidden, and
      for `chunked_causal` keys of another chunk), the new row max, `p` and
      the correction `c` (both 0 while a row's max is still -inf, so fully
      masked rows keep `max = -inf`, `sum = 0`, `acc = 0`), then
      `sum * c + rowsum(p)` and `acc * c + p * value`.
    - `tile.flash_finalize`: `acc / sum` rounded to the result type.
    - `tile.head_rms_norm`: `x * (1 / sqrt(mean(x^2) + eps))` per head (the
      row viewed as `[heads, head_dim]` by `tensor.expand_shape`).
    - `tile.temperature_scale`: one factor per row from its position.
    - `tile.cache_write`: an `scf.for` over tokens inserting each new row at
      its position (`tensor.insert_slice`).

    The pass checks every op first and changes nothing if one cannot be
    lowered: an element type other than f32, bf16 or f16 in the computing
    ops is reported by name.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuLowerElementwise : Pass<"moec-cpu-lower-elementwise"> {
  let summary = "Lowers embedding, norms, RoPE and FP8 (de)quantization to linalg for the CPU";
  let description = [{
    Rewrites the row-wise graph and moe ops into `linalg.generic` ops on
    tensors, all arithmetic in f32 (as `test/reference/llama4_ref.py`):

    - `graph.embedding`: a gather (`tensor.extract` of `table[ids[t], h]`).
      Ids are validated by the runtime (see the op); the generated code
      additionally never reads out of bounds: an id outside `[0, vocab)`
      reads row 0 and its output row is written as zeros (not clamped).
    - `graph.rms_norm`: `sum(x^2)` per row, then
      `round(x * (1 / sqrt(sum / K + eps))) * weight`, the normalized value
      rounded to the input type before the weight multiply.
    - `graph.rope`: interleaved pairs rotated by `f32(position) *
      inv_freq[j]`; `inv_freq` (and the `#graph.llama3_rope` rescaling) is
      computed at compile time in fp32 and embedded as a constant.
    - `moe.quantize`, `moe.rms_norm_quantize`: `amax(|x|)` per scaling group
      (`per_tensor`, `per_token`, `per_channel`, `block RxK`, any reduction
      dimension), `scale = amax / 448` (1 for an all-zero group), and
      `x / scale` encoded to `f8E4M3FN` from its f32 bits (round to nearest
      even, saturating to +-448, NaN kept), so no f8 arithmetic reaches
      LLVM. The fused op is the RMSNorm above followed by the quantization.
    - `moe.dequantize`: `decode(q) * scale` of the element's group, rounded
      to the result type.

    The pass checks every op first and changes nothing if one cannot be
    lowered: a quantized result type other than `f8E4M3FN` is reported by
    name.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuLowerRouting : Pass<"moec-cpu-lower-routing"> {
  let summary = "Lowers MoE routing (router top-k, dispatch, combine) to loops for the CPU";
  let description = [{
    Rewrites the routed-level MoE ops into `linalg` ops and `scf.for` loops
    on tensors:

    - `moe.router_topk`: logits `x * router^T` accumulated in f32 and
      rounded to the input type, then per token the `top_k` largest logits
      (a strictly larger logit wins, so ties go to the lower expert) and
      `sigmoid(logit)` in f32.
    - `moe.dispatch`: histogram of (token, choice) pairs per expert, its
      exclusive prefix sum (`expert_offsets`), and a stable counting sort
      moving each input row (times its score, rounded to the row type
      first) to its slot; `source_rows` records `token * k + choice`.
    - `moe.combine`: every row added, times its score when given, into its
      token's f32 accumulator row, rounded once to the result type.

    Expert ids and source rows are clamped into range before they index
    memory, so corrupt routing data cannot read or write out of bounds.
    The pass checks every op first and changes nothing if one cannot be
    lowered: a float element type other than f32, bf16 or f16 is reported
    by name.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuOutlineWeightPacking : Pass<"moec-cpu-outline-weight-packing", "::mlir::ModuleOp"> {
  let summary = "Moves computations on weights out of @forward into @moec_pack";
  let description = [{
    Ops in @forward's body whose operands are all weights (`graph.weight_ref`)
    or constants, recursively — fused q|k|v and gate|up concatenations,
    `tile.transpose_weight`, casts to the compute type, `moe.quantize` of
    weights — compute the same values on every call. They move into a new
    function `@moec_pack() -> (...)`, which the compiler runs once on the
    checkpoint (moec compile packs its results into the artifact's weights);
    each result used by @forward becomes a new `graph.weight
    @moec.packed.N` that @forward reads. `@moec_pack` lists the names in
    `moec.packed_weights`. Ops with regions or memory effects, and results
    of dynamic shape, stay in @forward.
  }];
}

def CpuPlanArena : Pass<"moec-cpu-plan-arena", "::mlir::ModuleOp"> {
  let summary = "Places the temporaries of a bufferized step in one arena";
  let description = [{
    Runs on bufferized IR. Every `memref.alloc` in the top-level block of
    `function` whose byte size is `base + per_token * T` (or bounded by it),
    where T is dimension 0 of the `token-rows` arguments, becomes a
    `memref.view` of one arena, a new last `memref<?xi8>` argument. Offsets
    have the same affine form (aligned to `alignment`) and are chosen first
    fit so that temporaries whose live ranges overlap never share bytes for
    any T in [1, max-tokens]; a live range runs from the allocation to the
    last top-level op that uses the buffer or a view of it. Allocations in
    loops and data-dependent sizes keep malloc. The plan (`argument`,
    `alignment`, `max_tokens`, `size` and each buffer's `offset` and `size`
    as [base, per_token]) is the module attribute `moec.cpu_arena`.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"moec_forward\"",
           "The step function to plan">,
    Option<"tokensArgument", "tokens-argument", "unsigned", /*default=*/"2",
           "The argument whose dimension 0 is the token count T">,
    ListOption<"tokenRows", "token-rows", "unsigned",
               "Arguments whose dimension 0 is T (default: 2, 3, 4: ids, "
               "positions, logits)",
               "llvm::cl::list_init<unsigned>({2, 3, 4})">,
    Option<"maxTokens", "max-tokens", "int64_t", /*default=*/"4096",
           "Most tokens one call takes">,
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Alignment of every offset and size in bytes">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CpuBindRuntimeAbi : Pass<"moec-cpu-bind-runtime-abi", "::mlir::ModuleOp"> {
  let summary = "Binds @forward to the runtime's CPU step ABI";
  let description = [{
    Rewrites the tiled `@forward(ids, positions, caches...) -> (logits,
    caches...)` into `@moec_forward(%weights: memref<?xi8>, %kv_cache:
    memref<?xi8>, %ids: memref<?xi64>, %positions: memref<?xi64>, %logits:
    memref<?xVxf32>)` (with `llvm.emit_c_interface`), the buffers a CPU step
    receives from the runtime (runtime/schema/artifact.fbs):

    - every `graph.weight` gets a 64-byte aligned offset in the packed
      weights (declaration order); `graph.weight_ref` becomes a
      `memref.view` of the weights buffer at that offset;
    - the cache arguments get consecutive 64-byte aligned offsets in the
      KV-cache buffer and are updated in place there;
    - the logits are widened to f32 into the caller's buffer.

    The layout is recorded in the module attribute `moec.cpu_abi`
    (`entry`, `alignment`, `packed_size`, `weights`: a list of dictionaries
    with `name`, `type`, `offset` and `bytes`, `kv_cache_bytes`, `kv_caches`:
    dictionaries with `type` and `offset`) for the
    artifact writer; @forward and the `graph.weight` declarations are
    removed. A missing @forward, a signature other than the one above or a
    sub-byte element type is an error.

    Only weights @forward reads are laid out. With a `@moec_pack` (from
    `moec-cpu-outline-weight-packing`), it becomes
    `@moec_pack_weights(%checkpoint: memref<?xi8>, %packed: memref<?xi8>)`:
    its weights are views of the first buffer (layout `pack.inputs`, size
    `pack.input_size`), and each result is written to the packed weight of
    the same name in the second (marked `computed` in `weights`).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuEmitRuntimeEntry : Pass<"moec-cpu-emit-runtime-entry", "::mlir::ModuleOp"> {
  let summary = "Adds the `void entry(void **args)` trampoline the runtime calls";
  let description = [{
    After lowering to the LLVM dialect, adds `llvm.func @<entry>(!llvm.ptr)`
    that loads one pointer per parameter of `_mlir_ciface_<function>` from
    the argument array and calls it. The runtime calls every CPU step this
    way, with a memref-descriptor pointer per binding.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"moec_forward\"",
           "The function whose C interface wrapper the entry calls">,
    Option<"entry", "entry", "std::string", /*default=*/"\"moec_cpu_forward\"",
           "The entry symbol to emit">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CpuCheckAllocations : Pass<"moec-cpu-check-allocations", "::mlir::ModuleOp"> {
  let summary = "Defines the allocation functions of the lowered code, checking malloc";
  let description = [{
    After `finalize-memref-to-llvm{use-generic-functions=true}`, defines
    `_mlir_memref_to_llvm_alloc(i64) -> ptr` and `_mlir_memref_to_llvm_free(ptr)`
    in the module instead of leaving malloc unchecked. The alloc function calls
    `malloc`; when it returns null, it calls the handler in the exported global
    `moec_cpu_allocation_failed` (a `void (*)(i64 bytes)` the runtime sets
    after loading the code, which reports the error and does not return) and,
    when no handler is set, returns null. Declarations of either function
    that the module already defines are errors.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CpuLowerStridedCopies : Pass<"moec-cpu-lower-strided-copies"> {
  let summary = "Turns strided memref.copy into linalg.copy";
  let description = [{
    `memref.copy` between identity-layout memrefs lowers to `memcpy`; any
    other copy would call `memrefCopy` from MLIR's C runner library, which
    compiled shared objects do not link. Those become `linalg.copy`, which
    the CPU pipeline lowers to loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // MOEC_CODEGEN_CPU_PASSES_TD
