//===- MoeLayerSource.cpp - NAME.c of a MoE layer ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The definitions NAME.c of a MoE layer holds: loading its kernels, the
// workspace, the TMA maps and the launch sequence (router, offsets,
// dispatch, grouped GEMMs, quantizers, the shared expert on a side stream,
// combine). MoeLayerHeader.cpp fills in the placeholders.
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/MoeLayer.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

static const char *kLayerDefs =
    R"(/* Destroys what a failed load created: nothing may outlive it. */
static void @NAME@_release_streams(@NAME@_kernel *k) {
  if (k->join)
    cuEventDestroy(k->join);
  if (k->fork)
    cuEventDestroy(k->fork);
  if (k->side)
    cuStreamDestroy(k->side);
  k->join = k->fork = NULL;
  k->side = NULL;
}

CUresult @NAME@_load(@NAME@_kernel *k) {
  static const char *const small_names[] = {
      "@NAME@_route", "@NAME@_offsets", "@NAME@_dispatch", "@NAME@_combine",
      "@NAME@_quantize_inter", "@NAME@_quantize_hidden"};
  CUfunction *small[] = {&k->route, &k->offsets, &k->dispatch, &k->combine,
                         &k->quantize_inter, &k->quantize_hidden};
  static const struct {
    const char *name;
    unsigned threads, smem, tile_m, b_box;
  } gemms[2 * @UPPER@_GEMMS] = {@GEMM_TABLE@};
  CUdevice device;
  CUresult status = cuCtxGetDevice(&device);
  unsigned i;
  k->side = NULL;
  k->fork = k->join = NULL;
  if (status == CUDA_SUCCESS)
    status = cuDeviceGetAttribute(
        &k->sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
  if (status == CUDA_SUCCESS)
    status = cuStreamCreate(&k->side, CU_STREAM_NON_BLOCKING);
  if (status == CUDA_SUCCESS)
    status = cuEventCreate(&k->fork, CU_EVENT_DISABLE_TIMING);
  if (status == CUDA_SUCCESS)
    status = cuEventCreate(&k->join, CU_EVENT_DISABLE_TIMING);
  if (status == CUDA_SUCCESS)
    status = cuModuleLoadData(&k->module, @NAME@_image);
  if (status != CUDA_SUCCESS) {
    @NAME@_release_streams(k);
    return status;
  }
  /* A bf16 layer has no quantizers (the last two). */
  for (i = 0; i < (@UPPER@_FP8 ? 6u : 4u) && status == CUDA_SUCCESS; ++i)
    status = cuModuleGetFunction(small[i], k->module, small_names[i]);
  for (i = 0; i < 2 * @UPPER@_GEMMS && status == CUDA_SUCCESS; ++i) {
    @NAME@_gemm_kernel *g = &k->gemm[i / @UPPER@_GEMMS][i % @UPPER@_GEMMS];
    g->threads = gemms[i].threads;
    g->smem = gemms[i].smem;
    g->tile_m = gemms[i].tile_m;
    g->b_box = gemms[i].b_box;
    status = cuModuleGetFunction(&g->fn, k->module, gemms[i].name);
    if (status == CUDA_SUCCESS)
      status = cuFuncSetAttribute(
          g->fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, g->smem);
  }
  if (status != CUDA_SUCCESS) {
    cuModuleUnload(k->module);
    @NAME@_release_streams(k);
  }
  return status;
}

CUresult @NAME@_unload(@NAME@_kernel *k) {
  cuEventDestroy(k->join);
  cuEventDestroy(k->fork);
  cuStreamDestroy(k->side);
  return cuModuleUnload(k->module);
}

int @NAME@_routed_decode(int tokens) {
  return tokens <= @UPPER@_ROUTED_DECODE_MAX_TOKENS;
}
int @NAME@_shared_decode(int tokens) {
  return tokens <= @UPPER@_SHARED_DECODE_MAX_TOKENS;
}

size_t @NAME@_capacity(int tokens) {
  size_t align = @NAME@_routed_decode(tokens) ? @UPPER@_DECODE_ROW_ALIGN
                                              : @UPPER@_ROW_ALIGN;
  size_t rows = (size_t)tokens + (size_t)@UPPER@_EXPERTS * (align - 1);
  return (rows + align - 1) / align * align;
}

@NAME@_workspace @NAME@_carve(CUdeviceptr base, int tokens) {
  @NAME@_workspace w;
  size_t cap = @NAME@_capacity(tokens), t = (size_t)tokens, at = 0;
  const size_t E = @UPPER@_EXPERTS, H = @UPPER@_HIDDEN, I = @UPPER@_INTER;
  /* Bytes of a GEMM operand element, and of the FP8-only buffers' rows. */
  const size_t B = @UPPER@_ELEMENT_BYTES, Q = @UPPER@_FP8;
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
  @UPPER@_TAKE(a_q, B * cap * H);
  @UPPER@_TAKE(a_scale, Q * 4 * cap);
  @UPPER@_TAKE(h, 2 * cap * I);
  @UPPER@_TAKE(h_amax, Q * 4 * cap);
  @UPPER@_TAKE(h_q, Q * cap * I);
  @UPPER@_TAKE(h_scale, Q * 4 * cap);
  @UPPER@_TAKE(y, 2 * cap * H);
  @UPPER@_TAKE(xs_q, Q * t * H);
  @UPPER@_TAKE(xs_scale, Q * 4 * t);
  @UPPER@_TAKE(hs, 2 * t * I);
  @UPPER@_TAKE(hs_amax, Q * 4 * t);
  @UPPER@_TAKE(hs_q, Q * t * I);
  @UPPER@_TAKE(hs_scale, Q * 4 * t);
  @UPPER@_TAKE(s, 2 * t * H);
#undef @UPPER@_TAKE
  w.bytes = at;
  return w;
}

size_t @NAME@_workspace_bytes(int tokens) {
  return @NAME@_carve(0, tokens).bytes;
}

/* A TMA map over [sets][rows][k] (sets = 0: a 2D [rows][k]) of the
   layer's operand elements (e4m3 or bf16) read in boxes of box_rows rows of
   128 bytes, 128-byte swizzled. */
static CUresult @NAME@_map(CUtensorMap *map, CUdeviceptr base,
                                  cuuint64_t sets, cuuint64_t rows,
                                  cuuint64_t k, cuuint32_t box_rows) {
  const cuuint64_t bytes = @UPPER@_ELEMENT_BYTES;
  cuuint64_t dims[3] = {k, rows, sets};
  cuuint64_t strides[2] = {k * bytes, k * bytes * rows};
  cuuint32_t box[3] = {(cuuint32_t)(128 / bytes), box_rows, 1};
  cuuint32_t element_strides[3] = {1, 1, 1};
  return cuTensorMapEncodeTiled(
      map,
      bytes == 1 ? CU_TENSOR_MAP_DATA_TYPE_UINT8
                 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
      sets ? 3 : 2,
      (void *)(uintptr_t)base, dims, strides, box, element_strides,
      CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

/* One GEMM: a [rows][k] FP8 activations, b weights ([sets][n][k], or
   [n][k] with sets = 0), c out; last = &offsets (grouped) or &m (dense);
   row_amax: the gate|up GEMMs' row maxima (FP8 layers), else NULL.
   grid = 0: one CTA per SM (grouped: the tile count is on the device);
   dense GEMMs launch min(tiles, SMs) with n_out output columns. */
static CUresult @NAME@_gemm(const @NAME@_kernel *k,
                                   const @NAME@_gemm_kernel *g,
                                   CUdeviceptr a, cuuint64_t rows,
                                   CUdeviceptr b, cuuint64_t sets,
                                   cuuint64_t n, cuuint64_t n_out,
                                   cuuint64_t kdim, CUdeviceptr c,
                                   CUdeviceptr scale_a, CUdeviceptr scale_b,
                                   void *last, CUdeviceptr *row_amax,
                                   CUstream stream) {
  MOEC_TENSOR_MAP_ALIGNED CUtensorMap map_a, map_b;
  void *params[7];
  unsigned grid = (unsigned)k->sm_count;
  CUresult status = @NAME@_map(&map_a, a, 0, rows, kdim, g->tile_m);
  if (status == CUDA_SUCCESS)
    status = @NAME@_map(&map_b, b, sets, n, kdim, g->b_box);
  if (status != CUDA_SUCCESS)
    return status;
  if (!sets) {
    cuuint64_t tiles = (rows + g->tile_m - 1) / g->tile_m *
                       ((n_out + g->b_box - 1) / g->b_box);
    if (tiles < grid)
      grid = (unsigned)tiles;
  }
  params[0] = &map_a;
  params[1] = &map_b;
  params[2] = &c;
  params[3] = &scale_a;
  params[4] = &scale_b;
  params[5] = last;
  params[6] = row_amax;
  return cuLaunchKernel(g->fn, grid, 1, 1, g->threads, 1, 1, g->smem, stream,
                        params, NULL);
}

static CUresult @NAME@_small(CUfunction fn, unsigned grid,
                                    unsigned smem, void **params,
                                    CUstream stream) {
  return cuLaunchKernel(fn, grid, 1, 1, @UPPER@_SMALL_THREADS, 1, 1, smem,
                        stream, params, NULL);
}

/* Histogram reset, router, segment offsets, dispatch into the segments. */
static CUresult @NAME@_route_tokens(const @NAME@_kernel *k,
                                           @NAME@_workspace *w,
                                           CUdeviceptr x, CUdeviceptr router,
                                           int m, CUstream stream) {
  unsigned t = (unsigned)m;
  int align = @NAME@_routed_decode(m) ? @UPPER@_DECODE_ROW_ALIGN
                                      : @UPPER@_ROW_ALIGN;
  CUresult status = cuMemsetD32Async(w->counts, 0, @UPPER@_EXPERTS, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &router, &w->expert, &w->score,
                 &w->counts, &m};
    status = @NAME@_small(k->route, t, @UPPER@_ROUTE_SMEM, p, stream);
  }
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w->counts, &w->offsets,
                 &w->cursors, &align};
    status = @NAME@_small(k->offsets, 1, 64, p, stream);
  }
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &w->expert, &w->score,
                 &w->offsets, &w->counts, &w->cursors,
                 &w->a_q, &w->a_scale, &w->token_row,
                 &m};
    status = @NAME@_small(k->dispatch, t + @UPPER@_EXPERTS, 64, p, stream);
  }
  return status;
}

/* Grouped gate|up with SwiGLU (FP8: reducing each row's maximum into
   h_amax), FP8 re-quantization in one pass, grouped down (bf16: down reads
   gate|up's output directly). */
static CUresult @NAME@_routed_experts(
    const @NAME@_kernel *k, @NAME@_workspace *w, CUdeviceptr w13,
    CUdeviceptr w13_scale, CUdeviceptr w2, CUdeviceptr w2_scale, int m,
    CUstream stream) {
  const cuuint64_t E = @UPPER@_EXPERTS, H = @UPPER@_HIDDEN,
                   I = @UPPER@_INTER;
  const @NAME@_gemm_kernel *g = k->gemm[@NAME@_routed_decode(m)];
  size_t cap = @NAME@_capacity(m);
  CUdeviceptr total_rows = w->offsets + 4 * E;
  CUresult status = CUDA_SUCCESS;
  if (@UPPER@_FP8)
    status = cuMemsetD32Async(w->h_amax, 0, cap, stream);
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k, &g[@UPPER@_GATE_UP], w->a_q, cap, w13, E, 2 * I,
                         I, H, w->h, w->a_scale, w13_scale, &w->offsets,
                         @UPPER@_FP8 ? &w->h_amax : NULL, stream);
  if (!@UPPER@_FP8) {
    if (status == CUDA_SUCCESS)
      status = @NAME@_gemm(k, &g[@UPPER@_DOWN], w->h, cap, w2, E, H, H, I,
                           w->y, 0, w2_scale, &w->offsets, NULL, stream);
    return status;
  }
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w->h, &total_rows, &w->h_amax, &w->h_q,
                 &w->h_scale};
    status = @NAME@_small(k->quantize_inter, (unsigned)cap, 64, p, stream);
  }
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k, &g[@UPPER@_DOWN], w->h_q, cap, w2, E, H, H, I,
                         w->y, w->h_scale, w2_scale, &w->offsets, NULL,
                         stream);
  return status;
}

/* The shared expert on the unscaled input: quantize, gate|up, quantize,
   down (bf16: gate|up on x, down on its output). */
static CUresult @NAME@_shared_expert(
    const @NAME@_kernel *k, @NAME@_workspace *w, CUdeviceptr x,
    CUdeviceptr shared_w13, CUdeviceptr shared_w13_scale,
    CUdeviceptr shared_w2, CUdeviceptr shared_w2_scale, int m,
    CUstream stream) {
  const cuuint64_t H = @UPPER@_HIDDEN, I = @UPPER@_INTER;
  const @NAME@_gemm_kernel *g = k->gemm[@NAME@_shared_decode(m)];
  CUresult status;
  if (!@UPPER@_FP8) {
    status = @NAME@_gemm(k, &g[@UPPER@_SHARED_GATE_UP], x, m, shared_w13, 0,
                         2 * I, I, H, w->hs, 0, shared_w13_scale, &m, NULL,
                         stream);
    if (status == CUDA_SUCCESS)
      status = @NAME@_gemm(k, &g[@UPPER@_SHARED_DOWN], w->hs, m, shared_w2, 0,
                           H, H, I, w->s, 0, shared_w2_scale, &m, NULL,
                           stream);
    return status;
  }
  status = cuMemsetD32Async(w->hs_amax, 0, (size_t)m, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&x, &w->tokens, &w->xs_q,
                 &w->xs_scale};
    status = @NAME@_small(k->quantize_hidden, (unsigned)m, 64, p, stream);
  }
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k, &g[@UPPER@_SHARED_GATE_UP], w->xs_q, m,
                         shared_w13, 0, 2 * I, I, H, w->hs, w->xs_scale,
                         shared_w13_scale, &m, &w->hs_amax, stream);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w->hs, &w->tokens, &w->hs_amax, &w->hs_q,
                 &w->hs_scale};
    status = @NAME@_small(k->quantize_inter, (unsigned)m, 64, p, stream);
  }
  if (status == CUDA_SUCCESS)
    status = @NAME@_gemm(k, &g[@UPPER@_SHARED_DOWN], w->hs_q, m, shared_w2,
                         0, H, H, I, w->s, w->hs_scale, shared_w2_scale, &m,
                         NULL, stream);
  return status;
}

CUresult @NAME@_launch(
    const @NAME@_kernel *k, CUdeviceptr x, CUdeviceptr router,
    CUdeviceptr w13, CUdeviceptr w13_scale, CUdeviceptr w2,
    CUdeviceptr w2_scale, CUdeviceptr shared_w13,
    CUdeviceptr shared_w13_scale, CUdeviceptr shared_w2,
    CUdeviceptr shared_w2_scale, CUdeviceptr residual, CUdeviceptr out,
    int tokens, CUdeviceptr workspace, CUstream stream) {
  @NAME@_workspace w;
  CUresult status;
  int m = tokens;
  if (tokens <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  /* TMA and the row kernels' 16-byte accesses need aligned rows. */
  if (@MISALIGNED@)
    return CUDA_ERROR_INVALID_VALUE;
  w = @NAME@_carve(workspace, tokens);
  /* The row count the quantizers read, before the fork. */
  status = cuMemsetD32Async(w.tokens, (unsigned)tokens, 1, stream);
  if (status == CUDA_SUCCESS)
    status = cuEventRecord(k->fork, stream);
  if (status == CUDA_SUCCESS)
    status = cuStreamWaitEvent(k->side, k->fork, 0);
  if (status == CUDA_SUCCESS)
    status = @NAME@_shared_expert(k, &w, x, shared_w13, shared_w13_scale,
                                  shared_w2, shared_w2_scale, m, k->side);
  if (status == CUDA_SUCCESS)
    status = cuEventRecord(k->join, k->side);
  if (status == CUDA_SUCCESS)
    status = @NAME@_route_tokens(k, &w, x, router, m, stream);
  if (status == CUDA_SUCCESS)
    status = @NAME@_routed_experts(k, &w, w13, w13_scale, w2, w2_scale, m,
                                   stream);
  if (status == CUDA_SUCCESS)
    status = cuStreamWaitEvent(stream, k->join, 0);
  if (status == CUDA_SUCCESS) {
    void *p[] = {&w.y, &w.s, &w.token_row, &residual, &out, &m};
    status = @NAME@_small(k->combine, (unsigned)m, 64, p, stream);
  }
  return status;
}
)";

llvm::StringRef hopper::moeLayerDefinitionsTemplate() { return kLayerDefs; }
