package org.vmckpt.checkpoint.store;

/**
 * What one checkpoint's writing leaves for the next one in this process, instead of garbage
 * ({@code -Dvmckpt.repo.reuseWriterTables}, on by default since round 64; {@code =false} turns it off): the manifest a writer just committed, which the next
 * incremental checkpoint takes as its parent's instead of reading and decoding the file again (and the engine as the
 * committed checkpoint's description instead of reopening it), and the writer's page table ({@code long[pageCount]}:
 * 2 MiB for a 1 GiB guest), which the next writer of the same size fills again instead of allocating.
 *
 * <p>Why: a VM checkpointed every second allocated these per checkpoint, and they live through the checkpoint, so a
 * young collection in it promoted them: with the guest's copy-on-write arrays recycled ({@code SparePages}), they were
 * most of the old generation's growth, ~3 MB/s of {@code long[]} (docs/BENCHMARKS.md, round 64). Each full collection
 * that garbage brings stops the guest for 0.3-1.4 s.
 *
 * <p>Thread-safe (one checkpoint at a time writes; the fields are handed over atomically).
 */
final class WriterReuse {
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vmckpt.repo.reuseWriterTables", "true"));

    private volatile boolean enabled = ENABLED;
    private volatile Manifest lastCommitted;
    private final java.util.concurrent.atomic.AtomicReference<long[]> spareTable = new java.util.concurrent.atomic.AtomicReference<>();

    boolean enabled() {
        return enabled;
    }

    void setEnabled(boolean on) {
        enabled = on;
        if (!on) {
            lastCommitted = null;
            spareTable.set(null);
        }
    }

    /** A writer of this process committed {@code m} (its file is published). */
    void committed(Manifest m) {
        if (enabled) lastCommitted = m;
    }

    /** The manifest committed last if it is checkpoint {@code id}'s, else null. */
    Manifest committedManifest(String id) {
        Manifest m = lastCommitted;
        return m != null && m.info().id().equals(id) ? m : null;
    }

    /** A page table of {@code pageCount} entries (contents undefined: the writer fills it), reused when one is spare. */
    long[] takeTable(int pageCount) {
        long[] t = enabled ? spareTable.getAndSet(null) : null;
        return t != null && t.length == pageCount ? t : new long[pageCount];
    }

    /** A writer that committed or aborted, and reads its page table no more, hands it back. */
    void giveTable(long[] table) {
        if (enabled) spareTable.set(table);
    }
}
