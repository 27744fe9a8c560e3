package org.vmckpt.checkpoint.store;

import java.util.ArrayDeque;

/**
 * The frame slots ({@link FrameSlot}) a writer gave back, for the next frames of this or a later checkpoint
 * ({@link WriterReuse}, round 66). Holds at most {@link #MAX_HELD}: enough for four compressor threads' frames in
 * flight ({@code 2 * threads + 2}, one more being written) and the one being filled.
 *
 * <p>Thread-safe.
 */
final class FrameSlots {
    static final int MAX_HELD = 12;

    private final ArrayDeque<FrameSlot> held = new ArrayDeque<>();
    private long reused;

    /** A slot with no units: one held, else a new one. */
    synchronized FrameSlot take() {
        FrameSlot s = held.pollLast();
        if (s == null) return new FrameSlot();
        reused++;
        return s;
    }

    /** A slot whose frame was written (nothing reads or writes it any more). */
    synchronized void give(FrameSlot s) {
        s.clearUnits();
        if (held.size() < MAX_HELD) held.addLast(s);
    }

    /** Slots handed out again so far (tests). */
    synchronized long reused() {
        return reused;
    }

    synchronized void clear() {
        held.clear();
    }
}
