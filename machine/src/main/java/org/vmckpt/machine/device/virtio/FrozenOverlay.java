package org.vmckpt.machine.device.virtio;

import java.util.BitSet;

/**
 * An immutable view of a disk overlay at a freeze: the blocks the guest wrote (block number -> 4 KiB), and
 * which of them were written in the epoch the freeze ended. A saver thread may read it while the guest
 * runs; call {@link #release()} when done.
 *
 * <p>Iterate with {@code for (long b = v.nextBlock(0); b >= 0; b = v.nextBlock(b + 1)) v.block(b)}.
 */
public final class FrozenOverlay {
    private final DiskOverlay overlay;
    private final Object[][] chunks;
    private final BitSet writtenInEpoch;
    private final long presentBlocks;
    private volatile boolean released;

    FrozenOverlay(DiskOverlay overlay, Object[][] chunks, BitSet writtenInEpoch, long presentBlocks) {
        this.overlay = overlay;
        this.chunks = chunks;
        this.writtenInEpoch = writtenInEpoch;
        this.presentBlocks = presentBlocks;
    }

    /** Number of 4 KiB blocks the disk spans. */
    public long diskBlocks() { return overlay.blockCount(); }

    /** Number of blocks in the view. */
    public long presentBlocks() { return presentBlocks; }


    /**
     * The frozen block, or null if the base image holds it. Never write into it. A spilled block is read back
     * into a new array, so read the view only until {@link #release()}.
     */
    public byte[] block(long b) {
        if (b < 0 || b >= overlay.blockCount()) return null;
        Object e = DiskOverlay.entry(chunks, b);
        if (e == null) return null;
        if (released && e instanceof DiskOverlay.Spilled) throw new IllegalStateException("a spilled block of a released disk overlay view was read");
        return overlay.contents(e, true);
    }

    /** Whether the view holds block {@code b} (it differs from the base image, or may). */
    public boolean contains(long b) {
        return b >= 0 && b < overlay.blockCount() && DiskOverlay.entry(chunks, b) != null;
    }

    Object entry(long b) {
        return DiskOverlay.entry(chunks, b);
    }

    /** Next block at or after {@code from} in the view, or -1. */
    public long nextBlock(long from) {
        return DiskOverlay.nextBlock(chunks, from);
    }

    /** Whether block {@code b} was written (or restored) during the epoch this freeze ended. */
    public boolean writtenInEpoch(long b) {
        return b >= 0 && b <= Integer.MAX_VALUE && writtenInEpoch.get((int) b);
    }

    public BitSet writtenBlocks() { return (BitSet) writtenInEpoch.clone(); }

    /** Ends copy-on-write for this view. Heap blocks already read stay valid; spilled ones may be reused. */
    public synchronized void release() {
        if (!released) {
            released = true;
            overlay.unfreeze(chunks);
        }
    }
}
