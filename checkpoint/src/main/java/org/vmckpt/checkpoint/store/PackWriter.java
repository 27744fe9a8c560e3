package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes one pack file: the header, encoded frames in order, then the frame index and the trailer. The
 * caller guarantees every frame but the last holds exactly {@link PackFormat#UNITS_PER_FRAME} units.
 */
final class PackWriter {
    private final Path path;
    private final FileChannel ch;
    private long[] offsets = new long[256];
    private int frames;
    private long position;
    private long units;
    private boolean closed;

    PackWriter(ChannelFactory files, Path path, byte[] packId) throws IOException {
        this(files, path, packId, PackFormat.PLAIN_VERSION);
    }

    PackWriter(ChannelFactory files, Path path, byte[] packId, int version) throws IOException {
        this.path = path;
        this.ch = files.create(path);
        try {
            ByteSink h = new ByteSink(PackFormat.HEADER_LENGTH);
            FileCodec.writeHeader(h, PackFormat.NAME, version);
            h.bytes(packId).u16(PackFormat.UNITS_PER_FRAME).u16(0);
            FileCodec.writeFooter(h);
            write(h.array(), h.size());
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    long units() {
        return units;
    }

    /** Appends an encoded frame (header + stored bytes) holding {@code frameUnits} units. */
    void writeFrame(byte[] frame, int frameUnits) throws IOException {
        writeFrame(frame, frame.length, frameUnits);
    }

    /** Appends the encoded frame in {@code frame[0..length-1]} (a reused buffer: {@link FrameSlot}). */
    void writeFrame(byte[] frame, int length, int frameUnits) throws IOException {
        if (frames == offsets.length) offsets = Arrays.copyOf(offsets, frames * 2);
        offsets[frames++] = position;
        units += frameUnits;
        write(frame, length);
    }

    /** Writes the index and the trailer, fsyncs and closes the file. Returns the file size. */
    long finish() throws IOException {
        ByteSink t = new ByteSink(frames * 8 + PackFormat.TRAILER_LENGTH);
        for (int i = 0; i < frames; i++) t.i64(offsets[i]);
        t.i64(units).u32(frames).bytes(PackFormat.TRAILER_MAGIC);
        FileCodec.writeFooter(t);
        write(t.array(), t.size());
        ch.force(true);
        closed = true;
        ch.close();
        return position;
    }

    private void write(byte[] b, int len) throws IOException {
        FileOps.writeFully(ch, ByteBuffer.wrap(b, 0, len));
        position += len;
    }

    void closeQuietly() {
        if (closed) return;
        closed = true;
        try {
            ch.close();
        } catch (IOException ignored) {
            // The writer is being abandoned; its file is deleted next.
        }
    }
}
