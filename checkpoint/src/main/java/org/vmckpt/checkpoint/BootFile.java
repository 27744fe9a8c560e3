package org.vmckpt.checkpoint;

import org.vmckpt.machine.firmware.BootImageException;
import org.vmckpt.machine.firmware.LinuxImage;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file the machine was booted with (kernel Image, initramfs, firmware) as a source of page contents: its
 * path, the SHA-256 of the file, and its bytes as the loader put them in RAM (a gzip kernel decompressed).
 * Pages equal to parts of it are stored as references to it; a restore re-reads it and refuses it by name if
 * its hash changed.
 *
 * <p>A running VM compares a page with the file where it lies ({@link #forCapture}: positional reads of a file whose
 * SHA-256 {@link FileDigests} remembers for its identity, nothing held in memory, nothing hashed), or, when the
 * digest is not remembered (a file just written) or the loaded bytes are not the file's (a gzip kernel), with a
 * SHA-256 per 4 KiB of the loaded bytes ({@link #digestsOnly}: 256 KiB for a 32 MiB kernel instead of the kernel
 * itself). A restore keeps the bytes, or reads them in place, and copies them into pages.
 *
 * @param source      {@link PageOrigin#KERNEL}, {@link PageOrigin#INITRD} or {@link PageOrigin#FIRMWARE}
 * @param loaded      the bytes as loaded, or null when only the digests are kept
 * @param pageDigests SHA-256 of each whole 4 KiB page of the loaded bytes (the loader puts them at page-aligned
 *                    addresses, so pages from it start at multiples of 4 KiB), or null when the bytes are kept
 * @param inPlace     the file read page by page where it lies ({@link #inPlace}; an eager restore, or a running VM's
 *                    page sources), or null
 */
record BootFile(int source, Path path, String sha256, byte[] loaded, byte[][] pageDigests, InPlaceFile inPlace) {

    /** What the file is, in messages and configuration keys: "kernel", "initrd" or "firmware". */
    static String name(int source) {
        return switch (source) {
            case PageOrigin.KERNEL -> "kernel";
            case PageOrigin.INITRD -> "initrd";
            case PageOrigin.FIRMWARE -> "firmware";
            default -> throw new IllegalArgumentException("source " + source + " is not a boot file");
        };
    }

    static boolean isBootSource(int source) {
        return source == PageOrigin.KERNEL || source == PageOrigin.INITRD || source == PageOrigin.FIRMWARE;
    }

    /** The file's SHA-256 is not the one asked for. */
    static final class ChangedException extends IOException {
        final String sha256;

        ChangedException(String sha256) {
            super("its SHA-256 is " + sha256);
            this.sha256 = sha256;
        }
    }

    /**
     * Reads and hashes {@code path} and reproduces what the loader made of it. With {@code expectedSha256}
     * non-null, a file with another hash is refused ({@link ChangedException}) before it is interpreted.
     */
    static BootFile load(int source, Path path, String expectedSha256) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("the " + name(source) + " " + path + (Files.exists(path) ? " is not a regular file" : " does not exist"));
        }
        // The file's identity before the read: its remembered digest is used only if the file kept it (FileDigests).
        FileDigests.Identity before = FileDigests.Identity.of(path.toAbsolutePath());
        byte[] file = Files.readAllBytes(path);
        String sha = FileDigests.user().sha256(path, () -> HexFormat.of().formatHex(newSha256().digest(file)), before);
        if (expectedSha256 != null && !expectedSha256.equals(sha)) throw new ChangedException(sha);
        byte[] loaded = file;
        if (source == PageOrigin.KERNEL) {
            try {
                loaded = LinuxImage.parse(file, path.toString()).bytes();
            } catch (BootImageException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        return new BootFile(source, path.toAbsolutePath(), sha, loaded, null, null);
    }

    /**
     * For an eager restore: the file read in place ({@link InPlaceFile}) when its digest is remembered as
     * {@code expectedSha256} for its identity and its loaded bytes are its bytes (not a gzip kernel); else null
     * (the caller loads it in full). The caller checks {@link InPlaceFile#unchanged} after its reads.
     */
    static BootFile inPlace(int source, Path path, String expectedSha256) throws IOException {
        if (!Files.isRegularFile(path)) return null;
        InPlaceFile f = InPlaceFile.open(path, expectedSha256);
        if (f == null) return null;
        byte[] head = f.head(2);
        if (source == PageOrigin.KERNEL && head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            f.close(); // a gzip kernel's pages are of its decompressed bytes
            return null;
        }
        return new BootFile(source, f.path, expectedSha256, null, null, f);
    }

    /** Bytes of the file as loaded (the decompressed kernel for a gzip one). */
    long loadedLength() {
        return loaded != null ? loaded.length : inPlace != null ? inPlace.size() : pageDigests != null ? (long) pageDigests.length * PAGE : 0;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The same file keeping only a SHA-256 of each whole page of its loaded bytes. */
    BootFile digestsOnly() {
        MessageDigest md = newSha256();
        byte[][] d = new byte[loaded.length / PAGE][];
        for (int i = 0; i < d.length; i++) {
            md.update(loaded, i * PAGE, PAGE);
            d[i] = md.digest();
        }
        return new BootFile(source, path, sha256, null, d, null);
    }

    private static final int PAGE = 4096;

    /**
     * Whether {@code page} equals the 4096 loaded bytes at sector {@code sector}: byte for byte (held, or read in
     * place into {@code scratch}, a page-sized buffer), or by SHA-256 when only the digests are kept. Not
     * thread-safe (one saver at a time). A file read in place is only compared while its identity is the one its
     * digest was remembered for: {@link PageSources#dropChangedBootFiles} and {@link PageSources#checkBootFilesUnchanged}
     * bracket each checkpoint's comparisons.
     */
    boolean matches(long sector, byte[] page, byte[] scratch) throws IOException {
        long pos = sector * PageOrigin.SECTOR_SIZE;
        if (loaded != null) {
            if (pos < 0 || pos > loaded.length - (long) page.length) return false;
            return java.util.Arrays.equals(loaded, (int) pos, (int) pos + page.length, page, 0, page.length);
        }
        if (inPlace != null) return inPlace.read(pos, scratch) && java.util.Arrays.equals(scratch, page);
        if (pageDigests == null) return false; // dropped: its file changed (described, never compared)
        if (pos < 0 || pos % PAGE != 0 || pos / PAGE >= pageDigests.length) return false;
        return MessageDigest.isEqual(pageDigests[(int) (pos / PAGE)], newSha256().digest(page));
    }

    /** The same file, only described (path and SHA-256, for the checkpoints whose pages still refer to it): no page matches. */
    BootFile describedOnly() {
        return new BootFile(source, path, sha256, null, null, null);
    }

    /**
     * A running VM's form of a boot file: read in place ({@link #inPlace}) when {@link FileDigests} remembers its
     * SHA-256 for its identity now (and {@code expectedSha256}, if given, is that digest) and its loaded bytes are its
     * bytes; else null (the caller reads and hashes it: {@link #load}, {@link #digestsOnly}). Nothing is read or hashed
     * here: restore13 measured the per-page SHA-256 of a 31 MB kernel at 645-738 ms of CPU in a fresh JVM (cold code),
     * 35-75 ms warm, once per VM, on a thread that held the JVM's safepoints whenever the scheduler took its core.
     */
    static BootFile forCapture(int source, Path path, String expectedSha256) throws IOException {
        if (!Files.isRegularFile(path)) return null;
        String sha = FileDigests.user().remembered(path.toAbsolutePath());
        if (sha == null || (expectedSha256 != null && !expectedSha256.equals(sha))) return null;
        return inPlace(source, path, sha);
    }

    /** Copies the 4096 loaded bytes at sector {@code sector} into {@code dst}; false if they lie past the end. */
    boolean read(long sector, byte[] dst) throws IOException {
        return read(sector, dst, dst.length);
    }

    /** As {@link #read(long, byte[])}, the first {@code length} bytes of {@code dst} (a run of pages). */
    boolean read(long sector, byte[] dst, int length) throws IOException {
        long pos = sector * PageOrigin.SECTOR_SIZE;
        if (inPlace != null) return inPlace.read(pos, dst, length);
        if (loaded == null) return false;
        if (pos < 0 || pos > loaded.length - (long) length) return false;
        System.arraycopy(loaded, (int) pos, dst, 0, length);
        return true;
    }
}
