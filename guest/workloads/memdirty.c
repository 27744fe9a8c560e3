/*
 * memdirty MIB FRACTION_PERCENT_PER_SECOND [HEARTBEAT_MS]
 *
 * Allocates MIB MiB, writes every page (non-zero), then forever rewrites FRACTION percent of its
 * pages per second, spread evenly through each second: one word in one page at a time, the page
 * chosen by a fixed pseudo-random sequence. Prints "memdirty heartbeat N" every HEARTBEAT_MS
 * (default 100) ms. This is the dirty-rate knob for checkpoint benchmarks: a checkpoint of this
 * guest must carry about (pages written since the parent) pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "monotonic.h"

#define PAGE_SIZE 4096
#define WORDS_PER_PAGE (PAGE_SIZE / 8)
/* Never sleep less than this: at high rates the due writes are done in batches instead. */
#define MIN_SLEEP_NS 1000000ULL

static long parse_arg(const char *text, const char *name, long min, long max)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value < min || value > max) {
        fprintf(stderr, "memdirty: %s must be an integer in [%ld, %ld], got '%s'\n", name, min, max, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: memdirty MIB FRACTION_PERCENT_PER_SECOND [HEARTBEAT_MS]\n");
        return 2;
    }
    long mib = parse_arg(argv[1], "MIB", 1, 1L << 20);
    long percent = parse_arg(argv[2], "FRACTION_PERCENT_PER_SECOND", 0, 100000);
    long heartbeat_ms = argc == 4 ? parse_arg(argv[3], "HEARTBEAT_MS", 1, 3600000) : 100;

    uint64_t pages = (uint64_t)mib * (1024 * 1024 / PAGE_SIZE);
    uint64_t *memory = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        perror("memdirty: mmap");
        return 1;
    }
    for (uint64_t page = 0; page < pages; page++) {
        uint64_t *words = memory + page * WORDS_PER_PAGE;
        for (int i = 0; i < WORDS_PER_PAGE; i++) {
            words[i] = (page << 12 | (uint64_t)i) | 0x8000000000000000ULL;
        }
    }
    uint64_t pages_per_second = pages * (uint64_t)percent / 100;
    printf("memdirty ready MIB=%ld rate=%ld%%/s pages=%llu pages_per_second=%llu\n", mib, percent,
           (unsigned long long)pages, (unsigned long long)pages_per_second);
    fflush(stdout);

    uint64_t heartbeat_ns = (uint64_t)heartbeat_ms * 1000000ULL;
    uint64_t start = monotonic_ns();
    uint64_t next_heartbeat = start + heartbeat_ns;
    uint64_t heartbeat = 0;
    uint64_t writes_done = 0;
    uint64_t random_state = 0x9e3779b97f4a7c15ULL; /* xorshift64: fixed seed, same sequence every run */
    for (;;) {
        uint64_t now = monotonic_ns();
        /* Writes due by now, so that writes_done / elapsed tracks pages_per_second. */
        uint64_t due = (uint64_t)((unsigned __int128)(now - start) * pages_per_second / 1000000000ULL);
        while (writes_done < due) {
            random_state ^= random_state << 13;
            random_state ^= random_state >> 7;
            random_state ^= random_state << 17;
            uint64_t page = random_state % pages;
            memory[page * WORDS_PER_PAGE + (random_state >> 40) % WORDS_PER_PAGE] = ++writes_done;
        }
        if (now >= next_heartbeat) {
            printf("memdirty heartbeat %llu\n", (unsigned long long)++heartbeat);
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
