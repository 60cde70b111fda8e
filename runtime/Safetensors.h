//===- Safetensors.h - Strict memory-mapped safetensors reader --*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares a strict reader for the safetensors format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON describing each tensor, then the data area.
//
// Every structural rule is checked before any tensor data is handed out: the
// header length, the JSON, every entry's fields and types, known dtypes,
// non-negative dimensions, sizes that match shape x dtype (with overflow
// checks), offsets inside the data area, and that the tensors tile the data
// area exactly (no overlaps, no holes, no trailing bytes), as the reference
// implementation requires. Each error names the file and, where there is
// one, the tensor.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_SAFETENSORS_H
#define MOEC_RUNTIME_SAFETENSORS_H

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace moec::runtime {

/// Element types a safetensors file may hold. The safetensors spelling of
/// each is given by dtypeName (F8E4M3 is "F8_E4M3", which is what
/// transformers writes for torch.float8_e4m3fn).
enum class DType : uint8_t {
  F64,
  F32,
  F16,
  BF16,
  F8E4M3,
  F8E5M2,
  I64,
  I32,
  I16,
  I8,
  U8,
  Bool,
};

/// Returns the safetensors spelling of `dtype`, e.g. "BF16" or "F8_E4M3".
std::string_view dtypeName(DType dtype);

/// Returns the size in bytes of one element of `dtype`.
size_t dtypeSize(DType dtype);

/// Parses a safetensors dtype spelling ("F32", "F8_E4M3", ...). Unknown or
/// unsupported spellings give InvalidArgument listing the supported ones.
absl::StatusOr<DType> parseDType(std::string_view name);

/// The header entry of one tensor.
struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Offset of the first byte relative to the start of the data area (the
  /// first element of "data_offsets").
  uint64_t byteOffset = 0;
  /// Number of bytes: product(shape) * dtypeSize(dtype).
  uint64_t byteSize = 0;

  /// Returns product(shape) (1 for a scalar).
  int64_t numElements() const;
};

/// A validated, read-only, memory-mapped safetensors file. Move-only; the
/// mapping lives as long as the object, and spans returned by data() are
/// valid until it is destroyed (moving the object keeps them valid). The file
/// descriptor is closed once mapped. As with any mapping, truncating the file
/// while it is open makes reads of the lost pages fault.
class SafetensorsFile {
public:
  /// The largest header accepted (the reference implementation's limit).
  static constexpr uint64_t kMaxHeaderBytes = uint64_t(100) << 20;

  /// Opens, maps and validates `path`. Errors (NotFound, PermissionDenied,
  /// InvalidArgument for malformed files) have messages that start with the
  /// path and name the offending tensor.
  static absl::StatusOr<SafetensorsFile> open(std::string path);

  SafetensorsFile(SafetensorsFile &&other) noexcept;
  SafetensorsFile &operator=(SafetensorsFile &&other) noexcept;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile();

  /// Returns the path the file was opened with.
  const std::string &path() const { return filePath; }

  /// Returns all tensors in file order (ascending byteOffset; zero-sized
  /// tensors at the same offset are ordered by name).
  absl::Span<const TensorInfo> tensors() const { return tensorInfos; }

  /// Returns the tensor called `name`, or nullptr when there is none.
  const TensorInfo *find(std::string_view name) const;

  /// Returns the bytes of `tensor`, which must be an element of tensors() of
  /// this file. The span is not aligned beyond 1 byte in general.
  absl::Span<const uint8_t> data(const TensorInfo &tensor) const;

  /// Returns the "__metadata__" string map (empty when absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadataMap;
  }

  /// Returns the offset of the data area from the start of the file (8 + N).
  uint64_t dataAreaOffset() const { return dataStart; }

  /// Returns the whole data area (every tensor's bytes, in file order).
  absl::Span<const uint8_t> dataArea() const {
    return {mapped + dataStart, mappedSize - dataStart};
  }

  /// Returns the file size in bytes.
  uint64_t fileSize() const { return mappedSize; }

  /// Returns the whole mapped file (header and data area).
  absl::Span<const uint8_t> fileBytes() const { return {mapped, mappedSize}; }

private:
  SafetensorsFile() = default;
  void unmap();

  std::string filePath;
  const uint8_t *mapped = nullptr;
  uint64_t mappedSize = 0;
  uint64_t dataStart = 0;
  std::vector<TensorInfo> tensorInfos;
  absl::flat_hash_map<std::string, size_t> indexByName;
  std::map<std::string, std::string> metadataMap;
};

} // namespace moec::runtime

#endif // MOEC_RUNTIME_SAFETENSORS_H
