// Round 70 lean70: the expansion cache's own hits and fills over a trace of the fast loop's 16-bit instructions
// (256 pages direct-mapped by virtual page number, one entry per 2-byte slot, an entry used only for its encoding).
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static int be32(FILE *f) { unsigned char b[4]; if (fread(b, 1, 4, f) != 4) exit(2); return (int)((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]); }
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); unsigned char h[20]; if (fread(h, 1, 20, f) != 20) return 2;
    int n = (int)((uint32_t)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19]);
    static int32_t slot[256][2048]; static uint8_t used[256]; static uint8_t seenPage[1 << 20];
    long fills = 0, pagesMade = 0, distinctPages = 0;
    for (int i = 0; i < n; i++) {
        int c = be32(f) & 0xffff; uint32_t pc = (uint32_t)be32(f);
        uint32_t vpn = pc >> 12; int p = vpn & 255, s = (pc & 0xfff) >> 1;
        if (!seenPage[vpn]) { seenPage[vpn] = 1; distinctPages++; }
        if (!used[p]) { used[p] = 1; pagesMade++; }
        if (slot[p][s] != c + 1) { slot[p][s] = c + 1; fills++; }
    }
    printf("%s: %d 16-bit instructions; cache fills (misses) %ld = %.2f%%, hits %.2f%%; code pages %ld; cache pages made %ld (%ld KiB)\n",
           argv[1], n, fills, 100.0 * fills / n, 100.0 - 100.0 * fills / n, distinctPages, pagesMade, pagesMade * 16);
    return 0;
}
