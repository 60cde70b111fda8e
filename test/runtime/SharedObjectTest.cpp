//===- SharedObjectTest.cpp - Tests for loading shared objects ------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file tests SharedObject on the fake model's shared object: both ways
// of handing it to dlopen, symbol lookup, and the ELF checks that keep
// corrupted kernels away from the dynamic loader.
//
//===----------------------------------------------------------------------===//

#include "runtime/SharedObject.h"

#include "FakeModelArtifact.h"
#include "TestUtil.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <filesystem>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

class SharedObjectTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::string> so = testutil::fakeModelSharedObject();
    ASSERT_TRUE(so.ok()) << so.status();
    bytes = *so;
  }

  absl::Span<const uint8_t> span(const std::string &b) const {
    return {reinterpret_cast<const uint8_t *>(b.data()), b.size()};
  }

  /// Expects the ELF checks to reject `b` with `phrase`.
  void expectRejected(const std::string &b, std::string_view phrase) {
    absl::Status s = checkElfSharedObject(span(b), "kernel");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("kernel: not a loadable shared object: "));
    EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(phrase)));
  }

  std::string bytes;
};

TEST_F(SharedObjectTest, KnowsTheHost) {
  EXPECT_TRUE(hostCpuTarget() == "x86_64" || hostCpuTarget() == "aarch64")
      << hostCpuTarget();
}

TEST_F(SharedObjectTest, LoadsThroughAMemfdAndFindsSymbols) {
  absl::StatusOr<SharedObject> so = SharedObject::load(span(bytes), "fake");
  ASSERT_TRUE(so.ok()) << so.status();
  SharedObject moved = *std::move(so);
  EXPECT_TRUE(moved.symbol("moec_fake_embed").ok());
  absl::StatusOr<void *> missing = moved.symbol("moec_nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("fake: entry symbol 'moec_nope' not found: "));
}

TEST_F(SharedObjectTest, FallsBackToAnUnlinkedTempFile) {
  testutil::TempDir tmp;
  const char *old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp.path().c_str(), 1);
  absl::StatusOr<SharedObject> so =
      SharedObject::load(span(bytes), "fake", SharedObject::Method::TempFile);
  ::setenv("TMPDIR", (tmp.path() + "/missing").c_str(), 1);
  absl::StatusOr<SharedObject> failed =
      SharedObject::load(span(bytes), "fake", SharedObject::Method::TempFile);
  if (old)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  ASSERT_TRUE(so.ok()) << so.status();
  EXPECT_TRUE(so->symbol("moec_fake_head").ok());
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()))
      << "the temporary file was not unlinked";
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()),
              HasSubstr("cannot create a temporary file for a kernel"));
}

TEST_F(SharedObjectTest, ChecksTheElfHeader) {
  expectRejected("\x7f"
                 "ELF",
                 "4 bytes, too short for an ELF header");
  std::string b = bytes;
  b[0] = 'M';
  expectRejected(b, "no ELF magic number");
  b = bytes;
  b[EI_CLASS] = ELFCLASS32;
  expectRejected(b, "not a 64-bit little-endian ELF file");
  b = bytes;
  uint16_t type = ET_EXEC;
  std::memcpy(&b[offsetof(Elf64_Ehdr, e_type)], &type, 2);
  expectRejected(b, "ELF type 2 is not a shared object");
  b = bytes;
  uint16_t machine = hostCpuTarget() == "aarch64" ? EM_X86_64 : EM_AARCH64;
  std::memcpy(&b[offsetof(Elf64_Ehdr, e_machine)], &machine, 2);
  expectRejected(b,
                 "built for " +
                     std::string(machine == EM_X86_64 ? "x86_64" : "aarch64") +
                     ", this machine is " + std::string(hostCpuTarget()));
  b = bytes;
  uint16_t count = 0;
  std::memcpy(&b[offsetof(Elf64_Ehdr, e_phnum)], &count, 2);
  expectRejected(b, "the program header table is missing or truncated");
}

TEST_F(SharedObjectTest, ChecksTheSegments) {
  Elf64_Ehdr header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  std::string b = bytes;
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    size_t at = header.e_phoff + i * sizeof(Elf64_Phdr);
    Elf64_Phdr segment;
    std::memcpy(&segment, &b[at], sizeof(segment));
    if (segment.p_type != PT_LOAD)
      continue;
    segment.p_offset = ~uint64_t(0) - 4;
    std::memcpy(&b[at], &segment, sizeof(segment));
    expectRejected(b, "lies outside the");
    return;
  }
  FAIL() << "the fake model has no PT_LOAD segment";
}

} // namespace
} // namespace moec::runtime
