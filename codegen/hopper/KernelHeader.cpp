//===- KernelHeader.cpp - C headers and descriptions of kernels -*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/KernelHeader.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

/// The scale operands' layout, in words, for comments and the description.
static llvm::StringRef scaleLayout(GemmPrecision precision, bool forA) {
  switch (precision) {
  case GemmPrecision::BF16:
    return "unused (pass 0)";
  case GemmPrecision::Fp8Rowwise:
    return forA ? "float[m] (per token)" : "float[N] (per output channel)";
  case GemmPrecision::Fp8Block:
    return forA ? "float[m][ceil(K/128)] (per token and 128-wide K block)"
                : "float[ceil(N/128)][ceil(K/128)] (128x128 weight blocks)";
  }
  llvm_unreachable("unknown GemmPrecision");
}

static void emitConstants(llvm::raw_ostream &os, llvm::StringRef upper,
                          const GemmKernelSpec &spec) {
  os << "enum {\n";
  auto constant = [&](llvm::StringRef name, int64_t value) {
    os << "  " << upper << "_" << name << " = " << value << ",\n";
  };
  constant("M", spec.m ? *spec.m : -1);
  if (spec.isGrouped())
    constant("EXPERTS", spec.experts);
  constant("ELEMENT_BYTES", spec.elementBytes());
  // 0: no scales (bf16), 1: per token x per channel, 2: 1x128 x 128x128.
  constant("SCALES", spec.precision == GemmPrecision::BF16         ? 0
                     : spec.precision == GemmPrecision::Fp8Rowwise ? 1
                                                                   : 2);
  constant("SILU", spec.activation == GemmActivation::Silu);
  constant("N", spec.n);
  constant("K", spec.k);
  constant("TILE_M", spec.tileM);
  constant("TILE_N", spec.tileN);
  // C's columns (N, or I = N / 2 with SwiGLU) and the B rows per TMA box.
  constant("OUTPUT_N", spec.outputN());
  constant("B_BOX_ROWS", spec.bBoxRows());
  constant("TILE_K", spec.tileK);
  constant("STAGES", spec.stages);
  constant("THREADS", spec.threads());
  constant("SMEM_BYTES", spec.smemBytes());
  os << alignmentConstants(upper, gemmPointerParams(spec));
  os << "};\n\n";
}

/// NAME.h: the kernel type and the declarations of load and unload.
static const char *kCommonDecls = R"(typedef struct {
  CUmodule module;
  CUfunction function;
  int sm_count;
} @NAME@_kernel;

/* Loads the kernel into the current context. */
CUresult @NAME@_load(@NAME@_kernel *kernel);

/* Unloads the kernel's module. */
CUresult @NAME@_unload(@NAME@_kernel *kernel);
)";

/// NAME.c: load, unload and the 2D TMA descriptor of A (and dense B).
static const char *kCommonDefs =
    R"(CUresult @NAME@_load(@NAME@_kernel *kernel) {
  CUdevice device;
  CUresult status = cuCtxGetDevice(&device);
  if (status != CUDA_SUCCESS)
    return status;
  status = cuDeviceGetAttribute(&kernel->sm_count,
                                CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                device);
  if (status != CUDA_SUCCESS)
    return status;
  status = cuModuleLoadData(&kernel->module, @NAME@_image);
  if (status != CUDA_SUCCESS)
    return status;
  status = cuModuleGetFunction(&kernel->function, kernel->module, "@NAME@");
  if (status == CUDA_SUCCESS)
    status = cuFuncSetAttribute(kernel->function,
                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                @UPPER@_SMEM_BYTES);
  if (status != CUDA_SUCCESS)
    cuModuleUnload(kernel->module);
  return status;
}

CUresult @NAME@_unload(@NAME@_kernel *kernel) {
  return cuModuleUnload(kernel->module);
}

/* A TMA descriptor for a row-major [rows, K] operand read in
   [box_rows, TILE_K] boxes of 128-byte swizzled rows; rows past the end
   read as zeros. */
static CUresult @NAME@_encode_operand(CUtensorMap *map, CUdeviceptr base,
                                      cuuint64_t rows, cuuint32_t box_rows) {
  cuuint64_t dims[2] = {(cuuint64_t)@UPPER@_K, rows};
  cuuint64_t strides[1] = {(cuuint64_t)@UPPER@_K * @ELEM_BYTES@};
  cuuint32_t box[2] = {(cuuint32_t)@UPPER@_TILE_K, box_rows};
  cuuint32_t element_strides[2] = {1, 1};
  return cuTensorMapEncodeTiled(
      map, @TMAP_TYPE@, 2, (void *)(uintptr_t)base, dims, strides, box,
      element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE,
      CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}
)";

static const char *kDenseSignature =
    R"(CUresult @NAME@_launch(const @NAME@_kernel *kernel, CUdeviceptr a,
                      CUdeviceptr b, CUdeviceptr scale_a, CUdeviceptr scale_b,
                      CUdeviceptr c, int m, CUstream stream))";

static const char *kDenseDoc = R"(
/* C[m, OUTPUT_N] = @MATH@.
   a: [m][K] @OPERAND@, row-major; b: [N][K] @OPERAND@ (K-major weights);
   scale_a: @SCALE_A@;
   scale_b: @SCALE_B@;
   c: [m][OUTPUT_N] bf16. m is the row count@M_NOTE@.
@ALIGN_DOC@   Returns CUDA_ERROR_INVALID_VALUE for a bad m too. */
)";

static const char *kDenseLaunch = R"( {
  MOEC_TENSOR_MAP_ALIGNED CUtensorMap map_a, map_b;
  CUresult status;
  unsigned tiles, grid;
  void *params[6];
  if (m < 0 || (@UPPER@_M >= 0 && m != @UPPER@_M))
    return CUDA_ERROR_INVALID_VALUE;
  if (@MISALIGNED@)
    return CUDA_ERROR_INVALID_VALUE;
  if (m == 0)
    return CUDA_SUCCESS;
  status = @NAME@_encode_operand(&map_a, a, (cuuint64_t)m, @UPPER@_TILE_M);
  if (status != CUDA_SUCCESS)
    return status;
  status = @NAME@_encode_operand(&map_b, b, (cuuint64_t)@UPPER@_N,
                                 @UPPER@_B_BOX_ROWS);
  if (status != CUDA_SUCCESS)
    return status;
  /* One persistent CTA per SM at most; each walks tiles grid apart. */
  tiles = (unsigned)((m + @UPPER@_TILE_M - 1) / @UPPER@_TILE_M) *
          (unsigned)((@UPPER@_OUTPUT_N + @UPPER@_B_BOX_ROWS - 1) /
                     @UPPER@_B_BOX_ROWS);
  grid = tiles < (unsigned)kernel->sm_count ? tiles
                                            : (unsigned)kernel->sm_count;
  params[0] = &map_a;
  params[1] = &map_b;
  params[2] = &c;
  params[3] = &scale_a;
  params[4] = &scale_b;
  params[5] = &m;
  return cuLaunchKernel(kernel->function, grid, 1, 1, @UPPER@_THREADS, 1, 1,
                        @UPPER@_SMEM_BYTES, stream, params, NULL);
}
)";

static const char *kGroupedSignature =
    R"(CUresult @NAME@_launch(const @NAME@_kernel *kernel, CUdeviceptr a,
                      CUdeviceptr b, CUdeviceptr scale_a, CUdeviceptr scale_b,
                      CUdeviceptr c, CUdeviceptr offsets, int max_rows,
                      CUstream stream))";

static const char *kGroupedDoc = R"(
/* Grouped GEMM over @UPPER@_EXPERTS experts, rows sorted by expert:
   C[r, OUTPUT_N] = @MATH@ for the rows r of expert e, with B = b[e].
   offsets: device int32[EXPERTS + 1]; expert e owns rows
   [offsets[e], offsets[e+1]) of a and c; every offset is a multiple of
   @UPPER@_TILE_M (pad segments with zero rows); the kernel reads them on
   the device, so the launch needs no host synchronization.
   a: [max_rows][K] @OPERAND@; b: [EXPERTS][N][K] @OPERAND@;
   scale_a: @SCALE_A@;
   scale_b: [EXPERTS] x @SCALE_B@;
   c: [max_rows][OUTPUT_N] bf16. max_rows (>= offsets[EXPERTS]) is the rows
   a and c hold. One CTA per SM; CTAs without tiles exit at once.
@ALIGN_DOC@   Returns CUDA_ERROR_INVALID_VALUE for max_rows <= 0 or a null offsets
   pointer too. */
)";

static const char *kGroupedLaunch = R"( {
  MOEC_TENSOR_MAP_ALIGNED CUtensorMap map_a, map_b;
  CUresult status;
  void *params[6];
  if (max_rows <= 0 || offsets == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (@MISALIGNED@)
    return CUDA_ERROR_INVALID_VALUE;
  status = @NAME@_encode_operand(&map_a, a, (cuuint64_t)max_rows,
                                 @UPPER@_TILE_M);
  if (status != CUDA_SUCCESS)
    return status;
  status = @NAME@_encode_weights(&map_b, b);
  if (status != CUDA_SUCCESS)
    return status;
  params[0] = &map_a;
  params[1] = &map_b;
  params[2] = &c;
  params[3] = &scale_a;
  params[4] = &scale_b;
  params[5] = &offsets;
  return cuLaunchKernel(kernel->function, (unsigned)kernel->sm_count, 1, 1,
                        @UPPER@_THREADS, 1, 1, @UPPER@_SMEM_BYTES, stream,
                        params, NULL);
}
)";

/// NAME.c of a grouped GEMM: the experts' weights [E][N][K] as a 3D map.
static const char *kGroupedWeights = R"(
/* The experts' weights [E][N][K] as a 3D map: rows past N read zeros,
   never the next expert's. */
static CUresult @NAME@_encode_weights(CUtensorMap *map, CUdeviceptr base) {
  cuuint64_t dims[3] = {(cuuint64_t)@UPPER@_K, (cuuint64_t)@UPPER@_N,
                        (cuuint64_t)@UPPER@_EXPERTS};
  cuuint64_t strides[2] = {(cuuint64_t)@UPPER@_K * @ELEM_BYTES@,
                           (cuuint64_t)@UPPER@_N * @UPPER@_K * @ELEM_BYTES@};
  cuuint32_t box[3] = {(cuuint32_t)@UPPER@_TILE_K,
                       (cuuint32_t)@UPPER@_B_BOX_ROWS, 1};
  cuuint32_t element_strides[3] = {1, 1, 1};
  return cuTensorMapEncodeTiled(
      map, @TMAP_TYPE@, 3, (void *)(uintptr_t)base, dims, strides, box,
      element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE,
      CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}
)";

std::vector<PointerParam>
hopper::gemmPointerParams(const GemmKernelSpec &spec) {
  // TMA needs 16-byte aligned global addresses; the epilogue stores bf16
  // pairs and reads float scales.
  std::vector<PointerParam> pointers = {
      {"a", 16}, {"b", 16}, {"scale_a", 4}, {"scale_b", 4}, {"c", 4}};
  if (spec.isGrouped())
    pointers.push_back({"offsets", 4});
  return pointers;
}

/// The formula of C, for the launch function's comment.
static std::string gemmMath(const GemmKernelSpec &spec) {
  std::string math = "act(A . B^T)";
  if (spec.precision == GemmPrecision::Fp8Rowwise)
    math = "act((A . B^T) * scale_a[m] * scale_b[n])";
  else if (spec.precision == GemmPrecision::Fp8Block)
    math = "act(sum over 128-wide K blocks kb of (A . B^T)[kb] * "
           "scale_a[m][kb] * scale_b[n/128][kb])";
  if (spec.activation == GemmActivation::None)
    return llvm::StringRef(math).drop_front(4).drop_back(1).str();
  if (spec.activation == GemmActivation::Silu)
    return "silu" + llvm::StringRef(math).drop_front(3).str();
  return "silu(G) * U where G and U are " +
         llvm::StringRef(math).drop_front(4).drop_back(1).str() +
         " over the gate rows [0, OUTPUT_N) and the up rows [OUTPUT_N, N) "
         "of b";
}

/// `text` with the GEMM templates' placeholders filled in.
static std::string substitute(std::string text, const GemmKernelSpec &spec) {
  std::string upper = llvm::StringRef(spec.name).upper();
  bool fp8 = spec.isFp8();
  std::vector<PointerParam> pointers = gemmPointerParams(spec);
  std::pair<llvm::StringRef, std::string> substitutions[] = {
      {"@MATH@", gemmMath(spec)},
      {"@ALIGN_DOC@", alignmentDoc(pointers)},
      {"@MISALIGNED@", misalignedCheck(pointers)},
      {"@NAME@", spec.name},
      {"@UPPER@", upper},
      {"@ELEM_BYTES@", fp8 ? "1" : "2"},
      {"@TMAP_TYPE@", fp8 ? "CU_TENSOR_MAP_DATA_TYPE_UINT8"
                          : "CU_TENSOR_MAP_DATA_TYPE_BFLOAT16"},
      {"@OPERAND@", fp8 ? "FP8 e4m3" : "bf16"},
      {"@SCALE_A@", scaleLayout(spec.precision, true).str()},
      {"@SCALE_B@", scaleLayout(spec.precision, false).str()},
      {"@M_NOTE@", spec.m ? " (must equal " + upper + "_M)" : ""},
  };
  for (const auto &[placeholder, value] : substitutions)
    text = replaceAll(text, placeholder, value);
  return text;
}

/// The first lines of NAME.h and NAME.c.
static std::string gemmSummary(const GemmKernelSpec &spec) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << spec.name << ": sm_90a " << (spec.isGrouped() ? "grouped GEMM" : "GEMM")
     << ", precision " << stringifyGemmPrecision(spec.precision) << ", tile "
     << spec.tileM << "x" << spec.tileN << "x" << spec.tileK << ", "
     << spec.stages << " stages, 1 producer + " << spec.consumers
     << " consumer warpgroups"
     << (spec.swapAB ? "\n(swap-AB decode variant: weight rows on wgmma M)"
                     : "")
     << ".\nCompile " << spec.name << ".c with this header and link with "
     << "-lcuda.";
  return text;
}

KernelSources hopper::emitGemmSources(const GemmKernelSpec &spec,
                                      const KernelImage &image,
                                      const KernelProvenance &provenance) {
  std::string upper = llvm::StringRef(spec.name).upper();
  std::string banner = fileBanner(gemmSummary(spec), provenance);
  const char *signature =
      spec.isGrouped() ? kGroupedSignature : kDenseSignature;
  KernelSources sources;
  std::string constants;
  llvm::raw_string_ostream os(constants);
  emitConstants(os, upper, spec);
  sources.header = banner + headerPrologue(upper) + constants +
                   imageDeclaration(spec.name) +
                   substitute(std::string(kCommonDecls) +
                                  (spec.isGrouped() ? kGroupedDoc : kDenseDoc) +
                                  signature + ";\n",
                              spec) +
                   headerEpilogue(upper);
  sources.source =
      banner + sourcePrologue(spec.name, image) +
      substitute(std::string(kCommonDefs) +
                     (spec.isGrouped() ? kGroupedWeights : "") + "\n" +
                     signature +
                     (spec.isGrouped() ? kGroupedLaunch : kDenseLaunch),
                 spec);
  return sources;
}

llvm::json::Object hopper::describeGemm(const GemmKernelSpec &spec) {
  llvm::json::Array params{"tmap_a",  "tmap_b",
                           "c",       "scale_a",
                           "scale_b", spec.isGrouped() ? "offsets" : "m"};
  if (spec.rowAmax)
    params.push_back("row_amax");
  llvm::json::Object description{
      {"kind", spec.isGrouped() ? "grouped_gemm" : "gemm"},
      {"name", spec.name},
      {"target", "sm_90a"},
      {"precision", stringifyGemmPrecision(spec.precision)},
      {"m", spec.m ? llvm::json::Value(*spec.m) : llvm::json::Value(nullptr)},
      {"n", spec.n},
      {"k", spec.k},
      {"tile", llvm::json::Array{spec.tileM, spec.tileN, spec.tileK}},
      {"mma", llvm::json::Array{64, spec.mmaN(), spec.mmaK}},
      {"swap_ab", spec.swapAB},
      {"stages", spec.stages},
      {"warp_roles", llvm::json::Array{1, spec.consumers}},
      {"promote_every", spec.promoteEvery},
      {"threads", spec.threads()},
      {"smem_bytes", spec.smemBytes()},
      {"max_ctas", GemmKernelSpec::kMaxCtas},
      {"tile_order", "m_fastest"},
      {"activation", stringifyGemmActivation(spec.activation)},
      {"scale_block", GemmKernelSpec::kScaleBlock},
      {"output_n", spec.outputN()},
      {"b_box_rows", spec.bBoxRows()},
      {"params", std::move(params)},
      {"row_amax", spec.rowAmax},
  };
  description["alignment"] = describeAlignment(gemmPointerParams(spec));
  if (spec.isGrouped()) {
    description["experts"] = spec.experts;
    description["offsets_alignment"] = spec.tileM;
  }
  return description;
}

std::string hopper::emitGemmDescription(const GemmKernelSpec &spec,
                                        const KernelProvenance &provenance) {
  return formatDescription(describeGemm(spec), provenance);
}
