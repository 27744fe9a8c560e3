package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hot-tier loop unit's code twice ({@link Translator#unrollHot}, round 68, a prototype): busybox's SHA-256 round loop
 * (UnitCodeBench's {@code shaLoop}) with the switch gives the interpreter's registers at budgets that cut anywhere, with
 * and without {@link Translator#crossOnce}; its hot build holds both copies (about twice the bytecode), a C1 build
 * one, and a build whose two copies are over {@link Translator#unrollHotMaxBytes} one.
 */
class UnrollHotTest {
    @BeforeEach
    void on() {
        Translator.unrollHot = true;
    }

    @AfterEach
    void off() {
        Translator.unrollHot = Boolean.getBoolean("vmckpt.jit.unrollHot");
        Translator.crossOnce = Boolean.getBoolean("vmckpt.jit.crossOnce");
    }

    @Test
    void shaLoopGivesTheInterpretersRegisters() {
        for (boolean cross : new boolean[] {false, true}) {
            Translator.crossOnce = cross;
            long before = Translator.unrolledUnits.get();
            Hart jit = UnitCodeBench.shaLoop(true), ref = UnitCodeBench.shaLoop(true);
            ref.setTranslation(false);
            jit.setPromotionThreshold(20_000);
            jit.codeCache.hotMinRun = 0;
            jit.codeCache.hotBriefRunsPercent = 0;
            jit.codeCache.hotProfileRuns = 0;
            Random budgets = new Random(cross ? 681 : 680);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
            long target = 0;
            int after = 0;
            while (after < 20 && System.nanoTime() < deadline) {
                if (jit.translationStats().promotions() > 0) after++;
                target += 100_000 + budgets.nextInt(100_000);
                TranslatorDifferentialTest.runTo(jit, target, budgets);
                while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
                assertEquals(ref.pc, jit.pc, "pc at " + target);
                assertArrayEquals(ref.x, jit.x, "registers at " + target);
            }
            assertTrue(jit.translationStats().promotions() > 0, "the loop was promoted: " + jit.translationStats());
            assertTrue(Translator.unrolledUnits.get() > before, "a hot build held two copies");
        }
    }

    @Test
    void theHotBuildHoldsTwoCopiesAndC1BuildsOne() {
        byte[] ram = new byte[8192];
        UnitCodeBench.shaLoop(false).bus().ram().readBytes(UnitCodeBench.BASE + 0x1000, ram, 0, 8192);
        byte[] first = Arrays.copyOfRange(ram, 0, 4096), second = Arrays.copyOfRange(ram, 4096, 8192);
        Translator t = new Translator();
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, true));
        assertTrue(t.lastUnrolled, "the hot build has two copies");
        int twice = t.lastBytecodeSize;
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, false));
        assertFalse(t.lastUnrolled, "a C1 build has one");
        Translator.unrollHot = false;
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, true));
        int once = t.lastBytecodeSize;
        assertFalse(t.lastUnrolled);
        assertTrue(twice > 3 * once / 2 && twice < 2 * once + 200, "bytes " + once + " and " + twice);
    }

    /** A loop whose two copies are over {@link Translator#unrollHotMaxBytes} is built once, whole. */
    @Test
    void aLoopOverTheCopiesBoundIsBuiltOnce() {
        byte[] ram = new byte[8192];
        UnitCodeBench.shaLoop(false).bus().ram().readBytes(UnitCodeBench.BASE + 0x1000, ram, 0, 8192);
        byte[] first = Arrays.copyOfRange(ram, 0, 4096), second = Arrays.copyOfRange(ram, 4096, 8192);
        Translator t = new Translator();
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, true));
        assertTrue(t.lastUnrolled, "two copies under the bound");
        int twice = t.lastBytecodeSize, instructions = t.liveInstructionsOfLastUnit();
        Translator.unrollHotMaxBytes = twice - 1;
        try {
            assertNotNull(t.translate(first, 1, second, 2, 0xf56, true));
            assertFalse(t.lastUnrolled, "two copies are over the bound");
            assertTrue(t.lastBytecodeSize < twice * 2 / 3, "one copy: " + t.lastBytecodeSize + " bytes against " + twice);
            assertEquals(instructions, t.liveInstructionsOfLastUnit(), "the whole loop");
        } finally {
            Translator.unrollHotMaxBytes = Integer.getInteger("vmckpt.jit.unrollHotMaxBytes", 4000);
        }
    }
}
