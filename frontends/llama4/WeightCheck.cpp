//===- WeightCheck.cpp - Checkpoint tensors vs. the imported graph -------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the listing of a checkpoint's tensors (through the
// runtime's safetensors reader) and their comparison with the graph.weight
// declarations of an imported module.
//
//===----------------------------------------------------------------------===//

#include "frontends/llama4/WeightCheck.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "runtime/Checkpoint.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec::llama4;

/// At most this many tensors are listed per kind of mismatch.
static constexpr size_t kMaxListed = 20;

TensorListing::TensorListing(std::string source,
                             std::vector<TensorDesc> tensors)
    : origin(std::move(source)), all(std::move(tensors)) {
  for (auto [index, tensor] : llvm::enumerate(all))
    byName.try_emplace(tensor.name, index);
}

const TensorDesc *TensorListing::find(llvm::StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &all[it->second];
}

bool mlir::moec::llama4::hasCheckpointWeights(llvm::StringRef dir) {
  using ::moec::runtime::Checkpoint;
  for (std::string_view file :
       {Checkpoint::kSingleFileName, Checkpoint::kIndexFileName}) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, llvm::StringRef(file.data(), file.size()));
    if (llvm::sys::fs::exists(path))
      return true;
  }
  return false;
}

llvm::Expected<TensorListing>
mlir::moec::llama4::listCheckpointTensors(llvm::StringRef dir) {
  absl::StatusOr<::moec::runtime::Checkpoint> checkpoint =
      ::moec::runtime::Checkpoint::open(dir.str());
  if (!checkpoint.ok()) {
    auto message = checkpoint.status().message();
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   std::string(message.data(), message.size()));
  }
  std::vector<TensorDesc> tensors;
  tensors.reserve(checkpoint->tensorNames().size());
  for (const std::string &name : checkpoint->tensorNames()) {
    const ::moec::runtime::TensorInfo &info = *checkpoint->find(name)->info;
    std::string_view dtype = ::moec::runtime::dtypeName(info.dtype);
    tensors.push_back(
        {name, std::string(dtype.data(), dtype.size()),
         llvm::SmallVector<int64_t, 4>(info.shape.begin(), info.shape.end())});
  }
  return TensorListing(dir.str(), std::move(tensors));
}

std::optional<llvm::StringRef>
mlir::moec::llama4::safetensorsDType(Type elementType) {
  if (elementType.isF32())
    return llvm::StringRef("F32");
  if (elementType.isBF16())
    return llvm::StringRef("BF16");
  if (elementType.isF16())
    return llvm::StringRef("F16");
  if (elementType.isF64())
    return llvm::StringRef("F64");
  if (isa<Float8E4M3FNType>(elementType))
    return llvm::StringRef("F8_E4M3");
  if (isa<Float8E5M2Type>(elementType))
    return llvm::StringRef("F8_E5M2");
  return std::nullopt;
}

std::vector<TensorDesc>
mlir::moec::llama4::collectDeclaredTensors(ModuleOp module) {
  std::vector<TensorDesc> result;
  for (auto weight : module.getOps<graph::WeightOp>()) {
    RankedTensorType type = weight.getType();
    std::optional<llvm::StringRef> dtype =
        safetensorsDType(type.getElementType());
    result.push_back({weight.getSymName().str(),
                      dtype ? dtype->str() : std::string("?"),
                      llvm::SmallVector<int64_t, 4>(type.getShape())});
  }
  return result;
}

/// Formats a shape as `[a, b]`.
static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return text;
}

namespace {
/// The mismatches of one kind, as printable lines.
struct MismatchList {
  const char *label;
  std::vector<std::string> lines;

  void print(llvm::raw_ostream &os) const {
    for (size_t i = 0; i < lines.size() && i < kMaxListed; ++i)
      os << "\n  " << label << ": " << lines[i];
    if (lines.size() > kMaxListed)
      os << "\n  ... and " << lines.size() - kMaxListed << " more " << label
         << " tensors";
  }
};
} // namespace

llvm::Error mlir::moec::llama4::checkWeights(
    llvm::ArrayRef<TensorDesc> expected, const TensorListing &checkpoint,
    llvm::ArrayRef<llvm::StringRef> ignoredPrefixes,
    llvm::StringRef configName) {
  MismatchList missing{"missing", {}}, shapes{"wrong shape", {}},
      dtypes{"wrong dtype", {}}, unexpected{"unexpected", {}};
  llvm::StringSet<> expectedNames;
  for (const TensorDesc &want : expected) {
    expectedNames.insert(want.name);
    const TensorDesc *have = checkpoint.find(want.name);
    if (!have) {
      missing.lines.push_back(want.name + " (" + want.dtype + " " +
                              shapeString(want.shape) + ")");
      continue;
    }
    if (have->shape != want.shape)
      shapes.lines.push_back(want.name + " is " + shapeString(have->shape) +
                             ", expected " + shapeString(want.shape));
    if (have->dtype != want.dtype)
      dtypes.lines.push_back(want.name + " is " + have->dtype + ", expected " +
                             want.dtype);
  }
  for (const TensorDesc &have : checkpoint.tensors()) {
    bool ignored = llvm::any_of(ignoredPrefixes, [&](llvm::StringRef prefix) {
      return llvm::StringRef(have.name).starts_with(prefix);
    });
    if (!ignored && !expectedNames.contains(have.name))
      unexpected.lines.push_back(have.name + " (" + have.dtype + " " +
                                 shapeString(have.shape) + ")");
  }
  size_t total = missing.lines.size() + shapes.lines.size() +
                 dtypes.lines.size() + unexpected.lines.size();
  if (total == 0)
    return llvm::Error::success();
  std::string message;
  llvm::raw_string_ostream os(message);
  os << checkpoint.source() << ": the checkpoint does not match " << configName
     << " (" << missing.lines.size() << " missing, " << shapes.lines.size()
     << " with the wrong shape, " << dtypes.lines.size()
     << " with the wrong dtype, " << unexpected.lines.size() << " unexpected)";
  for (const MismatchList *list : {&missing, &shapes, &dtypes, &unexpected})
    list->print(os);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}
