package org.vmckpt.machine.device.virtio;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.state.StateWriter;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link PageBitmap} holds what a {@link BitSet} given the same sets and clears holds, and writes the bytes the
 * balloon's record had with BitSets ({@code writeLongs(set.toLongArray())}), so the record's format is unchanged:
 * random sets and clears, the highest words cleared again (the length shrinks), a cleared set, a set read back.
 */
class PageBitmapTest {
    @Test
    void holdsAndWritesWhatABitSetDoes() {
        SplittableRandom r = new SplittableRandom(67);
        PageBitmap b = new PageBitmap();
        BitSet s = new BitSet();
        for (int round = 0; round < 2_000; round++) {
            int page = r.nextInt(1 << 18);
            if (r.nextInt(3) == 0) {
                b.clear(page);
                s.clear(page);
            } else {
                b.set(page);
                s.set(page);
            }
            if (round % 97 == 0) check(b, s);
        }
        check(b, s);
        for (int page = s.length() - 1; page >= 1 << 17; page--) { // the top half cleared: fewer words in use
            b.clear(page);
            s.clear(page);
        }
        check(b, s);
        check(PageBitmap.of(s.toLongArray()), s);
        long[] padded = Arrays.copyOf(s.toLongArray(), 5_000); // trailing zero words, as a record may not have them
        check(PageBitmap.of(padded), s);
        b.clear();
        s.clear();
        check(b, s);
    }

    private static void check(PageBitmap b, BitSet s) {
        assertEquals(s, b.toBitSet());
        assertEquals(s.length(), b.length());
        StateWriter ours = new StateWriter(), theirs = new StateWriter();
        b.writeTo(ours);
        theirs.writeLongs(s.toLongArray());
        assertArrayEquals(Arrays.copyOf(theirs.buffer(), theirs.size()), Arrays.copyOf(ours.buffer(), ours.size()));
        long[] into = new long[(1 << 18) / 64];
        b.copyInto(into);
        assertEquals(s, BitSet.valueOf(into));
        for (int i = 0; i < 200; i++) {
            int page = (int) ((long) i * (1 << 18) / 200);
            assertEquals(s.get(page), b.get(page));
        }
    }
}
