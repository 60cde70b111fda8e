//===- Sha256.cpp - SHA-256 (FIPS 180-4) and a chunked tree hash ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements SHA-256 as FIPS 180-4 section 6.2 describes it, in
// portable C++ (section numbers below refer to FIPS 180-4).
//
//===----------------------------------------------------------------------===//

#include "runtime/Sha256.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace moec::runtime {

/// The round constants (section 4.2.2).
static constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

Sha256::Sha256()
    // The initial hash value (section 5.3.3).
    : state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

/// One block of the hash computation (section 6.2.2).
void Sha256::compress(const uint8_t *block) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t)
    w[t] = uint32_t(block[4 * t]) << 24 | uint32_t(block[4 * t + 1]) << 16 |
           uint32_t(block[4 * t + 2]) << 8 | uint32_t(block[4 * t + 3]);
  for (int t = 16; t < 64; ++t) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4],
           f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; ++t) {
    uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = h + s1 + ch + kRound[t] + w[t];
    uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

void Sha256::update(absl::Span<const uint8_t> bytes) {
  const uint8_t *data = bytes.data();
  size_t size = bytes.size();
  totalBytes += size;
  if (bufferedBytes > 0) {
    size_t take = std::min<size_t>(size, 64 - bufferedBytes);
    std::memcpy(buffer + bufferedBytes, data, take);
    bufferedBytes += take;
    data += take;
    size -= take;
    if (bufferedBytes < 64)
      return;
    compress(buffer);
    bufferedBytes = 0;
  }
  for (; size >= 64; data += 64, size -= 64)
    compress(data);
  std::memcpy(buffer, data, size);
  bufferedBytes = size;
}

Sha256Digest Sha256::finish() {
  // Padding (section 5.1.1): a 1 bit, zeros, the length in bits (64 bits).
  uint64_t bits = totalBytes * 8;
  uint8_t pad[72] = {0x80};
  size_t padBytes = (bufferedBytes < 56 ? 56 : 120) - bufferedBytes;
  for (int i = 0; i < 8; ++i)
    pad[padBytes + i] = uint8_t(bits >> (56 - 8 * i));
  update(absl::MakeConstSpan(pad, padBytes + 8));
  Sha256Digest digest;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j)
      digest[4 * i + j] = uint8_t(state[i] >> (24 - 8 * j));
  return digest;
}

Sha256Digest sha256(absl::Span<const uint8_t> bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

Sha256Digest treeSha256(absl::Span<const uint8_t> bytes, uint64_t chunkBytes,
                        unsigned threads) {
  if (chunkBytes == 0)
    chunkBytes = kSha256TreeChunkBytes;
  uint64_t chunks = (bytes.size() + chunkBytes - 1) / chunkBytes;
  std::vector<Sha256Digest> digests(chunks);
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<uint64_t>(threads, chunks));
  // Workers take the next chunk from a shared counter, so one slow chunk
  // (a page-cache miss) does not hold up a fixed share of the others.
  std::atomic<uint64_t> next{0};
  auto work = [&] {
    for (uint64_t i; (i = next.fetch_add(1)) < chunks;) {
      uint64_t begin = i * chunkBytes;
      digests[i] = sha256(bytes.subspan(
          begin, std::min<uint64_t>(chunkBytes, bytes.size() - begin)));
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work);
  work();
  for (std::thread &t : pool)
    t.join();
  Sha256 root;
  for (const Sha256Digest &d : digests)
    root.update(d);
  return root.finish();
}

std::string toHex(const Sha256Digest &digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : digest) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

} // namespace moec::runtime
