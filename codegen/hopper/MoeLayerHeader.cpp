//===- MoeLayerHeader.cpp - the C header of a MoE layer ---------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/MoeLayer.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

/// NAME.h after the constants and the image declaration.
static const char *kLayerDecls =
    R"(/* One GEMM kernel of the layer and its launch shape. */
typedef struct {
  CUfunction fn;
  unsigned threads, smem, tile_m, b_box;
} @NAME@_gemm_kernel;

enum {
  @UPPER@_GATE_UP,
  @UPPER@_DOWN,
  @UPPER@_SHARED_GATE_UP,
  @UPPER@_SHARED_DOWN,
  @UPPER@_GEMMS
};

typedef struct {
  CUmodule module;
  CUfunction route, offsets, dispatch, combine, quantize_inter,
      quantize_hidden;
  /* gemm[0]: prefill tiling, gemm[1]: decode tiling (swap-AB). */
  @NAME@_gemm_kernel gemm[2][@UPPER@_GEMMS];
  int sm_count;
  /* The shared expert runs on `side`, forked from and joined back to the
     launch's stream with these events. */
  CUstream side;
  CUevent fork, join;
} @NAME@_kernel;

/* Loads every kernel of the layer into the current context. */
CUresult @NAME@_load(@NAME@_kernel *k);

/* Destroys the side stream and events and unloads the module. */
CUresult @NAME@_unload(@NAME@_kernel *k);

/* The tiling the target description picked for this many tokens: 1 for
   the decode (swap-AB) GEMMs of the routed experts, 0 for prefill. */
int @NAME@_routed_decode(int tokens);
int @NAME@_shared_decode(int tokens);

/* Rows of the expert-sorted activations: every segment is padded to whole
   row tiles of the routed GEMMs the token count picks. */
size_t @NAME@_capacity(int tokens);

/* The workspace, carved in 256-byte aligned pieces. */
typedef struct {
  CUdeviceptr counts, offsets, cursors, expert, score, token_row, tokens,
      a_q, a_scale, h, h_amax, h_q, h_scale, y, xs_q, xs_scale, hs, hs_amax,
      hs_q, hs_scale, s;
  size_t bytes;
} @NAME@_workspace;

/* The workspace's pieces at `base` for `tokens` tokens. */
@NAME@_workspace @NAME@_carve(CUdeviceptr base, int tokens);

/* Device bytes the launch needs for `tokens` tokens (256-byte aligned). */
size_t @NAME@_workspace_bytes(int tokens);

/* out[T][H] (bf16) = MoE(x) + SharedExpert(x) (+ residual) for x[T][H]
   (bf16): router bf16[E][H]; w13 W[E][2I][H] (gate rows [0, I), up
   rows [I, 2I)) with w13_scale float[E][2I]; w2 W[E][H][I] with
   w2_scale float[E][H]; shared_w13 W[2I][H] with shared_w13_scale
   float[2I]; shared_w2 W[H][I] with shared_w2_scale float[H]; W is e4m3
   with those row scales (FP8 layer) or bf16 (bf16 layer: the scale
   pointers are unused);
   residual bf16[T][H] or 0 (the decoder layer's residual add, fused into
   the combine; each sum is rounded to bf16 as the unfused layer rounds
   it). Top-1 routing: the expert's input is x * sigmoid(router logit),
   quantized to FP8 per token (rounded to bf16 in a bf16 layer).
   workspace: @NAME@_workspace_bytes(tokens) device bytes. The
   packed weights `moec pack-moe-layer` writes are in this layout, under
   these parameter names (docs/hopper-codegen.md). The token count picks
   the prefill or
   decode GEMMs. Everything is queued on `stream` and, for the shared
   expert (which needs only x), on k->side forked from it and joined back
   before the combine: no host synchronization, so the sequence can be
   captured in a CUDA graph. One launch at a time per kernel object.
@ALIGN_DOC@   Returns CUDA_ERROR_INVALID_VALUE for tokens <= 0 too. */
CUresult @NAME@_launch(
    const @NAME@_kernel *k, CUdeviceptr x, CUdeviceptr router,
    CUdeviceptr w13, CUdeviceptr w13_scale, CUdeviceptr w2,
    CUdeviceptr w2_scale, CUdeviceptr shared_w13,
    CUdeviceptr shared_w13_scale, CUdeviceptr shared_w2,
    CUdeviceptr shared_w2_scale, CUdeviceptr residual, CUdeviceptr out,
    int tokens, CUdeviceptr workspace, CUstream stream);
)";

/// The rows of NAME_load's GEMM table: name, threads, smem, tile M, B box.
static std::string gemmTable(const MoeLayerSpec &spec) {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (const GemmKernelSpec *gemm : spec.gemms())
    os << "\n      {\"" << gemm->name << "\", " << gemm->threads() << ", "
       << gemm->smemBytes() << ", " << gemm->tileM << ", " << gemm->bBoxRows()
       << "},";
  return text;
}

std::vector<PointerParam> hopper::moeLayerPointerParams() {
  // TMA global addresses and the row kernels' 16-byte vector accesses need
  // 16 bytes; float scales 4; the workspace is carved in 256-byte pieces.
  return {{"x", 16},          {"router", 16},
          {"w13", 16},        {"w13_scale", 4},
          {"w2", 16},         {"w2_scale", 4},
          {"shared_w13", 16}, {"shared_w13_scale", 4},
          {"shared_w2", 16},  {"shared_w2_scale", 4},
          {"residual", 16},   {"out", 16},
          {"workspace", 256}};
}

/// The layer's constants: NAME.h's first enum.
static std::string layerConstants(const MoeLayerSpec &spec,
                                  llvm::StringRef upper) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "enum {\n";
  auto constant = [&](llvm::StringRef name, int64_t value) {
    os << "  " << upper << "_" << name << " = " << value << ",\n";
  };
  constant("EXPERTS", spec.experts);
  constant("HIDDEN", spec.hidden);
  constant("INTER", spec.inter);
  constant("FP8", spec.isFp8() ? 1 : 0);
  constant("ELEMENT_BYTES", spec.isFp8() ? 1 : 2);
  constant("ROW_ALIGN", spec.rowAlignment());
  constant("DECODE_ROW_ALIGN", spec.decodeRowAlignment());
  constant("ROUTED_DECODE_MAX_TOKENS", spec.routedDecodeMaxTokens);
  constant("SHARED_DECODE_MAX_TOKENS", spec.sharedDecodeMaxTokens);
  constant("SMALL_THREADS", kMoeKernelThreads);
  constant("ROUTE_SMEM", routeKernelSmemBytes(spec.routing));
  os << alignmentConstants(upper, moeLayerPointerParams());
  os << "};\n\n";
  return text;
}

/// `text` with the layer templates' placeholders filled in.
static std::string substitute(std::string text, const MoeLayerSpec &spec) {
  std::vector<PointerParam> pointers = moeLayerPointerParams();
  text = replaceAll(text, "@GEMM_TABLE@", gemmTable(spec));
  text = replaceAll(text, "@ALIGN_DOC@", alignmentDoc(pointers));
  text = replaceAll(text, "@MISALIGNED@", misalignedCheck(pointers));
  text = replaceAll(text, "@NAME@", spec.name);
  return replaceAll(text, "@UPPER@", llvm::StringRef(spec.name).upper());
}

KernelSources hopper::emitMoeLayerSources(const MoeLayerSpec &spec,
                                          const KernelImage &image,
                                          const KernelProvenance &provenance) {
  std::string upper = llvm::StringRef(spec.name).upper();
  std::string summary;
  llvm::raw_string_ostream os(summary);
  os << spec.name << ": a Llama 4 MoE layer (top-1 routing over "
     << spec.experts << " experts plus a shared\nexpert, hidden " << spec.hidden
     << ", expert width " << spec.inter
     << (spec.isFp8() ? ", FP8 row-wise" : ", bf16") << ") for sm_90a.\n"
     << "Compile " << spec.name << ".c with this header and link with -lcuda.";
  std::string banner = fileBanner(summary, provenance);
  KernelSources sources;
  sources.header = banner + headerPrologue(upper) +
                   layerConstants(spec, upper) + imageDeclaration(spec.name) +
                   substitute(kLayerDecls, spec) + headerEpilogue(upper);
  sources.source = banner + sourcePrologue(spec.name, image) +
                   substitute(moeLayerDefinitionsTemplate().str(), spec);
  return sources;
}

std::string
hopper::emitMoeLayerDescription(const MoeLayerSpec &spec,
                                const KernelProvenance &provenance) {
  llvm::json::Array gemms, decodeGemms;
  for (const GemmKernelSpec *gemm :
       {&spec.gateUp, &spec.down, &spec.sharedGateUp, &spec.sharedDown})
    gemms.push_back(describeGemm(*gemm));
  for (const GemmKernelSpec *gemm :
       {&spec.gateUpDecode, &spec.downDecode, &spec.sharedGateUpDecode,
        &spec.sharedDownDecode})
    decodeGemms.push_back(describeGemm(*gemm));
  llvm::json::Array kernels{spec.name + "_route", spec.name + "_offsets",
                            spec.name + "_dispatch", spec.name + "_combine"};
  if (spec.isFp8()) {
    kernels.push_back(spec.quantizeInterName());
    kernels.push_back(spec.quantizeHiddenName());
  }
  llvm::json::Object description{
      {"kind", "moe_layer"},
      {"name", spec.name},
      {"target", "sm_90a"},
      {"precision", stringifyGemmPrecision(spec.precision)},
      {"experts", spec.experts},
      {"hidden", spec.hidden},
      {"inter", spec.inter},
      {"row_alignment", spec.rowAlignment()},
      {"decode_row_alignment", spec.decodeRowAlignment()},
      {"routed_decode_max_tokens", spec.routedDecodeMaxTokens},
      {"shared_decode_max_tokens", spec.sharedDecodeMaxTokens},
      {"gemms", std::move(gemms)},
      {"decode_gemms", std::move(decodeGemms)},
      {"kernels", std::move(kernels)},
      {"alignment", describeAlignment(moeLayerPointerParams())},
  };
  return formatDescription(std::move(description), provenance);
}
