//===- FileTest.cpp - Tests for the runtime file helpers ------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests readTextFile, joinPath and the file-type predicates.
//
//===----------------------------------------------------------------------===//

#include "runtime/File.h"

#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;
using testutil::TempDir;
using testutil::writeFile;

TEST(FileTest, ReadsWholeFile) {
  TempDir dir;
  std::string bytes("line 1\nline 2\0binary", 20);
  writeFile(dir.file("a.txt"), bytes);
  absl::StatusOr<std::string> text = readTextFile(dir.file("a.txt"));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, bytes);
  writeFile(dir.file("empty.txt"), "");
  EXPECT_EQ(readTextFile(dir.file("empty.txt")).value_or("x"), "");
}

TEST(FileTest, MissingFileIsNotFound) {
  TempDir dir;
  absl::StatusOr<std::string> text = readTextFile(dir.file("missing.json"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("cannot open '" + dir.file("missing.json") + "'"));
}

TEST(FileTest, DirectoryIsRejected) {
  TempDir dir;
  absl::StatusOr<std::string> text = readTextFile(dir.path());
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("not a regular file"));
}

TEST(FileTest, SizeLimit) {
  TempDir dir;
  writeFile(dir.file("big.txt"), "0123456789");
  absl::StatusOr<std::string> text = readTextFile(dir.file("big.txt"), 4);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("file is 10 bytes, more than the limit of 4 bytes"));
}

TEST(FileTest, JoinPathAndPredicates) {
  EXPECT_EQ(joinPath("dir", "f"), "dir/f");
  EXPECT_EQ(joinPath("dir/", "f"), "dir/f");
  EXPECT_EQ(joinPath("", "f"), "f");
  TempDir dir;
  writeFile(dir.file("f"), "x");
  EXPECT_TRUE(isRegularFile(dir.file("f")));
  EXPECT_FALSE(isRegularFile(dir.path()));
  EXPECT_TRUE(isDirectory(dir.path()));
  EXPECT_TRUE(pathExists(dir.file("f")));
  EXPECT_FALSE(pathExists(dir.file("g")));
}

} // namespace
} // namespace moec::runtime
