//===- CompileCommand.cpp - `moec compile` ----------------------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements `moec compile`: load the input (import a checkpoint
// or parse MLIR), run the stage pipelines from the input's stage to the
// requested one, and write the result.
//
//===----------------------------------------------------------------------===//

#include "tools/moec/CompileCommand.h"
#include "codegen/artifact/CpuArtifact.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/Pipelines.h"
#include "codegen/cpu/SharedObject.h"
#include "codegen/hopper/Coverage.h"
#include "dialects/InitAllDialects.h"
#include "frontends/llama4/Llama4Importer.h"
#include "frontends/llama4/WeightCheck.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/Version.h"
#include "tools/moec/OutputFile.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <optional>

using namespace mlir;
using namespace mlir::moec;

namespace {

/// Pipeline stages in order; a run goes from the input's stage to the
/// requested one.
enum class Stage { Graph, Routed, Tiled, Ptx, Artifact };

std::optional<Stage> parseStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Stage>>(name)
      .Case("graph", Stage::Graph)
      .Case("routed", Stage::Routed)
      .Case("tiled", Stage::Tiled)
      .Case("ptx", Stage::Ptx)
      .Default(std::nullopt);
}

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
  return 1;
}

/// A bad command line (value or combination of options): exit code 2, as
/// for options LLVM's parser rejects.
int usageError(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "moec") << message << "\n";
  return 2;
}

/// Prints "moec: <what> (<seconds> s)" for long steps when asked to.
class Progress {
public:
  explicit Progress(bool enabled) : enabled(enabled) {}
  template <typename Fn> auto step(llvm::StringRef what, Fn &&fn) {
    auto start = std::chrono::steady_clock::now();
    if (enabled)
      llvm::errs() << "moec: " << what << "...\n";
    auto result = fn();
    if (enabled) {
      std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start;
      llvm::errs() << llvm::format("moec: %s done in %.2f s\n",
                                   what.str().c_str(), elapsed.count());
    }
    return result;
  }

private:
  bool enabled;
};

/// Checks the stage, target and precision options before doing any work:
/// a bad value or combination is a usage error (exit code 2).
int validate(const CompileRequest &request, Stage from, Stage emit) {
  if (request.target != "cpu" && request.target != "sm_90a")
    return usageError("unknown --target '" + request.target +
                      "', expected cpu or sm_90a");
  if (!llvm::is_contained(
          {"f32", "bf16", "fp8-rowwise", "fp8-block", "fp8-tensor"},
          request.precision))
    return usageError(
        "unknown --precision '" + request.precision +
        "', expected f32, bf16, fp8-rowwise, fp8-block or fp8-tensor");
  if (!request.compute.empty()) {
    if (request.compute != "f32" && request.compute != "bf16")
      return usageError("unknown --compute '" + request.compute +
                        "', expected f32 or bf16");
    if (!llvm::StringRef(request.precision).starts_with("fp8-"))
      return usageError(
          "--compute applies to the fp8 precisions (it chooses the "
          "type around FP8 matmuls); --precision=" +
          request.precision + " already fixes it");
  }
  if (emit < from)
    return usageError("--emit=" + request.emit +
                      " is an earlier stage than the "
                      "input's (--from=" +
                      request.from + ")");
  if (emit == Stage::Ptx && request.target != "sm_90a")
    return usageError("--emit=ptx needs --target=sm_90a");
  if (emit == Stage::Artifact) {
    if (!llvm::sys::fs::is_directory(request.input))
      return usageError("writing an artifact needs a checkpoint directory (the "
                        "weights are packed beside it); '" +
                        request.input +
                        "' is not one. MLIR input can stop at "
                        "--emit=graph|routed|tiled");
    if (request.output.empty() || request.output == "-")
      return usageError("writing an artifact needs -o <file.moec> (the packed "
                        "weights are written beside it)");
    if (request.cpuOptLevel > 3)
      return usageError("--cpu-opt-level " + llvm::Twine(request.cpuOptLevel) +
                        " is not in [0, 3]");
    if (request.maxSeqLen < 0 || request.maxSeqLen > (int64_t(1) << 24))
      return usageError("--max-seq-len " + llvm::Twine(request.maxSeqLen) +
                        " is not in [1, 16777216]");
    if (request.target == "cpu")
      if (llvm::Error error = cpu::checkCpuName(request.cpu))
        return usageError(llvm::toString(std::move(error)));
  }
  return 0;
}

/// Imports a checkpoint directory or parses an MLIR file.
OwningOpRef<ModuleOp> loadInput(MLIRContext &context,
                                const CompileRequest &request,
                                llvm::SourceMgr &sourceMgr) {
  if (llvm::sys::fs::is_directory(request.input)) {
    auto module = llama4::importLlama4Checkpoint(context, request.input);
    if (!module) {
      fail(llvm::toString(module.takeError()));
      return nullptr;
    }
    return std::move(*module);
  }
  std::string error;
  auto file = openInputFile(request.input, &error);
  if (!file) {
    fail("cannot read '" + request.input + "': " + error);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

/// Adds the pipelines that take IR from `from` to `emit`.
void buildPipeline(PassManager &pm, const CompileRequest &request, Stage from,
                   Stage emit) {
  PipelineOptions options;
  options.target = request.target;
  options.precision = request.precision;
  options.fp8Classes = request.fp8Classes;
  options.compute = request.compute;
  if (from < Stage::Routed && emit >= Stage::Routed)
    buildGraphToRoutedPipeline(pm, options);
  if (from < Stage::Tiled && emit >= Stage::Tiled)
    buildRoutedToTiledPipeline(pm, options);
}

/// Applies the standard MLIR debugging flags moec compile accepts.
void configureInstrumentation(PassManager &pm, const CompileRequest &request) {
  if (request.printIRBeforeAll || request.printIRAfterAll) {
    // IR printing needs passes to run one at a time (else LLVM aborts).
    pm.getContext()->disableMultithreading();
    pm.enableIRPrinting(
        [&](Pass *, Operation *) { return request.printIRBeforeAll; },
        [&](Pass *, Operation *) { return request.printIRAfterAll; },
        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  if (request.timing)
    pm.enableTiming();
  if (request.statistics)
    pm.enableStatistics();
}

/// Refuses outputs that would overwrite an input and outputs that cannot be
/// created (missing or unwritable folder) before any work is done.
int checkOutputs(const CompileRequest &request, bool artifact) {
  if (request.output.empty() || request.output == "-")
    return 0;
  std::vector<OutputPath> outputs = {{request.output, "-o"}};
  if (artifact)
    outputs.push_back({packedWeightsPath(request.output),
                       "the packed weights of -o " + request.output});
  return checkOutputsBeforeWork(request.input, outputs);
}

int writeOutput(ModuleOp module, const CompileRequest &request) {
  std::string error;
  std::string path = request.output.empty() ? "-" : request.output;
  auto output = openOutputFile(path, &error);
  if (!output)
    return fail("cannot write '" + path + "': " + error);
  OpPrintingFlags flags;
  if (request.printDebugInfo)
    flags.enableDebugInfo();
  module->print(output->os(), flags);
  output->os() << "\n";
  return finishOutput(*output, path);
}

/// The positions the KV cache holds: --max-seq-len, else the config's
/// max_position_embeddings capped at 4096 (else 4096).
int64_t kvCachePositions(const CompileRequest &request,
                         const llama4::Llama4Config &config) {
  if (request.maxSeqLen > 0)
    return request.maxSeqLen;
  constexpr int64_t kDefault = 4096;
  return config.maxPositionEmbeddings > 0
             ? std::min(config.maxPositionEmbeddings, kDefault)
             : kDefault;
}

/// checkpoint -> tiled IR with KV caches -> runtime ABI -> LLVM -> shared
/// object -> artifact + packed weights.
int runCpuArtifactCompile(const CompileRequest &request) {
  Stage from = Stage::Graph, emit = Stage::Artifact;
  if (int status = validate(request, from, emit))
    return status;
  if (int status = checkOutputs(request, /*artifact=*/true))
    return status;
  DialectRegistry registry;
  registerAllDialects(registry);
  cpu::registerCpuCodegenDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  Progress progress(request.progress);

  // The weights are packed at the end; a config-only directory fails now.
  if (!llama4::hasCheckpointWeights(request.input))
    return fail("'" + request.input +
                "' has no weights (model.safetensors or "
                "model.safetensors.index.json); an artifact needs them. A "
                "config alone can be compiled with --emit=graph|routed|tiled");
  llvm::SmallString<256> configPath(request.input);
  llvm::sys::path::append(configPath, "config.json");
  llvm::Expected<llama4::Llama4Config> config =
      llama4::readLlama4Config(configPath);
  if (!config)
    return fail(llvm::toString(config.takeError()));
  int64_t positions = kvCachePositions(request, *config);

  OwningOpRef<ModuleOp> module =
      progress.step("importing " + request.input, [&] {
        llama4::ImportOptions options;
        options.kvCachePositions = positions;
        auto imported =
            llama4::importLlama4Checkpoint(context, request.input, options);
        if (!imported) {
          fail(llvm::toString(imported.takeError()));
          return OwningOpRef<ModuleOp>();
        }
        return std::move(*imported);
      });
  if (!module)
    return 1;

  PassManager tiling(&context);
  configureInstrumentation(tiling, request);
  buildPipeline(tiling, request, from, Stage::Tiled);
  tiling.addPass(cpu::createCpuOutlineWeightPacking());
  tiling.addPass(cpu::createCpuBindRuntimeAbi());
  if (failed(progress.step("lowering to tiled IR for the CPU",
                           [&] { return tiling.run(*module); })))
    return 1;
  auto abi = (*module)->getAttrOfType<DictionaryAttr>("moec.cpu_abi");

  PassManager lowering(&context);
  configureInstrumentation(lowering, request);
  cpu::CpuLowerToLLVMOptions lowerOptions;
  lowerOptions.arenaMaxTokens = positions;
  cpu::buildCpuLowerToLLVMPipeline(lowering, lowerOptions);
  lowering.addPass(cpu::createCpuEmitRuntimeEntry());
  auto pack = abi.getAs<DictionaryAttr>("pack");
  bool packs = pack && !pack.empty();
  if (packs)
    lowering.addPass(cpu::createCpuEmitRuntimeEntry(
        {/*function=*/"moec_pack_weights", /*entry=*/"moec_cpu_pack"}));
  if (failed(progress.step("lowering to LLVM",
                           [&] { return lowering.run(*module); })))
    return 1;

  cpu::SharedObjectOptions objectOptions;
  objectOptions.cpu = request.cpu;
  objectOptions.optLevel = request.cpuOptLevel;
  llvm::Expected<cpu::SharedObject> object =
      progress.step("compiling the shared object", [&] {
        return cpu::emitSharedObject(*module, objectOptions);
      });
  if (!object)
    return fail(llvm::toString(object.takeError()));

  // The packing entry runs here: it needs code this machine can execute.
  std::vector<uint8_t> packObject;
  if (packs && request.cpu != "host") {
    llvm::Expected<cpu::SharedObject> host =
        progress.step("compiling weight packing for this machine",
                      [&] { return cpu::emitSharedObject(*module, {}); });
    if (!host)
      return fail(llvm::toString(host.takeError()));
    packObject = std::move(host->bytes);
  } else if (packs) {
    packObject = object->bytes;
  }

  CpuArtifactRequest artifact;
  artifact.config = &*config;
  artifact.checkpointDir = request.input;
  artifact.abi = abi;
  artifact.arena = (*module)->getAttrOfType<DictionaryAttr>("moec.cpu_arena");
  artifact.sharedObject = std::move(object->bytes);
  artifact.packObject = std::move(packObject);
  artifact.arch = object->arch;
  artifact.cpu = object->cpu;
  artifact.cpuFeatures = object->features;
  artifact.maxTokens = static_cast<uint32_t>(positions);
  artifact.compilerVersion = MOEC_VERSION_STRING;
  artifact.outputPath = request.output;
  if (llvm::Error error =
          progress.step("writing " + request.output + " and packed weights",
                        [&] { return writeCpuArtifact(artifact); }))
    return fail(llvm::toString(std::move(error)));
  return 0;
}

/// The sm_90a generator covers the dense GEMM nests only: name what else the
/// model needs, so that no artifact that cannot run is written.
int failUnlessHopperCovers(ModuleOp tiled) {
  int64_t gemmNests = 0;
  std::string missing = hopper::describeOpsWithoutLowering(tiled, gemmNests);
  if (missing.empty())
    missing = "assembling kernels into an sm_90a artifact";
  return fail("--target=sm_90a cannot compile this model yet: no sm_90a "
              "lowering for " +
              missing + "; its " + llvm::Twine(gemmNests) +
              " dense GEMM nests have one (moec emit-kernel gemm emits "
              "them standalone). Use --target=cpu for a runnable artifact, or "
              "--emit=graph|routed|tiled to stop at an IR stage");
}

} // namespace

int mlir::moec::runCompileCommand(const CompileRequest &request) {
  if (request.emit.empty() && request.target == "cpu" && request.from.empty() &&
      llvm::sys::fs::is_directory(request.input) && !request.output.empty() &&
      request.output != "-")
    return runCpuArtifactCompile(request);
  std::optional<Stage> from =
      request.from.empty() ? Stage::Graph : parseStage(request.from);
  if (!from || *from == Stage::Ptx)
    return usageError("unknown --from '" + request.from +
                      "', expected graph, routed or tiled");
  std::optional<Stage> emit =
      request.emit.empty() ? Stage::Artifact : parseStage(request.emit);
  if (!emit)
    return usageError("unknown --emit '" + request.emit +
                      "', expected graph, routed, tiled or ptx");
  if (int status = validate(request, *from, *emit))
    return status;
  if (!request.from.empty() && llvm::sys::fs::is_directory(request.input))
    return usageError("--from applies to MLIR input; a checkpoint directory is "
                      "imported at the graph stage");
  if (int status = checkOutputs(request, /*artifact=*/false))
    return status;

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  Progress progress(request.progress);

  OwningOpRef<ModuleOp> module = progress.step("loading " + request.input, [&] {
    return loadInput(context, request, sourceMgr);
  });
  if (!module)
    return 1;

  // sm_90a code generation starts from tiled IR and checks first that
  // every op the device would run has a lowering.
  bool hopperCodegen = *emit > Stage::Tiled;
  PassManager pm(&context);
  configureInstrumentation(pm, request);
  buildPipeline(pm, request, *from, hopperCodegen ? Stage::Tiled : *emit);
  if (pm.size() == 0)
    pm.addPass(createVerifyStageLegality({request.emit}));
  LogicalResult lowered =
      progress.step("lowering to the " + request.emit + " stage",
                    [&] { return pm.run(*module); });
  if (failed(lowered))
    return 1;
  if (hopperCodegen)
    return failUnlessHopperCovers(*module);
  return writeOutput(*module, request);
}
