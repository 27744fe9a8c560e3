package org.vmckpt.checkpoint;

import org.vmckpt.machine.memory.PageOrigin;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The regular files of the initramfs (a cpio "newc" archive, plain or gzip), as sources of page contents: the
 * kernel unpacks them into its page cache (rootfs) at boot, so an idle guest's memory holds every page of
 * busybox, its modules and its programs. File {@code i} of the archive (counting regular files with data, in
 * archive order) is source {@link #FIRST_SOURCE}{@code + i}, its page {@code k} sector {@code 8k}.
 *
 * <p>Nothing tells the host which guest page holds which file page (the guest copies them itself), so these are
 * found by content, as the project's disk-block index once found disk blocks: a {@link PageHashIndex} of each whole
 * 4 KiB page of each file, a hit confirmed byte for byte against the unpacked archive, which the capture side keeps
 * (up to {@link #MAX_KEPT} unpacked; a larger one keeps a SHA-256 per page instead). Until branch restore14 the capture
 * side kept only the digests: hashing every page of the signed guest's 14 MB archive with SHA-256 in a fresh JVM's
 * cold code, and each candidate again in a checkpoint, cost far more CPU than the comparison, and memory is the
 * archive's size (5.7 MB for the default guest, 14 MB for the signed one). A restore copies from the unpacked data:
 * read in place from vmckpt's cache of the unpacked files ({@link UnpackedInitramfs}, {@link #inPlace}: an eager
 * restore), or held ({@link #held}: read whole from that cache by a lazy restore or a reset; else the archive unpacked,
 * as a migration's destination and a restore without a cache entry do), which spares a restore unpacking the whole
 * archive every time.
 */
final class InitramfsFiles {
    /** Source number of the initramfs's first regular file. */
    static final int FIRST_SOURCE = 4096;
    static final int MAX_FILES = (1 << 16) - FIRST_SOURCE;
    private static final int PAGE = 4096;
    private static final long MAX_UNPACKED = 1L << 30;
    /** The largest unpacked archive the capture side keeps to compare pages with (else: SHA-256 digests). */
    static final long MAX_KEPT = 64L << 20;

    /** Where each file's data starts in {@link #archive}, and its length. */
    private final long[] dataStart;
    private final long[] dataLength;
    /** The unpacked archive (restore side; capture side up to {@link #MAX_KEPT}), or null (digests only, or in place). */
    private final byte[] archive;
    /** The files' data read in place from {@link UnpackedInitramfs}'s cache (an eager restore), {@link #dataStart} in it; or null. */
    private final InPlaceFile unpacked;
    /** Whole pages by content, to (file << 32 | page index) (capture side). */
    private final PageHashIndex byContent;
    private final Map<Long, byte[]> digests;

    private InitramfsFiles(long[] dataStart, long[] dataLength, byte[] archive, PageHashIndex byContent, Map<Long, byte[]> digests) {
        this(dataStart, dataLength, archive, null, byContent, digests);
    }

    private InitramfsFiles(long[] dataStart, long[] dataLength, byte[] archive, InPlaceFile unpacked, PageHashIndex byContent,
                           Map<Long, byte[]> digests) {
        this.dataStart = dataStart;
        this.dataLength = dataLength;
        this.archive = archive;
        this.unpacked = unpacked;
        this.byContent = byContent;
        this.digests = digests;
    }

    /**
     * The restore side's form read in place: file {@code i}'s data is {@code length[i]} bytes at {@code start[i]} of
     * {@code unpacked} (a file of {@link UnpackedInitramfs}'s cache). {@link #closeInPlace} after the last read.
     */
    static InitramfsFiles inPlace(long[] start, long[] length, InPlaceFile unpacked) {
        return new InitramfsFiles(start, length, null, unpacked, null, null);
    }

    /** The restore side's form holding the files' data: file {@code i}'s is {@code length[i]} bytes at {@code start[i]} of {@code data}. */
    static InitramfsFiles held(long[] start, long[] length, byte[] data) {
        return new InitramfsFiles(start, length, data, null, null, null);
    }

    static boolean isFileSource(int source) {
        return source >= FIRST_SOURCE && source < FIRST_SOURCE + MAX_FILES;
    }

    /** Parses {@code initrd} (the file's bytes); keeps the archive if {@code keepData}, else only page digests. */
    static InitramfsFiles parse(byte[] initrd, boolean keepData) throws IOException {
        return parse(initrd, keepData, false);
    }

    /**
     * The capture side's form: parses {@code initrd} and indexes every whole page of its files by content, keeping the
     * unpacked archive to confirm a hit against (SHA-256 digests instead for one larger than {@link #MAX_KEPT}).
     */
    static InitramfsFiles index(byte[] initrd) throws IOException {
        return parse(initrd, false, true);
    }

    private static InitramfsFiles parse(byte[] initrd, boolean keepData, boolean keepIfSmall) throws IOException {
        Unpacked u = unpack(initrd);
        byte[] a = u.bytes;
        int end = u.length; // a may be longer than the archive (see unpack)
        List<long[]> files = new ArrayList<>();
        int pos = 0;
        while (pos + 110 <= end && files.size() < MAX_FILES) {
            if (a[pos] == 0) { pos += 4; continue; } // padding between concatenated archives
            String magic = new String(a, pos, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701") && !magic.equals("070702")) break;
            long mode = hex(a, pos + 14), size = hex(a, pos + 54), nameSize = hex(a, pos + 94);
            long nameAt = pos + 110;
            long dataAt = align4(nameAt + nameSize);
            if (nameSize < 1 || dataAt + size > end) throw new IOException("the initramfs is truncated");
            String name = new String(a, (int) nameAt, (int) nameSize - 1, StandardCharsets.US_ASCII);
            if (name.equals("TRAILER!!!")) {
                pos = (int) align4(dataAt + size);
                continue;
            }
            if ((mode & 0170000) == 0100000 && size > 0) files.add(new long[]{dataAt, size});
            pos = (int) align4(dataAt + size);
        }
        long[] start = new long[files.size()], length = new long[files.size()];
        for (int i = 0; i < start.length; i++) { start[i] = files.get(i)[0]; length[i] = files.get(i)[1]; }
        if (keepData) return new InitramfsFiles(start, length, a, null, null);
        long pages = 0;
        for (long l : length) pages += l / PAGE;
        PageHashIndex byContent = new PageHashIndex((int) Math.min(pages, MAX_UNPACKED / PAGE));
        boolean keep = keepIfSmall && end <= MAX_KEPT;
        Map<Long, byte[]> digests = keep ? null : new HashMap<>();
        MessageDigest md = keep ? null : sha256();
        byte[] page = new byte[PAGE];
        for (int f = 0; f < start.length; f++) {
            for (long k = 0; (k + 1) * PAGE <= length[f]; k++) {
                System.arraycopy(a, (int) (start[f] + k * PAGE), page, 0, PAGE);
                long key = (long) f << 32 | k;
                byContent.add(page, key);
                if (!keep) digests.put(key, md.digest(page));
            }
        }
        return new InitramfsFiles(start, length, keep ? a : null, byContent, digests);
    }

    /**
     * The file page equal to {@code page}, as {@code source << 40 | sector}, or -1. Capture side; not thread-safe.
     */
    long find(byte[] page) {
        long key = byContent.candidate(page);
        if (key < 0 || !equalsFilePage((int) (key >>> 32), key & 0xffffffffL, page)) return -1;
        long file = key >>> 32, k = key & 0xffffffffL;
        return (FIRST_SOURCE + file) << 40 | k * PageOrigin.SECTORS_PER_PAGE;
    }

    /** Whether {@code page} equals page {@code sector / 8} of file {@code source}. Capture side. */
    boolean matches(int source, long sector, byte[] page) {
        if (!isFileSource(source) || sector % PageOrigin.SECTORS_PER_PAGE != 0) return false;
        return equalsFilePage(source - FIRST_SOURCE, sector / PageOrigin.SECTORS_PER_PAGE, page);
    }

    /** Whether {@code page} equals whole page {@code k} of file {@code f}: byte for byte if the archive is kept, else by digest. */
    private boolean equalsFilePage(int f, long k, byte[] page) {
        if (f < 0 || f >= dataStart.length || (k + 1) * PAGE > dataLength[f]) return false;
        if (archive != null) {
            int at = (int) (dataStart[f] + k * PAGE);
            return java.util.Arrays.equals(archive, at, at + PAGE, page, 0, PAGE);
        }
        byte[] d = digests.get((long) f << 32 | k);
        return d != null && MessageDigest.isEqual(d, sha256().digest(page));
    }

    /** Whether file {@code source} has whole 4 KiB pages up to byte {@code end}. */
    boolean covers(int source, long end) {
        int f = source - FIRST_SOURCE;
        return f >= 0 && f < dataStart.length && end <= dataLength[f] / PAGE * PAGE;
    }

    /** Copies the 4096 bytes of file {@code source} at {@code sector} into {@code dst}. Restore side. */
    boolean read(int source, long sector, byte[] dst) throws IOException {
        return read(source, sector, dst, PAGE);
    }

    /**
     * Copies the {@code length} bytes (whole pages) of file {@code source} from {@code sector} on into {@code dst}: a run
     * of pages, one copy (held) or one positional read (in place). False, reading nothing, if the file does not hold them
     * all or nothing is held. Restore side; any thread.
     */
    boolean read(int source, long sector, byte[] dst, int length) throws IOException {
        if (sector < 0 || length < 0 || length > dst.length || length % PAGE != 0) return false;
        long end = sector * PageOrigin.SECTOR_SIZE + length;
        if ((archive == null && unpacked == null) || !covers(source, end)) return false;
        long at = dataStart[source - FIRST_SOURCE] + sector * PageOrigin.SECTOR_SIZE;
        if (archive != null) {
            System.arraycopy(archive, (int) at, dst, 0, length);
            return true;
        }
        return unpacked.read(at, dst, length);
    }

    /**
     * Closes the cache file read in place, after the restore's last read of it: false if it changed meanwhile (its
     * identity moved), so that pages read from it may not be its remembered contents. True for the other forms.
     */
    boolean closeInPlace() throws IOException {
        if (unpacked == null) return true;
        try {
            return unpacked.unchanged();
        } finally {
            unpacked.close();
        }
    }

    /** The cache file read in place, or null (messages). */
    Path unpackedPath() {
        return unpacked == null ? null : unpacked.path;
    }

    /** Whether the unpacked archive is held (the capture side's form for one up to {@link #MAX_KEPT}): {@link UnpackedInitramfs} can store it. */
    boolean holdsArchive() {
        return archive != null;
    }

    /** File {@code f}'s data length in bytes. */
    long fileLength(int f) {
        return dataLength[f];
    }

    /** Writes file {@code f}'s data (from the held archive) to {@code out}. */
    void writeFile(int f, java.nio.channels.WritableByteChannel out, MessageDigest md) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(archive, (int) dataStart[f], (int) dataLength[f]);
        md.update(archive, (int) dataStart[f], (int) dataLength[f]);
        while (b.hasRemaining()) out.write(b);
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private static long hex(byte[] a, int at) throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int c = Character.digit(a[at + i], 16);
            if (c < 0) throw new IOException("the initramfs has a malformed cpio header");
            v = v << 4 | c;
        }
        return v;
    }

    /** An unpacked archive: its first {@code length} bytes of {@code bytes}. */
    private record Unpacked(byte[] bytes, int length) { }

    /**
     * The archive unpacked (gzip, possibly several members one after the other) into an array that may be longer than
     * it. The inflater writes straight into one array that starts at four
     * times the packed size (the default guest's archive unpacks 2.2x, the signed guest's 3.9x) and doubles when full;
     * it is not trimmed. Through a {@code ByteArrayOutputStream} (a 1 MiB buffer, then growing, then a trimmed copy) the
     * signed guest's 14 MB archive took ~48 MB of fresh heap, and on this host a first touch of fresh memory costs
     * 2-3.5 ms per MiB (docs/BENCHMARKS.md, round 18): a restore unpacks it on its critical path, a running VM's page
     * sources on a thread that holds the JVM's safepoints while the scheduler keeps it waiting.
     */
    private static Unpacked unpack(byte[] b) throws IOException {
        if (b.length < 2 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) return new Unpacked(b, b.length);
        // Large buffers: GZIPInputStream's default 512-byte input buffer hands the inflater the archive in 512-byte
        // pieces, one native call each; with 1 MiB ones a restore unpacks the default guest's 6 MB archive in about
        // half the time (a restore's critical path: it is unpacked before the records are loaded).
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b), 1 << 20)) {
            byte[] out = new byte[(int) Math.min(MAX_UNPACKED, Math.max(1 << 20, 4L * b.length))];
            int n = 0, r;
            while (true) {
                if (n == out.length) {
                    if (n >= MAX_UNPACKED) throw new IOException("the initramfs unpacks to more than 1 GiB");
                    out = java.util.Arrays.copyOf(out, (int) Math.min(MAX_UNPACKED, 2L * n));
                }
                if ((r = in.read(out, n, out.length - n)) < 0) break;
                n += r;
            }
            return new Unpacked(out, n);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return dataStart.length + " files" + (byContent != null ? ", indexed" : "") + (digests != null ? ", " + digests.size() + " page digests" : "");
    }

    int fileCount() {
        return dataStart.length;
    }
}
