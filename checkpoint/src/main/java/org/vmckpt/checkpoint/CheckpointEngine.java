package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Takes checkpoints of one running machine into a repository: the VMckpt engine.
 *
 * <p>Every checkpoint starts the same way: a short pause at an instruction boundary in which the state
 * records are written and memory and disk overlays are frozen (reference copies only). Then:
 * <ul>
 *   <li><b>live</b>: the guest resumes at once and this thread saves the frozen pages while it runs; a
 *       guest write to a frozen page copies it first, so the saved image is exactly the pause instant;</li>
 *   <li><b>stop</b> (stop-and-copy, the baseline): the guest stays paused until everything is written.</li>
 * </ul>
 * Pages are classified on the way out: pages not written since the parent are INHERITED (incremental),
 * untouched or all-zero pages are ZERO, pages the guest gave back through the balloon are FREE, pages that
 * still hold what a disk read or the boot loader put there are SOURCE references to those bytes of the disk's
 * base image, kernel, initramfs or firmware ({@link PageSources}), and the rest are DATA.
 *
 * <p>One checkpoint at a time; a second caller waits for the first to finish.
 */
public final class CheckpointEngine {
    private static final byte[] ZERO_PAGE = new byte[GuestMemory.PAGE_SIZE];
    /**
     * Captures taken and dropped when the engine starts ({@link #warmUp}): the first loads the capture path's
     * classes, the next ones resolve what the first left to resolve (measured: the second and third real captures
     * were still slower than later ones).
     */
    private static final int WARM_UP_CAPTURES = 4;

    private final Machine machine;
    private final Repository repo;
    private final ReentrantLock oneAtATime = new ReentrantLock();
    /** The files pages may refer to (disks, boot files), the boot files read in the background. */
    private final java.util.concurrent.CompletableFuture<PageSources> sources;

    /** The last committed checkpoint of this VM (parent of the next incremental), or null. */
    private volatile String parentId;
    /** Pages written since the parent's freeze (accumulated over freezes whose checkpoint failed). */
    private final BitSet dirtySinceParent = new BitSet();
    private final BitSet[] diskDirtySinceParent;
    private volatile CheckpointInfo last;
    /**
     * The capture of the last checkpoint, kept frozen when asked ({@link #setRetainForReset}): a reset to it then
     * copies pages from memory instead of reading the repository. Costs one copy of each page the guest writes.
     */
    private MachineCapture retained;
    private boolean retainForReset;
    /** The VM's name, saved with each checkpoint so a restored VM answers to it again (null: none saved). */
    private volatile String vmName;

    public CheckpointEngine(Machine machine, Repository repo, String parentId) {
        this.machine = machine;
        this.repo = repo;
        this.parentId = parentId;
        this.diskDirtySinceParent = new BitSet[machine.virtio().disks().size()];
        for (int i = 0; i < diskDirtySinceParent.length; i++) diskDirtySinceParent[i] = new BitSet();
        this.sources = startPageSources(machine, repo, parentId);
        GcPauses.listen();
        warmUp();
    }

    /**
     * Takes a few captures and drops them at once, before anyone asks for a checkpoint. A process's first capture loads
     * and links the classes of the capture path and runs every part's {@code saveState} for the first time, which
     * made the first checkpoint's pause several times longer than later ones (4 ms against 0.6 ms measured on a
     * 1 GiB guest). Its dirty log is kept (ORed into the pages written since the parent), so incremental
     * checkpoints and resets still see every write. Also loads the compressor's native library, which the first
     * checkpoint's saver would otherwise load. Called by the constructor: the machine is normally not running
     * yet; if it is, this is one short pause at an instruction boundary.
     */
    private void warmUp() {
        // A capture freezes memory, and a freeze first loads every page a lazy restore or a post-copy migration
        // has not brought in yet: the warm-up would fetch the whole guest before it runs. Such a machine skips it.
        if (machine.memory().lazyPendingCount() > 0) return;
        try {
            for (int round = 0; round < WARM_UP_CAPTURES; round++) {
                MachineCapture c = machine.callAtInstructionBoundary(() -> MachineCapture.take(machine));
                dirtySinceParent.or(BitSet.valueOf(c.memory.writtenBitmap()));
                for (int i = 0; i < c.disks.size(); i++) {
                    if (c.disks.get(i) != null) diskDirtySinceParent[i].or(c.disks.get(i).writtenBlocks());
                }
                c.release();
            }
            new com.github.luben.zstd.ZstdCompressCtx().close();
        } catch (Exception | LinkageError e) {
            // Only a warm-up: the first checkpoint then pays for it.
        }
    }

    /**
     * Reads and hashes the boot files once, on a low-priority side thread, while the guest boots: by the first
     * checkpoint they are ready and evicting pages to them costs that checkpoint nothing extra.
     */
    private static java.util.concurrent.CompletableFuture<PageSources> startPageSources(Machine machine, Repository repo, String parentId) {
        java.util.concurrent.CompletableFuture<PageSources> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(PageSources.ofMachine(machine, repo, parentId));
            } catch (Throwable e) {
                f.complete(null); // eviction is an optimisation: without the sources, such pages are saved as data
            }
        }, "vmckpt-page-sources");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return f;
    }

    public Repository repository() {
        return repo;
    }

    public String parentId() {
        return parentId;
    }

    public CheckpointInfo lastCheckpoint() {
        return last;
    }

    /** Keep the last checkpoint's frozen memory for fast resets to it (see {@link #reset}). */
    public void setRetainForReset(boolean on) {
        this.retainForReset = on;
    }

    /** The VM's name, recorded in the machine description of every checkpoint from now on (key {@value #NAME_KEY}). */
    public void setVmName(String name) {
        this.vmName = name;
    }

    /** The machine-description key of the VM's name (not part of the machine's identity). */
    public static final String NAME_KEY = "name";

    public boolean busy() {
        return oneAtATime.isLocked();
    }

    /**
     * Runs {@code work} while no checkpoint or reset can run (a live migration freezes memory itself). Waits for
     * one in progress. A retained frozen view (--keep-for-reset) is dropped first: memory holds one frozen view
     * at a time.
     */
    public <T> T exclusive(java.util.concurrent.Callable<T> work) throws Exception {
        oneAtATime.lock();
        try {
            machine.callAtInstructionBoundary(() -> {
                if (retained != null) {
                    retained.release();
                    retained = null;
                }
                return null;
            });
            return work.call();
        } finally {
            oneAtATime.unlock();
        }
    }

    /**
     * Someone else ended dirty-log epochs (a migration's rounds): what they saw written is written since the
     * parent too, or the next incremental checkpoint would miss it.
     */
    public void noteWrittenElsewhere(long[] pages, List<BitSet> diskBlocks) {
        dirtySinceParent.or(BitSet.valueOf(pages));
        for (int i = 0; i < diskBlocks.size() && i < diskDirtySinceParent.length; i++) {
            if (diskBlocks.get(i) != null) diskDirtySinceParent[i].or(diskBlocks.get(i));
        }
    }

    /** Result of one checkpoint. */
    /**
     * Result of one checkpoint; {@code notice} (or null) tells the user something they did not ask for happened,
     * e.g. a full checkpoint where an incremental one was asked for because its parent had been deleted.
     */
    public record Outcome(CheckpointInfo info, long pauseNanos, long totalNanos, String notice) { }

    /**
     * Takes a checkpoint. Call from any thread but the run thread (or with no run loop active). Returns when
     * the checkpoint is committed. On failure nothing is visible in the repository and the VM runs on
     * (or stays paused if {@code stopAfter}).
     */
    public Outcome checkpoint(CheckpointOptions opt, ProgressListener progress) throws Exception {
        oneAtATime.lock();
        Thread self = Thread.currentThread();
        int priority = self.getPriority();
        self.setPriority(Thread.MIN_PRIORITY); // the saver yields to the guest (see FrameCompressor)
        try {
            return checkpointLocked(opt, progress == null ? ProgressListener.NONE : progress);
        } finally {
            self.setPriority(priority);
            oneAtATime.unlock();
        }
    }

    private Outcome checkpointLocked(CheckpointOptions opt, ProgressListener progress) throws Exception {
        long t0 = System.nanoTime();
        GcPauses.Mark gcFrom = GcPauses.mark();
        Map<String, String> config = MachineDescription.describe(machine);
        if (vmName != null) config.put(NAME_KEY, vmName);
        PageSources src = opt.evictDisk() ? pageSources() : null;
        if (src != null) src.describe(config);
        if (opt.hintFree()) requestFreePageHints();
        // A VM the user paused stays paused whatever the checkpoint mode.
        boolean keepPaused = (!opt.live() || opt.stopAfter()) && !machine.isPauseRequested();
        MachineCapture cap = machine.callAtInstructionBoundary(() -> {
            if (retained != null) { // only one frozen view at a time: the new checkpoint replaces it
                retained.release();
                retained = null;
            }
            MachineCapture c = MachineCapture.take(machine);
            if (keepPaused) machine.requestPause();
            return c;
        });
        long pauseEnd = System.nanoTime();
        // Accumulate what changed since the parent before anything can fail.
        FrozenMemory fm = cap.memory;
        long[] written = fm.writtenBitmap();
        dirtySinceParent.or(BitSet.valueOf(written));
        for (int i = 0; i < cap.disks.size(); i++) {
            if (cap.disks.get(i) != null) diskDirtySinceParent[i].or(cap.disks.get(i).writtenBlocks());
        }
        boolean incremental = opt.incremental() && parentId != null;
        String notice = null;
        if (incremental && !repo.contains(parentId)) {
            // Only the changes since the parent are tracked, so no older ancestor can serve as the base: take a full one.
            notice = "the previous checkpoint " + parentId + " was deleted, so this checkpoint is a full one (later incremental checkpoints build on it)";
            incremental = false;
        }
        CheckpointWriter w = null;
        boolean keep = false;
        try {
            CheckpointMeta meta = new CheckpointMeta(opt.label(), opt.live() ? CaptureMode.LIVE : CaptureMode.STOP,
                    fm.pageCount(), config);
            w = repo.begin(meta, opt.codec(), opt.level(), incremental ? parentId : null);
            for (org.vmckpt.checkpoint.store.StateRecord r : cap.records) w.putRecord(r);
            // The pages the guest wrote in the epoch this freeze ended: what a lazy restore fetches first.
            w.setWorkingSet(BitSet.valueOf(written));
            Map<String, Long> evicted = writePages(w, cap, opt, src, incremental, progress);
            writeDisks(w, cap, incremental);
            long stopNanos = keepPaused && !opt.stopAfter() ? System.nanoTime() - t0 : cap.pauseNanos;
            w.setStat(Stats.PAUSE_NS, opt.live() ? cap.pauseNanos : stopNanos);
            w.setStat(Stats.FREEZE_NS, cap.pauseNanos);
            w.setStat(Stats.FREEZE_CPU_NS, cap.pauseCpuNanos);
            for (int i = 0; i < MachineCapture.PARTS.length; i++) w.setStat(MachineCapture.PARTS[i], cap.partNanos[i]);
            w.setStat(Stats.GUEST_INSTRET, cap.instret);
            w.setStat(Stats.PAGES_COW, machine.memory().copyOnWriteCount());
            for (Map.Entry<String, Long> e : evicted.entrySet()) w.setStat(e.getKey(), e.getValue());
            // The collector's pauses so far in this checkpoint (the guest's thread stops for each; see GcPauses).
            GcPauses.Summary gc = GcPauses.since(gcFrom);
            w.setStat(Stats.GC_PAUSES, gc.count());
            w.setStat(Stats.GC_PAUSE_NS, gc.totalNanos());
            w.setStat(Stats.GC_PAUSE_MAX_NS, gc.maxNanos());
            w.setStat(Stats.TOTAL_NS, System.nanoTime() - t0);
            String id = w.commit(progress);
            w = null;
            parentId = id;
            dirtySinceParent.clear();
            for (BitSet b : diskDirtySinceParent) b.clear();
            try (var opened = repo.open(id)) {
                last = opened.info();
            }
            keep = retainForReset;
            long total = System.nanoTime() - t0;
            return new Outcome(last, opt.live() ? cap.pauseNanos : total, total, notice);
        } finally {
            if (w != null) w.abort();
            if (keep) {
                machine.callAtInstructionBoundary(() -> { retained = cap; return null; });
            } else {
                cap.release();
            }
            if (keepPaused && !opt.stopAfter()) machine.requestResume();
        }
    }

    /** Result of a reset. */
    public record ResetOutcome(String checkpointId, long pagesRestored, long nanos, boolean fromMemory) { }

    /**
     * Rolls the running VM back to a checkpoint. For the VM's own last checkpoint (or the one it was restored
     * from) only the pages and disk blocks written since are restored, from memory if the checkpoint's frozen
     * view was retained, else from the repository. Any other checkpoint of a compatible machine is loaded
     * whole. The VM is paused for the duration and then continues from the checkpoint's state.
     */
    public ResetOutcome reset(String ref) throws Exception {
        oneAtATime.lock();
        try {
            String id = repo.resolve(ref);
            if (id.equals(parentId)) {
                ResetOutcome fast = machine.callAtInstructionBoundary(this::resetFromRetainedMemory);
                if (fast != null) return fast;
            }
        } finally {
            oneAtATime.unlock();
        }
        oneAtATime.lock();
        try (org.vmckpt.checkpoint.store.Checkpoint ckpt = repo.open(ref)) {
            java.util.List<String> diffs = MachineDescription.differences(ckpt.config(), machine.config().identity());
            if (!diffs.isEmpty()) {
                throw new RestoreException("checkpoint " + ckpt.id() + " is of a different machine (" + String.join("; ", diffs) + ")");
            }
            // Read and check everything that can fail before touching the machine.
            String mismatch = StateRecords.mismatch(machine.stateParts(), ckpt.records().values());
            if (mismatch != null) throw new RestoreException("checkpoint " + ckpt.id() + " has " + mismatch);
            boolean sameLineage = ckpt.id().equals(parentId);
            return machine.callAtInstructionBoundary(() -> resetOnRunThread(ckpt, sameLineage));
        } finally {
            oneAtATime.unlock();
        }
    }

    /**
     * The fast path of a reset, on the run thread: the target is the last checkpoint and its capture was
     * retained, so everything comes from memory (no repository access): the state records as captured, the
     * pages written since (this epoch's dirty log) copied back from the frozen view, and the disk blocks whose
     * array is no longer the frozen one. Returns null if nothing is retained.
     */
    private ResetOutcome resetFromRetainedMemory() throws Exception {
        MachineCapture cap = retained;
        if (cap == null) return null;
        long t0 = System.nanoTime();
        GuestMemory mem = machine.memory();
        java.util.List<org.vmckpt.machine.state.Snapshottable> parts = machine.stateParts();
        if (StateRecords.mismatch(parts, cap.records) != null) return null;
        long[] written = mem.startNewEpoch();
        int count = 0;
        for (long w : written) count += Long.bitCount(w);
        int[] idx = new int[count];
        byte[][] data = new byte[count][];
        int k = 0;
        for (int w = 0; w < written.length; w++) {
            long bits = written[w];
            while (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                idx[k] = i;
                data[k++] = cap.memory.page(i);
            }
        }
        java.util.Map<Long, byte[]> blocks = new java.util.LinkedHashMap<>();
        java.util.List<VirtioBlk> disks = machine.virtio().disks();
        for (int d = 0; d < disks.size() && d < cap.disks.size(); d++) {
            FrozenOverlay frozen = cap.disks.get(d);
            if (frozen == null) continue;
            org.vmckpt.machine.device.virtio.DiskOverlay o = disks.get(d).overlay();
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) {
                if (o.sameAs(frozen, b)) continue;
                byte[] then = frozen.block(b);
                blocks.put(CheckpointPages.diskKey(d, b), then == null ? null : then.clone());
            }
        }
        StateApplier.apply(machine, cap.records, idx, data, count, blocks);
        mem.startNewEpoch(); // the restored pages equal the checkpoint: they are not "written since" it
        dirtySinceParent.clear();
        return new ResetOutcome(parentId, count, System.nanoTime() - t0, true);
    }

    /**
     * A reset that reads the repository, on the run thread. Everything that can fail (reading pages and blocks) is
     * staged before anything is applied, so the machine is never left half reset.
     */
    private ResetOutcome resetOnRunThread(org.vmckpt.checkpoint.store.Checkpoint ckpt, boolean sameLineage) throws Exception {
        long t0 = System.nanoTime();
        GuestMemory mem = machine.memory();
        BitSet pages;
        if (sameLineage) {
            pages = (BitSet) dirtySinceParent.clone();
            for (int i = 0; i < mem.pageCount(); i++) if (mem.isDirty(i)) pages.set(i);
        } else {
            pages = new BitSet(mem.pageCount());
            pages.set(0, mem.pageCount());
        }
        int count = pages.cardinality();
        int[] idx = new int[count];
        byte[][] data = new byte[count][];
        PageSources sources = PageSources.forCheckpoint(ckpt, machine);
        int k = 0;
        for (int i = pages.nextSetBit(0); i >= 0; i = pages.nextSetBit(i + 1)) {
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            PageKind kind = CheckpointPages.read(ckpt, sources, i, buf);
            idx[k] = i;
            data[k++] = (kind == PageKind.ZERO || kind == PageKind.FREE) ? null : buf;
        }
        // Disk overlays: every block the overlay holds now, and every block the checkpoint's overlay held, back to
        // the checkpoint's contents (null: the base image shows through again).
        java.util.List<VirtioBlk> disks = machine.virtio().disks();
        java.util.Map<Long, byte[]> blocks = new java.util.LinkedHashMap<>();
        for (int d = 0; d < disks.size(); d++) {
            if (disks.get(d).isWriteThrough()) continue;
            org.vmckpt.machine.device.virtio.DiskOverlay o = disks.get(d).overlay();
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) blocks.put(CheckpointPages.diskKey(d, b), null);
        }
        for (org.vmckpt.checkpoint.store.Extent e : ckpt.diskExtents()) {
            for (long j = 0; j < e.length(); j++) blocks.put(e.start() + j, null);
        }
        for (java.util.Map.Entry<Long, byte[]> b : blocks.entrySet()) {
            int d = CheckpointPages.diskOf(b.getKey());
            if (d >= disks.size() || disks.get(d).isWriteThrough()) continue;
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            if (ckpt.readDiskBlock(b.getKey(), buf) != null) b.setValue(buf);
        }
        // Apply. The retained frozen view (if any) belongs to another state from now on: drop it.
        if (retained != null) {
            retained.release();
            retained = null;
        }
        StateApplier.apply(machine, ckpt.records().values(), idx, data, count, blocks);
        mem.startNewEpoch();
        for (VirtioBlk d : disks) if (!d.isWriteThrough()) d.freezeOverlay().release();
        dirtySinceParent.clear();
        for (BitSet b : diskDirtySinceParent) b.clear();
        parentId = ckpt.id();
        return new ResetOutcome(ckpt.id(), count, System.nanoTime() - t0, false);
    }

    private void requestFreePageHints() throws Exception {
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

    private Map<String, Long> writePages(CheckpointWriter w, MachineCapture cap, CheckpointOptions opt, PageSources sources,
                                         boolean incremental, ProgressListener progress) throws IOException {
        FrozenMemory fm = cap.memory;
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
            if (incremental && !dirtySinceParent.get(i)) {
                kind = PageKind.INHERITED;
            } else {
                p = fm.page(i);
                if (p == null) {
                    kind = opt.evictFree() && cap.balloonFree.get(i) ? PageKind.FREE : PageKind.ZERO;
                    if (kind == PageKind.ZERO && !opt.evictZero()) { kind = PageKind.DATA; p = ZERO_PAGE; }
                } else if (opt.evictZero() && GuestMemory.isZeroPage(p)) {
                    kind = PageKind.ZERO;
                } else {
                    origin = sources != null ? fm.completeOrigin(i) : null;
                    if (origin != null && !sources.confirm(origin, p, cap.disks)) origin = null;
                    if (origin == null && sources != null) ref = sources.findInInitramfs(p); // unpacked by the guest itself
                    kind = origin != null || ref >= 0 ? PageKind.SOURCE : PageKind.DATA;
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
        m.put(Stats.PAGES_SAVED, counts[PageKind.DATA.ordinal()]);
        m.put(Stats.PAGES_UNCHANGED, counts[PageKind.INHERITED.ordinal()]);
        return m;
    }

    private PageSources pageSources() {
        try {
            return sources.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    private void writeDisks(CheckpointWriter w, MachineCapture cap, boolean incremental) throws IOException {
        for (int d = 0; d < cap.disks.size(); d++) {
            FrozenOverlay o = cap.disks.get(d);
            if (o == null) continue;
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) {
                if (incremental && !diskDirtySinceParent[d].get((int) b)) continue;
                byte[] data = o.block(b);
                if (GuestMemory.isZeroPage(data)) w.putDiskBlockKind(CheckpointPages.diskKey(d, b), PageKind.ZERO);
                else w.putDiskBlock(CheckpointPages.diskKey(d, b), data);
            }
        }
    }
}
