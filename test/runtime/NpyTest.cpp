//===- NpyTest.cpp - Tests for the .npy writer ----------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include "runtime/File.h"

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

TEST(NpyTest, HeaderIsVersion1AndAligned) {
  std::string header = npyHeaderF32({3, 11});
  ASSERT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(size_t(uint8_t(header[8]) | uint8_t(header[9]) << 8),
            header.size() - 10);
  EXPECT_THAT(header, HasSubstr("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (3, 11), }"));
  EXPECT_EQ(header.back(), '\n');
  EXPECT_THAT(npyHeaderF32({5}), HasSubstr("'shape': (5,)"));
}

TEST(NpyTest, WritesTheData) {
  testutil::TempDir dir;
  std::string path = dir.file("a.npy");
  std::vector<float> values = {1.0f, -2.5f, 3.0f, 0.0f, 5.0f, 6.0f};
  ASSERT_TRUE(writeNpyF32(path, values, {2, 3}).ok());
  absl::StatusOr<std::string> bytes = readTextFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  size_t header = npyHeaderF32({2, 3}).size();
  ASSERT_EQ(bytes->size(), header + 24);
  EXPECT_EQ(std::memcmp(bytes->data() + header, values.data(), 24), 0);
}

TEST(NpyTest, RejectsAShapeMismatchAndBadPaths) {
  testutil::TempDir dir;
  absl::Status s = writeNpyF32(dir.file("a.npy"), {1.0f}, {2});
  EXPECT_THAT(std::string(s.message()), HasSubstr("shape holds 2 elements"));
  s = writeNpyF32(dir.file("none/a.npy"), {1.0f}, {1});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("none/a.npy"));
}

} // namespace
} // namespace moec::runtime
