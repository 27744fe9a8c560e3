package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The two-way TLB in translated code ({@link Translator#twoWay}, {@link Mmu#twoWay}; round 72, round 73's form): a loop
 * that loads and stores two pages in turn whose addresses share a TLB slot runs to its end inside the unit, with no walk
 * and the same registers and memory as the interpreter would leave, in three kinds of unit: a C1 unit that leaves before
 * a miss ({@code c1MissLeaves}: its miss stub asks {@code Mmu.promoteRead}/{@code promoteWrite} to swap the ways and
 * checks again, {@link Translator#twoWayC1}), a hot-tier unit (its slow-path call, {@code Mmu.load64}/{@code store64},
 * serves the second way and swaps the ways), each access a swap (4 a round: the pages take turns), and a hot unit
 * that leaves after a slow path ({@link Translator#missLeaves}: it stays when the slow path served the second way).
 * Without the C1 stub's swap the C1 unit leaves; without the slow paths' second-way check the hot units walk; without
 * {@code missLeaves}' check the last unit leaves: the test fails.
 */
class TwoWayUnitTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, A = BASE + 0x10000;
    static final long REACH = (long) Hart.TLB_SIZE << 12, B = A + REACH;
    static final int ROUNDS = 16;

    @AfterEach
    void restore() {
        Translator.twoWay = Boolean.getBoolean("vmckpt.mmu.twoWay");
        Translator.twoWayC1 = !"false".equals(System.getProperty("vmckpt.mmu.twoWayC1"));
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
    }

    /** loop: ld x5, 0(x10); ld x7, 0(x13); x11 += x5 + x7; sd x11, 8(x10); sd x11, 8(x13); x6 -= 1; bne x6, x0, loop; ret. */
    static int[] code() {
        return new int[] {
                ld(5, 10, 0),
                ld(7, 13, 0),
                add(11, 11, 5),
                add(11, 11, 7),
                sd(11, 10, 8),
                sd(11, 13, 8),
                addi(6, 6, -1),
                b(-28, 0, 6, 1),
                i(0, 1, 0, 0, 0x67),
        };
    }

    static Hart hart(int[] code) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, (int) (2 * REACH))), () -> 0);
        h.mmu.setTwoWay(true);
        GuestMemory m = h.bus().ram();
        for (int k = 0; k < code.length; k++) m.write32(LOOP + 4L * k, code[k]);
        m.write64(A, 1);
        m.write64(B, 2);
        h.x[10] = A;
        h.x[13] = B;
        h.x[6] = ROUNDS;
        h.x[1] = BASE + 0x800;
        h.pc = LOOP;
        // Both pages in the TLB, A's entries in the second way (filled first), B's in the first.
        h.mmu.load64(A);
        h.mmu.store64(A + 8, 0);
        h.mmu.load64(B);
        h.mmu.store64(B + 8, 0);
        int i = (int) (A >>> 12) & Hart.TLB_MASK;
        assertEquals(i, (int) (B >>> 12) & Hart.TLB_MASK, "A and B share a slot");
        assertSame(h.mmu.r2Page[i], m.peekPage(m.pageIndexOf(A)), "A's read entry in the second way");
        assertNotEquals(-1, h.mmu.w2Tag[i], "A's write entry in the second way");
        return h;
    }

    static TranslatedUnit unit(int[] code, boolean hot) {
        byte[] page = new byte[4096];
        for (int k = 0; k < code.length; k++) {
            for (int b = 0; b < 4; b++) page[(int) (LOOP - BASE) + 4 * k + b] = (byte) (code[k] >>> (8 * b));
        }
        TranslatedUnit u = new Translator().translate(page, 0, null, -1, (int) (LOOP - BASE), hot);
        assertNotNull(u);
        return u;
    }

    @Test
    void twoPagesInTurnRunInsideTheUnitInBothTiers() {
        Translator.twoWay = true;
        Translator.twoWayC1 = true;
        String[] tiers = {"C1 unit", "hot unit", "hot unit that leaves after a miss"};
        long[] served = {4L * ROUNDS, 4L * ROUNDS, 4L * ROUNDS};
        for (int t = 0; t < tiers.length; t++) {
            String tier = tiers[t];
            boolean hot = t > 0;
            Translator.missLeaves = t == 2;
            int[] code = code();
            TranslatedUnit u = unit(code, hot);
            Hart h = hart(code);
            long walks = h.mmu.walks, hits = h.mmu.secondWayHits[Hart.ACCESS_READ] + h.mmu.secondWayHits[Hart.ACCESS_WRITE];
            int retired = 0;
            for (int k = 0; k < 4 && h.pc != BASE + 0x800; k++) retired += u.run(h, 10_000);
            assertEquals(BASE + 0x800, h.pc, tier + ": ran to the ret");
            assertEquals(ROUNDS * 8 + 1, retired, tier + ": every instruction retired inside the unit (no leave)");
            assertEquals(0, h.x[6]);
            assertEquals(3L * ROUNDS, h.x[11]);
            assertEquals(1, h.x[5]);
            assertEquals(2, h.x[7]);
            assertEquals(3L * ROUNDS, h.bus().ram().read64(A + 8), tier + ": the stores through the second way reached A");
            assertEquals(3L * ROUNDS, h.bus().ram().read64(B + 8));
            assertEquals(walks, h.mmu.walks, tier + ": no walk");
            assertEquals(served[t], h.mmu.secondWayHits[Hart.ACCESS_READ] + h.mmu.secondWayHits[Hart.ACCESS_WRITE] - hits,
                    tier + ": accesses the second way served (C1: the stub's swap; hot: the slow path's)");
        }
    }
}
