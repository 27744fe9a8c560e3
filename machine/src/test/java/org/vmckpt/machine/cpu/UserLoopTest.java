package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The user-mode loop form ({@code -Dvmckpt.jit.userLoop}, round 76): a loop's back edge as an inverted branch and a
 * {@code goto} ({@link Translator#userBack}). A hot build made for a unit promoted outside user mode is main's, byte
 * for byte, whatever the switch; a user-mode build has no conditional jump backwards; the loop through the code cache
 * in U mode gets the forms and goes on as the interpreter does at every 37th instruction (budget ends inside the loop,
 * misses' slow paths); in S and M mode no build gets them.
 */
class UserLoopTest {
    @BeforeEach
    void off() {
        UserHotTest.set(false, false, false);
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
        Translator.userBack = Translator.USER_LOOP[0];
        Translator.tlbMasks = Boolean.getBoolean("vmckpt.jit.tlbMasks");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.contextLocal = Boolean.getBoolean("vmckpt.jit.contextLocal");
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
    }

    /** The run method's conditional jumps to a label it has already placed (backward), and all its conditional jumps. */
    static int[] backwardConditionals(byte[] classBytes) {
        int[] counts = new int[2];
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!name.equals("run")) return null;
                java.util.Set<Label> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override public void visitLabel(Label label) { seen.add(label); }
                    @Override public void visitJumpInsn(int opcode, Label label) {
                        if (opcode == Opcodes.GOTO) return;
                        counts[1]++;
                        if (seen.contains(label)) counts[0]++;
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return counts;
    }

    @Test
    void aBuildOutsideUserModeIsMainsByteForByte() {
        for (boolean masks : new boolean[] {false, true}) {
            UserHotTest.set(masks, masks, masks);
            byte[] main = UserHotTest.hotBytes(false);
            long before = Translator.userLoopBuilds.get(), gotos = Translator.backGotos.get();
            Translator.userBack = true;
            assertArrayEquals(main, UserHotTest.hotBytes(false), "a kernel build with userLoop=back, userHot " + masks);
            assertEquals(before, Translator.userLoopBuilds.get(), "no kernel build counted as given the forms");
            assertEquals(gotos, Translator.backGotos.get(), "no kernel build's back edge a goto");
            Translator.userBack = false;
            if (!masks) assertArrayEquals(main, UserHotTest.hotBytes(true), "a user build with userLoop off");
        }
    }

    @Test
    void aUserBuildsBackEdgeIsAGoto() {
        for (boolean masks : new boolean[] {false, true}) {
            UserHotTest.set(masks, masks, masks);
            Translator.userBack = false;
            byte[] main = UserHotTest.hotBytes(true);
            int[] mainJumps = backwardConditionals(main);
            String what = "userHot " + masks + ": ";
            assertTrue(mainJumps[0] >= 1, what + "main's build jumps back on a condition (the loop's bne): " + java.util.Arrays.toString(mainJumps));
            Translator.userBack = true;
            long before = Translator.userLoopBuilds.get(), gotos = Translator.backGotos.get();
            byte[] back = UserHotTest.hotBytes(true);
            assertEquals(before + 1, Translator.userLoopBuilds.get());
            assertTrue(Translator.backGotos.get() > gotos, what + "a back edge emitted as a goto");
            int[] jumps = backwardConditionals(back);
            assertEquals(0, jumps[0], what + "no conditional jump backwards: " + java.util.Arrays.toString(jumps));
            assertEquals(mainJumps[1], jumps[1], what + "as many conditional jumps as main's");
            assertEquals(main.length, back.length, what + "the same size: the goto main's fall-through had, the branch inverted");
            assertFalse(java.util.Arrays.equals(main, back));
        }
    }

    @Test
    void theSwitchsValues() {
        assertArrayEquals(new boolean[] {false}, Translator.userLoopForms("false"));
        assertArrayEquals(new boolean[] {true}, Translator.userLoopForms("true"));
        assertArrayEquals(new boolean[] {true}, Translator.userLoopForms("back"));
        assertThrows(IllegalArgumentException.class, () -> Translator.userLoopForms("maskLocals"));
    }

    /**
     * HotMissLeavesTest's loop (its back edge a {@code j}) through the code cache with userHot's three forms and the loop form: in U mode its hot
     * units get them and the hart goes on as the interpreter, compared every 37 instructions (budget ends inside the
     * loop) through its misses (slow paths, exits); in S and M mode no hot build gets them.
     */
    @Test
    void throughTheCodeCacheOnlyUserModeUnitsGetTheForms() {
        UserHotTest.set(true, true, true);
        Translator.userBack = true;
        for (int priv : new int[] {Hart.PRIV_S, Hart.PRIV_M, Hart.PRIV_U}) {
            long before = Translator.userLoopBuilds.get(), gotos = Translator.backGotos.get(); // (its back edge is a j: no goto form)
            Hart jit = HotMissLeavesTest.hart(true, HotMissLeavesTest.Misses.RARE, priv);
            Hart ref = HotMissLeavesTest.hart(false, HotMissLeavesTest.Misses.RARE, priv);
            HotMissLeavesTest.runComparing(jit, ref, 10_000, 3_000_000, 99_991);
            List<TranslatedUnit> hot = MissLeavesAdaptiveTest.hotUnits(jit);
            String what = "priv " + priv + ": ";
            assertFalse(hot.isEmpty(), what + "promoted: " + jit.translationStats());
            if (priv != Hart.PRIV_U) {
                assertEquals(before, Translator.userLoopBuilds.get(), what + "a kernel build given the user-mode loop forms");
                assertEquals(gotos, Translator.backGotos.get(), what + "a kernel build's back edge a goto");
                continue;
            }
            assertTrue(Translator.userLoopBuilds.get() > before, what + "no build given the forms");
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 1, jit.instret + 400, 1);
            assertEquals(Hart.PRIV_U, jit.priv);
        }
    }

    /**
     * AccessGroupsTest's walker (a {@code bne} back edge; loads and stores whose groups cross pages, so slow paths and
     * exits inside the loop) run in U mode as a hot unit with userHot's forms and the loop form, against the
     * interpreter at 100,000-instruction steps and at every budget 1-40 (budget ends anywhere in the loop).
     */
    @Test
    void aUserLoopWithTheFormsGivesTheInterpretersState() {
        UserHotTest.set(true, true, true);
        Translator.userBack = true;
        long before = Translator.userLoopBuilds.get(), gotos = Translator.backGotos.get();
        Hart jit = AccessGroupsTest.hot(AccessGroupsTest.walker(true)), ref = AccessGroupsTest.walker(false);
        jit.setPriv(Hart.PRIV_U);
        ref.setPriv(Hart.PRIV_U);
        for (long to = 100_000; to <= 1_000_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            AccessGroupsTest.sameState(ref, jit);
        }
        assertTrue(Translator.userLoopBuilds.get() > before, "a user-mode hot build with the loop forms ran: " + jit.translationStats());
        assertTrue(Translator.backGotos.get() > gotos, "its bne back edge a goto");
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            AccessGroupsTest.sameState(ref, jit);
        }
        for (int k = 0; k < 60; k++) jit.run(4096);
        AccessGroupsTest.sameState(ref, jit);
        assertEquals(Hart.PRIV_U, jit.priv);
    }

    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, HANDLER = BASE + 0x800, DATA = BASE + 0x10000, NOTHING = 0x2000_0000L;

    /**
     * A U-mode loop whose back edge is a {@code bnez} and which traps inside itself: every 256th iteration a load from an
     * address nothing answers (a load access fault), which the M-mode handler counts (x15) and skips; the other loads
     * walk RAM. {@code lbu a0, 0(s1); add a1, a1, a0; addi s1, s1, 1; andi t0, s1, 255; bnez t0, +8; lbu a2, 0(s3);
     * addi s2, s2, -1; bnez s2, loop; j loop}.
     */
    static Hart trapLoop(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        if (translated) AccessGroupsTest.hot(h);
        GuestMemory ram = h.bus().ram();
        int[] loop = {
                Asm.lbu(10, 9, 0),                  // 0:  a0 = [s1]
                Asm.add(11, 11, 10),                // 4:  a1 += a0
                Asm.addi(9, 9, 1),                  // 8:  s1 += 1
                Asm.i(255, 9, 7, 5, 0x13),          // 12: andi t0, s1, 255
                Asm.b(8, 0, 5, 1),                  // 16: bnez t0, 24
                Asm.lbu(12, 19, 0),                 // 20: a2 = [s3]: nothing answers, a load access fault
                Asm.addi(18, 18, -1),               // 24: s2 -= 1
                Asm.b(-28, 0, 18, 1),               // 28: bnez s2, 0 (the back edge)
                Asm.j(-32, 0)};                     // 32: j 0
        for (int k = 0; k < loop.length; k++) ram.write32(LOOP + 4L * k, loop[k]);
        int[] handler = {Asm.csrr(14, Csr.MEPC), Asm.addi(14, 14, 4), Asm.csrrw(0, Csr.MEPC, 14), Asm.addi(15, 15, 1), Asm.MRET};
        for (int k = 0; k < handler.length; k++) ram.write32(HANDLER + 4L * k, handler[k]);
        for (int k = 0; k < 1 << 16; k++) ram.write8(DATA + k, (byte) (k * 29 + 7));
        h.mtvec = HANDLER;
        h.x[9] = DATA;
        h.x[18] = 50_000;
        h.x[19] = NOTHING;
        h.pc = LOOP;
        h.setPriv(Hart.PRIV_U);
        return h;
    }

    static void sameTrapState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        assertEquals(ref.priv, jit.priv, "priv");
        assertEquals(ref.mepc, jit.mepc, "mepc");
        assertEquals(ref.mcause, jit.mcause, "mcause");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    /**
     * The trapping loop in U mode as a hot unit with userHot's forms and the back edge's goto, against the interpreter at
     * 50,000-instruction steps, at every budget 1-40 and in step, one instruction a call, for 3,000 calls (so at the trap and the
     * handler's return many times): the count exact at traps inside the loop and at budget ends inside it.
     */
    @Test
    void aTrappingUserLoopWithTheFormGivesTheInterpretersState() {
        UserHotTest.set(true, true, true);
        Translator.userBack = true;
        long gotos = Translator.backGotos.get();
        Hart jit = trapLoop(true), ref = trapLoop(false);
        for (long to = 50_000; to <= 1_500_000; to += 50_000) {
            HotTierTest.runTo(jit, to);
            sameTrapState(ref, jit);
        }
        assertTrue(Translator.backGotos.get() > gotos, "a hot build with the bnez back edge as a goto: " + jit.translationStats());
        assertTrue(jit.x[15] > 100, "traps taken inside the loop: " + jit.x[15]);
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameTrapState(ref, jit);
        }
        for (int k = 0; k < 3_000; k++) { // (in step: a call of run(1) at the faulting load takes the trap and retires nothing)
            jit.run(1);
            ref.run(1);
            sameTrapState(ref, jit);
        }
        for (int k = 0; k < 60; k++) jit.run(4096);
        sameTrapState(ref, jit);
    }
}
