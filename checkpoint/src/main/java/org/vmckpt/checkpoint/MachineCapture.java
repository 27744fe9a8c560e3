package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.FrozenMemory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Everything a checkpoint needs, taken in one short pause at an instruction boundary: the state records
 * (small), and frozen views of memory and disk overlays (reference copies, no data copied). After
 * {@link #take} returns, the guest may run on; the frozen views never change.
 */
public final class MachineCapture {
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    final List<StateRecord> records;
    final FrozenMemory memory;
    final List<FrozenOverlay> disks;
    /** Pages the guest last reported free, was hinted free, or gave to the balloon (attribution of null pages). */
    final BitSet balloonFree;
    final long instret;
    final long pauseNanos;
    /** CPU time the capturing thread spent in the pause: the pause without the time the host scheduler took away. */
    final long pauseCpuNanos;
    /**
     * Where the pause went, wall nanoseconds per part: the state records, the memory's freeze, the disk overlays'
     * freeze, the balloon's bitmaps ({@link #PARTS} names them).
     */
    final long[] partNanos;
    /** The parts of the pause, in the order of {@link #partNanos}: the stat keys they are stored under. */
    static final String[] PARTS = {
        org.vmckpt.checkpoint.store.Stats.FREEZE_RECORDS_NS, org.vmckpt.checkpoint.store.Stats.FREEZE_MEMORY_NS,
        org.vmckpt.checkpoint.store.Stats.FREEZE_DISKS_NS, org.vmckpt.checkpoint.store.Stats.FREEZE_BALLOON_NS };

    private MachineCapture(List<StateRecord> records, FrozenMemory memory, List<FrozenOverlay> disks, BitSet balloonFree,
                           long instret, long pauseNanos, long pauseCpuNanos, long[] partNanos) {
        this.records = records;
        this.memory = memory;
        this.disks = disks;
        this.balloonFree = balloonFree;
        this.instret = instret;
        this.pauseNanos = pauseNanos;
        this.pauseCpuNanos = pauseCpuNanos;
        this.partNanos = partNanos;
    }

    /** Captures the machine. Call only at an instruction boundary (on the run thread, or with no run loop). */
    public static MachineCapture take(Machine m) {
        java.lang.management.ThreadMXBean cpu = THREADS;
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        List<StateRecord> records = StateRecords.save(m.stateParts());
        long t1 = System.nanoTime();
        FrozenMemory fm = m.memory().freeze();
        long t2 = System.nanoTime();
        List<FrozenOverlay> disks = new ArrayList<>();
        for (VirtioBlk d : m.virtio().disks()) disks.add(d.isWriteThrough() ? null : d.freezeOverlay());
        long t3 = System.nanoTime();
        BitSet free = new BitSet();
        VirtioBalloon b = m.virtio().balloon();
        if (b != null) {
            free.or(b.reportedFreePages());
            free.or(b.hintedFreePages());
            free.or(b.inflatedPages());
        }
        long t4 = System.nanoTime();
        long pauseCpu = cpu.getCurrentThreadCpuTime() - c0;
        return new MachineCapture(records, fm, disks, free, m.hart(0).instret, t4 - t0, pauseCpu,
                new long[] {t1 - t0, t2 - t1, t3 - t2, t4 - t3});
    }

    public long instret() {
        return instret;
    }

    public long pauseNanos() {
        return pauseNanos;
    }

    public FrozenMemory memory() {
        return memory;
    }

    /** The state records, in the machine's load order. */
    public List<StateRecord> records() {
        return List.copyOf(records);
    }

    /** Frozen disk overlays, one per disk ({@code null} for a write-through disk). */
    public List<FrozenOverlay> disks() {
        return java.util.Collections.unmodifiableList(disks);
    }

    /** Ends copy-on-write on memory and disks. */
    public void release() {
        memory.release();
        for (FrozenOverlay d : disks) if (d != null) d.release();
    }
}
