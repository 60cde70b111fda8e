//===- Ptx.cpp - NVVM kernel modules to PTX and cubin -----------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/hopper/Ptx.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace mlir::moec;
using namespace mlir::moec::hopper;

static llvm::Error ptxError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

void hopper::registerHopperCodegen(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, cf::ControlFlowDialect, gpu::GPUDialect,
                  LLVM::LLVMDialect, NVVM::NVVMDialect, scf::SCFDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

llvm::Expected<std::string> hopper::translateToPtx(ModuleOp module) {
  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  registerHopperCodegen(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diagnostic) {
    diagnosticStream << diagnostic << "\n";
    return success();
  });
  PassManager pm(context);
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binaryOptions;
  binaryOptions.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binaryOptions));
  if (failed(pm.run(module)))
    return ptxError("lowering the kernel to PTX failed:\n" + diagnostics);

  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() != 1 || binaries.front().getObjects().size() != 1)
    return ptxError("expected one gpu.binary with one PTX object");
  auto object = cast<gpu::ObjectAttr>(binaries.front().getObjects()[0]);
  return object.getObject().getValue().str();
}

//===----------------------------------------------------------------------===//
// ptxas
//===----------------------------------------------------------------------===//

/// Reads the number in `line` after `prefix` ("Used 168 registers").
static bool parseCount(llvm::StringRef line, llvm::StringRef pattern,
                       int64_t &value) {
  llvm::Regex regex(pattern);
  SmallVector<llvm::StringRef, 2> groups;
  if (!regex.match(line, &groups))
    return false;
  return !groups[1].getAsInteger(10, value);
}

llvm::Expected<std::vector<PtxasReport>>
hopper::parsePtxasReport(llvm::StringRef log) {
  std::vector<PtxasReport> reports;
  std::vector<std::string> pendingWarnings;
  SmallVector<llvm::StringRef> lines;
  log.split(lines, '\n');
  llvm::Regex functionStart("Compiling entry function '([^']+)'");
  for (llvm::StringRef line : lines) {
    SmallVector<llvm::StringRef, 2> groups;
    if (functionStart.match(line, &groups)) {
      reports.emplace_back();
      reports.back().function = groups[1].str();
      continue;
    }
    // ptxas prints the C75xx "Potential Performance Loss" notes as info.
    if (line.contains("warning") || line.contains("Performance Loss") ||
        llvm::Regex("\\(C75[0-9][0-9]\\)").match(line)) {
      std::string text = line.trim().str();
      if (reports.empty())
        pendingWarnings.push_back(text);
      else
        reports.back().warnings.push_back(text);
      continue;
    }
    if (reports.empty())
      continue;
    PtxasReport &report = reports.back();
    parseCount(line, "([0-9]+) bytes stack frame", report.stackFrameBytes);
    parseCount(line, "([0-9]+) bytes spill stores", report.spillStoreBytes);
    parseCount(line, "([0-9]+) bytes spill loads", report.spillLoadBytes);
    parseCount(line, "Used ([0-9]+) registers", report.registers);
  }
  if (reports.empty())
    return ptxError("ptxas reported no entry function (is -v missing?):\n" +
                    log);
  // Warnings printed before any function (PTX-level) apply to all.
  for (PtxasReport &report : reports)
    report.warnings.insert(report.warnings.begin(), pendingWarnings.begin(),
                           pendingWarnings.end());
  return reports;
}

llvm::Error hopper::checkPtxasReport(const PtxasReport &report) {
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (report.spillStoreBytes || report.spillLoadBytes)
    os << "\n  register spills: " << report.spillStoreBytes << " bytes stored, "
       << report.spillLoadBytes << " bytes loaded";
  if (report.stackFrameBytes)
    os << "\n  local memory: " << report.stackFrameBytes
       << " bytes stack frame";
  for (const std::string &warning : report.warnings) {
    os << "\n  " << warning;
    if (llvm::StringRef(warning).contains("C7508"))
      os << " (setmaxnreg was ignored: the warpgroup register split is lost)";
    else if (llvm::StringRef(warning).contains("C7511") ||
             llvm::StringRef(warning).contains("C7515"))
      os << " (ptxas serialized the wgmma pipeline)";
  }
  if (problems.empty())
    return llvm::Error::success();
  return ptxError(llvm::formatv("ptxas: kernel '{0}' ({1} registers) is "
                                "rejected:{2}",
                                report.function, report.registers, problems)
                      .str());
}

std::optional<std::string> hopper::findPtxas() {
  if (const char *fromEnv = std::getenv("MOEC_PTXAS"))
    if (*fromEnv)
      return std::string(fromEnv);
  if (llvm::ErrorOr<std::string> onPath = llvm::sys::findProgramByName("ptxas"))
    return *onPath;
  if (llvm::ErrorOr<std::string> inToolkit =
          llvm::sys::findProgramByName("ptxas", {"/usr/local/cuda/bin"}))
    return *inToolkit;
  return std::nullopt;
}

namespace {
/// Temporary files removed on scope exit.
struct TempFiles {
  SmallVector<SmallString<128>, 3> paths;
  ~TempFiles() {
    for (const SmallString<128> &path : paths)
      llvm::sys::fs::remove(path);
  }
  llvm::Expected<llvm::StringRef> create(llvm::StringRef suffix) {
    SmallString<128> path;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("moec-ptxas", suffix, path))
      return ptxError("cannot create a temporary file: " + ec.message());
    paths.push_back(path);
    return llvm::StringRef(paths.back());
  }
};
} // namespace

static llvm::Expected<std::string> readFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return ptxError("cannot read " + path + ": " + buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

llvm::Expected<std::string>
hopper::assembleCubin(llvm::StringRef ptxas, llvm::StringRef ptx,
                      std::vector<PtxasReport> *reports) {
  if (!llvm::sys::fs::can_execute(ptxas))
    return ptxError("ptxas '" + ptxas + "' is not an executable file");
  TempFiles files;
  llvm::Expected<llvm::StringRef> ptxPath = files.create("ptx");
  llvm::Expected<llvm::StringRef> cubinPath = files.create("cubin");
  llvm::Expected<llvm::StringRef> logPath = files.create("log");
  if (!ptxPath || !cubinPath || !logPath)
    return llvm::joinErrors(
        llvm::joinErrors(ptxPath.takeError(), cubinPath.takeError()),
        logPath.takeError());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(*ptxPath, ec);
    if (ec)
      return ptxError("cannot write " + *ptxPath + ": " + ec.message());
    os << ptx;
    os.close();
    // Cleared after reporting, or the stream aborts without naming the file
    // (a full disk, a file-size limit).
    if (os.has_error()) {
      std::string reason = os.error().message();
      os.clear_error();
      return ptxError("cannot write " + *ptxPath + ": " + reason);
    }
  }
  SmallVector<llvm::StringRef> argv = {
      ptxas, "-arch=sm_90a", "-v", "-O3", *ptxPath, "-o", *cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, *logPath,
                                                *logPath};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(ptxas, argv, std::nullopt, redirects,
                                         /*SecondsToWait=*/300, 0, &execError);
  llvm::Expected<std::string> log = readFile(*logPath);
  if (!log)
    return log.takeError();
  if (status != 0)
    return ptxError(llvm::formatv("ptxas ({0}) failed{1}{2}:\n{3}", ptxas,
                                  execError.empty() ? "" : ": ", execError,
                                  *log)
                        .str());
  llvm::Expected<std::vector<PtxasReport>> parsed = parsePtxasReport(*log);
  if (!parsed)
    return parsed.takeError();
  for (const PtxasReport &report : *parsed)
    if (llvm::Error error = checkPtxasReport(report))
      return std::move(error);
  if (reports)
    *reports = std::move(*parsed);
  return readFile(*cubinPath);
}
