package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A small pool of threads that turn frames of 4 KiB units into encoded pack frames (header + stored bytes),
 * so the caller's thread only collects page references. Results come back as futures; the caller writes
 * them in submission order, which keeps the pack layout deterministic whatever the thread timing.
 */
final class FrameCompressor implements AutoCloseable {
    private final Codec codec;
    private final int level;
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    private record Task(FrameSlot slot, CompletableFuture<FrameSlot> result) {
    }

    private static final Task STOP = new Task(null, null);
    private final RepositoryKey key;
    private final byte[] packId;
    /** Where the encoders take their work buffers and give them back (null: each makes its own). */
    private final EncoderBuffers buffers;

    /** Threads to use by default: leave one core to the caller (the saver or the guest), at most four. */
    static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
    }

    FrameCompressor(Codec codec, int level, int threadCount) {
        this(codec, level, threadCount, null, null);
    }

    /** With a key, every frame is sealed (AES-256-GCM) bound to {@code packId} and its frame number. */
    FrameCompressor(Codec codec, int level, int threadCount, RepositoryKey key, byte[] packId) {
        this(codec, level, threadCount, key, packId, null);
    }

    /** {@code buffers}: the encoders' work buffers come from there and go back when the threads end (null: their own). */
    FrameCompressor(Codec codec, int level, int threadCount, RepositoryKey key, byte[] packId, EncoderBuffers buffers) {
        this.buffers = buffers;
        this.codec = codec;
        this.level = level;
        this.key = key;
        this.packId = packId;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::work, "vmckpt-compress-" + i);
            t.setDaemon(true);
            // Below the guest's thread: a live checkpoint must not starve the VM it is saving (effective where
            // the JVM maps priorities to nice values: -XX:ThreadPriorityPolicy=1, as the launcher sets for root).
            t.setPriority(Thread.MIN_PRIORITY);
            threads.add(t);
            t.start();
        }
    }

    /**
     * Queues the encoding of the slot's units into its encoded buffer; the future completes with the slot. Neither the
     * slot nor its units' arrays may change until the future completes.
     */
    CompletableFuture<FrameSlot> submit(FrameSlot slot) {
        CompletableFuture<FrameSlot> f = new CompletableFuture<>();
        queue.add(new Task(slot, f));
        return f;
    }

    private void work() {
        Encoder enc = new Encoder(codec, level, key, packId, IncompressibleRun.ENABLED, buffers);
        try {
            while (true) {
                Task t;
                try {
                    t = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (t == STOP) return;
                try {
                    enc.encode(t.slot);
                    t.result.complete(t.slot);
                } catch (Throwable e) {
                    t.result.completeExceptionally(e);
                }
            }
        } finally {
            enc.close();
        }
    }

    /** Stops the threads; frames not yet encoded are cancelled. */
    @Override
    public void close() {
        List<Task> left = new ArrayList<>();
        queue.drainTo(left);
        for (Task t : left) if (t != STOP) t.result.cancel(false);
        for (int i = 0; i < threads.size(); i++) queue.add(STOP);
    }

    /**
     * Waits up to {@code millis} for the threads to end after {@link #close} (each finishes the frame it is encoding,
     * a few milliseconds); whether they all did, so that no thread reads a unit's array any more.
     */
    boolean awaitStopped(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left > 0) t.join(Math.max(1, left / 1_000_000L));
                if (t.isAlive()) return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Encodes frames on one thread. Not thread-safe: each worker has its own. */
    static final class Encoder implements AutoCloseable {
        private final Codec codec;
        private final ZstdCompressCtx zstd;
        private final byte[] raw;
        private final byte[] packed;
        /** Where {@link #raw} and {@link #packed} go back on {@link #close} (null: nowhere). */
        private final EncoderBuffers buffers;
        private final RepositoryKey key;
        private final byte[] packId;
        /** After a frame that did not compress, whether the next is worth a whole attempt ({@link IncompressibleRun}). */
        final IncompressibleRun run;

        Encoder(Codec codec, int level) {
            this(codec, level, null, null);
        }

        /** {@code sampleRuns}: as {@link IncompressibleRun#ENABLED} (tests and bench/IncompressibleEncode.java set it). */
        Encoder(Codec codec, int level, boolean sampleRuns) {
            this(codec, level, null, null, sampleRuns);
        }

        Encoder(Codec codec, int level, RepositoryKey key, byte[] packId) {
            this(codec, level, key, packId, IncompressibleRun.ENABLED);
        }

        Encoder(Codec codec, int level, RepositoryKey key, byte[] packId, boolean sampleRuns) {
            this(codec, level, key, packId, sampleRuns, null);
        }

        Encoder(Codec codec, int level, RepositoryKey key, byte[] packId, boolean sampleRuns, EncoderBuffers buffers) {
            this.buffers = buffers;
            int rawLength = PackFormat.MAX_UNITS_PER_FRAME * PackFormat.UNIT_SIZE;
            this.raw = buffers != null ? buffers.take(rawLength) : new byte[rawLength];
            this.codec = codec;
            this.key = key;
            this.packId = packId;
            this.run = new IncompressibleRun(raw.length, sampleRuns);
            if (codec == Codec.ZSTD) {
                zstd = new ZstdCompressCtx();
                zstd.setLevel(level);
                zstd.setChecksum(false);
                int packedLength = (int) Zstd.compressBound(raw.length);
                packed = buffers != null ? buffers.take(packedLength) : new byte[packedLength];
            } else {
                zstd = null;
                packed = null;
            }
        }

        /**
         * Returns the whole frame: 16-byte header, then the stored bytes. A frame that zstd cannot shrink is
         * stored uncompressed, so stored length never exceeds the uncompressed length; after such a frame, the next
         * is stored uncompressed without a whole attempt if its sample does not shrink ({@link IncompressibleRun}).
         */
        byte[] encode(byte[][] units, int count) {
            return encode(units, count, 0);
        }

        /** The frame; if the encoder has a key, its stored bytes are sealed, bound to the pack id and {@code frameIndex}. */
        byte[] encode(byte[][] units, int count, int frameIndex) {
            FrameSlot s = new FrameSlot();
            System.arraycopy(units, 0, s.units, 0, count);
            s.count = count;
            s.frameIndex = frameIndex;
            encode(s);
            return s.encoded.length == s.encodedLength ? s.encoded : java.util.Arrays.copyOf(s.encoded, s.encodedLength);
        }

        /**
         * Encodes the slot's units into its encoded buffer (grown if it is too small, else written over: no new array
         * once the slot has held a frame as large), as {@link #encode(byte[][], int)} describes.
         */
        void encode(FrameSlot slot) {
            byte[][] units = slot.units;
            int count = slot.count;
            int frameIndex = slot.frameIndex;
            int rawLen = count * PackFormat.UNIT_SIZE;
            for (int i = 0; i < count; i++) {
                System.arraycopy(units[i], 0, raw, i * PackFormat.UNIT_SIZE, PackFormat.UNIT_SIZE);
            }
            int frameCodec = Codec.NONE.code;
            byte[] stored = raw;
            int storedLen = rawLen;
            if (codec == Codec.ZSTD) {
                int n = run.compress(zstd, packed, raw, rawLen);
                if (n >= 0) {
                    frameCodec = Codec.ZSTD.code;
                    stored = packed;
                    storedLen = n;
                }
            }
            int sealedLen = key == null ? storedLen : storedLen + RepositoryKey.OVERHEAD;
            int frameLen = PackFormat.FRAME_HEADER_LENGTH + sealedLen;
            byte[] frame = slot.room(frameLen);
            frame[0] = (byte) (key == null ? frameCodec : frameCodec | PackFormat.ENCRYPTED);
            frame[1] = 0;
            putU16(frame, 2, count);
            putU32(frame, 4, rawLen);
            putU32(frame, 8, sealedLen);
            if (key == null) {
                System.arraycopy(stored, 0, frame, PackFormat.FRAME_HEADER_LENGTH, storedLen);
            } else {
                byte[] sealed = key.seal(stored, 0, storedLen, frameAad(packId, frameIndex, frame));
                System.arraycopy(sealed, 0, frame, PackFormat.FRAME_HEADER_LENGTH, sealedLen);
            }
            putU32(frame, 12, FileCodec.crc32c(frame, 0, 12, frame, PackFormat.FRAME_HEADER_LENGTH, sealedLen));
            slot.encodedLength = frameLen;
        }

        @Override
        public void close() {
            if (zstd != null) zstd.close();
            if (buffers != null) {
                buffers.give(raw);
                buffers.give(packed);
            }
        }

        private static void putU16(byte[] b, int off, int v) {
            b[off] = (byte) v;
            b[off + 1] = (byte) (v >>> 8);
        }

        private static void putU32(byte[] b, int off, long v) {
            for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** What a sealed frame is bound to: its pack, its place in it, and its header's first 12 bytes. */
    static byte[] frameAad(byte[] packId, int frameIndex, byte[] header) {
        byte[] aad = new byte[packId.length + 4 + 12];
        System.arraycopy(packId, 0, aad, 0, packId.length);
        for (int i = 0; i < 4; i++) aad[packId.length + i] = (byte) (frameIndex >>> (8 * i));
        System.arraycopy(header, 0, aad, packId.length + 4, 12);
        return aad;
    }
}
