//===- moec.cpp - the moec ahead-of-time compiler driver --------*- C++ -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `moec import | compile | emit-kernel | pack-moe-layer`: the user-facing
// compiler. Each
// subcommand is a thin layer over the frontend, pipeline and codegen
// libraries; stages that do not exist yet fail loudly instead of doing
// nothing.
//
//===----------------------------------------------------------------------===//

#include "runtime/Version.h"
#include "tools/moec/CompileCommand.h"
#include "tools/moec/EmitKernelCommand.h"
#include "tools/moec/ImportCommand.h"
#include "tools/moec/PackMoeLayerCommand.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <optional>

using namespace llvm;

namespace {

/// moec's own options; --help hides the LLVM-internal ones libLLVM.so adds.
cl::OptionCategory moecCategory("moec options");

cl::SubCommand
    importCommand("import",
                  "Read a Hugging Face checkpoint directory and write its "
                  "graph-level MLIR");
cl::opt<std::string> importInput(cl::Positional, cl::Required,
                                 cl::desc("<checkpoint dir>"),
                                 cl::cat(moecCategory), cl::sub(importCommand));
cl::opt<std::string> importOutput("o", cl::desc("Output file (default: -)"),
                                  cl::value_desc("file"), cl::init("-"),
                                  cl::cat(moecCategory),
                                  cl::sub(importCommand));
cl::opt<std::string> importConfig(
    "config",
    cl::desc("Config file to read instead of <checkpoint dir>/config.json"),
    cl::value_desc("file"), cl::cat(moecCategory), cl::sub(importCommand));
cl::opt<int64_t> importKvCache(
    "kv-cache-positions",
    cl::desc("Give @forward per-layer KV caches of this many positions "
             "(default: 0, none)"),
    cl::init(0), cl::cat(moecCategory), cl::sub(importCommand));
cl::opt<bool> importDebugInfo(
    "mlir-print-debuginfo",
    cl::desc("Print locations (layers.N.attn, layers.N.moe, ...) with the IR"),
    cl::cat(moecCategory), cl::sub(importCommand));

cl::SubCommand compileCommand(
    "compile", "Compile a checkpoint or MLIR file into an artifact, or stop "
               "at an intermediate stage with --emit");
cl::opt<std::string> compileInput(cl::Positional, cl::Required,
                                  cl::desc("<checkpoint dir | model.mlir>"),
                                  cl::cat(moecCategory),
                                  cl::sub(compileCommand));
cl::opt<std::string>
    compileTarget("target", cl::desc("Target: cpu or sm_90a (default: cpu)"),
                  cl::init("cpu"), cl::cat(moecCategory),
                  cl::sub(compileCommand));
cl::opt<std::string> compilePrecision(
    "precision",
    cl::desc("f32, bf16, fp8-rowwise or fp8-block (default: bf16)"),
    cl::init("bf16"), cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<std::string>
    compileEmit("emit",
                cl::desc("Stop after a stage: graph, routed, tiled or ptx"),
                cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<std::string>
    compileFrom("from",
                cl::desc("Stage of an MLIR input: graph, routed or tiled"),
                cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<std::string> compileOutput("o", cl::desc("Output file (default: -)"),
                                   cl::value_desc("file"),
                                   cl::cat(moecCategory),
                                   cl::sub(compileCommand));
cl::opt<int64_t> compileMaxSeqLen(
    "max-seq-len",
    cl::desc("Positions the compiled KV cache holds (default: the config's "
             "max_position_embeddings, at most 4096)"),
    cl::init(0), cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<std::string> compileCpu(
    "cpu",
    cl::desc("LLVM CPU the CPU target's code is tuned for and may use "
             "(default: host, the compiling machine; e.g. x86-64-v3)"),
    cl::init("host"), cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<std::string> compileCompute(
    "compute",
    cl::desc("Compute type around the FP8 matmuls of an fp8 precision: bf16 "
             "(default) or f32"),
    cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<unsigned> compileCpuOptLevel(
    "cpu-opt-level",
    cl::desc("LLVM optimization level of the CPU target's code (0-3, "
             "default 2: on the mid-size model O2 ran prefill 1.2x and "
             "decode 2x faster than O3 and compiled in half the time)"),
    cl::init(2), cl::cat(moecCategory), cl::sub(compileCommand));
cl::list<std::string> compileFp8Classes(
    "fp8-classes",
    cl::desc("Op classes computed in FP8 under an fp8 precision "
             "(attention, dense_mlp, shared_expert, routed_expert, router, "
             "lm_head)"),
    cl::CommaSeparated, cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<bool> compileProgress(
    "progress",
    cl::desc("Report long steps on stderr (default: when it is a terminal)"),
    cl::init(llvm::errs().is_displayed()), cl::cat(moecCategory),
    cl::sub(compileCommand));
// The standard MLIR debugging flags, scoped to this subcommand.
cl::opt<bool> compilePrintBefore("mlir-print-ir-before-all",
                                 cl::desc("Print IR before each pass"),
                                 cl::cat(moecCategory),
                                 cl::sub(compileCommand));
cl::opt<bool> compilePrintAfter("mlir-print-ir-after-all",
                                cl::desc("Print IR after each pass"),
                                cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<bool> compileTiming("mlir-timing",
                            cl::desc("Display execution times of passes"),
                            cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<bool> compileStatistics("mlir-pass-statistics",
                                cl::desc("Display pass statistics"),
                                cl::cat(moecCategory), cl::sub(compileCommand));
cl::opt<bool> compileDebugInfo("mlir-print-debuginfo",
                               cl::desc("Print locations with the IR"),
                               cl::cat(moecCategory), cl::sub(compileCommand));

cl::SubCommand
    emitKernelCommand("emit-kernel",
                      "Emit one kernel as PTX, cubin and a C header");
cl::opt<std::string> emitKernelKind(cl::Positional, cl::Required,
                                    cl::desc("<gemm | grouped-gemm | "
                                             "moe-layer>"),
                                    cl::cat(moecCategory),
                                    cl::sub(emitKernelCommand));
cl::opt<std::string> emitKernelOutput("o", cl::desc("Output directory"),
                                      cl::value_desc("dir"),
                                      cl::cat(moecCategory),
                                      cl::sub(emitKernelCommand));
cl::opt<std::string> emitKernelTarget("target",
                                      cl::desc("Target (default: sm_90a)"),
                                      cl::init("sm_90a"), cl::cat(moecCategory),
                                      cl::sub(emitKernelCommand));
cl::opt<std::string>
    emitKernelM("m",
                cl::desc("Rows of A and C, or '?' for a count given at launch "
                         "(default: ?)"),
                cl::value_desc("rows|?"), cl::init("?"), cl::cat(moecCategory),
                cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelN("n",
                             cl::desc("Columns of C (rows of B); required"),
                             cl::init(0), cl::cat(moecCategory),
                             cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelK("k", cl::desc("Contraction size; required"),
                             cl::init(0), cl::cat(moecCategory),
                             cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelExperts(
    "experts",
    cl::desc("Experts of a grouped-gemm or moe-layer; required there"),
    cl::init(0), cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelTokens(
    "tokens",
    cl::desc("Routed rows a grouped-gemm is tuned for (few per expert: the "
             "swap-AB decode tiling; default: 0, the prefill tiling)"),
    cl::init(0), cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelHidden(
    "hidden", cl::desc("Model width of a moe-layer; required there"),
    cl::init(0), cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<int64_t> emitKernelInter(
    "inter", cl::desc("Expert width of a moe-layer; required there"),
    cl::init(0), cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<std::string>
    emitKernelPrecision("precision",
                        cl::desc("bf16, fp8-rowwise or fp8-block (default: "
                                 "bf16)"),
                        cl::init("bf16"), cl::cat(moecCategory),
                        cl::sub(emitKernelCommand));
cl::opt<std::string> emitKernelActivation(
    "activation",
    cl::desc("Activation fused into the epilogue: none or silu (default: "
             "none)"),
    cl::init("none"), cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<std::string>
    emitKernelName("name",
                   cl::desc("Kernel and file name (default: from the shape)"),
                   cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<std::string> emitKernelPtxas(
    "ptxas",
    cl::desc("ptxas to assemble the cubin with (default: $MOEC_PTXAS, PATH, "
             "/usr/local/cuda/bin); 'none' writes PTX only"),
    cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<bool> emitKernelKeepMlir(
    "keep-mlir",
    cl::desc("Also write DIR/NAME.mlir, the NVVM-level kernel, and "
             "DIR/NAME.emu.mlir, its lowering for the Hopper emulator"),
    cl::cat(moecCategory), cl::sub(emitKernelCommand));
cl::opt<std::string> emitKernelDefect(
    "inject-defect",
    cl::desc("Test only: build the kernel with one deliberate defect that "
             "the Hopper emulator must catch (see codegen/hopper/"
             "KernelDefect.h)"),
    cl::init("none"), cl::Hidden, cl::cat(moecCategory),
    cl::sub(emitKernelCommand));
cl::opt<bool> emitKernelEmulation(
    "emulation",
    cl::desc("Also write DIR/NAME.<image hash>.emu.so, the kernel compiled "
             "for the Hopper emulator (default: on)"),
    cl::init(true), cl::cat(moecCategory), cl::sub(emitKernelCommand));

cl::SubCommand packMoeLayerCommand(
    "pack-moe-layer",
    "Pack one MoE layer of a checkpoint in the layout of `emit-kernel "
    "moe-layer`'s launch function");
cl::opt<std::string> packInput(cl::Positional, cl::Required,
                               cl::desc("<checkpoint dir | packed file with "
                                        "--list>"),
                               cl::cat(moecCategory),
                               cl::sub(packMoeLayerCommand));
cl::opt<int64_t> packLayer("layer", cl::desc("The MoE layer to pack"),
                           cl::cat(moecCategory), cl::sub(packMoeLayerCommand));
cl::opt<std::string> packPrecision("precision",
                                   cl::desc("fp8-rowwise (default) or bf16"),
                                   cl::init("fp8-rowwise"),
                                   cl::cat(moecCategory),
                                   cl::sub(packMoeLayerCommand));
cl::opt<std::string> packOutput("o", cl::desc("Output safetensors file"),
                                cl::value_desc("file"), cl::cat(moecCategory),
                                cl::sub(packMoeLayerCommand));
cl::opt<bool> packList("list",
                       cl::desc("Print the tensors (name, dtype, shape) of a "
                                "packed file"),
                       cl::cat(moecCategory), cl::sub(packMoeLayerCommand));

void printVersion(raw_ostream &os) {
  os << "moec " << MOEC_VERSION_STRING << " (LLVM/MLIR " << LLVM_VERSION_STRING
     << ")\n";
}

/// Reports a stage that a later milestone implements; never a silent no-op.
int notImplemented(StringRef what) {
  WithColor::error(errs(), "moec") << "not implemented yet: " << what << "\n";
  return 1;
}

/// LLVM's parser reads an unknown option that starts with "h" ("--heads=10")
/// as the -h help alias with a value, prints the help and exits 0. Returns
/// the first such argument: an option of no subcommand whose name starts
/// with "h".
std::optional<StringRef> findMistakenHelp(int argc, char **argv,
                                          ArrayRef<cl::SubCommand *> commands) {
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "--")
      break;
    if (!arg.consume_front("-"))
      continue;
    arg.consume_front("-");
    StringRef name = arg.split('=').first;
    if (!name.starts_with("h"))
      continue;
    bool known = name == "h"; // the help alias itself
    for (cl::SubCommand *command : commands)
      known |= cl::getRegisteredOptions(*command).count(name) != 0;
    if (!known)
      return StringRef(argv[i]);
  }
  return std::nullopt;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  // Past a file-size limit (ulimit -f), writes fail with EFBIG and the error
  // names the file, instead of SIGXFSZ killing the process silently.
  std::signal(SIGXFSZ, SIG_IGN);
  cl::SetVersionPrinter(printVersion);
  cl::SubCommand *commands[] = {&cl::SubCommand::getTopLevel(), &importCommand,
                                &compileCommand, &emitKernelCommand,
                                &packMoeLayerCommand};
  for (cl::SubCommand *command : commands)
    cl::HideUnrelatedOptions(moecCategory, *command);
  if (std::optional<StringRef> arg = findMistakenHelp(argc, argv, commands)) {
    WithColor::error(errs(), "moec")
        << "unknown option '" << *arg << "'; run 'moec --help' for usage\n";
    return 2;
  }
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "moec: ahead-of-time compiler for Mixture-of-Experts models\n",
          &errs()))
    return 2;

  if (importCommand) {
    if (importKvCache < 0) {
      WithColor::error(errs(), "moec")
          << "--kv-cache-positions must not be negative\n";
      return 2;
    }
    return mlir::moec::runImportCommand(importInput, importConfig, importOutput,
                                        importKvCache, importDebugInfo);
  }
  if (compileCommand) {
    mlir::moec::CompileRequest request;
    request.input = compileInput;
    request.target = compileTarget;
    request.precision = compilePrecision;
    request.fp8Classes.assign(compileFp8Classes.begin(),
                              compileFp8Classes.end());
    request.emit = compileEmit;
    request.from = compileFrom;
    request.output = compileOutput;
    request.compute = compileCompute;
    request.maxSeqLen = compileMaxSeqLen;
    request.cpu = compileCpu;
    request.cpuOptLevel = compileCpuOptLevel;
    request.progress = compileProgress;
    request.printIRBeforeAll = compilePrintBefore;
    request.printIRAfterAll = compilePrintAfter;
    request.timing = compileTiming;
    request.statistics = compileStatistics;
    request.printDebugInfo = compileDebugInfo;
    return mlir::moec::runCompileCommand(request);
  }
  if (emitKernelCommand) {
    mlir::moec::EmitKernelRequest request;
    request.kind = emitKernelKind;
    request.target = emitKernelTarget;
    request.m = emitKernelM;
    request.n = emitKernelN;
    request.k = emitKernelK;
    request.experts = emitKernelExperts;
    request.tokens = emitKernelTokens;
    request.hidden = emitKernelHidden;
    request.inter = emitKernelInter;
    request.precision = emitKernelPrecision;
    request.activation = emitKernelActivation;
    request.name = emitKernelName;
    request.outputDir = emitKernelOutput;
    request.ptxas = emitKernelPtxas;
    request.keepMlir = emitKernelKeepMlir;
    request.emulation = emitKernelEmulation;
    request.defect = emitKernelDefect;
    request.commandLine.push_back(sys::path::filename(argv[0]).str());
    request.commandLine.insert(request.commandLine.end(), argv + 1,
                               argv + argc);
    return mlir::moec::runEmitKernelCommand(request);
  }

  if (packMoeLayerCommand) {
    mlir::moec::PackMoeLayerRequest request;
    request.input = packInput;
    if (packLayer.getNumOccurrences())
      request.layer = packLayer;
    request.precision = packPrecision;
    request.output = packOutput;
    request.list = packList;
    return mlir::moec::runPackMoeLayerCommand(request);
  }

  WithColor::error(errs(), "moec")
      << "expected a subcommand: import, compile, emit-kernel or "
         "pack-moe-layer (see moec --help)\n";
  return 2;
}
