//===- TestUtil.h - Helpers for the runtime unit tests ----------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares helpers shared by the runtime tests: a self-deleting
// temporary directory, file writing, and a builder that serializes
// safetensors files (valid ones, or raw header text for malformed cases).
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_TEST_RUNTIME_TESTUTIL_H
#define MOEC_TEST_RUNTIME_TESTUTIL_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moec::runtime::testutil {

/// A fresh directory under the gtest temporary directory, removed with its
/// contents on destruction.
class TempDir {
public:
  TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir();

  /// Returns the directory path.
  const std::string &path() const { return dirPath; }
  /// Returns the path of `name` inside the directory.
  std::string file(std::string_view name) const;

private:
  std::string dirPath;
};

/// Writes `bytes` to `path`, replacing it; fails the current test on error.
void writeFile(const std::string &path, std::string_view bytes);

/// Returns the 8-byte little-endian encoding of `value`.
std::string littleEndian64(uint64_t value);

/// Returns a safetensors file: the length of `header`, `header`, `data`.
std::string safetensorsBytes(std::string_view header, std::string_view data);

/// Builds valid safetensors files tensor by tensor, laying the data out
/// contiguously in the order the tensors were added.
class SafetensorsBuilder {
public:
  /// Adds a tensor; `data` must hold exactly its bytes.
  SafetensorsBuilder &add(std::string name, std::string dtype,
                          std::vector<int64_t> shape, std::string data);
  /// Adds a "__metadata__" entry.
  SafetensorsBuilder &metadata(std::string key, std::string value);

  /// Returns the JSON header (unpadded).
  std::string header() const;
  /// Returns the concatenated tensor data.
  std::string data() const;
  /// Returns the whole file, the header padded with spaces to a multiple of
  /// 8 bytes as the reference writer does.
  std::string bytes() const;

private:
  struct Entry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    std::string data;
  };
  std::vector<Entry> entries;
  std::vector<std::pair<std::string, std::string>> metadataEntries;
};

/// Returns the little-endian bytes of `values`.
template <typename T> std::string bytesOf(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

} // namespace moec::runtime::testutil

#endif // MOEC_TEST_RUNTIME_TESTUTIL_H
