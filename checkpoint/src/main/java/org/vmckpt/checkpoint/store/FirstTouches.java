package org.vmckpt.checkpoint.store;

import java.util.BitSet;

/**
 * A manifest's working set and write order (sections 8 and 9): the pages a lazy restore fetches first. Read from a
 * file they stay undecoded (their sections' bounds checked, their runs not) until first asked for: only a lazy
 * restore and {@link Checkpoint#verify} ask, and an eager restore decoding ~15,000 runs and ~20,000 pages of them
 * (issue 9's memdirty and memrandom checkpoints) in a JVM that still interprets its code did it on the single
 * thread that runs before the page loaders start. Decoding checks them as the codec always did; a damaged section
 * is refused then, each time it is asked for. Safe for concurrent use.
 */
final class FirstTouches {
    private final int pageCount;
    /** The undecoded sections (null: absent, or decoded). */
    private BoundedReader workingSetSection, writeOrderSection;
    private BitSet workingSet;
    private int[] writeOrder;

    private FirstTouches(int pageCount, BoundedReader workingSetSection, BoundedReader writeOrderSection, BitSet workingSet, int[] writeOrder) {
        this.pageCount = pageCount;
        this.workingSetSection = workingSetSection;
        this.writeOrderSection = writeOrderSection;
        this.workingSet = workingSet;
        this.writeOrder = writeOrder;
    }

    /** Already decoded (a manifest being written, or a test's). Never changed afterwards. */
    static FirstTouches decoded(BitSet workingSet, int[] writeOrder) {
        return new FirstTouches(-1, null, null, workingSet, writeOrder);
    }

    /**
     * The sections as found in a manifest, decoded by {@link #workingSet} or {@link #writeOrder}; either may be null
     * (absent: an empty working set, no write order).
     */
    static FirstTouches undecoded(int pageCount, BoundedReader workingSetSection, BoundedReader writeOrderSection) {
        return new FirstTouches(pageCount, workingSetSection, writeOrderSection, workingSetSection == null ? new BitSet() : null,
                writeOrderSection == null ? new int[0] : null);
    }

    /** The working set; decodes and checks both sections on the first call. Never change the result. */
    synchronized BitSet workingSet() throws CheckpointFormatException {
        decode();
        return workingSet;
    }

    /** The write order; decodes and checks both sections on the first call. Never change the result. */
    synchronized int[] writeOrder() throws CheckpointFormatException {
        decode();
        return writeOrder;
    }

    /** Decodes and checks both sections now, if they were not yet: a damaged one is refused here. */
    synchronized void decodeNow() throws CheckpointFormatException {
        decode();
    }

    /** Whether the sections still wait to be decoded (tests). */
    synchronized boolean undecoded() {
        return workingSetSection != null || writeOrderSection != null;
    }

    private void decode() throws CheckpointFormatException {
        if (workingSetSection != null) {
            BoundedReader s = workingSetSection.unread("working set section"); // from its start, each time asked
            BitSet ws = ManifestCodec.decodeWorkingSet(s, pageCount);
            s.expectEnd("working set section");
            workingSet = ws;
            workingSetSection = null;
        }
        if (writeOrderSection != null) {
            BoundedReader s = writeOrderSection.unread("write order section");
            int[] order = ManifestCodec.decodeWriteOrder(s, pageCount);
            s.expectEnd("write order section");
            writeOrder = order;
            writeOrderSection = null;
        }
    }
}
