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
 * last epoch, which it is likely to touch first again). The pages stored in the packs (DATA) need nothing but the
 * checkpoint, so their loading starts with the restore ({@link #start}), on every core but one, while the restoring
 * thread builds the machine and loads the records: by the time the guest runs, part of its working set is decoded
 * and waiting. The pages that refer to disks and boot files follow once the machine exists ({@link #attach}).
 * When the guest touches a page that has not arrived, the run thread reads just the frame holding it (64 pages,
 * the smallest unit that decompresses on its own), or waits for the loader thread already reading that frame, so
 * a fault costs a fraction of a millisecond. The loaders only decompress; the run thread installs what they
 * prepared on first touch (or when {@link #installPrefetched} runs while the guest idles), so guest memory is only
 * ever changed by the run thread.
 */
public final class LazyPages implements PageSource {
    /** Frames per prefetch item, and so per fault: one (256 KiB of memory). */
    static final int FAULT_FRAMES = 1;
    /** Pages per reference (SOURCE, DISK_BLOCK) item: each is a separate small read. */
    static final int FAULT_DISK_RUN = 16;
    /** Pages per slice of installing before branch restore12 (the slices are now {@link #IDLE_SLICE} and {@link #INSTALL_SLICE}). */
    private static final int INSTALL_EVERY = 2048;
    /**
     * The most pages one install in the guest's idle time looks at (~0.1-0.3 ms): {@link Machine#whenIdle} takes a
     * task when the guest's next timer is at least 250 µs away, and a slice should end before it.
     */
    static final int IDLE_SLICE = 512;
    /**
     * Once every page arrived, how long a slice waits for the guest to idle before it is installed anyway, between
     * two batches: a guest that never idles must still end the lazy load (the engine's page sources wait for it).
     */
    private static final long FORCE_AFTER_MILLIS = 100;
    /**
     * The most pages one install the guest did not idle for looks at (~1-2 ms), never what arrived before the guest
     * started in one go (20,000-67,000 pages, 10-35 ms of its CPU at its start).
     */
    static final int INSTALL_SLICE = 2 * INSTALL_EVERY;
    /**
     * Between two slices installed without waiting for the guest to idle, the guest runs this long: installing 80,000
     * arrived pages back to back took 30-60 ms of the guest's thread in its first second, when memrandom's loading
     * ended before its first heartbeat.
     */
    private static final long INSTALL_PAUSE_MILLIS = 5;

    /**
     * {@code -Dvmckpt.restore.lazyAhead} (round 80, <b>on by default</b> since lazy80's slot; {@code =false} turns it off): the reference pages (the kernel's, the
     * initramfs' and the disks' pages: SOURCE, SOURCE_DELTA, DISK_BLOCK) loaded ahead by a thread of their own from
     * {@link #attach} on, and the guest's first instruction held until they are in ({@link #aheadWaitMillis} at most);
     * {@code vmckpt restore --lazy} then sets the session up beside its guest ({@code VmSession.besideRestored}). Without
     * it the prefetch thread loads them only after every DATA page (and the guest touching them first reads each run of
     * {@link #FAULT_DISK_RUN} on its own thread): restore79 counted 82-100 of a memdirty guest's 90-116 faults before its
     * first heartbeat on such pages (issue 9's signed guest: 10,267 of the 87,000 pages to load).
     */
    static final boolean AHEAD = !"false".equalsIgnoreCase(System.getProperty("vmckpt.restore.lazyAhead", "true"));
    /** The property's default for {@link #aheadWaitMillis}. */
    static final long AHEAD_WAIT_MILLIS = Long.getLong("vmckpt.restore.lazyAhead.waitMillis", 150);
    /**
     * Whether restores made from now on load the reference pages ahead: {@link #AHEAD} (tests set it). The one place
     * that says it: a restore keeps what it read at its start ({@link #ahead}), the session reads
     * {@link #loadsReferencesAhead()}.
     */
    static volatile boolean aheadForRestores = AHEAD;
    /** The longest the guest's first instruction of restores made from now on waits for the reference pages loaded ahead (tests set it). */
    static volatile long aheadWaitMillis = AHEAD_WAIT_MILLIS;
    /**
     * Tests: runs on a loader thread (the reference pages' own, lazyAhead's, or a prefetch thread, which takes the
     * reference items the first has not taken yet once its own are done) before it keeps each reference page it loaded.
     * Never on the run thread: a hook there would hold the guest's own fault.
     */
    static volatile Runnable beforeReferenceArrives;

    /** Whether a lazy restore started now loads its reference pages ahead, its guest waiting for them ({@link #AHEAD}). */
    public static boolean loadsReferencesAhead() {
        return aheadForRestores;
    }
    /**
     * With {@link #AHEAD}: the boot files read in place, as an eager restore reads them, instead of read and hashed whole
     * on the way to "restored" (the signed guest's 31 MB Image and its initramfs' files: 0.4-1.0 s of a lazy restore's
     * path at load 7-14, against the eager restore's 18-64 ms); every reference page is then in before "restored" and
     * the files are checked unchanged after (Restorer). {@code -Dvmckpt.restore.lazyAhead.inPlace=false}: hashed whole.
     */
    static final boolean AHEAD_IN_PLACE = !"false".equals(System.getProperty("vmckpt.restore.lazyAhead.inPlace"));
    /** Tests: runs after the reference pages read in place are in, before the files are checked unchanged. */
    static volatile Runnable beforeInPlaceCheck;

    /**
     * {@code -Dvmckpt.restore.faultLog=PATH} (round 82, a diagnostic, off): each fault of a lazy restore (a touch of a
     * page not arrived yet) written to PATH once every page is in: when, which page, its kind, whether in the
     * recorded working set, its position in the write order, its item and that item's state, the loader's cursor.
     */
    static final String FAULT_LOG = System.getProperty("vmckpt.restore.faultLog");

    private final Checkpoint ckpt;
    /** The disks and boot files reference pages come from, once {@link #attach} ran. */
    private volatile PageSources sources;
    private final AtomicReferenceArray<byte[]> prefetched;
    private final BitSet pending;
    private final int total;
    /** The DATA pages, loading from {@link #start} on. */
    private final PageLoader data;
    /** The reference pages (SOURCE, DISK_BLOCK), once {@link #attach} ran. */
    private volatile PageLoader references;
    private final java.util.Random order;
    /** The recorded working set's pages that this restore loads (fetched first, after the write order's). */
    private final BitSet workingSet;
    /** The pages the guest wrote first after the checkpoint's freeze, in order (fetched before all others). */
    private final int[] writeOrder;
    /** {@link #AHEAD}'s form: the reference pages loaded ahead from {@link #attach} on, the first instruction waiting for them. */
    private final boolean ahead;
    /** With {@link #ahead}: the longest the guest's first instruction waits for them ({@link #aheadWaitMillis} at the restore's start). */
    private final long waitMillis;
    /** With {@link #ahead}: reference pages in when the guest's first instruction ran, and how long it waited (run thread). */
    private int referencesAtStart = -1;
    private long aheadWaitNanos;
    /** With {@link #ahead}: when {@link #attach} started the reference pages' thread, and when the first instruction ran. */
    private volatile long attachNanos, firstInstructionNanos, prefetchNanos;
    private final AtomicInteger arrived = new AtomicInteger();
    /** {@link #FAULT_LOG}: each page's position in the write order (-1: none), and the log's rows (run thread). */
    private final int[] writePosition;
    private long[] faultRows;
    private int faultRowCount;
    /**
     * The pages in the order they arrived (slot {@code k} holds the {@code k}-th arrival's page index + 1, 0 until it
     * is written):
     * the run thread installs from {@link #installedUpTo} on, so each install looks only at what arrived since the
     * last one instead of scanning every page of the restore each time (~40 scans of 80,000 pages per memdirty
     * restore: 33-39 ms of the guest's thread's CPU, against 24-27 ms now). Each page arrives once: each work item
     * is read once.
     */
    private final java.util.concurrent.atomic.AtomicIntegerArray arrivals;
    /** Arrival slots the run thread has looked at (run thread only). */
    private int installedUpTo;
    /** Pages the run thread looked at while installing (run thread only; tests). */
    private long installVisits;
    private volatile int loaded;
    /** Touches of pages that had not arrived, and the time the run thread spent on them (run thread only). */
    private int faults;
    private long faultNanos, faultCpuNanos;
    private volatile long allLoadedNanos = -1;
    /** The run thread's CPU time installing prefetched pages between batches (run thread only). */
    private long installNanos;
    /** The collector's counters when the guest started, and its pauses until every page was in. */
    private volatile GcPauses.Mark gcAtStart;
    private volatile GcPauses.Summary gcWhileLoading;
    private volatile boolean prefetchDone;
    /** The run thread's own frame reader (a fault reads the frame holding the page); only the run thread uses it. */
    private org.vmckpt.checkpoint.store.BatchReader runThreadReader;
    /** The machine the prefetched pages go to, once {@link #startPrefetch} ran. */
    private volatile Machine machine;
    /** Faults on pages of the recorded working set, and on reference (SOURCE, DISK_BLOCK) pages (run thread only). */
    private int workingSetFaults, referenceFaults;
    /** When the guest started ({@link #startPrefetch}, on the run thread), and what stood then, for {@link #guestFirstOutput}. */
    private long startNanos = -1, startInstret, startTranslated;
    private int arrivedAtStart;
    private volatile GcPauses.Mark gcAtGuestStart;
    private long[] startSched;
    private volatile java.util.Map<String, long[]> startThreads;
    /** What the guest's wait until its first line of output was made of ({@link #guestFirstOutput}), or null. */
    private volatile String firstOutput;
    /** Whether {@link #guestFirstOutput} will be asked for (its snapshot of every thread costs milliseconds). */
    private volatile boolean measureFirstOutput;

    private LazyPages(Checkpoint ckpt, java.util.Random order, boolean ahead) throws IOException {
        this.ckpt = ckpt;
        this.order = order;
        this.ahead = ahead;
        this.waitMillis = aheadWaitMillis;
        this.pending = Restorer.pagesToLoad(ckpt);
        this.total = pending.cardinality();
        this.prefetched = new AtomicReferenceArray<>(ckpt.pageCount());
        this.arrivals = new java.util.concurrent.atomic.AtomicIntegerArray(ckpt.pageCount());
        this.workingSet = ckpt.workingSet();
        workingSet.and(pending);
        this.writeOrder = ckpt.writeOrder();
        this.data = PageLoader.lazyDataPages(ckpt, this::arrive, FAULT_FRAMES, writeOrder, workingSet, order);
        if (FAULT_LOG != null) {
            writePosition = new int[ckpt.pageCount()];
            java.util.Arrays.fill(writePosition, -1);
            for (int k = 0; k < writeOrder.length; k++) if (writeOrder[k] >= 0 && writeOrder[k] < writePosition.length) writePosition[writeOrder[k]] = k;
            faultRows = new long[8 * 4096];
        } else {
            writePosition = null;
        }
    }

    /**
     * Starts loading the checkpoint's DATA pages, the working set's first, on {@code threads} threads (none: they
     * wait for {@link #startPrefetch} or the guest's touches). {@link #attach} hands the pages to a machine;
     * {@link #abandon} stops the loading if the restore gives up.
     *
     * @param order if non-null, the loaders take frames in an order shuffled by it, the working set's first (tests:
     *              any order must do)
     */
    static LazyPages start(Checkpoint ckpt, java.util.Random order, int threads) throws IOException {
        LazyPages lp = new LazyPages(ckpt, order, aheadForRestores);
        lp.data.startHelpers(threads);
        return lp;
    }

    /** Makes {@code m}'s memory take its pending pages from here; {@code sources} serves the reference pages. */
    void attach(Machine m, PageSources sources) throws IOException {
        this.sources = sources;
        this.references = PageLoader.lazyReferencePages(ckpt, sources, this::referenceArrives, FAULT_DISK_RUN, writeOrder, workingSet, order);
        m.memory().setLazySource(this, pending);
        // AHEAD: the guest's first touches after a restore are mostly of these pages (its kernel's code), which the
        // prefetch thread reaches only after every DATA page; one thread of their own brings them in now, beside the
        // DATA pages' threads, while this thread ends the restore (and, in the old order, the session is set up).
        attachNanos = System.nanoTime();
        // At the guest's priority (nice -5 under the launcher as root, against the DATA pages' thread's 0): the guest
        // waits for it.
        if (ahead && references.items() > 0) references.startHelpers(1, "vmckpt-references-", Thread.MAX_PRIORITY);
    }

    /** A restore that gave up: stops the loaders and waits for their threads. */
    void abandon() {
        data.abandon();
        PageLoader r = references;
        if (r != null) r.abandon();
    }

    /**
     * Starts streaming pages in the background; once all arrived, the run thread installs them while the guest idles
     * ({@link Machine#whenIdle}). {@link #allLoadedNanos()} tells when the last page went in. If a loader thread fails,
     * the prefetch stops and {@code onFailure} is told (on a loader thread); the guest then reads the remaining
     * pages itself when it touches them.
     */
    public void startPrefetch(Machine machine, java.util.function.Consumer<IOException> onFailure) {
        startPrefetch(machine, onFailure, null);
    }

    /**
     * As {@link #startPrefetch(Machine, java.util.function.Consumer)}; {@code whenAllLoaded}, if given, runs on the run
     * thread once every page is in. One thread streams what is left: it waits for the DATA pages' threads started
     * with the restore (they run out of frames soon after the guest starts), then loads the reference pages. The
     * guest keeps its core: one more loader thread on two cores was measured to lengthen its heartbeat gaps.
     */
    public void startPrefetch(Machine machine, java.util.function.Consumer<IOException> onFailure, Runnable whenAllLoaded) {
        long t0 = System.nanoTime();
        prefetchNanos = t0;
        // AHEAD: the collector's counters read on the prefetch thread instead (GcPauses' first use loads the management
        // beans: in a cold JVM that was on the way to "restored", 0.7 s of it at load 15).
        if (!ahead) gcAtStart = GcPauses.mark();
        GuestMemory memory = machine.memory();
        this.machine = machine;
        // AHEAD: the run thread's first request, before the guest's first instruction (and before the --stats figures
        // of its start below): the reference pages loaded ahead, waited for at most waitMillis.
        if (ahead) machine.submit(new AwaitReferences(this));
        if (measureFirstOutput) {
            // Every thread's CPU, read on a side thread (milliseconds of /proc reading, cold: on this thread it
            // delayed "restored" while the loaders ran on, a head start only --stats had); the run thread's own
            // figures when the run loop takes its first request, the moment the guest's clock starts.
            // (AHEAD: the collector's counters at the guest's start read here too, not on the run thread.)
            Thread snapshot = new Thread(() -> {
                if (ahead) gcAtGuestStart = GcPauses.mark();
                startThreads = ThreadTimes.byName();
            }, "vmckpt-stats");
            snapshot.setDaemon(true);
            snapshot.start();
            machine.submit(() -> {
                startNanos = System.nanoTime();
                if (!ahead) gcAtGuestStart = GcPauses.mark();
                arrivedAtStart = arrived.get();
                startInstret = machine.hart(0).instret;
                org.vmckpt.machine.cpu.CodeCache.Stats ts = machine.hart(0).translationStats();
                startTranslated = ts == null ? 0 : ts.translatedInstructionsRun();
                startSched = ThreadTimes.self();
            });
        }
        // What arrived before the guest ran is installed with the later arrivals, a slice at a time: the guest
        // takes the pages it touches meanwhile from the arrivals itself (loadPage).
        data.guestRunning();
        Thread t = new Thread(() -> {
            if (ahead) gcAtStart = GcPauses.mark();
            try {
                data.joinHelpers();
                data.runAll(0, null); // what the restore's threads left (none unless there were none)
                references.runAll(0, null); // with AHEAD: what its thread left, then joins it
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // kept by the loader: failure() below
            }
            prefetchDone = true;
            IOException failed = failure();
            if (failed != null && onFailure != null) onFailure.accept(failed);
            // The rest of the arrivals, a slice at a time in the guest's idle time; a slice the guest did not idle
            // for within FORCE_AFTER_MILLIS is installed between batches instead, INSTALL_PAUSE_MILLIS apart.
            try {
                for (;;) {
                    InstallOnce idle = new InstallOnce(memory, IDLE_SLICE);
                    machine.whenIdle(idle);
                    Integer left;
                    try {
                        left = idle.left.get(FORCE_AFTER_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (idle.taken.compareAndSet(false, true)) {
                            InstallOnce forced = new InstallOnce(memory, INSTALL_SLICE);
                            machine.submit(forced);
                            left = forced.left.get();
                            if (left > 0) Thread.sleep(INSTALL_PAUSE_MILLIS);
                        } else {
                            left = idle.left.get(); // the guest idled just now: the slice is being installed
                        }
                    }
                    if (left == 0) break;
                }
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                return;
            }
            machine.submit(() -> {
                if (memory.lazyPendingCount() == 0) {
                    gcWhileLoading = GcPauses.since(gcAtStart);
                    allLoadedNanos = System.nanoTime() - t0;
                    if (runThreadReader != null) runThreadReader.close(); // on the run thread, its only user
                    runThreadReader = null;
                    writeFaultLog();
                    if (whenAllLoaded != null) whenAllLoaded.run();
                }
            });
        }, "vmckpt-prefetch");
        t.setDaemon(true);
        t.start();
    }

    /**
     * {@link #awaitReferences} as a class of its own, not {@code this::awaitReferences}: a method reference is a lambda
     * the JVM spins at run time (not in the class-data archive, whose training runs without the switch), on the way to
     * "restored".
     */
    private static final class AwaitReferences implements Runnable {
        private final LazyPages pages;

        AwaitReferences(LazyPages pages) {
            this.pages = pages;
        }

        @Override
        public void run() {
            pages.awaitReferences();
        }
    }

    /**
     * {@link #AHEAD}, on the run thread before the guest's first instruction: waits until the reference pages loaded
     * ahead are in, {@link #waitMillis} at most (the guest reads any still missing itself, as without it).
     */
    private void awaitReferences() {
        long t0 = System.nanoTime();
        try {
            references.awaitDelivered(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        firstInstructionNanos = System.nanoTime();
        aheadWaitNanos = firstInstructionNanos - t0;
        referencesAtStart = references.pagesDone();
    }

    /** Whether this restore reads the boot files in place ({@link #AHEAD_IN_PLACE}). */
    boolean readsBootFilesInPlace() {
        return ahead && AHEAD_IN_PLACE;
    }

    /**
     * On the restoring thread, with boot files read in place: waits until every reference page is in (the thread
     * {@link #attach} started); throws its failure.
     */
    void awaitAllReferences() throws IOException {
        try {
            references.joinHelpers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("restore interrupted");
        }
        IOException f = references.failure();
        if (f != null) throw f;
        if (references.pagesDone() < references.pagesTotal()) {
            throw new IOException("the reference pages' loader ended with " + references.pagesDone() + " of " + references.pagesTotal() + " pages");
        }
    }

    /**
     * With {@link #AHEAD}: the reference pages that had arrived when the guest's first instruction ran, of
     * {@link #referencePages()} (-1 before it ran, or without it). Run thread, or once the guest ran.
     */
    int referencesAtStart() {
        return referencesAtStart;
    }

    /** The reference (SOURCE, SOURCE_DELTA, DISK_BLOCK) pages this restore loads, once {@link #attach} ran. */
    int referencePages() {
        return references.pagesTotal();
    }

    /** Reference pages in so far (tests). */
    int referencesDone() {
        return references.pagesDone();
    }

    /** Faults on reference pages so far (run thread, or once it stopped). */
    int referenceFaults() {
        return referenceFaults;
    }

    /** A reference page loaded (on the reference pages' thread, a prefetch thread or the run thread). */
    private void referenceArrives(int index, byte[] page) {
        Runnable hook = beforeReferenceArrives; // (tests: null)
        if (hook != null && isLoaderThread(Thread.currentThread().getName())) hook.run();
        arrive(index, page);
    }

    /** Whether a thread of this name is one of a lazy restore's loaders (the names this class and PageLoader give them). */
    private static boolean isLoaderThread(String name) {
        return name.startsWith("vmckpt-references-") || name.startsWith("vmckpt-prefetch") || name.startsWith("vmckpt-restore-");
    }

    /** On a loader thread: keeps a page ready for the run thread. */
    private void arrive(int index, byte[] page) {
        prefetched.compareAndSet(index, null, page);
        int slot = arrived.getAndIncrement();
        if (slot < arrivals.length()) arrivals.set(slot, index + 1);
        // Nothing is installed while pages still arrive (the prefetch thread installs them once all are in): a page
        // the guest touches meanwhile is taken from the arrivals (loadPage), so installing the others can wait. Done
        // between batches every 2,048 arrivals, it took 26-34 ms of the guest's thread before its first output
        // (quiet, default guest, memrandom and memdirty alike), a third of that thread's CPU then; done in the guest's
        // idle time instead, memdirty's guest met more pages not loaded yet (faults 65-299 against 45-126 in 5 pairs
        // at load 16-23), likely as those installs took the core the loaders had while the guest slept.
    }

    /** One install of up to {@code max} arrivals on the run thread, run once however often it is handed over. */
    private final class InstallOnce implements Runnable {
        final java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.CompletableFuture<Integer> left = new java.util.concurrent.CompletableFuture<>();
        private final GuestMemory memory;
        private final int max;

        InstallOnce(GuestMemory memory, int max) {
            this.memory = memory;
            this.max = max;
        }

        @Override
        public void run() {
            if (taken.compareAndSet(false, true)) left.complete(installPrefetched(memory, max));
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
            if (workingSet.get(pageIndex)) workingSetFaults++;
            if (ckpt.pageKind(pageIndex) != PageKind.DATA) referenceFaults++;
            long t0 = System.nanoTime(), c0 = org.vmckpt.checkpoint.store.BatchReader.cpuNanos();
            char before = writePosition != null ? data.stateOfItemHolding(pageIndex) : ' ';
            int cursor = writePosition != null ? data.cursor() : 0;
            try {
                if (runThreadReader == null) runThreadReader = ckpt.openBatchReader();
                if (data.loadNow(pageIndex, runThreadReader) || references.loadNow(pageIndex, runThreadReader)) {
                    p = prefetched.getAndSet(pageIndex, null);
                }
                faultNanos += System.nanoTime() - t0;
                faultCpuNanos += org.vmckpt.checkpoint.store.BatchReader.cpuNanos() - c0;
                if (writePosition != null) logFault(t0, pageIndex, before, cursor);
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

    /** {@link #FAULT_LOG}: one row (run thread). */
    private void logFault(long t0, int pageIndex, char before, int cursor) {
        if (faultRowCount + 8 > faultRows.length) return;
        long[] r = faultRows;
        int at = faultRowCount;
        r[at] = t0 - (startNanos > 0 ? startNanos : prefetchNanos);
        r[at + 1] = pageIndex;
        r[at + 2] = ckpt.pageKind(pageIndex).ordinal() * 2L + (workingSet.get(pageIndex) ? 1 : 0);
        r[at + 3] = writePosition[pageIndex];
        r[at + 4] = data.itemOf(pageIndex);
        r[at + 5] = before;
        r[at + 6] = cursor;
        r[at + 7] = System.nanoTime() - t0;
        faultRowCount += 8;
    }

    /** {@link #FAULT_LOG}: writes the rows (run thread, once every page is in). */
    private void writeFaultLog() {
        if (writePosition == null) return;
        StringBuilder sb = new StringBuilder("# ms_after_start page kind ws write_pos item state cursor wait_us (arrived at start " + arrivedAtStart + "; write order " + writeOrder.length
                + "; ordered items " + data.orderedItems() + ")\n");
        PageKind[] kinds = PageKind.values();
        for (int at = 0; at < faultRowCount; at += 8) {
            long[] r = faultRows;
            sb.append(String.format("%.3f %d %s %d %d %d %c %d %.0f%n", r[at] / 1e6, r[at + 1], kinds[(int) (r[at + 2] / 2)], r[at + 2] % 2,
                    r[at + 3], r[at + 4], (char) r[at + 5], r[at + 6], r[at + 7] / 1e3));
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(FAULT_LOG), sb);
        } catch (IOException e) {
            System.err.println("vmckpt: fault log: " + e.getMessage());
        }
    }

    /**
     * On the run thread: moves up to {@code max} prefetched pages into guest memory, in the order they arrived.
     * Returns how many arrivals are left to install after these (0 when it caught up with the loaders).
     */
    int installPrefetched(GuestMemory memory, int max) {
        long t0 = org.vmckpt.checkpoint.store.BatchReader.cpuNanos();
        // Up to the first slot not written yet (a loader thread between counting and writing its arrival): the
        // next install goes on from there, and the last one runs after every loader thread ended.
        int end = (int) Math.min(arrivals.length(), (long) installedUpTo + max);
        for (int i; installedUpTo < end && (i = arrivals.get(installedUpTo) - 1) >= 0; installedUpTo++) {
            installVisits++;
            if (prefetched.get(i) != null) {
                memory.prefetch(i);
                prefetched.set(i, null); // installed now, or the guest loaded it on its own first
            }
        }
        installNanos += org.vmckpt.checkpoint.store.BatchReader.cpuNanos() - t0;
        return Math.max(0, Math.min(arrived.get(), arrivals.length()) - installedUpTo);
    }

    /** Pages the run thread looked at while installing what arrived, so far (run thread; tests). */
    long installVisits() {
        return installVisits;
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
        long[] waits = data.loadNowWaits();
        PageLoader r = references;
        if (r != null) {
            long[] w = r.loadNowWaits();
            waits[0] += w[0];
            waits[1] += w[1];
        }
        GcPauses.Summary gc = gcWhileLoading;
        String text = summaryText(waits, gc);
        if (!ahead || r == null) return text;
        long[] st = r.stageNanos();
        return text + String.format("; the reference pages %.0f ms of their threads' CPU", (st[0] + st[1] + st[2]) / 1e6);
    }

    private String summaryText(long[] waits, GcPauses.Summary gc) {
        return String.format("%,d pages (%,d frames holding the %,d pages it wrote first after the checkpoint first, then %,d of the working set);"
                        + " the guest waited for %,d of them, %.0f ms in all,"
                        + " %.0f ms of its thread's CPU (%,d for a loader thread already reading the frame, %.0f ms; the others"
                        + " read by the guest's thread);"
                        + " installing what arrived %.0f ms of the guest's thread's CPU%s",
                total, data.orderedItems(), writeOrder.length, workingSet.cardinality(), faults, faultNanos / 1e6, faultCpuNanos / 1e6, waits[0], waits[1] / 1e6, installNanos / 1e6,
                gc == null ? "" : String.format("; collector pauses while loading %d, %.0f ms", gc.count(), gc.totalNanos() / 1e6));
    }

    /**
     * On the run thread, at the guest's first line of console output after it started (for {@code --stats}, called
     * once): where the time since it started went. The run thread's CPU and its wait for a core (the kernel's
     * schedstat), its faults on pages that had not arrived, its installing, the collector's pauses, the other
     * threads' CPU, and the instructions it ran with the translated share. Its own cost (reading /proc) comes after
     * the figures are taken.
     */
    public void guestFirstOutput() {
        if (firstOutput != null || startSched == null) return;
        long wall = System.nanoTime() - startNanos;
        long[] sched = ThreadTimes.self();
        GcPauses.Mark gcMark = gcAtGuestStart; // (AHEAD: read beside; null if not yet)
        GcPauses.Summary gc = gcMark == null ? null : GcPauses.since(gcMark);
        long instret = machine.hart(0).instret - startInstret;
        org.vmckpt.machine.cpu.CodeCache.Stats ts = machine.hart(0).translationStats();
        long translated = ts == null ? 0 : ts.translatedInstructionsRun() - startTranslated;
        long[] waits = data.loadNowWaits();
        java.util.Map<String, long[]> before = startThreads;
        String others = before == null ? "(not read in time)" : ThreadTimes.cpuDelta(before, ThreadTimes.byName(), 500_000);
        firstOutput = String.format("the guest's first output %.1f ms after it started: run thread CPU %.1f ms, waiting for a core %.1f ms;"
                        + " %,d faults (%,d of the working set, %,d reference pages; %,d waited for a loader thread) %.1f ms, %.1f ms of CPU;"
                        + " installing %.1f ms of CPU; %,d pages arrived (%,d before it started); collector pauses %d, %.1f ms; %,d instructions, %.1f%% translated;"
                        + "%s CPU of all threads (ms): %s",
                wall / 1e6, sched[0] < 0 ? -1 : (sched[0] - startSched[0]) / 1e6, sched[1] < 0 ? -1 : (sched[1] - startSched[1]) / 1e6,
                faults, workingSetFaults, referenceFaults, waits[0], faultNanos / 1e6, faultCpuNanos / 1e6, installNanos / 1e6,
                arrived.get(), arrivedAtStart, gc == null ? -1 : gc.count(), gc == null ? -1 : gc.totalNanos() / 1e6, instret, 100.0 * translated / Math.max(1, instret),
                !ahead ? "" : String.format(" reference pages ahead: %,d of %,d in at its first instruction (%.1f ms after their thread started,"
                                + " the prefetch %.1f ms after it), after waiting %.1f ms; their thread done %s;",
                        referencesAtStart, references.pagesTotal(), (firstInstructionNanos - attachNanos) / 1e6, (prefetchNanos - attachNanos) / 1e6,
                        aheadWaitNanos / 1e6,
                        references.helpersDoneNanos() == 0 ? "later" : String.format("%.1f ms after it started", (references.helpersDoneNanos() - attachNanos) / 1e6)),
                others);
    }

    /** Makes {@link #startPrefetch} take what {@link #guestFirstOutput} compares with (for {@code --stats}; call before it). */
    public void measureFirstOutput() {
        measureFirstOutput = true;
    }

    /** {@link #guestFirstOutput}'s figures, or null before it ran. */
    public String firstOutputSummary() {
        return firstOutput;
    }

    /** Pages of the recorded working set this restore loads first (0 for a checkpoint without one). */
    public int workingSetPages() {
        return workingSet.cardinality();
    }

    public IOException failure() {
        IOException f = data.failure();
        PageLoader r = references;
        return f != null || r == null ? f : r.failure();
    }

    public boolean prefetchDone() {
        return prefetchDone;
    }
}
