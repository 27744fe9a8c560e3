/*
 * memrandom MIB FRACTION_PERCENT_PER_SECOND [HEARTBEAT_MS]
 *
 * memdirty (guest/workloads/memdirty.c) with memory that does not compress: every word of its MIB MiB is filled
 * with pseudo-random bits, and each rewrite puts pseudo-random bits in one word of a page chosen at random,
 * FRACTION percent of the pages per second. Prints "memrandom heartbeat N" every HEARTBEAT_MS (default 100) ms.
 * A benchmark workload (bench/restore.py --memory random): a checkpoint of it is as large as its memory, as
 * users' guests with encrypted, compressed or media data are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "../../guest/workloads/monotonic.h"

#define PAGE_SIZE 4096
#define WORDS_PER_PAGE (PAGE_SIZE / 8)
#define MIN_SLEEP_NS 1000000ULL

static uint64_t state = 0x2545f4914f6cdd1dULL;

/* xorshift64*: fast, and its output does not compress. */
static uint64_t next_random(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
}

static long parse_arg(const char *text, const char *name, long min, long max)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value < min || value > max) {
        fprintf(stderr, "memrandom: %s must be an integer in [%ld, %ld], got '%s'\n", name, min, max, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: memrandom MIB FRACTION_PERCENT_PER_SECOND [HEARTBEAT_MS]\n");
        return 2;
    }
    long mib = parse_arg(argv[1], "MIB", 1, 1L << 20);
    long percent = parse_arg(argv[2], "FRACTION_PERCENT_PER_SECOND", 0, 100000);
    long heartbeat_ms = argc == 4 ? parse_arg(argv[3], "HEARTBEAT_MS", 1, 3600000) : 100;
    uint64_t pages = (uint64_t)mib * (1024 * 1024 / PAGE_SIZE);
    uint64_t *memory = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        perror("memrandom: mmap");
        return 1;
    }
    for (uint64_t w = 0; w < pages * WORDS_PER_PAGE; w++) {
        memory[w] = next_random();
    }
    uint64_t pages_per_second = pages * (uint64_t)percent / 100;
    printf("memrandom ready MIB=%ld rate=%ld%%/s pages=%llu\n", mib, percent, (unsigned long long)pages);
    fflush(stdout);

    uint64_t heartbeat_ns = (uint64_t)heartbeat_ms * 1000000ULL;
    uint64_t start = monotonic_ns();
    uint64_t next_heartbeat = start + heartbeat_ns;
    uint64_t heartbeat = 0, writes_done = 0;
    for (;;) {
        uint64_t now = monotonic_ns();
        uint64_t due = (uint64_t)((unsigned __int128)(now - start) * pages_per_second / 1000000000ULL);
        while (writes_done < due) {
            uint64_t r = next_random();
            memory[(r % pages) * WORDS_PER_PAGE + (r >> 40) % WORDS_PER_PAGE] = next_random();
            writes_done++;
        }
        if (now >= next_heartbeat) {
            printf("memrandom heartbeat %llu\n", (unsigned long long)++heartbeat);
            fflush(stdout);
            while (next_heartbeat <= now) {
                next_heartbeat += heartbeat_ns;
            }
        }
        uint64_t wake = next_heartbeat;
        if (pages_per_second > 0) {
            uint64_t next_write = start + (uint64_t)((unsigned __int128)(writes_done + 1) * 1000000000ULL / pages_per_second);
            if (next_write < wake) {
                wake = next_write;
            }
        }
        if (wake < now + MIN_SLEEP_NS && wake != next_heartbeat) {
            wake = now + MIN_SLEEP_NS < next_heartbeat ? now + MIN_SLEEP_NS : next_heartbeat;
        }
        sleep_until_ns(wake);
    }
}
