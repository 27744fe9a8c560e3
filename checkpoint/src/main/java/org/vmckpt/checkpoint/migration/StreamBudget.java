package org.vmckpt.checkpoint.migration;

/**
 * How much a connection's zstd stream ({@link ChunkStream}) may carry: {@link #BYTES} of chunk input, after which the
 * source compresses its chunks on their own with the stream's matcher but without its window (zstd level 1, shortest
 * match 7; chunk encoding 1, no protocol change).
 *
 * <p>Why (docs/BENCHMARKS.md round 55): the stream's window (8 MiB, a hash table of 2^17 entries) costs about a third more
 * compression CPU per byte than a chunk compressed on its own. Offline on checkpoint packs it made memrandom's
 * compressible pages (about 40 MiB) and an idle guest's (about 40 MiB) 5-8% smaller than chunks on their own with the
 * same matcher, but memdirty's patterned pages (300 MiB) no smaller: their gain is the shortest match of 7, which a chunk
 * on its own gets too (0.75x of a level-1 pack frame's bytes, at a level-1 frame's CPU). A sample of the stream's chunks
 * did not tell the two apart (its first 16 sampled chunks saved 2.2% for memrandom, 2.5% for memdirty), so the rule is
 * a budget: what a guest with a little compressible memory streams whole, and a guest with much of it streams only the
 * start of. {@code -Dvmckpt.migration.streamBudgetMiB} sets it (0: no stream at all; chunks on their own at level 1's
 * own parameters, as before protocol 14).
 *
 * <p>One per source connection; used by its sending thread only.
 */
final class StreamBudget {
    /** Chunk input the stream may carry per connection. */
    static final long BYTES = Long.getLong("vmckpt.migration.streamBudgetMiB", 96) << 20;

    private final long budget;
    private long streamed;

    StreamBudget(long budget) {
        this.budget = budget;
    }

    /** Whether a chunk of {@code length} bytes may go through the stream; if so, counts it. */
    boolean take(int length) {
        if (streamed >= budget) return false;
        streamed += length;
        return true;
    }

    /** Whether the budget is spent (the chunks go on their own from now on). */
    boolean spent() {
        return streamed >= budget;
    }

    /** Chunk input the stream carried. */
    long streamed() {
        return streamed;
    }
}
