//===- EmitKernelCommand.cpp - `moec emit-kernel` ---------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "tools/moec/EmitKernelCommand.h"
#include "codegen/hopper/GemmKernel.h"
#include "codegen/hopper/KernelHeader.h"
#include "codegen/hopper/Ptx.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
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

llvm::Error writeFile(llvm::StringRef path, llvm::StringRef contents) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write " + path + ": " +
                                           ec.message());
  os << contents;
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
    spec = makeGroupedGemmKernelSpec(&context, request.experts, request.n,
                                     request.k, *precision, *activation);
  } else {
    if (request.experts)
      return fail("--experts applies to grouped-gemm and moe-layer");
    llvm::Expected<std::optional<int64_t>> rows = parseRows(request.m);
    if (!rows)
      return rows.takeError();
    llvm::consumeError(spec.takeError());
    spec = makeGemmKernelSpec(&context, *rows, request.n, request.k, *precision,
                              *activation);
  }
  if (!spec)
    return spec.takeError();
  if (!request.name.empty()) {
    bool identifier =
        llvm::all_of(request.name,
                     [](char c) { return llvm::isAlnum(c) || c == '_'; }) &&
        !llvm::isDigit(request.name.front());
    if (!identifier)
      return fail("--name: '" + request.name +
                  "' is not a C identifier (letters, digits, '_')");
    spec->name = request.name;
  }
  return spec;
}

} // namespace

int mlir::moec::runEmitKernelCommand(const EmitKernelRequest &request) {
  if (request.kind == "moe-layer")
    return fail("not implemented yet: moec emit-kernel moe-layer (routing and "
                "combine kernels; gemm and grouped-gemm are available)");
  if (request.kind != "gemm" && request.kind != "grouped-gemm")
    return fail("unknown kernel kind '" + request.kind +
                "' (expected gemm, grouped-gemm or moe-layer)");
  if (request.outputDir.empty())
    return fail("-o DIR is required: the output directory");

  MLIRContext context;
  llvm::Expected<GemmKernelSpec> spec = specFor(context, request);
  if (!spec)
    return fail(spec.takeError());
  OwningOpRef<ModuleOp> module = buildGemmKernelModule(&context, *spec);
  if (failed(verify(*module)))
    return fail("internal error: the generated kernel does not verify");
  std::string mlirText;
  if (request.keepMlir) {
    llvm::raw_string_ostream os(mlirText);
    module->print(os);
  }
  llvm::Expected<std::string> ptx = translateToPtx(*module);
  if (!ptx)
    return fail(ptx.takeError());

  KernelImage image{*ptx, /*isCubin=*/false};
  std::vector<PtxasReport> reports;
  std::optional<std::string> ptxas;
  if (request.ptxas != "none")
    ptxas = request.ptxas.empty() ? findPtxas() : request.ptxas;
  if (ptxas) {
    llvm::Expected<std::string> cubin = assembleCubin(*ptxas, *ptx, &reports);
    if (!cubin)
      return fail(cubin.takeError());
    image = {*cubin, /*isCubin=*/true};
  }

  if (std::error_code ec = llvm::sys::fs::create_directories(request.outputDir))
    return fail("cannot create " + request.outputDir + ": " + ec.message());
  const std::string &name = spec->name;
  std::vector<std::pair<std::string, std::string>> files = {
      {pathIn(request.outputDir, name, "ptx"), *ptx},
      {pathIn(request.outputDir, name, "h"), emitGemmHeader(*spec, image)},
      {pathIn(request.outputDir, name, "json"), emitGemmDescription(*spec)}};
  if (image.isCubin)
    files.push_back({pathIn(request.outputDir, name, "cubin"), image.bytes});
  if (request.keepMlir)
    files.push_back({pathIn(request.outputDir, name, "mlir"), mlirText});
  for (const auto &[path, contents] : files)
    if (llvm::Error error = writeFile(path, contents))
      return fail(std::move(error));

  llvm::outs() << name << ": tile " << spec->tileM << "x" << spec->tileN << "x"
               << spec->tileK << ", " << spec->stages
               << " stages, 1 producer + " << spec->consumers
               << " consumer warpgroups, " << spec->smemBytes()
               << " bytes of shared memory";
  if (!reports.empty())
    llvm::outs() << ", " << reports.front().registers
                 << " registers, no spills";
  else
    llvm::outs() << "; no ptxas: PTX only (the driver JIT-compiles it)";
  llvm::outs() << "\n";
  return 0;
}
