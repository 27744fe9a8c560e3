package org.vmckpt.checkpoint.store;

/**
 * The manifest encoder's buffers (the body, its compressed copy, the file's bytes), kept from one checkpoint's commit to
 * the next ({@link WriterReuse}, round 66) so that encoding a manifest allocates no array once they have grown to a
 * manifest's size; and the writer's list of its page puts, from which it builds the manifest's tables.
 *
 * <p>Why: a manifest of a VM checkpointed every second (memdirty, 1 GiB) is ~90 KB compressed and a few hundred KB of
 * body; each commit made the body by doubling from 4 KiB, its compressed copy and the file's bytes, and a young
 * collection that met them promoted them (round 65's "noticed"). Not thread-safe: one committing writer holds them.
 */
final class ManifestBuffers {
    final ByteSink body = new ByteSink(4096);
    final ByteSink file = new ByteSink(4096);
    private byte[] packed = new byte[0];
    private long[] keys = new long[0];
    private long[] vals = new long[0];
    private long[] deltaVals = new long[0];

    /** A buffer of at least {@code length} bytes for the compressed body (contents undefined). */
    byte[] packed(int length) {
        if (packed.length < length) packed = new byte[length];
        return packed;
    }

    /**
     * Lists of page puts longer than this are made for the one checkpoint, not kept: a full checkpoint puts every page
     * (6 MiB of the three lists for a 1 GiB guest), an incremental one of a guest checkpointed every second a few
     * thousand (memdirty at 10%/s of 256 MiB: ~6,500-26,000).
     */
    static final int MAX_KEPT_PUTS = 1 << 16;

    /** The writer's list of page puts (keys, values, boot-file delta values) for {@code n} puts; contents undefined. */
    long[] keys(int n) {
        if (n > MAX_KEPT_PUTS) return new long[n];
        if (keys.length < n) keys = new long[n];
        return keys;
    }

    long[] vals(int n) {
        if (n > MAX_KEPT_PUTS) return new long[n];
        if (vals.length < n) vals = new long[n];
        return vals;
    }

    long[] deltaVals(int n) {
        if (n > MAX_KEPT_PUTS) return new long[n];
        if (deltaVals.length < n) deltaVals = new long[n];
        return deltaVals;
    }

    /** Empties the sinks for the next manifest (their arrays stay). */
    void reset() {
        body.reset();
        file.reset();
    }
}
