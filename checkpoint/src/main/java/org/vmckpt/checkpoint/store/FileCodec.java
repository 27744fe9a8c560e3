package org.vmckpt.checkpoint.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Header and footer discipline for every file the repository writes (REPO, manifests, packs), in one place as
 * Lucene's CodecUtil: each file starts with the header below, and each checked part of it ends with a CRC32C
 * footer made and checked here ({@link #writeFooter}, {@link #footerMatches}, {@link #crc32c}); no other class
 * computes a checksum of the format. {@link #kindOf} reads the kind from any file's first bytes, which is what
 * {@code Repository.verifyFile} dispatches on.
 *
 * <p>The header: the magic {@code "VMCK"}, the format name (which says what kind of file it is) and the format
 * version.
 *
 * <pre>
 *   offset  size  field
 *   0       4     magic 'V' 'M' 'C' 'K'
 *   4       1     n = length of the format name
 *   5       n     format name, ASCII (for example "vmckpt-pack")
 *   5+n     4     format version, unsigned 32-bit little-endian
 * </pre>
 *
 * The version is checked before anything else in the file, so a file from a newer vmckpt is refused with a
 * clear message even if the rest of its layout changed.
 */
final class FileCodec {
    private FileCodec() {
    }

    static final byte[] MAGIC = {'V', 'M', 'C', 'K'};
    /** A footer: the CRC32C (u32, little-endian) of the bytes it closes. */
    static final int FOOTER_LENGTH = 4;
    /** Bytes enough for any header this build writes (magic, name length, name, version). */
    static final int MAX_HEADER_LENGTH = 4 + 1 + 255 + 4;

    static int headerLength(String formatName) {
        return 4 + 1 + formatName.length() + 4;
    }

    static void writeHeader(ByteSink out, String formatName, int version) {
        byte[] name = formatName.getBytes(StandardCharsets.US_ASCII);
        out.bytes(MAGIC).u8(name.length).bytes(name).u32(version);
    }

    /**
     * Checks the header at the start of {@code in} and returns its version.
     *
     * @param oldestVersion the oldest version this build reads (1 unless support for one was dropped)
     * @param newestVersion the version this build writes and the newest it reads
     */
    static int readHeader(BoundedReader in, Path file, String formatName, int oldestVersion, int newestVersion)
            throws CheckpointFormatException {
        if (in.remaining() < MAGIC.length) {
            throw new CheckpointFormatException(file, "file is too short to be a " + formatName + " file ("
                    + in.remaining() + " bytes)");
        }
        for (byte m : MAGIC) {
            if (in.u8("magic") != (m & 0xFF)) {
                throw new CheckpointFormatException(file, "not a vmckpt file (bad magic number; expected a " + formatName + " file)");
            }
        }
        int n = in.u8("format name length");
        byte[] name = in.bytes(n, "format name");
        String found = new String(name, StandardCharsets.ISO_8859_1);
        if (!found.equals(formatName)) {
            throw new CheckpointFormatException(file, "is a '" + printable(found) + "' file, expected '" + formatName + "'");
        }
        long version = in.u32("format version");
        if (version > newestVersion) {
            throw new CheckpointFormatException(file, "was written by a newer vmckpt: " + formatName + " format version "
                    + version + ", but this vmckpt reads versions " + oldestVersion + " to " + newestVersion
                    + "; use a vmckpt at least as new as the one that wrote it");
        }
        if (version < oldestVersion) {
            throw new CheckpointFormatException(file, formatName + " format version " + version
                    + " is not supported (this vmckpt reads versions " + oldestVersion + " to " + newestVersion + ")");
        }
        return (int) version;
    }

    /**
     * The format name in the header at the start of {@code head} (a file's first bytes), or {@code null} if they
     * are not a vmckpt header.
     */
    static String kindOf(byte[] head, int len) {
        if (len < MAGIC.length + 1) return null;
        for (int i = 0; i < MAGIC.length; i++) if (head[i] != MAGIC[i]) return null;
        int n = head[MAGIC.length] & 0xFF;
        if (len < MAGIC.length + 1 + n) return null;
        return new String(head, MAGIC.length + 1, n, StandardCharsets.ISO_8859_1);
    }

    /** Appends the footer of every byte in {@code out}: what it holds is then checked as one part. */
    static void writeFooter(ByteSink out) {
        out.u32(crc32c(out.array(), 0, out.size()));
    }

    /** Whether {@code b[from, end)} ends with the footer of the bytes before it ({@link #writeFooter}). */
    static boolean footerMatches(byte[] b, int from, int end) {
        if (end - from < FOOTER_LENGTH) return false;
        int at = end - FOOTER_LENGTH;
        long stored = (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
        return stored == crc32c(b, from, at - from);
    }

    /** The format's checksum: CRC32C of {@code b[off, off+len)}. */
    static long crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }

    /** CRC32C of two ranges as if they were one (a frame's header without its CRC field, then its data). */
    static long crc32c(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        CRC32C c = new CRC32C();
        c.update(a, aOff, aLen);
        c.update(b, bOff, bLen);
        return c.getValue();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7F ? c : '?');
        return b.toString();
    }
}
