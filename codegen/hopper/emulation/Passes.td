//===- Passes.td - Hopper emulation lowering ---------------*- tablegen -*-===//
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_CODEGEN_HOPPER_EMULATION_PASSES_TD
#define MOEC_CODEGEN_HOPPER_EMULATION_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmuOutlineGpuModule : Pass<"moec-emu-outline-gpu-module", "ModuleOp"> {
  let summary = "Moves the kernels of the gpu.module to the host module";
  let description = [{
    The emulation object is compiled for the host from the same NVVM-level
    module as the cubin. This pass moves the operations of the one
    `gpu.module` into the enclosing module and erases it (and any
    `gpu.binary`), so that the rest of the pipeline and the LLVM IR
    translation see an ordinary host module. A module with no or several
    `gpu.module`s is an error.
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def EmuInstrumentMemory : Pass<"moec-emu-instrument-memory", "ModuleOp"> {
  let summary = "Checks every global and shared memory access of a kernel";
  let description = [{
    Inserts a call to the emulator's access hook before every `llvm.load`,
    `llvm.store`, `llvm.atomicrmw` and `llvm.cmpxchg` in a kernel function
    whose pointer is global (1), shared (3) or generic (0) and not a stack
    slot. The hook receives the address, the byte count, the address space,
    read/write and the alignment the access requires (its `alignment` or the
    natural alignment of its type): out-of-bounds and misaligned accesses,
    which a GPU reports as an illegal address without saying where, become
    named errors with the kernel, the thread and the access.
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def EmuLowerNvvm : Pass<"moec-emu-lower-nvvm", "ModuleOp"> {
  let summary = "Lowers NVVM operations to calls into the emulation runtime";
  let description = [{
    Every NVVM operation moec emits becomes an indirect call through the
    hook table `@__moec_emu_hooks` (moec/emulator_abi.h), with a site
    string naming the kernel and the operation for diagnostics:

    - special registers (`nvvm.read.ptx.sreg.*`), `nvvm.barrier0` /
      `nvvm.barrier`, `nvvm.shfl.sync`, `nvvm.elect.sync`,
      `nvvm.setmaxregister`;
    - `nvvm.mbarrier.init`, `.arrive`, `.arrive.expect_tx`,
      `.try_wait.parity`, `nvvm.fence.mbarrier.init`, `nvvm.fence.proxy`;
    - `nvvm.cp.async.bulk.tensor.shared.cluster.global` (tile mode, with
      an mbarrier, no multicast);
    - `nvvm.wgmma.fence.aligned`, `.commit.group.sync.aligned`,
      `.wait.group.sync.aligned` and `nvvm.wgmma.mma_async` (f32
      accumulators: the accumulator struct goes through a stack array);
    - `nvvm.convert.f32x2.to.f8x2` (round to nearest, satfinite);
    - the address of the dynamic shared memory symbol.

    An NVVM operation or variant without a model is an error naming it: the
    emulator never runs code it does not understand.
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def EmuEntryPoints : Pass<"moec-emu-entry-points", "ModuleOp"> {
  let summary = "Adds the emulation object's kernel table and ABI symbols";
  let description = [{
    For every `nvvm.kernel` function: a launch function taking the
    driver's parameter array (`void **`), which loads each parameter by its
    type (by-value aggregates such as a CUtensorMap are passed by address)
    and calls the kernel; the kernel's NVVM attributes are dropped after
    their launch bounds are recorded. Then the symbols of
    moec/emulator_abi.h: `__moec_emu_abi_version`, `__moec_emu_image_hash`
    (the `image-hash` option: the FNV-1a hash of the cubin or PTX this
    object emulates), `__moec_emu_kernel_count` and `__moec_emu_kernels`
    (name, launch function, parameter sizes and alignments, maximum
    threads per block).
  }];
  let options = [
    Option<"imageHash", "image-hash", "uint64_t", /*default=*/"0",
           "FNV-1a hash of the image the object emulates">,
  ];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def EmuLegalizeBf16 : Pass<"moec-emu-legalize-bf16", "ModuleOp"> {
  let summary = "Expands bf16 conversions into integer arithmetic";
  let description = [{
    `llvm.fptrunc` to bf16 and `llvm.fpext` from bf16 (scalars and vectors)
    become integer operations: the x86-64 backend would call
    `__truncsfbf2`, which the C runtime of the build machine may not have,
    and the emulation object must load anywhere. Truncation rounds to
    nearest even and turns NaN into the canonical 0x7fff, as the GPU's
    `cvt.rn.bf16.f32` does.
  }];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

#endif // MOEC_CODEGEN_HOPPER_EMULATION_PASSES_TD
