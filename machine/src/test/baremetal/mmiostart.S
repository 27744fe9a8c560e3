    # A hot loop whose first block is a single device load (TranslatorDeviceAccessTest): "lbu t0, 5(s2)" reads the
    # UART LSR and the next instruction is a branch target, so a translated unit entered at "loop" starts with a
    # device access that it must leave to the interpreter. Five instructions per iteration (coprime with the
    # machine's batch of 4096), so the loop head meets every budget, 1 included. N iterations, then exit through
    # HTIF with status ((s0 & 0x3fffffff) << 1) | 1.
    .equ N, 1000000
    .equ UART, 0x10000000
    .section .text.init
    .globl _start
_start:
    li s2, UART
    li s1, N
    li s0, 0
loop:
    lbu t0, 5(s2)
next:
    addi s1, s1, -1
    bltz s1, next          # never taken: makes "next" a block leader
    add s0, s0, t0
    bnez s1, loop
    li t1, 0x3fffffff
    and t1, s0, t1
    slli t1, t1, 1
    ori t1, t1, 1
    la t0, tohost
    sd t1, 0(t0)
1:  j 1b

    .section .tohost, "aw"
    .align 6
    .globl tohost
tohost: .dword 0
    .globl fromhost
fromhost: .dword 0
