package org.vmckpt.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Faults in the heap a migration is about to fill, while the destination waits for it.
 *
 * <p>Every page that arrives is a 4 KiB array, promoted into the old generation by a young collection (the
 * launcher's {@code -Xmn16m -XX:MaxTenuringThreshold=0}). The parallel collector's old generation grows into memory
 * the process has never touched, so each of those collections also takes a page fault for every 4 KiB it copies:
 * on this project's 2-core VM a fault costs 10-30 us, and a 1 GiB memdirty migration's destination spent 2.3-3.9 s
 * of its collectors' CPU and most of the migration's wall time in them (docs/BENCHMARKS.md, migration run 15). The
 * heap is committed at its full size from the start (the launcher's {@code -Xms}, its minimum too) and is not shrunk below
 * it, so memory touched once stays mapped: this fills {@code bytes} of free heap with large arrays (each zeroed by
 * the JVM, which faults its pages in), drops them, and runs a full collection, which compacts the live objects back
 * to the bottom of the old generation. The collections during the migration then promote into memory already
 * mapped. The price: the process's resident size grows by {@code bytes} at once (QEMU's {@code -mem-prealloc}
 * makes the same trade for its guest RAM), and the time it takes (before the destination listens).
 */
final class HeapPrefault {
    private HeapPrefault() { }

    /** Arrays at least half of eden (with -Xmn16m) go straight to the old generation; smaller ones are promoted there. */
    static final int BLOCK = 8 << 20;
    /** Heap left untouched by the prefault, for everything else the process does. */
    static final long MARGIN = 256L << 20;

    /**
     * Touches up to {@code bytes} of free heap (less if the heap has less room, keeping {@link #MARGIN} free), then
     * collects it again. Returns the bytes touched.
     */
    static long touch(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long n = Math.max(0, Math.min(bytes, free - MARGIN)) / BLOCK;
        List<byte[]> blocks = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) blocks.add(new byte[BLOCK]);
        blocks.clear();
        System.gc(); // the blocks are garbage: compact the old generation back below the memory they touched
        return n * BLOCK;
    }

    /**
     * A source's heap holds at most this much when it is prefaulted ({@link #forSource}): the full collection then has
     * almost nothing to move. A VM restored with more (its pages) is not prefaulted.
     */
    static final long SOURCE_NEARLY_EMPTY = 128L << 20;

    /**
     * The same for a VM that expects to migrate (started with migration credentials or --insecure), before its guest
     * runs, while the heap is nearly empty. Why: a source's young collections during a migration promote what is live
     * in the young generation then (the migration's bitmaps and digests, frames in flight, copy-on-write copies past
     * the spares) at the old generation's top, into memory the process never touched: 2-3.5 ms of faults per MiB on
     * this project's 2-core VM, inside the pause that stops the guest (docs/BENCHMARKS.md, migration run 21). With the
     * old generation's first {@code bytes} above the boot's data mapped, those promotions land in mapped memory as long
     * as the old generation's top (live pages plus the garbage of replaced ones, which only a full collection removes)
     * stays below it. Before the guest runs, not beside it: on a thread of its own at the lowest priority, at load
     * 20-25, it took a minute, its full collection came after the guest had filled its memory (1.6 s) or never
     * (a migration stopped it first, its blocks left as garbage). The price: the VM's start waits for it (the touch
     * about 2 s per GiB at load ~10 on that VM, the full collection 0.65-2.3 s at load 14-22), and the process's
     * resident size grows by {@code bytes} at once, as a destination's does. Returns the bytes touched (0 when the heap already holds more than {@link #SOURCE_NEARLY_EMPTY}).
     */
    static long forSource(long bytes) {
        Runtime rt = Runtime.getRuntime();
        if (rt.totalMemory() - rt.freeMemory() > SOURCE_NEARLY_EMPTY) return 0;
        return touch(bytes);
    }
}
