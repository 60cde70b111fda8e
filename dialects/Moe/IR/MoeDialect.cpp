//===- MoeDialect.cpp - moec moe dialect ------------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the moe dialect's registration and its attributes,
// in particular the shape rules of the FP8 scaling granularities.
//
//===----------------------------------------------------------------------===//

#include "dialects/Moe/IR/MoeDialect.h"
#include "dialects/Common/ShapeUtils.h"
#include "dialects/Moe/IR/MoeAttrs.h"
#include "dialects/Moe/IR/MoeOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::moe;

#include "dialects/Moe/IR/MoeDialect.cpp.inc"
#include "dialects/Moe/IR/MoeEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Moe/IR/MoeAttrs.cpp.inc"

void MoeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Moe/IR/MoeOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Moe/IR/MoeAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

LogicalResult MoeDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  if (name == kOpClassAttrName) {
    if (!isa<OpClassAttr>(value))
      return op->emitError("'")
             << name << "' must be a #moe.op_class, got " << value;
    return success();
  }
  if (name == kActivationScalingAttrName) {
    // The checkpoint's dynamic activation scheme, recorded by the frontend.
    auto scaling = dyn_cast<ScalingAttr>(value);
    if (!scaling || scaling.getKind() == ScalingKind::PerChannel)
      return op->emitError("'")
             << name
             << "' must be a per_tensor, per_token or block activation "
                "#moe.scaling, got "
             << value;
    return success();
  }
  if (name == kActivationScaleUpperBoundAttrName) {
    auto bound = dyn_cast<FloatAttr>(value);
    if (!bound || !(bound.getValueAsDouble() > 0.0))
      return op->emitError("'")
             << name << "' must be a positive float, got " << value;
    return success();
  }
  return op->emitError("unknown moe dialect attribute '") << name << "'";
}

//===----------------------------------------------------------------------===//
// ScalingAttr
//===----------------------------------------------------------------------===//

Attribute ScalingAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<ScalingKind> kind = symbolizeScalingKind(keyword);
  if (!kind) {
    parser.emitError(loc, "unknown scaling granularity '")
        << keyword << "', expected per_tensor, per_channel, per_token or block";
    return {};
  }
  // Sizes are parsed after every keyword, so that sizes on a granularity
  // other than `block` get the verifier's diagnostic, not "expected '>'".
  SmallVector<int64_t, 2> block;
  if (failed(parser.parseOptionalGreater()) &&
      (parser.parseDimensionList(block, /*allowDynamic=*/false,
                                 /*withTrailingX=*/false) ||
       parser.parseGreater()))
    return {};
  return parser.getChecked<ScalingAttr>(loc, parser.getContext(), *kind, block);
}

void ScalingAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyScalingKind(getKind());
  if (getKind() == ScalingKind::Block)
    printer << ' ' << getBlock()[0] << 'x' << getBlock()[1];
  printer << '>';
}

LogicalResult ScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ScalingKind kind, ArrayRef<int64_t> block) {
  if (kind != ScalingKind::Block) {
    if (!block.empty())
      return emitError() << "only block scaling takes block sizes";
    return success();
  }
  if (block.size() != 2)
    return emitError() << "block scaling needs 2 block sizes (rows x "
                          "reduction), got "
                       << block.size();
  if (block[0] <= 0 || block[1] <= 0)
    return emitError() << "block sizes must be positive, got " << block[0]
                       << "x" << block[1];
  return success();
}

/// `ceil(size / block)`, keeping dynamic sizes dynamic.
static int64_t ceilDivDim(int64_t size, int64_t block) {
  if (ShapedType::isDynamic(size))
    return size;
  return (size + block - 1) / block;
}

SmallVector<int64_t> ScalingAttr::getScaleShape(ArrayRef<int64_t> shape,
                                                unsigned reductionDim) const {
  SmallVector<int64_t> scaleShape(shape);
  unsigned rank = shape.size();
  unsigned rowDim = reductionDim == rank - 1 ? rank - 2 : rank - 1;
  switch (getKind()) {
  case ScalingKind::PerTensor:
    scaleShape[rowDim] = 1;
    scaleShape[reductionDim] = 1;
    break;
  case ScalingKind::PerChannel:
  case ScalingKind::PerToken:
    scaleShape[reductionDim] = 1;
    break;
  case ScalingKind::Block:
    scaleShape[rowDim] = ceilDivDim(shape[rowDim], getBlock()[0]);
    scaleShape[reductionDim] = ceilDivDim(shape[reductionDim], getBlock()[1]);
    break;
  }
  return scaleShape;
}

/// Formats a shape as `[a, b, ?]` for diagnostics.
static std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::interleave(
      shape, [&](int64_t dim) { text += dimToString(dim); },
      [&] { text += ", "; });
  return text + "]";
}

LogicalResult
ScalingAttr::verifyScaleType(function_ref<InFlightDiagnostic()> emitError,
                             StringRef operand, RankedTensorType dataType,
                             RankedTensorType scaleType,
                             int64_t reductionDim) const {
  int64_t rank = dataType.getRank();
  if (rank < 2)
    return emitError() << operand << " must have rank >= 2 to be scaled, got "
                       << dataType;
  if (reductionDim != rank - 1 && reductionDim != rank - 2)
    return emitError() << operand << " reduction dimension " << reductionDim
                       << " must be one of its last two dimensions";
  SmallVector<int64_t> expected =
      getScaleShape(dataType.getShape(), static_cast<unsigned>(reductionDim));
  bool matches =
      scaleType.getRank() == rank &&
      llvm::all_of(
          llvm::zip_equal(expected, scaleType.getShape()), [](auto dims) {
            return dimsCompatible(std::get<0>(dims), std::get<1>(dims));
          });
  if (!matches)
    return emitError() << operand << " scale " << scaleType << " does not fit "
                       << *this << " scaling of " << dataType
                       << ": expected shape " << shapeToString(expected);
  return success();
}
