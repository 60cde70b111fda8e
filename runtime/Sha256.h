//===- Sha256.h - SHA-256 (FIPS 180-4) and a chunked tree hash --*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares SHA-256, written from FIPS 180-4 so that the runtime
// checks the integrity of artifacts and packed weights without a new
// dependency, and the chunked "tree" hash of packed weights: SHA-256 of each
// kSha256TreeChunkBytes chunk (computed on several threads), then SHA-256 of
// the concatenated chunk digests. Part of the runtime's format layer: the
// compiler writes the digests the runtime checks.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_SHA256_H
#define MOEC_RUNTIME_SHA256_H

#include "absl/types/span.h"

#include <array>
#include <cstdint>
#include <string>

namespace moec::runtime {

using Sha256Digest = std::array<uint8_t, 32>;

/// Incremental SHA-256.
class Sha256 {
public:
  Sha256();
  void update(absl::Span<const uint8_t> bytes);
  /// Pads, returns the digest; the object must not be updated afterwards.
  Sha256Digest finish();

private:
  void compress(const uint8_t *block);

  uint32_t state[8];
  uint8_t buffer[64];
  uint64_t bufferedBytes = 0;
  uint64_t totalBytes = 0;
};

/// Returns the SHA-256 of `bytes`.
Sha256Digest sha256(absl::Span<const uint8_t> bytes);

/// The chunk size of the tree hash: large enough that the digests are a
/// negligible second pass, small enough that a few GiB spread over threads.
constexpr uint64_t kSha256TreeChunkBytes = uint64_t(64) << 20;

/// Returns SHA-256(SHA-256(chunk 0) || SHA-256(chunk 1) || ...) over the
/// `chunkBytes` chunks of `bytes` (the last one may be shorter; empty input
/// has no chunk), hashing the chunks on up to `threads` threads (0: one per
/// hardware thread).
Sha256Digest treeSha256(absl::Span<const uint8_t> bytes,
                        uint64_t chunkBytes = kSha256TreeChunkBytes,
                        unsigned threads = 0);

/// Returns the digest as 64 lowercase hex digits.
std::string toHex(const Sha256Digest &digest);

} // namespace moec::runtime

#endif // MOEC_RUNTIME_SHA256_H
