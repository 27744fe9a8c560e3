package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The count-down form of a unit's instruction count ({@code -Dvmckpt.jit.countDown}, round 78, {@link Translator#countDown}):
 * the count's local holds {@code budget - n}, each block's budget check is {@code remaining < need} with no load of the
 * budget, and every exit returns the same {@code n}. Builds outside the switch's scope are main's byte for byte; with
 * the form, hot units and C1 units give the interpreter's state at every budget, in step, at traps inside a loop, at
 * the slow paths' leaves and through the code cache.
 */
class CountDownTest {
    @BeforeEach
    void off() {
        UserHotTest.set(false, false, false);
        Translator.countDown = 0;
        Translator.userBack = false;
        Translator.tlbMasks = false;
        Translator.missLeaves = false;
        Translator.contextLocal = false;
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = false;
    }

    @AfterEach
    void asBefore() {
        UserHotTest.set(Translator.USER_HOT[0], Translator.USER_HOT[1], Translator.USER_HOT[2]);
        Translator.countDown = Translator.countDownMode(System.getProperty("vmckpt.jit.countDown", "false"));
        Translator.userBack = Translator.USER_LOOP[0];
        Translator.tlbMasks = Boolean.getBoolean("vmckpt.jit.tlbMasks");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.contextLocal = Boolean.getBoolean("vmckpt.jit.contextLocal");
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
    }

    private static final int BUDGET = 2, COUNT = 3;

    private static boolean constant(int op) {
        return op >= Opcodes.ICONST_M1 && op <= Opcodes.ICONST_5 || op == Opcodes.BIPUSH || op == Opcodes.SIPUSH || op == Opcodes.LDC;
    }

    /**
     * The run method's budget checks in main's form ({@code iload n; const; iadd; iload budget; if_icmpgt}), in the
     * count-down form ({@code iload remaining; const; if_icmplt}), and its loads of the budget, in that order.
     */
    static int[] budgetChecks(byte[] classBytes) {
        List<int[]> l = TlbMasksTest.runInstructions(classBytes);
        int[] c = new int[3];
        for (int k = 0; k < l.size(); k++) {
            int op = l.get(k)[0];
            if (op == Opcodes.ILOAD && l.get(k)[1] == BUDGET) c[2]++;
            if (op == Opcodes.IF_ICMPGT && k >= 4 && l.get(k - 1)[0] == Opcodes.ILOAD && l.get(k - 1)[1] == BUDGET
                    && l.get(k - 2)[0] == Opcodes.IADD && constant(l.get(k - 3)[0]) && l.get(k - 4)[0] == Opcodes.ILOAD
                    && l.get(k - 4)[1] == COUNT) c[0]++;
            if (op == Opcodes.IF_ICMPLT && k >= 2 && constant(l.get(k - 1)[0]) && l.get(k - 2)[0] == Opcodes.ILOAD
                    && l.get(k - 2)[1] == COUNT) c[1]++;
        }
        return c;
    }

    /** TlbMasksTest's loop built as a C1 unit (not hot) with the unit's privilege {@code user} or not. */
    static byte[] c1Bytes(boolean user) {
        Translator t = new Translator();
        t.userMode = user;
        assertNotNull(t.translate(TlbMasksTest.loop(), 7, null, -1, 0x100, false));
        return t.lastClassBytes;
    }

    @Test
    void theSwitchsValues() {
        assertEquals(0, Translator.countDownMode("false"));
        assertEquals(1, Translator.countDownMode("user"));
        assertEquals(2, Translator.countDownMode("hot"));
        assertEquals(3, Translator.countDownMode("true"));
        assertEquals(3, Translator.countDownMode("all"));
        assertThrows(IllegalArgumentException.class, () -> Translator.countDownMode("kernel"));
    }

    @Test
    void theChecksCompareTheRemainderWithAConstant() {
        byte[] main = UserHotTest.hotBytes(true);
        int[] m = budgetChecks(main);
        assertTrue(m[0] >= 1, "main's hot build checks n + need > budget: " + java.util.Arrays.toString(m));
        assertEquals(0, m[1], "main's has no count-down check");
        Translator.countDown = 2;
        long before = Translator.countDownBuilds.get();
        byte[] down = UserHotTest.hotBytes(true);
        assertEquals(before + 1, Translator.countDownBuilds.get(), "counted");
        int[] d = budgetChecks(down);
        assertEquals(0, d[0], "no check in main's form left: " + java.util.Arrays.toString(d));
        assertEquals(m[0], d[1], "every check in the count-down form: " + java.util.Arrays.toString(d));
        System.out.println("CountDownTest: loads of the budget " + m[2] + " -> " + d[2] + ", class bytes " + main.length + " -> " + down.length);
    }

    @Test
    void buildsOutsideTheScopeAreMainsByteForByte() {
        byte[] kernelHot = UserHotTest.hotBytes(false), userHot = UserHotTest.hotBytes(true);
        byte[] kernelC1 = c1Bytes(false), userC1 = c1Bytes(true);
        long before = Translator.countDownBuilds.get();
        Translator.countDown = 1; // user: user-mode hot builds only
        assertArrayEquals(kernelHot, UserHotTest.hotBytes(false), "countDown=user: a kernel hot build");
        assertArrayEquals(kernelC1, c1Bytes(false), "countDown=user: a kernel C1 unit");
        assertArrayEquals(userC1, c1Bytes(true), "countDown=user: a user C1 unit");
        assertEquals(before, Translator.countDownBuilds.get(), "none counted");
        assertFalse(java.util.Arrays.equals(userHot, UserHotTest.hotBytes(true)), "countDown=user: a user hot build has the form");
        Translator.countDown = 2; // hot: every hot build
        assertFalse(java.util.Arrays.equals(kernelHot, UserHotTest.hotBytes(false)), "countDown=hot: a kernel hot build has the form");
        assertArrayEquals(userC1, c1Bytes(true), "countDown=hot: a C1 unit");
        Translator.countDown = 3; // every unit
        assertFalse(java.util.Arrays.equals(kernelC1, c1Bytes(false)), "countDown=true: a C1 unit has the form");
        assertEquals(0, budgetChecks(c1Bytes(false))[0], "countDown=true: no C1 check in main's form");
    }

    /**
     * UserLoopTest's trapping loop (a load access fault every 256th iteration, an M-mode handler that counts and skips it)
     * with the form in hot units (U mode) and, with {@code true}, in the C1 units of the handler too (csrr, mret: the
     * interpreter's helpers), against the interpreter at 50,000-instruction steps, every budget 1-40 and in step.
     */
    @Test
    void aTrappingLoopGivesTheInterpretersState() {
        for (int mode : new int[] {2, 3}) {
            Translator.countDown = mode;
            long before = Translator.countDownBuilds.get();
            Hart jit = UserLoopTest.trapLoop(true), ref = UserLoopTest.trapLoop(false);
            for (long to = 50_000; to <= 1_000_000; to += 50_000) {
                HotTierTest.runTo(jit, to);
                UserLoopTest.sameTrapState(ref, jit);
            }
            assertTrue(Translator.countDownBuilds.get() > before, "mode " + mode + ": built with the form: " + jit.translationStats());
            assertTrue(jit.translationStats().hotInstructionsRun() > 0, "mode " + mode + ": a hot unit ran: " + jit.translationStats());
            assertTrue(jit.x[15] > 100, "traps taken inside the loop: " + jit.x[15]);
            for (int budget = 1; budget <= 40; budget++) {
                jit.run(budget);
                UserLoopTest.sameTrapState(ref, jit);
            }
            for (int k = 0; k < 2_000; k++) {
                jit.run(1);
                ref.run(1);
                UserLoopTest.sameTrapState(ref, jit);
            }
            for (int k = 0; k < 60; k++) jit.run(4096);
            UserLoopTest.sameTrapState(ref, jit);
        }
    }

    /**
     * A U-mode loop with, every 256th iteration ({@code mask} 255; 0: every iteration), a CSR read that is illegal in U mode ({@code csrr a0, mstatus}: the
     * interpreter's helper traps and the unit leaves, having retired none of it) and a read of {@code instret} (a helper inside the unit, given the
     * count so far) into a sum, and an M-mode handler that reads {@code minstret} into a sum, writes {@code satp} (a helper
     * that retires and makes the unit leave: the TLB is flushed), counts the trap and skips it: {@code addi s1, s1, 1;
     * csrr a3, instret; add s8, s8, a3; andi t0, s1, 255; bnez t0, +8; csrr a0, mstatus; add a1, a1, s1; addi s2, s2, -1;
     * bnez s2, loop; j loop}.
     */
    static Hart csrLoop(boolean translated, int mask) {
        Hart h = new Hart(0, new org.vmckpt.machine.Bus(new org.vmckpt.machine.memory.GuestMemory(UserLoopTest.BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        if (translated) AccessGroupsTest.hot(h);
        org.vmckpt.machine.memory.GuestMemory ram = h.bus().ram();
        int[] loop = {Asm.addi(9, 9, 1), Asm.csrr(13, Csr.INSTRET), Asm.add(24, 24, 13), Asm.i(mask, 9, 7, 5, 0x13),
                Asm.b(8, 0, 5, 1), Asm.csrr(10, Csr.MSTATUS), Asm.add(11, 11, 9), Asm.addi(18, 18, -1),
                Asm.b(-32, 0, 18, 1), Asm.j(-36, 0)};
        for (int k = 0; k < loop.length; k++) ram.write32(UserLoopTest.LOOP + 4L * k, loop[k]);
        int[] handler = {Asm.csrr(16, Csr.MINSTRET), Asm.add(17, 17, 16), Asm.csrr(14, Csr.MEPC), Asm.addi(14, 14, 4),
                Asm.csrrw(0, Csr.MEPC, 14), Asm.csrrw(0, Csr.SATP, 0), Asm.addi(15, 15, 1), Asm.MRET};
        for (int k = 0; k < handler.length; k++) ram.write32(UserLoopTest.HANDLER + 4L * k, handler[k]);
        h.mtvec = UserLoopTest.HANDLER;
        h.mcounteren = 7;
        h.scounteren = 7;
        h.x[18] = 1_000_000;
        h.pc = UserLoopTest.LOOP;
        h.setPriv(Hart.PRIV_U);
        return h;
    }

    /**
     * UserLoopTest's comparison at the same count; where a batch ended at the CSR read on one side and after its trap on
     * the other (a trap retires nothing), the interpreter takes the trap first.
     */
    static void sameCsrState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        if (jit.pc == UserLoopTest.HANDLER && ref.pc == UserLoopTest.LOOP + 20 && ref.instret == jit.instret) ref.run(1);
        UserLoopTest.sameTrapState(ref, jit);
        assertEquals(ref.x[17], jit.x[17], "the sum of minstret's reads");
    }

    /** {@link #csrLoop} against the interpreter (20,000-instruction steps, budgets 1-40, in step), main's form and the count-down form in every unit. */
    @Test
    void helpersThatLeaveAndReadTheCountGiveTheInterpretersState() {
        for (int mode : new int[] {0, 3}) for (int mask : new int[] {255, 0}) helpers(mode, mask);
    }

    private void helpers(int mode, int mask) {
        Translator.countDown = mode;
        long before = Translator.countDownBuilds.get();
        Hart jit = csrLoop(true, mask), ref = csrLoop(false, mask);
        for (long to = 20_000; to <= 400_000; to += 20_000) {
            HotTierTest.runTo(jit, to);
            sameCsrState(ref, jit);
        }
        if (mode != 0) assertTrue(Translator.countDownBuilds.get() > before, "built with the form: " + jit.translationStats());
        assertTrue(jit.translationStats().hotInstructionsRun() > 0, "mode " + mode + ": a hot unit ran: " + jit.translationStats());
        assertTrue(jit.x[15] > 100 && jit.x[17] != 0 && jit.x[24] != 0, "traps taken, minstret and instret read: " + jit.x[15]);
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameCsrState(ref, jit);
        }
        for (int k = 0; k < 2_000; k++) {
            jit.run(1);
            sameCsrState(ref, jit);
        }
    }

    /**
     * AccessGroupsTest's walker (loads and stores whose groups cross pages) in U mode as a hot unit with userHot's forms
     * (its slow paths' leaves take back the block's rest: {@code leaveAfter}) and the form, against the interpreter at
     * 100,000-instruction steps and every budget 1-40.
     */
    @Test
    void aWalkerWithMissLeavesGivesTheInterpretersState() {
        UserHotTest.set(true, true, true);
        Translator.countDown = 3;
        long before = Translator.countDownBuilds.get();
        Hart jit = AccessGroupsTest.hot(AccessGroupsTest.walker(true)), ref = AccessGroupsTest.walker(false);
        jit.setPriv(Hart.PRIV_U);
        ref.setPriv(Hart.PRIV_U);
        for (long to = 100_000; to <= 800_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            AccessGroupsTest.sameState(ref, jit);
        }
        assertTrue(Translator.countDownBuilds.get() > before, "built with the form: " + jit.translationStats());
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            AccessGroupsTest.sameState(ref, jit);
        }
        for (int k = 0; k < 60; k++) jit.run(4096);
        AccessGroupsTest.sameState(ref, jit);
    }

    /**
     * HotMissLeavesTest's loop through the code cache (C1 units that leave before a miss: the compact exit; hot units with
     * miss exits) with the form in every unit, in U and S mode, compared with the interpreter every 37 instructions and
     * then every instruction.
     */
    @Test
    void throughTheCodeCache() {
        UserHotTest.set(true, true, true);
        Translator.countDown = 3;
        for (int priv : new int[] {Hart.PRIV_U, Hart.PRIV_S}) {
            long before = Translator.countDownBuilds.get();
            Hart jit = HotMissLeavesTest.hart(true, HotMissLeavesTest.Misses.RARE, priv);
            Hart ref = HotMissLeavesTest.hart(false, HotMissLeavesTest.Misses.RARE, priv);
            HotMissLeavesTest.runComparing(jit, ref, 10_000, 2_000_000, 99_991);
            assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "priv " + priv + ": promoted: " + jit.translationStats());
            assertTrue(Translator.countDownBuilds.get() > before, "priv " + priv + ": built with the form");
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 1, jit.instret + 400, 1);
        }
    }
}
