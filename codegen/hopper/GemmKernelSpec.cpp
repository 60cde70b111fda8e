//===- GemmKernelSpec.cpp - tiles of a Hopper GEMM kernel -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Turns a GEMM problem into a kernel spec with the sm_90a target
// description's tile configuration, and rejects what the kernel cannot run.
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/GemmKernel.h"
#include "dialects/Tile/IR/TileAttrs.h"
#include "dialects/Tile/IR/TileDialect.h"
#include "passes/TargetDescription.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

llvm::StringRef hopper::stringifyGemmPrecision(GemmPrecision precision) {
  switch (precision) {
  case GemmPrecision::BF16:
    return "bf16";
  case GemmPrecision::Fp8Rowwise:
    return "fp8-rowwise";
  case GemmPrecision::Fp8Block:
    return "fp8-block";
  }
  llvm_unreachable("unknown GemmPrecision");
}

std::optional<GemmPrecision> hopper::parseGemmPrecision(llvm::StringRef text) {
  return llvm::StringSwitch<std::optional<GemmPrecision>>(text)
      .Case("bf16", GemmPrecision::BF16)
      .Case("fp8-rowwise", GemmPrecision::Fp8Rowwise)
      .Case("fp8-block", GemmPrecision::Fp8Block)
      .Default(std::nullopt);
}

llvm::StringRef hopper::stringifyGemmActivation(GemmActivation activation) {
  switch (activation) {
  case GemmActivation::None:
    return "none";
  case GemmActivation::Silu:
    return "silu";
  case GemmActivation::SwiGlu:
    return "swiglu";
  }
  llvm_unreachable("unknown GemmActivation");
}

std::optional<GemmActivation>
hopper::parseGemmActivation(llvm::StringRef text) {
  return llvm::StringSwitch<std::optional<GemmActivation>>(text)
      .Case("none", GemmActivation::None)
      .Case("silu", GemmActivation::Silu)
      .Case("swiglu", GemmActivation::SwiGlu)
      .Default(std::nullopt);
}

static llvm::Error specError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Sizes the kernel cannot take, beyond what the target description checks.
static llvm::Error checkProblem(std::optional<int64_t> m, int64_t n, int64_t k,
                                GemmPrecision precision) {
  if (m && *m <= 0)
    return specError(llvm::formatv("--m must be positive or '?', got {0}", *m));
  if (n <= 0 || k <= 0)
    return specError(llvm::formatv(
        "--n and --k must be positive, got n = {0}, k = {1}", n, k));
  // Row offsets are 32-bit in the kernel and TMA coordinates are int32.
  constexpr int64_t kMaxExtent = int64_t(1) << 31;
  if ((m && *m >= kMaxExtent) || n >= kMaxExtent || k >= kMaxExtent)
    return specError("GEMM extents must be below 2^31");
  if (precision == GemmPrecision::Fp8Rowwise ||
      precision == GemmPrecision::Fp8Block)
    if (k % 16)
      return specError(llvm::formatv(
          "TMA needs rows of a multiple of 16 bytes: K = {0} FP8 elements", k));
  if (precision == GemmPrecision::BF16 && k % 8)
    return specError(llvm::formatv(
        "TMA needs rows of a multiple of 16 bytes: K = {0} bf16 elements", k));
  return llvm::Error::success();
}

/// SwiGLU pairs gate row j with up row I + j in one tile: N must split in
/// two halves, and with block scales each half-tile must stay inside one
/// 128-row scale block.
static llvm::Error checkSwiGlu(const GemmKernelSpec &spec) {
  if (!spec.isSwiGlu())
    return llvm::Error::success();
  if (spec.n % 2)
    return specError(llvm::formatv(
        "swiglu needs the fused gate|up width N = 2I to be even, got {0}",
        spec.n));
  int64_t half = spec.n / 2;
  if (spec.precision == GemmPrecision::Fp8Block &&
      (half % GemmKernelSpec::kScaleBlock) % spec.bBoxRows())
    return specError(llvm::formatv(
        "swiglu with fp8-block needs I = N/2 = {0} to be a multiple of {1} "
        "so that the up rows stay inside their 128-row scale blocks",
        half, spec.bBoxRows()));
  return llvm::Error::success();
}

/// The spec of a GEMM tiled for `shape` (its M and experts pick the
/// configuration); the kernel's own M is `m`.
static llvm::Expected<GemmKernelSpec>
makeSpec(MLIRContext *context, const GemmShape &shape, std::optional<int64_t> m,
         GemmPrecision precision, GemmActivation activation) {
  context->loadDialect<tile::TileDialect>();
  const TargetDescription *target = lookupTargetDescription("sm_90a");
  std::string reason = target->checkGemm(shape);
  if (!reason.empty())
    return specError(reason);
  GemmShape chosen = shape;
  chosen.swiglu = activation == GemmActivation::SwiGlu;
  tile::GemmConfigAttr config = target->chooseGemmConfig(context, chosen);

  GemmKernelSpec spec;
  spec.m = m;
  spec.n = shape.n;
  spec.k = shape.k;
  spec.precision = precision;
  spec.activation = activation;
  spec.experts = shape.experts;
  spec.swapAB = config.getSwapAb();
  spec.tileM = config.getTile()[0];
  spec.tileN = config.getTile()[1];
  spec.tileK = config.getTile()[2];
  spec.mmaK = config.getMma()[2];
  spec.stages = config.getStages();
  spec.consumers = config.getWarpRoles()[1];
  spec.promoteEvery = config.getPromoteEvery();
  // The swapped SwiGLU epilogue pairs a 64-row gate part with its up part.
  if (spec.swapAB && spec.isSwiGlu() && spec.tileN != 128)
    return specError(llvm::formatv(
        "the target description chose a {0}-row swapped SwiGLU tile; the "
        "kernel pairs 64 gate rows with 64 up rows",
        spec.tileN));
  // The kernel's promotion applies one weight scale per tile column block
  // (per 64-row part when swapped) and one activation scale per K block:
  // neither may straddle a scale block.
  int64_t weightRowsPerScale = spec.swapAB ? 64 : spec.tileN;
  if (precision == GemmPrecision::Fp8Block &&
      (GemmKernelSpec::kScaleBlock % weightRowsPerScale ||
       spec.tileK != GemmKernelSpec::kScaleBlock))
    return specError(llvm::formatv(
        "fp8-block needs tiles inside 128x128 scale blocks, got {0}x{1}x{2}",
        spec.tileM, spec.tileN, spec.tileK));
  if (llvm::Error error = checkSwiGlu(spec))
    return std::move(error);
  spec.name = defaultGemmKernelName(spec);
  return spec;
}

static Type operandType(MLIRContext *context, GemmPrecision precision) {
  Builder builder(context);
  return precision == GemmPrecision::BF16
             ? Type(builder.getBF16Type())
             : Type(builder.getType<Float8E4M3FNType>());
}

llvm::Expected<GemmKernelSpec>
hopper::makeGemmKernelSpec(MLIRContext *context, std::optional<int64_t> m,
                           int64_t n, int64_t k, GemmPrecision precision,
                           GemmActivation activation) {
  if (llvm::Error error = checkProblem(m, n, k, precision))
    return std::move(error);
  GemmShape shape{m ? *m : ShapedType::kDynamic, n, k,
                  operandType(context, precision), /*grouped=*/false};
  return makeSpec(context, shape, m, precision, activation);
}

llvm::Expected<GemmKernelSpec>
hopper::makeDynamicGemmKernelSpec(MLIRContext *context, int64_t tokens,
                                  int64_t n, int64_t k, GemmPrecision precision,
                                  GemmActivation activation) {
  if (llvm::Error error = checkProblem(tokens, n, k, precision))
    return std::move(error);
  GemmShape shape{tokens, n, k, operandType(context, precision),
                  /*grouped=*/false};
  return makeSpec(context, shape, std::nullopt, precision, activation);
}

llvm::Expected<GemmKernelSpec>
hopper::makeGroupedGemmKernelSpec(MLIRContext *context, int64_t experts,
                                  int64_t n, int64_t k, GemmPrecision precision,
                                  GemmActivation activation,
                                  std::optional<int64_t> tokens) {
  // Expert indices are TMA coordinates and the expert search is unrolled.
  if (experts <= 0 || experts > 1024)
    return specError(
        llvm::formatv("--experts must be in [1, 1024], got {0}", experts));
  if (tokens && *tokens <= 0)
    return specError(
        llvm::formatv("--tokens must be positive, got {0}", *tokens));
  if (llvm::Error error = checkProblem(tokens, n, k, precision))
    return std::move(error);
  GemmShape shape{tokens ? *tokens : ShapedType::kDynamic,
                  n,
                  k,
                  operandType(context, precision),
                  /*grouped=*/true,
                  experts};
  return makeSpec(context, shape, std::nullopt, precision, activation);
}

std::string hopper::defaultGemmKernelName(const GemmKernelSpec &spec) {
  std::string precision = stringifyGemmPrecision(spec.precision).str();
  std::replace(precision.begin(), precision.end(), '-', '_');
  std::string m = spec.m ? std::to_string(*spec.m) : std::string("dyn");
  std::string name =
      spec.isGrouped() ? llvm::formatv("moec_grouped_gemm_{0}_e{1}_n{2}_k{3}",
                                       precision, spec.experts, spec.n, spec.k)
                             .str()
                       : llvm::formatv("moec_gemm_{0}_m{1}_n{2}_k{3}",
                                       precision, m, spec.n, spec.k)
                             .str();
  if (spec.activation != GemmActivation::None)
    name += "_" + stringifyGemmActivation(spec.activation).str();
  if (spec.swapAB)
    name += llvm::formatv("_swap_ab_t{0}", spec.tileM).str();
  return name;
}
