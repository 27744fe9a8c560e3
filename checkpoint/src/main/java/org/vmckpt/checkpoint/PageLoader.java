package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.BatchReader;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.FrameBatch;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.memory.GuestMemory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Reads every page of a checkpoint that holds data (DATA from the packs, SOURCE and DISK_BLOCK from the files they
 * refer to, through {@link PageSources}) with several threads, in large runs: a DATA work item is a
 * {@link FrameBatch} (up to {@link #BATCH_FRAMES} frames in one positional read, each frame's CRC checked,
 * decompressed by the thread that read it), a reference item a run of up to {@link #DISK_RUN} pages. Eager restore waits for all of it;
 * lazy restore's prefetcher runs it in the background, and the run thread reads the item holding a page the
 * guest touched at once if no loader thread has taken it yet ({@link #loadNow}). Each item is read once.
 *
 * <p>Pages are handed to the {@link Sink} as fresh arrays on the loader's threads; the sink must not touch
 * guest memory there (only the run thread or a stopped machine may), it stores them for whoever installs.
 */
final class PageLoader {
    /** Frames per DATA work item: 16 x 64 pages = 4 MiB of memory per read. */
    static final int BATCH_FRAMES = 16;
    /** Pages per disk-block work item. */
    static final int DISK_RUN = 256;

    /** Receives page {@code index} as a new 4096-byte array, now owned by the sink. Called on loader threads. */
    interface Sink {
        void page(int index, byte[] page);
    }

    /** One work item: a frame batch, or {@code count} reference pages (SOURCE or DISK_BLOCK) from {@code firstPage}. */
    private record Work(FrameBatch batch, int firstPage, int count) {
        int first() {
            return batch != null ? batch.firstPage() : firstPage;
        }
    }

    private final Checkpoint ckpt;
    private final PageSources sources;
    private final Sink sink;
    private final Work[] work;
    /** For each page with data, the work item holding it (-1 for none). */
    private final int[] workOf;
    private final AtomicIntegerArray claimed;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pagesDone = new AtomicInteger();
    private final int pagesTotal;
    private volatile IOException failure;
    private volatile boolean stopped;

    PageLoader(Checkpoint ckpt, PageSources sources, Sink sink) throws IOException {
        this(ckpt, sources, sink, null);
    }

    /** @param order if non-null, the work items are taken in an order shuffled by it instead of page order (tests) */
    PageLoader(Checkpoint ckpt, PageSources sources, Sink sink, java.util.Random order) throws IOException {
        this.ckpt = ckpt;
        this.sources = sources;
        this.sink = sink;
        List<Work> items = new ArrayList<>();
        for (FrameBatch b : ckpt.dataBatches(BATCH_FRAMES)) items.add(new Work(b, -1, 0));
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() != PageKind.DISK_BLOCK && e.kind() != PageKind.SOURCE) continue;
            for (long k = 0; k < e.length(); k += DISK_RUN) {
                items.add(new Work(null, (int) (e.start() + k), (int) Math.min(DISK_RUN, e.length() - k)));
            }
        }
        items.sort(java.util.Comparator.comparingInt(Work::first));
        if (order != null) java.util.Collections.shuffle(items, order);
        this.work = items.toArray(new Work[0]);
        this.workOf = new int[ckpt.pageCount()];
        Arrays.fill(workOf, -1);
        int total = 0;
        for (int w = 0; w < work.length; w++) {
            final int item = w;
            Work x = work[w];
            if (x.batch != null) {
                x.batch.forEachPage(p -> workOf[p] = item);
                total += x.batch.pageCount();
            } else {
                Arrays.fill(workOf, x.firstPage, x.firstPage + x.count, item);
                total += x.count;
            }
        }
        this.pagesTotal = total;
        this.claimed = new AtomicIntegerArray(work.length);
    }

    /** Pages this loader delivers in all. */
    int pagesTotal() {
        return pagesTotal;
    }

    /** Pages delivered so far. */
    int pagesDone() {
        return pagesDone.get();
    }

    /** The first failure of a loader thread, or null. */
    IOException failure() {
        return failure;
    }

    /**
     * On the calling thread (the run thread, whose guest waits for page {@code index}): reads the whole work item
     * holding the page now, with {@code reader}, unless a loader thread already took it. The pages go to the sink
     * as usual. Returns false if the item was taken (or the page is not the loader's): the caller reads the
     * page on its own then.
     */
    boolean loadNow(int index, BatchReader reader) throws IOException {
        int w = index >= 0 && index < workOf.length ? workOf[index] : -1;
        if (w < 0 || !claimed.compareAndSet(w, 0, 1)) return false;
        load(work[w], reader, new byte[GuestMemory.PAGE_SIZE]);
        return true;
    }

    /** Makes the loader's threads stop after their current item. */
    void stop() {
        stopped = true;
    }

    /**
     * Runs the loader on the calling thread plus {@code extraThreads} more and returns when every page was
     * delivered (or a thread failed: the failure is thrown). {@code progress} is called on the calling thread.
     */
    void runAll(int extraThreads, java.util.function.IntConsumer progress) throws IOException {
        List<Thread> helpers = new ArrayList<>();
        for (int t = 0; t < extraThreads; t++) helpers.add(startThread("vmckpt-restore-" + t, Thread.NORM_PRIORITY, null));
        work(progress);
        for (Thread t : helpers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                stopped = true;
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("restore interrupted");
            }
        }
        if (failure != null) throw failure;
    }

    /** Starts {@code threads} daemon threads that load in the background; {@code whenDone} runs on the last to finish. */
    void start(int threads, int priority, Runnable whenDone) {
        AtomicInteger running = new AtomicInteger(threads);
        for (int t = 0; t < threads; t++) {
            startThread("vmckpt-prefetch-" + t, priority, () -> {
                if (running.decrementAndGet() == 0 && whenDone != null) whenDone.run();
            });
        }
    }

    private Thread startThread(String name, int priority, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try {
                work(null);
            } finally {
                if (atEnd != null) atEnd.run();
            }
        }, name);
        t.setDaemon(true);
        t.setPriority(priority);
        t.start();
        return t;
    }

    private void work(java.util.function.IntConsumer progress) {
        try (BatchReader reader = ckpt.openBatchReader()) {
            byte[] block = new byte[GuestMemory.PAGE_SIZE];
            for (;;) {
                if (stopped || failure != null) return;
                int w = take();
                if (w < 0) return;
                load(work[w], reader, block);
                if (progress != null) progress.accept(pagesDone.get());
            }
        } catch (IOException e) {
            if (failure == null) failure = e;
        } catch (RuntimeException e) {
            if (failure == null) failure = new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private void load(Work x, BatchReader reader, byte[] block) throws IOException {
        if (x.batch != null) {
            reader.read(x.batch, (index, buf, offset) -> sink.page(index, Arrays.copyOfRange(buf, offset, offset + GuestMemory.PAGE_SIZE)));
            pagesDone.addAndGet(x.batch.pageCount());
        } else {
            for (int k = 0; k < x.count; k++) {
                CheckpointPages.read(ckpt, sources, x.firstPage + k, block); // boot files are in memory, disks read positionally: thread-safe
                sink.page(x.firstPage + k, block.clone());
            }
            pagesDone.addAndGet(x.count);
        }
    }

    /** The next unclaimed item, claimed for this thread; -1 when none is left. */
    private int take() {
        for (;;) {
            int w = next.getAndIncrement();
            if (w >= work.length) return -1;
            if (claimed.compareAndSet(w, 0, 1)) return w;
        }
    }
}
