package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;

/**
 * Reads {@link FrameBatch}es of one checkpoint for one thread: one positional read per batch, then each frame's
 * header and CRC checked and the frame decompressed into a buffer this reader reuses, and every page the
 * checkpoint takes from it handed to a {@link PageSink}. Each thread that reads in parallel opens its own
 * (from {@link Checkpoint#openBatchReader}); no locks are shared, so readers run at the speed of the disk and
 * of decompression on every core.
 */
public final class BatchReader implements AutoCloseable {
    /** Receives one page: 4096 bytes of {@code buf} at {@code offset}, valid only during the call. */
    public interface PageSink {
        void page(int index, byte[] buf, int offset) throws IOException;
    }

    private final PackReader[] packs;
    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();
    private byte[] raw = new byte[0];
    private byte[] decoded = new byte[0];
    private long readNanos, decodeNanos;

    BatchReader(PackReader[] packs) {
        this.packs = packs;
    }

    /**
     * Reads, checks and decompresses {@code batch}, then calls {@code sink} for each of its pages in page order
     * within each run.
     *
     * <p>One frame at a time: a frame is checked (header, CRC) and decompressed, and its pages are handed to the sink
     * before the next frame is decompressed, into the same 256 KiB buffer. The pages are copied while the frame is
     * still in the core's cache; decompressing the whole batch first (4 MiB, more than a core's cache) and copying
     * afterwards read every page back from memory. A batch's segments run in pack order ({@link
     * Checkpoint#dataBatches}) and each of its frames holds some of its pages, so each frame is decoded once; a frame
     * whose pages the segments would visit again after another's is decoded again (correct, only slower).
     *
     * @throws CheckpointFormatException if a frame is damaged (naming the pack and the frame); the sink has then had
     *                                   the pages of the frames before it, never one of the damaged frame's
     */
    public void read(FrameBatch batch, PageSink sink) throws IOException {
        long t0 = cpuNanos();
        PackReader p = packs[batch.pack];
        long stored = p.framesExtent(batch.firstFrame, batch.frameCount);
        if (raw.length < stored) raw = new byte[(int) stored];
        p.readFrames(batch.firstFrame, batch.frameCount, raw);
        long t1 = cpuNanos();
        readNanos += t1 - t0;
        int upf = p.unitsPerFrame();
        int frameBytes = upf * PackFormat.UNIT_SIZE;
        if (decoded.length < frameBytes) decoded = new byte[frameBytes];
        int current = -1; // the batch's frame whose data src holds
        byte[] src = null;
        int srcAt = 0;
        int[] seg = batch.segments;
        for (int s = 0; s < seg.length; s += 3) {
            int count = seg[s + 2];
            for (int k = 0; k < count; ) {
                int unit = seg[s + 1] + k; // the unit's place among the batch's frames' units
                int i = unit / upf;
                if (i != current) {
                    long d0 = cpuNanos();
                    int f = batch.firstFrame + i;
                    int at = p.frameOffset(batch.firstFrame, f);
                    // A frame stored as it is (data that did not compress) is checked and its pages copied straight out
                    // of the read buffer: one copy of each page; a compressed frame is checked and decompressed first.
                    int dataAt = p.storedDataAt(f, raw, at);
                    if (dataAt >= 0) {
                        src = raw;
                        srcAt = dataAt;
                    } else {
                        p.decodeInto(f, raw, at, zstd, decoded, 0);
                        src = decoded;
                        srcAt = 0;
                    }
                    current = i;
                    decodeNanos += cpuNanos() - d0;
                }
                // The segment's pages in this frame, handed out in one small loop of their own: this method then loops
                // once per frame, not once per page, and the JIT compiles the small loop with C2 instead of all of this
                // method (its checks and decoding) for a restore that runs it a few thousand times.
                int n = Math.min(count - k, (i + 1) * upf - unit);
                deliver(sink, seg[s] + k, src, srcAt + (unit - i * upf) * PackFormat.UNIT_SIZE, n);
                k += n;
            }
        }
    }

    /** Hands {@code n} consecutive pages to {@code sink}: page {@code first + j} is at {@code at + j * 4096} of {@code src}. */
    private static void deliver(PageSink sink, int first, byte[] src, int at, int n) throws IOException {
        for (int j = 0; j < n; j++) sink.page(first + j, src, at + j * PackFormat.UNIT_SIZE);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * The calling thread's CPU time: stage times on a shared machine must not count the time the thread waited for
     * a core or for the garbage collector (about a microsecond per call, a few per frame).
     */
    public static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** CPU nanoseconds this reader spent reading stored frames from the packs (positional reads). */
    public long readNanos() {
        return readNanos;
    }

    /** CPU nanoseconds this reader spent checking (CRC32C, header) and decompressing frames. */
    public long decodeNanos() {
        return decodeNanos;
    }

    @Override
    public void close() {
        zstd.close();
    }
}
