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
 * heap is committed at its full size from the start ({@code -XX:InitialRAMPercentage=25}) and is not shrunk below
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
}
