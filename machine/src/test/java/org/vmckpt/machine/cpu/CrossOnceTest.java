package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The second page's check once per call into the hart ({@link Translator#crossOnce}, round 68): busybox's SHA-256 round
 * loop (UnitCodeBench's {@code shaLoop}, its bytes as they are, running from 0xf56 of one page into the next) as a
 * hot-tier unit with the switch gives the interpreter's registers at every budget, and its build keeps the check's
 * result in a local that the crossing reads first; {@link CrossOnceUnitInvalidationTest} runs the remaps, code writes,
 * satp switches and restores of {@link CrossPageUnitInvalidationTest} with the switch in the hot tier.
 */
class CrossOnceTest {
    @BeforeEach
    void on() {
        Translator.crossOnce = true;
    }

    @AfterEach
    void off() {
        Translator.crossOnce = Boolean.getBoolean("vmckpt.jit.crossOnce");
    }

    @Test
    void shaLoopAcrossTwoPagesGivesTheInterpretersRegisters() {
        long before = Translator.crossOnceUnits.get();
        shaLoopBesideTheInterpreter(68);
        assertTrue(Translator.crossOnceUnits.get() > before, "a hot build kept the second page's check in a local");
    }

    /** The hot build of the loop: its crossing stub reads the local first and sets it after a passed check. */
    @Test
    void theHotBuildRemembersAPassedCheck() {
        Translator t = new Translator();
        byte[] ram = new byte[8192];
        Hart h = UnitCodeBench.shaLoop(false);
        h.bus().ram().readBytes(UnitCodeBench.BASE + 0x1000, ram, 0, 8192);
        byte[] first = Arrays.copyOfRange(ram, 0, 4096), second = Arrays.copyOfRange(ram, 4096, 8192);
        TranslatedUnit u = t.translate(first, 1, second, 2, 0xf56, true);
        assertNotNull(u, "the loop was built");
        int[] counts = ops(t.lastClassBytes);
        assertTrue(counts[0] >= 1, "the crossing's check stores 1 into the local after it passed: " + counts[0]);
        assertTrue(counts[1] >= 1, "the crossing reads the local first (ILOAD; IFNE): " + counts[1]);
        Translator.crossOnce = false;
        t.translate(first, 1, second, 2, 0xf56, true);
        int[] without = ops(t.lastClassBytes);
        assertEquals(0, without[0], "without the switch no local remembers the check");
    }

    /** In the unit's run method: {ICONST_1 then ISTORE, ILOAD then IFNE} pairs. */
    private static int[] ops(byte[] classBytes) {
        int[] counts = new int[2];
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                if (!name.equals("run")) return null;
                return new MethodVisitor(Opcodes.ASM9) {
                    int last = -1;

                    @Override
                    public void visitInsn(int op) {
                        last = op;
                    }

                    @Override
                    public void visitVarInsn(int op, int slot) {
                        if (op == Opcodes.ISTORE && last == Opcodes.ICONST_1) counts[0]++;
                        last = op == Opcodes.ILOAD ? Opcodes.ILOAD : op;
                    }

                    @Override
                    public void visitJumpInsn(int op, org.objectweb.asm.Label l) {
                        if (op == Opcodes.IFNE && last == Opcodes.ILOAD) counts[1]++;
                        last = op;
                    }

                    @Override
                    public void visitIntInsn(int op, int v) {
                        last = op;
                    }

                    @Override
                    public void visitLdcInsn(Object v) {
                        last = -1;
                    }

                    @Override
                    public void visitFieldInsn(int op, String o, String n, String d) {
                        last = op;
                    }

                    @Override
                    public void visitMethodInsn(int op, String o, String n, String d, boolean itf) {
                        last = op;
                    }
                };
            }
        }, 0);
        return counts;
    }

    /**
     * Busybox's SHA-256 loop run translated (promoted to the hot tier) and by the interpreter, compared at every 200,000
     * instructions to 4 M and until the loop is promoted, then at 20 random points after it, each reached through random
     * budgets ({@code seed}): pc and registers equal everywhere. Shared with HotTlbNonNullTest.
     */
    static void shaLoopBesideTheInterpreter(long seed) {
        Hart jit = UnitCodeBench.shaLoop(true), ref = UnitCodeBench.shaLoop(true);
        ref.setTranslation(false);
        jit.setPromotionThreshold(20_000);
        jit.codeCache.hotMinRun = 0;
        Random budgets = new Random(seed);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        long target = 0;
        while (jit.translationStats().promotions() == 0 && System.nanoTime() < deadline || target < 4_000_000) {
            target += 200_000;
            TranslatorDifferentialTest.runTo(jit, target, budgets);
            while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
            assertEquals(ref.pc, jit.pc, "pc at " + target);
            assertArrayEquals(ref.x, jit.x, "registers at " + target);
        }
        // After the promotion: more of the hot unit, at budgets that cut anywhere.
        for (int k = 0; k < 20; k++) {
            target += 100_000 + budgets.nextInt(100_000);
            TranslatorDifferentialTest.runTo(jit, target, budgets);
            while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
            assertEquals(ref.pc, jit.pc, "pc at " + target);
            assertArrayEquals(ref.x, jit.x, "registers at " + target);
        }
        assertTrue(jit.translationStats().promotions() > 0, "the loop was promoted: " + jit.translationStats());
    }
}
