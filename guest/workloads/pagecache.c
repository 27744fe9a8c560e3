/*
 * pagecache FILE [HEARTBEAT_MS]
 *
 * Reads FILE (e.g. /mnt/data.bin) fully once with read(2) in 1 MiB chunks, so that it lands in the
 * guest's page cache, prints "pagecache loaded N bytes", then prints "pagecache heartbeat N" every
 * HEARTBEAT_MS (default 100) ms, each time re-reading a few pseudo-random 4 KiB blocks. If FILE is
 * the default guest's data.bin (same size as the pattern covers), every re-read block is checked
 * against the pattern in datapattern.h and a mismatch is reported as "pagecache MISMATCH ...":
 * this is what catches a page-cache page wrongly rebuilt after a checkpoint restore.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapattern.h"
#include "monotonic.h"

#define CHUNK_SIZE (1024 * 1024)
#define BLOCK_SIZE 4096
#define BLOCKS_PER_HEARTBEAT 4

/* Returns the number of mismatching words in a block read at byte offset `offset`. */
static int check_block(const uint64_t *block, uint64_t offset)
{
    int mismatches = 0;
    for (int i = 0; i < BLOCK_SIZE / 8; i++) {
        if (block[i] != data_word(offset / 8 + (uint64_t)i)) {
            mismatches++;
        }
    }
    return mismatches;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: pagecache FILE [HEARTBEAT_MS]\n");
        return 2;
    }
    long heartbeat_ms = 100;
    if (argc == 3) {
        char *end;
        heartbeat_ms = strtol(argv[2], &end, 10);
        if (*end != '\0' || heartbeat_ms < 1) {
            fprintf(stderr, "pagecache: HEARTBEAT_MS must be a positive integer\n");
            return 2;
        }
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror("pagecache: open");
        return 1;
    }
    static char chunk[CHUNK_SIZE];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, CHUNK_SIZE);
        if (n < 0) {
            perror("pagecache: read");
            return 1;
        }
        if (n == 0) {
            break;
        }
        total += (uint64_t)n;
    }
    printf("pagecache loaded %llu bytes\n", (unsigned long long)total);
    fflush(stdout);
    uint64_t blocks = total / BLOCK_SIZE;
    if (blocks == 0) {
        fprintf(stderr, "pagecache: %s holds no whole 4 KiB block\n", argv[1]);
        return 1;
    }
    /* data.bin is generated with the pattern; another file is re-read but not checked. */
    static uint64_t block[BLOCK_SIZE / 8];
    int checked = pread(fd, block, BLOCK_SIZE, 0) == BLOCK_SIZE && check_block(block, 0) == 0;
    printf("pagecache checking blocks against the data pattern: %s\n", checked ? "yes" : "no");
    fflush(stdout);

    uint64_t heartbeat_ns = (uint64_t)heartbeat_ms * 1000000ULL;
    uint64_t next_heartbeat = monotonic_ns() + heartbeat_ns;
    uint64_t heartbeat = 0;
    uint64_t random_state = 0x2545f4914f6cdd1dULL; /* xorshift64, fixed seed */
    for (;;) {
        sleep_until_ns(next_heartbeat);
        for (int b = 0; b < BLOCKS_PER_HEARTBEAT; b++) {
            random_state ^= random_state << 13;
            random_state ^= random_state >> 7;
            random_state ^= random_state << 17;
            uint64_t offset = (random_state % blocks) * BLOCK_SIZE;
            if (pread(fd, block, BLOCK_SIZE, (off_t)offset) != BLOCK_SIZE) {
                perror("pagecache: pread");
                return 1;
            }
            if (checked) {
                int bad = check_block(block, offset);
                if (bad != 0) {
                    printf("pagecache MISMATCH at offset %llu: %d of %d words differ\n",
                           (unsigned long long)offset, bad, BLOCK_SIZE / 8);
                }
            }
        }
        printf("pagecache heartbeat %llu\n", (unsigned long long)++heartbeat);
        fflush(stdout);
        uint64_t now = monotonic_ns();
        next_heartbeat += heartbeat_ns;
        if (next_heartbeat < now) {
            next_heartbeat = now + heartbeat_ns; /* fell behind (e.g. a long pause): don't burst */
        }
    }
}
