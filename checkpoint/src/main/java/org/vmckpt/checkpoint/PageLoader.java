package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.BatchReader;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.FrameBatch;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Reads every page of a checkpoint that holds data (DATA from the packs, SOURCE and DISK_BLOCK from the files they
 * refer to, through {@link PageSources}) with several threads: a DATA work item is a {@link FrameBatch} (consecutive
 * frames in one positional read, each frame's CRC checked, decompressed by the thread that read it), a reference
 * item a run of pages. Eager restore waits for all of it, in large items ({@link #BATCH_FRAMES} frames,
 * {@link #DISK_RUN} pages). Lazy restore's prefetcher runs it in the background in small items (one frame, the
 * smallest unit that decompresses on its own) taken working set first, and the run thread reads the item holding
 * a page the guest touched at once, or waits for the thread already reading it ({@link #loadNow}). Each item is
 * read once.
 *
 * <p>Pages are handed to the {@link Sink} as fresh arrays on the loader's threads; the sink must not touch
 * guest memory there (only the run thread or a stopped machine may), it stores them for whoever installs.
 */
final class PageLoader {
    /** Frames per DATA work item: 16 x 64 pages = 4 MiB of memory per read. */
    static final int BATCH_FRAMES = 16;
    /** Pages per disk-block work item. */
    static final int DISK_RUN = 256;

    /**
     * Receives page {@code index} as a new 4096-byte array, now owned by the sink. Called on loader threads. A
     * {@link org.vmckpt.checkpoint.store.BatchReader.PageCopySink} itself, handed to the batch reader as it is: no
     * {@code sink::page} wrapper (a lambda class of its own, which C1 compiled at tier 3 and again at tier 1 in every
     * eager restore, its tier-1 request unable to name it).
     */
    interface Sink extends org.vmckpt.checkpoint.store.BatchReader.PageCopySink {
        @Override
        void page(int index, byte[] page);
    }

    /**
     * One work item: a frame batch, or {@code count} reference pages (SOURCE, SOURCE_DELTA or DISK_BLOCK) from
     * {@code firstPage}, all of one extent: of kind {@code kind}, and for SOURCE pages of source {@code source} from its
     * sector {@code sector} on (the extent's pages follow each other in their source).
     */
    private record Work(FrameBatch batch, int firstPage, int count, PageKind kind, int source, long sector) {
        Work(FrameBatch batch) {
            this(batch, -1, 0, PageKind.DATA, -1, -1);
        }

        int first() {
            return batch != null ? batch.firstPage() : firstPage;
        }

        boolean holdsAny(BitSet pages) {
            if (batch != null) return batch.holdsAny(pages);
            int next = pages.nextSetBit(firstPage);
            return next >= 0 && next < firstPage + count;
        }
    }

    /**
     * Work items in page order. A class of its own, not {@code Comparator.comparingInt(Work::first)}: the JDK spun that
     * one's lambda at run time in every restore (it is not in the class-data archive), in the loading phase.
     */
    private static final class ByFirst implements java.util.Comparator<Work> {
        @Override
        public int compare(Work a, Work b) {
            return Integer.compare(a.first(), b.first());
        }
    }

    /** Work item states: not taken yet, being read by some thread, delivered. */
    private static final int FREE = 0, LOADING = 1, DONE = 2;

    private final Checkpoint ckpt;
    private final PageSources sources;
    private final Sink sink;
    private final Work[] work;
    /** For each page with data, the work item holding it (-1 for none). */
    private final int[] workOf;
    private final AtomicIntegerArray state;
    private final int firstItems;
    private final int orderedItems;
    /** Whether the guest runs (lazy restore): the write order's items are then loaded at its priority. */
    private volatile boolean guestRunning;
    private final int firstPages;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pagesDone = new AtomicInteger();
    private final int pagesTotal;
    /** CPU time spent by all threads in each stage: reading, checking and decompressing, handing pages to the sink. */
    private final java.util.concurrent.atomic.AtomicLong readNanos = new java.util.concurrent.atomic.AtomicLong(),
            decodeNanos = new java.util.concurrent.atomic.AtomicLong(), loadNanos = new java.util.concurrent.atomic.AtomicLong();
    private volatile IOException failure;
    private volatile boolean stopped;
    /** Whether this loader's threads read frames into direct buffers (an eager restore's DATA pages with an
     *  {@link OldGenerationWindow} installed: no JNI critical region while the collector is locked out). */
    private boolean directReads;
    /** Run once by the first thread that finds no work item left ({@link #whenWorkRunsOut}). */
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onRunOut = new java.util.concurrent.atomic.AtomicReference<>();

    /** Eager restore: large items in page order. */
    PageLoader(Checkpoint ckpt, PageSources sources, Sink sink) throws IOException {
        this(ckpt, sources, sink, BATCH_FRAMES, DISK_RUN, null, null, null, true, true, true);
    }

    /**
     * Eager restore, the pages stored in the checkpoint's own packs (DATA) only, in large items: they need nothing
     * but the checkpoint, so an eager restore starts reading them before it has built the machine or read the boot
     * files that reference pages need ({@link #referencePagesOnly}).
     */
    static PageLoader dataPagesOnly(Checkpoint ckpt, Sink sink) throws IOException {
        PageLoader l = new PageLoader(ckpt, null, sink, BATCH_FRAMES, DISK_RUN, null, null, null, true, false, false,
                REFERENCE_KINDS);
        l.directReads = OldGenerationWindow.installed();
        return l;
    }

    /**
     * Runs {@code r} once, on the first thread that finds no work item left (the others are then loading their last);
     * at once on the next thread that looks if that happened already. An eager restore closes its
     * {@link OldGenerationWindow} so.
     */
    void whenWorkRunsOut(Runnable r) {
        onRunOut.set(r);
    }

    /** Eager restore, the pages that refer to disks and boot files (SOURCE, DISK_BLOCK) only, in large items. */
    static PageLoader referencePagesOnly(Checkpoint ckpt, PageSources sources, Sink sink) throws IOException {
        return referencePagesOnly(ckpt, sources, sink, REFERENCE_KINDS);
    }

    /**
     * Eager restore, of the reference pages only those of {@code kinds} (some of SOURCE, SOURCE_DELTA, DISK_BLOCK): an
     * eager restore can load the SOURCE pages, read from boot files with positional channel reads, while an
     * {@link OldGenerationWindow} is open, but not the boot-file deltas (zstd on heap arrays, a JNI critical region).
     */
    static PageLoader referencePagesOnly(Checkpoint ckpt, PageSources sources, Sink sink, java.util.Set<PageKind> kinds) throws IOException {
        return new PageLoader(ckpt, sources, sink, BATCH_FRAMES, DISK_RUN, null, null, null, false, true, false, kinds);
    }

    PageLoader(Checkpoint ckpt, PageSources sources, Sink sink, int batchFrames, int diskRun, BitSet first,
               java.util.Random order) throws IOException {
        this(ckpt, sources, sink, batchFrames, diskRun, null, first, order, true, true, true);
    }

    /**
     * Lazy restore's DATA pages (from the packs) only, in items of {@code batchFrames} frames: those holding the pages
     * of {@code writeOrder} first, in that order, then the working set's: they need nothing but the checkpoint, so
     * they start loading before the machine is built.
     */
    static PageLoader lazyDataPages(Checkpoint ckpt, Sink sink, int batchFrames, int[] writeOrder, BitSet first,
                                    java.util.Random order) throws IOException {
        return new PageLoader(ckpt, null, sink, batchFrames, DISK_RUN, writeOrder, first, order, true, false, true);
    }

    /**
     * Lazy restore's reference pages (SOURCE, DISK_BLOCK) only, in runs of {@code diskRun} pages, those holding pages
     * of {@code writeOrder} first, in that order, then the working set's.
     */
    static PageLoader lazyReferencePages(Checkpoint ckpt, PageSources sources, Sink sink, int diskRun, int[] writeOrder,
                                         BitSet first, java.util.Random order) throws IOException {
        return new PageLoader(ckpt, sources, sink, BATCH_FRAMES, diskRun, writeOrder, first, order, false, true, true);
    }

    /**
     * @param batchFrames frames per DATA work item: the unit a fault on the run thread reads ({@link #loadNow})
     * @param diskRun     pages per reference (SOURCE, DISK_BLOCK) work item
     * @param writeOrder  if non-null, the items holding these pages are taken before any other, in the order of
     *                    the first of their pages listed (the guest's first writes after the checkpoint)
     * @param first       if non-null, the items holding any of these pages are taken next (the working set)
     * @param order       if non-null, the work items are taken in an order shuffled by it, within the write order's
     *                    items, the working set's and the others (tests: any order must do)
     * @param data        whether to load the DATA pages (from the packs)
     * @param references  whether to load the SOURCE and DISK_BLOCK pages (through {@code sources})
     * @param indexed     whether to index which item holds each page: needed by {@link #loadNow} and {@link #itemOf}
     */
    private PageLoader(Checkpoint ckpt, PageSources sources, Sink sink, int batchFrames, int diskRun, int[] writeOrder,
                       BitSet first, java.util.Random order, boolean data, boolean references, boolean indexed) throws IOException {
        this(ckpt, sources, sink, batchFrames, diskRun, writeOrder, first, order, data, references, indexed, REFERENCE_KINDS);
    }

    /** The kinds of page that refer to files (loaded through {@link PageSources}). */
    private static final java.util.Set<PageKind> REFERENCE_KINDS = java.util.EnumSet.of(PageKind.DISK_BLOCK, PageKind.SOURCE, PageKind.SOURCE_DELTA);

    /** As above; of the reference pages only those of {@code kinds}. */
    private PageLoader(Checkpoint ckpt, PageSources sources, Sink sink, int batchFrames, int diskRun, int[] writeOrder,
                       BitSet first, java.util.Random order, boolean data, boolean references, boolean indexed,
                       java.util.Set<PageKind> kinds) throws IOException {
        this.ckpt = ckpt;
        this.sources = sources;
        this.sink = sink;
        List<Work> items = new ArrayList<>();
        if (data) for (FrameBatch b : ckpt.dataBatches(batchFrames)) items.add(new Work(b));
        for (Extent e : ckpt.pageExtents()) {
            // Boot-file delta pages go with the references: they need the boot file (the data batches leave them out).
            if (!references || !REFERENCE_KINDS.contains(e.kind()) || !kinds.contains(e.kind())) continue;
            for (long k = 0; k < e.length(); k += diskRun) {
                boolean fromFile = e.kind() == PageKind.SOURCE || e.kind() == PageKind.SOURCE_DELTA;
                long sector = fromFile ? e.firstDiskBlock() + k * PageOrigin.SECTORS_PER_PAGE : -1;
                items.add(new Work(null, (int) (e.start() + k), (int) Math.min(diskRun, e.length() - k), e.kind(), e.source(), sector));
            }
        }
        items.sort(new ByFirst());
        // The items holding the guest's first writes after the checkpoint, in the order it wrote them.
        List<Work> ordered = new ArrayList<>();
        boolean[] taken = new boolean[items.size()];
        if (writeOrder != null && writeOrder.length > 0) {
            int[] itemOf = new int[ckpt.pageCount()];
            Arrays.fill(itemOf, -1);
            for (int i = 0; i < items.size(); i++) {
                final int item = i;
                Work x = items.get(i);
                if (x.batch != null) x.batch.forEachPage(p -> itemOf[p] = item);
                else Arrays.fill(itemOf, x.firstPage, x.firstPage + x.count, item);
            }
            for (int p : writeOrder) {
                int i = p >= 0 && p < itemOf.length ? itemOf[p] : -1;
                if (i >= 0 && !taken[i]) {
                    taken[i] = true;
                    ordered.add(items.get(i));
                }
            }
        }
        List<Work> hot = new ArrayList<>();
        List<Work> rest = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Work x = items.get(i);
            if (!taken[i]) (first != null && x.holdsAny(first) ? hot : rest).add(x);
        }
        if (order != null) {
            java.util.Collections.shuffle(ordered, order);
            java.util.Collections.shuffle(hot, order);
            java.util.Collections.shuffle(rest, order);
        }
        this.orderedItems = ordered.size();
        ordered.addAll(hot);
        hot = ordered;
        this.firstItems = hot.size();
        int hotPages = 0;
        for (Work x : hot) hotPages += x.batch != null ? x.batch.pageCount() : x.count;
        this.firstPages = hotPages;
        hot.addAll(rest);
        this.work = hot.toArray(new Work[0]);
        int total = 0;
        for (Work x : work) total += x.batch != null ? x.batch.pageCount() : x.count;
        this.pagesTotal = total;
        // Which item holds each page: only what a lazy restore's faults ask ({@link #loadNow}). An eager restore never
        // asks, and building it (one call per page, in a JVM that still interprets this code) was on its critical path.
        this.workOf = indexed ? new int[ckpt.pageCount()] : null;
        if (indexed) {
            Arrays.fill(workOf, -1);
            for (int w = 0; w < work.length; w++) {
                final int item = w;
                Work x = work[w];
                if (x.batch != null) x.batch.forEachPage(p -> workOf[p] = item);
                else Arrays.fill(workOf, x.firstPage, x.firstPage + x.count, item);
            }
        }
        this.state = new AtomicIntegerArray(work.length);
    }

    /** The guest runs now: what is left of the write order's items is loaded at its thread's priority. */
    void guestRunning() {
        guestRunning = true;
    }

    /** Work items taken first because they hold pages of the write order (a part of {@link #firstItems}). */
    int orderedItems() {
        return orderedItems;
    }

    /** Work items taken before the others because they hold pages of the write order or the working set. */
    int firstItems() {
        return firstItems;
    }

    /** Pages in the work items taken first (those holding working-set pages). */
    int firstPages() {
        return firstPages;
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
     * On the calling thread (the run thread, whose guest waits for page {@code index}): makes sure the work item
     * holding the page has been delivered to the sink: reads it now with {@code reader} if no thread took it yet,
     * or waits for the thread that is reading it (an item is small for a lazy restore: one frame). Returns false
     * if the page is not the loader's or a loader thread failed: the caller reads the page on its own then.
     */
    boolean loadNow(int index, BatchReader reader) throws IOException {
        int w = workOf != null && index >= 0 && index < workOf.length ? workOf[index] : -1;
        if (w < 0) return false;
        if (state.compareAndSet(w, FREE, LOADING)) {
            try {
                load(work[w], reader, new byte[GuestMemory.PAGE_SIZE], new byte[1][]);
            } catch (IOException | RuntimeException e) {
                if (failure == null) failure = e instanceof IOException io ? io : new IOException(String.valueOf(e.getMessage()), e);
                throw e;
            }
            state.set(w, DONE);
            return true;
        }
        if (state.get(w) == DONE) return true; // delivered since the caller looked
        long t0 = System.nanoTime();
        for (int spins = 0; state.get(w) == LOADING; spins++) {
            if (failure != null) return false;
            if (spins < 100) Thread.onSpinWait();
            else java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
        waits++;
        waitNanos += System.nanoTime() - t0;
        return true;
    }

    /** The state of the item holding page {@code index}: 'F' not taken, 'L' being read, 'D' delivered, '-' none (the fault log). */
    char stateOfItemHolding(int index) {
        int w = workOf != null && index >= 0 && index < workOf.length ? workOf[index] : -1;
        if (w < 0) return '-';
        int s = state.get(w);
        return s == FREE ? 'F' : s == LOADING ? 'L' : 'D';
    }

    /** The loading order's cursor: items before it have been taken by some thread (the fault log). */
    int cursor() {
        return Math.min(next.get(), work.length);
    }

    /** Calls of {@link #loadNow} that waited for a loader thread already reading the item, and how long in all. */
    private int waits;
    private long waitNanos;

    /** {@link #loadNow}'s waits for a loader thread: how many, and nanoseconds in all (the caller's thread only). */
    long[] loadNowWaits() {
        return new long[] {waits, waitNanos};
    }

    /** Makes the loader's threads stop after their current item. */
    void stop() {
        stopped = true;
    }

    /** Stops the loader and waits for its helpers ({@link #startHelpers}) to end: a restore that gave up. */
    void abandon() {
        stopped = true;
        for (Thread t : helpers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits for the helpers ({@link #startHelpers}) to run out of work, without taking any on this thread. */
    void joinHelpers() throws InterruptedException {
        for (Thread t : helpers) t.join();
    }

    /**
     * Runs the loader on the calling thread plus {@code extraThreads} more and returns when every page was
     * delivered (or a thread failed: the failure is thrown). {@code progress} is called on the calling thread.
     */
    void runAll(int extraThreads, java.util.function.IntConsumer progress) throws IOException {
        startHelpers(extraThreads);
        finish(progress);
    }

    /** Threads started by {@link #startHelpers}, joined by {@link #finish}. */
    private final List<Thread> helpers = new ArrayList<>();

    /** When the last helper ({@link #startHelpers}) ran out of work ({@link System#nanoTime}), or 0. */
    private volatile long helpersDoneNanos;
    /** Items the thread calling {@link #finish} loaded itself (the rest were the helpers'). */
    private int finisherItems;

    /** Starts {@code threads} threads that load until no item is left; {@link #finish} joins them. */
    void startHelpers(int threads) {
        startHelpers(threads, "vmckpt-restore-", Thread.NORM_PRIORITY);
    }

    /** As {@link #startHelpers(int)}, the threads named {@code prefix} and a number, at {@code priority}. */
    void startHelpers(int threads, String prefix, int priority) {
        for (int t = 0; t < threads; t++) {
            helpers.add(startThread(prefix + helpers.size(), priority, () -> helpersDoneNanos = System.nanoTime()));
        }
    }

    /**
     * Waits until every page of this loader was delivered, {@code millis} at most, without taking any item on this
     * thread: for the helpers ({@link #startHelpers}) to end, then for any item another thread (the prefetch thread's
     * {@link #runAll}) still reads. Returns whether all were delivered (false also if a thread failed or it stopped).
     */
    boolean awaitDelivered(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        for (Thread t : helpers) {
            long left = end - System.nanoTime();
            if (left <= 0) break;
            t.join(Math.max(1, left / 1_000_000L));
        }
        while (pagesDone.get() < pagesTotal && failure == null && !stopped) {
            if (System.nanoTime() >= end) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        return pagesDone.get() >= pagesTotal;
    }

    /** When the last helper ran out of work ({@link System#nanoTime}; 0 if none ran), once {@link #finish} returned. */
    long helpersDoneNanos() {
        return helpersDoneNanos;
    }

    /** Work items the thread that called {@link #finish} loaded itself, once it returned. */
    int finisherItems() {
        return finisherItems;
    }

    /** The position in the loading order of the work item holding page {@code index}, or -1 (tests). */
    int itemOf(int index) {
        return workOf[index];
    }

    /** Work items in all. */
    int items() {
        return work.length;
    }

    /**
     * Loads what is left on the calling thread, then waits for the helpers ({@link #startHelpers}); returns when
     * every page was delivered, or throws the first failure. {@code progress} is called on the calling thread.
     */
    void finish(java.util.function.IntConsumer progress) throws IOException {
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

    /**
     * CPU nanoseconds the loader's threads spent, summed over threads, in: reading stored frames, checking and
     * decompressing them, and everything else of loading (copying pages out, reference pages), for eager restore's
     * {@code --stats}. Complete once {@link #runAll} returned.
     */
    long[] stageNanos() {
        long r = readNanos.get(), d = decodeNanos.get();
        return new long[] {r, d, loadNanos.get() - r - d};
    }

    private void work(java.util.function.IntConsumer progress) {
        try (BatchReader reader = ckpt.openBatchReader(directReads)) {
            byte[] block = new byte[GuestMemory.PAGE_SIZE];
            byte[][] run = new byte[1][]; // this thread's buffer for runs of boot-file pages, grown as needed
            long spent = 0;
            try {
                Thread self = Thread.currentThread();
                int priority = self.getPriority();
                for (;;) {
                    if (stopped || failure != null) return;
                    int w = take();
                    if (w < 0) {
                        Runnable r = onRunOut.getAndSet(null);
                        if (r != null) r.run();
                        return;
                    }
                    // The write order's frames while the guest runs: the guest is about to touch them, and waits for
                    // this thread when it touches one this thread is reading; so this thread runs at the guest's
                    // priority then, at its own after them.
                    int want = w < orderedItems && guestRunning ? Thread.MAX_PRIORITY : priority;
                    if (self.getPriority() != want) self.setPriority(want);
                    long t0 = BatchReader.cpuNanos();
                    load(work[w], reader, block, run);
                    spent += BatchReader.cpuNanos() - t0;
                    state.set(w, DONE);
                    if (progress != null) {
                        finisherItems++;
                        progress.accept(pagesDone.get());
                    }
                }
            } finally {
                readNanos.addAndGet(reader.readNanos());
                decodeNanos.addAndGet(reader.decodeNanos());
                loadNanos.addAndGet(spent);
            }
        } catch (IOException e) {
            if (failure == null) failure = e;
        } catch (RuntimeException e) {
            if (failure == null) failure = new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private void load(Work x, BatchReader reader, byte[] block, byte[][] run) throws IOException {
        if (x.batch != null) {
            reader.readCopies(x.batch, sink);
            pagesDone.addAndGet(x.batch.pageCount());
        } else {
            if (!readBootFileRun(x, run)) {
                for (int k = 0; k < x.count; k++) {
                    CheckpointPages.read(ckpt, sources, x.firstPage + k, block); // boot files are in memory, disks read positionally: thread-safe
                    sink.page(x.firstPage + k, block.clone());
                }
            }
            pagesDone.addAndGet(x.count);
        }
    }

    /**
     * SOURCE pages of a kernel, initrd or firmware file: the item's run read in one positional read (or one copy from
     * the file held in memory) and handed out page by page; page by page, each with its page-table look-ups and its
     * own read, was ~6 us a page on the restore's critical path (7,600 kernel pages on issue 9's signed guest).
     * SOURCE_DELTA pages (the kernel's pages it patched at boot) likewise: their base pages in one read, each page's
     * stored XOR from the pack applied to its base. Returns false, having handed out nothing, for any other item, or if
     * the file does not hold the whole run (the page-by-page path then reads or refuses each page as before).
     * {@code buffer[0]} is the calling thread's buffer for runs, grown as needed.
     */
    private boolean readBootFileRun(Work x, byte[][] buffer) throws IOException {
        if (x.sector < 0) return false;
        if (x.kind == PageKind.SOURCE_DELTA) {
            byte[][] pages = new byte[x.count][];
            for (int k = 0; k < x.count; k++) {
                pages[k] = new byte[GuestMemory.PAGE_SIZE];
                if (ckpt.readPage(x.firstPage + k, pages[k]) != PageKind.SOURCE_DELTA) { // the stored XOR, CRC checked
                    throw new IOException("checkpoint " + ckpt.id() + ": page " + (x.firstPage + k) + " is no boot-file delta");
                }
            }
            BootFileDeltaBases.applyRun(ckpt, sources, x.source, x.sector, x.firstPage, pages, buffer);
            for (int k = 0; k < x.count; k++) sink.page(x.firstPage + k, pages[k]);
            return true;
        }
        if (x.kind != PageKind.SOURCE) return false;
        int bytes = x.count * GuestMemory.PAGE_SIZE;
        if (buffer[0] == null || buffer[0].length < bytes) buffer[0] = new byte[bytes];
        byte[] run = buffer[0];
        if (!sources.readBootFile(x.source, x.sector, run, bytes)) return false;
        for (int k = 0; k < x.count; k++) {
            int at = k * GuestMemory.PAGE_SIZE;
            sink.page(x.firstPage + k, Arrays.copyOfRange(run, at, at + GuestMemory.PAGE_SIZE));
        }
        return true;
    }

    /** The next unclaimed item, claimed for this thread; -1 when none is left. */
    private int take() {
        for (;;) {
            int w = next.getAndIncrement();
            if (w >= work.length) return -1;
            if (state.compareAndSet(w, FREE, LOADING)) return w;
        }
    }
}
