package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#missLeaves}: in a hot-tier unit, a load or store that misses the TLB's fast path is made through the
 * MMU and the unit leaves right after it (pc at the next instruction, the count exact, the loaded register written),
 * while an access that hits goes on inside the unit; C1 units keep going on after a miss. The loop reads, and then
 * writes, one doubleword per page, each iteration in the next page, so every iteration's access misses once.
 * (Without the switch's exit the hot unit runs on to its budget: the test fails.)
 */
class MissLeavesTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000;

    @AfterEach
    void restore() {
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
    }

    /** loop: ld/sd x5 at 0(x10); x11 += x5; x10 += x12 (a page); x6 -= 1; bne x6, x0, loop; ret. */
    static int[] code(boolean store) {
        return new int[] {
                store ? sd(5, 10, 0) : ld(5, 10, 0),
                add(11, 11, 5),
                add(10, 10, 12),
                addi(6, 6, -1),
                b(-16, 0, 6, 1),
                i(0, 1, 0, 0, 0x67),
        };
    }

    static Hart hart(int[] code) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        GuestMemory m = h.bus().ram();
        for (int k = 0; k < code.length; k++) m.write32(LOOP + 4L * k, code[k]);
        for (int k = 0; k < 16; k++) m.write64(DATA + 4096L * k, k + 1);
        h.x[10] = DATA;
        h.x[12] = 4096;
        h.x[6] = 16;
        h.pc = LOOP;
        h.mmu.flushTlb();
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
    void aLoadThatMissesLeavesTheHotUnitAfterIt() {
        Translator.missLeaves = true;
        int[] code = code(false);
        TranslatedUnit u = unit(code, true);
        Hart h = hart(code);
        assertEquals(1, u.run(h, 1000), "the load ran, then the unit left");
        assertEquals(LOOP + 4, h.pc);
        assertEquals(1, h.x[5], "the loaded value");
        assertEquals(DATA, h.x[10]);
        // From the loop's head again: the load hits its page now, the iteration runs, the next page's load misses.
        h.pc = LOOP;
        assertEquals(6, u.run(h, 1000), "a whole iteration and the next load");
        assertEquals(LOOP + 4, h.pc);
        assertEquals(2, h.x[5]);
        assertEquals(1, h.x[11]);
        assertEquals(DATA + 4096, h.x[10]);
        assertEquals(15, h.x[6]);
    }

    @Test
    void aStoreThatMissesLeavesTheHotUnitAfterIt() {
        Translator.missLeaves = true;
        int[] code = code(true);
        TranslatedUnit u = unit(code, true);
        Hart h = hart(code);
        h.x[5] = 0x55;
        assertEquals(1, u.run(h, 1000));
        assertEquals(LOOP + 4, h.pc);
        assertEquals(0x55, h.bus().ram().read64(DATA), "the store was made");
        h.pc = LOOP;
        assertEquals(6, u.run(h, 1000));
        assertEquals(LOOP + 4, h.pc);
        assertEquals(0x55, h.bus().ram().read64(DATA + 4096));
    }

    @Test
    void c1UnitsAndTheSwitchOffGoOnAfterAMiss() {
        Translator.c1MissLeaves = false; // (C1MissLeavesTest)
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = false; // (with either a hot build is given the exits unless its cache says otherwise: HotMissLeavesTest)
        for (boolean hot : new boolean[] {false, true}) {
            Translator.missLeaves = !hot; // a C1 unit with the switch on; a hot unit with it off
            int[] code = code(false);
            TranslatedUnit u = unit(code, hot);
            Hart h = hart(code);
            int retired = u.run(h, 1000);
            assertTrue(retired > 6, (hot ? "hot" : "C1") + " unit retired " + retired);
            assertEquals(0, h.x[6], "the loop ran to its end");
            assertEquals(16 * 17 / 2, h.x[11]);
        }
    }
}
