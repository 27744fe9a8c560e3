package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointFormatException;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;
import org.vmckpt.machine.state.StateFormatException;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Builds a machine from a checkpoint. Everything is read and checked before the machine is handed out: a
 * damaged checkpoint, a changed disk image or a different machine configuration gives a
 * {@link RestoreException} and no machine at all, never a half-restored one.
 *
 * <p>Eager restore loads every page before returning. Lazy restore returns as soon as the state records
 * are loaded: each page is read from the repository on its first touch, and {@link LazyPages} prefetches the
 * rest in the background.
 */
public final class Restorer {
    private Restorer() { }

    /**
     * A restored machine, ready to run, and how the restore went: {@code phaseNanos} holds each phase's nanoseconds,
     * except keys ending in "items", which are counts.
     */
    public record Restored(Machine machine, String checkpointId, long loadNanos, LazyPages lazy, Map<String, Long> phaseNanos) { }

    /**
     * @param expected if non-null, the configuration the caller wants; restore is refused if it differs in
     *                 anything that matters (memory size, devices)
     */
    public static Restored restore(Checkpoint ckpt, MachineConfig expected, IntConsumer console, boolean lazy,
                                   ProgressListener progress) throws RestoreException {
        return restore(ckpt, expected, console, lazy, progress, (String) null);
    }

    /** As above; {@code prefetchOrder}, if non-null, shuffles the order in which a lazy restore streams pages (tests). */
    static Restored restore(Checkpoint ckpt, MachineConfig expected, IntConsumer console, boolean lazy,
                            ProgressListener progress, java.util.Random prefetchOrder) throws RestoreException {
        return restore(ckpt, expected, console, lazy, progress, null, prefetchOrder, earlyLoaderThreads());
    }

    /**
     * A lazy restore whose pages are loaded only by {@link LazyPages#startPrefetch} and the guest's touches, none
     * while the restore builds the machine (tests of what happens to the prefetcher after the restore).
     */
    static Restored restoreLazyWithoutEarlyLoad(Checkpoint ckpt) throws RestoreException {
        return restore(ckpt, null, b -> { }, true, null, null, null, 0);
    }

    /**
     * @param net the network's host side ({@code --net} text) for a machine that has a network, or null for the
     *            one the checkpoint was taken with (its forwards are opened again)
     */
    public static Restored restore(Checkpoint ckpt, MachineConfig expected, IntConsumer console, boolean lazy,
                                   ProgressListener progress, String net) throws RestoreException {
        return restore(ckpt, expected, console, lazy, progress, net, null, earlyLoaderThreads());
    }

    /** @param earlyThreads threads that load DATA pages while the machine is built (at least one for an eager restore) */
    private static Restored restore(Checkpoint ckpt, MachineConfig expected, IntConsumer console, boolean lazy,
                                    ProgressListener progress, String net, java.util.Random prefetchOrder, int earlyThreads)
            throws RestoreException {
        long t0 = System.nanoTime();
        Map<String, String> saved = ckpt.config();
        MachineConfig config = MachineDescription.configOf(saved)
                .withOverlay(org.vmckpt.machine.device.virtio.DiskOverlay.DEFAULT_MEMORY_BYTES, ckpt.repository().spillDir());
        if (net != null && config.net() != null) {
            try {
                config = config.withNet(net);
            } catch (IllegalArgumentException e) {
                throw new RestoreException(e.getMessage());
            }
        }
        if (expected != null) {
            List<String> diffs = MachineDescription.differences(saved, expected.identity());
            if (!diffs.isEmpty()) {
                throw new RestoreException("checkpoint " + ckpt.id() + " was taken on a different machine configuration ("
                        + String.join("; ", diffs) + "); restore it without overriding those options");
            }
        }
        Map<String, Long> phases = new java.util.LinkedHashMap<>();
        long tp = System.nanoTime();
        phases.put("config", tp - t0);
        // The pages stored in the packs need nothing but the checkpoint, so their reading starts now, on every core
        // but this one, while this thread builds the machine, reads the boot files and loads the records: all of them
        // for an eager restore, the working set's first for a lazy one (whose guest then finds them decoded).
        EagerLoad early = null;
        LazyPages lazyPages = null;
        // The loading path's hot methods asked for at tier 1 before the loaders run, unless the command line's preload
        // asked already (RestoreTier1; on by default, -Dvmckpt.restore.tier1=false: off).
        boolean tier1 = !lazy && RestoreTier1.begin();
        boolean loading = false;
        try {
            if (lazy) lazyPages = LazyPages.start(ckpt, prefetchOrder, earlyThreads);
            else early = new EagerLoad(ckpt, Math.max(1, earlyThreads));
            loading = true;
        } catch (CheckpointFormatException e) {
            throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new RestoreException("cannot read checkpoint " + ckpt.id() + ": " + e.getMessage(), e);
        } finally {
            if (tier1 && !loading) RestoreTier1.end();
        }
        // C1 only for the restore code (RestoreCompilerDirectives says why), set up on a thread of its own once the loaders
        // have started: long before any of it is hot enough for C2.
        RestoreCompilerDirectives.installInBackground();
        boolean done = false;
        try {
            Restored r = build(ckpt, saved, config, console, lazyPages, progress, early, phases, t0, tp);
            done = true;
            return r;
        } finally {
            if (tier1) RestoreTier1.end(); // the shared methods given back to HotSpot's policy, on a thread of its own
            if (early != null) early.data.abandon(); // joins the loader's threads (at once if they finished)
            if (lazyPages != null && !done) lazyPages.abandon();
        }
    }

    /** An eager restore's DATA pages, read by their own threads from the start of the restore. */
    private static final class EagerLoad {
        final byte[][] loaded;
        final PageLoader data;
        /** When the loader's threads started: the "pages" phase alone no longer holds all of the loading. */
        final long startNanos = System.nanoTime();
        /** How long an {@link OldGenerationWindow} was open (-1: none), and whether its timeout closed it. */
        long windowNanos = -1;
        boolean windowTimedOut;
        /** Pages read from boot files while the window was open (-Dvmckpt.restore.oldGenDirect.beforeSourcePages), or -1. */
        long windowSourcePages = -1;

        /** Where every loader of this restore puts its pages: one sink class for all of them (see {@link IntoArray}). */
        final IntoArray sink;

        EagerLoad(Checkpoint ckpt, int threads) throws IOException {
            byte[][] pages = new byte[ckpt.pageCount()][];
            this.loaded = pages;
            this.sink = new IntoArray(pages);
            this.data = PageLoader.dataPagesOnly(ckpt, sink);
            data.startHelpers(threads);
        }
    }

    /**
     * An eager restore's page sink: the page kept at its index. One class for the DATA loaders and the reference pages'
     * (two lambdas before): code compiled while only the first was loaded assumed one implementation of the sink and was
     * thrown away when the second one loaded, in the loading phase (HotSpot's class hierarchy dependency).
     */
    private static final class IntoArray implements PageLoader.Sink {
        private final byte[][] pages;

        IntoArray(byte[][] pages) {
            this.pages = pages;
        }

        @Override
        public void page(int index, byte[] page) {
            pages[index] = page;
        }
    }

    /**
     * Closes a window when the loader runs out of work: a class of its own, not {@code window::close}, which the JVM
     * spun at run time in every restore (with a LambdaForm for the interface call), in the loading phase: the class-data
     * archive holds the lambdas its training ran, and its training opens no window.
     */
    /**
     * Closes the window once the loaders run out of work. Made before the window opens: a class loaded while it is open
     * (this one's first use, in the JVM's first restore) can wait for the collector the window locks out (class loading
     * asks java.io.File whether the class path's entries exist: a JNI critical region), and then nothing would register
     * the closing until the window's timeout (round 86: 2 of 20 quiet runs of OldGenWindowRestoreTest, its 60 s each).
     */
    private static final class CloseWindow implements Runnable {
        private OldGenerationWindow.Window window; // published by PageLoader.whenWorkRunsOut's atomic set

        CloseWindow of(OldGenerationWindow.Window w) {
            window = w;
            return this;
        }

        @Override
        public void run() {
            OldGenerationWindow.Window w = window;
            if (w != null) w.close();
        }
    }

    private static Restored build(Checkpoint ckpt, Map<String, String> saved, MachineConfig config, IntConsumer console,
                                  LazyPages lazyPages, ProgressListener progress, EagerLoad early,
                                  Map<String, Long> phases, long t0, long tp) throws RestoreException {
        boolean lazy = lazyPages != null;
        Machine m;
        try {
            m = new Machine(config, console);
        } catch (IOException e) {
            throw new RestoreException("cannot set up the checkpoint's machine: " + e.getMessage()
                    + (config.net() != null ? " (its network: " + config.net() + "; vmckpt restore --net chooses another)" : ""), e);
        }
        PageSources sources = null;
        try {
            tp = phase(phases, "machine", tp);
            // Every disk image's SHA-256 is checked before the machine is handed out or a lazy page source starts:
            // remembered by the file's identity (device, inode, size, mtime and ctime in ns, which no user process can
            // put back after a write: FileDigests), else hashed in full while the rest loads.
            List<java.util.concurrent.CompletableFuture<String>> hashes = hashDisks(m);
            long[] diskBlocks = new long[m.virtio().disks().size()];
            for (int i = 0; i < diskBlocks.length; i++) diskBlocks[i] = m.virtio().disks().get(i).overlay().blockCount();
            List<String> outside = DiskReferences.problems(ckpt, diskBlocks);
            if (!outside.isEmpty()) throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: " + outside.get(0));
            // The boot files SOURCE pages refer to are checked by hash now, refused by name if changed (an eager
            // restore reads a remembered one in place, and checks after its reads that it did not change).
            // (-Dvmckpt.restore.lazyAhead: a lazy restore that loads its reference pages before "restored" reads the
            // boot files in place too, as an eager one: LazyPages.readsBootFilesInPlace.)
            sources = PageSources.forCheckpoint(ckpt, m, !lazy || lazyPages.readsBootFilesInPlace());
            tp = phase(phases, "boot-files", tp);
            // Of it: the initramfs's files for the pages that refer to them: read in place from vmckpt's unpacked copy, or
            // the initrd read and unpacked whole (on the signed guest a 3.7 MB gzip archive unpacked to 14 MB).
            if (sources.initramfsNanos() > 0) phases.put("boot-files.initramfs", sources.initramfsNanos());
            // 1 when an eager restore read them in place from vmckpt's unpacked copy instead (UnpackedInitramfs).
            if (sources.initramfsNanos() > 0) phases.put("boot-files.initramfs.cached.items", sources.initramfsCached() ? 1L : 0L);
            loadRecords(ckpt, m);
            tp = phase(phases, "records", tp);
            if (lazy) {
                checkDisks(m, saved, hashes);
                tp = phase(phases, "disks", tp);
                openPacks(ckpt);
                lazyPages.attach(m, sources);
                tp = phase(phases, "pages", tp);
                loadDisks(ckpt, m);
                tp = phase(phases, "overlay", tp);
                if (sources.anyInPlace()) {
                    // Boot files read in place (lazyAhead): every reference page in before the machine is handed out,
                    // then the files checked unchanged, as an eager restore does after its reads (the guest's later
                    // touches find them all arrived and never read a file that could have changed meanwhile).
                    lazyPages.awaitAllReferences();
                    Runnable hook = LazyPages.beforeInPlaceCheck; // (tests)
                    if (hook != null) hook.run();
                    sources.closeInPlace(ckpt);
                    phase(phases, "references", tp);
                }
            } else {
                // The disk overlay's blocks first, while the loader's threads still decode pages on the other cores:
                // after the pages they ran alone on this thread, with the other cores idle.
                loadDisks(ckpt, m);
                tp = phase(phases, "overlay", tp);
                long[] stages = loadPagesEagerly(ckpt, m, sources, early, progress == null ? ProgressListener.NONE : progress);
                sources.closeInPlace(ckpt);
                tp = phase(phases, "pages", tp);
                // From the loader's start to the last page installed: the pages phase plus the loading that overlapped
                // the machine, boot files and records.
                phases.put("pages.loading", tp - early.startNanos);
                // Where the pages phase went: CPU time summed over the loader's threads, and this thread's installing.
                phases.put("pages.read.cpu", stages[0]);
                phases.put("pages.decode.cpu", stages[1]);
                phases.put("pages.copy.cpu", stages[2]);
                phases.put("pages.install.cpu", stages[3]);
                // Of read + decode + copy: the reference pages (boot files, disks, boot-file deltas), read by this thread.
                phases.put("pages.references.cpu", stages[4]);
                // The time axis of the DATA loading: when the early threads ran out of work, from the restore's start,
                // and how many of its items this thread took once its own steps were done (the rest overlapped them).
                if (early.data.helpersDoneNanos() > 0) phases.put("pages.helpers.done.at", early.data.helpersDoneNanos() - t0);
                phases.put("pages.restorer.items", (long) early.data.finisherItems());
                phases.put("pages.items", (long) early.data.items());
                // The old-generation window (-Dvmckpt.restore.oldGenDirect): how long the collector was locked out, and 1
                // if the opener's timeout ended it (a thread waited for a JNI critical region: see OldGenerationWindow).
                if (early.windowNanos >= 0) {
                    phases.put("pages.oldgen.window", early.windowNanos);
                    phases.put("pages.oldgen.timeout.items", early.windowTimedOut ? 1L : 0L);
                    // With beforeSourcePages: the boot files' pages loaded inside the window.
                    if (early.windowSourcePages >= 0) phases.put("pages.oldgen.source.items", early.windowSourcePages);
                }
                checkDisks(m, saved, hashes);
                phase(phases, "disks", tp);
            }
            // The dirty log starts at the checkpoint: the next incremental checkpoint is relative to it.
            m.memory().startNewEpoch();
            for (VirtioBlk d : m.virtio().disks()) if (!d.isWriteThrough()) d.freezeOverlay().release();
            // The machine is exactly the checkpoint. Whoever runs it as a clone calls Machine.newGeneration() first
            // (vmckpt restore does), so two restores do not replay the same guest randomness.
            return new Restored(m, ckpt.id(), System.nanoTime() - t0, lazyPages, phases);
        } catch (RestoreException e) {
            closeAfterFailure(m, sources, ckpt);
            throw e;
        } catch (CheckpointFormatException e) {
            closeAfterFailure(m, sources, ckpt);
            throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: " + e.getMessage(), e);
        } catch (IOException e) {
            closeAfterFailure(m, sources, ckpt);
            throw new RestoreException("cannot read checkpoint " + ckpt.id() + ": " + e.getMessage(), e);
        }
    }

    /** A restore that gave up: its machine's devices and any boot file it read in place are closed. */
    private static void closeAfterFailure(Machine m, PageSources sources, Checkpoint ckpt) {
        m.virtio().close();
        if (sources == null) return;
        try {
            sources.closeInPlace(ckpt);
        } catch (RestoreException e) {
            // the restore already failed for its own reason
        }
    }

    private static long phase(Map<String, Long> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, now - since);
        return now;
    }

    private static List<java.util.concurrent.CompletableFuture<String>> hashDisks(Machine m) {
        List<java.util.concurrent.CompletableFuture<String>> out = new java.util.ArrayList<>();
        for (VirtioBlk d : m.virtio().disks()) {
            out.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return MachineDescription.diskSha256(d);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        return out;
    }

    private static void checkDisks(Machine m, Map<String, String> saved, List<java.util.concurrent.CompletableFuture<String>> hashes)
            throws RestoreException, IOException {
        List<VirtioBlk> disks = m.virtio().disks();
        for (int i = 0; i < disks.size(); i++) {
            String want = saved.get("disk." + i + ".sha256");
            String have;
            try {
                have = hashes.get(i).join();
            } catch (java.util.concurrent.CompletionException e) {
                Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
                throw new RestoreException("cannot read disk " + i + " (" + disks.get(i).baseImagePath() + "): " + c.getMessage(), c);
            }
            if (!have.equals(want)) {
                throw new RestoreException("disk " + i + " (" + disks.get(i).baseImagePath() + ") is not the image the checkpoint was taken with: "
                        + "its SHA-256 is " + have + ", the checkpoint needs " + want);
            }
        }
    }

    private static void loadRecords(Checkpoint ckpt, Machine m) throws RestoreException {
        String mismatch = StateRecords.mismatch(m.stateParts(), ckpt.records().values());
        if (mismatch != null) throw new RestoreException("checkpoint " + ckpt.id() + " has " + mismatch);
        try {
            StateApplier.records(m, ckpt.records().values());
        } catch (StateFormatException e) {
            throw new RestoreException("checkpoint " + ckpt.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lazy restore: opens and checks every pack now, by reading the first data page (the first page read opens
     * all of the checkpoint's packs and keeps them open until it is closed). A missing or truncated pack is then
     * refused here rather than at the guest's first touch of a page, and the packs stay readable even if the
     * checkpoint is deleted while the guest runs. Damage inside one frame is still found only when it is read.
     */
    /**
     * Opens the packs and checks every frame the checkpoint uses (CRC, no decompression), so that a damaged frame
     * refuses the restore now rather than stopping the guest when it touches the page.
     */
    private static void openPacks(Checkpoint ckpt) throws IOException {
        ckpt.checkReferencedFrames();
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() == PageKind.DATA) {
                ckpt.readPage((int) e.start(), new byte[GuestMemory.PAGE_SIZE]);
                return;
            }
        }
    }

    /**
     * Reads every page with data on all cores at once, in large runs ({@link PageLoader}), then installs them on
     * this thread: the machine is not running, and only one thread ever changes guest memory. The DATA pages have
     * been loading since the restore began ({@code early}); this thread reads the reference pages, then helps.
     *
     * @return nanoseconds in the loaders' stages ({@link PageLoader#stageNanos}), in installing, and the reference pages'
     *         share of the stages
     */
    private static long[] loadPagesEagerly(Checkpoint ckpt, Machine m, PageSources sources, EagerLoad early, ProgressListener progress)
            throws IOException, RestoreException {
        GuestMemory mem = m.memory();
        if (ckpt.pageCount() != mem.pageCount()) {
            throw new RestoreException("checkpoint " + ckpt.id() + " has " + ckpt.pageCount() + " pages, the machine " + mem.pageCount());
        }
        byte[][] loaded = early.loaded;
        PageLoader.Sink sink = early.sink;
        // With windowBeforeSourcePages, the pages read from boot files (positional channel reads: no JNI critical
        // region) are loaded inside the old-generation window, the deltas and disk blocks before it.
        boolean sourcesInWindow = windowBeforeSourcePages;
        java.util.EnumSet<PageKind> before = sourcesInWindow
                ? java.util.EnumSet.of(PageKind.SOURCE_DELTA, PageKind.DISK_BLOCK)
                : java.util.EnumSet.of(PageKind.SOURCE_DELTA, PageKind.DISK_BLOCK, PageKind.SOURCE);
        PageLoader references = PageLoader.referencePagesOnly(ckpt, sources, sink, before);
        PageLoader sourceRuns = sourcesInWindow
                ? PageLoader.referencePagesOnly(ckpt, sources, sink, java.util.EnumSet.of(PageKind.SOURCE)) : null;
        PageLoader data = early.data;
        long total = data.pagesTotal() + references.pagesTotal() + (sourceRuns == null ? 0 : sourceRuns.pagesTotal());
        long[] reported = {0};
        java.util.function.IntConsumer report = ignored -> {
            long done = data.pagesDone() + references.pagesDone() + (sourceRuns == null ? 0 : sourceRuns.pagesDone());
            if (done - reported[0] >= 0x4000) {
                reported[0] = done;
                progress.progress("restore", done, total);
            }
        };
        references.runAll(0, report);
        // From here on only page loading runs (this thread and the loader's, with direct buffers when a window is
        // installed): the pages still to come may go straight into the old generation (OldGenerationWindow; on by default, -Dvmckpt.restore.oldGenDirect=false: off).
        CloseWindow closer = new CloseWindow(); // before the window opens: see CloseWindow
        OldGenerationWindow.Window window = OldGenerationWindow.openFor(data.pagesTotal() - data.pagesDone()
                + (sourceRuns == null ? 0 : sourceRuns.pagesTotal()));
        if (window != null) data.whenWorkRunsOut(closer.of(window));
        try {
            if (sourceRuns != null) sourceRuns.runAll(0, report);
            data.finish(report);
        } finally {
            if (window != null) window.close();
        }
        if (window != null) {
            early.windowNanos = window.openNanos();
            early.windowTimedOut = window.timedOut();
            if (sourceRuns != null) early.windowSourcePages = sourceRuns.pagesTotal();
        }
        // finish joined every loader thread, so their stores into loaded[] are visible here.
        long t0 = org.vmckpt.checkpoint.store.BatchReader.cpuNanos();
        for (int i = 0; i < loaded.length; i++) {
            if (loaded[i] != null) mem.installPage(i, loaded[i]);
        }
        // A page that still equals its source: a later full checkpoint may refer to it again. Only the reference
        // pages' runs are looked at (a few thousand pages), not every page's kind in the page table.
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() != PageKind.SOURCE && e.kind() != PageKind.DISK_BLOCK) continue;
            for (long i = e.start(); i < e.end(); i++) CheckpointPages.recordOrigin(ckpt, mem, (int) i);
        }
        long installNanos = org.vmckpt.checkpoint.store.BatchReader.cpuNanos() - t0;
        progress.progress("restore", total, total);
        long[] st = data.stageNanos(), sr = references.stageNanos();
        if (sourceRuns != null) {
            long[] ss = sourceRuns.stageNanos();
            for (int i = 0; i < 3; i++) sr[i] += ss[i];
        }
        return new long[] {st[0] + sr[0], st[1] + sr[1], st[2] + sr[2], installNanos, sr[0] + sr[1] + sr[2]};
    }

    /**
     * Whether an eager restore opens its {@link OldGenerationWindow} before the pages read from boot files (SOURCE) rather
     * than after all reference pages (round 63, {@code -Dvmckpt.restore.oldGenDirect.beforeSourcePages}): the window then
     * covers the early loader's pages of that time too (the signed guest's 7,600 kernel pages take the restoring thread
     * 45-65 ms). The boot-file deltas and disk blocks stay before it: their reads enter JNI critical regions (zstd on heap
     * arrays), which wait while the collector is locked out. On by default since round 63's slot (with the blocking holder,
     * spawn to restored lower than main's in 50 of 84 interleaved rounds, 18 of 24 with memory the host had taken back;
     * docs/BENCHMARKS.md); {@code -Dvmckpt.restore.oldGenDirect.beforeSourcePages=false} opens it after them as before.
     */
    static volatile boolean windowBeforeSourcePages = windowBeforeSourcePagesDefault();

    /** The switch as the JVM's options set it (default on). */
    static boolean windowBeforeSourcePagesDefault() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.restore.oldGenDirect.beforeSourcePages", "true"));
    }

    /**
     * Threads that start reading a checkpoint's DATA pages with the restore: one per core but one. The restoring
     * thread's own work (machine, boot files, records) is the restore's critical path until the pages are in, so it
     * keeps a core; it joins the loaders when that work is done (decompression and CRC are CPU work: more threads
     * than cores only take turns).
     */
    static int earlyLoaderThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /**
     * The checkpoint's disk-overlay blocks into the machine's overlays, extent by extent: a ZERO extent's blocks become
     * the overlay's zero entries directly (no array, no compare of 4 KiB with zeros: on the signed guest 2,944 of its
     * 2,946 blocks, each compared in cold code on the restore's critical path before round 74), a DATA block is read into
     * one buffer that the overlay copies. Blocks of a write-through disk are skipped (it has no overlay); a disk the
     * machine lacks is refused before any block is applied.
     */
    private static void loadDisks(Checkpoint ckpt, Machine m) throws IOException, RestoreException {
        List<Extent> extents = ckpt.diskExtents();
        int diskCount = m.virtio().disks().size();
        for (Extent e : extents) {
            int last = CheckpointPages.diskOf(e.end() - 1);
            if (e.length() > 0 && last >= diskCount) {
                int first = CheckpointPages.diskOf(e.start());
                int missing = first >= diskCount ? first : diskCount;
                throw new RestoreException("checkpoint " + ckpt.id() + " has overlay blocks for disk " + missing + ", which does not exist");
            }
        }
        List<VirtioBlk> disks = m.virtio().disks();
        byte[] block = null;
        for (Extent e : extents) {
            for (long k = e.start(), end = e.end(); k < end; ) {
                int d = CheckpointPages.diskOf(k);
                long runEnd = Math.min(end, CheckpointPages.diskKey(d + 1, 0)); // an extent never spans disks; if it did
                VirtioBlk disk = disks.get(d);
                if (disk.isWriteThrough()) {
                    k = runEnd;
                } else if (e.kind() != PageKind.DATA) {
                    disk.restoreOverlayZeroBlocks(CheckpointPages.blockOf(k), runEnd - k);
                    k = runEnd;
                } else {
                    if (block == null) block = new byte[GuestMemory.PAGE_SIZE];
                    for (; k < runEnd; k++) {
                        ckpt.readDiskBlock(k, block);
                        disk.restoreOverlayBlock(CheckpointPages.blockOf(k), block); // the overlay keeps a copy
                    }
                }
            }
        }
    }

    /** The set of pages a lazy restore must still load (DATA, DISK_BLOCK and SOURCE pages). */
    static BitSet pagesToLoad(Checkpoint ckpt) {
        BitSet b = new BitSet(ckpt.pageCount());
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() == PageKind.DATA || e.kind() == PageKind.DISK_BLOCK || e.kind() == PageKind.SOURCE || e.kind() == PageKind.SOURCE_DELTA) {
                b.set((int) e.start(), (int) e.end());
            }
        }
        return b;
    }
}
