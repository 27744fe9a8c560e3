package org.vmckpt.machine;

import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.memory.FrozenMemory;

import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/**
 * The machine at one instruction boundary, as {@link Machine#capture()} takes it: every state part's record,
 * frozen views of memory and of the disk overlays (reference copies: the guest may run on, copy-on-write keeps these
 * views as they were), the pages the guest gave back (balloon), and the hart's retired-instruction count.
 *
 * <p>Records are plain (name, version, bytes) triples, not a record type: the machine knows nothing of how a
 * checkpoint stores them, and the engine wraps them in its own one record type. Call {@link #release()} when done,
 * or every later guest write keeps paying for copy-on-write.
 */
public final class MachineImage {
    private final String[] recordNames;
    private final int[] recordVersions;
    /** Every record one after another (one array, written in the capture's pause: no array per record there). */
    private final byte[] records;
    /** Record {@code i} is {@code records[offsets[i], offsets[i + 1])}. */
    private final int[] offsets;
    private final FrozenMemory memory;
    private final List<FrozenOverlay> disks;
    /** The balloon's three page sets' words as the capture copied them (null without a balloon). */
    private final long[][] givenWords;
    /** {@link #freePages} made from {@link #givenWords} at its first call (after the pause, on the caller's thread). */
    private volatile BitSet freePages;
    private final long instret;
    private final long[] partNanos;
    /** The diagnostic's times ({@link #recordNanos}): the capture's start and each record's end; null when off. */
    private final long[] recordDone;
    private final long captureStart;

    MachineImage(String[] recordNames, int[] recordVersions, byte[] records, int[] offsets, FrozenMemory memory,
                 List<FrozenOverlay> disks, long[][] givenWords, long instret, long[] partNanos,
                 long captureStart, long[] recordDone) {
        this.captureStart = captureStart;
        this.recordDone = recordDone;
        this.recordNames = recordNames;
        this.recordVersions = recordVersions;
        this.records = records;
        this.offsets = offsets;
        this.memory = memory;
        this.disks = Collections.unmodifiableList(disks);
        this.givenWords = givenWords;
        this.instret = instret;
        this.partNanos = partNanos;
    }

    /** How many state records, in the machine's load order ({@link Machine#stateParts()}). */
    public int recordCount() {
        return recordNames.length;
    }

    /** Record {@code i}'s name ({@code Snapshottable.stateName}). */
    public String recordName(int i) {
        return recordNames[i];
    }

    /** Record {@code i}'s layout version ({@code Snapshottable.stateVersion}). */
    public int recordVersion(int i) {
        return recordVersions[i];
    }

    /**
     * Record {@code i}'s bytes, as the part wrote them: a new copy a call, made on the caller's thread (the capture wrote
     * every record into one array, so that the guest's pause made no array per record).
     */
    public byte[] recordBytes(int i) {
        return java.util.Arrays.copyOfRange(records, offsets[i], offsets[i + 1]);
    }

    /** Record {@code i}'s length in bytes. */
    public int recordLength(int i) {
        return offsets[i + 1] - offsets[i];
    }

    /** Guest memory as it was at the capture. */
    public FrozenMemory memory() {
        return memory;
    }

    /** One frozen overlay per disk, in the machine's disk order ({@code null} for a write-through disk). */
    public List<FrozenOverlay> disks() {
        return disks;
    }

    /**
     * Pages the guest last reported free, was hinted free, or gave to the balloon (not copied: do not change). Made at
     * the first call, the union of the balloon's three sets as the capture copied them.
     */
    public BitSet freePages() {
        BitSet f = freePages;
        if (f == null) {
            f = new BitSet();
            if (givenWords != null) for (long[] w : givenWords) f.or(BitSet.valueOf(w));
            freePages = f;
        }
        return f;
    }

    /** Instructions hart 0 had retired at the capture. */
    public long instret() {
        return instret;
    }

    /**
     * Where the capture's time went, wall nanoseconds: {@code [0]} writing the state records, {@code [1]} freezing
     * memory, {@code [2]} freezing the disk overlays, {@code [3]} reading the balloon's bitmaps. A copy.
     */
    public long[] partNanos() {
        return partNanos.clone();
    }

    /**
     * With {@code -Dvmckpt.capture.traceRecords=true} (a diagnostic), how long each part's record took to write, wall
     * nanoseconds in load order; else null.
     */
    public long[] recordNanos() {
        if (recordDone == null) return null;
        long[] out = new long[recordDone.length];
        long from = captureStart;
        for (int i = 0; i < out.length; i++) {
            out[i] = recordDone[i] - from;
            from = recordDone[i];
        }
        return out;
    }

    /** Ends copy-on-write on memory and the disk overlays. */
    public void release() {
        memory.release();
        for (FrozenOverlay d : disks) if (d != null) d.release();
    }

    /**
     * As {@link #release}, and memory's arrays the guest replaced since the freeze go to copy-on-write's spares
     * ({@link FrozenMemory#releaseRecycling}: only when nothing reads this image any more, on the run thread).
     */
    public void releaseRecycling() {
        memory.releaseRecycling();
        for (FrozenOverlay d : disks) if (d != null) d.release();
    }
}
