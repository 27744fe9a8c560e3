package org.vmckpt.checkpoint.store;

import java.util.Arrays;

/**
 * One frame on its way through a checkpoint's writer: the units put into it (references to 4 KiB arrays), then, once a
 * compressor thread encoded it, its bytes (16-byte header + stored bytes) until the writer has written them to the pack.
 *
 * <p>Why a slot and not a new {@code byte[]} per frame: a live checkpoint of a VM checkpointed every second wrote ~100
 * frames a checkpoint (~56 KB each for memdirty's pages), each a new array alive while in flight, and the young
 * collections that met them promoted them (round 65's "noticed", round 66). With {@link WriterReuse} on, the writer
 * takes its slots from {@link FrameSlots} and gives each back once written: the encoded buffer grows to the largest
 * frame it held and is written over by the next.
 *
 * <p>Not thread-safe: the writer fills it, one compressor thread encodes it, the writer writes it (the future between
 * them orders the accesses).
 */
final class FrameSlot {
    private static final byte[] NONE = new byte[0];

    final byte[][] units = new byte[PackFormat.UNITS_PER_FRAME][];
    int count;
    int frameIndex;
    /** The encoded frame: bytes {@code 0..encodedLength-1} of {@link #encoded}. */
    byte[] encoded = NONE;
    int encodedLength;

    /** The encoded buffer with room for {@code length} bytes (its contents are not kept when it grows). */
    byte[] room(int length) {
        if (encoded.length < length) encoded = new byte[length];
        return encoded;
    }

    /** Forgets the units (so the slot holds no page array while it waits for the next frame). */
    void clearUnits() {
        Arrays.fill(units, 0, count, null);
        count = 0;
        encodedLength = 0;
    }
}
