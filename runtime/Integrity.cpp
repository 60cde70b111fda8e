//===- Integrity.cpp - Artifact and packed-weights digests ----------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/Integrity.h"

#include "runtime/StringUtil.h"
#include "runtime/schema/artifact_generated.h"

#include <cstdlib>
#include <cstring>

namespace moec::runtime {

static constexpr uint64_t kDigestBytes = sizeof(Sha256Digest);
/// The FlatBuffer starts after the 4-byte size prefix.
static constexpr uint64_t kPrefixBytes = 4;

/// Reads a little-endian unsigned integer of `n` bytes at `offset`; the
/// caller has checked the bounds.
static uint64_t readLE(const uint8_t *bytes, uint64_t offset, int n) {
  uint64_t value = 0;
  for (int i = n - 1; i >= 0; --i)
    value = (value << 8) | bytes[offset + i];
  return value;
}

std::optional<uint64_t> locateArtifactSha256(absl::Span<const uint8_t> file) {
  if (file.size() < kPrefixBytes + 8)
    return std::nullopt;
  const uint8_t *buffer = file.data() + kPrefixBytes;
  uint64_t size = file.size() - kPrefixBytes;
  uint64_t table = readLE(buffer, 0, 4);
  if (table + 4 > size)
    return std::nullopt;
  int64_t vtable = int64_t(table) - int32_t(uint32_t(readLE(buffer, table, 4)));
  constexpr uint64_t entry = fb::Artifact::VT_SHA256;
  if (vtable < 0 || uint64_t(vtable) + 4 > size)
    return std::nullopt;
  uint64_t vtableBytes = readLE(buffer, uint64_t(vtable), 2);
  if (vtableBytes < entry + 2 || uint64_t(vtable) + entry + 2 > size)
    return std::nullopt;
  uint64_t field = readLE(buffer, uint64_t(vtable) + entry, 2);
  if (field == 0 || table + field + kDigestBytes > size)
    return std::nullopt;
  return kPrefixBytes + table + field;
}

Sha256Digest artifactSha256(absl::Span<const uint8_t> file,
                            uint64_t digestOffset) {
  static constexpr uint8_t kZeros[kDigestBytes] = {};
  Sha256 hash;
  hash.update(file.subspan(0, digestOffset));
  hash.update(kZeros);
  hash.update(file.subspan(digestOffset + kDigestBytes));
  return hash.finish();
}

absl::Status checkArtifactSha256(absl::Span<const uint8_t> file,
                                 std::string_view where) {
  std::optional<uint64_t> at = locateArtifactSha256(file);
  if (!at)
    return absl::InvalidArgumentError(
        strCat(where, ": integrity check failed: the artifact records no "
                      "SHA-256, or it lies outside the file (corrupted, or "
                      "written by another moec; recompile it)"));
  Sha256Digest actual = artifactSha256(file, *at);
  if (std::memcmp(actual.data(), file.data() + *at, kDigestBytes) != 0)
    return absl::InvalidArgumentError(
        strCat(where, ": integrity check failed: the artifact's bytes do not "
                      "match its recorded SHA-256 (modified or corrupted; "
                      "recompile it)"));
  return absl::OkStatus();
}

absl::Status sealArtifact(absl::Span<uint8_t> file) {
  std::optional<uint64_t> at = locateArtifactSha256(file);
  if (!at)
    return absl::InternalError(
        "artifact being written: it has no sha256 field to seal");
  Sha256Digest digest = artifactSha256(file, *at);
  std::memcpy(file.data() + *at, digest.data(), kDigestBytes);
  return absl::OkStatus();
}

absl::Status checkWeightsSha256(absl::Span<const uint8_t> file,
                                const Sha256Digest &recorded,
                                std::string_view weightsPath,
                                std::string_view artifactPath) {
  if (treeSha256(file) == recorded)
    return absl::OkStatus();
  return absl::InvalidArgumentError(
      strCat(weightsPath,
             ": integrity check failed: the packed weights do not match "
             "the SHA-256 that ",
             artifactPath,
             " records (modified, corrupted or from another compilation; "
             "recompile the model, or restore the weights file)"));
}

bool weightsCheckDisabledByEnvironment() {
  const char *value = std::getenv(kNoVerifyWeightsEnv);
  return value && *value && std::strcmp(value, "0") != 0;
}

} // namespace moec::runtime
