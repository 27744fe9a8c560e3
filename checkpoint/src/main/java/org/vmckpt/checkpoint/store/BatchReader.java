package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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

    /** Receives one page as a new 4096-byte array, now the receiver's. */
    public interface PageCopySink {
        void page(int index, byte[] page) throws IOException;
    }

    private final PackReader[] packs;
    private final boolean direct;
    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();
    private byte[] raw = new byte[0];
    private byte[] decoded = new byte[0];
    /** The direct read's buffers (little-endian, as the format): the stored frames of a batch, one decoded frame. */
    private ByteBuffer rawDirect, decodedDirect;
    /** A page handed to a {@link PageSink} from a direct buffer (tests; restores take copies). */
    private final byte[] onePage = new byte[PackFormat.UNIT_SIZE];
    private long readNanos, decodeNanos;

    /**
     * @param direct whether to read into direct buffers (an eager restore's loaders with the old generation's window
     *               installed, {@code PageLoader.directReads}; tests) or heap arrays
     */
    BatchReader(PackReader[] packs, boolean direct) {
        this.packs = packs;
        this.direct = direct;
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
        walk(batch, sink, null);
    }

    /** As {@link #read(FrameBatch, PageSink)}, each page handed over as a new array of its own (what a restore keeps). */
    public void readCopies(FrameBatch batch, PageCopySink sink) throws IOException {
        walk(batch, null, sink);
    }

    /** {@link #read} for exactly one of {@code sink} and {@code copies}. */
    private void walk(FrameBatch batch, PageSink sink, PageCopySink copies) throws IOException {
        long t0 = cpuNanos();
        PackReader p = packs[batch.pack];
        long stored = p.framesExtent(batch.firstFrame, batch.frameCount);
        int upf = p.unitsPerFrame();
        int frameBytes = upf * PackFormat.UNIT_SIZE;
        ByteBuffer rawBuf = null;
        if (direct) {
            if (rawDirect == null || rawDirect.capacity() < stored) {
                rawDirect = ByteBuffer.allocateDirect((int) stored).order(ByteOrder.LITTLE_ENDIAN);
            }
            if (decodedDirect == null || decodedDirect.capacity() < frameBytes) decodedDirect = ByteBuffer.allocateDirect(frameBytes);
            p.readFramesDirect(batch.firstFrame, batch.frameCount, rawDirect);
            rawBuf = rawDirect;
        } else {
            if (raw.length < stored) {
                raw = new byte[(int) stored];
            }
            p.readFrames(batch.firstFrame, batch.frameCount, raw);
        }
        long t1 = cpuNanos();
        readNanos += t1 - t0;
        int current = -1; // the batch's frame whose data src (or srcDirect) holds
        byte[] src = null;
        ByteBuffer srcDirect = null;
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
                    src = null;
                    srcDirect = null;
                    if (direct) {
                        // Stored as it is: its pages are copied straight out of the read buffer; compressed: decompressed
                        // into the decoded buffer; encrypted: from a heap copy of its bytes, as below.
                        int dataAt = p.checkOrDecodeDirect(f, rawBuf, at, zstd, decodedDirect);
                        if (dataAt >= 0) {
                            srcDirect = rawBuf;
                            srcAt = dataAt;
                        } else if (dataAt == -1) {
                            srcDirect = decodedDirect;
                            srcAt = 0;
                        } else {
                            int len = (int) p.frameExtent(f);
                            if (raw.length < len) raw = new byte[len];
                            rawBuf.get(at, raw, 0, len);
                            if (decoded.length < frameBytes) decoded = new byte[frameBytes];
                            p.decodeInto(f, raw, 0, zstd, decoded, 0);
                            src = decoded;
                            srcAt = 0;
                        }
                    } else {
                        // A frame stored as it is (data that did not compress) is checked and its pages copied straight out
                        // of the read buffer: one copy of each page; a compressed frame is checked and decompressed first.
                        int dataAt = p.storedDataAt(f, raw, at);
                        if (dataAt >= 0) {
                            src = raw;
                            srcAt = dataAt;
                        } else {
                            if (decoded.length < frameBytes) decoded = new byte[frameBytes];
                            p.decodeInto(f, raw, at, zstd, decoded, 0);
                            src = decoded;
                            srcAt = 0;
                        }
                    }
                    current = i;
                    decodeNanos += cpuNanos() - d0;
                }
                // The segment's pages in this frame, handed out in one small loop of their own: this method then loops
                // once per frame, not once per page, and the JIT compiles the small loop with C2 instead of all of this
                // method (its checks and decoding) for a restore that runs it a few thousand times.
                int n = Math.min(count - k, (i + 1) * upf - unit);
                int at = srcAt + (unit - i * upf) * PackFormat.UNIT_SIZE;
                if (copies != null) {
                    if (srcDirect != null) deliverCopies(copies, seg[s] + k, srcDirect, at, n);
                    else deliverCopies(copies, seg[s] + k, src, at, n);
                } else if (srcDirect != null) {
                    for (int j = 0; j < n; j++) {
                        srcDirect.get(at + j * PackFormat.UNIT_SIZE, onePage, 0, PackFormat.UNIT_SIZE);
                        sink.page(seg[s] + k + j, onePage, 0);
                    }
                } else {
                    deliver(sink, seg[s] + k, src, at, n);
                }
                k += n;
            }
        }
    }

    /** Hands {@code n} consecutive pages to {@code sink}: page {@code first + j} is at {@code at + j * 4096} of {@code src}. */
    private static void deliver(PageSink sink, int first, byte[] src, int at, int n) throws IOException {
        for (int j = 0; j < n; j++) sink.page(first + j, src, at + j * PackFormat.UNIT_SIZE);
    }

    /** As {@link #deliver}, each page copied into a new array. */
    private static void deliverCopies(PageCopySink sink, int first, byte[] src, int at, int n) throws IOException {
        for (int j = 0; j < n; j++) {
            int from = at + j * PackFormat.UNIT_SIZE;
            sink.page(first + j, java.util.Arrays.copyOfRange(src, from, from + PackFormat.UNIT_SIZE));
        }
    }

    /** As {@link #deliver}, each page copied out of the direct buffer {@code src} into a new array. */
    private static void deliverCopies(PageCopySink sink, int first, ByteBuffer src, int at, int n) throws IOException {
        for (int j = 0; j < n; j++) {
            byte[] page = new byte[PackFormat.UNIT_SIZE];
            src.get(at + j * PackFormat.UNIT_SIZE, page, 0, PackFormat.UNIT_SIZE);
            sink.page(first + j, page);
        }
    }

    /**
     * Whether {@link #cpuNanos} reads the thread's CPU time ({@code restore --stats}, or {@code -Dvmckpt.restore.stageCpu=true}),
     * else it is 0 and the stage times with it. Reading it needs the JVM's thread bean, whose first use starts every platform
     * MBean provider (tens of milliseconds in a cold JVM, which every restore paid on a side thread at the loading's start).
     */
    private static volatile boolean measure = Boolean.getBoolean("vmckpt.restore.stageCpu");

    /**
     * Stage CPU times from now on (the command line, for --stats); with {@code setUpNow}, the thread bean is set up on
     * the calling thread now rather than at the first {@link #cpuNanos}.
     */
    public static void measureStageCpu(boolean setUpNow) {
        measure = true;
        if (setUpNow) ThreadCpu.nanos();
    }

    /** The thread bean, set up at the first use of this class. */
    private static final class ThreadCpu {
        static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

        static long nanos() {
            return THREADS.getCurrentThreadCpuTime();
        }
    }

    /**
     * The calling thread's CPU time, if stage times are measured ({@link #measureStageCpu}), else 0: stage times on a
     * shared machine must not count the time the thread waited for a core or for the garbage collector (about a
     * microsecond per call, a few per frame).
     */
    public static long cpuNanos() {
        return measure ? ThreadCpu.nanos() : 0;
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
