package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.MachineCapture;
import org.vmckpt.checkpoint.MachineDescription;
import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The sending side of a live migration: {@link #run()} moves the machine to a destination that waits with
 * {@code vmckpt run --incoming}. Until the destination has confirmed that it holds and checked the whole state
 * (READY) and been told to run (GO), this side keeps every page and resumes the guest on any failure or
 * {@link #cancel()}. After GO the guest never runs here again.
 *
 * <p>Pre-copy: round 0 freezes memory (the checkpoint engine's copy-on-write freeze) and sends every non-zero
 * page; each later round freezes again and sends the pages the dirty log names; when a round is small enough to
 * send in about {@link #TARGET_STOP_NANOS}, or rounds stop shrinking, the guest is paused, the last dirty pages,
 * disk blocks and state records are sent, and the destination checks the state digest.
 *
 * <p>Post-copy: the same rounds, then the pause sends the last disk blocks and the state records, no page before
 * them; the pages written since the last round (the guest's working set) follow STATE at once, up to a budget, and
 * the destination takes them before READY (protocol 11); after GO any others follow in index order while pages the
 * destination asks for (REQUEST) jump the queue. With
 * {@code switchAtOnce} there are no rounds: the guest is paused at once and every page is pulled or streamed.
 */
public final class MigrationSource {
    /** The pause a pre-copy aims at for its final stop-and-copy. */
    static final long TARGET_STOP_NANOS = 30_000_000L;
    /**
     * The working set a post-copy's rounds aim at before they switch over: about this long to send. The pause sends
     * that set (as deltas, {@link #deltaPages}), so it is the floor of the guest's stall: stopping at pre-copy's 30 ms
     * point, sending it took 7-9 ms of an 11 ms pause on a quiet host (docs/BENCHMARKS.md, run 12b). A round of deltas
     * costs a few microseconds a page while the guest runs, so a few rounds more bring the set down to about the pages
     * the guest writes in the time of a round (run 14).
     */
    static final long POSTCOPY_TARGET_STOP_NANOS = 1_000_000L;
    static final int MAX_ROUNDS = 30;
    /** Rounds in a row that may fail to shrink the dirty set before pre-copy stops iterating. */
    static final int MAX_NON_SHRINKING_ROUNDS = 4;

    /** Told of every status change (on the migration thread). */
    public interface Listener {
        void status(MigrationStatus status);
    }

    /** A snapshot of the migration for query-migrate. */
    public record Progress(MigrationStatus status, MigrationMode mode, long bytesSent, long pagesSent, long pagesRemaining,
                           long totalPages, int rounds, long totalNanos, long downtimeNanos, long setupNanos, String error,
                           StopAndCopy stop, long pagesReferred, long pagesDeferred, long pagesDelta, java.util.Map<String, Long> bytes) { }

    /**
     * Where the switch-over's pause went (null until GO): the dirty pages it sent (pre-copy) or left to be pulled
     * (post-copy); from the pause to the last page and disk block written, then the state records and digest
     * written, then waiting for the destination's READY (its digest check and loading the records, and the round
     * trip); of which computing the source's digest took {@code digestNanos}. Post-copy (protocol 11): of the
     * {@code dirtyPages} STATE names, {@code pushedPages} were sent right after it, before GO, which took
     * {@code pushNanos} (inside {@code readyNanos}: the destination checks the state meanwhile). {@code pausedAtNanos} and
     * {@code goAtNanos} are the pause's start and GO's send on {@link System#nanoTime}'s clock (the host's monotonic
     * clock on Linux, shared by every process: a benchmark lays them beside the destination's and the guest's output).
     * {@code allocatedBytes}: what the switch-over allocated, from the decision to pause to GO, on the migration thread
     * and on the run thread for the final capture (-1: not counted); {@code collections}: the collections of this JVM
     * in that span ({@link SwitchAllocation}).
     */
    public record StopAndCopy(long dirtyPages, long sendNanos, long stateNanos, long readyNanos, long digestNanos,
                              long freezeNanos, long pagesNanos, long disksNanos, long pausedAtNanos, long goAtNanos,
                              long pushedPages, long pushNanos, long allocatedBytes, long collections) { }

    private final Machine machine;
    private final CheckpointEngine engine;
    private final MigrationEndpoint endpoint;
    private final TlsCredentials tls;
    private final MigrationMode mode;
    private final boolean switchAtOnce;
    private final Listener listener;

    private volatile MigrationStatus status = MigrationStatus.SETUP;
    private volatile MigrationConnection conn;
    private volatile boolean cancelRequested;
    private volatile boolean switchedOver;
    private volatile String error;
    private volatile long pagesSent;
    private volatile long pagesRemaining;
    private volatile int rounds;
    private final long startNanos = System.nanoTime();
    private volatile long endNanos;
    private volatile long downtimeNanos = -1;
    private volatile long setupNanos;
    private volatile StopAndCopy stop;
    private long stopPages;
    private long stateDigestNanos;
    private StateDigest digest;
    /** Frame encoding with its zstd context: used by the migration thread only. */
    private final PageFrames frames;
    /**
     * What this migration uses that was made before it ({@link SourceParts}: its encoders, digest and table of copies
     * sent), or null: it makes its own. Dropped when the migration ends (the table then holds copies no one needs).
     */
    private SourceParts parts;
    /**
     * Whether the data chunks go through the connection's zstd stream until GO (protocol 14, {@link ChunkStream}), up to
     * its budget ({@link StreamBudget}): {@code -Dvmckpt.migration.streamBudgetMiB=0} compresses each chunk on its own,
     * as a checkpoint's pack frames are (as protocol 13 did).
     */
    static final boolean STREAM_CHUNKS = StreamBudget.BYTES > 0;
    /** Pages that may travel as references to files both ends hold (the checkpoint's page classification). */
    private PageReferences references;
    private volatile long pagesReferred;
    /** Pages a round left for the next because the guest wrote them again before they were sent. */
    private volatile long pagesDeferred;
    /** Pages sent again as a delta against the copy sent before. */
    private volatile long pagesDelta;
    /** Kernel pages the boot patched, sent as the kernel file's page plus the XOR (PAGE_SOURCE_DELTA). */
    private volatile long pagesFileDelta;
    /** Per frame slot, the kernel file's page a PAGE_SOURCE_DELTA is XORed with (allocated when first needed). Migration thread only. */
    private final byte[][] filePages = new byte[MigrationWire.ROUND_PAGES_PER_FRAME][];

    /** Pages sent as a boot file's page plus an XOR delta (PAGE_SOURCE_DELTA). */
    public long pagesFileDelta() {
        return pagesFileDelta;
    }

    /**
     * For page {@code i} (bytes {@code page}, no reference, no copy sent before) in frame slot {@code n}, the frame's
     * data page number {@code unit} (below 64): the kernel page it was loaded from if the boot patched it in a few bytes
     * ({@link PageReferences#findKernelDelta}), with {@code base[n]} set to that file page; else NONE (also when the file
     * cannot be read: the page then goes whole).
     */
    private long fileDelta(int i, byte[] page, int n, int unit, byte[][] base) {
        if (filePages[unit] == null) filePages[unit] = new byte[GuestMemory.PAGE_SIZE];
        long r;
        try {
            r = references.findKernelDelta(i, page, filePages[unit]);
        } catch (IOException e) {
            return PageReferences.NONE;
        }
        if (r != PageReferences.NONE) {
            base[n] = filePages[unit];
            pagesFileDelta++;
        }
        return r;
    }

    public MigrationSource(Machine machine, CheckpointEngine engine, MigrationEndpoint endpoint, TlsCredentials tls,
                           MigrationMode mode, Listener listener) {
        this(machine, engine, endpoint, tls, mode, false, listener);
    }

    /**
     * {@code switchAtOnce} (post-copy only): pause and switch over without copy rounds first, as QEMU's
     * migrate-start-postcopy issued at once. Each page then travels exactly once, but every page the guest
     * touches before it has streamed in is a round trip: the guest's stall grows with what it touches.
     */
    public MigrationSource(Machine machine, CheckpointEngine engine, MigrationEndpoint endpoint, TlsCredentials tls,
                           MigrationMode mode, boolean switchAtOnce, Listener listener) {
        this(machine, engine, endpoint, tls, mode, switchAtOnce, listener, null);
    }

    /**
     * As above, with {@code parts} made for this VM before the migration (null, or parts for another size of memory: it
     * makes its own). Parts serve one migration: hand them to one source only.
     */
    public MigrationSource(Machine machine, CheckpointEngine engine, MigrationEndpoint endpoint, TlsCredentials tls,
                           MigrationMode mode, boolean switchAtOnce, Listener listener, SourceParts parts) {
        this.parts = parts != null && parts.pageCount == machine.memory().pageCount() ? parts : null;
        this.frames = this.parts != null ? this.parts.frames : new PageFrames();
        if (switchAtOnce && mode != MigrationMode.POSTCOPY) throw new IllegalArgumentException("only a post-copy migration can switch over at once");
        this.switchAtOnce = switchAtOnce;
        this.machine = machine;
        this.engine = engine;
        this.endpoint = endpoint;
        this.tls = tls;
        this.mode = mode;
        this.listener = listener == null ? s -> { } : listener;
    }

    public MigrationStatus status() {
        return status;
    }

    /** The caller's thread keeps its priority while {@link #run} runs ({@link MigrationWarmUp}'s throwaway migrations: low). */
    void keepPriority() {
        keepPriority = true;
    }

    private boolean keepPriority;

    public Progress progress() {
        MigrationConnection c = conn;
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new Progress(status, mode, c == null ? 0 : c.bytesSent(), pagesSent, pagesRemaining, machine.memory().pageCount(), rounds,
                end - startNanos, downtimeNanos, setupNanos, error, stop, pagesReferred, pagesDeferred, pagesDelta, bytesAccount(c));
    }

    /**
     * Where the bytes sent went (query-migrate's {@code vmckpt-bytes}): by frame type (PAGES split into their headers,
     * page tables and data), by phase (round 0, the later rounds, the switch-over from the pause to GO, after GO), the
     * bytes put on the TCP connection (TLS records and handshake included; -1 if not counted), and pages sent again
     * unchanged. Read while the migration runs, the counters may be a frame apart.
     */
    private Map<String, Long> bytesAccount(MigrationConnection c) {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (c == null) return m;
        long total = c.bytesSent();
        long pages = c.bytesSent(MigrationWire.PAGES);
        long tables = frames.tableBytes() + (urgentFrames == null ? 0 : urgentFrames.tableBytes());
        long data = frames.dataBytes() + (urgentFrames == null ? 0 : urgentFrames.dataBytes());
        m.put("pages-frames", pages);
        m.put("pages-tables", tables);
        m.put("pages-data", data);
        m.put("pages-headers", pages - tables - data);
        m.put("disk-frames", c.bytesSent(MigrationWire.DISK));
        m.put("state-frame", c.bytesSent(MigrationWire.STATE));
        m.put("other-frames", total - pages - c.bytesSent(MigrationWire.DISK) - c.bytesSent(MigrationWire.STATE));
        long r0 = bytesAfterRound0, pause = bytesAtPause, go = bytesAtGo;
        m.put("round-0", r0);
        m.put("later-rounds", pause >= 0 ? pause - r0 : -1);
        m.put("switch-over", go >= 0 ? go - pause : -1);
        m.put("after-go", go >= 0 ? total - go : -1);
        m.put("wire", c.wireBytesSent());
        m.put("pages-resent-unchanged", frames.unchangedPages() + (urgentFrames == null ? 0 : urgentFrames.unchangedPages()));
        // What the PAGES frames held (protocol 13's accounting, docs/BENCHMARKS.md round 53): how many frames, how many
        // had their table as runs, pages sent whole, as deltas, as words, and the words' data bytes.
        PageFrames u = urgentFrames;
        m.put("pages-frame-count", frames.pagesFrames() + (u == null ? 0 : u.pagesFrames()));
        m.put("pages-run-tables", frames.runTables() + (u == null ? 0 : u.runTables()));
        m.put("pages-chunks", frames.pageChunks() + (u == null ? 0 : u.pageChunks()));
        m.put("pages-whole", frames.wholePages() + (u == null ? 0 : u.wholePages()));
        m.put("pages-delta", frames.deltaPages() + (u == null ? 0 : u.deltaPages()));
        m.put("pages-words", frames.wordsPages() + (u == null ? 0 : u.wordsPages()));
        m.put("pages-word-bytes", frames.wordBytes() + (u == null ? 0 : u.wordBytes()));
        m.put("stream-chunks", frames.streamChunks()); // data chunks sent through the connection's zstd stream (protocol 14)
        m.put("stream-input", frames.streamedBytes()); // chunk bytes the stream carried, and whether its budget ran out
        m.put("stream-budget-spent", frames.streamBudgetSpent() ? 1L : 0L);
        m.put("pages-file-delta", pagesFileDelta);
        m.put("frames-quiet-level", quietFrames);
        // Not bytes: the guest's copy-on-write copies since the migration began, of them those made into spares, and the
        // arrays the migration handed back as spares. A copy without a spare is a new array in the young generation, which
        // its next collection promotes (docs/BENCHMARKS.md run 30).
        m.put("cow-copies", machine.memory().copyOnWriteCount() - copiesAtStart);
        m.put("cow-spares-taken", machine.memory().spares().taken() - sparesTakenAtStart);
        m.put("pages-recycled", pagesRecycled);
        return m;
    }

    /** Copy-on-write's counts when the migration began (vmckpt-bytes' cow-copies, cow-spares-taken). */
    private volatile long copiesAtStart;
    private volatile long sparesTakenAtStart;

    /** conn.bytesSent() after round 0 (its SYNC), when the switch-over's pause began, and once GO was sent; -1: not yet. */
    private volatile long bytesAfterRound0 = -1;
    private volatile long bytesAtPause = -1;
    private volatile long bytesAtGo = -1;

    /**
     * Asks the migration to stop. Before switch-over the source resumes (if the migration paused it) and keeps
     * running; after switch-over it is refused: the destination already runs the guest.
     */
    public void cancel() throws MigrationException {
        if (switchedOver) throw new MigrationException("the migration is past switch-over (the destination runs the guest); it cannot be cancelled");
        if (status.finished()) return;
        cancelRequested = true;
        setStatus(MigrationStatus.CANCELLING);
        MigrationConnection c = conn;
        if (c != null) {
            c.sendErrorQuietly("the source cancelled the migration");
            c.close();
        }
    }

    private void setStatus(MigrationStatus s) {
        if (status == s) return;
        if (status == MigrationStatus.CANCELLING && s != MigrationStatus.CANCELLED && s != MigrationStatus.FAILED) return;
        status = s;
        listener.status(s);
    }

    /**
     * Runs the whole migration on the calling thread; returns when it completed, or throws why it did not. The
     * thread runs at the guest's priority meanwhile: a migration that gets less CPU than the guest dirties memory
     * never converges, and the stop-and-copy is the guest's stall (on a busy host, priorities are nice values).
     */
    public void run() throws MigrationException {
        Thread self = Thread.currentThread();
        int priority = self.getPriority();
        if (!keepPriority) self.setPriority(Thread.MAX_PRIORITY);
        listener.status(MigrationStatus.SETUP);
        try {
            if (engine != null) engine.exclusive(() -> { migrate(); return null; });
            else migrate();
            endNanos = System.nanoTime();
            setStatus(MigrationStatus.COMPLETED);
        } catch (Exception e) {
            endNanos = System.nanoTime();
            MigrationException m = e instanceof MigrationException me ? me
                    : new MigrationException(cancelRequested ? "the migration was cancelled" : "the migration failed: " + describe(e), e);
            if (cancelRequested && !switchedOver) m = new MigrationException("the migration was cancelled; the VM runs on here", e);
            error = m.getMessage();
            // Past GO the guest may run at the destination: this copy stays paused whatever the status says.
            boolean postCopyBroke = switchedOver && mode == MigrationMode.POSTCOPY;
            setStatus(postCopyBroke ? MigrationStatus.POSTCOPY_PAUSED : cancelRequested && !switchedOver ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
            throw m;
        } finally {
            MigrationConnection c = conn;
            if (c != null) c.close();
            self.setPriority(priority);
        }
    }

    /**
     * Resumes a post-copy migration that lost its connection after switch-over (status postcopy-paused; QEMU's
     * {@code migrate} with {@code resume: true}) to a destination that waits for it ({@code migrate-recover}).
     * The destination names the pages it still lacks; this side, which still holds the guest as it was at
     * switch-over (paused, never run since), sends those and then END. Runs on the calling thread; on failure the
     * status is postcopy-paused again and another resume may follow.
     */
    public void resume(MigrationEndpoint to, TlsCredentials tlsNow) throws MigrationException {
        beginResume();
        continueResume(to, tlsNow);
    }

    /** The first half of {@link #resume}, for a caller that runs the rest on another thread: checks and marks postcopy-recover. */
    public synchronized void beginResume() throws MigrationException {
        if (status != MigrationStatus.POSTCOPY_PAUSED || postCopyPending == null) {
            throw new MigrationException("only a post-copy migration that lost its destination after switch-over (postcopy-paused) can be resumed; "
                    + "this one is " + status.qmpName());
        }
        error = null;
        endNanos = 0;
        setStatus(MigrationStatus.POSTCOPY_RECOVER);
    }

    /** The second half of {@link #resume}, after {@link #beginResume}. */
    public void continueResume(MigrationEndpoint to, TlsCredentials tlsNow) throws MigrationException {
        if (status != MigrationStatus.POSTCOPY_RECOVER) throw new MigrationException("the migration is not being resumed (status " + status.qmpName() + ")");
        Thread self = Thread.currentThread();
        int priority = self.getPriority();
        self.setPriority(Thread.MAX_PRIORITY);
        try {
            if (engine != null) engine.exclusive(() -> { resumePostCopy(to, tlsNow); return null; });
            else resumePostCopy(to, tlsNow);
            endNanos = System.nanoTime();
            setStatus(MigrationStatus.COMPLETED);
        } catch (Exception e) {
            endNanos = System.nanoTime();
            MigrationException m = e instanceof MigrationException me ? me : new MigrationException("resuming the migration failed: " + describe(e), e);
            error = m.getMessage();
            setStatus(MigrationStatus.POSTCOPY_PAUSED);
            throw m;
        } finally {
            MigrationConnection c = conn;
            if (c != null) c.close();
            self.setPriority(priority);
        }
    }

    private void resumePostCopy(MigrationEndpoint to, TlsCredentials tlsNow) throws Exception {
        List<MachineCapture> toRelease = new ArrayList<>();
        try {
            conn = MigrationConnection.connect(to, tlsNow);
            conn.sendOpening(MigrationWire.VERSION);
            // Names the migration: the records and disk blocks of the switch-over, which the destination holds too.
            conn.send(MigrationWire.RESUME, new MigrationWire.PayloadWriter().bytes(digest.digest(records, false)).toByteArray());
            MigrationWire.Frame f = conn.receive();
            if (f.type() == MigrationWire.ERROR) throw new MigrationException("the destination refused to resume: " + f.read().string("message"));
            if (f.type() != MigrationWire.RESUMED) throw new MigrationException("the destination answered " + MigrationWire.name(f.type()) + " instead of RESUMED");
            MigrationWire.Payload p = f.read();
            int words = p.count((machine.memory().pageCount() + 63) / 64, "missing pages bitmap");
            long[] bits = new long[words];
            for (int i = 0; i < words; i++) bits[i] = p.i64();
            p.end();
            BitSet missing = BitSet.valueOf(bits);
            BitSet stray = (BitSet) missing.clone();
            stray.andNot(postCopyPending);
            if (!stray.isEmpty()) throw new MigrationException("the destination asks for page " + stray.nextSetBit(0) + ", which post-copy never owed it");
            // The guest has not run here since switch-over: a fresh freeze is the switch-over's memory.
            MachineCapture view = capture(false, toRelease);
            PostCopyClaims owed = new PostCopyClaims(view.memory(), missing, digest);
            requestReader = null;
            startRequestReader(view.memory(), owed);
            setStatus(MigrationStatus.POSTCOPY_ACTIVE);
            streamPostCopy(view, missing, owed);
        } finally {
            releaseRequestReader();
            for (MachineCapture c : toRelease) machine.callAtInstructionBoundary(() -> { c.release(); return null; });
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void migrate() throws Exception {
        userPaused = machine.isPauseRequested();
        boolean pausedHere = false;
        List<MachineCapture> toRelease = new ArrayList<>();
        digest = parts != null ? parts.digest : new StateDigest(machine.memory().pageCount());
        references = PageReferences.forSource(machine, engine);
        // Copy-on-write takes the arrays this migration hands back instead of allocating (SparePages): memory stays
        // frozen from round 0 to the end, and each copy promoted by a young collection was a pause of the guest.
        machine.memory().spares().setEnabled(true);
        copiesAtStart = machine.memory().copyOnWriteCount();
        sparesTakenAtStart = machine.memory().spares().taken();
        try {
            if (machine.memory().isFrozen()) throw new MigrationException("a checkpoint holds the VM's memory frozen; migrate once it has finished");
            Map<String, String> description = MachineDescription.describe(machine);
            conn = MigrationConnection.connect(endpoint, tls);
            if (cancelRequested) throw new MigrationException("cancelled");
            hello(description);
            setupNanos = System.nanoTime() - startNanos;
            if (mode == MigrationMode.POSTCOPY) {
                claims = null;
                requestReader = null;
                prepareRequestReader();
            }
            MachineCapture last;
            if (mode == MigrationMode.POSTCOPY && switchAtOnce) {
                // The disk overlay goes before the pause (it may be large); the final capture adds what changed since.
                MachineCapture disks = capture(false, toRelease);
                sendDisks(disks, true);
                sentView = disks.memory(); // sent: nothing to carry
                markSwitch();
                last = recapture(disks, !userPaused, toRelease);
            } else {
                // Both modes copy memory in rounds while the guest runs (post-copy too, as QEMU's does until
                // migrate-start-postcopy): what differs is the last dirty set, sent in the pause or pulled after it.
                setStatus(MigrationStatus.ACTIVE);
                last = precopyRounds(toRelease);
            }
            pausedHere = !userPaused;
            long sentBeforePause = pagesSent;
            bytesAtPause = conn.bytesSent();
            if (bytesAfterRound0 < 0) bytesAfterRound0 = bytesAtPause; // switched at once: no rounds
            long frozen = System.nanoTime(); // the pause's parts: the freeze, pages, disks, state, the wait for READY
            setStatus(MigrationStatus.DEVICE);
            BitSet pending = null;
            if (mode == MigrationMode.PRECOPY) {
                stopPages = sendPages(last, false, false);
            } else if (switchAtOnce) {
                pending = presentPages(last.memory());
                stopPages = pending.cardinality();
            } else {
                // The pages written since the last round are not sent before STATE (protocol 11): they go right after
                // it, below, while the destination checks and loads the state.
                pending = dirtySinceSent(last.memory());
                stopPages = pending.cardinality();
            }
            long pagesSentAt = System.nanoTime();
            sendDisks(last, false);
            long sent = System.nanoTime();
            // Post-copy: the working set to send right after STATE (which says how many pages), before READY.
            int[] push = pending != null && !switchAtOnce && workingSetBeforeGo ? workingSetToPush(pending, stopBudget) : new int[0];
            sendState(last, pending, push.length);
            long stateSent = System.nanoTime();
            if (pending != null) {
                claims = new PostCopyClaims(last.memory(), pending, digest);
                if (push.length > 0) pagesPushed = pushWorkingSet(claims, last, push);
            }
            awaitReady();
            long ready = System.nanoTime();
            if (cancelRequested) throw new MigrationException("cancelled");
            // The point of no return: once GO is on its way the destination may run the guest, so this copy never does.
            switchedOver = true;
            frames.streamChunks(false); // post-copy's frames after GO are compressed each on its own (a resume needs no old stream)
            pagesSentInPause = pagesSent - sentBeforePause;
            deltasBeforeSwitch = pagesDelta;
            // GO says how long the guest has been paused (protocol 9): the destination's guest clock counts that time, as
            // real time passed for the guest (MachineClock.leapOnResume); -1 when the user had paused it (then invisible).
            long goSent = System.nanoTime();
            conn.send(MigrationWire.GO, new MigrationWire.PayloadWriter().i64(userPaused ? -1 : goSent - pausedAt).toByteArray());
            downtimeNanos = goSent - pausedAt;
            bytesAtGo = conn.bytesSent();
            long allocated = SwitchAllocation.allocatedByThisThread();
            allocated = allocated < 0 || switchAllocatedMark < 0 || finalCaptureAllocated < 0 ? -1
                    : allocated - switchAllocatedMark + finalCaptureAllocated;
            stop = new StopAndCopy(stopPages, sent - pausedAt, stateSent - sent, ready - stateSent, stateDigestNanos,
                    frozen - pausedAt, pagesSentAt - frozen, sent - pagesSentAt, pausedAt, goSent, pagesPushed, pushNanos,
                    allocated, SwitchAllocation.collections() - switchCollectionsMark);
            if (mode == MigrationMode.POSTCOPY) {
                // The thread that answers the destination's requests first: a page the guest touches may be asked for
                // as soon as GO is there, and closing the port forwards (below) can wait that long.
                postCopyPending = pending;
                startRequestReader(last.memory(), claims);
            }
            releaseHostPorts();
            if (mode == MigrationMode.POSTCOPY) {
                setStatus(MigrationStatus.POSTCOPY_ACTIVE);
                streamPostCopy(last, pending, claims);
            } else {
                awaitDone();
            }
        } catch (Exception e) {
            if (!switchedOver && pausedHere) machine.requestResume();
            if (e instanceof IOException && conn != null && !cancelRequested && !switchedOver) {
                // A write failed (broken pipe, reset): the destination may have said why before it hung up.
                String why = conn.peerErrorQuietly(1_000);
                if (why != null) e = new MigrationException("the destination refused the migration: " + why, e);
            }
            if (conn != null && !switchedOver) conn.sendErrorQuietly("the source gives up: " + describe(e));
            throw e;
        } finally {
            releaseRequestReader();
            machine.memory().spares().setEnabled(false);
            for (MachineCapture c : toRelease) machine.callAtInstructionBoundary(() -> { c.release(); return null; });
            lastSent = null; // the old copies it holds are garbage now
            parts = null; // so is the table it came in
            java.util.Arrays.fill(deferredArrays, 0, deferredCount, null);
            deferredCount = 0;
        }
    }

    /**
     * After GO: the guest has left, so its port forwards go with it. The listeners close (the destination, on this
     * host or another, binds the same ports once it has GO and retries while they are still held here), and every
     * connection relayed through this process's sockets is reset on both sides: they are host sockets of this
     * process and cannot move; the destination resets them in the guest when it loads the network's record.
     */
    private void releaseHostPorts() {
        if (machine.virtio().net() == null) return;
        machine.virtio().net().backend().closeForwards();
        hostPortsReleased = true;
    }

    /** Whether this source closed its port forwards at GO (a pre-copy that failed after GO: resuming here reopens them). */
    public boolean hostPortsReleased() {
        return hostPortsReleased;
    }

    private volatile boolean hostPortsReleased;

    private void hello(Map<String, String> description) throws Exception {
        references.describe(description); // the boot files' hashes: the destination says which it holds too
        conn.sendOpening(MigrationWire.VERSION);
        // The rounds' and the pause's chunks go through the connection's stream, until GO (below: after it, a resumed
        // connection would start with the old one's stream).
        frames.streamChunks(STREAM_CHUNKS);
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter()
                .u8(mode.ordinal()).i32(machine.memory().pageCount()).i32(description.size());
        for (Map.Entry<String, String> e : description.entrySet()) w.string(e.getKey()).string(e.getValue());
        conn.send(MigrationWire.HELLO, w.toByteArray());
        MigrationWire.Frame f = conn.receive();
        if (f.type() == MigrationWire.ERROR) throw new MigrationException("the destination refused the migration: " + f.read().string("message"));
        if (f.type() != MigrationWire.ACCEPT) throw new MigrationException("the destination answered " + MigrationWire.name(f.type()) + " instead of ACCEPT");
        MigrationWire.Payload p = f.read();
        int n = p.count(16, "boot file count");
        List<Integer> boot = new ArrayList<>();
        for (int i = 0; i < n; i++) boot.add(p.i32());
        p.end();
        references.referOnlyTo(boot);
    }

    /** Freezes memory and disks at an instruction boundary; tells the checkpoint engine what the epoch wrote. */
    private MachineCapture capture(boolean pause, List<MachineCapture> toRelease) throws Exception {
        return capture(pause, toRelease, null);
    }

    /** As above, releasing {@code previous} (if not null) first at the same boundary. */
    private MachineCapture capture(boolean pause, List<MachineCapture> toRelease, MachineCapture previous) throws Exception {
        org.vmckpt.machine.CaptureRoom room = machine.captureRoom(); // the capture's arrays, made outside the pause
        MachineCapture c = machine.callAtInstructionBoundary(() -> {
            if (previous != null) previous.release();
            // The guest's clock stops here, before its record is written, not at the run loop's next turn: the
            // record then holds the time the source stays frozen at, and the destination's leap (from pausedAt)
            // counts every moment of the pause. Frozen at the loop's turn, the source's clock ran on past the record
            // for the rest of the capture (0.3 ms, more if the thread lost its CPU there), and the destination's
            // clock could end behind the source's by that much less the pause.
            long a0 = pause ? SwitchAllocation.allocatedByThisThread() : 0;
            if (pause) machine.pauseNow();
            MachineCapture cap = MachineCapture.take(machine, room);
            if (pause) finalCaptureAllocated = a0 < 0 ? -1 : SwitchAllocation.allocatedByThisThread() - a0;
            pausedAt = System.nanoTime() - cap.pauseNanos();
            viewFrozenAt = pausedAt; // the dirty log's epoch (the guest's writes since) starts with this freeze
            return cap;
        });
        toRelease.add(c);
        if (engine != null) {
            List<BitSet> disks = new ArrayList<>();
            for (FrozenOverlay o : c.disks()) disks.add(o == null ? null : o.writtenBlocks());
            engine.noteWrittenElsewhere(c.memory().writtenBitmap(), disks);
        }
        return c;
    }

    /**
     * Waits until the destination has applied everything sent so far (SYNC, SYNCED). A round's rate is then what
     * the destination absorbs, not what fits in the sockets' buffers, and the stop-and-copy never queues behind
     * an earlier round still in flight: it is the guest's stall.
     */
    private void sync() throws Exception {
        long n = ++syncs;
        conn.send(MigrationWire.SYNC, new MigrationWire.PayloadWriter().i64(n).toByteArray());
        MigrationWire.Frame f = conn.receive();
        if (f.type() == MigrationWire.ERROR) throw new MigrationException("the destination refused the migration: " + f.read().string("message"));
        if (f.type() != MigrationWire.SYNCED) throw new MigrationException("the destination answered " + MigrationWire.name(f.type()) + " instead of SYNCED");
        MigrationWire.Payload p = f.read();
        long back = p.i64();
        p.end();
        if (back != n) throw new MigrationException("the destination confirmed round " + back + " instead of " + n);
        digest.refresh(); // while the guest runs: the switch-over's digest then hashes only the last round's chunks
    }

    private long syncs;
    private volatile long pagesSentInPause;
    private volatile long deltasBeforeSwitch;

    /** Pages sent while the guest was paused for the switch-over (tests). */
    long pagesSentInPause() {
        return pagesSentInPause;
    }

    /** Pages sent as deltas after GO (post-copy; tests). */
    long deltasAfterSwitch() {
        return switchedOver ? pagesDelta - deltasBeforeSwitch : 0;
    }
    /**
     * Post-copy streams the working set's pages that can go as deltas (those the pause did not send) first after GO,
     * as deltas (false: every page after GO goes whole, in index order; tests use it to cover that path).
     */
    private boolean deltasAfterGo = true;

    void setDeltasAfterGo(boolean on) {
        deltasAfterGo = on;
    }

    /** The pages the stop-and-copy may send in about {@link #TARGET_STOP_NANOS}, as last estimated. */
    private long stopBudget = 64;

    /** How many pages go in about {@code nanos} at {@code pagesPerSecond} (at least 64). */
    static long stopPages(double pagesPerSecond, long nanos) {
        return (long) Math.max(64, pagesPerSecond * nanos / 1e9);
    }

    /**
     * Whether the rounds stop after finding {@code dirty} pages to send ({@code previous}: what the round before found,
     * or Long.MAX_VALUE): when they fit pre-copy's stop-and-copy of about {@link #TARGET_STOP_NANOS}, after
     * {@link #MAX_ROUNDS}, or when the dirty set stopped shrinking {@link #MAX_NON_SHRINKING_ROUNDS} rounds in a row.
     * Post-copy, whose pause sends that set, goes on past pre-copy's point while each round at least halves it, down to
     * about {@link #POSTCOPY_TARGET_STOP_NANOS} (a host too loaded to shrink it stops where pre-copy would).
     */
    static boolean roundsEnough(MigrationMode mode, long dirty, long previous, double pagesPerSecond, int rounds, int notShrinking) {
        if (rounds >= MAX_ROUNDS || notShrinking >= MAX_NON_SHRINKING_ROUNDS) return true;
        boolean fitsStop = dirty <= stopPages(pagesPerSecond, TARGET_STOP_NANOS);
        if (mode == MigrationMode.PRECOPY) return fitsStop;
        return dirty <= stopPages(pagesPerSecond, POSTCOPY_TARGET_STOP_NANOS) || fitsStop && dirty > previous / 2;
    }

    private MachineCapture precopyRounds(List<MachineCapture> toRelease) throws Exception {
        MachineCapture round = capture(false, toRelease);
        long t0 = System.nanoTime();
        long sent = sendPages(round, true, true);
        sendDisks(round, true);
        sync();
        bytesAfterRound0 = conn.bytesSent();
        rounds = 1;
        double pagesPerSecond = sent * 1e9 / Math.max(1, System.nanoTime() - t0);
        long previous = Long.MAX_VALUE;
        int notShrinking = 0;
        while (true) {
            if (cancelRequested) throw new MigrationException("cancelled");
            round = recapture(round, false, toRelease);
            int dirty = cardinality(round.memory().writtenBitmap());
            pagesRemaining = dirty;
            stopBudget = stopPages(pagesPerSecond, TARGET_STOP_NANOS);
            notShrinking = dirty >= previous ? notShrinking + 1 : 0;
            if (roundsEnough(mode, dirty, previous, pagesPerSecond, rounds, notShrinking)) {
                // Small enough: this round's dirty set becomes the stop-and-copy's. Pause, then take the final capture.
                markSwitch();
                return recapture(round, !userPaused, toRelease);
            }
            previous = dirty;
            t0 = System.nanoTime();
            long n = sendPages(round, false, true);
            sendDisks(round, false);
            sync();
            if (n > 256) pagesPerSecond = n * 1e9 / Math.max(1, System.nanoTime() - t0);
            rounds++;
        }
    }

    /**
     * Releases a round's frozen view and freezes again at the same instruction boundary (pausing the guest there if
     * {@code pause}). Memory is thus frozen without a gap from round 0 to the end: no page array this migration
     * has sent is ever written in place (a write copies it first), which is what makes the copies it keeps for
     * deltas ({@link #lastSent}) stay what the destination holds. If the view's pages were not sent (the round
     * that decided to stop), the pages and blocks its epoch wrote are carried into the next send: the next freeze
     * names only what is written after it.
     */
    private MachineCapture recapture(MachineCapture c, boolean pause, List<MachineCapture> toRelease) throws Exception {
        if (carry == null) carry = new BitSet();
        if (!c.memory().equals(sentView)) {
            carry.or(BitSet.valueOf(c.memory().writtenBitmap()));
            for (int d = 0; d < c.disks().size(); d++) {
                if (c.disks().get(d) != null) carryDisks(d).or(c.disks().get(d).writtenBlocks());
            }
        }
        toRelease.remove(c);
        MachineCapture next = capture(pause, toRelease, c);
        recycleDeferred(); // c is released: the arrays its round deferred are held by nothing now
        return next;
    }

    /** The migration thread's allocation and the JVM's collections when the switch-over began ({@link #markSwitch}). */
    private long switchAllocatedMark = -1;
    private long switchCollectionsMark;
    /** What the final capture allocated on the run thread (-1: not counted). */
    private volatile long finalCaptureAllocated = -1;

    /** Notes where the switch-over begins, for StopAndCopy's allocation count. */
    private void markSwitch() {
        switchAllocatedMark = SwitchAllocation.allocatedByThisThread();
        switchCollectionsMark = SwitchAllocation.collections();
    }

    private BitSet carry;
    private final List<BitSet> carryDisk = new ArrayList<>();
    private FrozenMemory sentView;
    private boolean userPaused;
    /** When the guest was paused for the switch-over (System.nanoTime). */
    private volatile long pausedAt;

    private BitSet carryDisks(int d) {
        while (carryDisk.size() <= d) carryDisk.add(new BitSet());
        return carryDisk.get(d);
    }

    private static int cardinality(long[] bits) {
        int n = 0;
        for (long w : bits) n += Long.bitCount(w);
        return n;
    }

    /**
     * The pages a post-copy that switched at once leaves the destination to fetch: every page with an array (found
     * while the guest is paused, so only references are looked at; the few all-zero ones travel as zero pages).
     */
    private static BitSet presentPages(FrozenMemory fm) {
        BitSet b = new BitSet(fm.pageCount());
        for (int i = 0; i < fm.pageCount(); i++) if (fm.page(i) != null) b.set(i);
        return b;
    }

    /**
     * The pages a post-copy destination must fetch after switch-over: those written since the last round sent
     * (the guest's working set), with any carried from a view that was not sent. Every other page is there.
     */
    private BitSet dirtySinceSent(FrozenMemory fm) {
        BitSet b = BitSet.valueOf(fm.writtenBitmap());
        if (carry != null) b.or(carry);
        carry = null;
        sentView = fm;
        return b;
    }

    /** The non-zero pages of a view: what round 0 sends (the destination starts with zeros). */
    private static BitSet nonZeroPages(FrozenMemory fm) {
        BitSet b = new BitSet(fm.pageCount());
        for (int i = 0; i < fm.pageCount(); i++) {
            byte[] p = fm.page(i);
            if (p != null && !GuestMemory.isZeroPage(p)) b.set(i);
        }
        return b;
    }

    /**
     * Sends pages of a frozen view: every non-zero page ({@code all}), or those written in the epoch the freeze
     * ended plus any carried from views not sent. Returns how many were sent.
     */
    private long sendPages(MachineCapture c, boolean all, boolean guestRuns) throws Exception {
        FrozenMemory fm = c.memory();
        BitSet which;
        if (all) {
            which = nonZeroPages(fm);
        } else {
            which = BitSet.valueOf(fm.writtenBitmap());
            if (carry != null) which.or(carry);
        }
        carry = null;
        sentView = fm;
        return sendPageSet(c, which, guestRuns);
    }

    /** Up to {@code max} pages of {@code pending} that can go as deltas (a copy was sent before and is kept here), in index order. */
    private BitSet deltaPages(BitSet pending, long max) {
        BitSet out = new BitSet();
        if (lastSent == null) return out;
        long n = 0;
        for (int i = pending.nextSetBit(0); i >= 0 && n < max; i = pending.nextSetBit(i + 1)) {
            if (lastSent[i] != null) { out.set(i); n++; }
        }
        return out;
    }

    /**
     * The zstd level of a round's frames while the guest writes fewer than {@link #QUIET_PAGES_PER_SECOND} pages a second
     * (3; {@code -Dvmckpt.migration.quietLevel=1} for the level of every other frame, as before protocol 12). An idle
     * guest's pages then go in fewer bytes than a checkpoint's level-1 frames (docs/BENCHMARKS.md runs 27 and 28) for
     * CPU the guest does not use; a writing guest's rounds, the switch-over's pause and everything after it stay at
     * level 1: level 3 for every frame put memdirty's post-copy gaps over 30 ms in 3 of 6 (run 27), the compressor's
     * CPU taken from a guest that needed it.
     */
    static final int QUIET_LEVEL = Integer.getInteger("vmckpt.migration.quietLevel", 3);
    /** The guest's write rate (pages first written since the round's freeze, per second) under which a round is quiet. */
    static final long QUIET_PAGES_PER_SECOND = 1_000;
    /** The rate is measured over at least this long: at a round's start a few writes decide it (memdirty: 10 pages). */
    static final long QUIET_WINDOW_NANOS = 10_000_000L;

    /** When the view being sent was frozen (System.nanoTime): the guest's writes counted since. */
    private volatile long viewFrozenAt;
    /** PAGES frames encoded at {@link #QUIET_LEVEL} (tests, query-migrate's vmckpt-bytes). */
    private volatile long quietFrames;

    long quietFrames() {
        return quietFrames;
    }

    /**
     * The level of a round's next frame: {@link #QUIET_LEVEL} while the guest has written fewer than
     * {@link #QUIET_PAGES_PER_SECOND} pages a second since the round's freeze (over at least {@link #QUIET_WINDOW_NANOS}),
     * else {@link PageFrames#ZSTD_LEVEL}. Decided from the dirty log's count, frame by frame: a guest that starts writing
     * in the middle of a round gets level 1 from its next frame on.
     */
    private int roundLevel() {
        return levelFor(machine.memory().pagesWrittenThisEpoch(), System.nanoTime() - viewFrozenAt);
    }

    /** The level for a guest that first wrote {@code written} pages in the {@code elapsedNanos} since a freeze ({@link #roundLevel}). */
    static int levelFor(long written, long elapsedNanos) {
        long over = Math.max(elapsedNanos, QUIET_WINDOW_NANOS);
        return written * 1_000_000_000L < QUIET_PAGES_PER_SECOND * over ? QUIET_LEVEL : PageFrames.ZSTD_LEVEL;
    }

    /**
     * Sends the pages {@code which} of a capture (see {@link #sendPages}); returns how many were sent. A frame ends when
     * {@link MigrationWire#PAGES_PER_FRAME} (64) of its pages carry data, or when it lists {@link MigrationWire#MAX_PAGES_PER_FRAME}; references and
     * zero pages ride along. Its data part is compressed in chunks of 64 pages, as a checkpoint's pack frames are, so zstd
     * sees the same input. While the guest runs each frame's level follows its write rate ({@link #roundLevel}).
     */
    private long sendPageSet(MachineCapture c, BitSet which, boolean guestRuns) throws Exception {
        FrozenMemory fm = c.memory();
        int[] index = new int[MigrationWire.MAX_PAGES_PER_FRAME];
        byte[][] data = new byte[MigrationWire.MAX_PAGES_PER_FRAME][];
        long[] ref = new long[MigrationWire.MAX_PAGES_PER_FRAME];
        byte[][] base = new byte[MigrationWire.MAX_PAGES_PER_FRAME][];
        byte[][] done = new byte[MigrationWire.MAX_PAGES_PER_FRAME][];
        int units = 0; // of the frame's pages, those with data (at most frameUnits)
        // 64 data pages a frame, in the rounds as in the pause: the destination decodes each while the source encodes the
        // next. (Round 53's 512-page round frames, -Dvmckpt.migration.roundFramePages, were retired in round 83; a
        // protocol-13 destination still accepts them.)
        int frameUnits = MigrationWire.PAGES_PER_FRAME;
        if (lastSent == null) {
            lastSent = parts != null ? parts.lastSent : new byte[fm.pageCount()][];
            deltaBaseLimit = deltaBaseLimit(fm.pageCount());
            deltaBases = 0;
        }
        int n = 0;
        long count = 0;
        pagesRemaining = which.cardinality();
        GuestMemory live = machine.memory();
        for (int i = which.nextSetBit(0); i >= 0; i = which.nextSetBit(i + 1)) {
            if (live.isDirty(i)) {
                // Written again since this view was frozen: the next round (or the switch-over) sends it anyway,
                // so sending this copy now would only cost bytes (Xen's "skip" set). A stale read sends it: harmless.
                pagesDeferred++;
                // Its frozen array is now held by this view only (the write put a copy in live memory): copy-on-write
                // may reuse it once the view is released (recycleDeferred). Not one this migration keeps as a base.
                byte[] frozenArray = fm.page(i);
                if (frozenArray != null && frozenArray != lastSent[i]) deferLater(i, frozenArray);
                continue;
            }
            byte[] p = fm.page(i);
            if (p != null && GuestMemory.isZeroPage(p)) p = null;
            index[n] = i;
            ref[n] = p == null ? PageReferences.NONE : references.find(fm, i, p, c.disks());
            if (ref[n] != PageReferences.NONE) pagesReferred++;
            base[n] = p != null && ref[n] == PageReferences.NONE ? lastSent[i] : null;
            if (base[n] != null) pagesDelta++;
            else if (p != null && ref[n] == PageReferences.NONE) ref[n] = fileDelta(i, p, n, units, base);
            if (p != null && (ref[n] == PageReferences.NONE || base[n] != null)) units++;
            byte[] before = lastSent[i];
            keepSent(i, p);
            // The copy sent before, replaced by this one: once this frame is encoded (it may be the delta's base),
            // nothing holds it, so copy-on-write may reuse it.
            done[n] = p != null && before != null && before != p && lastSent[i] == p ? before : null;
            data[n++] = p;
            // Null (a page now zero) tested here, not inside crc: the warm-up's rounds send no such page, and C2's code
            // for the loop, compiled there, speculated that crc's argument is never null and was thrown away at the
            // first one (speculate_null_check, in a real migration's last round).
            digest.page(i, p == null ? StateDigest.ZERO_PAGE_CRC : StateDigest.crc(p));
            if (units == frameUnits || n == MigrationWire.MAX_PAGES_PER_FRAME) {
                if (cancelRequested) throw new MigrationException("cancelled");
                frameLevel(guestRuns);
                conn.sendBuffered(MigrationWire.PAGES, frames.encodePagesShared(index, data, ref, base, null, n));
                recycle(done, n);
                count += n;
                pagesSent += n;
                pagesRemaining -= n;
                n = 0;
                units = 0;
            }
        }
        if (n > 0) {
            frameLevel(guestRuns);
            conn.sendBuffered(MigrationWire.PAGES, frames.encodePagesShared(index, data, ref, base, null, n));
            recycle(done, n);
            count += n;
            pagesSent += n;
        }
        frames.setLevel(PageFrames.ZSTD_LEVEL); // the pause, the push after STATE and post-copy's stream: level 1
        pagesRemaining = 0;
        conn.flush();
        return count;
    }

    /** Sets the level of the frame about to be encoded: {@link #roundLevel} while the guest runs, else level 1. */
    private void frameLevel(boolean guestRuns) {
        int level = guestRuns ? roundLevel() : PageFrames.ZSTD_LEVEL;
        if (level != PageFrames.ZSTD_LEVEL) quietFrames++;
        frames.setLevel(level);
    }

    /** Hands the arrays {@code done[0..n)} (nulls skipped) to copy-on-write as spares, and forgets them. */
    private void recycle(byte[][] done, int n) {
        org.vmckpt.machine.memory.SparePages spares = machine.memory().spares();
        for (int k = 0; k < n; k++) {
            if (done[k] != null) {
                if (spares.give(done[k])) pagesRecycled++;
                done[k] = null;
            }
        }
    }

    /** Arrays handed to copy-on-write as spares (tests). */
    long pagesRecycled() {
        return pagesRecycled;
    }

    /** Of {@link #pagesRecycled}, the frozen arrays of pages a round deferred (tests). */
    long deferredRecycled() {
        return deferredRecycled;
    }

    private long deferredRecycled;
    /** The pages the last round sent deferred, and their arrays in its view, given back once that view is released. */
    private int[] deferredIndex = new int[1024];
    private byte[][] deferredArrays = new byte[1024][];
    private int deferredCount;

    private void deferLater(int i, byte[] array) {
        if (deferredCount == deferredIndex.length) {
            deferredIndex = java.util.Arrays.copyOf(deferredIndex, deferredCount * 2);
            deferredArrays = java.util.Arrays.copyOf(deferredArrays, deferredCount * 2);
        }
        deferredIndex[deferredCount] = i;
        deferredArrays[deferredCount++] = array;
    }

    /**
     * Gives copy-on-write the frozen arrays of the pages the round just released deferred (migrate11's copies come only
     * from pages sent twice; round 0, which sends nothing twice, had only the start-up spares: docs/BENCHMARKS.md run
     * 19). Each was the view's array of a page the guest wrote after the freeze, so live memory holds a copy and, the
     * view released, nothing reads it; one live memory still maps (checked here: it cannot become live again before
     * it is given, since only spares could make it so) is kept out.
     */
    private void recycleDeferred() {
        org.vmckpt.machine.memory.SparePages spares = machine.memory().spares();
        GuestMemory live = machine.memory();
        for (int k = 0; k < deferredCount; k++) {
            byte[] a = deferredArrays[k];
            deferredArrays[k] = null;
            if (live.peekPage(deferredIndex[k]) != a && spares.give(a)) {
                pagesRecycled++;
                deferredRecycled++;
            }
        }
        deferredCount = 0;
    }

    private long pagesRecycled;

    /**
     * Remembers the array sent for page {@code i} (frozen arrays are never written again while this migration
     * keeps memory frozen, {@link #recapture}): the next time the page goes, it goes as a delta against it. An
     * entry costs memory only once the guest rewrites the page (the old array then stays alive here), so the
     * number of entries is bounded by half the heap that was free when the migration started
     * ({@link #deltaBaseLimit}): a migration never runs the process out of memory for its deltas; pages past the
     * bound are sent whole again.
     */
    private void keepSent(int i, byte[] p) {
        byte[] before = lastSent[i];
        if (p == null) {
            if (before != null) { lastSent[i] = null; deltaBases--; }
        } else if (before != null) {
            lastSent[i] = p;
        } else if (deltaBases < deltaBaseLimit) {
            lastSent[i] = p;
            deltaBases++;
        }
    }

    /** How many pages may keep a delta base: half the free heap in pages, at most every page of the guest. */
    private static int deltaBaseLimit(int pageCount) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return (int) Math.max(0, Math.min(pageCount, free / 2 / GuestMemory.PAGE_SIZE));
    }

    /** Per page, the array last sent for it (the destination holds those bytes), or null. Migration thread only. */
    private byte[][] lastSent;
    private int deltaBases;
    private int deltaBaseLimit;

    /** Sends disk-overlay blocks of a capture: all it holds, or those written in its epoch (plus carried ones). */
    private void sendDisks(MachineCapture c, boolean all) throws Exception {
        for (int d = 0; d < c.disks().size(); d++) {
            FrozenOverlay o = c.disks().get(d);
            if (o == null) continue;
            BitSet which = new BitSet();
            if (all) {
                for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) which.set((int) b);
            } else {
                which.or(o.writtenBlocks());
            }
            if (d < carryDisk.size()) {
                which.or(carryDisk.get(d));
                carryDisk.get(d).clear();
            }
            long[] block = new long[MigrationWire.PAGES_PER_FRAME];
            byte[][] data = new byte[MigrationWire.PAGES_PER_FRAME][];
            int n = 0;
            for (int b = which.nextSetBit(0); b >= 0; b = which.nextSetBit(b + 1)) {
                block[n] = b;
                data[n] = o.block(b);
                digest.block(diskKey(d, b), data[n]);
                if (++n == MigrationWire.PAGES_PER_FRAME) {
                    conn.sendBuffered(MigrationWire.DISK, frames.encodeBlocksShared(d, block, data, n));
                    n = 0;
                }
            }
            if (n > 0) conn.sendBuffered(MigrationWire.DISK, frames.encodeBlocksShared(d, block, data, n));
        }
        conn.flush();
    }

    static long diskKey(int disk, long block) {
        return ((long) disk << 48) | block;
    }

    /**
     * STATE: the records, (post-copy) the pages the destination must fetch and how many of them follow at once, before
     * READY (protocol 11), and the digest it must match.
     */
    private void sendState(MachineCapture c, BitSet pending, int pushed) throws IOException {
        List<StateRecord> records = c.records();
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(records.size());
        for (StateRecord r : records) w.string(r.name()).i32(r.version()).bytes(r.payload());
        long[] words = pending == null ? new long[0] : pending.toLongArray();
        w.i32(words.length);
        for (long x : words) w.i64(x);
        w.i32(pushed);
        // Pre-copy: the digest covers everything. Post-copy: records and disk now; the pages come with END.
        long t0 = System.nanoTime();
        w.bytes(digest.digest(records, mode == MigrationMode.PRECOPY));
        stateDigestNanos = System.nanoTime() - t0;
        // Packed (protocol 12): the records and the bitmap compress to a few KiB, as a checkpoint's manifest holds them.
        MigrationWire.PayloadWriter packed = new MigrationWire.PayloadWriter();
        frames.packBody(packed, w.array(), w.length());
        conn.send(MigrationWire.STATE, packed);
        this.records = records;
    }

    private List<StateRecord> records;
    /** Post-copy: the pages the destination fetches after switch-over (kept for a resume). */
    private volatile BitSet postCopyPending;

    private void awaitReady() throws Exception {
        MigrationWire.Frame f = conn.receive();
        if (f.type() == MigrationWire.ERROR) throw new MigrationException("the destination refused the state: " + f.read().string("message"));
        if (f.type() != MigrationWire.READY) throw new MigrationException("the destination answered " + MigrationWire.name(f.type()) + " instead of READY");
    }

    private void awaitDone() throws Exception {
        MigrationWire.Frame f = conn.receive();
        if (f.type() == MigrationWire.ERROR) throw new MigrationException("the destination failed after switch-over: " + f.read().string("message"));
        if (f.type() != MigrationWire.DONE) throw new MigrationException("the destination answered " + MigrationWire.name(f.type()) + " instead of DONE");
    }

    /** Post-copy: pages sent with a requested one, following it in index order (a guest that walks memory asks once per run). */
    static final int PREFETCH_PAGES = 15;
    /** Post-copy background frames: small, so that a requested page never waits behind much (their queue is the stall). */
    static final int BACKGROUND_PAGES_PER_FRAME = 16;

    /**
     * Post-copy (protocol 11): the pages STATE names that go right after it, before READY, in the order they go: those
     * the destination holds an older copy of first (deltas, most as the few words that changed), at most {@code budget}
     * (pre-copy's stop), then the others (whole), at most an eighth of that (at least 64): a whole page costs zstd several
     * times what a delta costs, on both ends. Any others stream after GO as before.
     */
    private int[] workingSetToPush(BitSet pending, long budget) {
        int[] out = new int[(int) Math.min(pending.cardinality(), Math.max(0, budget))];
        int n = 0;
        for (int i = pending.nextSetBit(0); i >= 0 && n < out.length; i = pending.nextSetBit(i + 1)) {
            if (lastSent != null && lastSent[i] != null) out[n++] = i;
        }
        long whole = Math.min(out.length, n + Math.max(64, budget / 8));
        for (int i = pending.nextSetBit(0); i >= 0 && n < whole; i = pending.nextSetBit(i + 1)) {
            if (lastSent == null || lastSent[i] == null) out[n++] = i;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Post-copy, right after STATE (protocol 11): the pages {@code push} names ({@link #workingSetToPush}), so that the
     * destination holds them before its guest runs instead of pulling the first it touches (each pull is a round trip
     * through three threads, 0.5-12.7 ms on a quiet host in docs/BENCHMARKS.md run 24). Deltas against the copy sent
     * before; the others whole, with the origin this end recorded (checked by the destination, as for answers to
     * requests). Sent while the destination checks the digest and loads the records; it takes them before it answers
     * READY, so a frame it refuses leaves this side free to resume. Each page is claimed ({@link PostCopyClaims}, its
     * CRC into the digest END carries): it does not go again after GO. Returns how many were sent.
     */
    private long pushWorkingSet(PostCopyClaims claims, MachineCapture last, int[] push) throws Exception {
        long t0 = System.nanoTime();
        FrozenMemory fm = last.memory();
        int[] index = new int[MigrationWire.PAGES_PER_FRAME];
        byte[][] data = new byte[MigrationWire.PAGES_PER_FRAME][];
        byte[][] base = new byte[MigrationWire.PAGES_PER_FRAME][];
        long[] origin = new long[MigrationWire.PAGES_PER_FRAME];
        int n = 0;
        for (int i : push) {
            byte[] page = claims.claim(i);
            if (page == PostCopyClaims.TAKEN) throw new IllegalStateException("page " + i + " pushed twice"); // a bug here
            boolean delta = lastSent != null && lastSent[i] != null;
            index[n] = i;
            base[n] = page != null && delta ? lastSent[i] : null;
            if (base[n] != null) pagesDelta++;
            origin[n] = page == null || delta ? PageReferences.NONE : references.unconfirmedOrigin(fm, i);
            data[n++] = page;
            if (n == MigrationWire.PAGES_PER_FRAME) {
                conn.sendBuffered(MigrationWire.PAGES, frames.encodePagesShared(index, data, null, base, origin, n));
                n = 0;
            }
        }
        if (n > 0) conn.sendBuffered(MigrationWire.PAGES, frames.encodePagesShared(index, data, null, base, origin, n));
        conn.flush();
        countSent(push.length);
        pushNanos = System.nanoTime() - t0;
        return push.length;
    }

    /** Post-copy: the claims on the pages STATE named (made at the switch-over, before the push). */
    private PostCopyClaims claims;
    private volatile long pagesPushed;
    private long pushNanos;

    /** Post-copy: pages sent after STATE and before GO (tests). */
    long pagesPushed() {
        return pagesPushed;
    }

    /**
     * Post-copy sends the working set right after STATE, before GO (false: every page STATE names goes after GO;
     * tests use it to cover the paths after GO: deltas first, pulls, the background stream).
     */
    private boolean workingSetBeforeGo = true;

    void setWorkingSetBeforeGo(boolean on) {
        workingSetBeforeGo = on;
    }

    /**
     * The thread that answers the destination's REQUESTs after GO, started when a post-copy migration begins
     * ({@link StandbyThread}: a thread started at GO took milliseconds to be scheduled on a loaded host, while the
     * destination's guest waited for its first page), with its own frame encoder (a zstd context) made then too.
     */
    private StandbyThread requestStandby;
    private PageFrames urgentFrames;
    private RequestReader requestReader;

    private void prepareRequestReader() {
        if (requestStandby == null) requestStandby = new StandbyThread("vmckpt-migrate-requests", Thread.MAX_PRIORITY);
        if (urgentFrames == null) urgentFrames = parts != null ? parts.urgentFrames : new PageFrames();
    }

    private void releaseRequestReader() {
        if (requestStandby != null && requestReader == null) requestStandby.release();
        requestStandby = null;
    }

    /** Hands the standby thread its work: answering requests for the pages of {@code fm} that {@code claims} owes. */
    private void startRequestReader(FrozenMemory fm, PostCopyClaims claims) {
        prepareRequestReader();
        requestReader = new RequestReader(fm, claims, Thread.currentThread());
        requestStandby.run(requestReader);
    }

    /**
     * Post-copy after GO: reads the destination's REQUESTs and answers each at once with the page and up to
     * {@link #PREFETCH_PAGES} pending pages after it, in one frame, ahead of whatever the background stream has not
     * yet written; ends at DONE or a failure (then wakes the sender).
     */
    private final class RequestReader implements Runnable {
        final FrozenMemory fm;
        final PostCopyClaims claims;
        final Thread sender;
        /** Held from claiming requested pages until they are written, so that END never overtakes them. */
        final Object demand = new Object();
        final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        volatile MigrationException failure;
        volatile boolean done;

        RequestReader(FrozenMemory fm, PostCopyClaims claims, Thread sender) {
            this.fm = fm;
            this.claims = claims;
            this.sender = sender;
        }

        @Override
        public void run() {
            int[] index = new int[MigrationWire.PAGES_PER_FRAME];
            byte[][] data = new byte[MigrationWire.PAGES_PER_FRAME][];
            long[] origin = new long[MigrationWire.PAGES_PER_FRAME];
            try {
                while (true) {
                    MigrationWire.Frame f = conn.receive();
                    if (f.type() == MigrationWire.REQUEST) {
                        MigrationWire.Payload p = f.read();
                        int idx = p.i32();
                        p.end();
                        if (idx < 0 || idx >= fm.pageCount()) throw new MigrationException("the destination asked for page " + idx + ", which does not exist");
                        requestsAnswered++;
                        synchronized (demand) {
                            int n = claims.claimRun(idx, 1 + PREFETCH_PAGES, index, data);
                            if (n > 0) {
                                // Whole, with the origin each came from (unconfirmed: the destination checks it), so
                                // that the destination's later checkpoints still refer to those pages.
                                for (int k = 0; k < n; k++) origin[k] = data[k] == null ? PageReferences.NONE : references.unconfirmedOrigin(fm, index[k]);
                                conn.send(MigrationWire.PAGES, urgentFrames.encodePagesShared(index, data, null, null, origin, n));
                                countSent(n);
                            }
                        }
                    } else if (f.type() == MigrationWire.DONE) {
                        done = true;
                        break;
                    } else if (f.type() == MigrationWire.ERROR) {
                        throw new MigrationException("the destination failed: " + f.read().string("message"));
                    } else {
                        throw new MigrationException("the destination sent " + MigrationWire.name(f.type()) + " during post-copy");
                    }
                }
            } catch (MigrationException e) {
                failure = e;
            } catch (IOException e) {
                failure = new MigrationException("the connection to the destination broke after switch-over: " + e.getMessage(), e);
            } finally {
                ended.countDown();
                LockSupport.unpark(sender);
            }
        }
    }

    private volatile long requestsAnswered;

    /** Post-copy: REQUESTs the destination sent after GO (tests). */
    long requestsAnswered() {
        return requestsAnswered;
    }

    /**
     * Post-copy after GO, with {@link #requestReader} answering the destination's requests: streams the pages
     * {@code claims} still owes in index order (those the destination holds an older copy of first, as deltas), in
     * small frames each flushed to a small socket buffer, then END with the full digest. Each page is claimed once.
     */
    private void streamPostCopy(MachineCapture last, BitSet pending, PostCopyClaims claims) throws Exception {
        FrozenMemory fm = last.memory();
        RequestReader reader = requestReader;
        conn.limitBacklog();
        long total = pending.cardinality();
        pagesRemaining = total - claims.count();
        // First the pages the destination holds an older copy of (it kept them aside at the switch): a delta each,
        // a few bytes where the guest changed a few words. Then every other page, in index order.
        if (deltasAfterGo) streamPages(deltaPages(pending, Long.MAX_VALUE), true, claims, fm, last, total, reader);
        streamPages(pending, false, claims, fm, last, total, reader);
        synchronized (reader.demand) {
            conn.send(MigrationWire.END, new MigrationWire.PayloadWriter().bytes(digest.digest(records, true)).toByteArray());
        }
        reader.ended.await();
        if (reader.failure != null) throw reader.failure;
        if (!reader.done) throw new MigrationException("the destination did not confirm the end of post-copy");
    }

    /**
     * Post-copy's background stream: the pages of {@code which} not yet claimed (by a REQUEST), in index order, in
     * frames of {@link #BACKGROUND_PAGES_PER_FRAME}, each flushed. {@code asDeltas}: every page goes as its XOR with the
     * copy sent before ({@link #lastSent}, which the destination kept aside for it); else a page still equal to a disk
     * block or boot file the destination holds goes as a reference, as before GO, and any other whole.
     */
    private void streamPages(BitSet which, boolean asDeltas, PostCopyClaims claims, FrozenMemory fm, MachineCapture last, long total,
                             RequestReader reader) throws Exception {
        int[] index = new int[MigrationWire.PAGES_PER_FRAME];
        byte[][] data = new byte[MigrationWire.PAGES_PER_FRAME][];
        long[] ref = new long[MigrationWire.PAGES_PER_FRAME];
        byte[][] base = new byte[MigrationWire.PAGES_PER_FRAME][];
        int cursor = which.nextSetBit(0);
        while (cursor >= 0) {
            if (reader.failure != null) throw reader.failure;
            int n = 0;
            while (cursor >= 0 && n < BACKGROUND_PAGES_PER_FRAME) {
                byte[] page = claims.claim(cursor);
                if (page != PostCopyClaims.TAKEN) {
                    index[n] = cursor;
                    base[n] = null;
                    ref[n] = PageReferences.NONE;
                    if (page != null && asDeltas) {
                        base[n] = lastSent[cursor];
                        pagesDelta++;
                    } else if (page != null) {
                        // (this thread only: requested pages go whole, a look-up may read a file)
                        ref[n] = referenceQuietly(fm, cursor, page, last);
                        if (ref[n] != PageReferences.NONE) pagesReferred++;
                        else ref[n] = fileDelta(cursor, page, n, n, base);
                    }
                    data[n++] = page;
                }
                cursor = which.nextSetBit(cursor + 1);
            }
            if (n > 0) {
                conn.send(MigrationWire.PAGES, frames.encodePagesShared(index, data, ref, base, null, n));
                countSent(n);
            }
            pagesRemaining = total - claims.count();
        }
    }

    /** The reference page {@code i} may travel as, or NONE (also when the file cannot be read here: it then goes whole). */
    private long referenceQuietly(FrozenMemory fm, int i, byte[] page, MachineCapture capture) {
        try {
            return references.find(fm, i, page, capture.disks());
        } catch (IOException e) {
            return PageReferences.NONE;
        }
    }

    private synchronized void countSent(int n) {
        pagesSent += n;
    }
}
