package org.vmckpt.checkpoint;

import org.vmckpt.machine.device.virtio.FrozenOverlay;

import java.util.BitSet;
import java.util.List;

/**
 * The engine's books on one VM's line of checkpoints: the last committed checkpoint (the parent of the next
 * incremental one, and the target of a fast reset) and which pages and disk blocks were written since its freeze.
 * Every capture's dirty log is added here before anything can fail, so a failed checkpoint loses nothing; the books
 * start again when a checkpoint commits or a reset lands on one.
 */
final class Lineage {
    /** The last committed checkpoint of this VM (parent of the next incremental), or null. */
    private volatile String parentId;
    /** Pages written since the parent's freeze (accumulated over freezes whose checkpoint failed). */
    private final BitSet dirtySinceParent = new BitSet();
    private final BitSet[] diskDirtySinceParent;

    Lineage(String parentId, int disks) {
        this.parentId = parentId;
        this.diskDirtySinceParent = new BitSet[disks];
        for (int i = 0; i < diskDirtySinceParent.length; i++) diskDirtySinceParent[i] = new BitSet();
    }

    String parentId() {
        return parentId;
    }

    /** A capture ended a dirty-log epoch: what it saw written is written since the parent. */
    void noteCaptured(long[] writtenPages, List<FrozenOverlay> disks) {
        orWords(dirtySinceParent, writtenPages);
        for (int i = 0; i < disks.size(); i++) {
            if (disks.get(i) != null) diskDirtySinceParent[i].or(disks.get(i).writtenBlocks());
        }
    }

    /**
     * {@code into |= words} (a bitmap, 64 pages a word) without {@code BitSet.valueOf}'s copy of the whole bitmap (32 KiB
     * for a 1 GiB guest, a checkpoint's garbage: round 66).
     */
    static void orWords(BitSet into, long[] words) {
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            while (bits != 0) {
                into.set((w << 6) + Long.numberOfTrailingZeros(bits));
                bits &= bits - 1;
            }
        }
    }

    /** Someone else ended dirty-log epochs (a migration's rounds): see {@link CheckpointEngine#noteWrittenElsewhere}. */
    void noteWrittenElsewhere(long[] pages, List<BitSet> diskBlocks) {
        dirtySinceParent.or(BitSet.valueOf(pages));
        for (int i = 0; i < diskBlocks.size() && i < diskDirtySinceParent.length; i++) {
            if (diskBlocks.get(i) != null) diskDirtySinceParent[i].or(diskBlocks.get(i));
        }
    }

    /** Whether page {@code i} was written since the parent's freeze. */
    boolean pageWritten(int i) {
        return dirtySinceParent.get(i);
    }

    /** Whether block {@code b} of disk {@code d} was written since the parent's freeze. */
    boolean diskBlockWritten(int d, long b) {
        return diskDirtySinceParent[d].get((int) b);
    }

    /** A copy of the pages written since the parent's freeze. */
    BitSet pagesWritten() {
        return (BitSet) dirtySinceParent.clone();
    }

    /** Checkpoint {@code id} is the new parent (committed, or a reset landed on it): nothing is written since. */
    void startFrom(String id) {
        parentId = id;
        dirtySinceParent.clear();
        for (BitSet b : diskDirtySinceParent) b.clear();
    }

    /**
     * A reset from the retained capture put the written pages back: none is written since the parent. (The disk
     * books are kept: the blocks it put back are re-saved by the next incremental checkpoint, which is only wasteful.)
     */
    void pagesPutBack() {
        dirtySinceParent.clear();
    }
}
