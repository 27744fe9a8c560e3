/*
 * kvstore [MIB] [HEARTBEAT_MS]
 *
 * A workload that looks like real work: an in-memory key-value store (a chained hash table) of
 * about MIB (default 80) MiB of values, driven forever by a deterministic pseudo-random stream of
 * gets (50%), puts (37.5%) and deletes (12.5%) over Zipf-like skewed keys (a few keys are hot,
 * most are cold). Every value's contents are derived from its key and version, and every get
 * checks them, so memory that a checkpoint restore got wrong shows up as "kvstore CORRUPT ...".
 * Prints "kvstore heartbeat N ops=..." every HEARTBEAT_MS (default 100) ms.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "monotonic.h"

#define AVERAGE_VALUE_BYTES 1024
#define MIN_VALUE_WORDS 8
#define VALUE_WORD_SPREAD 249 /* value sizes: 8..256 words, about 1 KiB on average */
#define OPS_BETWEEN_CLOCK_READS 256

struct entry {
    struct entry *next;
    uint64_t key;
    uint64_t version;
    uint64_t words;
    uint64_t value[];
};

static struct entry **buckets;
static uint64_t bucket_mask;
static uint64_t live_keys;
static uint64_t live_bytes;
static uint64_t corrupt_values;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t value_words_for(uint64_t key)
{
    return MIN_VALUE_WORDS + mix64(key ^ 0x5bd1e995ULL) % VALUE_WORD_SPREAD;
}

/* First word of a value; word i is first + i * step (cheap to write and to check). */
static uint64_t value_seed(uint64_t key, uint64_t version)
{
    return mix64(key * 0x9e3779b97f4a7c15ULL + version) | 1;
}

#define VALUE_STEP 0x632be59bd9b4e019ULL

static struct entry **slot_of(uint64_t key)
{
    struct entry **slot = &buckets[mix64(key) & bucket_mask];
    while (*slot != NULL && (*slot)->key != key) {
        slot = &(*slot)->next;
    }
    return slot;
}

static void put(uint64_t key, uint64_t version)
{
    uint64_t words = value_words_for(key);
    struct entry *entry = malloc(sizeof(struct entry) + words * 8);
    if (entry == NULL) {
        fprintf(stderr, "kvstore: out of memory\n");
        exit(1);
    }
    entry->key = key;
    entry->version = version;
    entry->words = words;
    uint64_t word = value_seed(key, version);
    for (uint64_t i = 0; i < words; i++) {
        entry->value[i] = word;
        word += VALUE_STEP;
    }
    struct entry **slot = slot_of(key);
    if (*slot != NULL) {
        struct entry *old = *slot;
        entry->next = old->next;
        live_bytes -= old->words * 8;
        free(old);
    } else {
        entry->next = NULL;
        live_keys++;
    }
    *slot = entry;
    live_bytes += words * 8;
}

/* Returns 1 if the key is present (and checks its value), 0 if not. */
static int get(uint64_t key)
{
    struct entry *entry = *slot_of(key);
    if (entry == NULL) {
        return 0;
    }
    uint64_t word = value_seed(key, entry->version);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < entry->words; i++) {
        bad |= entry->value[i] ^ word;
        word += VALUE_STEP;
    }
    if (bad != 0 || entry->words != value_words_for(key)) {
        corrupt_values++;
        printf("kvstore CORRUPT key=%llu version=%llu\n", (unsigned long long)key, (unsigned long long)entry->version);
        fflush(stdout);
    }
    return 1;
}

static void delete(uint64_t key)
{
    struct entry **slot = slot_of(key);
    if (*slot != NULL) {
        struct entry *old = *slot;
        *slot = old->next;
        live_keys--;
        live_bytes -= old->words * 8;
        free(old);
    }
}

int main(int argc, char **argv)
{
    long mib = 80;
    long heartbeat_ms = 100;
    if (argc > 3 || (argc >= 2 && (mib = strtol(argv[1], NULL, 10)) < 1)
        || (argc == 3 && (heartbeat_ms = strtol(argv[2], NULL, 10)) < 1)) {
        fprintf(stderr, "usage: kvstore [MIB] [HEARTBEAT_MS]   (positive integers)\n");
        return 2;
    }
    /* In the steady state a key is present with probability puts / (puts + deletes) = 3/4. */
    uint64_t key_space = (uint64_t)mib * 1024 * 1024 / AVERAGE_VALUE_BYTES * 4 / 3;
    uint64_t bucket_count = 1;
    while (bucket_count < key_space) {
        bucket_count <<= 1;
    }
    buckets = calloc(bucket_count, sizeof(struct entry *));
    if (buckets == NULL) {
        fprintf(stderr, "kvstore: out of memory\n");
        return 1;
    }
    bucket_mask = bucket_count - 1;

    uint64_t version = 0;
    for (uint64_t key = 0; key < key_space; key++) {
        if (mix64(key) % 4 != 0) {
            put(key, ++version); /* start near the steady state: 3/4 of the keys present */
        }
    }
    printf("kvstore ready keys=%llu bytes=%llu\n", (unsigned long long)live_keys, (unsigned long long)live_bytes);
    fflush(stdout);

    uint64_t heartbeat_ns = (uint64_t)heartbeat_ms * 1000000ULL;
    uint64_t next_heartbeat = monotonic_ns() + heartbeat_ns;
    uint64_t heartbeat = 0;
    uint64_t ops = 0;
    uint64_t hits = 0;
    uint64_t random_state = 0xd1b54a32d192ed03ULL; /* xorshift64, fixed seed: the same op stream every run */
    for (;;) {
        for (int i = 0; i < OPS_BETWEEN_CLOCK_READS; i++) {
            random_state ^= random_state << 13;
            random_state ^= random_state >> 7;
            random_state ^= random_state << 17;
            uint64_t r = random_state;
            /* Product of three uniforms: heavily skewed towards small keys, like a Zipf law. */
            uint64_t key = (r & 0xfffff) % key_space;
            key = key * (((r >> 20) & 0xfffff) % key_space) / key_space;
            key = key * (((r >> 40) & 0xfffff) % key_space) / key_space;
            unsigned op = (unsigned)(r >> 60);
            if (op < 8) {
                hits += (uint64_t)get(key);
            } else if (op < 14) {
                put(key, ++version);
            } else {
                delete(key);
            }
        }
        ops += OPS_BETWEEN_CLOCK_READS;
        uint64_t now = monotonic_ns();
        if (now >= next_heartbeat) {
            printf("kvstore heartbeat %llu ops=%llu hits=%llu keys=%llu bytes=%llu corrupt=%llu\n",
                   (unsigned long long)++heartbeat, (unsigned long long)ops, (unsigned long long)hits,
                   (unsigned long long)live_keys, (unsigned long long)live_bytes,
                   (unsigned long long)corrupt_values);
            fflush(stdout);
            next_heartbeat += heartbeat_ns;
            if (next_heartbeat < now) {
                next_heartbeat = now + heartbeat_ns;
            }
        }
    }
}
