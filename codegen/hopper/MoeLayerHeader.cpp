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

static const char *kLayerBody = R"(typedef struct {
  CUmodule module;
  CUfunction route, offsets, dispatch, combine, quantize_inter,
      quantize_hidden, gate_up, down, shared_gate_up, shared_down;
  int sm_count;
} @NAME@_kernel;

/* Loads every kernel of the layer into the current context. */
static inline CUresult @NAME@_load(@NAME@_kernel *k) {
  struct { CUfunction *fn; const char *name; int smem; } entries[] = {
    {&k->route, "@NAME@_route", 0}, {&k->offsets, "@NAME@_offsets", 0},
    {&k->dispatch, "@NAME@_dispatch", 0}, {&k->combine, "@NAME@_combine", 0},
    {&k->quantize_inter, "@NAME@_quantize_inter", 0},
    {&k->quantize_hidden, "@NAME@_quantize_hidden", 0},
    {&k->gate_up, "@NAME@_gate_up", @UPPER@_GATE_UP_SMEM},
    {&k->down, "@NAME@_down", @UPPER@_DOWN_SMEM},
    {&k->shared_gate_up, "@NAME@_shared_gate_up", @UPPER@_SHARED_GATE_UP_SMEM},
    {&k->shared_down, "@NAME@_shared_down", @UPPER@_SHARED_DOWN_SMEM},
  };
  CUdevice device;
  CUresult status = cuCtxGetDevice(&device);
  unsigned i;
  if (status == CUDA_SUCCESS)
    status = cuDeviceGetAttribute(
        &k->sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
  if (status == CUDA_SUCCESS)
    status = cuModuleLoadData(&k->module, @NAME@_image);
  if (status != CUDA_SUCCESS)
    return status;
  for (i = 0; i < sizeof(entries) / sizeof(entries[0]); ++i) {
    status = cuModuleGetFunction(entries[i].fn, k->module, entries[i].name);
    if (status == CUDA_SUCCESS && entries[i].smem > 0)
      status = cuFuncSetAttribute(
          *entries[i].fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
          entries[i].smem);
    if (status != CUDA_SUCCESS) {
      cuModuleUnload(k->module);
      return status;
    }
  }
  return CUDA_SUCCESS;
}

static inline CUresult @NAME@_unload(@NAME@_kernel *k) {
  return cuModuleUnload(k->module);
}

/* Rows of the expert-sorted activations: every segment is padded to whole
   GEMM row tiles. */
static inline size_t @NAME@_capacity(int tokens) {
  size_t rows = (size_t)tokens +
                (size_t)@UPPER@_EXPERTS * (@UPPER@_ROW_ALIGN - 1);
  return (rows + @UPPER@_ROW_ALIGN - 1) / @UPPER@_ROW_ALIGN *
         @UPPER@_ROW_ALIGN;
}

/* The workspace, carved in 256-byte aligned pieces. */
typedef struct {
  CUdeviceptr counts, offsets, cursors, expert, score, token_row, tokens,
      a_q, a_scale, h, h_q, h_scale, y, xs_q, xs_scale, hs, hs_q, hs_scale,
      s;
  size_t bytes;
} @NAME@_workspace;

static inline @NAME@_workspace @NAME@_carve(CUdeviceptr base, int tokens) {
  @NAME@_workspace w;
  size_t cap = @NAME@_capacity(tokens), t = (size_t)tokens, at = 0;
  const size_t E = @UPPER@_EXPERTS, H = @UPPER@_HIDDEN, I = @UPPER@_INTER;
#define @UPPER@_TAKE(field, size)                                            \
  do {                                                                       \
    w.field = base + at;                                                     \
    at += ((size_t)(size) + 255) / 256 * 256;                                \
  } while (0)
  @UPPER@_TAKE(counts, 4 * E);
  @UPPER@_TAKE(offsets, 4 * (E + 1));
  @UPPER@_TAKE(cursors, 4 * E);
  @UPPER@_TAKE(expert, 4 * t);
  @UPPER@_TAKE(score, 4 * t);
  @UPPER@_TAKE(token_row, 4 * t);
  @UPPER@_TAKE(tokens, 4);
  @UPPER@_TAKE(a_q, cap * H);
  @UPPER@_TAKE(a_scale, 4 * cap);
  @UPPER@_TAKE(h, 2 * cap * I);
  @UPPER@_TAKE(h_q, cap * I);
  @UPPER@_TAKE(h_scale, 4 * cap);
  @UPPER@_TAKE(y, 2 * cap * H);
  @UPPER@_TAKE(xs_q, t * H);
  @UPPER@_TAKE(xs_scale, 4 * t);
  @UPPER@_TAKE(hs, 2 * t * I);
  @UPPER@_TAKE(hs_q, t * I);
  @UPPER@_TAKE(hs_scale, 4 * t);
  @UPPER@_TAKE(s, 2 * t * H);
#undef @UPPER@_TAKE
  w.bytes = at;
  return w;
}

/* Device bytes the launch needs for `tokens` tokens (256-byte aligned). */
static inline size_t @NAME@_workspace_bytes(int tokens) {
  return @NAME@_carve(0, tokens).bytes;
}

/* A TMA map over [sets][rows][k] (sets = 0: a 2D [rows][k]) of 1-byte
   elements read in [box_rows][128] boxes, 128-byte swizzled. */
static inline CUresult @NAME@_map(CUtensorMap *map, CUdeviceptr base,
                                  cuuint64_t sets, cuuint64_t rows,
                                  cuuint64_t k, cuuint32_t box_rows) {
  cuuint64_t dims[3] = {k, rows, sets};
  cuuint64_t strides[2] = {k, k * rows};
  cuuint32_t box[3] = {128, box_rows, 1};
  cuuint32_t element_strides[3] = {1, 1, 1};
  return cuTensorMapEncodeTiled(
      map, CU_TENSOR_MAP_DATA_TYPE_UINT8, sets ? 3 : 2,
      (void *)(uintptr_t)base, dims, strides, box, element_strides,
      CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

/* One GEMM: a [rows][k] FP8 activations, b weights ([sets][n][k], or
   [n][k] with sets = 0), c out; last = &offsets (grouped) or &m (dense). */
static inline CUresult @NAME@_gemm(CUfunction fn, unsigned grid,
                                   unsigned threads, unsigned smem,
                                   CUdeviceptr a, cuuint64_t rows,
                                   cuuint32_t a_box, CUdeviceptr b,
                                   cuuint64_t sets, cuuint64_t n,
                                   cuuint32_t b_box, cuuint64_t k,
                                   CUdeviceptr c, CUdeviceptr scale_a,
                                   CUdeviceptr scale_b, void *last,
                                   CUstream stream) {
  CUtensorMap map_a, map_b;
  void *params[6];
  CUresult status = @NAME@_map(&map_a, a, 0, rows, k, a_box);
  if (status == CUDA_SUCCESS)
    status = @NAME@_map(&map_b, b, sets, n, k, b_box);
  if (status != CUDA_SUCCESS)
    return status;
  params[0] = &map_a;
  params[1] = &map_b;
  params[2] = &c;
  params[3] = &scale_a;
  params[4] = &scale_b;
  params[5] = last;
  return cuLaunchKernel(fn, grid, 1, 1, threads, 1, 1, smem, stream, params,
                        NULL);
}

static inline CUresult @NAME@_small(CUfunction fn, unsigned grid,
                                    unsigned smem, void **params,
                                    CUstream stream) {
  return cuLaunchKernel(fn, grid, 1, 1, @UPPER@_SMALL_THREADS, 1, 1, smem,
                        stream, params, NULL);
}

/* out[T][H] (bf16) = MoE(x) + SharedExpert(x) for x[T][H] (bf16):
   router bf16[E][H]; w13 e4m3[E][2I][H] (gate rows [0, I), up rows
   [I, 2I)) with w13_scale float[E][2I]; w2 e4m3[E][H][I] with w2_scale
   float[E][H]; shared_w13 e4m3[2I][H] with shared_w13_scale float[2I];
   shared_w2 e4m3[H][I] with shared_w2_scale float[H]. Top-1 routing: the
   expert's input is x * sigmoid(router logit), quantized to FP8 per token.
   workspace: @NAME@_workspace_bytes(tokens) device bytes, 256-byte
   aligned. Everything is queued on `stream`: no host synchronization, so
   the sequence can be captured in a CUDA graph. */
static inline CUresult @NAME@_launch(
    const @NAME@_kernel *k, CUdeviceptr x, CUdeviceptr router,
    CUdeviceptr w13, CUdeviceptr w13_scale, CUdeviceptr w2,
    CUdeviceptr w2_scale, CUdeviceptr shared_w13,
    CUdeviceptr shared_w13_scale, CUdeviceptr shared_w2,
    CUdeviceptr shared_w2_scale, CUdeviceptr out, int tokens,
    CUdeviceptr workspace, CUstream stream) {
  const cuuint64_t E = @UPPER@_EXPERTS, H = @UPPER@_HIDDEN,
                   I = @UPPER@_INTER;
  @NAME@_workspace w;
  size_t cap;
  unsigned t = (unsigned)tokens, shared_grid;
  CUdeviceptr total_rows;
  CUresult status;
  int m = tokens;
  if (tokens <= 0 || (workspace & 255) != 0 || ((x | w13 | w2) & 15) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  w = @NAME@_carve(workspace, tokens);
  cap = @NAME@_capacity(tokens);
  total_rows = w.offsets + 4 * E;
  status = cuMemsetD32Async(w.counts, 0, (size_t)E, stream);
  if (status == CUDA_SUCCESS)
    status = cuMemsetD32Async(w.tokens, (unsigned)tokens, 1, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &router, &w.expert, &w.score, &w.counts, &m};
    status = @NAME@_small(k->route, t, @UPPER@_ROUTE_SMEM, p, stream);
  }
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w.counts, &w.offsets, &w.cursors};
    status = @NAME@_small(k->offsets, 1, 64, p, stream);
  }
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &w.expert, &w.score, &w.offsets, &w.counts,
                 &w.cursors, &w.a_q, &w.a_scale, &w.token_row, &m};
    status = @NAME@_small(k->dispatch, t + (unsigned)E, 64, p, stream);
  }
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k->gate_up, (unsigned)k->sm_count,
                         @UPPER@_GATE_UP_THREADS, @UPPER@_GATE_UP_SMEM, w.a_q,
                         cap, @UPPER@_ROW_ALIGN, w13, E, 2 * I,
                         @UPPER@_GATE_UP_B_BOX, H, w.h, w.a_scale, w13_scale,
                         &w.offsets, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w.h, &total_rows, &w.h_q, &w.h_scale};
    status = @NAME@_small(k->quantize_inter, (unsigned)cap, 64, p, stream);
  }
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k->down, (unsigned)k->sm_count, @UPPER@_DOWN_THREADS,
                         @UPPER@_DOWN_SMEM, w.h_q, cap, @UPPER@_ROW_ALIGN, w2,
                         E, H, @UPPER@_DOWN_B_BOX, I, w.y, w.h_scale,
                         w2_scale, &w.offsets, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &w.tokens, &w.xs_q, &w.xs_scale};
    status = @NAME@_small(k->quantize_hidden, t, 64, p, stream);
  }
  shared_grid = (t + @UPPER@_SHARED_GATE_UP_TILE_M - 1) /
                @UPPER@_SHARED_GATE_UP_TILE_M *
                (unsigned)((I + @UPPER@_SHARED_GATE_UP_B_BOX - 1) /
                           @UPPER@_SHARED_GATE_UP_B_BOX);
  if (shared_grid > (unsigned)k->sm_count)
    shared_grid = (unsigned)k->sm_count;
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k->shared_gate_up, shared_grid,
                         @UPPER@_SHARED_GATE_UP_THREADS,
                         @UPPER@_SHARED_GATE_UP_SMEM, w.xs_q, t,
                         @UPPER@_SHARED_GATE_UP_TILE_M, shared_w13, 0, 2 * I,
                         @UPPER@_SHARED_GATE_UP_B_BOX, H, w.hs, w.xs_scale,
                         shared_w13_scale, &m, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w.hs, &w.tokens, &w.hs_q, &w.hs_scale};
    status = @NAME@_small(k->quantize_inter, t, 64, p, stream);
  }
  shared_grid = (t + @UPPER@_SHARED_DOWN_TILE_M - 1) /
                @UPPER@_SHARED_DOWN_TILE_M *
                (unsigned)((H + @UPPER@_SHARED_DOWN_B_BOX - 1) /
                           @UPPER@_SHARED_DOWN_B_BOX);
  if (shared_grid > (unsigned)k->sm_count)
    shared_grid = (unsigned)k->sm_count;
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k->shared_down, shared_grid,
                         @UPPER@_SHARED_DOWN_THREADS, @UPPER@_SHARED_DOWN_SMEM,
                         w.hs_q, t, @UPPER@_SHARED_DOWN_TILE_M, shared_w2, 0,
                         H, @UPPER@_SHARED_DOWN_B_BOX, I, w.s, w.hs_scale,
                         shared_w2_scale, &m, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w.y, &w.s, &w.token_row, &out, &m};
    status = @NAME@_small(k->combine, t, 64, p, stream);
  }
  return status;
}
)";

static std::string replaceAll(std::string text, llvm::StringRef from,
                              llvm::StringRef to) {
  size_t at = 0;
  while ((at = text.find(from.str(), at)) != std::string::npos) {
    text.replace(at, from.size(), to.str());
    at += to.size();
  }
  return text;
}

std::string hopper::emitMoeLayerHeader(const MoeLayerSpec &spec,
                                       const KernelImage &image) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string upper = llvm::StringRef(spec.name).upper();
  os << "/* Generated by moec emit-kernel moe-layer: do not edit.\n   "
     << spec.name << ": a Llama 4 MoE layer (top-1 routing over "
     << spec.experts << " experts plus a shared expert, hidden " << spec.hidden
     << ", expert width " << spec.inter
     << ", FP8 row-wise) for sm_90a.\n   Link with -lcuda. */\n";
  os << headerPrologue(upper);
  os << "enum {\n";
  auto constant = [&](llvm::StringRef name, int64_t value) {
    os << "  " << upper << "_" << name << " = " << value << ",\n";
  };
  constant("EXPERTS", spec.experts);
  constant("HIDDEN", spec.hidden);
  constant("INTER", spec.inter);
  constant("ROW_ALIGN", spec.routing.rowAlignment);
  constant("SMALL_THREADS", kMoeKernelThreads);
  constant("ROUTE_SMEM", routeKernelSmemBytes(spec.routing));
  for (auto [prefix, gemm] :
       {std::pair{"GATE_UP", &spec.gateUp}, std::pair{"DOWN", &spec.down},
        std::pair{"SHARED_GATE_UP", &spec.sharedGateUp},
        std::pair{"SHARED_DOWN", &spec.sharedDown}}) {
    constant(std::string(prefix) + "_THREADS", gemm->threads());
    constant(std::string(prefix) + "_SMEM", gemm->smemBytes());
    constant(std::string(prefix) + "_TILE_M", gemm->tileM);
    constant(std::string(prefix) + "_B_BOX", gemm->bBoxRows());
  }
  os << "};\n\n";
  os << formatImageBytes(spec.name, image);
  std::string body = replaceAll(kLayerBody, "@NAME@", spec.name);
  os << replaceAll(body, "@UPPER@", upper);
  os << headerEpilogue(upper);
  return text;
}

std::string hopper::emitMoeLayerDescription(const MoeLayerSpec &spec) {
  llvm::json::Array gemms;
  for (const GemmKernelSpec *gemm :
       {&spec.gateUp, &spec.down, &spec.sharedGateUp, &spec.sharedDown})
    gemms.push_back(describeGemm(*gemm));
  llvm::json::Object description{
      {"kind", "moe_layer"},
      {"name", spec.name},
      {"target", "sm_90a"},
      {"precision", stringifyGemmPrecision(spec.precision)},
      {"experts", spec.experts},
      {"hidden", spec.hidden},
      {"inter", spec.inter},
      {"row_alignment", spec.routing.rowAlignment},
      {"gemms", std::move(gemms)},
      {"kernels",
       llvm::json::Array{spec.name + "_route", spec.name + "_offsets",
                         spec.name + "_dispatch", spec.name + "_combine",
                         spec.quantizeInterName(), spec.quantizeHiddenName()}},
  };
  return formatDescription(std::move(description));
}
