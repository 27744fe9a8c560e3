// Round 70 lean70: the 16-bit expansion's cache lines, simulated from a trace of the fast loop's compressed
// instructions (encoding, pc). Set-associative LRU caches of the expansion structure alone (8-way, 64-byte lines),
// each scheme's accesses on their own: what lines each scheme touches and how many miss at a few capacities.
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#define WAYS 8
typedef struct { int sets; uint64_t *tag; uint32_t *age; uint64_t clock, acc, miss; } Cache;
static void init(Cache *c, int lines) { c->sets = lines / WAYS; c->tag = malloc(8 * lines); c->age = calloc(lines, 4);
    memset(c->tag, 0xff, 8 * lines); c->clock = c->acc = c->miss = 0; }
static void access_line(Cache *c, uint64_t line) {
    int s = (int)(line % c->sets); uint64_t *t = c->tag + s * WAYS; uint32_t *a = c->age + s * WAYS;
    c->acc++; c->clock++;
    int lru = 0;
    for (int w = 0; w < WAYS; w++) { if (t[w] == line) { a[w] = (uint32_t)c->clock; return; } if (a[w] < a[lru]) lru = w; }
    c->miss++; t[lru] = line; a[lru] = (uint32_t)c->clock;
}
static int be32(FILE *f) { unsigned char b[4]; if (fread(b, 1, 4, f) != 4) exit(2); return (int)((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]); }
#define NS 6
#define NC 4
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); unsigned char hdr[20]; if (fread(hdr, 1, 20, f) != 20) return 2;
    int n = (int)((uint32_t)hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19]);
    const char *names[NS] = {"table (by encoding)", "table by quadrant", "CompressedParts LO+MID", "per-pc long (16 B code/line)", "per-pc int (32 B code/line)", "table, q3 dropped, 2 B entries"};
    int caps[NC] = {128, 512, 2048, 8192}; // lines: 8, 32, 128, 512 KiB
    Cache c[NS][NC]; for (int s = 0; s < NS; s++) for (int k = 0; k < NC; k++) init(&c[s][k], caps[k]);
    static uint8_t seenEnc[65536]; long distinctEnc = 0;
    for (int i = 0; i < n; i++) {
        int e = be32(f) & 0xffff; uint32_t pc = (uint32_t)be32(f);
        if (!seenEnc[e]) { seenEnc[e] = 1; distinctEnc++; }
        uint64_t L[NS][2]; int m[NS];
        L[0][0] = e >> 4; m[0] = 1;
        L[1][0] = (((e >> 2) | (e & 3) << 14)) >> 4; m[1] = 1;
        int k = ((e >> 10) & 0x3f) << 2 | (e & 3);
        L[2][0] = (uint64_t)((k << 5) | ((e >> 2) & 31)) >> 4; L[2][1] = 100000 + ((uint64_t)((k << 3) | ((e >> 7) & 7)) >> 4); m[2] = 2;
        L[3][0] = pc >> 4; m[3] = 1;
        L[4][0] = pc >> 5; m[4] = 1;
        L[5][0] = (((e >> 2) | (e & 3) << 14)) >> 5; m[5] = 1;
        for (int s = 0; s < NS; s++) for (int j = 0; j < m[s]; j++) for (int q = 0; q < NC; q++) access_line(&c[s][q], L[s][j]);
    }
    printf("%s: %d compressed instructions traced, %ld distinct encodings\n", argv[1], n, distinctEnc);
    printf("%-32s %10s %10s %10s %10s   (misses per 1000 compressed instructions; 8-way LRU, 64 B lines)\n", "scheme", "8 KiB", "32 KiB", "128 KiB", "512 KiB");
    for (int s = 0; s < NS; s++) { printf("%-32s", names[s]); for (int q = 0; q < NC; q++) printf(" %10.2f", 1000.0 * c[s][q].miss / n); printf("\n"); }
    return 0;
}
