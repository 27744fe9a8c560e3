package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Page classification and eviction, the saver's half of a checkpoint: every page of a capture is INHERITED
 * (not written since the parent, incremental checkpoints), ZERO (untouched or all zero), FREE (the guest gave it
 * back through the balloon), SOURCE (still what a disk read or the boot loader put there: a reference to those
 * bytes, {@link PageSources}), SOURCE_DELTA (where the kernel Image was loaded, and patched by the kernel in a few
 * bytes: the file's page plus the XOR, {@link PageSources#kernelDelta}) or DATA (saved); disk-overlay blocks are ZERO or saved. Also asks the guest for free
 * page hints before a capture, and owns the page sources, read on a side thread once the guest has booted.
 */
final class PageClassifier {
    private static final byte[] ZERO_PAGE = new byte[GuestMemory.PAGE_SIZE];
    /** The longest the page sources wait for a lazy restore's pages before they are read anyway. */
    private static final long SOURCES_WAIT_NANOS = 10_000_000_000L;

    private final Machine machine;
    private final Lineage lineage;
    /** The files pages may refer to (disks, boot files), the boot files read in the background. */
    private final java.util.concurrent.CompletableFuture<PageSources> sources;
    /** The thread reading them (its priority is lifted when a checkpoint waits for it). */
    private final Thread sourcesThread;
    /** Counted down when someone asks for the sources: the thread stops waiting for the guest's first idle. */
    private final java.util.concurrent.CountDownLatch wanted = new java.util.concurrent.CountDownLatch(1);

    /**
     * The page sources' thread's priority: {@code MAX_PRIORITY - 1}, the compilers' and the translator's (nice -4 when
     * the launcher maps priorities to nice values, as root), below the run thread's (nice -5). It was Java priority 2,
     * nice 19 under the launcher (-XX:JavaPriority2_To_OSPriority=19), so that its 0.3-0.5 s of CPU took only what
     * nothing else wanted, back when it ran in the boot (docs/BENCHMARKS.md, round 19). But a Java thread taken off its
     * core while it runs Java code holds up every safepoint of the JVM until it gets a core back and reaches a poll,
     * and the guest's thread waits at that safepoint meanwhile; the threads that keep running through a safepoint (the
     * compilers, other processes) outrank a nice-19 or a nice-0 thread. Measured on booted memdirty VMs at load 8-25
     * with -XX:+SafepointTimeout naming the late threads (docs/BENCHMARKS.md, restore13): this thread late in 6 of 8
     * default-guest VMs at priority 2 (38-1,816 ms, guest heartbeat gaps up to 1.1 s at them), 3 of 5 at 5 (nice 0),
     * 2 of 5 at this priority; on a host that loaded it is still late at times (2 of 2 signed-guest VMs). It starts
     * after the boot (the guest's first idle), once per VM, so its CPU there takes a core for a few tenths of a second
     * at most. {@code -Dvmckpt.pageSources.priority} sets another, for A/B runs.
     */
    static final int SOURCES_PRIORITY = Integer.getInteger("vmckpt.pageSources.priority", Thread.MAX_PRIORITY - 1);
    /**
     * The longest the page sources wait, from the engine's start, for the guest's first idle or a checkpoint before they
     * are read anyway, in milliseconds: a guest that never idles (a benchmark's busy /init) has them within this much
     * of its start. {@code -Dvmckpt.pageSources.delayMillis} (read when an engine starts) sets another (0: at once, as
     * before round 21, for A/B runs).
     */
    static final long SOURCES_DELAY_MILLIS = 30_000L;
    /** How often the waiting thread looks at the guest's idle flag. */
    private static final long SOURCES_POLL_MILLIS = 50;

    PageClassifier(Machine machine, Repository repo, Lineage lineage) {
        this.machine = machine;
        this.lineage = lineage;
        this.sources = new java.util.concurrent.CompletableFuture<>();
        long delayNanos = Long.getLong("vmckpt.pageSources.delayMillis", SOURCES_DELAY_MILLIS) * 1_000_000L;
        this.sourcesThread = startPageSources(machine, repo, lineage.parentId(), sources, wanted, delayNanos);
    }

    /**
     * Reads the boot files once (hashing only those {@link FileDigests} does not remember: {@link PageSources#ofMachine}),
     * on a side thread ({@link #SOURCES_PRIORITY}), after the boot: by the first checkpoint they are normally ready and
     * evicting pages to them costs that checkpoint nothing extra. The thread starts its work at the first of: a checkpoint or migration asking for them
     * ({@link #pageSources}), the guest's first idle ({@link Machine#hasIdled}: the host has CPU to spare), or
     * {@link #SOURCES_DELAY_MILLIS} after the engine started. Until round 21 it started at once, and its 0.3-0.5 s of
     * CPU (more for a larger initramfs) fell in the guest's boot, when the run thread, C1, C2 and the translator thread
     * already keep both cores of a two-core host busy (docs/BENCHMARKS.md, rounds 19 and 21). The price: a checkpoint
     * asked for before then waits for the reading, before it pauses the guest (the pause is not longer; the
     * checkpoint's total time is). A guest restored lazily is bringing its pages in when this starts: the thread then
     * also waits until they are in (at most {@link #SOURCES_WAIT_NANOS}), as its CPU on a two-core host took a core from
     * the guest and the page loader in the guest's first second (docs/BENCHMARKS.md, restore10lazy).
     */
    private static Thread startPageSources(Machine machine, Repository repo, String parentId,
                                           java.util.concurrent.CompletableFuture<PageSources> f,
                                           java.util.concurrent.CountDownLatch wanted, long delayNanos) {
        Thread t = new Thread(() -> {
            try {
                long start = System.nanoTime();
                while (!machine.hasIdled() && System.nanoTime() - start < delayNanos) {
                    if (wanted.await(SOURCES_POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) break;
                }
                long deadline = System.nanoTime() + SOURCES_WAIT_NANOS;
                while (machine.memory().isLoadingLazily() && System.nanoTime() < deadline) Thread.sleep(20);
                try {
                    GcPauses.listen(); // held back during a lazy restore's load (CheckpointEngine)
                } catch (RuntimeException e) {
                    // without the reports a checkpoint's longest pause is estimated from the counters (GcPauses)
                }
                PageSources s = PageSources.ofMachine(machine, repo, parentId);
                f.complete(s);
                s.keepUnpackedInitramfs(); // after the sources are handed out: a checkpoint waiting for them does not wait for this
            } catch (Throwable e) {
                f.complete(null); // eviction is an optimisation: without the sources, such pages are saved as data
            }
        }, "vmckpt-page-sources");
        t.setDaemon(true);
        t.setPriority(SOURCES_PRIORITY);
        t.start();
        return t;
    }

    /** Whether the page sources have been read (or found unreadable), without waiting or asking for them. */
    boolean pageSourcesDone() {
        return sources.isDone();
    }

    /** The page sources, waiting for the side thread if it is still reading; null if they could not be read. */
    PageSources pageSources() {
        try {
            // A checkpoint waits: the thread works at least at the waiting thread's priority. (Priority 2, which
            // -Dvmckpt.pageSources.priority may choose for an A/B run, is nice 19 under the launcher: below the
            // saver's 1, nice 4, so it takes the waiter's too.)
            if (!sources.isDone()) {
                int waiter = Thread.currentThread().getPriority();
                if (waiter > sourcesThread.getPriority() || sourcesThread.getPriority() == 2) sourcesThread.setPriority(waiter);
                wanted.countDown();
            }
            return sources.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    /** Asks the guest's balloon driver for free page hints and gives it a bounded time to answer. */
    void requestFreePageHints() throws Exception {
        VirtioBalloon b = machine.virtio().balloon();
        if (b == null) return;
        int id = machine.callAtInstructionBoundary(b::startFreePageHint);
        if (id < 0) return;
        // The guest answers from a kernel worker; give it a bounded time to report (it runs while we wait).
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            VirtioBalloon.FreePageHintState s = machine.callAtInstructionBoundary(b::freePageHintState);
            if (s != VirtioBalloon.FreePageHintState.REQUESTED && s != VirtioBalloon.FreePageHintState.STARTED) break;
            Thread.sleep(5);
        }
    }

    /** Classifies and writes every page of the capture; returns the counts under their {@link Stats} keys. */
    Map<String, Long> writePages(CheckpointWriter w, MachineCapture cap, CheckpointOptions opt, PageSources sources,
                                 boolean incremental, ProgressListener progress) throws IOException {
        FrozenMemory fm = cap.memory();
        int n = fm.pageCount();
        long[] counts = new long[PageKind.values().length];
        // Runs of ZERO, FREE and INHERITED pages are put as ranges; DATA and SOURCE pages one by one.
        PageKind runKind = null;
        int runStart = 0;
        long bootRefs = 0;
        for (int i = 0; i < n; i++) {
            PageKind kind;
            PageOrigin origin = null;
            long ref = -1;
            byte[] p = null;
            byte[] delta = null;
            if (incremental && !lineage.pageWritten(i)) {
                kind = PageKind.INHERITED;
            } else {
                p = fm.page(i);
                if (p == null) {
                    kind = opt.evictFree() && cap.balloonFree().get(i) ? PageKind.FREE : PageKind.ZERO;
                    if (kind == PageKind.ZERO && !opt.evictZero()) { kind = PageKind.DATA; p = ZERO_PAGE; }
                } else if (opt.evictZero() && GuestMemory.isZeroPage(p)) {
                    kind = PageKind.ZERO;
                } else {
                    origin = sources != null ? fm.completeOrigin(i) : null;
                    if (origin != null && !sources.confirm(origin, p, cap.disks())) origin = null;
                    if (origin == null && sources != null) ref = sources.findInInitramfs(p); // unpacked by the guest itself
                    kind = origin != null || ref >= 0 ? PageKind.SOURCE : PageKind.DATA;
                    if (kind == PageKind.DATA && sources != null && (delta = sources.kernelDelta(i, p)) != null) kind = PageKind.SOURCE_DELTA;
                }
            }
            counts[kind.ordinal()]++;
            boolean rangeKind = kind == PageKind.ZERO || kind == PageKind.FREE || kind == PageKind.INHERITED;
            if (runKind != null && (kind != runKind || !rangeKind)) {
                w.putPageKindRange(runStart, i, runKind);
                runKind = null;
            }
            if (rangeKind) {
                if (runKind == null) { runKind = kind; runStart = i; }
            } else if (kind == PageKind.SOURCE) {
                int source = origin != null ? origin.source() : (int) (ref >>> 40);
                w.putPageSource(i, source, origin != null ? origin.firstSector() : ref & ((1L << 40) - 1));
                if (!PageSources.isDisk(source)) bootRefs++;
            } else if (kind == PageKind.SOURCE_DELTA) {
                w.putPageDelta(i, delta, PageOrigin.KERNEL, sources.kernelSector(i));
            } else {
                w.putPage(i, p);
            }
            if ((i & 0x3fff) == 0) progress.progress("pages", i, n);
        }
        if (runKind != null) w.putPageKindRange(runStart, n, runKind);
        progress.progress("pages", n, n);
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(Stats.EVICT_ZERO, counts[PageKind.ZERO.ordinal()]);
        m.put(Stats.EVICT_FREE, counts[PageKind.FREE.ordinal()]);
        m.put(Stats.EVICT_DISK, counts[PageKind.SOURCE.ordinal()] - bootRefs);
        m.put(Stats.EVICT_BOOT, bootRefs);
        m.put(Stats.EVICT_BOOT_DELTA, counts[PageKind.SOURCE_DELTA.ordinal()]);
        m.put(Stats.PAGES_SAVED, counts[PageKind.DATA.ordinal()] + counts[PageKind.SOURCE_DELTA.ordinal()]);
        m.put(Stats.PAGES_UNCHANGED, counts[PageKind.INHERITED.ordinal()]);
        return m;
    }

    /** Writes the disk-overlay blocks of the capture (incremental: those written since the parent). */
    void writeDisks(CheckpointWriter w, MachineCapture cap, boolean incremental) throws IOException {
        for (int d = 0; d < cap.disks().size(); d++) {
            FrozenOverlay o = cap.disks().get(d);
            if (o == null) continue;
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) {
                if (incremental && !lineage.diskBlockWritten(d, b)) continue;
                byte[] data = o.block(b);
                if (GuestMemory.isZeroPage(data)) w.putDiskBlockKind(CheckpointPages.diskKey(d, b), PageKind.ZERO);
                else w.putDiskBlock(CheckpointPages.diskKey(d, b), data);
            }
        }
    }
}
