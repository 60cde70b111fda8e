//===- GemmKernel.h - running emitted GEMM kernels --------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Loads a kernel written by `moec emit-kernel gemm` (NAME.json beside
// NAME.cubin or NAME.ptx), launches it through the runtime's CUDA device
// with the ABI of docs/hopper-codegen.md, and makes random operands with a
// float64 reference for them.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TOOLS_MOECBENCH_GEMMKERNEL_H
#define MOEC_TOOLS_MOECBENCH_GEMMKERNEL_H

#include "runtime/CudaDevice.h"
#include "runtime/Json.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moec::bench {

/// The fields of NAME.json moec-bench needs.
struct GemmDescription {
  std::string name;
  /// "bf16", "fp8-rowwise" or "fp8-block".
  std::string precision;
  std::optional<int64_t> m;
  int64_t n = 0, k = 0;
  int64_t tileM = 0, tileN = 0, tileK = 0;
  int64_t threads = 0, smemBytes = 0;
  /// "none", "silu" or "swiglu" (C = silu(gate) * up, N / 2 columns).
  std::string activation = "none";
  /// Experts of a grouped GEMM (0: dense).
  int64_t experts = 0;
  /// The kernel also takes `uint32 row_amax[rows]` (a MoE layer's gate|up).
  bool rowAmax = false;

  bool grouped() const { return experts > 0; }
  bool swiglu() const { return activation == "swiglu"; }
  /// Columns of C.
  int64_t outputN() const { return swiglu() ? n / 2 : n; }
  /// B rows per TMA box (the output columns of a tile).
  int64_t bBoxRows() const { return swiglu() ? tileN / 2 : tileN; }
  bool fp8() const { return precision != "bf16"; }
  int64_t elementBytes() const { return fp8() ? 1 : 2; }
  int64_t kBlocks() const { return (k + 127) / 128; }
  int64_t nBlocks() const { return (n + 127) / 128; }
  /// Floats of scale_a / scale_b for `rows` rows (0 for bf16).
  int64_t scaleAFloats(int64_t rows) const;
  int64_t scaleBFloats() const;
  /// Experts whose weights the kernel reads (1 for a dense GEMM).
  int64_t weightSets() const { return grouped() ? experts : 1; }
};

/// Reads and parses a JSON file; errors name the file.
absl::StatusOr<runtime::JsonValue> readJsonFile(const std::string &path);

/// The median milliseconds of `reps` runs of `enqueue` on `stream`, each
/// between two CUDA events, after `warmups` untimed ones; `enqueue` gets
/// the run's index (negative for warm-ups).
absl::StatusOr<double>
medianEventMs(const runtime::CudaDevice &device,
              const runtime::CudaStream &stream, int warmups, int reps,
              const std::function<absl::Status(int)> &enqueue);

/// Parses NAME.json; errors name the file and the field.
absl::StatusOr<GemmDescription> loadGemmDescription(const std::string &path);
/// The same from an already parsed description (`path` names it in errors).
absl::StatusOr<GemmDescription>
parseGemmDescription(const runtime::JsonValue &root, const std::string &path);

/// The image beside a description: NAME.cubin, else NAME.ptx.
absl::StatusOr<std::string> readKernelImage(const std::string &descriptionPath);

/// Operands on the host in the kernel's formats, with their scales. For a
/// grouped GEMM, `m` is offsets.back() (rows of all tile-aligned segments)
/// and `tokens` the rows that are not padding.
struct GemmOperands {
  int64_t m = 0;
  int64_t tokens = 0;
  std::vector<uint8_t> a, b;
  std::vector<float> scaleA, scaleB;
  std::vector<int32_t> offsets;
  /// Expert of each row of A (grouped; -1 for padding rows).
  std::vector<int32_t> rowExpert;
};

/// Random operands (never zero): FP8 codes of magnitude 1/4..4 with scales
/// in [0.5, 2), or bf16 values in [-2, 2).
GemmOperands makeGemmOperands(const GemmDescription &desc, int64_t m,
                              uint64_t seed);

/// Grouped operands for per-expert token counts: segments padded to whole
/// row tiles with zero rows.
GemmOperands makeGroupedOperands(const GemmDescription &desc,
                                 const std::vector<int64_t> &counts,
                                 uint64_t seed);

/// A bf16 value (two little-endian bytes) as a double.
double bf16BytesToDouble(const uint8_t *bytes);

/// C[row][col] in float64 on the same operands, FP8 block scales applied
/// per 128-wide K block as the kernel promotes them.
double referenceElement(const GemmDescription &desc,
                        const GemmOperands &operands, int64_t row, int64_t col);

/// The kernel loaded on a device, ready to launch.
class GemmKernel {
public:
  /// Loads NAME.cubin (or NAME.ptx) next to the description.
  static absl::StatusOr<GemmKernel> load(const runtime::CudaDevice &device,
                                         const GemmDescription &desc,
                                         const std::string &descriptionPath);
  /// The kernel `desc.name` of an already loaded module.
  static absl::StatusOr<GemmKernel>
  fromModule(const runtime::CudaDevice &device, const GemmDescription &desc,
             std::shared_ptr<const runtime::CudaModule> module);

  /// Launches C = A . B^T for `m` rows on `stream`; `scaleA`/`scaleB` are 0
  /// for bf16.
  /// For a grouped GEMM, `m` is the rows A and C hold and `offsets` the
  /// device array of expert offsets.
  /// `rowAmax`: the row maxima buffer of a kernel that takes one.
  absl::Status launch(int64_t m, cuda::CUdeviceptr a, cuda::CUdeviceptr b,
                      cuda::CUdeviceptr scaleA, cuda::CUdeviceptr scaleB,
                      cuda::CUdeviceptr c, const runtime::CudaStream *stream,
                      cuda::CUdeviceptr offsets = 0,
                      cuda::CUdeviceptr rowAmax = 0) const;

  const GemmDescription &description() const { return desc; }

private:
  GemmKernel(const runtime::CudaDevice &device, GemmDescription desc,
             std::shared_ptr<const runtime::CudaModule> module,
             runtime::CudaFunction function)
      : device(&device), desc(std::move(desc)), module(std::move(module)),
        function(std::move(function)) {}

  const runtime::CudaDevice *device;
  GemmDescription desc;
  std::shared_ptr<const runtime::CudaModule> module;
  runtime::CudaFunction function;
};

} // namespace moec::bench

#endif // MOEC_TOOLS_MOECBENCH_GEMMKERNEL_H
