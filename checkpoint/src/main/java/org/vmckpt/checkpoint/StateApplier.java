package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one path by which a checkpoint's state goes back into a machine: state records, memory pages and disk-overlay
 * blocks. Eager restore, lazy restore and both resets use it (eager and lazy restore bring their pages in through the
 * page loader, which writes guest memory as it reads). Callers read and check everything that can fail first, so that
 * applying never leaves a machine half restored; call on the run thread, or with no run loop.
 */
public final class StateApplier {
    private StateApplier() { }

    /** Records, then pages, then overlay blocks. */
    static void apply(Machine m, Collection<StateRecord> records, int[] pageIndex, byte[][] pageData, int pageCount,
                      Map<Long, byte[]> overlayBlocks) throws StateFormatException {
        records(m, records);
        pages(m.memory(), pageIndex, pageData, pageCount);
        overlayBlocks(m, overlayBlocks);
    }

    /** Loads every state part from its record ({@link StateRecords#load}: one rule for every loader). */
    static void records(Machine m, Collection<StateRecord> records) throws StateFormatException {
        StateRecords.load(m.stateParts(), records);
    }

    /** Puts {@code count} pages back: {@code data[i]} into page {@code index[i]} (null: a zero page). */
    static void pages(GuestMemory mem, int[] index, byte[][] data, int count) {
        for (int i = 0; i < count; i++) mem.restorePage(index[i], data[i]);
    }

    /**
     * Puts disk-overlay blocks back. Keys are {@link CheckpointPages#diskKey}s; a null value means the block is absent
     * from the overlay again (the base image shows through). Blocks of a write-through disk are skipped: it has no
     * overlay. Check {@link #missingDisk} first.
     */
    static void overlayBlocks(Machine m, Map<Long, byte[]> blocks) {
        List<VirtioBlk> disks = m.virtio().disks();
        for (Map.Entry<Long, byte[]> b : blocks.entrySet()) {
            int d = CheckpointPages.diskOf(b.getKey());
            if (d >= disks.size() || disks.get(d).isWriteThrough()) continue;
            disks.get(d).restoreOverlayBlock(CheckpointPages.blockOf(b.getKey()), b.getValue());
        }
    }

    /** The first disk number among {@code keys} that the machine does not have, or -1. */
    static int missingDisk(Machine m, Iterable<Long> keys) {
        int disks = m.virtio().disks().size();
        for (long k : keys) {
            int d = CheckpointPages.diskOf(k);
            if (d >= disks) return d;
        }
        return -1;
    }
}
