//===- FakeModelTool.cpp - Fake model files for moec-run tests ------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file is the moec-fake-model helper of the moec-run end-to-end tests:
//
//   moec-fake-model write DIR          writes DIR/fake.moec and its weights
//   moec-fake-model check-npy FILE IDS checks a --dump-logits file: a .npy
//                                      version 1.0 header, '<f4', shape
//                                      (len(IDS), 11), and the reference
//                                      logits of the prompt IDS (1,2,3)
//
//===----------------------------------------------------------------------===//

#include "FakeModelArtifact.h"

#include "runtime/File.h"
#include "runtime/StringUtil.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

#include <cstdio>
#include <cstring>

using namespace moec::runtime;

/// Checks the .npy file at `path` against the fake model's logits of
/// `prompt`.
static absl::Status checkNpy(const std::string &path,
                             const std::vector<int64_t> &prompt) {
  absl::StatusOr<std::string> bytes = readTextFile(path);
  if (!bytes.ok())
    return bytes.status();
  const std::string &b = *bytes;
  if (b.size() < 10 || b.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)))
    return absl::InvalidArgumentError("no .npy version 1.0 magic");
  size_t headerLength = uint8_t(b[8]) | size_t(uint8_t(b[9])) << 8;
  if (b.size() < 10 + headerLength || (10 + headerLength) % 64 != 0)
    return absl::InvalidArgumentError("the header is truncated or unaligned");
  std::string header = b.substr(10, headerLength);
  std::string shape =
      strCat("'shape': (", prompt.size(), ", ", testutil::kFakeVocab, ")");
  for (const std::string &part : {std::string("'descr': '<f4'"),
                                  std::string("'fortran_order': False"), shape})
    if (header.find(part) == std::string::npos)
      return absl::InvalidArgumentError(
          strCat("the header lacks ", part, ": ", header));
  std::vector<float> expected = testutil::fakeLogits(prompt);
  if (b.size() - 10 - headerLength != expected.size() * sizeof(float))
    return absl::InvalidArgumentError(
        strCat("the data is ", b.size() - 10 - headerLength, " bytes"));
  if (std::memcmp(b.data() + 10 + headerLength, expected.data(),
                  expected.size() * sizeof(float)) != 0)
    return absl::InvalidArgumentError("the logits differ from the reference");
  std::printf("npy ok: shape (%zu, %u), logits match\n", prompt.size(),
              testutil::kFakeVocab);
  return absl::OkStatus();
}

int main(int argc, char **argv) {
  absl::Status status = absl::InvalidArgumentError(
      "usage: moec-fake-model write DIR | check-npy FILE IDS");
  if (argc == 3 && std::strcmp(argv[1], "write") == 0) {
    status = testutil::writeFakeModel(argv[2]);
  } else if (argc == 4 && std::strcmp(argv[1], "check-npy") == 0) {
    std::vector<int64_t> prompt;
    bool valid = true;
    for (absl::string_view id : absl::StrSplit(argv[3], ','))
      valid = absl::SimpleAtoi(id, &prompt.emplace_back()) && valid;
    status = valid ? checkNpy(argv[2], prompt)
                   : absl::InvalidArgumentError(strCat("bad IDS ", argv[3]));
  }
  if (!status.ok()) {
    std::fprintf(stderr, "moec-fake-model: error: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
