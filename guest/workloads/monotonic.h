/* Monotonic time helpers shared by the workloads (CLOCK_MONOTONIC, nanoseconds). */
#ifndef VMCKPT_MONOTONIC_H
#define VMCKPT_MONOTONIC_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Sleeps until the given CLOCK_MONOTONIC time (returns at once if it has passed). */
static inline void sleep_until_ns(uint64_t deadline_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000ULL);
    ts.tv_nsec = (long)(deadline_ns % 1000000000ULL);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
        /* interrupted by a signal: sleep again */
    }
}

#endif
