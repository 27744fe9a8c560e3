package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.BootFiles;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.PageOrigin;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Protocol 4: pages equal to bytes of a file both ends hold (a disk's base image in the page cache, the kernel
 * and initramfs as loaded, a file the kernel unpacked from the initramfs) travel as references and are rebuilt by
 * the destination from its own copy; the state digest proves the result bit-exact. A boot file the destination
 * holds with another hash is not referred to: its pages travel as data, and the guest still arrives exactly.
 */
class MigrationReferencesTest {
    @TempDir
    Path dir;

    private final List<Machine> running = new ArrayList<>();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    /** The source's migration still streaming after GO (see {@code migrate(..., whileStreaming, ...)}), or null. */
    private Thread sourceThread;

    static final long KERNEL_AT = 0x8020_0000L;
    static final int KERNEL_BYTES = 256 << 10;
    static final int DISK_PAGES = 40;
    static final int FILE_PAGES = 3;

    @AfterEach
    void stop() throws Exception {
        for (Machine m : running) m.requestExit(0);
        for (AutoCloseable c : closeAfter) c.close();
    }

    private record Files3(Path kernel, Path initrd, Path disk, byte[] diskBytes, byte[] file) { }

    private Files3 files() throws Exception {
        Random r = new Random(11);
        byte[] file = new byte[FILE_PAGES * 4096];
        r.nextBytes(file);
        byte[] disk = new byte[1 << 20];
        r.nextBytes(disk);
        Path kernel = Files.write(dir.resolve("Image"), BootFiles.image(KERNEL_BYTES, 5));
        Path initrd = Files.write(dir.resolve("initrd.cpio.gz"), BootFiles.cpio(new String[] {"bin/busybox"}, new byte[][] {file}));
        Path diskPath = Files.write(dir.resolve("disk.img"), disk);
        return new Files3(kernel, initrd, diskPath, disk, file);
    }

    private static MachineConfig config(Path kernel, Path initrd, Path disk) {
        return new MachineConfig(64L << 20, kernel, initrd, "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
    }

    /**
     * The source: booted from the files, then (as a guest would) pages filled from the disk by "reads", the file
     * the kernel unpacked from the initramfs copied into its page cache, a data page; held paused on its run
     * thread (the random kernel is not meant to run).
     */
    private Machine source(Files3 f) throws Exception {
        return source(f, 0);
    }

    /** As above, with {@code fillerPages} pages of random data from 4 MiB up (below the page cache at 40 MiB). */
    private Machine source(Files3 f, int fillerPages) throws Exception {
        Machine m = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        m.boot();
        byte[] filler = new byte[4096];
        Random fill = new Random(17);
        for (int k = 0; k < fillerPages; k++) {
            fill.nextBytes(filler);
            m.memory().writeBytes(0x8000_0000L + (4L << 20) + k * 4096L, filler, 0, filler.length);
        }
        long cache = 0x8000_0000L + (40L << 20);
        for (int k = 0; k < DISK_PAGES; k++) {
            long sector = (long) (3 * k + 1) * 8; // every third disk page, out of order in memory
            m.memory().writeFromSource(cache + (long) (DISK_PAGES - 1 - k) * 4096, f.diskBytes(), (int) sector * 512, 4096,
                    PageOrigin.diskSource(0), sector);
        }
        long files = cache + (DISK_PAGES + 8) * 4096L;
        m.memory().writeBytes(files, f.file(), 0, f.file().length);
        byte[] data = new byte[4096];
        new Random(3).nextBytes(data);
        m.memory().writeBytes(files + 16 * 4096L, data, 0, data.length);
        m.requestPause();
        Thread t = new Thread(() -> m.run(-1), "source");
        t.setDaemon(true);
        t.start();
        running.add(m);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (m.runState() != Machine.RunState.PAUSED && System.nanoTime() < deadline) Thread.sleep(2);
        return m;
    }

    private MigrationDestination.Incoming migrate(Machine source, Machine target, MigrationMode mode, MigrationSource[] sourceOut) throws Throwable {
        return migrate(source, target, mode, false, sourceOut);
    }

    private MigrationDestination.Incoming migrate(Machine source, Machine target, MigrationMode mode, boolean atOnce, MigrationSource[] sourceOut)
            throws Throwable {
        return migrate(source, target, mode, atOnce, false, sourceOut);
    }

    private MigrationDestination.Incoming migrate(Machine source, Machine target, MigrationMode mode, boolean atOnce, boolean whileStreaming,
                                                  MigrationSource[] sourceOut) throws Throwable {
        MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), null);
        closeAfter.add(l);
        MigrationDestination d = new MigrationDestination(target);
        AtomicReference<MigrationDestination.Incoming> in = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                in.set(d.receive(l.accept(), null));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.setDaemon(true);
        t.start();
        MigrationSource s = new MigrationSource(source, null, new MigrationEndpoint("127.0.0.1", l.port()), null, mode, atOnce, null);
        sourceOut[0] = s;
        if (!whileStreaming) {
            s.run();
            t.join(60_000);
        } else {
            // Post-copy: hand the destination back as soon as it may run (GO), while the source still streams.
            Thread st = new Thread(() -> {
                try {
                    s.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "source-migration");
            st.setDaemon(true);
            st.start();
            sourceThread = st;
            t.join(60_000);
        }
        if (failure.get() != null) throw failure.get();
        return in.get();
    }

    private static String hash(Machine m) throws Exception {
        return m.callAtInstructionBoundary(() -> HexFormat.of().formatHex(m.stateHash()));
    }

    @Test
    void diskBootFileAndInitramfsPagesTravelAsReferencesAndArriveBitExact() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { }), MigrationMode.PRECOPY, s);
        // The destination checked the state digest (CRC32C of every page as the source had it) before READY.
        assertEquals(hash(src), hash(in.machine()));
        long referred = s[0].progress().pagesReferred();
        int kernelPages = KERNEL_BYTES / 4096;
        assertTrue(referred >= kernelPages + DISK_PAGES + FILE_PAGES,
                "the kernel's " + kernelPages + ", the disk's " + DISK_PAGES + " and the file's " + FILE_PAGES + " pages go as references, not " + referred);
        // Far fewer bytes than the pages themselves: random bytes do not compress.
        assertTrue(s[0].progress().bytesSent() < (long) (kernelPages + DISK_PAGES) * 4096 / 4, "sent " + s[0].progress().bytesSent());
    }

    @Test
    void aBootFileWithAnotherHashAtTheDestinationIsNotReferredTo() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        // The destination boots from another kernel file (same size, other bytes): the source's kernel pages go as data.
        Path otherKernel = Files.write(dir.resolve("Image.other"), BootFiles.image(KERNEL_BYTES, 6));
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(otherKernel, f.initrd(), f.disk()), b -> { }), MigrationMode.PRECOPY, s);
        assertEquals(hash(src), hash(in.machine()));
        long referred = s[0].progress().pagesReferred();
        assertTrue(referred >= DISK_PAGES + FILE_PAGES && referred < KERNEL_BYTES / 4096, "referred " + referred);
        assertTrue(s[0].progress().bytesSent() > KERNEL_BYTES, "the kernel's pages went as data: sent " + s[0].progress().bytesSent());
    }

    @Test
    void postCopyRebuildsReferencesSentInItsRounds() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { }), MigrationMode.POSTCOPY, s);
        in.machine().memory().materializeAllLazy();
        MigrationTest.awaitPostCopyCompleted(in, 10);
        assertEquals(hash(src), in.machine().callAtInstructionBoundary(() -> HexFormat.of().formatHex(in.machine().stateHash())));
        assertTrue(s[0].progress().pagesReferred() >= KERNEL_BYTES / 4096 + DISK_PAGES);
    }

    /**
     * Post-copy that switches at once sends every page after GO: those still equal to the kernel, the disk or an
     * initramfs file go as references there too (protocol 5; before it they went whole), and arrive bit-exact.
     */
    @Test
    void postCopyAtOnceSendsReferencesAfterTheSwitch() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { }), MigrationMode.POSTCOPY, true, s);
        MigrationTest.awaitPostCopyCompleted(in, 20);
        in.machine().memory().materializeAllLazy();
        assertEquals(hash(src), in.machine().callAtInstructionBoundary(() -> HexFormat.of().formatHex(in.machine().stateHash())));
        int kernelPages = KERNEL_BYTES / 4096;
        assertTrue(s[0].progress().pagesReferred() >= kernelPages + DISK_PAGES + FILE_PAGES, "referred " + s[0].progress().pagesReferred());
        assertTrue(s[0].progress().bytesSent() < (long) (kernelPages + DISK_PAGES) * 4096 / 4, "sent " + s[0].progress().bytesSent());
    }

    @Test
    void aReferenceTheDestinationCannotRebuildIsRefusedByName() throws Throwable {
        Files3 f = files();
        Machine m = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        PageReferences refs = PageReferences.forDestination(m);
        refs.acceptedBootFiles(java.util.Map.of()); // the source named no boot file: only the disk may be referred to
        PageFrames frames = new PageFrames();
        byte[] page = new byte[4096];
        page[0] = 1;
        long[][] bad = {
                {(long) PageOrigin.KERNEL << 40},                            // a boot file not accepted
                {(long) PageOrigin.diskSource(0) << 40 | (1 << 20) / 512},   // past the disk's end
                {(long) PageOrigin.diskSource(1) << 40},                     // a disk the machine lacks
        };
        for (long[] ref : bad) {
            byte[] payload = frames.encodePages(new int[]{7}, new byte[][]{page.clone()}, ref, null, 1);
            MigrationException e = assertThrows(MigrationException.class,
                    () -> frames.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), refs, (i, d) -> { }));
            assertTrue(e.getMessage().contains("malformed PAGES") && e.getMessage().contains("page 7 refers to source"), e.getMessage());
        }
        // A good one is rebuilt from the base image.
        byte[] payload = frames.encodePages(new int[]{7}, new byte[][]{page.clone()}, new long[]{(long) PageOrigin.diskSource(0) << 40 | 16}, null, 1);
        List<byte[]> got = new ArrayList<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), refs, (i, d) -> got.add(d));
        assertArrayEquals(java.util.Arrays.copyOfRange(f.diskBytes(), 16 * 512, 16 * 512 + 4096), got.get(0));
    }

    /**
     * With {@code -Dvmckpt.migration.referencePagesInPool=true}, a page rebuilt from a reference goes into an array of the
     * destination's pool, as a data page does: a new array for
     * each was most of what a destination allocated during a migration (a 1 GiB default guest refers to some 7,000 pages),
     * each one copied into the old generation by the next young collection (docs/BENCHMARKS.md round 56).
     */
    @Test
    void aPageRebuiltFromAReferenceGoesIntoAnArrayOfThePool() throws Throwable {
        Files3 f = files();
        Machine m = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        PageReferences refs = PageReferences.forDestination(m);
        refs.acceptedBootFiles(java.util.Map.of()); // the disk only
        PageFrames source = new PageFrames();
        PageFrames destination = new PageFrames();
        destination.referencePagesInPool(true); // -Dvmckpt.migration.referencePagesInPool=true (off by default)
        PageArrayPool pool = new PageArrayPool();
        pool.fill(3);
        destination.usePool(pool);
        byte[] data = new byte[4096];
        new Random(5).nextBytes(data);
        long[] ref = {(long) PageOrigin.diskSource(0) << 40 | 16, PageReferences.NONE, (long) PageOrigin.diskSource(0) << 40 | 64};
        byte[] payload = source.encodePages(new int[]{7, 8, 9}, new byte[][]{data.clone(), data.clone(), data.clone()}, ref, null, 3);
        List<byte[]> got = new ArrayList<>();
        destination.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), refs, (i, d) -> got.add(d));
        assertEquals(3, pool.taken(), "both references and the data page went into the pool's arrays");
        assertEquals(0, pool.size());
        assertArrayEquals(java.util.Arrays.copyOfRange(f.diskBytes(), 16 * 512, 16 * 512 + 4096), got.get(0));
        assertArrayEquals(data, got.get(1));
        assertArrayEquals(java.util.Arrays.copyOfRange(f.diskBytes(), 64 * 512, 64 * 512 + 4096), got.get(2));
        // Off (the default): the data page takes a pool array, the references new ones.
        PageFrames off = new PageFrames();
        off.referencePagesInPool(false);
        PageArrayPool pool2 = new PageArrayPool();
        pool2.fill(3);
        off.usePool(pool2);
        byte[] payload2 = source.encodePages(new int[]{7, 8, 9}, new byte[][]{data.clone(), data.clone(), data.clone()}, ref, null, 3);
        List<byte[]> got2 = new ArrayList<>();
        off.decodePages(new MigrationWire.Payload("PAGES", payload2), m.memory().pageCount(), refs, (i, d) -> got2.add(d));
        assertEquals(1, pool2.taken());
        assertArrayEquals(got.get(0), got2.get(0));
        assertArrayEquals(got.get(2), got2.get(2));
    }

    /**
     * A migrated VM's pages keep their origins (protocol 7): a checkpoint taken on the destination refers to the same
     * disk blocks and boot-file pages as a checkpoint of the source at switch-over, is as small, and restores to the
     * same state. Before, pages arriving as references (or, in post-copy, as answers to requests) had no origin at
     * the destination, so its checkpoints stored every kernel and page-cache page whole.
     */
    @Test
    void aCheckpointOnTheDestinationRefersToWhatTheSourcesDoesPreCopy() throws Throwable {
        checkpointsAlike(MigrationMode.PRECOPY, false);
    }

    @Test
    void aCheckpointOnTheDestinationRefersToWhatTheSourcesDoesPostCopy() throws Throwable {
        checkpointsAlike(MigrationMode.POSTCOPY, false);
    }

    /** Switching at once, the destination asks for pages at once: answers carry origins it checks, the stream references. */
    @Test
    void aCheckpointOnTheDestinationRefersToWhatTheSourcesDoesPostCopyAtOnce() throws Throwable {
        checkpointsAlike(MigrationMode.POSTCOPY, true);
    }

    private void checkpointsAlike(MigrationMode mode, boolean atOnce) throws Throwable {
        Files3 f = files();
        // Switching at once: 32 MiB of random pages below the page cache, so that the background stream (bottom up)
        // is still busy with them when the destination touches the page cache (top down) and asks for it.
        Machine src = source(f, atOnce ? 8192 : 0);
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { }), mode, atOnce,
                mode == MigrationMode.POSTCOPY, s);
        Machine dst = in.machine();
        if (in.postCopy() != null) {
            // Touch every page from the top down, as a guest would: the pages the background stream (bottom up) has not
            // brought yet are asked for (REQUESTs), the page cache's among them, and their answers carry origins.
            for (int i = dst.memory().pageCount() - 1; i >= 0; i--) dst.memory().prefetch(i);
            if (atOnce) assertTrue(in.postCopy().requests() > 0, "the destination asked for pages");
            MigrationTest.awaitPostCopyCompleted(in, 20);
            sourceThread.join(20_000);
            assertFalse(sourceThread.isAlive(), "the source's migration ended");
        }
        String hash = hash(src);
        assertEquals(hash, dst.callAtInstructionBoundary(() -> HexFormat.of().formatHex(dst.stateHash())));
        // The source, paused at switch-over, and the destination: each checkpointed into its own repository.
        CheckpointInfo atSource = new CheckpointEngine(src, Repository.open(dir.resolve("repo-src"), true), null)
                .checkpoint(CheckpointOptions.defaults().withLive(false), null).info();
        Repository dstRepo = Repository.open(dir.resolve("repo-dst"), true);
        CheckpointInfo atDestination = new CheckpointEngine(dst, dstRepo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info();
        long boot = atSource.stat(Stats.EVICT_BOOT, -1), disk = atSource.stat(Stats.EVICT_DISK, -1);
        assertTrue(boot >= KERNEL_BYTES / 4096 + FILE_PAGES && disk >= DISK_PAGES, "the source's checkpoint: boot " + boot + ", disk " + disk);
        assertEquals(boot, atDestination.stat(Stats.EVICT_BOOT, -2), "boot-file references at the destination");
        assertEquals(disk, atDestination.stat(Stats.EVICT_DISK, -2), "disk references at the destination");
        assertEquals(atSource.stat(Stats.PAGES_SAVED, -1), atDestination.stat(Stats.PAGES_SAVED, -2), "pages stored as data");
        assertEquals(atSource.stat(Stats.BYTES_PACK, -1), atDestination.stat(Stats.BYTES_PACK, -2), "bytes of page data");
        try (Checkpoint ck = dstRepo.open(atDestination.id())) {
            for (boolean lazy : new boolean[]{false, true}) {
                Machine r = Restorer.restore(ck, null, b -> { }, lazy, null).machine();
                r.memory().materializeAllLazy();
                assertEquals(hash, r.callAtInstructionBoundary(() -> HexFormat.of().formatHex(r.stateHash())), "restore (lazy " + lazy + ")");
            }
        }
    }

    /**
     * A data page may carry the origin the source saw (answers to post-copy requests): the destination believes it
     * only if its own copy of those bytes equals the page; a claim that does not hold leaves the page plain data.
     */
    @Test
    void anOriginClaimedForADataPageCountsOnlyIfTheDestinationsFileHoldsThoseBytes() throws Throwable {
        Files3 f = files();
        Machine m = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        PageReferences refs = PageReferences.forDestination(m);
        refs.acceptedBootFiles(java.util.Map.of());
        PageFrames frames = new PageFrames();
        byte[] good = java.util.Arrays.copyOfRange(f.diskBytes(), 16 * 512, 16 * 512 + 4096);
        byte[] wrong = good.clone();
        wrong[100] ^= 1;
        long at16 = (long) PageOrigin.diskSource(0) << 40 | 16;
        long[] claims = {at16, at16, (long) PageOrigin.KERNEL << 40, (long) PageOrigin.diskSource(0) << 40 | (1 << 20) / 512};
        byte[][] pages = {good.clone(), wrong.clone(), good.clone(), good.clone()};
        byte[] payload = frames.encodePages(new int[]{3, 4, 5, 6}, pages, null, null, claims, 4);
        List<Long> origins = new ArrayList<>();
        List<byte[]> got = new ArrayList<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), refs, null, (PageFrames.PageConsumer) (i, d, o) -> {
            got.add(d);
            origins.add(o);
        });
        assertEquals(List.of(at16, PageReferences.NONE, PageReferences.NONE, PageReferences.NONE), origins,
                "equal bytes, other bytes, a boot file not accepted, past the disk's end");
        assertArrayEquals(good, got.get(0));
        assertArrayEquals(wrong, got.get(1), "the page itself is the data sent, whatever its claim");
        assertEquals(3, frames.originsRefused());
    }

    /**
     * Protocol 10: kernel pages the boot patched in a few bytes (which a checkpoint stores as the Image's page plus an
     * XOR, SOURCE_DELTA) travel as PAGE_SOURCE_DELTA: the reference and the compressed XOR, not the whole page. The
     * destination rebuilds them from its own kernel file and the state digest and hash prove them exact.
     */
    @Test
    void kernelPagesPatchedInAFewBytesTravelAsFilePagePlusDelta() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        int patched = 5;
        src.callAtInstructionBoundary(() -> {
            for (int k = 0; k < patched; k++) {
                byte[] b = {(byte) 0xa5, 0x5a, (byte) k};
                src.memory().writeBytes(KERNEL_AT + (3 + 7L * k) * 4096 + 100 * k, b, 0, b.length);
            }
            return null;
        });
        MigrationSource[] s = new MigrationSource[1];
        Machine dst = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        MigrationDestination.Incoming in = migrate(src, dst, MigrationMode.PRECOPY, s);
        assertEquals(hash(src), hash(in.machine()));
        assertEquals(patched, s[0].pagesFileDelta(), "each patched kernel page went as the file's page plus a delta");
        int kernelPages = KERNEL_BYTES / 4096;
        assertTrue(s[0].progress().pagesReferred() >= kernelPages - patched + DISK_PAGES, "referred " + s[0].progress().pagesReferred());
        // Random kernel bytes do not compress: five whole pages would be 20 KiB more than the references alone.
        assertTrue(s[0].progress().bytesSent() < (long) (kernelPages + DISK_PAGES) * 4096 / 4, "sent " + s[0].progress().bytesSent());
    }

    /**
     * A SOURCE_DELTA damaged on the way (plaintext: one bit of the XOR's bytes, found in the stream by value) fails the
     * migration cleanly: the destination refuses (digest or malformed frame), the source stays as it was.
     */
    @Test
    void aDamagedFileDeltaFailsTheMigrationAndLeavesTheSourceAsItWas() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        long at = KERNEL_AT + 9 * 4096 + 1000;
        byte[] patch = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88};
        src.callAtInstructionBoundary(() -> {
            src.memory().writeBytes(at, patch, 0, patch.length);
            return null;
        });
        // The XOR the delta carries at those bytes: the patch XOR the file's bytes there (zstd keeps so few literals raw).
        byte[] kernel = Files.readAllBytes(f.kernel());
        byte[] xor = new byte[patch.length];
        for (int j = 0; j < patch.length; j++) xor[j] = (byte) (patch[j] ^ kernel[(int) (at - KERNEL_AT) + j]);
        String before = hash(src);
        MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), null);
        closeAfter.add(l);
        MigrationDestination d = new MigrationDestination(new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { }));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                d.receive(l.accept(), null);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.setDaemon(true);
        t.start();
        try (StreamProxy mitm = new StreamProxy(l.port(), xor)) {
            MigrationSource s = new MigrationSource(src, null, new MigrationEndpoint("127.0.0.1", mitm.port()), null, MigrationMode.PRECOPY, false, null);
            MigrationException e = assertThrows(MigrationException.class, s::run);
            assertEquals(MigrationStatus.FAILED, s.status(), e.getMessage());
            assertEquals(1, s.pagesFileDelta());
        }
        t.join(60_000);
        assertNotNull(failure.get(), "the destination must refuse the damaged page");
        String why = failure.get().getMessage();
        assertTrue(why.contains("digest") || why.contains("malformed"), why);
        assertEquals(Machine.RunState.PAUSED, src.runState());
        assertEquals(before, hash(src), "the source keeps its state");
    }

    /** A destination that holds another kernel file: the patched pages go whole, never as a delta against other bytes. */
    @Test
    void patchedKernelPagesGoWholeToADestinationWithAnotherKernel() throws Throwable {
        Files3 f = files();
        Machine src = source(f);
        src.callAtInstructionBoundary(() -> {
            src.memory().writeBytes(KERNEL_AT + 5 * 4096, new byte[]{1, 2, 3}, 0, 3);
            return null;
        });
        Path otherKernel = Files.write(dir.resolve("Image.other"), BootFiles.image(KERNEL_BYTES, 6));
        MigrationSource[] s = new MigrationSource[1];
        MigrationDestination.Incoming in = migrate(src, new Machine(config(otherKernel, f.initrd(), f.disk()), b -> { }), MigrationMode.PRECOPY, s);
        assertEquals(hash(src), hash(in.machine()));
        assertEquals(0, s[0].pagesFileDelta());
    }

    /**
     * A SOURCE_DELTA frame this end cannot apply is refused by name: a kernel not accepted here, a data part of the
     * wrong length. One that applies gives the file's page XORed with the delta, and counts.
     */
    @Test
    void aBadFileDeltaIsRefusedAndAGoodOneRebuildsThePage() throws Throwable {
        Files3 f = files();
        Machine m = new Machine(config(f.kernel(), f.initrd(), f.disk()), b -> { });
        byte[] kernel = Files.readAllBytes(f.kernel());
        byte[] file = java.util.Arrays.copyOfRange(kernel, 2 * 4096, 3 * 4096);
        byte[] page = file.clone();
        page[10] ^= 0x40;
        page[4000] ^= 1;
        long ref = (long) PageOrigin.KERNEL << 40 | 2 * 8;
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(new int[]{9}, new byte[][]{page.clone()}, new long[]{ref}, new byte[][]{file}, 1);

        PageReferences none = PageReferences.forDestination(m);
        none.acceptedBootFiles(java.util.Map.of());
        MigrationException e = assertThrows(MigrationException.class,
                () -> frames.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), none, (i, d) -> { }));
        assertTrue(e.getMessage().contains("malformed PAGES") && e.getMessage().contains("page 9 refers to source"), e.getMessage());

        PageReferences refs = PageReferences.forDestination(m);
        java.util.Map<String, String> description = new java.util.HashMap<>();
        PageReferences.forSource(m, null).describe(description);
        assertTrue(refs.acceptedBootFiles(description).contains(PageOrigin.KERNEL));
        // The data part cut short by one byte: its length no longer matches one page.
        byte[] cut = java.util.Arrays.copyOf(payload, payload.length - 1);
        int lengthAt = payload.length - 4 - (payloadDataLength(payload));
        ByteBuffer.wrap(cut).putInt(lengthAt, payloadDataLength(payload) - 1);
        MigrationException e2 = assertThrows(MigrationException.class,
                () -> frames.decodePages(new MigrationWire.Payload("PAGES", cut), m.memory().pageCount(), refs, (i, d) -> { }));
        assertTrue(e2.getMessage().contains("malformed PAGES"), e2.getMessage());

        List<byte[]> got = new ArrayList<>();
        List<Long> origins = new ArrayList<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), m.memory().pageCount(), refs, null,
                (PageFrames.PageConsumer) (i, d, o) -> { got.add(d); origins.add(o); });
        assertArrayEquals(page, got.get(0));
        assertEquals(List.of(PageReferences.NONE), origins, "a patched page has no origin: it is not the file's bytes");
        assertEquals(1, frames.fileDeltas());
    }

    /** The data part's stored length: it is the payload's last field (i32 length, then the bytes). */
    private static int payloadDataLength(byte[] payload) {
        for (int len = 0; len <= payload.length - 4; len++) {
            if (ByteBuffer.wrap(payload).getInt(payload.length - 4 - len) == len) return len;
        }
        throw new AssertionError("no data part");
    }
}
