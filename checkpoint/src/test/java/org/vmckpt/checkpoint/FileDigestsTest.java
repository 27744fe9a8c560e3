package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The file digest cache: a digest is remembered by the file's identity and given back only while the file keeps
 * it; any write (even one that puts size and mtime back) makes the file be hashed again; a file written in the
 * last moments is never remembered; the cache is private and a damaged one is an empty one.
 */
class FileDigestsTest {
    @TempDir
    Path dir;

    /** "Now", for a file just written, as if SETTLE_NANOS had passed since. */
    private static long later() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() + FileDigests.SETTLE_NANOS + 1_000_000_000L;
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    /** A hasher that hashes the file in full and counts its calls. */
    private static FileDigests.Hasher counting(Path f, AtomicInteger calls) {
        return () -> {
            calls.incrementAndGet();
            try {
                return sha256(f);
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
        };
    }

    private static String digest(FileDigests d, Path f, AtomicInteger calls, long now) throws Exception {
        return d.sha256(f, counting(f, calls), FileDigests.Identity.of(f.toAbsolutePath()), now);
    }

    @Test
    void anUnchangedFileIsHashedOnce() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[]{1, 2, 3, 4});
        FileDigests d = new FileDigests(dir.resolve("cache").resolve("file-digests"));
        AtomicInteger calls = new AtomicInteger();
        assertEquals(sha256(f), digest(d, f, calls, later()));
        assertEquals(sha256(f), digest(d, f, calls, later()));
        assertEquals(sha256(f), new FileDigests(dir.resolve("cache").resolve("file-digests")).sha256(f, counting(f, calls)));
        assertEquals(1, calls.get(), "remembered across instances (processes)");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache").resolve("file-digests"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache"))));
    }

    @Test
    void aFileRewrittenWithItsSizeAndMtimePutBackIsHashedAgain() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[]{1, 2, 3, 4});
        FileTime mtime = Files.getLastModifiedTime(f);
        FileDigests d = new FileDigests(dir.resolve("file-digests"));
        AtomicInteger calls = new AtomicInteger();
        String before = digest(d, f, calls, later());
        Thread.sleep(20); // a ctime tick later
        Files.write(f, new byte[]{1, 2, 3, 5});
        Files.setLastModifiedTime(f, mtime); // what the old cache key (path, size, mtime, inode) could not see
        String after = digest(d, f, calls, later());
        assertEquals(2, calls.get());
        assertNotEquals(before, after);
        assertEquals(sha256(f), after);
    }

    @Test
    void aFileReplacedByRenameIsHashedAgain() throws Exception {
        Path f = dir.resolve("Image");
        Files.write(f, new byte[]{1, 2, 3, 4});
        FileDigests d = new FileDigests(dir.resolve("file-digests"));
        AtomicInteger calls = new AtomicInteger();
        digest(d, f, calls, later());
        Path other = dir.resolve("Image.new");
        Files.write(other, new byte[]{9, 9, 9, 9});
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(f));
        Files.move(other, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(sha256(f), digest(d, f, calls, later()));
        assertEquals(2, calls.get());
    }

    @Test
    void aFileWrittenJustNowIsNotRemembered() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[]{1, 2, 3, 4});
        FileDigests d = new FileDigests(dir.resolve("file-digests"));
        AtomicInteger calls = new AtomicInteger();
        d.sha256(f, counting(f, calls));
        d.sha256(f, counting(f, calls));
        assertEquals(2, calls.get(), "a write in the same timestamp tick as the look could keep the identity");
    }

    @Test
    void aFileThatChangedWhileItWasReadIsNotTakenFromTheCache() throws Exception {
        Path f = dir.resolve("Image");
        Files.write(f, new byte[]{1, 2, 3, 4});
        FileDigests d = new FileDigests(dir.resolve("file-digests"));
        AtomicInteger calls = new AtomicInteger();
        FileDigests.Identity before = FileDigests.Identity.of(f.toAbsolutePath());
        d.sha256(f, counting(f, calls), before, later());
        Thread.sleep(20);
        Files.write(f, new byte[]{5, 6, 7, 8}); // between the caller's look and its read
        String got = d.sha256(f, () -> "0".repeat(64), before, later());
        assertEquals("0".repeat(64), got, "the caller's own hash of what it read, not the remembered one");
    }

    @Test
    void aDamagedCacheIsAnEmptyOne() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[]{1, 2, 3, 4});
        Path cache = dir.resolve("file-digests");
        Files.write(cache, new byte[]{(byte) 0xff, '\\', 'u', '1', '=', 0});
        FileDigests d = new FileDigests(cache);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(sha256(f), digest(d, f, calls, later()));
        Files.writeString(cache, f.toAbsolutePath() + "=" + FileDigests.Identity.of(f.toAbsolutePath()).text() + " not-a-digest\n");
        assertEquals(sha256(f), digest(d, f, calls, later()));
        Files.writeString(cache, "bad\\u0000path=x\n"); // a key that is no path
        assertEquals(sha256(f), digest(d, f, calls, later()));
        assertEquals(3, calls.get());
    }
    @Test
    void theCacheFileIsReadOnceUntilAnotherProcessReplacesIt() throws Exception {
        Path a = dir.resolve("a.img"), b = dir.resolve("b.img");
        Files.write(a, new byte[]{1, 2, 3, 4});
        Files.write(b, new byte[]{5, 6, 7, 8});
        Path cache = dir.resolve("cache").resolve("file-digests");
        FileDigests d = new FileDigests(cache), other = new FileDigests(cache);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(sha256(a), digest(d, a, calls, later()));
        int reads = d.reads;
        for (int i = 0; i < 5; i++) assertEquals(sha256(a), digest(d, a, calls, later()));
        assertEquals(sha256(a), d.remembered(a));
        assertEquals(1, calls.get());
        assertEquals(reads, d.reads, "look-ups after its own write parse nothing");
        // Another process (another instance) remembers b: this one sees it without hashing b itself.
        assertEquals(sha256(b), digest(other, b, calls, later()));
        assertEquals(2, calls.get());
        assertEquals(sha256(b), digest(d, b, calls, later()));
        assertEquals(2, calls.get());
        assertEquals(reads + 1, d.reads);
        // The cache file removed: nothing is remembered any more.
        Files.delete(cache);
        assertEquals(null, d.remembered(a));
        assertEquals(sha256(a), digest(d, a, calls, later()));
        assertEquals(3, calls.get());
    }
}
