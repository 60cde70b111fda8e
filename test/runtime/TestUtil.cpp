//===- TestUtil.cpp - Helpers for the runtime unit tests ------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the temporary directory, file writing and safetensors
// serialization helpers of the runtime tests.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "runtime/StringUtil.h"

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace moec::runtime::testutil {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / "moec-test-XXXXXX")
          .string();
  if (::mkdtemp(pattern.data()) == nullptr)
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  dirPath = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dirPath, ignored);
}

std::string TempDir::file(std::string_view name) const {
  return strCat(dirPath, "/", name);
}

void writeFile(const std::string &path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string littleEndian64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  return bytes;
}

std::string safetensorsBytes(std::string_view header, std::string_view data) {
  return strCat(littleEndian64(header.size()), header, data);
}

SafetensorsBuilder &SafetensorsBuilder::add(std::string name, std::string dtype,
                                            std::vector<int64_t> shape,
                                            std::string data) {
  entries.push_back(
      {std::move(name), std::move(dtype), std::move(shape), std::move(data)});
  return *this;
}

SafetensorsBuilder &SafetensorsBuilder::metadata(std::string key,
                                                 std::string value) {
  metadataEntries.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string SafetensorsBuilder::header() const {
  std::vector<std::string> members;
  if (!metadataEntries.empty()) {
    std::vector<std::string> pairs;
    for (const auto &[key, value] : metadataEntries)
      pairs.push_back(strCat("\"", key, "\":\"", value, "\""));
    members.push_back(
        strCat("\"__metadata__\":{", absl::StrJoin(pairs, ","), "}"));
  }
  size_t offset = 0;
  for (const Entry &entry : entries) {
    members.push_back(strCat("\"", entry.name, "\":{\"dtype\":\"", entry.dtype,
                             "\",\"shape\":[", absl::StrJoin(entry.shape, ","),
                             "],\"data_offsets\":[", offset, ",",
                             offset + entry.data.size(), "]}"));
    offset += entry.data.size();
  }
  return strCat("{", absl::StrJoin(members, ","), "}");
}

std::string SafetensorsBuilder::data() const {
  std::string all;
  for (const Entry &entry : entries)
    all += entry.data;
  return all;
}

std::string SafetensorsBuilder::bytes() const {
  std::string text = header();
  text.append((8 - text.size() % 8) % 8, ' ');
  return safetensorsBytes(text, data());
}

} // namespace moec::runtime::testutil
