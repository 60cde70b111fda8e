//===- Replay.cpp - Deterministic replay driver for fuzz targets ----------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file is a main() for a fuzz target that needs no libFuzzer: it runs
// the target on each seed, on every truncation of each seed, and then on
// --iterations N inputs made by stacking random mutations (bit flips, byte
// overwrites with interesting values, erasures, insertions, duplicated
// chunks, truncations) on the seeds, with a fixed-seed generator so every
// run is the same. --write-seeds DIR writes the seeds as a libFuzzer corpus.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace {
/// Applies one random mutation to `input`.
void mutate(std::string &input, std::mt19937_64 &rng) {
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff,
                                         0x10, 0x40, 0xfe, 0x08, 0x04};
  auto pick = [&](size_t n) { return n ? size_t(rng() % n) : 0; };
  switch (rng() % 6) {
  case 0:
    if (!input.empty())
      input[pick(input.size())] ^= char(1u << (rng() % 8));
    break;
  case 1:
    if (!input.empty())
      input[pick(input.size())] =
          char(kInteresting[pick(sizeof(kInteresting))]);
    break;
  case 2:
    if (!input.empty())
      input.erase(pick(input.size()), 1 + pick(8));
    break;
  case 3:
    input.insert(pick(input.size() + 1), 1 + pick(4),
                 char(kInteresting[pick(sizeof(kInteresting))]));
    break;
  case 4:
    if (!input.empty()) {
      size_t from = pick(input.size());
      std::string chunk = input.substr(from, 1 + pick(16));
      input.insert(pick(input.size() + 1), chunk);
    }
    break;
  default:
    input.resize(pick(input.size() + 1));
    break;
  }
}

void run(const std::string &input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(input.data()),
                         input.size());
}

int writeSeeds(const std::string &dir) {
  std::vector<std::string> seeds = moec::fuzz::moecFuzzSeeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::string path = dir + "/seed-" + std::to_string(i);
    std::FILE *file = std::fopen(path.c_str(), "wb");
    if (!file || std::fwrite(seeds[i].data(), 1, seeds[i].size(), file) !=
                     seeds[i].size()) {
      std::fprintf(stderr, "replay: cannot write '%s'\n", path.c_str());
      return 1;
    }
    std::fclose(file);
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  long iterations = 20000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--write-seeds") && i + 1 < argc)
      return writeSeeds(argv[i + 1]);
    if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) {
      iterations = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    std::fprintf(stderr, "usage: %s [--iterations N] [--write-seeds DIR]\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> seeds = moec::fuzz::moecFuzzSeeds();
  for (const std::string &seed : seeds) {
    if (seed.empty()) {
      std::fprintf(stderr, "replay: a seed failed to build\n");
      return 1;
    }
    for (size_t length = 0; length <= seed.size(); ++length)
      run(seed.substr(0, length));
  }
  std::mt19937_64 rng(0x6d6f6563);
  for (long i = 0; i < iterations; ++i) {
    std::string input = seeds[rng() % seeds.size()];
    for (int n = 1 + int(rng() % 4); n > 0; --n)
      mutate(input, rng);
    run(input);
  }
  std::printf("replay: %zu seeds, %ld mutated inputs, no crash\n", seeds.size(),
              iterations);
  return 0;
}
