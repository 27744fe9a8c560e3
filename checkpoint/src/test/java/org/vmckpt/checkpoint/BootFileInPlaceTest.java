package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A running VM's page sources compare pages with a boot file where it lies when its SHA-256 is remembered for its
 * identity (nothing read or hashed at their start), and with per-page SHA-256 digests otherwise: both give the same
 * references. A boot file changed while the VM runs is compared no more (its pages become data, the checkpoints that
 * refer to it are refused by name), and one changed while a checkpoint compares pages with it refuses that checkpoint.
 */
class BootFileInPlaceTest {
    @TempDir
    Path dir;

    private static final int INITRD_BYTES = 300_000;

    /** Writes a kernel Image and an initrd of random bytes into {@code d}, as {kernel, initrd}. */
    private static Path[] bootFiles(Path d) throws IOException {
        Files.createDirectories(d);
        Path kernel = d.resolve("Image"), initrd = d.resolve("initrd");
        Files.write(kernel, BootFileEvictionTest.image());
        byte[] b = new byte[INITRD_BYTES];
        new Random(6).nextBytes(b);
        Files.write(initrd, b);
        return new Path[]{kernel, initrd};
    }

    /** A booted machine whose kernel changed its page 5 (data, not a reference). */
    private static Machine boot(Path[] files) throws Exception {
        Machine m = new Machine(new MachineConfig(64L << 20, files[0], files[1], "console=ttyS0", null, null, List.of(),
                false, false, true), b -> { });
        m.boot();
        m.memory().write64(BootFileEvictionTest.KERNEL_AT + 5 * 4096L, 1);
        return m;
    }

    private static void settle() throws InterruptedException {
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200); // only files older than this are remembered
    }

    @Test
    void comparedInPlaceOrByDigestTheReferencesAreTheSame() throws Exception {
        Path[] settled = bootFiles(dir.resolve("settled"));
        settle();
        Path[] fresh = bootFiles(dir.resolve("fresh")); // just written: not remembered, so hashed into page digests
        Machine a = boot(settled), b = boot(fresh);
        PageSources inPlace = PageSources.ofMachine(a, null, null), digests = PageSources.ofMachine(b, null, null);
        for (int s : new int[]{PageOrigin.KERNEL, PageOrigin.INITRD}) {
            assertNotNull(inPlace.bootFile(s).inPlace(), "a remembered file is compared where it lies");
            assertNull(inPlace.bootFile(s).pageDigests(), "and not hashed");
            assertNull(digests.bootFile(s).inPlace(), "a file just written is not remembered");
            assertNotNull(digests.bootFile(s).pageDigests());
        }
        Repository ra = Repository.open(dir.resolve("repo-a"), true), rb = Repository.open(dir.resolve("repo-b"), true);
        CheckpointEngine.Outcome oa = new CheckpointEngine(a, ra, null).checkpoint(CheckpointOptions.defaults().withLive(false), null);
        CheckpointEngine.Outcome ob = new CheckpointEngine(b, rb, null).checkpoint(CheckpointOptions.defaults().withLive(false), null);
        int kernelPages = BootFileEvictionTest.KERNEL_BYTES / 4096;
        assertEquals(kernelPages - 1 + INITRD_BYTES / 4096, oa.info().stat(Stats.EVICT_BOOT, -1));
        assertEquals(oa.info().stat(Stats.EVICT_BOOT, -1), ob.info().stat(Stats.EVICT_BOOT, -2));
        try (Checkpoint ca = ra.open(oa.info().id()); Checkpoint cb = rb.open(ob.info().id())) {
            for (int p = 0; p < a.memory().pageCount(); p++) {
                assertEquals(cb.pageKind(p), ca.pageKind(p), "page " + p);
                if (ca.pageKind(p) == PageKind.SOURCE) {
                    assertEquals(cb.pageSource(p), ca.pageSource(p));
                    assertEquals(cb.pageSourceSector(p), ca.pageSourceSector(p));
                }
            }
            Restorer.Restored r = Restorer.restore(ca, null, x -> { }, false, null);
            assertEquals(Machines.hash(a), Machines.hash(r.machine()));
        }
    }

    @Test
    void aBootFileChangedWhileTheVmRunsIsComparedNoMore() throws Exception {
        Path[] files = bootFiles(dir.resolve("boot"));
        settle();
        Machine m = boot(files);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        CheckpointEngine.Outcome before = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        int kernelPages = BootFileEvictionTest.KERNEL_BYTES / 4096, initrdPages = INITRD_BYTES / 4096;
        assertEquals(kernelPages - 1 + initrdPages, before.info().stat(Stats.EVICT_BOOT, -1));
        assertNotNull(engine.pageSources().bootFile(PageOrigin.KERNEL).inPlace());
        changeInPlace(files[0], 3 * 4096 + 7); // kernel page 3 of the file is no longer what the guest holds
        CheckpointEngine.Outcome after = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        assertEquals(initrdPages, after.info().stat(Stats.EVICT_BOOT, -1), "no page refers to the changed kernel");
        String hash = Machines.hash(m);
        int k0 = m.memory().pageIndexOf(BootFileEvictionTest.KERNEL_AT);
        try (Checkpoint ck = repo.open(after.info().id())) {
            assertEquals(PageKind.DATA, ck.pageKind(k0 + 3));
            assertNotNull(ck.config().get("kernel.sha256"), "still described");
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, x -> { }, lazy, null);
                assertEquals(hash, Machines.hash(r.machine()), "restore (lazy " + lazy + ")");
            }
        }
        try (Checkpoint ck = repo.open(before.info().id())) { // refers to the kernel as it was: refused by name
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, x -> { }, false, null));
            assertTrue(e.getMessage().contains("kernel " + files[0].toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
        }
    }

    @Test
    void aBootFileChangedWhilePagesAreComparedRefusesTheCheckpoint() throws Exception {
        Path[] files = bootFiles(dir.resolve("boot"));
        settle();
        Machine m = boot(files);
        PageSources s = PageSources.ofMachine(m, null, null);
        BootFile kernel = s.bootFile(PageOrigin.KERNEL);
        byte[] page = new byte[4096], scratch = new byte[4096];
        m.memory().readBytes(BootFileEvictionTest.KERNEL_AT + 4096L, page, 0, page.length);
        s.dropChangedBootFiles();
        assertTrue(kernel.matches(8, page, scratch), "kernel page 1 as the guest holds it");
        assertFalse(kernel.matches(16, page, scratch));
        changeInPlace(files[0], 4096 + 9);
        IOException e = assertThrows(IOException.class, s::checkBootFilesUnchanged);
        assertTrue(e.getMessage().contains("kernel " + files[0].toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
        s.dropChangedBootFiles();
        assertFalse(s.bootFile(PageOrigin.KERNEL).matches(8, page, scratch), "dropped: compared no more");
        s.checkBootFilesUnchanged();
        Map<String, String> config = new HashMap<>();
        s.describe(config);
        assertEquals(kernel.sha256(), config.get("kernel.sha256"), "still described, for pages that inherit references");
    }

    @Test
    void theInitramfsIndexFindsTheSamePagesWithTheArchiveKeptOrDigests() throws Exception {
        Random r = new Random(11);
        byte[] busybox = new byte[5 * 4096 + 100], module = new byte[3 * 4096];
        r.nextBytes(busybox);
        r.nextBytes(module);
        byte[] initrd = BootFiles.cpio(new String[]{"bin/busybox", "m.ko"}, new byte[][]{busybox, module});
        InitramfsFiles kept = InitramfsFiles.index(initrd), digests = InitramfsFiles.parse(initrd, false);
        assertTrue(kept.toString().contains("indexed") && !kept.toString().contains("digests"), kept.toString());
        byte[] page = new byte[4096];
        for (int t = 0; t < 40; t++) {
            byte[] src = t % 2 == 0 ? busybox : module;
            int at = r.nextInt(src.length - 4096 + 1);
            if (t % 5 == 0) at = (at / 4096) * 4096; // whole file pages, and pages across them
            System.arraycopy(src, at, page, 0, 4096);
            if (t % 7 == 0) page[100] ^= 1;
            assertEquals(digests.find(page), kept.find(page), "lookup " + t);
            if (t % 5 == 0 && t % 7 != 0) assertTrue(kept.find(page) >= 0);
        }
        System.arraycopy(module, 4096, page, 0, 4096);
        long ref = kept.find(page);
        assertEquals((long) (InitramfsFiles.FIRST_SOURCE + 1) << 40 | 8, ref);
        assertTrue(kept.matches(InitramfsFiles.FIRST_SOURCE + 1, 8, page));
        assertFalse(kept.matches(InitramfsFiles.FIRST_SOURCE + 1, 16, page));
        byte[] back = new byte[4096];
        assertTrue(kept.read(InitramfsFiles.FIRST_SOURCE + 1, 8, back));
        assertArrayEquals(page, back);
    }

    @Test
    void anArchiveOfSeveralMembersThatUnpacksToManyTimesItsSizeIsReadWhole() throws Exception {
        // Unpacked into one array that starts at 4x the packed size and doubles: this one grows several times.
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i += 4096) big[i + (i >> 12) % 4000] = (byte) (i >> 12 | 1); // pages differ
        byte[] small = new byte[2 * 4096];
        new Random(3).nextBytes(small);
        byte[] first = BootFiles.cpio(new String[]{"big"}, new byte[][]{big});
        byte[] second = BootFiles.cpio(new String[]{"small"}, new byte[][]{small});
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertTrue(first.length * 4L < big.length, "compresses more than 4x");
        InitramfsFiles kept = InitramfsFiles.index(both), restore = InitramfsFiles.parse(both, true);
        assertEquals(2, kept.fileCount());
        byte[] page = new byte[4096], back = new byte[4096];
        for (int k : new int[]{0, 1, 700, big.length / 4096 - 1}) {
            System.arraycopy(big, k * 4096, page, 0, 4096);
            assertEquals((long) InitramfsFiles.FIRST_SOURCE << 40 | 8L * k, kept.find(page), "page " + k);
            assertTrue(restore.read(InitramfsFiles.FIRST_SOURCE, 8L * k, back));
            assertArrayEquals(page, back);
        }
        System.arraycopy(small, 4096, page, 0, 4096);
        assertEquals((long) (InitramfsFiles.FIRST_SOURCE + 1) << 40 | 8, kept.find(page));
        assertTrue(restore.covers(InitramfsFiles.FIRST_SOURCE + 1, 2 * 4096) && !restore.covers(InitramfsFiles.FIRST_SOURCE + 1, 3 * 4096));
    }

    /** Flips one bit of {@code f} at {@code at}, then puts its modification time back (its ctime moves). */
    static void changeInPlace(Path f, long at) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(f);
        Thread.sleep(20);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 1);
        }
        Files.setLastModifiedTime(f, mtime);
    }
}
