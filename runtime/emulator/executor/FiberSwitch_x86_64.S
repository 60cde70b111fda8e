// FiberSwitch_x86_64.S - the context switch of emulated GPU threads.
//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// void moec_emu_fiber_switch(void **saveSp /*rdi*/, void *loadSp /*rsi*/);
// Saves what the SysV x86-64 ABI makes callee-saved (rbx, rbp, r12-r15,
// the MXCSR control bits and the x87 control word) on the current stack,
// stores rsp into *saveSp, and resumes the context whose rsp is loadSp.
// Everything else is caller-saved, so the C++ caller already assumes it
// clobbered. Fiber.cpp (fiberInit) builds the first frame of a new fiber.

        .text
        .globl  moec_emu_fiber_switch
        .hidden moec_emu_fiber_switch
        .type   moec_emu_fiber_switch,@function
        .p2align 4
moec_emu_fiber_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   moec_emu_fiber_switch, .-moec_emu_fiber_switch

// The first "return address" of a new fiber: calls entry (r12) with arg
// (rbx). entry never returns.
        .globl  moec_emu_fiber_start
        .hidden moec_emu_fiber_start
        .type   moec_emu_fiber_start,@function
        .p2align 4
moec_emu_fiber_start:
        .cfi_startproc
        .cfi_undefined rip
        movq    %rbx, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   moec_emu_fiber_start, .-moec_emu_fiber_start

        .section .note.GNU-stack,"",@progbits
