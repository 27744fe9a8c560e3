package org.vmckpt.machine.memory;

/**
 * An immutable view of guest memory at a freeze: page references that the guest will never write again
 * (it copies a page before writing it), and the pages written in the epoch that the freeze ended.
 * A saver thread may read it while the guest runs; call {@link #release()} when done.
 */
public final class FrozenMemory {
    private final GuestMemory memory;
    /** The frozen table of chunks (see {@link GuestMemory}): never changed after the freeze. */
    private final byte[][][] chunks;
    private final int pageCount;
    private final long[] writtenInEpoch;
    private boolean released;

    /** The dirty-log epoch this freeze started (see {@link #writeOrderSince}). */
    private final long epochAfter;

    FrozenMemory(GuestMemory memory, byte[][][] chunks, int pageCount, long[] writtenInEpoch, long epochAfter) {
        this.epochAfter = epochAfter;
        this.memory = memory;
        this.chunks = chunks;
        this.pageCount = pageCount;
        this.writtenInEpoch = writtenInEpoch;
    }

    public int pageCount() { return pageCount; }

    /** The frozen page, or {@code null} for a page that was never touched (all zeros). Never write into it. */
    public byte[] page(int idx) {
        java.util.Objects.checkIndex(idx, pageCount);
        return GuestMemory.pageOf(chunks, idx);
    }

    /**
     * Where frozen page {@code idx} came from, if all of it came from one source in order and the guest has not
     * written it since (checked against the frozen array, so a later fill of the live page never applies here);
     * else null. Safe from the saver thread until {@link #release()}; allocates nothing.
     */
    public PageOrigin completeOrigin(int idx) {
        PageOrigin o = memory.originOf(idx, page(idx));
        return o != null && o.complete() ? o : null;
    }

    /** Whether page {@code idx} was written during the epoch this freeze ended. */
    public boolean writtenInEpoch(int idx) {
        return (writtenInEpoch[idx >>> 6] & (1L << idx)) != 0;
    }

    public long[] writtenBitmap() { return writtenInEpoch.clone(); }

    /**
     * The pages the guest wrote since this freeze, in the order of its first write to each (at most
     * {@link WriteOrderLog#CAPACITY}); empty once another freeze or a new dirty log ended that epoch, and for a
     * guest that did not run since (a stop-and-copy checkpoint). Safe from the saver thread.
     */
    public int[] writeOrderSince() {
        return memory.writeOrderOf(epochAfter);
    }


    /**
     * Ends copy-on-write for this view. The arrays stay valid for whoever still holds them. On the run thread (or with no
     * run loop): the unfreeze empties the origins moved aside for the view, which that thread writes; a capture's
     * release sees to it ({@code MachineCapture.release}, since round 65).
     */
    public synchronized void release() {
        if (!released) {
            released = true;
            memory.unfreeze(chunks);
        }
    }

    /**
     * Ends copy-on-write for this view and, with {@link SparePages#RECYCLE}, hands the arrays of it the guest replaced
     * since the freeze to copy-on-write's spares, to be written over by a later copy (and the page table's chunks it
     * copied, and its dirty bitmap, to the next freeze). Only when nothing reads this view any more, nor will (the
     * checkpoint's writer committed, or aborted with its compressors' threads ended; no reset keeps it; no migration
     * sends from it), and only on the run thread (through {@code Machine.callAtInstructionBoundary}) or with
     * no run loop: the live table it compares with is the run thread's. A view released already: nothing.
     */
    public synchronized void releaseRecycling() {
        if (!released) {
            released = true;
            memory.unfreeze(chunks, true, writtenInEpoch);
        }
    }
}
