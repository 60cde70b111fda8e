//===- PackedWeights.cpp - The packed weights file beside an artifact -----===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/artifact/PackedWeights.h"
#include "runtime/File.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::moec;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The JSON header: tensors and padding entries covering [0, dataSize).
static std::string buildHeader(const std::vector<PackedTensor> &tensors,
                               uint64_t dataSize) {
  llvm::json::Object header;
  uint64_t cursor = 0;
  unsigned padding = 0;
  auto addEntry = [&](std::string name, llvm::StringRef dtype,
                      llvm::json::Array shape, uint64_t begin, uint64_t end) {
    header[name] =
        llvm::json::Object{{"dtype", dtype},
                           {"shape", std::move(shape)},
                           {"data_offsets", llvm::json::Array{begin, end}}};
  };
  auto pad = [&](uint64_t to) {
    if (to > cursor)
      addEntry("__moec_padding." + std::to_string(padding++), "U8",
               llvm::json::Array{to - cursor}, cursor, to);
    cursor = to;
  };
  for (const PackedTensor &t : tensors) {
    pad(t.offset);
    llvm::json::Array shape;
    for (int64_t d : t.shape)
      shape.push_back(d);
    addEntry(t.name,
             llvm::StringRef(::moec::runtime::dtypeName(t.dtype).data(),
                             ::moec::runtime::dtypeName(t.dtype).size()),
             std::move(shape), t.offset, t.offset + t.bytes);
    cursor = t.offset + t.bytes;
  }
  pad(dataSize);
  header["__metadata__"] =
      llvm::json::Object{{"format", "moec-packed-weights"}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(header));
  return text;
}

llvm::Error mlir::moec::writePackedWeights(
    llvm::StringRef path, const std::vector<PackedTensor> &tensors,
    uint64_t dataSize, uint64_t alignment,
    const std::function<llvm::Expected<absl::Span<const uint8_t>>(size_t)>
        &read) {
  uint64_t cursor = 0;
  for (const PackedTensor &t : tensors) {
    if (t.offset < cursor || t.offset + t.bytes > dataSize)
      return makeError("packed weight '" + t.name +
                       "' overlaps its predecessor or runs past the data area");
    cursor = t.offset + t.bytes;
  }
  std::string header = buildHeader(tensors, dataSize);
  // 8 length bytes + header, padded with spaces to the alignment.
  uint64_t headerEnd = llvm::alignTo(8 + header.size(), alignment);
  header.append(headerEnd - 8 - header.size(), ' ');

  // Written beside `path` and renamed into place: a failure never leaves a
  // truncated weights file.
  ::moec::runtime::AtomicFileWriter os;
  if (absl::Status status = os.open(path.str()); !status.ok())
    return makeError(std::string(status.message()));
  uint64_t length = header.size();
  char lengthBytes[8];
  for (int i = 0; i < 8; ++i)
    lengthBytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  os.write(lengthBytes, 8);
  os.write(header.data(), header.size());
  cursor = 0;
  auto zeros = [&](uint64_t count) {
    static const char kZeros[256] = {};
    for (; count > 0; count -= std::min<uint64_t>(count, sizeof(kZeros)))
      os.write(kZeros, std::min<uint64_t>(count, sizeof(kZeros)));
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    const PackedTensor &t = tensors[i];
    zeros(t.offset - cursor);
    llvm::Expected<absl::Span<const uint8_t>> data = read(i);
    if (!data)
      return data.takeError();
    if (data->size() != t.bytes)
      return makeError("packed weight '" + t.name + "' has " +
                       llvm::Twine(data->size()) + " bytes, expected " +
                       llvm::Twine(t.bytes));
    os.write(reinterpret_cast<const char *>(data->data()), data->size());
    cursor = t.offset + t.bytes;
  }
  zeros(dataSize - cursor);
  if (absl::Status status = os.commit(); !status.ok())
    return makeError(std::string(status.message()));
  return llvm::Error::success();
}
