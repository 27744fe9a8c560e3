/*
 * Round 72 (ways72): two pages used in turn whose virtual addresses share a slot of vmckpt's software TLB (direct-mapped,
 * 1,024 slots by (va >> 12) & 1023 by default: pages 4 MiB apart). One anonymous mapping of 8 MiB + a page; page A at
 * its start, page B 4 MiB after it (the same slot whatever address ASLR gives the mapping). Each iteration loads from A
 * and B and stores to A and B. Prints the sum (a check) and the two addresses.
 *
 *   riscv64-linux-gnu-gcc -O2 -static -o conflict bench/cpu/conflict.c ; conflict [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    size_t reach = (size_t) 4 << 20;
    char *m = mmap(NULL, 2 * reach + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    volatile long *a = (volatile long *) m, *b = (volatile long *) (m + reach);
    for (int k = 0; k < 64; k++) { a[k] = k; b[k] = 2 * k; }
    long s = 0;
    for (long i = 0; i < n; i++) {
        s += a[i & 63] + b[(i + 7) & 63];
        a[64 + (i & 7)] = s;
        b[64 + (i & 7)] = s;
    }
    printf("BENCH-INFO conflict sum %ld a %p b %p\n", s, (void *) a, (void *) b);
    return 0;
}
