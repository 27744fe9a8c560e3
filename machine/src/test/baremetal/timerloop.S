    # Timer interrupts while hot code runs (TranslatorDeviceAccessTest). M-mode, bare.
    # The CLINT timer interrupts every ~DELTA ticks; the handler counts in s6, mixes mepc's low bits into s7 and
    # re-arms mtimecmp = mtime + DELTA. The main loop (N iterations) mixes the counter, the time CSR and its own
    # state into s0, and every 2048th iteration waits for the next interrupt (wfi). Exit through HTIF with status
    # ((s0 ^ s6 ^ s7) & 0x3fffffff) << 1 | 1; s0 = s0 ^ s6 ^ s7 at the exit.
    .equ N, 500000
    .equ DELTA, 997
    .equ MTIME, 0x0200bff8
    .equ MTIMECMP, 0x02004000
    .section .text.init
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li s2, MTIME
    li s3, MTIMECMP
    li s0, 0x7777
    li s1, N
    li s6, 0
    li s7, 0
    ld t0, 0(s2)
    addi t0, t0, DELTA
    sd t0, 0(s3)
    li t0, 0x80            # MTIE
    csrw mie, t0
    csrsi mstatus, 8       # MIE
loop:
    add s0, s0, s6
    slli t3, s0, 11
    xor s0, s0, t3
    srli t3, s0, 5
    xor s0, s0, t3
    csrr t1, time
    andi t1, t1, 0xff
    add s0, s0, t1
    andi t4, s1, 2047
    bnez t4, 1f
    wfi
1:  addi s1, s1, -1
    bnez s1, loop

    csrci mstatus, 8
    xor s0, s0, s6
    xor s0, s0, s7
    la t0, result
    sd s0, 0(t0)
    li t1, 0x3fffffff
    and t1, s0, t1
    slli t1, t1, 1
    ori t1, t1, 1
    la t0, tohost
    sd t1, 0(t0)
3:  j 3b

    .align 2
handler:
    csrw mscratch, t0
    addi s6, s6, 1
    csrr t0, mepc
    add s7, s7, t0
    slli s7, s7, 3
    ld t0, 0(s2)
    addi t0, t0, DELTA
    sd t0, 0(s3)
    csrr t0, mscratch
    mret

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
