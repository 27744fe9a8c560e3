package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The second way of a two-way TLB slot and translated code (round 72, round 75's form; since round 84 the slot made
 * two-way by the conflict ways, {@link Mmu#conflictWays}, here with N = 1 and one ping-pong of each TLB, where round 72's
 * retired {@code -Dvmckpt.mmu.twoWay} made every slot two-way): units of both tiers are built alike (no call, no field, no
 * byte of the second way: the translator reads nothing of it). A hot unit's
 * miss stub calls the slow path as on main, and the slow path swaps the ways when the second holds the page: a hot loop
 * over two pages in turn whose addresses share a TLB slot runs to its end inside the unit with a slow-path swap per
 * access and no walk, and a hot loop over one page that sits in the second way takes one swap per kind, then hits its
 * first way. C1 units leave before a miss as on main, and the interpreter, which runs the access, swaps the ways on its
 * second-way hit, so the unit, entered again, finds the page in its first way. Without the slow path's swap (served in
 * place) the one-page loop takes the slow path at each access; without the interpreter's swap a C1 unit whose page
 * stays in the second way leaves at every entry: the tests fail.
 */
class TwoWayUnitTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, A = BASE + 0x10000, END = BASE + 0x800;
    static final long REACH = (long) Hart.TLB_SIZE << 12, B = A + REACH;
    static final int ROUNDS = 16;

    @AfterEach
    void restore() {
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
        h.mmu.setConflictWays(1);
        GuestMemory m = h.bus().ram();
        for (int k = 0; k < code.length; k++) m.write32(LOOP + 4L * k, code[k]);
        m.write64(A, 1);
        m.write64(B, 2);
        h.x[10] = A;
        h.x[13] = B;
        h.x[6] = ROUNDS;
        h.x[1] = BASE + 0x800;
        h.pc = LOOP;
        // The slot made two-way by one ping-pong of each TLB (A, B, A: the third fill brings back the page the second
        // evicted), then the TLB flushed (the entries go, the slot's flag stays).
        for (long p : new long[] {A, B, A}) h.mmu.load64(p);
        for (long p : new long[] {A, B, A}) h.mmu.store64(p + 8, 0);
        h.mmu.flushTlb();
        int s = (int) (A >>> 12) & Hart.TLB_MASK;
        assertTrue(h.mmu.rTwo[s] && h.mmu.wTwo[s], "the slot is two-way");
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

    /**
     * Two pages in turn in a hot unit: every access misses the first way (the other page is there), its stub calls the
     * slow path, as on main, and the slow path swaps: the loop runs to its ret inside the unit, each access a swap, no walk.
     */
    @Test
    void twoPagesInTurnRunInsideAHotUnitThroughTheSlowPathsSwap() {
        int[] code = code();
        TranslatedUnit u = unit(code, true);
        Hart h = hart(code);
        long walks = h.mmu.walks, hits = secondWayHits(h);
        int retired = 0;
        for (int k = 0; k < 4 && h.pc != END; k++) retired += u.run(h, 10_000);
        assertEquals(END, h.pc, "ran to the ret");
        assertEquals(ROUNDS * 8 + 1, retired, "every instruction retired inside the unit (no leave)");
        assertEquals(0, h.x[6]);
        assertEquals(3L * ROUNDS, h.x[11]);
        assertEquals(1, h.x[5]);
        assertEquals(2, h.x[7]);
        assertEquals(3L * ROUNDS, h.bus().ram().read64(A + 8), "the stores through the second way reached A");
        assertEquals(3L * ROUNDS, h.bus().ram().read64(B + 8));
        assertEquals(walks, h.mmu.walks, "no walk");
        assertEquals(4L * ROUNDS, secondWayHits(h) - hits, "every access a swap (the pages take turns)");
    }

    /**
     * One page, A, used in a hot loop while it sits in the second way behind another page of its slot: the first load
     * and the first store miss the first way, their slow paths swap A in (one swap each), and every later access hits
     * the unit's inline check: two swaps, no walk, A in the first way of both TLBs. (Served in place, without the swap,
     * A would stay in the second way and every access would take the slow path.)
     */
    @Test
    void aHotUnitsSlowPathSwapsAPageInForItsNextAccesses() {
        // loop: ld x5, 0(x10); add x11, x11, x5; sd x11, 8(x10); x6 -= 1; bne x6, x0, loop; ret
        int[] one = {ld(5, 10, 0), add(11, 11, 5), sd(11, 10, 8), addi(6, 6, -1), b(-16, 0, 6, 1), i(0, 1, 0, 0, 0x67)};
        TranslatedUnit u = unit(one, true);
        Hart h = hart(one);
        long walks = h.mmu.walks;
        long reads = h.mmu.secondWayHits[Hart.ACCESS_READ], writes = h.mmu.secondWayHits[Hart.ACCESS_WRITE];
        int retired = 0;
        for (int k = 0; k < 4 && h.pc != END; k++) retired += u.run(h, 10_000);
        assertEquals(END, h.pc, "ran to the ret");
        assertEquals(ROUNDS * 5 + 1, retired, "inside the unit");
        assertEquals(ROUNDS, h.bus().ram().read64(A + 8), "A's sum");
        assertEquals(1, h.mmu.secondWayHits[Hart.ACCESS_READ] - reads, "one read swap, then first-way hits");
        assertEquals(1, h.mmu.secondWayHits[Hart.ACCESS_WRITE] - writes, "one write swap, then first-way hits");
        int i = (int) (A >>> 12) & Hart.TLB_MASK;
        long tag = (A >>> 12) | h.mmu.dataCtx;
        assertEquals(tag, h.mmu.rTag[i], "A in the first read way");
        assertEquals(tag, h.mmu.wTag[i], "A in the first write way");
        assertEquals(walks, h.mmu.walks, "no walk");
    }

    /**
     * Units of both tiers are main's: no member of the second way (its tags, pages, swaps; round 74's {@code
     * promoteRead}/{@code promoteWrite} and {@code servedSecondWay}) is named in their classes
     * (the translator reads nothing of the second way or the conflict ways), with and without access groups (round 84
     * retired the hot unit that leaves after a miss); the hot unit's
     * only MMU calls are its slow paths'.
     */
    @Test
    void unitsOfBothTiersNameNothingOfTheSecondWay() {
        Translator.c1MissLeaves = true;
        int[] code = code();
        Translator t = new Translator();
        unit(t, code, false);
        byte[] c1 = t.lastClassBytes;
        unit(t, code, true);
        byte[] hot = t.lastClassBytes;
        Translator.accessGroups = true;
        Translator.accessGroupsHotOnly = true;
        Translator.accessGroupFallback = true;
        Translator g = new Translator();
        assertNotNull(g.translate(C1MissLeavesTest.accessLoop(), 7, null, -1, 0x100, true), "a hot unit with groups");
        byte[] grouped = g.lastClassBytes;
        String[] names = {"C1 unit", "hot unit", "hot unit with access groups"};
        byte[][] classes = {c1, hot, grouped};
        for (int k = 0; k < classes.length; k++) {
            java.util.List<String> refs = mmuMembers(classes[k]);
            for (String n : refs) {
                assertFalse(n.matches("[rwx]2.*|.*[Ss]econd.*|promote.*|swap.*|served.*"), names[k] + " names " + n + ": " + refs);
            }
        }
        assertEquals(java.util.List.of("load64", "load64", "store64", "store64"), C1MissLeavesTest.mmuCalls(hot),
                "the hot unit's MMU calls are its slow paths'");
    }

    /** The members of Mmu (methods and fields) a class's code names, in order. */
    static java.util.List<String> mmuMembers(byte[] classBytes) {
        java.util.List<String> refs = new java.util.ArrayList<>();
        new org.objectweb.asm.ClassReader(classBytes).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        if (owner.equals("org/vmckpt/machine/cpu/Mmu")) refs.add(n);
                    }

                    @Override
                    public void visitFieldInsn(int opcode, String owner, String n, String d) {
                        if (owner.equals("org/vmckpt/machine/cpu/Mmu")) refs.add(n);
                    }
                };
            }
        }, 0);
        return refs;
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
