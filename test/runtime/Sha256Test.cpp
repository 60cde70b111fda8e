//===- Sha256Test.cpp - SHA-256, the tree hash and artifact digests -------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/Sha256.h"

#include "TinyArtifact.h"
#include "runtime/Artifact.h"
#include "runtime/ArtifactBuilder.h"
#include "runtime/Integrity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <string>

namespace moec::runtime {
namespace {

using ::testing::HasSubstr;

absl::Span<const uint8_t> spanOf(const std::string &s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t *>(s.data()),
                             s.size());
}

std::string hexOf(const std::string &s) { return toHex(sha256(spanOf(s))); }

// The examples of FIPS 180-4 (NIST's "SHA256.pdf", "SHA2_Additional.pdf").
TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(hexOf(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hexOf(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every split of the input gives the one-shot digest (the buffering of
// partial blocks and the padding at every length modulo 64).
TEST(Sha256Test, IncrementalEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += char('a' + i % 26);
  for (size_t length : {0, 1, 55, 56, 63, 64, 65, 119, 120, 200})
    for (size_t split = 0; split <= length; split += 7) {
      std::string part = text.substr(0, length);
      Sha256 hash;
      hash.update(spanOf(part).subspan(0, split));
      hash.update(spanOf(part).subspan(split));
      EXPECT_EQ(hash.finish(), sha256(spanOf(part)))
          << "length " << length << " split " << split;
    }
}

TEST(Sha256Test, TreeHashIsHashOfChunkDigests) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = char(i * 31);
  std::string digests;
  for (size_t begin = 0; begin < data.size(); begin += 300) {
    Sha256Digest d = sha256(spanOf(data.substr(begin, 300)));
    digests.append(d.begin(), d.end());
  }
  Sha256Digest expected = sha256(spanOf(digests));
  for (unsigned threads : {1u, 2u, 3u, 8u, 0u})
    EXPECT_EQ(treeSha256(spanOf(data), 300, threads), expected) << threads;
  // One chunk: the hash of one digest; no chunk: the hash of nothing.
  EXPECT_EQ(treeSha256(spanOf(data), 1000),
            sha256(absl::MakeConstSpan(sha256(spanOf(data)))));
  EXPECT_EQ(treeSha256(spanOf(std::string())), sha256({}));
  std::string changed = data;
  changed[999] ^= 1;
  EXPECT_NE(treeSha256(spanOf(changed), 300), expected);
}

class ArtifactDigestTest : public ::testing::Test {
protected:
  void SetUp() override {
    absl::StatusOr<std::string> serialized =
        serializeArtifact(testutil::tinyArtifactContents());
    ASSERT_TRUE(serialized.ok()) << serialized.status();
    bytes = *serialized;
  }

  absl::Status load(const std::string &b) {
    return Artifact::loadFromBuffer("artifact.moec", spanOf(b)).status();
  }

  std::string bytes;
};

TEST_F(ArtifactDigestTest, WriterSealsTheArtifact) {
  EXPECT_TRUE(load(bytes).ok()) << load(bytes);
  std::optional<uint64_t> at = locateArtifactSha256(spanOf(bytes));
  ASSERT_TRUE(at);
  Sha256Digest digest = artifactSha256(spanOf(bytes), *at);
  EXPECT_EQ(bytes.substr(*at, 32), std::string(digest.begin(), digest.end()));
}

// A change anywhere after the schema version (a byte of code, of metadata or
// of the digest itself) is an integrity error, never a later one.
TEST_F(ArtifactDigestTest, ModifiedArtifactIsRefused) {
  std::optional<uint64_t> at = locateArtifactSha256(spanOf(bytes));
  ASSERT_TRUE(at);
  for (uint64_t offset : {uint64_t(bytes.size() / 2), *at, *at + 31,
                          uint64_t(bytes.size() - 1)}) {
    std::string changed = bytes;
    changed[offset] ^= 0x10;
    absl::Status s = load(changed);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
        << offset << ": " << s;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("artifact.moec: integrity check failed: the "
                          "artifact's bytes do not match its recorded SHA-256 "
                          "(modified or corrupted; recompile it)"));
  }
}

// Resealing after an edit is what a deliberate editor does: the digest is
// not a signature, and the structural checks still apply.
TEST_F(ArtifactDigestTest, ResealedEditLoads) {
  std::string changed = bytes;
  std::optional<uint64_t> at = locateArtifactSha256(spanOf(changed));
  ASSERT_TRUE(at);
  changed[*at] ^= 1;
  ASSERT_FALSE(load(changed).ok());
  ASSERT_TRUE(
      sealArtifact(absl::MakeSpan(reinterpret_cast<uint8_t *>(changed.data()),
                                  changed.size()))
          .ok());
  EXPECT_TRUE(load(changed).ok()) << load(changed);
}

TEST(WeightsDigestTest, ModifiedWeightsAreRefused) {
  std::string weights(5000, 'w');
  Sha256Digest recorded = treeSha256(spanOf(weights));
  EXPECT_TRUE(
      checkWeightsSha256(spanOf(weights), recorded, "w.safetensors", "a.moec")
          .ok());
  weights[4321] = 'x';
  absl::Status s =
      checkWeightsSha256(spanOf(weights), recorded, "w.safetensors", "a.moec");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("w.safetensors: integrity check failed: the packed "
                        "weights do not match the SHA-256 that a.moec "
                        "records"));
}

TEST(WeightsDigestTest, EnvironmentOptOut) {
  ::unsetenv(kNoVerifyWeightsEnv);
  EXPECT_FALSE(weightsCheckDisabledByEnvironment());
  ::setenv(kNoVerifyWeightsEnv, "0", 1);
  EXPECT_FALSE(weightsCheckDisabledByEnvironment());
  ::setenv(kNoVerifyWeightsEnv, "1", 1);
  EXPECT_TRUE(weightsCheckDisabledByEnvironment());
  ::unsetenv(kNoVerifyWeightsEnv);
}

} // namespace
} // namespace moec::runtime
