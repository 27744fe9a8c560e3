package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads frames from one pack file. Opening checks the header, the trailer and the frame index completely
 * (every frame's extent lies inside the file, in order, no larger than a frame can be), so reading a frame
 * later only needs to check that frame's own header and CRC. Safe for concurrent use (positional reads).
 */
final class PackReader implements Closeable {
    private final Path path;
    private final FileChannel ch;
    private final int unitsPerFrame;
    private final long unitCount;
    /** Frame {@code f} occupies {@code [extents[f], extents[f+1])}; the last entry is where the index starts. */
    private final long[] extents;
    private final byte[] packId;
    private final int version;
    private RepositoryKey key;

    private PackReader(Path path, FileChannel ch, int unitsPerFrame, long unitCount, long[] extents, byte[] packId, int version) {
        this.packId = packId;
        this.version = version;
        this.path = path;
        this.ch = ch;
        this.unitsPerFrame = unitsPerFrame;
        this.unitCount = unitCount;
        this.extents = extents;
    }

    /**
     * Opens and checks a pack.
     *
     * @param packIdHex     the id the pack must carry in its header (and its file name)
     * @param expectedUnits the unit count the manifest recorded for it, or -1 to accept any
     */
    static PackReader open(Path path, String packIdHex, long expectedUnits, RepositoryKey key) throws IOException {
        PackReader r = open(path, packIdHex, expectedUnits);
        r.key = key;
        return r;
    }

    static PackReader open(Path path, String packIdHex, long expectedUnits) throws IOException {
        FileChannel ch;
        try {
            FileOps.requireRegularFile(path, "the pack");
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(path, "pack file is missing (was it deleted by hand?)");
        }
        try {
            PackReader r = check(path, ch, packIdHex, expectedUnits);
            ch = null;
            return r;
        } finally {
            if (ch != null) ch.close();
        }
    }

    private static PackReader check(Path path, FileChannel ch, String packIdHex, long expectedUnits) throws IOException {
        long size = ch.size();
        int minSize = PackFormat.HEADER_LENGTH + PackFormat.TRAILER_LENGTH;
        byte[] head = readAt(ch, 0, (int) Math.min(size, PackFormat.HEADER_LENGTH), path);
        BoundedReader h = new BoundedReader(path, "pack header", head, 0, head.length);
        int version = FileCodec.readHeader(h, path, PackFormat.NAME, PackFormat.OLDEST_VERSION, PackFormat.VERSION);
        if (size < minSize) throw new CheckpointFormatException(path, "pack is truncated: " + size + " bytes");
        byte[] id = h.bytes(Ids.PACK_ID_BYTES, "pack id");
        int upf = h.u16("units per frame");
        int reserved = h.u16("reserved");
        int crcAt = h.position();
        long headerCrc = h.u32("header CRC");
        if (FileCodec.crc32c(head, 0, crcAt) != headerCrc) throw new CheckpointFormatException(path, "pack header CRC mismatch");
        if (!Ids.hex(id).equals(packIdHex)) {
            throw new CheckpointFormatException(path, "pack header carries id " + Ids.hex(id) + ", expected " + packIdHex);
        }
        if (upf < 1 || upf > PackFormat.MAX_UNITS_PER_FRAME || reserved != 0) {
            throw new CheckpointFormatException(path, "pack header has " + upf + " units per frame (allowed 1.."
                    + PackFormat.MAX_UNITS_PER_FRAME + ") or a non-zero reserved field");
        }

        byte[] trailer = readAt(ch, size - PackFormat.TRAILER_LENGTH, PackFormat.TRAILER_LENGTH, path);
        BoundedReader t = new BoundedReader(path, "pack trailer", trailer, 0, trailer.length);
        long units = t.i64("unit count");
        long frames = t.u32("frame count");
        for (byte m : PackFormat.TRAILER_MAGIC) {
            if (t.u8("trailer magic") != m) throw new CheckpointFormatException(path, "pack trailer magic missing (truncated pack?)");
        }
        long trailerCrc = t.u32("trailer CRC");
        long body = size - PackFormat.HEADER_LENGTH - PackFormat.TRAILER_LENGTH;
        if (frames < 1 || frames > body / (8 + PackFormat.FRAME_HEADER_LENGTH + 1)) {
            throw new CheckpointFormatException(path, "pack claims " + frames + " frames, impossible in " + size + " bytes");
        }
        long indexStart = size - PackFormat.TRAILER_LENGTH - 8 * frames;
        byte[] index = readAt(ch, indexStart, (int) (8 * frames), path);
        if (FileCodec.crc32c(index, 0, index.length, trailer, 0, 16) != trailerCrc) throw new CheckpointFormatException(path, "pack index CRC mismatch");
        if (units < 1 || units >= TableEntry.MAX_BASE || (units + upf - 1) / upf != frames) {
            throw new CheckpointFormatException(path, "pack claims " + units + " units in " + frames + " frames of " + upf);
        }
        if (expectedUnits >= 0 && units != expectedUnits) {
            throw new CheckpointFormatException(path, "pack holds " + units + " units, the manifest expects " + expectedUnits);
        }
        long[] extents = new long[(int) frames + 1];
        BoundedReader ix = new BoundedReader(path, "pack index", index, 0, index.length);
        long maxExtent = PackFormat.FRAME_HEADER_LENGTH + (long) upf * PackFormat.UNIT_SIZE + (version >= 2 ? RepositoryKey.OVERHEAD : 0);
        for (int f = 0; f < frames; f++) extents[f] = ix.i64("frame offset");
        extents[(int) frames] = indexStart;
        if (extents[0] != PackFormat.HEADER_LENGTH) {
            throw new CheckpointFormatException(path, "first frame at offset " + extents[0] + ", expected " + PackFormat.HEADER_LENGTH);
        }
        for (int f = 0; f < frames; f++) {
            long len = extents[f + 1] - extents[f];
            if (len <= PackFormat.FRAME_HEADER_LENGTH || len > maxExtent) {
                throw new CheckpointFormatException(path, "frame " + f + " has an impossible extent of " + len + " bytes at offset " + extents[f]);
            }
        }
        return new PackReader(path, ch, upf, units, extents, id, version);
    }

    private static byte[] readAt(FileChannel ch, long pos, int len, Path path) throws IOException {
        byte[] b = new byte[len];
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos + bb.position());
            if (n < 0) throw new CheckpointFormatException(path, "file ends at " + (pos + bb.position()) + " while reading " + len + " bytes at " + pos);
        }
        return b;
    }

    Path path() { return path; }

    long unitCount() { return unitCount; }

    int unitsPerFrame() { return unitsPerFrame; }

    int frameCount() { return extents.length - 1; }

    /** Units in frame {@code f}: full frames, except perhaps the last. */
    int frameUnits(int f) {
        long first = (long) f * unitsPerFrame;
        return (int) Math.min(unitsPerFrame, unitCount - first);
    }

    /** Where frame {@code f} starts in the pack file (its header). */
    long frameStart(int f) {
        return extents[f];
    }

    long frameExtent(int f) {
        return extents[f + 1] - extents[f];
    }

    /**
     * Reads frame {@code f}, checks its header against the index and its CRC, and decodes it into a new
     * array of {@code frameUnits(f) * 4096} bytes. Decompression never produces more than that.
     */
    byte[] readFrame(int f, ZstdDecompressCtx zstd) throws IOException {
        int len = (int) frameExtent(f);
        byte[] b = readAt(ch, extents[f], len, path);
        return decode(f, b, 0, len, zstd, null, 0, false);
    }

    /** Bytes stored for frames {@code first..first+count-1}, which lie back to back in the file. */
    long framesExtent(int first, int count) {
        return extents[first + count] - extents[first];
    }

    /** Reads frames {@code first..first+count-1} in one positional read into {@code dst} (from 0); no checks yet. */
    void readFrames(int first, int count, byte[] dst) throws IOException {
        int len = (int) framesExtent(first, count);
        ByteBuffer bb = ByteBuffer.wrap(dst, 0, len);
        long pos = extents[first];
        while (bb.hasRemaining()) {
            int n = ch.read(bb, pos + bb.position());
            if (n < 0) throw new CheckpointFormatException(path, "file ends at " + (pos + bb.position()) + " while reading frames " + first + ".." + (first + count - 1));
        }
    }

    /** Offset of frame {@code f} within a {@link #readFrames} buffer that starts at frame {@code first}. */
    int frameOffset(int first, int f) {
        return (int) (extents[f] - extents[first]);
    }

    /**
     * Checks frame {@code f}, held in {@code b} at {@code at} (as {@link #readFrames} put it there), and decodes it
     * into {@code out} at {@code outAt} (room for {@code frameUnits(f) * 4096} bytes). Same checks as {@link #readFrame}.
     */
    void decodeInto(int f, byte[] b, int at, ZstdDecompressCtx zstd, byte[] out, int outAt) throws IOException {
        decode(f, b, at, (int) frameExtent(f), zstd, out, outAt, false);
    }

    /**
     * If frame {@code f}, held in {@code b} at {@code at} (as {@link #readFrames} put it there), is stored as it is
     * (no compression, no encryption): checks it as {@link #decodeInto} does and returns where its data starts in
     * {@code b}, so its pages are copied out of the read buffer with no decoding copy. Otherwise returns -1 and
     * checks nothing ({@link #decodeInto} does).
     */
    int storedDataAt(int f, byte[] b, int at) throws IOException {
        if (at < 0 || at >= b.length || (b[at] & 0xff) != Codec.NONE.code) return -1; // the header's codec byte
        decode(f, b, at, (int) frameExtent(f), null, null, 0, true);
        return at + PackFormat.FRAME_HEADER_LENGTH;
    }

    /**
     * Reads frames {@code first .. first + count - 1} in one positional read into {@code scratch} (grown if needed;
     * the buffer to pass next time is returned) and checks each one's header and CRC without decompressing it (a zstd
     * frame that passes its CRC was written by us; the CRC covers every stored byte).
     */
    byte[] checkFrames(int first, int count, byte[] scratch) throws IOException {
        long len = framesExtent(first, count);
        byte[] b = scratch.length >= len ? scratch : new byte[(int) len];
        readFrames(first, count, b);
        for (int f = first; f < first + count; f++) decode(f, b, frameOffset(first, f), (int) frameExtent(f), null, null, 0, true);
        return b;
    }

    /**
     * Reads frames {@code first..first+count-1} in one positional read into the direct buffer {@code dst} (from 0; its
     * capacity at least {@link #framesExtent}); no checks yet. The file's bytes go straight into {@code dst}: a heap
     * array ({@link #readFrames}) is filled through the JDK's temporary direct buffer, one more copy of every byte.
     */
    void readFramesDirect(int first, int count, ByteBuffer dst) throws IOException {
        int len = (int) framesExtent(first, count);
        dst.clear().limit(len);
        long pos = extents[first];
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos + dst.position());
            if (n < 0) throw new CheckpointFormatException(path, "file ends at " + (pos + dst.position()) + " while reading frames " + first + ".." + (first + count - 1));
        }
    }

    /**
     * The direct-buffer twin of {@link #storedDataAt} and {@link #decodeInto}: frame {@code f} is held in {@code b} at
     * {@code at} (as {@link #readFramesDirect} put it there; {@code b} little-endian). Checks its header and CRC as
     * {@link #decodeInto} does; a frame stored as it is returns where its data starts in {@code b}; a compressed one is
     * decompressed into the direct buffer {@code out} (from 0, room for {@code frameUnits(f) * 4096} bytes) and -1 is
     * returned. An encrypted frame returns -2 having checked nothing: the caller decodes it from a heap copy
     * ({@link #decodeInto}), which checks it.
     */
    int checkOrDecodeDirect(int f, ByteBuffer b, int at, ZstdDecompressCtx zstd, ByteBuffer out) throws IOException {
        int len = (int) frameExtent(f);
        int codecCode = b.get(at) & 0xff;
        if (version >= 2 && (codecCode & PackFormat.ENCRYPTED) != 0) return -2;
        int reserved = b.get(at + 1) & 0xff;
        int units = b.getShort(at + 2) & 0xffff;
        long uncompressed = b.getInt(at + 4) & 0xffffffffL;
        long stored = b.getInt(at + 8) & 0xffffffffL;
        long frameCrc = b.getInt(at + 12) & 0xffffffffL;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.slice(at, 12));
        crc.update(b.slice(at + PackFormat.FRAME_HEADER_LENGTH, len - PackFormat.FRAME_HEADER_LENGTH));
        if (crc.getValue() != frameCrc) {
            throw new CheckpointFormatException(path, "frame " + f + " at offset " + extents[f] + ": CRC mismatch");
        }
        Codec codec = checkHeader(f, codecCode, reserved, units, uncompressed, stored, len, false);
        int dataAt = at + PackFormat.FRAME_HEADER_LENGTH;
        if (codec == Codec.NONE) {
            if (stored != uncompressed) throw new CheckpointFormatException(path, "frame " + f + ": stored length differs from length");
            return dataAt;
        }
        if (out.capacity() < uncompressed) throw new IllegalArgumentException("no room for a frame of " + uncompressed + " bytes");
        int n;
        try {
            n = zstd.decompressDirectByteBuffer(out, 0, (int) uncompressed, b, dataAt, (int) stored);
        } catch (RuntimeException e) {
            throw new CheckpointFormatException(path, "frame " + f + " does not decompress: " + e.getMessage());
        }
        if (n != uncompressed) {
            throw new CheckpointFormatException(path, "frame " + f + " decompressed to " + n + " bytes, expected " + uncompressed);
        }
        return -1;
    }

    /**
     * Checks a frame header's fields against the index and the pack's format (its CRC already checked) and returns its
     * codec; {@code len} is the frame's extent in the file.
     */
    private Codec checkHeader(int f, int codecCode, int reserved, int units, long uncompressed, long stored, int len, boolean encrypted)
            throws CheckpointFormatException {
        int expectUnits = frameUnits(f);
        Codec codec = Codec.ofCode(encrypted ? codecCode & ~PackFormat.ENCRYPTED : codecCode);
        long overhead = encrypted ? RepositoryKey.OVERHEAD : 0;
        if (codec == null || reserved != 0 || units != expectUnits || uncompressed != (long) units * PackFormat.UNIT_SIZE
                || stored != len - PackFormat.FRAME_HEADER_LENGTH || stored > uncompressed + overhead || stored < overhead) {
            throw new CheckpointFormatException(path, "frame " + f + " has a bad header (codec " + codecCode + ", "
                    + units + " units, expected " + expectUnits + ", lengths " + uncompressed + "/" + stored + ")");
        }
        return codec;
    }

    /**
     * Checks frame {@code f}'s bytes {@code b}; with {@code checkOnly} returns null then, else decodes them (a
     * compressed frame needs {@code zstd}; without it null is returned after the checks).
     */
    private byte[] decode(int f, byte[] b, int at, int len, ZstdDecompressCtx zstd, byte[] into, int outAt, boolean checkOnly) throws IOException {
        BoundedReader h = new BoundedReader(path, "frame " + f + " header", b, at, PackFormat.FRAME_HEADER_LENGTH);
        int codecCode = h.u8("codec");
        int reserved = h.u8("reserved");
        int units = h.u16("unit count");
        long uncompressed = h.u32("uncompressed length");
        long stored = h.u32("stored length");
        long frameCrc = h.u32("frame CRC");
        if (FileCodec.crc32c(b, at, 12, b, at + PackFormat.FRAME_HEADER_LENGTH, len - PackFormat.FRAME_HEADER_LENGTH) != frameCrc) {
            throw new CheckpointFormatException(path, "frame " + f + " at offset " + extents[f] + ": CRC mismatch");
        }
        boolean encrypted = version >= 2 && (codecCode & PackFormat.ENCRYPTED) != 0;
        Codec codec = checkHeader(f, codecCode, reserved, units, uncompressed, stored, len, encrypted);
        byte[] out;
        if (checkOnly || (zstd == null && (codec != Codec.NONE || encrypted))) return null; // checked: CRC and header
        int dataAt = at + PackFormat.FRAME_HEADER_LENGTH;
        if (encrypted) {
            if (key == null) {
                throw new KeyRequiredException(path, "frame " + f);
            }
            byte[] header = at == 0 ? b : Arrays.copyOfRange(b, at, at + PackFormat.FRAME_HEADER_LENGTH);
            b = key.open(b, dataAt, (int) stored, FrameCompressor.frameAad(packId, f, header), path, "frame " + f);
            dataAt = 0;
            stored = b.length;
            len = b.length;
        }
        out = into != null ? into : new byte[(int) uncompressed];
        if (out.length - outAt < uncompressed) throw new IllegalArgumentException("no room for a frame of " + uncompressed + " bytes");
        if (codec == Codec.NONE) {
            if (stored != uncompressed) throw new CheckpointFormatException(path, "frame " + f + ": stored length differs from length");
            System.arraycopy(b, dataAt, out, outAt, (int) stored);
        } else {
            int n;
            try {
                n = zstd.decompressByteArray(out, outAt, (int) uncompressed, b, dataAt, (int) stored);
            } catch (RuntimeException e) {
                throw new CheckpointFormatException(path, "frame " + f + " does not decompress: " + e.getMessage());
            }
            if (n != uncompressed) {
                throw new CheckpointFormatException(path, "frame " + f + " decompressed to " + n + " bytes, expected " + uncompressed);
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
