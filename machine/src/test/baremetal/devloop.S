    # Device accesses inside hot code (TranslatorDeviceAccessTest). M-mode, bare.
    # N iterations of: read CLINT mtime (ld), the time CSR, UART LSR (lbu) and mix them into s0; every 1024th
    # iteration write a letter to the UART THR (sb) and mtimecmp (sd, far in the future). Then, if the UART ever
    # reported "transmitter empty" (LSR bit 5), exit through HTIF with status ((s0 & 0x3fffffff) << 1) | 1 (s0 is
    # also kept in s0 and stored at "result"); else with status 2.
    .equ N, 400000
    .equ UART, 0x10000000
    .equ MTIME, 0x0200bff8
    .equ MTIMECMP, 0x02004000
    .section .text.init
    .globl _start
_start:
    li s0, 0x5151
    li s1, N
    li s2, UART
    li s3, MTIME
    li s4, MTIMECMP
    li s5, 0
loop:
    ld t0, 0(s3)
    add s0, s0, t0
    csrr t1, time
    xor s0, s0, t1
    lbu t2, 5(s2)
    or s5, s5, t2
    add s0, s0, t2
    slli t3, s0, 13
    xor s0, s0, t3
    srli t3, s0, 7
    xor s0, s0, t3
    andi t4, s1, 1023
    bnez t4, 1f
    andi t5, s1, 15
    addi t5, t5, 'a'
    sb t5, 0(s2)
    li t6, -1
    srli t6, t6, 1
    sd t6, 0(s4)
1:  addi s1, s1, -1
    bnez s1, loop

    li t0, '\n'
    sb t0, 0(s2)
    la t0, result
    sd s0, 0(t0)
    andi s5, s5, 0x20
    li t1, (1 << 1) | 1
    beqz s5, 2f
    li t1, 0x3fffffff
    and t1, s0, t1
    slli t1, t1, 1
    ori t1, t1, 1
2:  la t0, tohost
    sd t1, 0(t0)
3:  j 3b

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
