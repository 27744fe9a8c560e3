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
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Lazy restore: the guest runs at once; a page is read from the repository on its first touch, and a
 * background thread reads the rest ahead of the guest. The prefetcher only decompresses; the run thread
 * installs what it prepared on first touch (or when {@link #installPrefetched} runs between batches), so
 * guest memory is only ever changed by the run thread.
 */
public final class LazyPages implements PageSource {
    private final Checkpoint ckpt;
    private final PageSources sources;
    private final AtomicReferenceArray<byte[]> prefetched;
    private final BitSet pending;
    private final int total;
    private volatile int loaded;
    private volatile IOException failure;
    private volatile long allLoadedNanos = -1;
    private Thread prefetcher;

    private LazyPages(Checkpoint ckpt, PageSources sources, BitSet pending) {
        this.ckpt = ckpt;
        this.sources = sources;
        this.pending = pending;
        this.total = pending.cardinality();
        this.prefetched = new AtomicReferenceArray<>(ckpt.pageCount());
    }

    static LazyPages attach(Checkpoint ckpt, Machine m, PageSources sources) {
        BitSet pending = Restorer.pagesToLoad(ckpt);
        LazyPages lp = new LazyPages(ckpt, sources, pending);
        m.memory().setLazySource(lp, pending);
        return lp;
    }

    /**
     * Starts reading pages ahead in index order on a daemon thread; every few thousand pages it asks the run
     * thread to install what is ready. {@link #allLoadedNanos()} tells when the last page went in.
     */
    public void startPrefetch(Machine machine) {
        long t0 = System.nanoTime();
        GuestMemory memory = machine.memory();
        prefetcher = new Thread(() -> {
            byte[] buf;
            int sinceInstall = 0;
            for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
                if (prefetched.get(i) != null) continue;
                try {
                    buf = read(i);
                } catch (IOException e) {
                    failure = e;
                    return;
                }
                prefetched.compareAndSet(i, null, buf);
                if (++sinceInstall == 4096) {
                    sinceInstall = 0;
                    machine.submit(() -> installPrefetched(memory));
                }
            }
            machine.submit(() -> {
                if (installPrefetched(memory) == 0) allLoadedNanos = System.nanoTime() - t0;
            });
        }, "vmckpt-prefetch");
        prefetcher.setDaemon(true);
        prefetcher.start();
    }

    private byte[] read(int idx) throws IOException {
        byte[] page = new byte[GuestMemory.PAGE_SIZE];
        synchronized (ckpt) {
            CheckpointPages.read(ckpt, sources, idx, page);
        }
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

    /** Called by guest memory on the run thread at the first touch of a pending page. */
    @Override
    public byte[] loadPage(int pageIndex) {
        byte[] p = prefetched.getAndSet(pageIndex, null);
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
            if (prefetched.get(i) != null) memory.prefetch(i);
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

    public IOException failure() {
        return failure;
    }

    public boolean prefetchDone() {
        return prefetcher != null && !prefetcher.isAlive();
    }
}
