package org.vmckpt.checkpoint.migration;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

import java.nio.ByteBuffer;

/**
 * One connection's zstd stream for the data chunks of PAGES and DISK frames (protocol 14, chunk encoding
 * {@code STREAM}): every such chunk is compressed as the continuation of the ones before it on this connection, one
 * zstd frame that never ends, flushed at each chunk's end so that the destination can unpack the chunk as soon as it
 * has it. So a chunk may refer to the bytes of the chunks before it (up to {@link #WINDOW_LOG}'s window), which a
 * checkpoint's pack frames, each compressed on its own, cannot: a page that equals or resembles one sent a few MiB
 * earlier costs a few bytes (docs/BENCHMARKS.md round 55). The two ends' streams stay in step because each end feeds
 * its stream the same chunks in the same order: the source sends a chunk right after it compresses it, on the
 * connection's one sending order, and the destination unpacks the frames in the order they arrive. A chunk stored as it
 * is (it did not compress) is not in the stream, on either end.
 *
 * <p>Parameters: zstd level 1 with a 2^{@value #WINDOW_LOG}-byte window and the hash table that window needs to find
 * matches in it ({@link #HASH_LOG}); the destination reads any zstd stream within zstd's own window limit (128 MiB of
 * native memory at most, its default), so they are not on the wire.
 *
 * <p>One end's instance is used by one thread at a time. zstd-jni streams through direct byte buffers here: each chunk
 * is copied in and its result out (its stream over heap arrays copies the whole arrays on every call, which cost more).
 */
final class ChunkStream implements AutoCloseable {
    /** The stream's window: a chunk may refer to the last 8 MiB the stream carried. */
    static final int WINDOW_LOG = Integer.getInteger("vmckpt.migration.streamWindowLog", 23);
    /** zstd's hash table for the window (level 1's own is 2^14 entries, sized for a 256 KiB input). */
    static final int HASH_LOG = Integer.getInteger("vmckpt.migration.streamHashLog", 17);
    /** The stream's level: the rounds' level while the guest writes ({@link PageFrames#ZSTD_LEVEL}). */
    static final int LEVEL = PageFrames.ZSTD_LEVEL;

    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;
    /** The source's: a chunk copied in, its stream bytes out. */
    private ByteBuffer plainIn;
    private ByteBuffer compressedOut;
    /** The destination's: a chunk's stream bytes copied in, its bytes out. */
    private ByteBuffer compressedIn;
    private ByteBuffer unpackedOut;
    /** Chunks this end put through the stream. */
    private long chunks;

    /**
     * Compresses {@code src[0..length)} as the stream's next chunk into {@code dst} (at least {@code Zstd.compressBound(length)}
     * bytes); returns the compressed size. The chunk is in the stream whatever the size: it must be sent.
     */
    int compress(byte[] src, int length, byte[] dst) {
        if (cctx == null) {
            cctx = new ZstdCompressCtx();
            cctx.setLevel(LEVEL);
            cctx.setChecksum(false);
            cctx.setContentSize(false);
            cctx.setWindowLog(WINDOW_LOG);
            cctx.setHashLog(HASH_LOG);
            if (PageFrames.ZSTD_MIN_MATCH != 0) cctx.setMinMatch(PageFrames.ZSTD_MIN_MATCH);
            plainIn = ByteBuffer.allocateDirect(MigrationWire.DATA_CHUNK);
            compressedOut = ByteBuffer.allocateDirect((int) Zstd.compressBound(MigrationWire.DATA_CHUNK) + 1024);
        }
        if (length > plainIn.capacity()) throw new IllegalArgumentException("a chunk of " + length + " bytes is larger than " + plainIn.capacity());
        // Through direct buffers: zstd-jni's stream over heap arrays copies each whole array in and out per call (a 2 MiB
        // source array cost 200 us a chunk where 256 KiB in a direct buffer, copied in, costs 51: round 55).
        plainIn.clear();
        plainIn.put(src, 0, length).flip();
        compressedOut.clear();
        while (!cctx.compressDirectByteBufferStream(compressedOut, plainIn, EndDirective.FLUSH)) {
            if (!compressedOut.hasRemaining()) throw new IllegalStateException("a stream chunk of " + length + " bytes did not fit " + compressedOut.capacity());
        }
        if (plainIn.hasRemaining()) throw new IllegalStateException("the stream left " + plainIn.remaining() + " bytes of a chunk");
        int size = compressedOut.position();
        if (size > dst.length) throw new IllegalStateException("a stream chunk of " + size + " bytes does not fit " + dst.length);
        compressedOut.flip();
        compressedOut.get(dst, 0, size);
        chunks++;
        return size;
    }

    /** The stream's matcher without its window: level 1, shortest match 7 ({@link StreamBudget}). */
    private ZstdCompressCtx own;
    private byte[] ownScratch;

    /**
     * Compresses {@code src[0..length)} on its own (a zstd frame, chunk encoding 1) with the stream's matcher but not its
     * window, into {@code dst} (null: a scratch array, for a sample); returns the size.
     */
    int compressOnItsOwn(byte[] src, int length, byte[] dst) {
        if (own == null) {
            own = new ZstdCompressCtx();
            own.setLevel(LEVEL);
            own.setChecksum(false);
            own.setMinMatch(PageFrames.ZSTD_MIN_MATCH != 0 ? PageFrames.ZSTD_MIN_MATCH : OWN_MIN_MATCH);
            ownScratch = new byte[(int) Zstd.compressBound(MigrationWire.DATA_CHUNK)];
        }
        byte[] into = dst != null ? dst : ownScratch;
        return own.compressByteArray(into, 0, into.length, src, 0, length);
    }

    /** The shortest match of the stream (zstd's own for level 1 when the input's size is not known) and of its samples. */
    static final int OWN_MIN_MATCH = 7;

    /**
     * Unpacks the stream's next chunk, {@code src[from..from+length)}, into {@code dst} at {@code at}: exactly the bytes
     * it holds, at most {@code max}; returns how many. A chunk that unpacks to more than {@code max}, to nothing, or does
     * not unpack is refused by name ({@code p} names the frame).
     */
    int decompress(MigrationWire.Payload p, byte[] src, int from, int length, byte[] dst, int at, int max) throws MigrationException {
        if (dctx == null) {
            dctx = new ZstdDecompressCtx();
            compressedIn = ByteBuffer.allocateDirect(64 * 1024);
            unpackedOut = ByteBuffer.allocateDirect(MigrationWire.DATA_CHUNK + 1);
        }
        if (compressedIn.capacity() < length) compressedIn = ByteBuffer.allocateDirect(Math.max(length, 2 * compressedIn.capacity()));
        compressedIn.clear();
        compressedIn.put(src, from, length).flip();
        // One byte of room past max: a chunk that holds more fills it, and is refused below.
        unpackedOut.clear().limit(Math.min(max, MigrationWire.DATA_CHUNK) + 1);
        try {
            // Each call unpacks what it can; until a call makes no progress (the chunk read and its bytes out, or no room).
            while (true) {
                int before = compressedIn.position() + unpackedOut.position();
                dctx.decompressDirectByteBufferStream(unpackedOut, compressedIn);
                if (compressedIn.position() + unpackedOut.position() == before || !unpackedOut.hasRemaining()) break;
            }
        } catch (RuntimeException e) {
            throw p.malformed("a stream data chunk does not decompress (" + e.getMessage() + ")");
        }
        if (unpackedOut.position() > max) throw p.malformed("a stream data chunk unpacks to more than the " + max + " bytes its pages leave for it");
        if (compressedIn.hasRemaining()) throw p.malformed("a stream data chunk has " + compressedIn.remaining() + " bytes its data does not need");
        int size = unpackedOut.position();
        if (size <= 0) throw p.malformed("a stream data chunk unpacks to no bytes");
        unpackedOut.flip();
        unpackedOut.get(dst, at, size);
        chunks++;
        return size;
    }

    /** Chunks this end put through the stream (tests, vmckpt-bytes). */
    long chunks() {
        return chunks;
    }

    @Override
    public void close() {
        if (cctx != null) cctx.close();
        if (dctx != null) dctx.close();
        if (own != null) own.close();
        cctx = null;
        dctx = null;
        own = null;
    }
}
