// The host's memory speed over time (round 71, bench/cpu/fork-repeat.py): every PERIOD ms, 1,000,000 dependent random
// reads of a 4 MiB table (larger than a core's L2, well within an idle L3), and one line "MONOTONIC_SECONDS
// WALK_CPU_SECONDS" (CLOCK_MONOTONIC, as Python's time.monotonic(); the walk's thread CPU). ~15-20 ms of CPU a walk on
// an idle host (L3 hits); where another tenant's work evicts the table from the L3 the walk takes up to ~6x as long.
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
static double clk(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
    long period = argc > 1 ? atol(argv[1]) : 250;
    uint32_t *tab = malloc(4u << 20);
    for (int i = 0; i < (1 << 20); i++) tab[i] = (uint32_t) (i * 2654435761u) & ((1 << 20) - 1);
    uint32_t j = 1, s = 0;
    for (;;) {
        double c0 = clk(CLOCK_THREAD_CPUTIME_ID);
        for (long i = 0; i < 1000000; i++) { j = tab[j] ^ (uint32_t) i; j &= (1 << 20) - 1; s += j; }
        double c1 = clk(CLOCK_THREAD_CPUTIME_ID);
        printf("%.6f %.6f\n", clk(CLOCK_MONOTONIC), c1 - c0 + (s == 0xffffffffu ? 1e-9 : 0));
        fflush(stdout);
        struct timespec ts = {period / 1000, (period % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}
