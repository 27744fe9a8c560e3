package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.PrivateFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * vmckpt's cache of unpacked initramfs archives: for an initrd of SHA-256 S, the data of its regular files, unpacked,
 * in {@code $XDG_CACHE_HOME/vmckpt/initramfs/S}, beside {@link FileDigests}' file and private like it (0600 in a 0700
 * directory). An eager restore whose pages refer to files inside the initramfs reads those pages from here, in place,
 * instead of reading the initrd and unpacking all of it (the signed guest's 3.7 MB archive to 14 MB: 35-130 ms of the
 * restoring thread and ~18 MB of fresh heap on every restore; docs/BENCHMARKS.md, rounds 53 and 55).
 *
 * <p>Why the bytes can be trusted: the file is written whole by {@link #store} under a fresh temporary name, forced to
 * disk and renamed into place, and its identity (device, inode, size, mtime, ctime) is then remembered in
 * {@link FileDigests} with its SHA-256; {@link #open} uses it only while it has that identity, and the restore checks the
 * identity again after its last read ({@link InitramfsFiles#closeInPlace}). Its header names the initrd's SHA-256; the
 * restore has checked, by the initrd's own remembered digest, that the initrd the checkpoint names is unchanged, so the
 * initrd is still refused by name if it changed ({@link PageSources#forCheckpoint}). Anything else (no entry, another
 * identity, another version, a damaged header) is no entry: the restore unpacks the initrd as before.
 *
 * <p>Format, version {@link #VERSION} (a cache, not a checkpoint: another version is no entry): the 8 bytes
 * {@code VMCKIRFS}, the version (int), the initrd's SHA-256 (64 lowercase hex digits), the file count n (int), the
 * data's length (long), n file lengths (long each), then the files' data one after the other, in archive order. All
 * numbers big-endian.
 */
final class UnpackedInitramfs {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "VMCKIRFS".getBytes(StandardCharsets.US_ASCII);
    private static final int FIXED_HEADER = 8 + 4 + 64 + 4 + 8;
    /** Entries kept (newest by modification time): tests and rebuilt guests make new initrds. */
    static final int MAX_ENTRIES = 8;
    /** Bytes per read when an entry is read whole. */
    private static final int READ_CHUNK = 1 << 20;

    private static final UnpackedInitramfs USER = new UnpackedInitramfs(FileDigests.user());

    private final FileDigests digests;
    private final Path dir;

    UnpackedInitramfs(FileDigests digests) {
        this.digests = digests;
        this.dir = digests.directory().resolve("initramfs");
    }

    /** The user's cache (beside {@link FileDigests#user()}'s). */
    static UnpackedInitramfs user() {
        return USER;
    }

    /** Where the entry of the initrd of SHA-256 {@code initrdSha256} is. */
    Path path(String initrdSha256) {
        return dir.resolve(initrdSha256);
    }

    /**
     * Stores {@code files} (the capture side's form, holding the unpacked archive) as the entry of the initrd of SHA-256
     * {@code initrdSha256}, unless a usable entry is there; returns whether it wrote one. A failure only leaves no entry.
     */
    boolean storeIfAbsent(String initrdSha256, InitramfsFiles files) {
        if (!FileDigests.isSha256Hex(initrdSha256) || !files.holdsArchive() || files.fileCount() == 0) return false; // nothing to refer to
        Path target = path(initrdSha256);
        try {
            if (Files.isRegularFile(target) && digests.remembered(target) != null) return false;
            PrivateFiles.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "unpacked", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            MessageDigest md = sha256();
            try {
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    int n = files.fileCount();
                    long data = 0;
                    for (int f = 0; f < n; f++) data += files.fileLength(f);
                    ByteBuffer h = ByteBuffer.allocate(FIXED_HEADER + 8 * n);
                    h.put(MAGIC).putInt(VERSION).put(initrdSha256.getBytes(StandardCharsets.US_ASCII)).putInt(n).putLong(data);
                    for (int f = 0; f < n; f++) h.putLong(files.fileLength(f));
                    h.flip();
                    md.update(h.array(), 0, h.limit());
                    while (h.hasRemaining()) out.write(h);
                    for (int f = 0; f < n; f++) files.writeFile(f, out, md);
                    out.force(true); // the data is on disk before the name is: a crash leaves no entry with lost bytes
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            digests.rememberWritten(target, HexFormat.of().formatHex(md.digest()));
            evictOld();
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // a cache: the restore unpacks the initrd without it
        }
    }

    /**
     * The files of the initrd of SHA-256 {@code initrdSha256} read in place from its entry, or null if there is no usable
     * entry. The caller has checked that the initrd it names has that SHA-256, and calls
     * {@link InitramfsFiles#closeInPlace} after its last read.
     */
    InitramfsFiles open(String initrdSha256) {
        return open(initrdSha256, false);
    }

    /**
     * The files of the initrd of SHA-256 {@code initrdSha256} read whole from its entry into memory (a lazy restore, whose
     * pages are read long after it returned), the entry's identity checked unchanged after the read; or null if there is
     * no usable entry. Reading 14 MB spares inflating the archive (the same fresh heap either way).
     */
    InitramfsFiles load(String initrdSha256) {
        return open(initrdSha256, true);
    }

    private InitramfsFiles open(String initrdSha256, boolean whole) {
        Path p = path(initrdSha256);
        InPlaceFile f = null;
        try {
            if (!Files.isRegularFile(p)) return null;
            f = InPlaceFile.openRemembered(p, digests);
            if (f == null) return null;
            byte[] head = new byte[FIXED_HEADER];
            if (!f.read(0, head)) return close(f);
            ByteBuffer h = ByteBuffer.wrap(head);
            byte[] magic = new byte[MAGIC.length];
            h.get(magic);
            byte[] sha = new byte[64];
            int version = h.getInt();
            h.get(sha);
            int n = h.getInt();
            long data = h.getLong();
            if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION
                    || !initrdSha256.equals(new String(sha, StandardCharsets.US_ASCII)) || n < 0 || n > InitramfsFiles.MAX_FILES) {
                return close(f);
            }
            long first = FIXED_HEADER + 8L * n;
            if (data < 0 || first + data != f.size()) return close(f);
            byte[] table = new byte[8 * n];
            if (!f.read(FIXED_HEADER, table)) return close(f);
            ByteBuffer t = ByteBuffer.wrap(table);
            long[] start = new long[n], length = new long[n];
            long at = first;
            for (int i = 0; i < n; i++) {
                length[i] = t.getLong();
                if (length[i] < 0 || length[i] > first + data - at) return close(f);
                start[i] = at;
                at += length[i];
            }
            if (at != first + data) return close(f);
            if (!whole) return InitramfsFiles.inPlace(start, length, f);
            if (data > Integer.MAX_VALUE - 16) return close(f);
            byte[] bytes = new byte[(int) data];
            // In 1 MiB reads: a read into a heap array goes through a temporary direct buffer of the read's size, which
            // for one 14 MB read would be 14 MB more of fresh (native) memory to fault in.
            boolean read = true;
            for (int off = 0; read && off < bytes.length; off += READ_CHUNK) {
                read = f.read(first + off, bytes, off, Math.min(READ_CHUNK, bytes.length - off));
            }
            read = read && f.unchanged();
            close(f);
            if (!read) return null;
            for (int i = 0; i < n; i++) start[i] -= first;
            return InitramfsFiles.held(start, length, bytes);
        } catch (IOException | RuntimeException e) {
            return f == null ? null : close(f);
        }
    }

    private static InitramfsFiles close(InPlaceFile f) {
        try {
            f.close();
        } catch (IOException e) {
            // read-only
        }
        return null;
    }

    /** Deletes all but the {@link #MAX_ENTRIES} newest entries (and temporary files over an hour old). */
    private void evictOld() throws IOException {
        List<Path> entries = new ArrayList<>();
        long hourAgo = System.currentTimeMillis() - 3_600_000L;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (FileDigests.isSha256Hex(name)) entries.add(p);
                else if (name.endsWith(".tmp") && Files.getLastModifiedTime(p).toMillis() < hourAgo) Files.deleteIfExists(p);
            }
        }
        if (entries.size() <= MAX_ENTRIES) return;
        entries.sort((a, b) -> modified(b).compareTo(modified(a)));
        for (Path p : entries.subList(MAX_ENTRIES, entries.size())) Files.deleteIfExists(p);
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
