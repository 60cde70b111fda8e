//===- EmitKernelCommand.cpp - `moec emit-kernel` ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec/EmitKernelCommand.h"
#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelHeader.h"
#include "codegen/hopper/MoeLayer.h"
#include "codegen/hopper/Ptx.h"
#include "codegen/hopper/emulation/EmulationObject.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "moec/emulator_abi.h"
#include "runtime/File.h"
#include "runtime/Version.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

namespace {

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
  return 1;
}

int fail(llvm::Error error) {
  std::string message = llvm::toString(std::move(error));
  return fail(message);
}

/// A bad command line: exit code 2. Every kernel parameter comes from the
/// command line, so a shape or option the generator rejects is one too.
int usageError(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
  return 2;
}

int usageError(llvm::Error error) {
  std::string message = llvm::toString(std::move(error));
  return usageError(message);
}

bool isCIdentifier(llvm::StringRef name) {
  return !name.empty() && llvm::all_of(name, [](char c) {
    return llvm::isAlnum(c) || c == '_';
  }) && !llvm::isDigit(name.front());
}

/// --m: a positive row count or "?" (given at launch).
llvm::Expected<std::optional<int64_t>> parseRows(llvm::StringRef text) {
  if (text == "?")
    return std::optional<int64_t>();
  int64_t rows;
  if (text.empty() || text.getAsInteger(10, rows) || rows <= 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--m: expected a positive row count or '?' (given at launch), got '" +
            text + "'");
  return std::optional<int64_t>(rows);
}

/// Writes under a temporary name and renames into place: a failure (a full
/// disk) leaves no truncated output and names the file.
llvm::Error writeFile(llvm::StringRef path, llvm::StringRef contents) {
  absl::Status status = ::moec::runtime::writeFileAtomically(
      path.str(), std::string_view(contents.data(), contents.size()));
  if (!status.ok())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   std::string(status.message()));
  return llvm::Error::success();
}

std::string pathIn(llvm::StringRef dir, llvm::StringRef name,
                   llvm::StringRef extension) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name + "." + extension);
  return std::string(path);
}

llvm::Expected<GemmKernelSpec> specFor(MLIRContext &context,
                                       const EmitKernelRequest &request) {
  auto fail = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (request.target != "sm_90a")
    return fail("--target: emit-kernel generates sm_90a kernels only, got '" +
                request.target + "'");
  std::optional<GemmPrecision> precision =
      parseGemmPrecision(request.precision);
  if (!precision)
    return fail("--precision: expected bf16, fp8-rowwise or fp8-block, got '" +
                request.precision + "'");
  std::optional<GemmActivation> activation =
      parseGemmActivation(request.activation);
  if (!activation)
    return fail("--activation: expected none or silu, got '" +
                request.activation + "'");
  llvm::Expected<GemmKernelSpec> spec =
      llvm::createStringError(llvm::inconvertibleErrorCode(), "no kernel");
  if (request.kind == "grouped-gemm") {
    if (request.m != "?")
      return fail("--m does not apply to grouped-gemm: its rows come from "
                  "the expert offsets on the device");
    std::optional<int64_t> tokens;
    if (request.tokens)
      tokens = request.tokens;
    spec =
        makeGroupedGemmKernelSpec(&context, request.experts, request.n,
                                  request.k, *precision, *activation, tokens);
  } else {
    if (request.experts)
      return fail("--experts applies to grouped-gemm and moe-layer");
    if (request.tokens)
      return fail("--tokens applies to grouped-gemm (a dense gemm is tuned "
                  "for --m)");
    llvm::Expected<std::optional<int64_t>> rows = parseRows(request.m);
    if (!rows)
      return rows.takeError();
    llvm::consumeError(spec.takeError());
    spec = makeGemmKernelSpec(&context, *rows, request.n, request.k, *precision,
                              *activation);
  }
  if (!spec)
    return spec.takeError();
  std::optional<KernelDefect> defect = parseKernelDefect(request.defect);
  if (!defect || *defect == KernelDefect::DispatchPastSegment)
    return fail("--inject-defect: '" + request.defect +
                "' is not a GEMM defect (wrong-sbo, wrong-swizzle, "
                "expect-tx-short, empty-parity-flipped, skip-empty-arrive, "
                "epilogue-row-offset, block-scale-off-by-one)");
  spec->defect = *defect;
  if (!request.name.empty()) {
    if (!isCIdentifier(request.name))
      return fail("--name: '" + request.name +
                  "' is not a C identifier (letters, digits, '_')");
    spec->name = request.name;
  }
  return spec;
}

/// PTX of `module`, assembled to a cubin when ptxas is there; `reports`
/// receives ptxas's verdicts.
llvm::Expected<std::pair<std::string, KernelImage>>
compileModule(ModuleOp module, const EmitKernelRequest &request,
              std::vector<PtxasReport> &reports) {
  if (failed(verify(module)))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "internal error: the generated kernel does not verify");
  llvm::Expected<std::string> ptx = translateToPtx(module);
  if (!ptx)
    return ptx.takeError();
  KernelImage image{*ptx, /*isCubin=*/false};
  std::optional<std::string> ptxas;
  if (request.ptxas != "none")
    ptxas = request.ptxas.empty() ? findPtxas() : request.ptxas;
  if (ptxas) {
    llvm::Expected<std::string> cubin = assembleCubin(*ptxas, *ptx, &reports);
    if (!cubin)
      return cubin.takeError();
    image = {*cubin, /*isCubin=*/true};
  }
  return std::make_pair(*ptx, image);
}

/// What the files say produced them.
KernelProvenance provenanceOf(const EmitKernelRequest &request) {
  return {MOEC_VERSION_STRING, request.commandLine};
}

/// Writes NAME.ptx, NAME.h, NAME.c, NAME.json and NAME.cubin / NAME.mlir.
int writeKernelFiles(const EmitKernelRequest &request, llvm::StringRef name,
                     llvm::StringRef ptx, const KernelImage &image,
                     const KernelSources &sources, llvm::StringRef description,
                     llvm::StringRef mlirText) {
  if (std::error_code ec = llvm::sys::fs::create_directories(request.outputDir))
    return fail("cannot create " + request.outputDir + ": " + ec.message());
  std::vector<std::pair<std::string, std::string>> files = {
      {pathIn(request.outputDir, name, "ptx"), ptx.str()},
      {pathIn(request.outputDir, name, "h"), sources.header},
      {pathIn(request.outputDir, name, "c"), sources.source},
      {pathIn(request.outputDir, name, "json"), description.str()}};
  if (image.isCubin)
    files.push_back({pathIn(request.outputDir, name, "cubin"), image.bytes});
  if (request.keepMlir)
    files.push_back({pathIn(request.outputDir, name, "mlir"), mlirText.str()});
  for (const auto &[path, contents] : files)
    if (llvm::Error error = writeFile(path, contents))
      return fail(std::move(error));
  return 0;
}

/// Removes NAME.*.emu.so objects of earlier builds, whose hashes no longer
/// match any image.
void removeStaleEmulationObjects(llvm::StringRef dir, llvm::StringRef name) {
  std::error_code ec;
  std::string prefix = (name + ".").str();
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef file = llvm::sys::path::filename(it->path());
    llvm::StringRef hash = file;
    if (!hash.consume_front(prefix) || !hash.consume_back(".emu.so") ||
        hash.size() != 16 || !llvm::all_of(hash, llvm::isHexDigit))
      continue;
    llvm::sys::fs::remove(it->path());
  }
}

/// Writes DIR/NAME.<hash>.emu.so: the same kernel module compiled for the
/// Hopper emulator, found by the emulating driver through the image's hash.
int writeEmulationObject(const EmitKernelRequest &request, llvm::StringRef name,
                         ModuleOp module, const KernelImage &image) {
  uint64_t hash = moecEmuImageHash(image.bytes.data(), image.bytes.size());
  std::string lowered;
  llvm::Expected<std::string> object = compileEmulationObject(
      module, hash, request.keepMlir ? &lowered : nullptr);
  if (!object)
    return fail(object.takeError());
  removeStaleEmulationObjects(request.outputDir, name);
  llvm::SmallString<256> objectPath(request.outputDir);
  llvm::sys::path::append(objectPath, emulationObjectFileName(name, hash));
  if (llvm::Error error = writeFile(objectPath, *object))
    return fail(std::move(error));
  if (request.keepMlir)
    if (llvm::Error error =
            writeFile(pathIn(request.outputDir, name, "emu.mlir"), lowered))
      return fail(std::move(error));
  return 0;
}

std::string printModule(ModuleOp module, bool keep) {
  std::string text;
  if (keep) {
    llvm::raw_string_ostream os(text);
    module->print(os);
  }
  return text;
}

/// Compiles `module` and writes its files; `sources` renders NAME.h and
/// NAME.c around the kernel image.
int compileAndWrite(
    const EmitKernelRequest &request, llvm::StringRef name, ModuleOp module,
    llvm::function_ref<KernelSources(const KernelImage &)> sources,
    llvm::StringRef description, std::vector<PtxasReport> &reports) {
  std::string mlirText = printModule(module, request.keepMlir);
  // translateToPtx lowers the module in place: the emulator gets a copy of
  // the NVVM-level module the cubin comes from.
  OwningOpRef<ModuleOp> emulated(module.clone());
  auto compiled = compileModule(module, request, reports);
  if (!compiled)
    return fail(compiled.takeError());
  auto &[ptx, image] = *compiled;
  if (int status = writeKernelFiles(request, name, ptx, image, sources(image),
                                    description, mlirText))
    return status;
  if (!request.emulation)
    return 0;
  return writeEmulationObject(request, name, *emulated, image);
}

int emitMoeLayer(const EmitKernelRequest &request) {
  std::optional<GemmPrecision> precision =
      parseGemmPrecision(request.precision);
  if (!precision)
    return usageError(
        "--precision: expected bf16, fp8-rowwise or fp8-block, got '" +
        request.precision + "'");
  if (request.m != "?" || request.n || request.k || request.tokens)
    return usageError(
        "moe-layer takes --experts, --hidden and --inter (its GEMM "
        "shapes follow from them; the token count is given at "
        "launch)");
  if (request.activation != "none")
    return usageError(
        "--activation applies to gemm and grouped-gemm; a moe-layer's "
        "experts use SwiGLU (got '" +
        request.activation + "')");
  MLIRContext context;
  if (!request.name.empty() && !isCIdentifier(request.name))
    return usageError("--name: '" + request.name +
                      "' is not a C identifier (letters, digits, '_')");
  llvm::Expected<MoeLayerSpec> spec =
      makeMoeLayerSpec(&context, request.experts, request.hidden, request.inter,
                       *precision, request.name);
  if (!spec)
    return usageError(spec.takeError());
  std::optional<KernelDefect> defect = parseKernelDefect(request.defect);
  if (!defect || (*defect != KernelDefect::None &&
                  *defect != KernelDefect::DispatchPastSegment))
    return usageError(
        "--inject-defect: a moe-layer takes dispatch-past-segment "
        "only, not '" +
        request.defect + "'");
  spec->routing.defect = *defect;
  OwningOpRef<ModuleOp> module = buildMoeLayerModule(&context, *spec);
  std::vector<PtxasReport> reports;
  if (int status = compileAndWrite(
          request, spec->name, *module,
          [&](const KernelImage &image) {
            return emitMoeLayerSources(*spec, image, provenanceOf(request));
          },
          emitMoeLayerDescription(*spec, provenanceOf(request)), reports))
    return status;
  llvm::outs() << spec->name << ": "
               << (spec->gemms().size() + (spec->isFp8() ? 6 : 4))
               << " kernels (router, offsets, dispatch, 2 grouped + 2 dense "
               << (spec->isFp8() ? "FP8" : "bf16")
               << " GEMMs in prefill and decode tilings, "
               << (spec->isFp8() ? "2 quantizers, " : "")
               << "combine); decode GEMMs up to " << spec->routedDecodeMaxTokens
               << " tokens (routed, " << spec->decodeRowAlignment()
               << "-row segments) and " << spec->sharedDecodeMaxTokens
               << " (shared)";
  if (!reports.empty())
    llvm::outs() << ", ptxas: " << reports.size()
                 << " entry functions, no spills";
  else
    llvm::outs() << "; no ptxas: PTX only (the driver JIT-compiles it)";
  llvm::outs() << "\n";
  return 0;
}

} // namespace

int mlir::moec::runEmitKernelCommand(const EmitKernelRequest &request) {
  if (request.kind != "gemm" && request.kind != "grouped-gemm" &&
      request.kind != "moe-layer")
    return usageError("unknown kernel kind '" + request.kind +
                      "' (expected gemm, grouped-gemm or moe-layer)");
  if (request.outputDir.empty())
    return usageError("-o DIR is required: the output directory");
  if (request.target != "sm_90a")
    return usageError(
        "--target: emit-kernel generates sm_90a kernels only, got '" +
        request.target + "'");
  if (request.kind == "moe-layer")
    return emitMoeLayer(request);
  if (request.hidden || request.inter)
    return usageError("--hidden and --inter apply to moe-layer");

  MLIRContext context;
  llvm::Expected<GemmKernelSpec> spec = specFor(context, request);
  if (!spec)
    return usageError(spec.takeError());
  OwningOpRef<ModuleOp> module = buildGemmKernelModule(&context, *spec);
  std::vector<PtxasReport> reports;
  if (int status = compileAndWrite(
          request, spec->name, *module,
          [&](const KernelImage &image) {
            return emitGemmSources(*spec, image, provenanceOf(request));
          },
          emitGemmDescription(*spec, provenanceOf(request)), reports))
    return status;

  llvm::outs() << spec->name << ": tile " << spec->tileM << "x" << spec->tileN
               << "x" << spec->tileK << ", " << spec->stages
               << " stages, 1 producer + " << spec->consumers
               << " consumer warpgroups, "
               << (spec->swapAB ? "swap-AB (weight rows on wgmma M), " : "")
               << spec->smemBytes() << " bytes of shared memory";
  if (!reports.empty())
    llvm::outs() << ", " << reports.front().registers
                 << " registers, no spills";
  else
    llvm::outs() << "; no ptxas: PTX only (the driver JIT-compiles it)";
  llvm::outs() << "\n";
  return 0;
}
