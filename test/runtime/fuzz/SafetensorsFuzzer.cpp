//===- SafetensorsFuzzer.cpp - Fuzz target for SafetensorsFile::open ------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file fuzzes the safetensors reader. SafetensorsFile only opens paths,
// so each input is written to one temporary file per process first. Any
// input must open or give an error, never crash; every byte of an opened
// file's tensors must be readable.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "runtime/Safetensors.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace moec::runtime;

/// Returns the path of this process's scratch file (removed at exit): in
/// $TMPDIR, else in /dev/shm (tens of times faster than a disk for the
/// write-per-input pattern), else in /tmp.
static const std::string &scratchPath() {
  static const std::string path = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp                       ? tmp
                      : ::access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                        : "/tmp";
    std::string p =
        dir + "/moec-safetensors-fuzz-" + std::to_string(::getpid());
    std::atexit([] { std::remove(scratchPath().c_str()); });
    return p;
  }();
  return path;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::FILE *file = std::fopen(scratchPath().c_str(), "wb");
  if (!file)
    std::abort();
  if (size && std::fwrite(data, 1, size, file) != size)
    std::abort();
  std::fclose(file);
  absl::StatusOr<SafetensorsFile> opened = SafetensorsFile::open(scratchPath());
  if (!opened.ok())
    return 0;
  unsigned sum = 0;
  for (const TensorInfo &tensor : opened->tensors())
    for (uint8_t byte : opened->data(tensor))
      sum += byte;
  return sum == 0xffffffffu ? 1 : 0;
}

/// Returns a safetensors file with header `header` and data `data`.
static std::string safetensors(const std::string &header,
                               const std::string &data) {
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(char((header.size() >> (8 * i)) & 0xff));
  return bytes + header + data;
}

std::vector<std::string> moec::fuzz::moecFuzzSeeds() {
  return {
      safetensors(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]}})",
          std::string(12, '\x3f')),
      safetensors(R"({"__metadata__":{"format":"pt"},"e":{"dtype":"F8_E4M3",)"
                  R"("shape":[0],"data_offsets":[0,0]},"i":{"dtype":"I64",)"
                  R"("shape":[],"data_offsets":[0,8]}})",
                  std::string(8, '\1')),
  };
}
