package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.CaptureRoom;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.memory.FrozenMemory;

import java.util.BitSet;
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
 *
 * <p>This class runs a checkpoint from capture to commit; the concerns it uses are their own classes:
 * {@link Lineage} (the parent and what was written since), {@link PageClassifier} (page classification, eviction,
 * free page hints, disk blocks) and {@link CheckpointReset} (both resets and the retained capture).
 */
public final class CheckpointEngine {
    /**
     * Captures taken and dropped when the engine starts ({@link #warmUp}): the first loads the capture path's
     * classes, the next ones resolve what the first left to resolve (measured: the second and third real captures
     * were still slower than later ones).
     */
    private static final int WARM_UP_CAPTURES = 4;

    private final Machine machine;
    private final Repository repo;
    private final ReentrantLock oneAtATime = new ReentrantLock();
    /** The parent of the next incremental checkpoint and what was written since it. */
    private final Lineage lineage;
    /** Page classification and eviction: how the saver writes a capture's pages and disk blocks. */
    private final PageClassifier pages;
    /** Reset to a checkpoint; holds the retained capture. */
    private final CheckpointReset resets;
    private volatile CheckpointInfo last;
    /** Keep each checkpoint's capture frozen for fast resets ({@link CheckpointReset}). */
    private boolean retainForReset;
    /** The VM's name, saved with each checkpoint so a restored VM answers to it again (null: none saved). */
    private volatile String vmName;
    /** The guest's thread ahead of the others for each capture (null: left as it is; {@link CapturePriority}). */
    private volatile CapturePriority capturePriority;

    public CheckpointEngine(Machine machine, Repository repo, String parentId) {
        this.machine = machine;
        this.repo = repo;
        this.lineage = new Lineage(parentId, machine.virtio().disks().size());
        this.pages = new PageClassifier(machine, repo, lineage);
        this.resets = new CheckpointReset(machine, repo, oneAtATime, lineage);
        // The collectors' reports, for each checkpoint's longest pause: at once, except while a lazy restore brings
        // its pages in (then the page sources' thread starts them, or the first checkpoint): building a report of
        // every collection took the JVM's notification thread a core's share in the restored guest's first moments.
        if (!machine.memory().isLoadingLazily()) GcPauses.listen();
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
                CaptureRoom room = machine.captureRoom();
                MachineCapture c = machine.callAtInstructionBoundary(() -> MachineCapture.take(machine, room));
                c.records(); // (the records' copies, as a checkpoint makes them)
                lineage.noteCaptured(c.memory().writtenBitmap(), c.disks());
                c.release();
            }
            new com.github.luben.zstd.ZstdCompressCtx().close();
        } catch (Exception | LinkageError e) {
            // Only a warm-up: the first checkpoint then pays for it.
        }
    }

    /** The files pages may refer to (disks, boot files), waiting for the side thread that reads them; null if unreadable. */
    PageSources pageSources() {
        return pages.pageSources();
    }

    /**
     * Reads the page sources now, if nobody asked for them yet, and waits for them: for a VM that waits anyway before
     * its guest runs (a migration's destination before its source connects). Read later, in the guest's first second
     * there, their class loading and hashing stalled a post-copy destination's guest for 246-317 ms in 3 of 20 quiet
     * migrations (docs/BENCHMARKS.md, run 20d).
     */
    public void readPageSourcesNow() {
        pages.pageSources();
    }

    /** Whether the page sources have been read already (not waiting for them, nor asking for them). */
    boolean pageSourcesDone() {
        return pages.pageSourcesDone();
    }

    public Repository repository() {
        return repo;
    }

    public String parentId() {
        return lineage.parentId();
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

    /**
     * Puts the guest's thread ahead of every other thread for the capture of each checkpoint from now on, and back after
     * it ({@link CapturePriority}); null: leave it as it is (the default).
     */
    public void setCapturePriority(CapturePriority priority) {
        this.capturePriority = priority;
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
                resets.dropRetained();
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
        lineage.noteWrittenElsewhere(pages, diskBlocks);
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
     * (or stays paused if {@code leavePaused}).
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
        GcPauses.listen(); // already, unless this is the first checkpoint during a lazy restore's load
        GcPauses.Mark gcFrom = GcPauses.mark();
        Map<String, String> config = MachineDescription.describe(machine);
        if (vmName != null) config.put(NAME_KEY, vmName);
        PageSources src = opt.evictDisk() ? pages.pageSources() : null;
        if (src != null) {
            src.dropChangedBootFiles(); // a boot file written since is compared no more (its pages become data)
            src.describe(config);
        }
        if (opt.hintFree()) pages.requestFreePageHints();
        // A VM the user paused stays paused whatever the checkpoint mode.
        boolean keepPaused = (!opt.live() || opt.leavePaused()) && !machine.isPauseRequested();
        // The capture's arrays, made here and not in the guest's pause: an allocation there may start a collection
        // inside the pause (round 67).
        CaptureRoom room = machine.captureRoom();
        // The guest's thread ahead of every other for its wake to the boundary and the capture (off unless set): raised
        // here, lowered by itself right after the capture, before the guest runs on (CapturePriority).
        CapturePriority priority = capturePriority;
        long guestTid = priority != null && machine.isRunLoopActive() ? machine.runThreadHostId() : -1;
        boolean raised = guestTid > 0 && priority.raise(guestTid);
        long[] reached = new long[1]; // when the run thread took the task (Stats.BOUNDARY_WAIT_NS)
        long asked = System.nanoTime();
        MachineCapture cap = machine.callAtInstructionBoundary(() -> {
            reached[0] = System.nanoTime();
            try {
                resets.dropRetained(); // only one frozen view at a time: the new checkpoint replaces it
                MachineCapture c = MachineCapture.take(machine, room);
                if (keepPaused) machine.requestPause();
                return c;
            } finally {
                if (raised) priority.lower(guestTid);
            }
        });
        long pauseEnd = System.nanoTime();
        // Accumulate what changed since the parent before anything can fail.
        FrozenMemory fm = cap.memory();
        long[] written = fm.writtenBitmap();
        lineage.noteCaptured(written, cap.disks());
        String parentId = lineage.parentId();
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
            for (org.vmckpt.checkpoint.store.StateRecord r : cap.records()) w.putRecord(r);
            // The pages the guest wrote in the epoch this freeze ended: what a lazy restore fetches first.
            w.setWorkingSet(written); // from the words: no BitSet copy of them here, no clone in the writer
            Map<String, Long> evicted = pages.writePages(w, cap, opt, src, incremental, progress);
            if (src != null) src.checkBootFilesUnchanged(); // pages compared with a file that changed meanwhile: refused
            pages.writeDisks(w, cap, incremental);
            long stopNanos = keepPaused && !opt.leavePaused() ? System.nanoTime() - t0 : cap.pauseNanos;
            w.setStat(Stats.PAUSE_NS, opt.live() ? cap.pauseNanos : stopNanos);
            w.setStat(Stats.FREEZE_NS, cap.pauseNanos);
            w.setStat(Stats.FREEZE_CPU_NS, cap.pauseCpuNanos);
            w.setStat(Stats.FREEZE_ALLOCATED_BYTES, cap.pauseAllocatedBytes);
            w.setStat(Stats.FREEZE_GCS, cap.pauseCollections);
            w.setStat(Stats.BOUNDARY_WAIT_NS, reached[0] - asked);
            long[] parts = cap.partNanos();
            for (int i = 0; i < MachineCapture.PARTS.length; i++) w.setStat(MachineCapture.PARTS[i], parts[i]);
            w.setStat(Stats.GUEST_INSTRET, cap.instret());
            w.setStat(Stats.PAGES_COW, machine.memory().copyOnWriteCount());
            for (Map.Entry<String, Long> e : evicted.entrySet()) w.setStat(e.getKey(), e.getValue());
            // The collector's pauses so far in this checkpoint (the guest's thread stops for each; see GcPauses).
            GcPauses.Summary gc = GcPauses.since(gcFrom);
            w.setStat(Stats.GC_PAUSES, gc.count());
            w.setStat(Stats.GC_PAUSE_NS, gc.totalNanos());
            w.setStat(Stats.GC_PAUSE_MAX_NS, gc.maxNanos());
            w.setStat(Stats.TOTAL_NS, System.nanoTime() - t0);
            // What the guest wrote first since the freeze, while this checkpoint was saved (a live one): a guest
            // restored from it does the same first, so a lazy restore fetches those pages first, in that order.
            w.setWriteOrder(fm.writeOrderSince());
            String id = w.commit(progress);
            CheckpointInfo committedInfo = w.committedInfo();
            w = null;
            lineage.startFrom(id);
            if (committedInfo != null && repo.reusesWriterTables()) {
                last = committedInfo; // what reading the manifest back gives, without decoding it again
            } else {
                try (var opened = repo.open(id)) {
                    last = opened.info();
                }
            }
            keep = retainForReset;
            long total = System.nanoTime() - t0;
            return new Outcome(last, opt.live() ? cap.pauseNanos : total, total, notice);
        } finally {
            // Whether anything may still read the capture's frozen arrays: not once committed (the compressors are
            // done), nor once an aborted writer's compressors have stopped (it waits for them); nothing before a writer.
            boolean readersDone = true;
            if (w != null) {
                w.abort();
                readersDone = w.readsNoMore();
            }
            if (keep) {
                machine.callAtInstructionBoundary(() -> { resets.retain(cap); return null; });
            } else if (readersDone && machine.memory().spares().recycling()) {
                // Nothing reads the frozen arrays any more: those the guest replaced meanwhile go to copy-on-write
                // (SparePages), on the run thread, which alone may compare the frozen table with the live one. After an
                // abort too (since round 65): the copies it made took spares, and the arrays they replaced give them back.
                try {
                    machine.callAtInstructionBoundary(() -> { cap.releaseRecycling(); return null; });
                } catch (Exception e) {
                    if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                    cap.release(); // (interrupted waiting for the run thread: released by it, recycling nothing)
                }
            } else {
                cap.release(); // on the run thread (MachineCapture.release)
            }
            if (keepPaused && !opt.leavePaused()) machine.requestResume();
        }
    }

    /** Result of a reset. */
    public record ResetOutcome(String checkpointId, long pagesRestored, long nanos, boolean fromMemory) { }

    /**
     * Rolls the running VM back to a checkpoint. For the VM's own last checkpoint (or the one it was restored
     * from) only the pages and disk blocks written since are restored, from memory if the checkpoint's frozen
     * view was retained, else from the repository. Any other checkpoint of a compatible machine is loaded
     * whole. The VM is paused for the duration and then continues from the checkpoint's state ({@link CheckpointReset}).
     */
    public ResetOutcome reset(String ref) throws Exception {
        return resets.reset(ref);
    }

}
