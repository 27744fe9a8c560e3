package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.machine.Machine;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;
import org.vmckpt.machine.memory.PageSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Lazy restore: the guest runs at once; a page is read from the repository on its first touch, and background
 * threads stream the rest ({@link PageLoader}: frames read, checked and decompressed in parallel), starting with
 * the guest's working set recorded at checkpoint time ({@link Checkpoint#workingSet}: the pages it wrote in its
 * last epoch, which it is likely to touch first again). When the guest touches a page that has not arrived, the
 * run thread reads just the frame holding it (64 pages, the smallest unit that decompresses on its own), or waits
 * for the loader thread already reading that frame, so a fault costs a fraction of a millisecond. The loader only decompresses; the run thread installs what it prepared on first touch (or when
 * {@link #installPrefetched} runs between batches), so guest memory is only ever changed by the run thread.
 */
public final class LazyPages implements PageSource {
    /** Frames per prefetch item, and so per fault: one (256 KiB of memory). */
    static final int FAULT_FRAMES = 1;
    /** Pages per reference (SOURCE, DISK_BLOCK) item: each is a separate small read. */
    static final int FAULT_DISK_RUN = 16;
    /** The run thread installs what arrived every this many pages. */
    private static final int INSTALL_EVERY = 2048;

    private final Checkpoint ckpt;
    private final PageSources sources;
    private final AtomicReferenceArray<byte[]> prefetched;
    private final BitSet pending;
    private final int total;
    private final PageLoader loader;
    /** The recorded working set's pages that this restore loads (fetched first). */
    private final BitSet workingSet;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int loaded;
    /** Touches of pages that had not arrived, and the time the run thread spent on them (run thread only). */
    private int faults;
    private long faultNanos;
    private volatile long allLoadedNanos = -1;
    private volatile boolean prefetchDone;
    /** The run thread's own frame reader (a fault reads the frame holding the page); only the run thread uses it. */
    private org.vmckpt.checkpoint.store.BatchReader runThreadReader;
    /** The machine the prefetched pages go to, once {@link #startPrefetch} ran. */
    private volatile Machine machine;

    private LazyPages(Checkpoint ckpt, PageSources sources, BitSet pending, java.util.Random order) throws IOException {
        this.ckpt = ckpt;
        this.sources = sources;
        this.pending = pending;
        this.total = pending.cardinality();
        this.prefetched = new AtomicReferenceArray<>(ckpt.pageCount());
        this.workingSet = ckpt.workingSet();
        workingSet.and(pending);
        this.loader = new PageLoader(ckpt, sources, this::arrive, FAULT_FRAMES, FAULT_DISK_RUN, workingSet, order);
    }

    /**
     * @param order if non-null, the prefetcher streams frames in an order shuffled by it, the working set's first
     *              (tests: any order must do)
     */
    static LazyPages attach(Checkpoint ckpt, Machine m, PageSources sources, java.util.Random order) throws IOException {
        BitSet pending = Restorer.pagesToLoad(ckpt);
        LazyPages lp = new LazyPages(ckpt, sources, pending, order);
        m.memory().setLazySource(lp, pending);
        return lp;
    }

    /** Threads that stream pages during a lazy restore: all cores but the one the guest runs on. */
    static int prefetchThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /**
     * Starts streaming pages in the background; every {@link #INSTALL_EVERY} pages the run thread is asked to
     * install what is ready. {@link #allLoadedNanos()} tells when the last page went in. If a loader thread fails,
     * the prefetch stops and {@code onFailure} is told (on a loader thread); the guest then reads the remaining
     * pages itself when it touches them.
     */
    public void startPrefetch(Machine machine, java.util.function.Consumer<IOException> onFailure) {
        startPrefetch(machine, onFailure, null);
    }

    /** As {@link #startPrefetch(Machine, java.util.function.Consumer)}; {@code whenAllLoaded}, if given, runs on the run thread once every page is in. */
    public void startPrefetch(Machine machine, java.util.function.Consumer<IOException> onFailure, Runnable whenAllLoaded) {
        long t0 = System.nanoTime();
        GuestMemory memory = machine.memory();
        this.machine = machine;
        loader.start(prefetchThreads(), Thread.NORM_PRIORITY, () -> {
            prefetchDone = true;
            IOException failed = loader.failure();
            if (failed != null && onFailure != null) onFailure.accept(failed);
            machine.submit(() -> {
                if (installPrefetched(memory) == 0) {
                    allLoadedNanos = System.nanoTime() - t0;
                    if (runThreadReader != null) runThreadReader.close(); // on the run thread, its only user
                    runThreadReader = null;
                    if (whenAllLoaded != null) whenAllLoaded.run();
                }
            });
        });
    }

    /** On a loader thread: keeps a page ready for the run thread. */
    private void arrive(int index, byte[] page) {
        prefetched.compareAndSet(index, null, page);
        if (arrived.incrementAndGet() % INSTALL_EVERY == 0) {
            Machine m = machine;
            if (m != null) m.submit(() -> installPrefetched(m.memory()));
        }
    }

    private byte[] read(int idx) throws IOException {
        byte[] page = new byte[GuestMemory.PAGE_SIZE];
        CheckpointPages.read(ckpt, sources, idx, page); // Checkpoint reads are thread-safe
        return page;
    }

    @Override
    public int originSource(int pageIndex) {
        PageKind kind = ckpt.pageKind(pageIndex);
        if (kind == PageKind.SOURCE) return ckpt.pageSource(pageIndex);
        return kind == PageKind.DISK_BLOCK ? PageOrigin.DISK_FIRST : -1;
    }

    @Override
    public long originSector(int pageIndex) {
        if (ckpt.pageKind(pageIndex) == PageKind.DISK_BLOCK) return ckpt.pageDiskBlock(pageIndex) * PageOrigin.SECTORS_PER_PAGE;
        return ckpt.pageSourceSector(pageIndex);
    }

    /**
     * Called by guest memory on the run thread at the first touch of a pending page. A page that has not arrived
     * is read with the frame around it, here and now (its neighbours come with it at no extra cost), or taken
     * from the loader thread that is reading that frame when it is done.
     */
    @Override
    public byte[] loadPage(int pageIndex) {
        byte[] p = prefetched.getAndSet(pageIndex, null);
        if (p == null) {
            faults++;
            long t0 = System.nanoTime();
            try {
                if (runThreadReader == null) runThreadReader = ckpt.openBatchReader();
                if (loader.loadNow(pageIndex, runThreadReader)) p = prefetched.getAndSet(pageIndex, null);
                faultNanos += System.nanoTime() - t0;
            } catch (IOException e) {
                p = null; // read on its own below, which reports the failure
            }
        }
        if (p == null) {
            try {
                p = read(pageIndex);
            } catch (IOException e) {
                // The checkpoint was verified when opened; a read failing now means the file changed under us.
                throw new UncheckedIOException("lazy restore cannot read page " + pageIndex + ": " + e.getMessage(), e);
            }
        }
        loaded++;
        return p;
    }

    /** On the run thread: moves prefetched pages into guest memory. Returns how many pages are still pending. */
    public int installPrefetched(GuestMemory memory) {
        for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
            if (prefetched.get(i) != null) {
                memory.prefetch(i);
                prefetched.set(i, null); // installed now, or the guest loaded it on its own first
            }
        }
        return memory.lazyPendingCount();
    }

    /** Nanoseconds from the start of prefetching until every page was in memory, or -1 while some are not. */
    public long allLoadedNanos() {
        return allLoadedNanos;
    }

    public int totalPages() {
        return total;
    }

    /**
     * For {@code --stats}: pages, working-set pages, and the guest's touches of pages that had not arrived yet with
     * the time its thread spent on them (reading a frame, or waiting for the loader reading it). Run thread.
     */
    public String summary() {
        return String.format("%,d pages (%,d of the working set first); the guest waited for %,d of them, %.0f ms in all",
                total, workingSet.cardinality(), faults, faultNanos / 1e6);
    }

    /** Pages of the recorded working set this restore loads first (0 for a checkpoint without one). */
    public int workingSetPages() {
        return workingSet.cardinality();
    }

    public IOException failure() {
        return loader.failure();
    }

    public boolean prefetchDone() {
        return prefetchDone;
    }
}
