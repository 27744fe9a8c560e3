package org.vmckpt.checkpoint.store;

import java.util.ArrayList;

/**
 * The frame encoders' work buffers (a frame's units copied together, and its compressed bytes: 256 KiB each), kept
 * for the next checkpoint's encoders instead of made anew by each ({@link WriterReuse}, round 65).
 *
 * <p>Why: every checkpoint started its own compressor threads, each with two such buffers, alive for the whole
 * checkpoint: a young collection inside it promoted them (about 0.5 MiB a checkpoint of old-generation garbage, with
 * the run tables the largest left of a VM checkpointed every second; docs/BENCHMARKS.md, round 65). An encoder takes
 * its buffers when its thread starts and gives them back when it ends, so no two encoders ever share one.
 *
 * <p>Thread-safe; holds at most {@link #MAX_HELD} buffers.
 */
final class EncoderBuffers {
    /** Enough for four compressor threads' two buffers each (FrameCompressor.defaultThreads is at most four). */
    static final int MAX_HELD = 8;

    private final ArrayList<byte[]> held = new ArrayList<>();
    private long reused;

    /** A buffer of {@code length} bytes (contents undefined): one held, else a new one. */
    synchronized byte[] take(int length) {
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i).length == length) {
                reused++;
                return held.remove(i);
            }
        }
        return new byte[length];
    }

    /** An encoder that ended hands its buffer back (nothing reads or writes it any more). */
    synchronized void give(byte[] buffer) {
        if (buffer != null && held.size() < MAX_HELD) held.add(buffer);
    }

    /** Buffers handed out again so far (tests). */
    synchronized long reused() {
        return reused;
    }

    synchronized void clear() {
        held.clear();
    }
}
