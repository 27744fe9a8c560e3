package org.vmckpt.checkpoint.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The header every repository file starts with: the magic {@code "VMCK"}, the format name (which says what
 * kind of file it is) and the format version.
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
final class FileHeader {
    private FileHeader() {
    }

    static final byte[] MAGIC = {'V', 'M', 'C', 'K'};

    static int length(String formatName) {
        return 4 + 1 + formatName.length() + 4;
    }

    static void write(ByteSink out, String formatName, int version) {
        byte[] name = formatName.getBytes(StandardCharsets.US_ASCII);
        out.bytes(MAGIC).u8(name.length).bytes(name).u32(version);
    }

    /**
     * Checks the header at the start of {@code in} and returns its version.
     *
     * @param oldestVersion the oldest version this build reads (1 unless support for one was dropped)
     * @param newestVersion the version this build writes and the newest it reads
     */
    static int read(BoundedReader in, Path file, String formatName, int oldestVersion, int newestVersion)
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

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7F ? c : '?');
        return b.toString();
    }
}
