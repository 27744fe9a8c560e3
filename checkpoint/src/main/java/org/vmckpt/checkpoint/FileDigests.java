package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.PrivateFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The SHA-256 of files a checkpoint depends on (disk images, kernel, initramfs, firmware), remembered across runs
 * by the file's identity so that a restore does not read and hash 256 MiB of unchanged disk image again.
 *
 * <p>The identity is what the kernel keeps for the file: device, inode, size, modification time and change time,
 * the times in nanoseconds. Any write to the file changes its ctime (and a replaced file has another inode); the
 * ctime cannot be set by a user process (utimensat sets mtime but sets ctime to now), so someone who can write the
 * file but not this cache cannot make a changed file look unchanged: it is hashed again and, if its digest is not the
 * checkpoint's, refused by name. A file changed within the timestamp granularity of the last look could keep its
 * identity ("racy" in git's sense), so an entry is stored only for a file whose times are at least
 * {@link #SETTLE_NANOS} older than the moment its hashing began, and whose identity did not change while it was
 * hashed. The cache is private to the user (0600 in a 0700 directory under {@code $XDG_CACHE_HOME/vmckpt}); a damaged
 * cache is an empty one. docs/ARCHITECTURE.md, "Restore: what is checked, and when".
 */
public final class FileDigests {
    /** How old a file's times must be, when its hashing starts, for its digest to be remembered. */
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Computes a file's SHA-256 (hex) in full. */
    @FunctionalInterface
    public interface Hasher {
        String sha256() throws IOException;
    }

    /** What the kernel knows of a file that changes when its contents may have changed. */
    record Identity(long device, long inode, long size, long mtimeNanos, long ctimeNanos) {
        static Identity of(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return new Identity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")));
        }

        private static long nanos(Object time) {
            return ((FileTime) time).to(TimeUnit.NANOSECONDS);
        }

        String text() {
            return device + " " + inode + " " + size + " " + mtimeNanos + " " + ctimeNanos;
        }

        /** Whether both of the file's times lie at least {@link #SETTLE_NANOS} before {@code nowNanos} (epoch ns). */
        boolean settledAt(long nowNanos) {
            return Math.max(mtimeNanos, ctimeNanos) <= nowNanos - SETTLE_NANOS;
        }

        // Written out, not the record's own: that one is bootstrapped at its first call (ObjectMethods) by spinning
        // method-handle classes the class-data archive cannot hold, 0.1 s of a cold restore's CPU at load 10 (an eager
        // restore compares the boot files' identities on its way to its pages; docs/BENCHMARKS.md, round 63).
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && device == i.device && inode == i.inode && size == i.size
                    && mtimeNanos == i.mtimeNanos && ctimeNanos == i.ctimeNanos;
        }

        @Override
        public int hashCode() {
            long h = device;
            h = h * 31 + inode;
            h = h * 31 + size;
            h = h * 31 + mtimeNanos;
            h = h * 31 + ctimeNanos;
            return Long.hashCode(h);
        }
    }

    private static final FileDigests USER = new FileDigests(defaultFile());

    private final Path cacheFile;

    FileDigests(Path cacheFile) {
        this.cacheFile = cacheFile;
    }

    /** The user's cache. */
    public static FileDigests user() {
        return USER;
    }

    static Path defaultFile() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vmckpt").resolve("file-digests");
    }

    /**
     * The SHA-256 of {@code file}: remembered if its identity is the one it had when it was last hashed, else
     * computed by {@code hasher} (which must hash the file at that path) and remembered when it may be.
     */
    public String sha256(Path file, Hasher hasher) throws IOException {
        return sha256(file, hasher, Identity.of(file.toAbsolutePath()), epochNanos());
    }

    /**
     * The SHA-256 of contents read from {@code file} after its identity was {@code before} (taken before the
     * read), computed by {@code hasher} from those contents: the remembered digest is used only if the file
     * still has that identity now, i.e. did not change while it was read.
     */
    String sha256(Path file, Hasher hasher, Identity before) throws IOException {
        return sha256(file, hasher, before, epochNanos());
    }

    /** As above, with the current time given (tests). The hasher runs outside the lock: other files wait for no hash. */
    String sha256(Path file, Hasher hasher, Identity before, long nowNanos) throws IOException {
        String key = file.toAbsolutePath().toString();
        if (Identity.of(file.toAbsolutePath()).equals(before)) {
            String hit;
            synchronized (this) {
                hit = lookup(load().getProperty(key), before);
            }
            if (hit != null) return hit;
        }
        String sha = hasher.sha256();
        if (Identity.of(file.toAbsolutePath()).equals(before) && before.settledAt(nowNanos)) {
            synchronized (this) {
                Properties cache = load();
                cache.setProperty(key, before.text() + " " + sha);
                store(cache);
            }
        }
        return sha;
    }

    /**
     * Remembers {@code sha256} for a file vmckpt has just written whole into its own private cache (written under a fresh
     * temporary name, forced to disk and renamed into place: {@link UnpackedInitramfs}), under its identity now. The
     * settle rule of {@link #sha256} guards against a write in the same timestamp tick as the look that would leave the
     * identity as it was; no process writes such a file after its rename (a later write, or another rename over it,
     * moves its identity: its ctime or its inode), and one that could would need this user's cache, where it could
     * equally write this file. So the entry is stored at once, with no 2 s wait.
     */
    void rememberWritten(Path file, String sha256) throws IOException {
        Identity id = Identity.of(file.toAbsolutePath());
        synchronized (this) {
            Properties cache = load();
            cache.setProperty(file.toAbsolutePath().toString(), id.text() + " " + sha256);
            store(cache);
        }
    }

    /** The directory of this cache (its other files, such as {@link UnpackedInitramfs}'s, live beside it). */
    Path directory() {
        return cacheFile.getParent();
    }

    /** The digest remembered for {@code file} as it is now, or null. */
    String remembered(Path file) throws IOException {
        return remembered(file, Identity.of(file.toAbsolutePath()));
    }

    /** The digest remembered for {@code file} with identity {@code id}, or null. */
    synchronized String remembered(Path file, Identity id) {
        return lookup(load().getProperty(file.toAbsolutePath().toString()), id);
    }

    /** The digest {@code entry} holds for a file of identity {@code id}, or null if it is for another identity. */
    private static String lookup(String entry, Identity id) {
        if (entry == null) return null;
        String prefix = id.text() + " ";
        if (!entry.startsWith(prefix)) return null;
        String sha = entry.substring(prefix.length());
        return isSha256Hex(sha) ? sha : null;
    }

    /** 64 lowercase hex digits (checked by hand: a regex costs milliseconds to compile on a cold JVM). */
    static boolean isSha256Hex(String s) {
        if (s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /**
     * The cache file's entries as this process last read or wrote them, and the file's identity then (null: read it).
     * A restore looks digests up four or five times (disk image, kernel, initramfs, its unpacked copy), and parsing the
     * file in cold code each time was milliseconds of its critical path (docs/BENCHMARKS.md, round 55). Another process
     * replaces the file by a rename (a new inode), which a stat of it shows.
     */
    private Properties loaded;
    private Identity loadedAs;
    /** How many times the file was read and parsed (tests). */
    int reads;

    /** The cache's entries (the caller holds this object's lock; what it changes it gives to {@link #store}). */
    private Properties load() {
        Identity now;
        try {
            if (!Files.isRegularFile(cacheFile)) return forget();
            now = Identity.of(cacheFile);
        } catch (IOException | RuntimeException e) {
            return forget();
        }
        if (loaded != null && now.equals(loadedAs)) return loaded;
        Properties p = new Properties();
        reads++;
        try (var in = Files.newBufferedReader(cacheFile, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            p.clear(); // a damaged cache is an empty one
        }
        loaded = p;
        loadedAs = now; // a change while it was read moves the identity again: read again next time
        return p;
    }

    /** No cache file (or none readable): nothing remembered in this process either. */
    private Properties forget() {
        loaded = null;
        loadedAs = null;
        return new Properties();
    }

    /** Writes the cache (entries for files that no longer exist dropped), atomically; a failure only loses the cache. */
    private void store(Properties p) {
        try {
            p.keySet().removeIf(k -> !Files.exists(Path.of((String) k))); // a damaged key fails here: the cache is lost
            PrivateFiles.createDirectories(cacheFile.getParent());
            Path tmp = Files.createTempFile(cacheFile.getParent(), "file-digests", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(out, "vmckpt: SHA-256 of files by path = device inode size mtime-ns ctime-ns sha256");
                }
                Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                loaded = p;
                loadedAs = Identity.of(cacheFile);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            // remembering is an optimisation: the digest was computed in full
            forget();
        }
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
