package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.Zstd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Builds repository files byte by byte, with valid CRCs, to feed the reader hostile contents. */
final class CraftedFiles {
    private CraftedFiles() {
    }

    static final String ID = "0123456789abcdef";

    /** A manifest file around {@code body}: uncompressed, or zstd-compressed declaring {@code declaredLength}. */
    static byte[] manifest(byte[] body, boolean zstd, long declaredLength) {
        byte[] stored = zstd ? Zstd.compress(body, 3) : body;
        ByteSink f = new ByteSink(64 + stored.length);
        FileCodec.writeHeader(f, ManifestCodec.NAME, ManifestCodec.VERSION);
        f.u8(zstd ? 1 : 0).u32(declaredLength).u32(stored.length).bytes(stored);
        return withTrailingCrc(f.toByteArray(), f.size());
    }

    static byte[] manifest(byte[] body) {
        return manifest(body, false, body.length);
    }

    /** Appends the CRC32C of the first {@code len} bytes of {@code b}. */
    static byte[] withTrailingCrc(byte[] b, int len) {
        CRC32C c = new CRC32C();
        c.update(b, 0, len);
        byte[] out = java.util.Arrays.copyOf(b, len + 4);
        for (int i = 0; i < 4; i++) out[len + i] = (byte) (c.getValue() >>> (8 * i));
        return out;
    }

    /** Recomputes the CRC in the last 4 bytes of a manifest or REPO file after it was edited. */
    static byte[] fixTrailingCrc(byte[] b) {
        return withTrailingCrc(b, b.length - 4);
    }

    /**
     * Where the format version stands in a file of format {@code formatName}: FileCodec's header is the magic, the
     * name's length (a byte), the name, then the version (u32, little-endian).
     */
    static int versionAt(String formatName) {
        return FileCodec.MAGIC.length + 1 + formatName.length();
    }

    /** The format version a manifest file's header declares (its low 16 bits). */
    static int manifestVersion(byte[] manifest) {
        int at = versionAt(ManifestCodec.NAME);
        return (manifest[at] & 0xff) | (manifest[at + 1] & 0xff) << 8;
    }

    /** Writes {@code version} into the header of {@code file}, a file of format {@code formatName}. */
    static void setVersion(byte[] file, String formatName, int version) {
        int at = versionAt(formatName);
        for (int i = 0; i < 4; i++) file[at + i] = (byte) (version >>> (8 * i));
    }

    /**
     * Rewrites the manifest or REPO file at {@code path} (format {@code formatName}) so that its header declares
     * {@code version}, its trailing CRC fixed: only the version tells it from what the writer wrote.
     */
    static void rewriteVersion(Path path, String formatName, int version) throws IOException {
        byte[] b = Files.readAllBytes(path);
        setVersion(b, formatName, version);
        Files.write(path, fixTrailingCrc(b));
    }

    /** Manifest body sections, written in order. */
    static final class Body {
        final ByteSink out = new ByteSink(256);

        Body section(int id, ByteSink content) {
            out.u8(id).u32(content.size()).bytes(content.array(), 0, content.size());
            return this;
        }

        static ByteSink meta(long pageCount) {
            ByteSink s = new ByteSink(64);
            s.string(ID).string("").string("").i64(1_700_000_000L).u32(0).u8(0).u8(0).varint(pageCount);
            return s;
        }

        static ByteSink empty() {
            return new ByteSink(4).varint(0);
        }

        /** A complete body: the given page runs section and an empty everything else. */
        static byte[] withPages(long pageCount, ByteSink packs, ByteSink pages) {
            return new Body().section(1, meta(pageCount)).section(2, empty()).section(3, empty())
                    .section(4, packs).section(5, pages).section(6, empty()).section(7, empty()).bytes();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
