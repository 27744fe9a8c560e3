package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reset: rolls the running VM back to a checkpoint (not a reboot: the guest continues from the checkpoint's state).
 * Two paths, both ending in {@link StateApplier#apply}: from the retained capture of the last checkpoint (memory
 * only, when {@code --keep-for-reset} kept it frozen), or from the repository (only the pages and blocks written
 * since, for the VM's own last checkpoint; everything for another checkpoint of a compatible machine). Holds the
 * retained capture; the engine hands it over after a checkpoint and drops it when memory must be frozen again.
 */
final class CheckpointReset {
    private final Machine machine;
    private final Repository repo;
    private final ReentrantLock oneAtATime;
    private final Lineage lineage;
    /**
     * The capture of the last checkpoint, kept frozen when asked ({@link CheckpointEngine#setRetainForReset}): a reset
     * to it then copies pages from memory instead of reading the repository. Costs one copy of each page the guest
     * writes. Touched only on the run thread.
     */
    private MachineCapture retained;

    CheckpointReset(Machine machine, Repository repo, ReentrantLock oneAtATime, Lineage lineage) {
        this.machine = machine;
        this.repo = repo;
        this.oneAtATime = oneAtATime;
        this.lineage = lineage;
    }

    /** Keeps {@code cap} (the last checkpoint's capture) for fast resets, releasing the one kept before. Run thread. */
    void retain(MachineCapture cap) {
        dropRetained();
        retained = cap;
    }

    /**
     * Releases the retained capture, if any: memory holds one frozen view at a time. Run thread. Nothing reads it
     * after this (its checkpoint was committed, resets run on this thread), so the arrays the guest replaced since go
     * to copy-on-write's spares ({@link MachineCapture#releaseRecycling}).
     */
    void dropRetained() {
        if (retained != null) {
            retained.releaseRecycling();
            retained = null;
        }
    }

    /**
     * Rolls the running VM back to a checkpoint. For the VM's own last checkpoint (or the one it was restored
     * from) only the pages and disk blocks written since are restored, from memory if the checkpoint's frozen
     * view was retained, else from the repository. Any other checkpoint of a compatible machine is loaded
     * whole. The VM is paused for the duration and then continues from the checkpoint's state.
     */
    CheckpointEngine.ResetOutcome reset(String ref) throws Exception {
        oneAtATime.lock();
        try {
            String id = repo.resolve(ref);
            if (id.equals(lineage.parentId())) {
                CheckpointEngine.ResetOutcome fast = machine.callAtInstructionBoundary(this::resetFromRetainedMemory);
                if (fast != null) return fast;
            }
        } finally {
            oneAtATime.unlock();
        }
        oneAtATime.lock();
        try (org.vmckpt.checkpoint.store.Checkpoint ckpt = repo.open(ref)) {
            java.util.List<String> diffs = MachineDescription.differences(ckpt.config(), machine.config().identity());
            if (!diffs.isEmpty()) {
                throw new RestoreException("checkpoint " + ckpt.id() + " is of a different machine (" + String.join("; ", diffs) + ")");
            }
            // Read and check everything that can fail before touching the machine.
            String mismatch = StateRecords.mismatch(machine.stateParts(), ckpt.records().values());
            if (mismatch != null) throw new RestoreException("checkpoint " + ckpt.id() + " has " + mismatch);
            boolean sameLineage = ckpt.id().equals(lineage.parentId());
            return machine.callAtInstructionBoundary(() -> resetOnRunThread(ckpt, sameLineage));
        } finally {
            oneAtATime.unlock();
        }
    }

    /**
     * The fast path of a reset, on the run thread: the target is the last checkpoint and its capture was
     * retained, so everything comes from memory (no repository access): the state records as captured, the
     * pages written since (this epoch's dirty log) copied back from the frozen view, and the disk blocks whose
     * array is no longer the frozen one. Returns null if nothing is retained.
     */
    private CheckpointEngine.ResetOutcome resetFromRetainedMemory() throws Exception {
        MachineCapture cap = retained;
        if (cap == null) return null;
        long t0 = System.nanoTime();
        GuestMemory mem = machine.memory();
        java.util.List<org.vmckpt.machine.state.Snapshottable> parts = machine.stateParts();
        if (StateRecords.mismatch(parts, cap.records()) != null) return null;
        long[] written = mem.startNewEpoch();
        int count = 0;
        for (long w : written) count += Long.bitCount(w);
        int[] idx = new int[count];
        byte[][] data = new byte[count][];
        int k = 0;
        for (int w = 0; w < written.length; w++) {
            long bits = written[w];
            while (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                idx[k] = i;
                data[k++] = cap.memory().page(i);
            }
        }
        java.util.Map<Long, byte[]> blocks = new java.util.LinkedHashMap<>();
        java.util.List<VirtioBlk> disks = machine.virtio().disks();
        for (int d = 0; d < disks.size() && d < cap.disks().size(); d++) {
            FrozenOverlay frozen = cap.disks().get(d);
            if (frozen == null) continue;
            org.vmckpt.machine.device.virtio.DiskOverlay o = disks.get(d).overlay();
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) {
                if (o.sameAs(frozen, b)) continue;
                byte[] then = frozen.block(b);
                blocks.put(CheckpointPages.diskKey(d, b), then == null ? null : then.clone());
            }
        }
        StateApplier.apply(machine, cap.records(), idx, data, count, blocks);
        mem.startNewEpoch(); // the restored pages equal the checkpoint: they are not "written since" it
        lineage.pagesPutBack();
        return new CheckpointEngine.ResetOutcome(lineage.parentId(), count, System.nanoTime() - t0, true);
    }

    /**
     * A reset that reads the repository, on the run thread. Everything that can fail (reading pages and blocks) is
     * staged before anything is applied, so the machine is never left half reset.
     */
    private CheckpointEngine.ResetOutcome resetOnRunThread(org.vmckpt.checkpoint.store.Checkpoint ckpt, boolean sameLineage) throws Exception {
        long t0 = System.nanoTime();
        GuestMemory mem = machine.memory();
        BitSet pages;
        if (sameLineage) {
            pages = lineage.pagesWritten();
            for (int i = 0; i < mem.pageCount(); i++) if (mem.isDirty(i)) pages.set(i);
        } else {
            pages = new BitSet(mem.pageCount());
            pages.set(0, mem.pageCount());
        }
        int count = pages.cardinality();
        int[] idx = new int[count];
        byte[][] data = new byte[count][];
        PageSources sources = PageSources.forCheckpoint(ckpt, machine);
        int k = 0;
        for (int i = pages.nextSetBit(0); i >= 0; i = pages.nextSetBit(i + 1)) {
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            PageKind kind = CheckpointPages.read(ckpt, sources, i, buf);
            idx[k] = i;
            data[k++] = (kind == PageKind.ZERO || kind == PageKind.FREE) ? null : buf;
        }
        // Disk overlays: every block the overlay holds now, and every block the checkpoint's overlay held, back to
        // the checkpoint's contents (null: the base image shows through again).
        java.util.List<VirtioBlk> disks = machine.virtio().disks();
        java.util.Map<Long, byte[]> blocks = new java.util.LinkedHashMap<>();
        for (int d = 0; d < disks.size(); d++) {
            if (disks.get(d).isWriteThrough()) continue;
            org.vmckpt.machine.device.virtio.DiskOverlay o = disks.get(d).overlay();
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) blocks.put(CheckpointPages.diskKey(d, b), null);
        }
        for (org.vmckpt.checkpoint.store.Extent e : ckpt.diskExtents()) {
            for (long j = 0; j < e.length(); j++) blocks.put(e.start() + j, null);
        }
        for (java.util.Map.Entry<Long, byte[]> b : blocks.entrySet()) {
            int d = CheckpointPages.diskOf(b.getKey());
            if (d >= disks.size() || disks.get(d).isWriteThrough()) continue;
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            if (ckpt.readDiskBlock(b.getKey(), buf) != null) b.setValue(buf);
        }
        // Apply. The retained frozen view (if any) belongs to another state from now on: drop it.
        dropRetained();
        StateApplier.apply(machine, ckpt.records().values(), idx, data, count, blocks);
        mem.startNewEpoch();
        for (VirtioBlk d : disks) if (!d.isWriteThrough()) d.freezeOverlay().release();
        lineage.startFrom(ckpt.id());
        return new CheckpointEngine.ResetOutcome(ckpt.id(), count, System.nanoTime() - t0, false);
    }

}
