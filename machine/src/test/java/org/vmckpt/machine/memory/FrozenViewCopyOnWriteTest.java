package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Property: whatever the guest and the devices do to memory after a freeze (stores, byte copies, discards,
 * restores, installs, in any page of any chunk of the two-level page table, including the partial last chunk),
 * the frozen view keeps showing memory exactly as it was at the freeze, and the live memory shows every change.
 * Random operation sequences against a plain model of the contents, over many freeze/release cycles.
 */
class FrozenViewCopyOnWriteTest {
    private static final int PAGES = 3 * GuestMemory.CHUNK_PAGES + 37; // a partial last chunk
    private static final long BASE = 0x8000_0000L;

    @Test
    void writesAfterAFreezeNeverChangeTheFrozenView() {
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed);
            GuestMemory m = new GuestMemory(BASE, (long) PAGES * GuestMemory.PAGE_SIZE);
            byte[][] model = new byte[PAGES][GuestMemory.PAGE_SIZE];
            FrozenMemory view = null;
            byte[][] atFreeze = null;
            for (int step = 0; step < 6000; step++) {
                int op = rnd.nextInt(100);
                if (op < 3) {
                    if (view != null) {
                        assertViewIs(view, atFreeze, "seed " + seed + " step " + step + ", at release");
                        view.release();
                    }
                    view = m.freeze();
                    atFreeze = new byte[PAGES][];
                    for (int i = 0; i < PAGES; i++) atFreeze[i] = model[i].clone();
                    assertViewIs(view, atFreeze, "seed " + seed + " step " + step + ", at freeze");
                    continue;
                }
                int page = rnd.nextInt(10) == 0 ? PAGES - 1 - rnd.nextInt(3) : rnd.nextInt(PAGES);
                long addr = BASE + (long) page * GuestMemory.PAGE_SIZE;
                if (op < 60) {
                    int off = rnd.nextInt(GuestMemory.PAGE_SIZE / 8) * 8;
                    long v = rnd.nextLong();
                    m.write64(addr + off, v);
                    for (int b = 0; b < 8; b++) model[page][off + b] = (byte) (v >>> (8 * b));
                } else if (op < 75) {
                    byte[] src = new byte[1 + rnd.nextInt(3 * GuestMemory.PAGE_SIZE)];
                    rnd.nextBytes(src);
                    long at = addr + rnd.nextInt(GuestMemory.PAGE_SIZE);
                    if (!m.contains(at, src.length)) continue;
                    m.writeBytes(at, src, 0, src.length);
                    for (int b = 0; b < src.length; b++) {
                        long o = at - BASE + b;
                        model[(int) (o / GuestMemory.PAGE_SIZE)][(int) (o % GuestMemory.PAGE_SIZE)] = src[b];
                    }
                } else if (op < 85) {
                    m.discardPage(page);
                    Arrays.fill(model[page], (byte) 0);
                } else if (op < 93) {
                    byte[] data = rnd.nextBoolean() ? null : randomPage(rnd);
                    m.restorePage(page, data);
                    model[page] = data == null ? new byte[GuestMemory.PAGE_SIZE] : data.clone();
                } else {
                    byte[] data = randomPage(rnd);
                    m.installPage(page, data.clone());
                    model[page] = data;
                }
                if (view != null && step % 97 == 0) assertViewIs(view, atFreeze, "seed " + seed + " step " + step);
            }
            if (view != null) {
                assertViewIs(view, atFreeze, "seed " + seed + ", at the end");
                view.release();
            }
            for (int i = 0; i < PAGES; i++) {
                byte[] live = m.peekPage(i);
                assertArrayEquals(model[i], live == null ? new byte[GuestMemory.PAGE_SIZE] : live, "seed " + seed + ", live page " + i);
            }
        }
    }

    private static byte[] randomPage(Random rnd) {
        byte[] p = new byte[GuestMemory.PAGE_SIZE];
        rnd.nextBytes(p);
        return p;
    }

    private static void assertViewIs(FrozenMemory view, byte[][] expected, String where) {
        assertEquals(expected.length, view.pageCount());
        for (int i = 0; i < expected.length; i++) {
            byte[] p = view.page(i);
            if (p == null) {
                assertTrue(GuestMemory.isZeroPage(expected[i]), where + ": page " + i + " is zero in the view");
            } else if (!Arrays.equals(expected[i], p)) {
                fail(where + ": frozen page " + i + " changed after the freeze");
            }
        }
    }
}
