package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The two-way TLB in translated code ({@link Translator#twoWay}, {@link Mmu#twoWay}; round 72, round 74's form): hot-tier
 * units swap the ways in their slow paths' stubs ({@code Mmu.promoteRead}/{@code promoteWrite}, then the access's check
 * again) and run a loop over two pages in turn whose addresses share a TLB slot to its end, with no walk, no slow path
 * and the interpreter's registers and memory (also a hot unit that leaves after a slow path, {@link
 * Translator#missLeaves}); C1 units are built as without the switch (no call, no byte more) and leave before a miss as
 * on main, and the interpreter, which runs the access, swaps the ways on its second-way hit, so the unit, entered
 * again, finds the page in its first way. Without the hot stubs' swap the slow path serves the accesses; without the
 * interpreter's swap a C1 unit whose page stays in the second way leaves at every entry: the tests fail.
 */
class TwoWayUnitTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, A = BASE + 0x10000, END = BASE + 0x800;
    static final long REACH = (long) Hart.TLB_SIZE << 12, B = A + REACH;
    static final int ROUNDS = 16;

    @AfterEach
    void restore() {
        Translator.twoWay = Boolean.getBoolean("vmckpt.mmu.twoWay");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
        Translator.accessGroups = Translator.accessGroupsProperty();
        Translator.accessGroupsHotOnly = Translator.accessGroupsHotOnlyProperty();
        Translator.accessGroupFallback = !"false".equals(System.getProperty("vmckpt.jit.accessGroupFallback"));
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
        return unit(new Translator(), code, hot);
    }

    static TranslatedUnit unit(Translator t, int[] code, boolean hot) {
        byte[] page = new byte[4096];
        for (int k = 0; k < code.length; k++) {
            for (int b = 0; b < 4; b++) page[(int) (LOOP - BASE) + 4 * k + b] = (byte) (code[k] >>> (8 * b));
        }
        TranslatedUnit u = t.translate(page, 0, null, -1, (int) (LOOP - BASE), hot);
        assertNotNull(u);
        return u;
    }

    @Test
    void twoPagesInTurnRunInsideHotUnits() {
        Translator.twoWay = true;
        String[] tiers = {"hot unit", "hot unit that leaves after a miss"};
        for (int t = 0; t < tiers.length; t++) {
            String tier = tiers[t];
            Translator.missLeaves = t == 1;
            int[] code = code();
            TranslatedUnit u = unit(code, true);
            Hart h = hart(code);
            long walks = h.mmu.walks, hits = secondWayHits(h);
            h.mmu.servedSecondWay = false;
            int retired = 0;
            for (int k = 0; k < 4 && h.pc != END; k++) retired += u.run(h, 10_000);
            assertEquals(END, h.pc, tier + ": ran to the ret");
            assertEquals(ROUNDS * 8 + 1, retired, tier + ": every instruction retired inside the unit (no leave)");
            assertEquals(0, h.x[6]);
            assertEquals(3L * ROUNDS, h.x[11]);
            assertEquals(1, h.x[5]);
            assertEquals(2, h.x[7]);
            assertEquals(3L * ROUNDS, h.bus().ram().read64(A + 8), tier + ": the stores through the second way reached A");
            assertEquals(3L * ROUNDS, h.bus().ram().read64(B + 8));
            assertEquals(walks, h.mmu.walks, tier + ": no walk");
            assertEquals(4L * ROUNDS, secondWayHits(h) - hits, tier + ": every access a swap (the pages take turns)");
            assertFalse(h.mmu.servedSecondWay, tier + ": the stubs swapped, no slow path served the second way");
        }
    }

    /** The C1 unit is the one built without the switch (no call, no byte more); the hot unit calls the swaps. */
    @Test
    void c1UnitsAreBuiltAsWithoutTheSwitch() {
        Translator.c1MissLeaves = true;
        int[] code = code();
        Translator.twoWay = false;
        Translator t = new Translator();
        unit(t, code, false);
        byte[] c1Off = t.lastClassBytes;
        unit(t, code, true);
        byte[] hotOff = t.lastClassBytes;
        Translator.twoWay = true;
        unit(t, code, false);
        byte[] c1On = t.lastClassBytes;
        unit(t, code, true);
        byte[] hotOn = t.lastClassBytes;
        assertArrayEquals(c1Off, c1On, "a C1 unit with the two-way TLB is built as without it");
        assertFalse(C1MissLeavesTest.mmuCalls(c1On).stream().anyMatch(n -> n.startsWith("promote")), "no swap call in a C1 unit");
        assertTrue(C1MissLeavesTest.mmuCalls(hotOn).containsAll(java.util.List.of("promoteRead", "promoteWrite")),
                "a hot unit's stubs swap: " + C1MissLeavesTest.mmuCalls(hotOn));
        assertFalse(C1MissLeavesTest.mmuCalls(hotOff).stream().anyMatch(n -> n.startsWith("promote")), "not without the switch");
        // A hot loop whose loads form access groups (one check a group; each access's fallback check retries after a
        // swap): the JVM takes the class (round 74's first form gave its retry a second frame at the stub's offset).
        Translator.accessGroups = true;
        Translator.accessGroupsHotOnly = true;
        Translator.accessGroupFallback = true;
        Translator g = new Translator();
        assertNotNull(g.translate(C1MissLeavesTest.accessLoop(), 7, null, -1, 0x100, true), "a hot unit with groups");
        assertTrue(C1MissLeavesTest.mmuCalls(g.lastClassBytes).contains("promoteRead"), "its groups' fallbacks swap: " + C1MissLeavesTest.mmuCalls(g.lastClassBytes));
    }

    /**
     * A C1 unit that leaves before a miss, as the dispatcher runs it (after a leave, the interpreter runs to the block's
     * end; the unit again at the loop's head): one page, A, used in a loop while it sits in the second way behind
     * another page of its slot. The unit leaves once; the interpreter's second-way hits swap A into the first way
     * (counted), and the unit runs the other rounds. (Without the swap it would leave at every entry and the loop run
     * interpreted.) And two pages in turn: the unit leaves at each round, the interpreter serves them with swaps, no walk.
     */
    @Test
    void c1UnitsLeaveAndTheInterpreterSwapsTheWays() {
        Translator.twoWay = true;
        Translator.c1MissLeaves = true;
        for (boolean fastLoop : new boolean[]{true, false}) {
            String where = fastLoop ? "fast loop" : "general loop";
            // loop: ld x5, 0(x10); add x11, x11, x5; sd x11, 8(x10); x6 -= 1; bne x6, x0, loop; ret
            int[] one = {ld(5, 10, 0), add(11, 11, 5), sd(11, 10, 8), addi(6, 6, -1), b(-16, 0, 6, 1), i(0, 1, 0, 0, 0x67)};
            TranslatedUnit u = unit(one, false);
            Hart h = hart(one);
            h.setInterpreterFastLoop(fastLoop);
            long walks = h.mmu.walks, hits = secondWayHits(h);
            int[] run = dispatch(h, u);
            assertEquals(ROUNDS, h.bus().ram().read64(A + 8), where + ": A's sum");
            assertEquals(1, run[1], where + ": the unit left once");
            assertEquals(5 * (ROUNDS - 1) + 1, run[0], where + ": the other rounds ran inside the unit");
            assertEquals(2, secondWayHits(h) - hits, where + ": the interpreter swapped A's read and write entries in");
            assertEquals(walks, h.mmu.walks, where + ": no walk");

            int[] code = code();
            u = unit(code, false);
            h = hart(code);
            h.setInterpreterFastLoop(fastLoop);
            walks = h.mmu.walks;
            hits = secondWayHits(h);
            run = dispatch(h, u);
            assertEquals(3L * ROUNDS, h.bus().ram().read64(A + 8), where + ": pages in turn");
            assertEquals(3L * ROUNDS, h.bus().ram().read64(B + 8));
            assertEquals(ROUNDS, run[1], where + ": pages in turn: the unit leaves at each round");
            assertEquals(4L * ROUNDS, secondWayHits(h) - hits, where + ": each access of the interpreter a swap");
            assertEquals(walks, h.mmu.walks, where + ": pages in turn: no walk");
        }
    }

    /**
     * As the dispatcher (Hart#run): the unit at the loop's head (its entry), after a leave before an access the
     * interpreter (in block mode) until the unit's entry or the ret; until the ret. Returns the instructions retired
     * inside the unit and its leaves.
     */
    static int[] dispatch(Hart h, TranslatedUnit u) {
        int inUnit = 0, leaves = 0;
        for (int k = 0; k < 200 && h.pc != END; k++) {
            if (h.pc == LOOP) {
                h.unitExit = false;
                h.inUnit = true;
                int r = u.run(h, 10_000);
                h.inUnit = false;
                h.instret += r;
                inUnit += r;
                if (!h.unitExit) continue;
                h.unitExit = false;
                assertFalse(h.trap);
                leaves++;
            }
            int n = 0;
            do h.interpreter.interpret(1, true, LOOP); while (++n < 100 && h.pc != LOOP && h.pc != END);
        }
        assertEquals(END, h.pc, "ran to the ret; mcause " + h.mcause);
        return new int[]{inUnit, leaves};
    }

    static long secondWayHits(Hart h) {
        return h.mmu.secondWayHits[Hart.ACCESS_READ] + h.mmu.secondWayHits[Hart.ACCESS_WRITE];
    }
}
