package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.CaptureRoom;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineImage;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.memory.FrozenMemory;

import java.util.BitSet;
import java.util.List;

/**
 * The engine's side of a capture: the machine's {@link MachineImage} ({@link Machine#capture()}, taken in one short
 * pause at an instruction boundary), its state records wrapped in the store's one record type, and how long the
 * pause took. After {@link #take} returns, the guest may run on; the frozen views never change.
 */
public final class MachineCapture {
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** The image's state records in the store's record type: made at the first {@link #records()}, after the pause. */
    private List<StateRecord> records;
    final long pauseNanos;
    /** Bytes the capturing thread allocated in the pause (-1 where the JVM does not count them). */
    final long pauseAllocatedBytes;
    /** Collections (young or full) that ran during the pause: each stopped the guest inside it. */
    final long pauseCollections;
    /** CPU time the capturing thread spent in the pause: the pause without the time the host scheduler took away. */
    final long pauseCpuNanos;
    /** The parts of the pause, in the order of {@link #partNanos}: the stat keys they are stored under. */
    static final String[] PARTS = {
        org.vmckpt.checkpoint.store.Stats.FREEZE_RECORDS_NS, org.vmckpt.checkpoint.store.Stats.FREEZE_MEMORY_NS,
        org.vmckpt.checkpoint.store.Stats.FREEZE_DISKS_NS, org.vmckpt.checkpoint.store.Stats.FREEZE_BALLOON_NS };
    private final MachineImage image;
    /** The captured machine: its run thread ends copy-on-write ({@link #release}). */
    private final Machine machine;
    /** {@code -Dvmckpt.capture.trace=true}: a line per capture on stderr with the pausing thread's faults (a diagnostic). */
    private static final boolean TRACE = Boolean.getBoolean("vmckpt.capture.trace");

    private MachineCapture(Machine machine, MachineImage image, long pauseNanos, long pauseCpuNanos,
                           long pauseAllocatedBytes, long pauseCollections) {
        this.machine = machine;
        this.image = image;
        this.pauseNanos = pauseNanos;
        this.pauseCpuNanos = pauseCpuNanos;
        this.pauseAllocatedBytes = pauseAllocatedBytes;
        this.pauseCollections = pauseCollections;
    }

    /**
     * Captures the machine, with the capture's arrays made here (inside the pause when called there). Call only at an
     * instruction boundary (on the run thread, or with no run loop).
     */
    public static MachineCapture take(Machine m) {
        return take(m, m.captureRoom());
    }

    /**
     * Captures the machine into {@code room} ({@link Machine#captureRoom}, made by the caller before the boundary, off
     * the guest's pause). Call only at an instruction boundary (on the run thread, or with no run loop). Nothing here
     * but the capture allocates: the records become the store's type later ({@link #records()}).
     */
    public static MachineCapture take(Machine m, CaptureRoom room) {
        java.lang.management.ThreadMXBean cpu = THREADS;
        long[] before = TRACE ? CaptureTrace.threadCounts() : null;
        java.util.Map<String, long[]> threadsBefore = TRACE ? ThreadTimes.byName() : null;
        if (TRACE) before[4] = CaptureTrace.runQueueNanos();
        long g0 = PauseCounts.collections();
        long a0 = PauseCounts.allocatedByThisThread();
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        MachineImage image = m.capture(room);
        long t1 = System.nanoTime();
        long pause = t1 - t0;
        long pauseCpu = cpu.getCurrentThreadCpuTime() - c0;
        long a1 = PauseCounts.allocatedByThisThread();
        long collections = PauseCounts.collections() - g0;
        if (TRACE) {
            long runQueue = CaptureTrace.runQueueNanos();
            long[] after = CaptureTrace.threadCounts();
            after[4] = runQueue;
            java.util.Map<String, long[]> threadsAfter = ThreadTimes.byName();
            CaptureTrace.print(t0, t1, pauseCpu, before, after, image.partNanos());
            System.err.println("vmckpt: capture trace: collections in the pause " + collections + ", allocated in it "
                    + (a0 < 0 || a1 < 0 ? -1 : a1 - a0) + " bytes");
            long[] each = image.recordNanos();
            if (each != null) {
                StringBuilder sb = new StringBuilder("vmckpt: capture trace: records (us):");
                for (int i = 0; i < each.length; i++) sb.append(' ').append(image.recordName(i)).append('=').append(each[i] / 1000);
                System.err.println(sb);
            }
            System.err.println("vmckpt: capture trace: this process's threads on a CPU around the pause (ms): "
                    + ThreadTimes.cpuDelta(threadsBefore, threadsAfter, 20_000));
        }
        return new MachineCapture(m, image, pause, pauseCpu, a0 < 0 || a1 < 0 ? -1 : a1 - a0, collections);
    }

    public long instret() {
        return image.instret();
    }

    public long pauseNanos() {
        return pauseNanos;
    }

    public FrozenMemory memory() {
        return image.memory();
    }

    /**
     * The state records, in the machine's load order (an unmodifiable list, made at the first call: on the caller's
     * thread, after the pause).
     */
    public synchronized List<StateRecord> records() {
        if (records == null) records = List.copyOf(StateRecords.of(image));
        return records;
    }

    /** Frozen disk overlays, one per disk ({@code null} for a write-through disk). */
    public List<FrozenOverlay> disks() {
        return image.disks();
    }

    /** Pages the guest last reported free, was hinted free, or gave to the balloon (attribution of null pages). */
    BitSet balloonFree() {
        return image.freePages();
    }

    /**
     * Where the pause went, wall nanoseconds per part, as {@link MachineImage#partNanos} measured them: the state
     * records, the memory's freeze, the disk overlays' freeze, the balloon's bitmaps ({@link #PARTS} names them).
     */
    long[] partNanos() {
        return image.partNanos();
    }

    /**
     * Ends copy-on-write on memory and disks, on the machine's run thread whatever the caller's (at an instruction
     * boundary, waiting for it; here if this is that thread or no run loop runs). Why: the unfreeze empties the origins
     * memory moved aside for the view, which the run thread writes as the guest changes a frozen page
     * ({@code GuestMemory.noteChange}); released from the checkpoint's thread (as it was until round 65), an entry the
     * run thread wrote in that moment outlived the view and could name a page array the guest had since written in
     * place. Interrupted while waiting, the release is handed to the run thread ({@link Machine#submit}), which does it
     * at its next boundary, before any later capture (requests run in order).
     */
    public void release() {
        try {
            machine.callAtInstructionBoundary(() -> {
                image.release();
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            machine.submit(image::release);
        } catch (Exception e) {
            throw new IllegalStateException("releasing a capture failed", e); // image.release() throws nothing
        }
    }

    /**
     * Ends copy-on-write on memory and disks, and hands memory's arrays the guest replaced since the capture to
     * copy-on-write's spares (with {@code -Dvmckpt.recycleFrozenPages}): only once nothing reads this capture any
     * more, on the run thread ({@link org.vmckpt.machine.memory.FrozenMemory#releaseRecycling}).
     */
    public void releaseRecycling() {
        image.releaseRecycling();
    }
}
