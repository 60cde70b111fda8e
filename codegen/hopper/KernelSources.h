//===- KernelSources.h - The C sources of emitted kernels -------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What every kernel `moec emit-kernel` writes shares: a pair of C files,
// NAME.h (declarations only) and NAME.c (the kernel image, defined once with
// external linkage, and the load / launch / unload definitions), so that any
// number of translation units can include the header and the program still
// holds one copy of the cubin. Both files and the JSON description carry the
// moec version and the emit-kernel command line that produced them. Launch
// functions check the alignment of every pointer they receive against the
// table their header documents.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_KERNELSOURCES_H
#define MOEC_CODEGEN_HOPPER_KERNELSOURCES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::moec::hopper {

/// The kernel image NAME.c embeds: a cubin, or NUL-terminated PTX that the
/// driver JIT-compiles.
struct KernelImage {
  std::string bytes;
  bool isCubin = false;
};

/// Who wrote a kernel's files: stamped into NAME.h, NAME.c and NAME.json.
struct KernelProvenance {
  /// MOEC_VERSION_STRING of the moec that emitted the kernel.
  std::string version;
  /// The emit-kernel command line, one element per argument.
  std::vector<std::string> commandLine;
};

/// NAME.h and NAME.c of one kernel.
struct KernelSources {
  std::string header;
  std::string source;
};

/// A device pointer a launch function takes and the alignment (bytes) its
/// accesses need: 16 for TMA global addresses and 16-byte vector accesses,
/// 4 for float scales and bf16 pairs.
struct PointerParam {
  std::string name;
  int64_t alignment;
};

/// `arguments` as one shell-quoted line.
std::string formatCommandLine(llvm::ArrayRef<std::string> arguments);

/// `text` made safe inside a C block comment: no `*/` or `/*` (-Wcomment),
/// no trigraph, control and non-ASCII bytes as \xHH.
std::string escapeForComment(llvm::StringRef text);

/// The comment that opens NAME.h and NAME.c: `summary` (lines of prose,
/// without comment markers), then the version and the command line.
std::string fileBanner(llvm::StringRef summary,
                       const KernelProvenance &provenance);

/// The include guard, the includes and `extern "C" {` of NAME.h, and their
/// closing lines.
std::string headerPrologue(llvm::StringRef guard);
std::string headerEpilogue(llvm::StringRef guard);

/// The declarations of the image NAME.c defines.
std::string imageDeclaration(llvm::StringRef name);

/// NAME.c's includes, its 64-byte CUtensorMap alignment macro and the
/// image definition: `const unsigned char NAME_image[] = {...};` and
/// `const size_t NAME_image_size`.
std::string sourcePrologue(llvm::StringRef name, const KernelImage &image);

/// `NAME_ALIGN_<PARAM> = N,` enumerators, one per pointer.
std::string alignmentConstants(llvm::StringRef upper,
                               llvm::ArrayRef<PointerParam> pointers);

/// The header's documentation of `pointers`' alignments, as comment lines.
std::string alignmentDoc(llvm::ArrayRef<PointerParam> pointers);

/// A C expression that is true when some pointer in `pointers` is
/// misaligned: `((a | b) & 15) != 0 || (c & 3) != 0`.
std::string misalignedCheck(llvm::ArrayRef<PointerParam> pointers);

/// {"a": 16, ...} for the JSON description.
llvm::json::Object describeAlignment(llvm::ArrayRef<PointerParam> pointers);

/// Pretty JSON of `description` with "moec_version" and "command_line".
std::string formatDescription(llvm::json::Object description,
                              const KernelProvenance &provenance);

/// `text` with every `from` replaced by `to`.
std::string replaceAll(llvm::StringRef text, llvm::StringRef from,
                       llvm::StringRef to);

} // namespace mlir::moec::hopper

#endif // MOEC_CODEGEN_HOPPER_KERNELSOURCES_H
