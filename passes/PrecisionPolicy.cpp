//===- PrecisionPolicy.cpp - number formats per op class --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the parsing of moec-precision's options into a
// precision policy, and the number formats the policy picks.
//
//===----------------------------------------------------------------------===//

#include "passes/PrecisionPolicy.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::moec;

/// Number of moe::OpClass values.
static constexpr unsigned kNumOpClasses =
    static_cast<unsigned>(moe::getMaxEnumValForOpClass()) + 1;

/// The precision an option value names, if any.
static std::optional<Precision> symbolizePrecision(StringRef name) {
  return llvm::StringSwitch<std::optional<Precision>>(name)
      .Case("f32", Precision::F32)
      .Case("bf16", Precision::BF16)
      .Case("fp8-rowwise", Precision::FP8Rowwise)
      .Case("fp8-block", Precision::FP8Block)
      .Case("fp8-tensor", Precision::FP8Tensor)
      .Default(std::nullopt);
}

/// The op class spellings, `attention, dense_mlp, ...`.
static std::string validOpClasses() {
  std::string names;
  llvm::raw_string_ostream os(names);
  llvm::interleaveComma(llvm::seq(0u, kNumOpClasses), os, [&](unsigned i) {
    os << moe::stringifyOpClass(static_cast<moe::OpClass>(i));
  });
  return names;
}

/// Parses `names` into a set indexed by moe::OpClass; on unknown names emits
/// one error naming all of them.
static FailureOr<llvm::SmallBitVector>
parseOpClasses(ArrayRef<std::string> names,
               function_ref<InFlightDiagnostic()> emitError) {
  llvm::SmallBitVector classes(kNumOpClasses);
  SmallVector<StringRef> unknown;
  for (const std::string &name : names) {
    if (std::optional<moe::OpClass> opClass = moe::symbolizeOpClass(name))
      classes.set(static_cast<unsigned>(*opClass));
    else
      unknown.push_back(name);
  }
  if (unknown.empty())
    return classes;
  InFlightDiagnostic diag = emitError();
  diag << "unknown op class" << (unknown.size() > 1 ? "es " : " ");
  llvm::interleaveComma(unknown, diag,
                        [&](StringRef name) { diag << "'" << name << "'"; });
  diag << " in fp8-classes, expected " << validOpClasses();
  return failure();
}

FailureOr<PrecisionPolicy>
PrecisionPolicy::parse(StringRef precision, ArrayRef<std::string> fp8Classes,
                       StringRef compute,
                       function_ref<InFlightDiagnostic()> emitError) {
  std::optional<Precision> parsed = symbolizePrecision(precision);
  if (!parsed) {
    emitError() << "unknown precision '" << precision << "', expected "
                << kValidPrecisions;
    return failure();
  }
  // An empty list is the default (an options struct built in C++ starts
  // empty); "no FP8 class" is spelled precision=bf16.
  static const std::string kDefaultClasses[] = {
      "attention", "dense_mlp", "shared_expert", "routed_expert"};
  FailureOr<llvm::SmallBitVector> classes = parseOpClasses(
      fp8Classes.empty() ? ArrayRef(kDefaultClasses) : fp8Classes, emitError);
  if (failed(classes))
    return failure();
  bool hasFp8 = *parsed != Precision::F32 && *parsed != Precision::BF16;
  if (!hasFp8)
    classes->reset();
  if (!compute.empty() && compute != "f32" && compute != "bf16") {
    emitError() << "unknown compute type '" << compute
                << "', expected f32 or bf16";
    return failure();
  }
  if (!hasFp8 && !compute.empty() && compute != precision) {
    emitError() << "compute=" << compute
                << " contradicts precision=" << precision
                << " (compute only chooses the type around FP8 "
                << "matmuls)";
    return failure();
  }
  bool computeInF32 = *parsed == Precision::F32 || compute == "f32";
  return PrecisionPolicy(*parsed, std::move(*classes), computeInF32);
}

FloatType PrecisionPolicy::getComputeType(MLIRContext *context) const {
  if (computeInF32)
    return Float32Type::get(context);
  return BFloat16Type::get(context);
}

FloatType PrecisionPolicy::getFp8Type(MLIRContext *context) const {
  return Float8E4M3FNType::get(context);
}

bool PrecisionPolicy::computesInFp8(moe::OpClass opClass) const {
  return fp8Classes.test(static_cast<unsigned>(opClass));
}

/// The granularity an FP8 precision gives activations (`weight` false) or
/// weights; null for f32 and bf16.
static moe::ScalingAttr schemeScaling(MLIRContext *context, Precision precision,
                                      bool weight) {
  switch (precision) {
  case Precision::FP8Rowwise:
    return moe::ScalingAttr::get(
        context,
        weight ? moe::ScalingKind::PerChannel : moe::ScalingKind::PerToken, {});
  case Precision::FP8Block:
    return moe::ScalingAttr::get(context, moe::ScalingKind::Block,
                                 {weight ? 128 : 1, 128});
  case Precision::FP8Tensor:
    return moe::ScalingAttr::get(context, moe::ScalingKind::PerTensor, {});
  case Precision::F32:
  case Precision::BF16:
    break;
  }
  return nullptr;
}

moe::ScalingAttr
PrecisionPolicy::getActivationScaling(MLIRContext *context) const {
  return schemeScaling(context, precision, /*weight=*/false);
}

moe::ScalingAttr PrecisionPolicy::getWeightScaling(MLIRContext *context) const {
  return schemeScaling(context, precision, /*weight=*/true);
}
