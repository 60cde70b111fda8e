//===- SharedObject.cpp - LLVM dialect to a host shared object ------------===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/SharedObject.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::moec;
using llvm::Error;
using llvm::Expected;

static Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// LLVM only warns about an unknown CPU and compiles for a generic one.
static Error validateCpuName(const llvm::Target &target,
                             const llvm::Triple &triple,
                             llvm::StringRef cpuName) {
  if (cpuName == "host")
    return Error::success();
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target.createMCSubtargetInfo(triple, "", ""));
  if (generic && generic->isCPUStringValid(cpuName))
    return Error::success();
  return makeError("--cpu: '" + cpuName + "' is not a CPU LLVM knows for " +
                   triple.str() +
                   " (e.g. host, x86-64-v3, skylake-avx512, znver4; "
                   "`llc -mcpu=help` lists them)");
}

static Expected<const llvm::Target *> lookupHostTarget(llvm::Triple &triple) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  triple = llvm::Triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("no LLVM target for the host triple " + triple.str() +
                     ": " + error);
  return target;
}

Error cpu::checkCpuName(llvm::StringRef cpuName) {
  llvm::Triple triple;
  Expected<const llvm::Target *> target = lookupHostTarget(triple);
  if (!target)
    return target.takeError();
  return validateCpuName(**target, triple, cpuName);
}

/// A host TargetMachine for position-independent code.
static Expected<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine(const cpu::SharedObjectOptions &options,
                        std::string &cpuName) {
  llvm::Triple triple;
  Expected<const llvm::Target *> target = lookupHostTarget(triple);
  if (!target)
    return target.takeError();
  cpuName = options.cpu;
  if (Error error = validateCpuName(**target, triple, cpuName))
    return std::move(error);
  std::string features;
  if (cpuName == "host") {
    cpuName = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures list;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      list.AddFeature(feature.first(), feature.second);
    features = list.getString();
  }
  auto level =
      static_cast<llvm::CodeGenOptLevel>(std::min(options.optLevel, 3u));
  std::unique_ptr<llvm::TargetMachine> machine((*target)->createTargetMachine(
      triple, cpuName, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return makeError("cannot create an LLVM target machine for " +
                     triple.str() + " (cpu " + cpuName + ")");
  return std::move(machine);
}

/// The names of the features `info` enables (LLVM spellings, sorted).
static std::vector<std::string>
enabledFeatures(const llvm::MCSubtargetInfo &info) {
  std::vector<std::string> names;
  for (const llvm::SubtargetFeatureKV &feature : info.getAllProcessorFeatures())
    if (info.getFeatureBits().test(feature.Value))
      names.push_back(feature.Key);
  return names;
}

/// The new-pass-manager pipeline at `optLevel` for `machine`.
static void optimize(llvm::Module &module, llvm::TargetMachine &machine,
                     unsigned optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel > 1;
  tuning.SLPVectorization = optLevel > 1;
  llvm::PassBuilder pb(&machine, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = optLevel == 0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

/// Removes a temporary file when it goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

/// Links `object` into a shared object with the system compiler driver.
static Expected<std::vector<uint8_t>>
linkSharedObject(llvm::ArrayRef<char> object) {
  TempFile objectFile, sharedFile, logFile;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "moec-cpu", "o", fd, objectFile.path))
    return makeError("cannot create a temporary object file: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
    os.close();
    // Cleared after reporting, or the stream aborts with a message that
    // names no file (a full disk, a file-size limit).
    if (os.has_error()) {
      std::string reason = os.error().message();
      os.clear_error();
      return makeError("cannot write the temporary object file '" +
                       objectFile.path + "': " + reason);
    }
  }
  for (TempFile *file : {&sharedFile, &logFile})
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "moec-cpu", file == &sharedFile ? "so" : "log", file->path))
      return makeError("cannot create a temporary file: " + ec.message());

  Expected<std::string> driver = makeError("no C compiler driver");
  for (llvm::StringRef name : {"cc", "gcc", "clang"}) {
    llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name);
    if (found) {
      llvm::consumeError(driver.takeError());
      driver = *found;
      break;
    }
  }
  if (!driver)
    return makeError("linking the CPU shared object needs a C compiler driver "
                     "(cc, gcc or clang) on PATH; none was found");
  llvm::SmallVector<llvm::StringRef> args = {
      *driver, "-shared", "-o", sharedFile.path, objectFile.path, "-lm"};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt,
                                                llvm::StringRef(logFile.path),
                                                llvm::StringRef(logFile.path)};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, redirects,
                                         0, 0, &message);
  if (status != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logFile.path))
      log = (*buffer)->getBuffer().str();
    return makeError("linking the CPU shared object with " + *driver +
                     " failed" + (message.empty() ? "" : ": " + message) +
                     (log.empty() ? "" : "\n" + log));
  }
  auto buffer = llvm::MemoryBuffer::getFile(sharedFile.path);
  if (!buffer)
    return makeError("cannot read the linked shared object: " +
                     buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Expected<cpu::SharedObject>
cpu::emitSharedObject(ModuleOp module, const SharedObjectOptions &options) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  std::string cpuName;
  auto machine = createHostTargetMachine(options, cpuName);
  if (!machine)
    return machine.takeError();

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "moec_cpu");
  if (!llvmModule)
    return makeError("translating the CPU module to LLVM IR failed (see the "
                     "diagnostics above)");
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  optimize(*llvmModule, **machine, options.optLevel);

  llvm::SmallVector<char> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return makeError("the LLVM target cannot emit object files");
    codegen.run(*llvmModule);
  }
  Expected<std::vector<uint8_t>> bytes = linkSharedObject(object);
  if (!bytes)
    return bytes.takeError();
  SharedObject result;
  result.bytes = std::move(*bytes);
  result.arch =
      llvm::Triple::getArchTypeName((*machine)->getTargetTriple().getArch())
          .str();
  result.cpu = cpuName;
  result.features = enabledFeatures(*(*machine)->getMCSubtargetInfo());
  return result;
}
