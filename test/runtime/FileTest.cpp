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

#include <sys/stat.h>
#include <unistd.h>

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

TEST(FileTest, FifoAndDevicesAreRejectedWithoutBlocking) {
  // A FIFO without a writer would block open() forever; /dev/zero would
  // never end.
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  for (std::string path : {dir.file("fifo"), std::string("/dev/zero")}) {
    absl::StatusOr<std::string> text = readTextFile(path);
    ASSERT_FALSE(text.ok()) << path;
    EXPECT_THAT(std::string(text.status().message()),
                HasSubstr("cannot read '" + path + "': not a regular file"));
  }
}

TEST(FileTest, JsonSizeCapIsNamedInMiB) {
  TempDir dir;
  // Sparse: the size is checked before anything is read.
  writeFile(dir.file("big.json"), "");
  ASSERT_EQ(::truncate(dir.file("big.json").c_str(), kMaxJsonFileBytes + 1), 0);
  absl::StatusOr<std::string> text =
      readTextFile(dir.file("big.json"), kMaxJsonFileBytes);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("more than the limit of 67108864 bytes (64 MiB)"));
}

TEST(FileTest, AtomicWriteReplacesOnlyOnCommit) {
  TempDir dir;
  std::string path = dir.file("out.bin");
  writeFile(path, "old");
  {
    AtomicFileWriter writer;
    ASSERT_TRUE(writer.open(path).ok());
    writer.write("new, uncommitted", 16);
  }
  // Abandoned: the old file stays, no temporary file is left.
  EXPECT_EQ(readTextFile(path).value_or(""), "old");
  ASSERT_TRUE(writeFileAtomically(path, "new").ok());
  EXPECT_EQ(readTextFile(path).value_or(""), "new");
  EXPECT_FALSE(::access((path + ".tmp-XXXXXX").c_str(), F_OK) == 0);
  absl::Status missing = writeFileAtomically(dir.file("no/out.bin"), "x");
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("folder '" + dir.file("no") + "' does not exist"));
}

TEST(FileTest, CheckOutputPath) {
  TempDir dir;
  EXPECT_TRUE(checkOutputPath(dir.file("new.moec")).ok());
  EXPECT_FALSE(pathExists(dir.file("new.moec")));
  EXPECT_TRUE(checkOutputPath("/dev/null").ok());
  EXPECT_THAT(std::string(checkOutputPath(dir.path()).message()),
              HasSubstr("it is a folder"));
  EXPECT_THAT(std::string(checkOutputPath(dir.file("no/x")).message()),
              HasSubstr("does not exist"));
  EXPECT_THAT(std::string(checkOutputPath("/proc/moec-test/x").message()),
              HasSubstr("cannot write '/proc/moec-test/x'"));
}

TEST(FileTest, PlainFileNames) {
  EXPECT_TRUE(isPlainFileName("model.weights.safetensors"));
  for (std::string_view name :
       {std::string_view(""), std::string_view(".."), std::string_view("a/b"),
        std::string_view("/abs"), std::string_view("a\\b"),
        std::string_view("a\0b", 3)})
    EXPECT_FALSE(isPlainFileName(name)) << name;
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
