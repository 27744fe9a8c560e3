package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * vmckpt's unpacked copy of an initramfs ({@link UnpackedInitramfs}): an entry reads back the files' pages exactly and
 * is no entry once anything about it changed; an eager restore reads the initramfs's file pages from it and restores
 * bit-exactly (state hash), falls back to unpacking the initrd when the copy changed, and still refuses a changed initrd
 * by name.
 */
class UnpackedInitramfsTest {
    @TempDir
    Path dir;

    private static final byte[][] CONTENTS = contents();

    private static byte[][] contents() {
        Random r = new Random(21);
        byte[] busybox = new byte[3 * 4096 + 1000], module = new byte[2 * 4096], empty = new byte[0], small = new byte[100];
        r.nextBytes(busybox);
        r.nextBytes(module);
        r.nextBytes(small);
        return new byte[][]{busybox, empty, module, small};
    }

    private static byte[] archive(long seed) throws Exception {
        byte[][] c = contents();
        c[3] = Arrays.copyOf(c[3], c[3].length);
        c[3][0] = (byte) seed; // another initrd (another SHA-256) per test run, the same pages
        return BootFiles.cpio(new String[]{"bin/busybox", "etc/empty", "lib/modules/m.ko", "etc/seed"}, c);
    }

    @Test
    void anEntryReadsBackEveryFilePageAndIsNoEntryOnceChanged() throws Exception {
        // (Both forms: read in place, and read whole as a lazy restore does.)
        FileDigests digests = new FileDigests(dir.resolve("cache").resolve("file-digests"));
        UnpackedInitramfs cache = new UnpackedInitramfs(digests);
        byte[] initrd = archive(1);
        String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(initrd));
        InitramfsFiles indexed = InitramfsFiles.index(initrd);
        assertNull(cache.open(sha), "no entry yet");
        assertTrue(cache.storeIfAbsent(sha, indexed));
        assertFalse(cache.storeIfAbsent(sha, indexed), "written once");
        Path entry = cache.path(sha);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)));
        InitramfsFiles read = cache.open(sha);
        assertNotNull(read);
        // Regular files with data, in archive order: busybox (file 0) and the module (file 1); the small file has no whole page.
        assertEquals(indexed.fileCount(), read.fileCount());
        byte[] page = new byte[4096];
        for (int k = 0; k < 3; k++) {
            assertTrue(read.read(InitramfsFiles.FIRST_SOURCE, 8L * k, page));
            assertArrayEquals(Arrays.copyOfRange(CONTENTS[0], k * 4096, (k + 1) * 4096), page, "busybox page " + k);
        }
        byte[] run = new byte[2 * 4096];
        assertTrue(read.read(InitramfsFiles.FIRST_SOURCE + 1, 0, run, run.length), "a run of pages in one read");
        assertArrayEquals(CONTENTS[2], run);
        assertFalse(read.read(InitramfsFiles.FIRST_SOURCE, 8L * 3, page), "busybox's last, partial page is no source");
        assertFalse(read.read(InitramfsFiles.FIRST_SOURCE + 1, 8, run, run.length), "past the module's end");
        assertTrue(read.closeInPlace(), "unchanged while read");
        InitramfsFiles whole = cache.load(sha);
        assertNotNull(whole);
        for (int k = 0; k < 3; k++) {
            assertTrue(whole.read(InitramfsFiles.FIRST_SOURCE, 8L * k, page));
            assertArrayEquals(Arrays.copyOfRange(CONTENTS[0], k * 4096, (k + 1) * 4096), page, "busybox page " + k + ", read whole");
        }
        assertTrue(whole.read(InitramfsFiles.FIRST_SOURCE + 1, 0, run, run.length));
        assertArrayEquals(CONTENTS[2], run);
        // The entry is another initrd's: not used for this one.
        String other = "0".repeat(64);
        Files.copy(entry, cache.path(other));
        digests.rememberWritten(cache.path(other), "1".repeat(64));
        assertNull(cache.open(other), "its header names another initrd");
        // A write to the entry moves its identity: no entry, even with its modification time put back.
        changeInPlace(entry, entry.toFile().length() - 5000);
        assertNull(cache.open(sha), "changed since it was written");
        assertNull(cache.load(sha), "changed since it was written");
        // A changed copy is written again.
        assertTrue(cache.storeIfAbsent(sha, indexed));
        InitramfsFiles again = cache.open(sha);
        assertNotNull(again);
        // Changed while a restore reads it: closeInPlace says so.
        changeInPlace(entry, entry.toFile().length() - 5000);
        assertFalse(again.closeInPlace());
        // Another version is no entry.
        assertTrue(cache.storeIfAbsent(sha, indexed));
        try (RandomAccessFile raf = new RandomAccessFile(entry.toFile(), "rw")) {
            raf.seek(8);
            raf.writeInt(UnpackedInitramfs.VERSION + 1);
        }
        digests.rememberWritten(entry, "2".repeat(64)); // as if written so: only the version differs
        assertNull(cache.open(sha), "another version");
    }

    @Test
    void anEagerRestoreReadsTheFilePagesFromTheCopyAndAChangedInitrdIsStillRefusedByName() throws Exception {
        Path initrd = dir.resolve("initrd.cpio.gz");
        byte[] archive = archive(System.nanoTime());
        Files.write(initrd, archive);
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        // Only files whose times are older than the settle window are remembered (the restore trusts the initrd by that).
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200);
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, initrd, "", null, null, List.of(), false, false, true), b -> { });
        m.boot();
        long cachePages = 0x8000_0000L + (40L << 20);
        m.memory().writeBytes(cachePages, CONTENTS[2], 4096, 4096);
        m.memory().writeBytes(cachePages + 4096, CONTENTS[0], 0, 3 * 4096);
        m.memory().writeBytes(cachePages + 4 * 4096, CONTENTS[2], 0, 4096);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        m.virtio().close();
        String sha = FileDigests.user().remembered(initrd);
        assertNotNull(sha, "the initrd's digest is remembered");
        // The running VM's page-sources thread wrote the unpacked copy once the sources were handed out.
        UnpackedInitramfs cache = UnpackedInitramfs.user();
        long deadline = System.nanoTime() + 20_000_000_000L;
        InitramfsFiles entry;
        while ((entry = cache.open(sha)) == null && System.nanoTime() < deadline) Thread.sleep(50);
        assertNotNull(entry, "the VM's page sources keep the unpacked copy");
        entry.closeInPlace();
        try {
            int p0 = m.memory().pageIndexOf(cachePages);
            try (Checkpoint ck = repo.open(id)) {
                for (int k = 0; k < 5; k++) assertEquals(PageKind.SOURCE, ck.pageKind(p0 + k), "page " + k);
                assertTrue(InitramfsFiles.isFileSource(ck.pageSource(p0)));
                for (boolean lazy : new boolean[]{false, true}) {
                    Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                    assertEquals(hash, Machines.hash(r.machine()), "restore (lazy " + lazy + ") differs: " + Machines.diff(m, r.machine()));
                    // From the copy: eager in place, lazy read whole (its pages are read long after the restore).
                    assertEquals(1L, r.phaseNanos().get("boot-files.initramfs.cached.items"), "phases " + r.phaseNanos());
                    r.machine().virtio().close();
                }
            }
            // The copy changed: not used; the restore unpacks the initrd and is still exact.
            changeInPlace(cache.path(sha), Files.size(cache.path(sha)) - 3000);
            try (Checkpoint ck = repo.open(id)) {
                for (boolean lazy : new boolean[]{false, true}) {
                    Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                    assertEquals(hash, Machines.hash(r.machine()), "lazy " + lazy);
                    assertEquals(0L, r.phaseNanos().get("boot-files.initramfs.cached.items"), "phases " + r.phaseNanos());
                    r.machine().virtio().close();
                }
            }
            // A good copy again, and the initrd changed (one bit, its mtime put back): refused by name, eager and lazy.
            assertTrue(cache.storeIfAbsent(sha, InitramfsFiles.index(archive)));
            changeInPlace(initrd, archive.length - 40);
            try (Checkpoint ck = repo.open(id)) {
                for (boolean lazy : new boolean[]{false, true}) {
                    RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, lazy, null));
                    assertTrue(e.getMessage().contains("initrd " + initrd.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
                }
            }
        } finally {
            Files.deleteIfExists(cache.path(sha));
        }
    }

    /** Flips one bit of {@code f} at {@code at}, then puts its modification time back. */
    private static void changeInPlace(Path f, long at) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(f);
        Thread.sleep(20); // a ctime tick later
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 1);
        }
        Files.setLastModifiedTime(f, mtime);
    }
}
