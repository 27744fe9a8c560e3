package org.vmckpt.checkpoint.migration;

import org.vmckpt.machine.memory.GuestMemory;

/**
 * Page arrays a destination allocates before it listens, so that the pages that arrive are copied into arrays already
 * in the old generation instead of new ones.
 *
 * <p>Why: every page a destination receives was a new 4 KiB array in the collector's young generation (-Xmn16m), and
 * a young collection copied it into the old generation: a 1 GiB memdirty guest's migration made 38 young collections on
 * the destination, 148-330 ms of stop-the-world time on both cores, while the source's guest ran on the same two
 * cores (docs/BENCHMARKS.md run 19), and post-copy's pages after GO still arrive while the guest runs there. Arrays
 * allocated while the destination waits are promoted then, off every guest's path.
 *
 * <p>Arrays go one way: {@link #fill} allocates them, {@link #take} hands each out once (its contents are garbage: the
 * taker overwrites all of it). Nothing is ever given back, so no array can be handed out while something else still
 * holds it. Thread-safe (the receiving thread before GO, post-copy's receiver after it).
 */
public final class PageArrayPool {
    private byte[][] arrays = new byte[0][];
    private int count;
    private long taken;

    /** Allocates arrays until {@code target} are held; returns how many were added. */
    public synchronized int fill(int target) {
        if (target < 0) throw new IllegalArgumentException("target " + target);
        if (arrays.length < target) arrays = java.util.Arrays.copyOf(arrays, target);
        int added = 0;
        while (count < target) {
            arrays[count++] = new byte[GuestMemory.PAGE_SIZE];
            added++;
        }
        return added;
    }

    /** An array no one else holds, or null when the pool is empty (the caller then allocates one). */
    public synchronized byte[] take() {
        if (count == 0) return null;
        byte[] a = arrays[--count];
        arrays[count] = null;
        taken++;
        return a;
    }

    /** Drops every array still held (once the migration is in: the collector may reclaim them). */
    public synchronized void clear() {
        java.util.Arrays.fill(arrays, 0, count, null);
        count = 0;
        arrays = new byte[0][];
    }

    public synchronized int size() {
        return count;
    }

    /** Arrays handed out so far. */
    public synchronized long taken() {
        return taken;
    }
}
