/*
 * The contents of the default guest's /mnt/data.bin, shared by the host tool that writes it
 * (tools/gendata.c) and the guest workload that reads it (workloads/pagecache.c), so that the
 * guest can check any block it reads: after a checkpoint restore, a page-cache page that was
 * evicted and rebuilt from the disk must still hold exactly these bytes.
 *
 * Word i (8 bytes, little-endian, at byte offset 8*i) is splitmix64(DATA_SEED + i) with every
 * zero byte replaced by 0x5a, so no page of the file is a zero page.
 */
#ifndef VMCKPT_DATAPATTERN_H
#define VMCKPT_DATAPATTERN_H

#include <stdint.h>

#define DATA_SEED 0x766d636b70740001ULL /* "vmckpt" + 1 */

static inline uint64_t data_word(uint64_t index)
{
    uint64_t z = DATA_SEED + index * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z = z ^ (z >> 31);
    for (int shift = 0; shift < 64; shift += 8) {
        if (((z >> shift) & 0xff) == 0) {
            z |= 0x5aULL << shift;
        }
    }
    return z;
}

#endif
