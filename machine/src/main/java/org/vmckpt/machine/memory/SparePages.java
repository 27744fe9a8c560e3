package org.vmckpt.machine.memory;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Page arrays that copy-on-write may use instead of allocating new ones, while a live migration runs.
 *
 * <p>Why: during a migration memory stays frozen from the first round to the switch-over, so every page the guest
 * writes is copied (memdirty: about 26 MiB a second). Each copy is a new array in the collector's young generation,
 * and the next young collection promotes it into old-generation memory the process has not touched before: a page
 * fault per 4 KiB inside the collection's pause, which stops the guest (25-90 ms pauses on the source during the
 * rounds, docs/BENCHMARKS.md run 17). A spare is an array already in the old generation: copying into it allocates
 * nothing, so the young generation holds no guest pages and its collections stay short.
 *
 * <p>Where spares come from: a source that expects to migrate fills some at start-up ({@link #fill}, promoted while
 * the VM boots), and the migration hands back each array it no longer needs (the copy it sent of a page in an earlier
 * round, once it has sent a newer one: nothing else holds it; {@code MigrationSource}). They are used only while
 * {@link #setEnabled enabled} (a migration runs), so that checkpoints do not use up what the migration needs; or
 * always, with {@link #RECYCLE} (on by default; {@code -Dvmckpt.recycleFrozenPages=false} turns it off): then a checkpoint that is done with its
 * frozen view hands back every frozen array the guest replaced meanwhile ({@link FrozenMemory#releaseRecycling}), at
 * least as many as copy-on-write took during it, so a checkpoint takes nothing from what a migration needs.
 *
 * <p>Why checkpoints too: a live checkpoint copies every page the guest writes while it saves, and each copy was a
 * new array, promoted at the next young collection, while the frozen original it replaced became old-generation
 * garbage once the checkpoint was written: ~10 MB/s of it under memdirty with a checkpoint a second, and a full
 * collection (0.3-0.6 s, the guest stopped) every 5-9 minutes (docs/BENCHMARKS.md, round 63, the lead's section).
 * With the originals handed back, the next checkpoint's copies go into them: its copy-on-write allocates nothing.
 *
 * <p>Threading: one taker, the run thread ({@link #take}, from copy-on-write: allocates nothing); givers are
 * serialized by this object's lock (a migration thread, the start-up fill). A ring of fixed capacity.
 */
public final class SparePages {
    /**
     * Whether copy-on-write takes spares outside migrations too, and checkpoints hand back the arrays the guest replaced
     * during them ({@code -Dvmckpt.recycleFrozenPages}, on by default since round 64: its slot's later checkpoints spent
     * less time in the collector in 20 of 20 pairs, stalled less in 13 of 20; docs/BENCHMARKS.md).
     */
    public static final boolean RECYCLE = Boolean.parseBoolean(System.getProperty("vmckpt.recycleFrozenPages", "true"));

    private final AtomicReferenceArray<byte[]> ring;
    private final int capacity;
    /** The next slot to take (written by the taker only). */
    private volatile long head;
    /** The next slot to fill (written under the lock only). */
    private volatile long tail;
    private volatile boolean enabled;
    /** Take spares whether or not a migration runs ({@link #RECYCLE}); read by the taker. */
    private volatile boolean always;
    private long taken;
    /** Arrays frozen views handed back ({@link #recycle}; run thread; others read it racily). */
    private long recycled;
    /** Arrays frozen views had to leave to the collector, the ring being full (as {@link #recycled}). */
    private long overflowed;

    public SparePages(int capacity) {
        this(capacity, RECYCLE);
    }

    /** {@code always}: copy-on-write takes spares outside migrations too (as {@link #RECYCLE} sets it; tests). */
    public SparePages(int capacity, boolean always) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive");
        this.capacity = capacity;
        this.ring = new AtomicReferenceArray<>(capacity);
        this.always = always;
    }

    /** Whether frozen views hand back the arrays the guest replaced ({@link #RECYCLE}, or as set for a test). */
    public boolean recycling() {
        return always;
    }

    /** Turns {@link #RECYCLE}'s behaviour on or off for this memory (tests; set before the machine runs). */
    public void setRecycling(boolean on) {
        always = on;
    }

    /** Copy-on-write uses spares only while enabled (a live migration runs). */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** A spare page array (its contents are garbage: the caller overwrites all of it), or null: none, or not enabled. */
    byte[] take() {
        if (!enabled && !always) return null;
        long h = head;
        if (h == tail) return null;
        int slot = (int) (h % capacity);
        byte[] p = ring.get(slot);
        ring.set(slot, null);
        head = h + 1;
        taken++;
        return p;
    }

    /**
     * Hands back {@code page} (a {@link GuestMemory#PAGE_SIZE} array that nothing reads or writes any more, and never
     * will); returns false if the ring is full (the array is then left to the collector).
     */
    public synchronized boolean give(byte[] page) {
        if (page == null || page.length != GuestMemory.PAGE_SIZE) return false;
        long t = tail;
        if (t - head >= capacity) return false;
        ring.set((int) (t % capacity), page);
        tail = t + 1;
        return true;
    }

    /**
     * A frozen view's array the guest replaced, handed back by its release ({@link GuestMemory}; the run thread, or
     * with no run loop): as {@link #give}, counted.
     */
    void recycle(byte[] page) {
        if (give(page)) recycled++;
        else overflowed++;
    }

    /** Arrays frozen views handed back so far ({@link #recycle}). */
    public long recycled() {
        return recycled;
    }

    /** Arrays frozen views could not hand back, the ring being full. */
    public long overflowed() {
        return overflowed;
    }

    /** Allocates spares until {@code count} are held (at most the capacity); returns how many were added. */
    public int fill(int count) {
        int added = 0;
        while (size() < Math.min(count, capacity) && give(new byte[GuestMemory.PAGE_SIZE])) added++;
        return added;
    }

    /** Spares held now. */
    public int size() {
        return (int) (tail - head);
    }

    public int capacity() {
        return capacity;
    }

    /** Spares copy-on-write has taken so far (run thread; others read it racily). */
    public long taken() {
        return taken;
    }
}
