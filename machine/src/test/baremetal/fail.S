    # Exits with status 21 through HTIF: tohost = (21 << 1) | 1.
    .section .text.init
    .globl _start
_start:
    la t0, tohost
    li t1, (21 << 1) | 1
    sd t1, 0(t0)
1:  j 1b
    .section .tohost, "aw"
    .align 6
    .globl tohost
tohost: .dword 0
    .globl fromhost
fromhost: .dword 0
