package org.vmckpt.checkpoint.store;

import java.util.concurrent.atomic.AtomicReference;

/**
 * What one checkpoint's writing leaves for the next one in this process, instead of garbage
 * ({@code -Dvmckpt.repo.reuseWriterTables}, on by default since round 64; {@code =false} turns it off): the manifest a writer just committed, which the next
 * incremental checkpoint takes as its parent's instead of reading and decoding the file again (and the engine as the
 * committed checkpoint's description instead of reopening it), the writer's page table ({@code long[pageCount]}:
 * 2 MiB for a 1 GiB guest), which the next writer of the same size fills again instead of allocating, and (since
 * round 65) the arrays of the run table of pages of a manifest no writer reads any more, in which a later writer builds
 * its own, and the compressors' work buffers ({@link EncoderBuffers}); since round 66 the frames' buffers
 * ({@link FrameSlots}), the manifest encoder's ({@link ManifestBuffers}) and the writer's bookkeeping of the write order
 * and the working set.
 *
 * <p>Why: a VM checkpointed every second allocated these per checkpoint, and they live through the checkpoint, so a
 * young collection in it promoted them: with the guest's copy-on-write arrays recycled ({@code SparePages}), they were
 * most of the old generation's growth, ~3 MB/s of {@code long[]} (docs/BENCHMARKS.md, round 64). Each full collection
 * that garbage brings stops the guest for 0.3-1.4 s.
 *
 * <p>The run table's arrays: the manifest committed last is the next writer's parent, so its table is read until that
 * writer commits; then nothing holds it (the committed manifest is no longer the one handed out, and only that writer
 * was handed it), and its arrays become spare. The writer after builds its table in them: two pairs of arrays take
 * turns, kept in the old generation, instead of three new tables a checkpoint. A manifest handed to two writers (two
 * engines on one repository) is never recycled.
 *
 * <p>Thread-safe (one checkpoint at a time writes; the state is handed over under this object's lock).
 */
final class WriterReuse {
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vmckpt.repo.reuseWriterTables", "true"));

    private volatile boolean enabled = ENABLED;
    private Manifest lastCommitted;
    /** Writers handed {@link #lastCommitted} as their parent and not yet done (committed or aborted). */
    private int handedOut;
    private final AtomicReference<long[]> spareTable = new AtomicReference<>();
    /** The compressors' work buffers, kept across checkpoints. */
    private final EncoderBuffers encoderBuffers = new EncoderBuffers();
    /** The writers' frame slots (a frame's units, then its encoded bytes), kept across frames and checkpoints. */
    private final FrameSlots frameSlots = new FrameSlots();
    /** The manifest encoder's buffers, kept across checkpoints (one writer commits at a time: under this lock). */
    private ManifestBuffers manifestBuffers = new ManifestBuffers();
    /** Bitmaps of pages a writer gave back (its pages put, its working set; cleared), at most {@link #MAX_BITMAPS}. */
    private final java.util.ArrayDeque<java.util.BitSet> spareBitmaps = new java.util.ArrayDeque<>();
    private static final int MAX_BITMAPS = 4;
    /** A dead run table's arrays (starts, values: one length), or null. */
    private long[][] spareRuns;
    /** Run-table arrays handed back and handed out ({@link #recycledRuns}, {@link #reusedRuns}: tests). */
    private long recycledRuns;
    private long reusedRuns;

    boolean enabled() {
        return enabled;
    }

    synchronized void setEnabled(boolean on) {
        enabled = on;
        if (!on) {
            lastCommitted = null;
            handedOut = 0;
            spareTable.set(null);
            spareRuns = null;
            encoderBuffers.clear();
            frameSlots.clear();
            manifestBuffers = new ManifestBuffers();
            spareBitmaps.clear();
        }
    }

    /**
     * A writer of this process committed {@code m} (its file is published), whose parent was {@code parent} (null: a
     * full checkpoint). The parent, if it was the manifest handed out last and to this writer alone, is read by nothing
     * any more: its run table's arrays become spare.
     */
    synchronized void committed(Manifest m, Manifest parent) {
        if (!enabled) return;
        // The manifest committed before is dead if no writer took it as its parent, or only this one (a chain of full
        // checkpoints recycles too: their tables are the largest, a run a key in the worst case).
        Manifest dead = lastCommitted;
        if (dead != null && (handedOut == 0 || (handedOut == 1 && parent == dead)) && dead.pages().runCount() > 0
                && dead.pages() != m.pages()) {
            spareRuns = new long[][] {dead.pages().startsArray(), dead.pages().valuesArray()};
            recycledRuns++;
        }
        lastCommitted = asParent(m);
        handedOut = 0;
    }

    /**
     * {@code m} as a parent is read: its description, packs and tables, without its state records, machine description,
     * working set and write order, which no writer reads of its parent (round 65: kept until the next commit, they were
     * promoted by every checkpoint's young collections, ~0.1-0.2 MB a checkpoint of a memdirty guest).
     */
    private static Manifest asParent(Manifest m) {
        return new Manifest(m.info(), java.util.Map.of(), java.util.Map.of(), m.packs(), m.pages(), m.disk(),
                FirstTouches.decoded(new java.util.BitSet(), new int[0]), m.deltas());
    }

    /** The manifest committed last if it is checkpoint {@code id}'s, else null; a writer takes it as its parent. */
    synchronized Manifest committedManifest(String id) {
        Manifest m = lastCommitted;
        if (m == null || !m.info().id().equals(id)) return null;
        handedOut++;
        return m;
    }

    /** The manifest committed last if a writer holds it as its parent now, else null. */
    synchronized Manifest handedOutParent() {
        return handedOut > 0 ? lastCommitted : null;
    }

    /**
     * A compaction rewrote checkpoint {@code id}'s manifest: if it is the manifest committed last and no writer holds it,
     * its tables are mapped by {@code f} in their own arrays (nothing else reads them: {@link RunTable#mapValuesInPlace})
     * and it takes {@code packs}, so the next writer's parent names the packs as they are now; if a run had to be split
     * ({@code split}), or its pack list is not {@code oldPacks}, it is dropped instead (the next writer reads the file). A
     * writer that holds it keeps it, and the compaction keeps its packs ({@link Repository#pinnedPacks}).
     */
    synchronized void remapCommitted(String id, java.util.List<String> oldPacks, java.util.List<Manifest.PackRef> packs,
                                     java.util.function.LongUnaryOperator f, boolean split) {
        Manifest m = lastCommitted;
        if (m == null || !m.info().id().equals(id) || handedOut > 0) return;
        boolean same = m.packs().size() == oldPacks.size();
        for (int i = 0; same && i < oldPacks.size(); i++) same = m.packs().get(i).id().equals(oldPacks.get(i));
        if (split || !same) {
            lastCommitted = null;
            return;
        }
        lastCommitted = new Manifest(m.info(), java.util.Map.of(), java.util.Map.of(), packs, m.pages().mapValuesInPlace(f),
                m.disk().mapValuesInPlace(f), m.firstTouches(), m.deltas());
    }

    /** A writer handed {@code parent} by {@link #committedManifest} aborted: it reads it no more. */
    synchronized void parentDropped(Manifest parent) {
        if (parent != null && parent == lastCommitted && handedOut > 0) handedOut--;
    }

    /**
     * A builder for a run table of {@code runs} runs (of at most {@code maxRuns}, its key count): in the spare arrays when
     * they are long enough, else in new ones with twice the room (at most {@code maxRuns}) (a table that grows from one checkpoint to the next, as a guest's writes scatter it, then
     * outgrows them seldom).
     */
    synchronized RunTable.Builder takeRunBuilder(int runs, int maxRuns) {
        long[][] s = enabled ? spareRuns : null;
        spareRuns = null;
        if (s != null && s[0].length >= runs) {
            reusedRuns++;
            return new RunTable.Builder(s[0], s[1]);
        }
        int room = (int) Math.max(runs, Math.min(maxRuns, Math.min(Integer.MAX_VALUE - 8, Math.max(16L, 2L * runs))));
        return enabled ? new RunTable.Builder(new long[room], new long[room]) : new RunTable.Builder(Math.max(1, runs));
    }

    /** Where a writer's compressors take their work buffers (null when off: each makes its own). */
    EncoderBuffers encoderBuffers() {
        return enabled ? encoderBuffers : null;
    }

    /** Where a writer takes its frame slots and gives them back once written (null when off: a new slot per frame). */
    FrameSlots frameSlots() {
        return enabled ? frameSlots : null;
    }

    /**
     * The manifest encoder's buffers for a committing writer, or null when off (the encoder then makes its own). The
     * caller holds them until its manifest's bytes are written, then hands them back with {@link #giveManifestBuffers}.
     */
    synchronized ManifestBuffers takeManifestBuffers() {
        ManifestBuffers b = enabled ? manifestBuffers : null;
        manifestBuffers = null;
        return b;
    }

    synchronized void giveManifestBuffers(ManifestBuffers b) {
        if (enabled && b != null) manifestBuffers = b;
    }

    /** An empty bitmap of pages: one given back, else a new one for {@code pageCount} pages. */
    synchronized java.util.BitSet takeBitmap(int pageCount) {
        java.util.BitSet b = enabled ? spareBitmaps.pollLast() : null;
        return b != null ? b : new java.util.BitSet(pageCount);
    }

    /** A writer that committed or aborted gives back a bitmap it took (nothing reads it any more); it is cleared here. */
    synchronized void giveBitmap(java.util.BitSet b) {
        if (!enabled || b == null || spareBitmaps.size() >= MAX_BITMAPS) return;
        b.clear();
        spareBitmaps.addLast(b);
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

    /** The manifest committed last (tests: it is not handed out by this). */
    synchronized Manifest lastCommitted() {
        return lastCommitted;
    }

    /** Dead run tables' arrays handed back so far. */
    synchronized long recycledRuns() {
        return recycledRuns;
    }

    /** Writers that built their run table of pages in a dead one's arrays so far. */
    synchronized long reusedRuns() {
        return reusedRuns;
    }
}
