/*
 * Host tool: writes BYTES bytes of the deterministic data pattern (workloads/datapattern.h)
 * to stdout. Usage: gendata BYTES   (BYTES must be a multiple of 8)
 * Used by build-guest.sh for the disk image's data.bin: reproducible, unlike /dev/urandom.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../workloads/datapattern.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gendata BYTES\n");
        return 2;
    }
    char *end;
    unsigned long long bytes = strtoull(argv[1], &end, 10);
    if (*end != '\0' || bytes % 8 != 0) {
        fprintf(stderr, "gendata: BYTES must be a decimal multiple of 8\n");
        return 2;
    }
    enum { CHUNK_WORDS = 1 << 16 };
    static uint64_t chunk[CHUNK_WORDS];
    uint64_t words = bytes / 8;
    for (uint64_t base = 0; base < words; base += CHUNK_WORDS) {
        uint64_t n = words - base < CHUNK_WORDS ? words - base : CHUNK_WORDS;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t w = data_word(base + i);
            memcpy(&chunk[i], &w, 8); /* the host is little-endian like the guest */
        }
        if (fwrite(chunk, 8, n, stdout) != n) {
            perror("gendata: write");
            return 1;
        }
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
