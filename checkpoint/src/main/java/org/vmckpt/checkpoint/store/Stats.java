package org.vmckpt.checkpoint.store;

import java.util.Set;

/**
 * Keys of the statistics stored with each checkpoint ({@link CheckpointInfo#stats()}).
 *
 * <p>The writer computes the counts and sizes itself at commit; the capture side may not set those keys.
 * The capture side sets the timings it knows ({@link #PAUSE_NS}, {@link #TOTAL_NS}) and may add keys of
 * its own; unknown keys are kept and shown as they are.
 */
public final class Stats {
    private Stats() {
    }

    // Pages, by kind, over the complete page table (they add up to pageCount).
    public static final String PAGES_ZERO = "pages.zero";
    public static final String PAGES_FREE = "pages.free";
    public static final String PAGES_DISK_BLOCK = "pages.disk_block";
    public static final String PAGES_DATA = "pages.data";
    /** Pages stored as references to bytes of a source file (disk base image, kernel, initramfs, firmware). */
    public static final String PAGES_SOURCE = "pages.source";
    /** DATA pages stored as their XOR with a boot file's page (manifest version 6; counted in {@link #PAGES_DATA} too). */
    public static final String PAGES_SOURCE_DELTA = "pages.source_delta";
    /** DATA pages stored by this checkpoint (the rest of the DATA pages are in the parent's packs). */
    public static final String PAGES_DATA_NEW = "pages.data.new";
    /** Pages an incremental checkpoint took from its parent unchanged. */
    public static final String PAGES_INHERITED = "pages.inherited";

    // Disk overlay blocks.
    public static final String DISK_BLOCKS = "disk.blocks";
    public static final String DISK_DATA = "disk.data";
    public static final String DISK_ZERO = "disk.zero";
    public static final String DISK_DATA_NEW = "disk.data.new";
    public static final String DISK_INHERITED = "disk.inherited";

    // Sizes.
    /** Bytes of page and block data this checkpoint stored, before compression (units * 4096). */
    public static final String BYTES_RAW = "bytes.raw";
    /** Size of the pack file this checkpoint wrote (0 if it needed none). */
    public static final String BYTES_PACK = "bytes.pack";
    /** Sum of the state record payloads. */
    public static final String BYTES_RECORDS = "bytes.records";

    // Timings, nanoseconds.
    /** Set by the writer: from {@code begin} to the start of the commit rename. */
    public static final String WRITE_NS = "time.write.ns";
    /** Set by the capture side: how long the guest was paused (downtime). */
    public static final String PAUSE_NS = "time.pause.ns";
    /** Set by the capture side: the whole checkpoint, pause to saved. */
    public static final String TOTAL_NS = "time.total.ns";

    // The garbage collector, set by the capture side: its stop-the-world pauses from the checkpoint's start to
    // just before its commit (the guest's thread stops for each; millisecond resolution).
    public static final String GC_PAUSES = "gc.pauses";
    public static final String GC_PAUSE_NS = "gc.pause.ns";
    public static final String GC_PAUSE_MAX_NS = "gc.pause.max.ns";

    // Set by the capture side (the engine), the one vocabulary from the engine to the CLI and QMP: how the
    // checkpoint's pages were classified (evicted pages are stored as references or kinds, not data) and the
    // parts of the pause.
    /** Pages stored as ZERO (no data). */
    public static final String EVICT_ZERO = "evict.zero";
    /** Pages stored as FREE: the guest reported them free, hinted them free or gave them to the balloon. */
    public static final String EVICT_FREE = "evict.free";
    /** Pages stored as references to disk base-image blocks. */
    public static final String EVICT_DISK = "evict.disk";
    /** Pages stored as references to the boot files (kernel, initramfs, firmware). */
    public static final String EVICT_BOOT = "evict.boot";
    /** Pages this checkpoint stored as a boot file's page plus a small delta (counted in pages.saved too). */
    public static final String EVICT_BOOT_DELTA = "evict.boot_delta";
    /** Pages stored as data. */
    public static final String PAGES_SAVED = "pages.saved";
    /** Pages an incremental checkpoint found unchanged since its parent. */
    public static final String PAGES_UNCHANGED = "pages.unchanged";
    /** Pages the guest wrote while frozen, so copied first. */
    public static final String PAGES_COW = "pages.cow";
    /** Instructions the guest had retired at the capture. */
    public static final String GUEST_INSTRET = "guest.instret";
    /** The freeze, inside the pause. */
    public static final String FREEZE_NS = "time.freeze.ns";
    /** CPU time of the capturing thread during the freeze. */
    public static final String FREEZE_CPU_NS = "time.freeze.cpu.ns";
    /** Bytes the capturing thread allocated during the freeze (-1 where the JVM does not count them). */
    public static final String FREEZE_ALLOCATED_BYTES = "freeze.allocated.bytes";
    /** Collections (young or full) that ran during the freeze: each stopped the guest inside the pause. */
    public static final String FREEZE_GCS = "freeze.gcs";
    /**
     * Wall time from the engine's request for an instruction boundary to the run thread starting the capture's task
     * (its wake from an idle guest, or its run to the end of a batch, plus any wait for a core): before the pause, not
     * in it (round 68).
     */
    public static final String BOUNDARY_WAIT_NS = "time.boundary.ns";
    /** Parts of the freeze (wall time): writing the state records. */
    public static final String FREEZE_RECORDS_NS = "time.freeze.records.ns";
    /** Parts of the freeze: freezing guest memory (page table, dirty log, write mappings). */
    public static final String FREEZE_MEMORY_NS = "time.freeze.memory.ns";
    /** Parts of the freeze: freezing the disk overlays. */
    public static final String FREEZE_DISKS_NS = "time.freeze.disks.ns";
    /** Parts of the freeze: collecting the balloon's free-page bitmaps. */
    public static final String FREEZE_BALLOON_NS = "time.freeze.balloon.ns";

    /** Keys the writer computes; {@link CheckpointWriter#setStat} refuses them. */
    static final Set<String> COMPUTED = Set.of(PAGES_ZERO, PAGES_FREE, PAGES_DISK_BLOCK, PAGES_DATA, PAGES_SOURCE, PAGES_SOURCE_DELTA, PAGES_DATA_NEW,
            PAGES_INHERITED, DISK_BLOCKS, DISK_DATA, DISK_ZERO, DISK_DATA_NEW, DISK_INHERITED, BYTES_RAW, BYTES_PACK,
            BYTES_RECORDS, WRITE_NS);
}
