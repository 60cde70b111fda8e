//===- TargetDescription.h - tiling parameters per target -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A target description picks the tiling configuration of each matmul and
// attention from its shape and precision, and says which shapes the target
// cannot run. The tiling pass (moec-tile) builds the same loop nests for
// every target; only these parameters differ (docs/tiled-ir.md).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_PASSES_TARGETDESCRIPTION_H
#define MOEC_PASSES_TARGETDESCRIPTION_H

#include "dialects/Tile/IR/TileAttrs.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::moec {

/// The shape and precision of one (grouped) matmul, as the chooser sees it.
struct GemmShape {
  /// Rows of the output (tokens, or expert rows of a grouped matmul);
  /// ShapedType::kDynamic when only known at run time.
  int64_t m;
  /// Columns of the accumulator: rhs rows, both SwiGLU halves included.
  int64_t n;
  /// Contraction size.
  int64_t k;
  /// Operand element type (f8E4M3FN / f8E5M2, bf16, f16 or f32).
  Type elementType;
  /// One matmul per expert segment: rows per expert are unknown.
  bool grouped;
  /// Experts of a grouped matmul (0 when unknown or dense): with a static
  /// M, the average rows per expert pick the decode (swap-AB) tiling.
  int64_t experts = 0;
  /// A SwiGLU epilogue joins gate rows and up rows in one tile.
  bool swiglu = false;
};

/// Tiling parameters of one target.
class TargetDescription {
public:
  virtual ~TargetDescription() = default;

  /// The name the `target` option of moec-tile takes.
  virtual llvm::StringRef getName() const = 0;

  /// The configuration of a (grouped) matmul nest.
  virtual tile::GemmConfigAttr
  chooseGemmConfig(MLIRContext *context, const GemmShape &shape) const = 0;

  /// The configuration of a flash attention nest.
  virtual tile::AttentionConfigAttr
  chooseAttentionConfig(MLIRContext *context, int64_t headDim,
                        Type elementType) const = 0;

  /// Why the target cannot run a matmul of this shape, or an empty string.
  virtual std::string checkGemm(const GemmShape &shape) const;

  /// Why the target cannot run attention with these heads, or an empty
  /// string.
  virtual std::string checkAttention(int64_t headDim, Type elementType) const;
};

/// The description named `name` (`sm_90a`, `cpu`), or null.
const TargetDescription *lookupTargetDescription(llvm::StringRef name);

/// The valid target names, for diagnostics: "sm_90a or cpu".
llvm::StringRef getTargetNames();

/// True for the FP8 element types (e4m3, e5m2).
bool isFp8(Type type);

} // namespace mlir::moec

#endif // MOEC_PASSES_TARGETDESCRIPTION_H
