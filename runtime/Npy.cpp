//===- Npy.cpp - Writing NumPy .npy files ---------------------------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the .npy writer (format described in numpy's
// numpy/lib/format.py): "\x93NUMPY", version 1.0, a little-endian uint16
// header length, a Python dict literal, then the raw little-endian data.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include "runtime/File.h"
#include "runtime/StringUtil.h"

#include <cerrno>
#include <cstdio>

namespace moec::runtime {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy data is written in host order as '<f4'");

std::string npyHeaderF32(absl::Span<const int64_t> shape) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i)
    dims += strCat(i ? ", " : "", shape[i]);
  if (shape.size() == 1)
    dims += ","; // (n,) is a tuple, (n) is not
  std::string dict = strCat("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (",
                            dims, "), }");
  // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a
  // multiple of 64, so that the data is aligned.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string header("\x93NUMPY\x01\x00", 8);
  header += char(dict.size() & 0xff);
  header += char(dict.size() >> 8);
  return header + dict;
}

absl::Status writeNpyF32(const std::string &path,
                         absl::Span<const float> values,
                         absl::Span<const int64_t> shape) {
  uint64_t elements = 1;
  for (int64_t d : shape)
    elements *= uint64_t(d < 0 ? 0 : d);
  if (elements != values.size())
    return absl::InvalidArgumentError(strCat(path, ": shape holds ", elements,
                                             " elements but ", values.size(),
                                             " values were given"));
  std::string header = npyHeaderF32(shape);
  std::FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return makeFileError(errno, "open for writing", path);
  bool ok =
      std::fwrite(header.data(), 1, header.size(), file) == header.size() &&
      std::fwrite(values.data(), sizeof(float), values.size(), file) ==
          values.size();
  int writeErrno = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    writeErrno = errno;
  }
  if (!ok)
    return makeFileError(writeErrno, "write", path);
  return absl::OkStatus();
}

} // namespace moec::runtime
