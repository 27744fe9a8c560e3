    # Self-modifying code under the translator (SelfModifyingCodeTest). M-mode, bare, no trap expected.
    #
    # Phase 1: every 256th of N1 outer iterations i, rewrite the immediate of "patch1: addi a0, a0, K" inside
    # the inner loop of hot1 (a function on a page of its own) with i & 0x7ff, fence.i; every iteration calls hot1,
    # which runs 32 rounds of: a0 += K; a0 ^= a0 << 7; a0 ^= a0 >> 9 (logical). s0 = hot1(s0) + i.
    # Phase 2: the same on code in the page of the running loop: each of N2 outer iterations i rewrites
    # "patch2: addi a0, a0, K" (K = i & 0x7ff) in its own inner loop, a few instructions after the store, fence.i,
    # then runs M2 rounds of the same mixing from a0 = s0; s0 = a0 + i. The inner loop is long enough for its
    # translation to be compiled and run before the next rewrite, which a unit then executes on its own page.
    # Exit: s0 stays in s0 (x8), is stored at "result", and tohost = ((s0 & 0x3fffffff) << 1) | 1.
    .equ N1, 20000
    .equ N2, 40
    .equ M2, 20000
    .equ ADDI_A0_A0, 0x00050513
    .section .text.init
    .globl _start
_start:
    li s0, 0x12345
    li s1, N1
outer1:
    andi t0, s1, 255
    bnez t0, 1f
    andi t0, s1, 0x7ff
    slli t0, t0, 20
    li t1, ADDI_A0_A0
    or t0, t0, t1
    la t2, patch1
    sw t0, 0(t2)
    .insn i 0x0f, 1, x0, x0, 0  # fence.i (the Makefile's -march has no zifencei)
1:  mv a0, s0
    call hot1
    add s0, a0, s1
    addi s1, s1, -1
    bnez s1, outer1

    li s1, N2
    la t2, patch2
    li t1, ADDI_A0_A0
outer2:
    andi t0, s1, 0x7ff
    slli t0, t0, 20
    or t0, t0, t1
    sw t0, 0(t2)
    .insn i 0x0f, 1, x0, x0, 0  # fence.i
    mv a0, s0
    li t4, M2
inner2:
    .option push
    .option norvc          # the patched instruction must be 4 bytes (the store writes a word)
patch2:
    addi a0, a0, 3
    .option pop
    slli t3, a0, 7
    xor a0, a0, t3
    srli t3, a0, 9
    xor a0, a0, t3
    addi t4, t4, -1
    bnez t4, inner2
    add s0, a0, s1
    addi s1, s1, -1
    bnez s1, outer2

    la t0, result
    sd s0, 0(t0)
    li t1, 0x3fffffff
    and t1, s0, t1
    slli t1, t1, 1
    ori t1, t1, 1
    la t0, tohost
    sd t1, 0(t0)
3:  j 3b

    .text
    .align 12
hot1:
    li t0, 32
4:
    .option push
    .option norvc
patch1:
    addi a0, a0, 5
    .option pop
    slli t3, a0, 7
    xor a0, a0, t3
    srli t3, a0, 9
    xor a0, a0, t3
    addi t0, t0, -1
    bnez t0, 4b
    ret

    .data
    .align 3
    .globl result
result: .dword 0
    .section .tohost, "aw"
    .align 6
    .globl tohost
tohost: .dword 0
    .globl fromhost
fromhost: .dword 0
