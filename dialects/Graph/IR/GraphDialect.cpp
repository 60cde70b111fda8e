//===- GraphDialect.cpp - moec graph dialect --------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the graph dialect's registration and its attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/IR/GraphDialect.h"
#include "dialects/Graph/IR/GraphAttrs.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::moec::graph;

#include "dialects/Graph/IR/GraphDialect.cpp.inc"
#include "dialects/Graph/IR/GraphEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Graph/IR/GraphAttrs.cpp.inc"

void GraphDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Graph/IR/GraphOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Graph/IR/GraphAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Float parameters
//===----------------------------------------------------------------------===//

FailureOr<llvm::APFloat>
mlir::moec::graph::parseF64Parameter(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}

void mlir::moec::graph::printF64Parameter(AsmPrinter &printer,
                                          const llvm::APFloat &value) {
  // MLIR float literals have no spelling for inf and NaN: print the bit
  // pattern as hexadecimal, which parseFloat reads back.
  double number = value.convertToDouble();
  if (!std::isfinite(number)) {
    printer << "0x"
            << llvm::format_hex_no_prefix(value.bitcastToAPInt().getZExtValue(),
                                          16, /*Upper=*/true);
    return;
  }
  // Fewest significant digits that read back to the same double. The MLIR
  // lexer needs a '.' in the mantissa of every float literal, so one is added
  // where %g leaves it out (16 -> 16.0, 1e-05 -> 1.0e-05).
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, number);
    if (std::strtod(text, nullptr) == number)
      break;
  }
  llvm::StringRef printed(text);
  if (printed.contains('.')) {
    printer << printed;
    return;
  }
  auto [mantissa, exponent] = printed.split('e');
  printer << mantissa << ".0";
  if (!exponent.empty())
    printer << 'e' << exponent;
}

//===----------------------------------------------------------------------===//
// Llama3RopeScalingAttr
//===----------------------------------------------------------------------===//

LogicalResult Llama3RopeScalingAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, llvm::APFloat factorValue,
    llvm::APFloat lowFreqValue, llvm::APFloat highFreqValue,
    int64_t originalMaxPositionEmbeddings) {
  double factor = factorValue.convertToDouble();
  double lowFreqFactor = lowFreqValue.convertToDouble();
  double highFreqFactor = highFreqValue.convertToDouble();
  if (!(factor >= 1.0))
    return emitError() << "llama3 RoPE scaling factor must be >= 1, got "
                       << factor;
  if (!(lowFreqFactor > 0.0))
    return emitError() << "llama3 RoPE low_freq_factor must be positive, got "
                       << lowFreqFactor;
  if (!(highFreqFactor >= lowFreqFactor))
    return emitError() << "llama3 RoPE high_freq_factor (" << highFreqFactor
                       << ") must be >= low_freq_factor (" << lowFreqFactor
                       << ")";
  if (originalMaxPositionEmbeddings <= 0)
    return emitError()
           << "llama3 RoPE original_max_position_embeddings must be "
              "positive, got "
           << originalMaxPositionEmbeddings;
  return success();
}

//===----------------------------------------------------------------------===//
// TemperatureTuningAttr
//===----------------------------------------------------------------------===//

LogicalResult
TemperatureTuningAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              llvm::APFloat floorScaleValue,
                              llvm::APFloat attnScaleValue) {
  double floorScale = floorScaleValue.convertToDouble();
  double attnScale = attnScaleValue.convertToDouble();
  if (!(floorScale >= 1.0))
    return emitError() << "temperature tuning floor_scale must be >= 1, got "
                       << floorScale;
  if (!(attnScale > 0.0) || !std::isfinite(attnScale))
    return emitError()
           << "temperature tuning attn_scale must be positive and finite, got "
           << attnScale;
  return success();
}
