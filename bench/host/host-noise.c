/*
 * How much this host itself delays a thread that wants to run (a benchmark helper, not a test): what no VMM running
 * on it can remove. bench/host/noise.sh builds and runs it at SCHED_FIFO priority 1, as `vmckpt run --realtime` runs
 * the guest's thread, so that no thread of normal policy delays it. In C, so that no JVM of its own (safepoints,
 * compilers, a collector) is part of the figure.
 *
 *   host-noise spin SECONDS      reads the clock in a loop; every interval between two readings over 1 ms is time the
 *                                thread did not run although it never blocked (interrupts, the hypervisor taking the
 *                                virtual CPU)
 *   host-noise park MICROS COUNT sleeps MICROS, COUNT times (as the run loop's idle park does), and reports how late
 *                                each wake-up was
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void spin(int64_t nanos)
{
    int64_t start = now_ns(), last = start, longest = 0, lost = 0;
    long over1 = 0, over5 = 0, over10 = 0, over20 = 0;
    while (last - start < nanos) {
        int64_t t = now_ns(), gap = t - last;
        last = t;
        if (gap > 1000000) {
            over1++;
            lost += gap;
            over5 += gap > 5000000;
            over10 += gap > 10000000;
            over20 += gap > 20000000;
            if (gap > longest) longest = gap;
        }
    }
    printf("spin %.0f s: intervals without the CPU > 1 ms: %ld, > 5 ms: %ld, > 10 ms: %ld, > 20 ms: %ld; longest %.1f ms; %.1f ms in all\n",
           nanos / 1e9, over1, over5, over10, over20, longest / 1e6, lost / 1e6);
}

static void park(int64_t nanos, long count)
{
    int64_t *late = malloc(sizeof(int64_t) * (size_t)count);
    if (!late) exit(1);
    long over5 = 0, over10 = 0;
    for (long i = 0; i < count; i++) {
        int64_t t0 = now_ns();
        struct timespec ts = { (time_t)(nanos / 1000000000LL), (long)(nanos % 1000000000LL) };
        nanosleep(&ts, NULL);
        late[i] = now_ns() - t0 - nanos;
        over5 += late[i] > 5000000;
        over10 += late[i] > 10000000;
    }
    qsort(late, (size_t)count, sizeof(int64_t), cmp64);
    printf("park %lld us x %ld: late by median %.0f us, p99 %.0f us, p99.9 %.0f us, longest %.1f ms; > 5 ms: %ld, > 10 ms: %ld\n",
           (long long)(nanos / 1000), count, late[count / 2] / 1e3, late[count * 99 / 100] / 1e3, late[count * 999 / 1000] / 1e3,
           late[count - 1] / 1e6, over5, over10);
    free(late);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "spin") == 0) {
        spin(atoll(argv[2]) * 1000000000LL);
    } else if (argc == 4 && strcmp(argv[1], "park") == 0) {
        park(atoll(argv[2]) * 1000LL, atol(argv[3]));
    } else {
        fprintf(stderr, "usage: host-noise spin SECONDS | park MICROS COUNT\n");
        return 2;
    }
    return 0;
}
