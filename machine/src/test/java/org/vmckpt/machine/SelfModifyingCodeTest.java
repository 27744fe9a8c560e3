package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.cpu.CodeCache;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Self-modifying code under the translator (src/test/baremetal/smc.S): a guest rewrites the immediate of an
 * {@code addi} in a hot loop, executes fence.i and runs it, (1) in a function on a page of its own and (2) a few
 * instructions ahead of the store, in the page of the running loop. The result must be what the program computes
 * on paper (simulated here), equal under the interpreter and the translator, with equal state hashes at equal
 * instruction counts; the translator must have run code and dropped translations of the rewritten pages.
 */
class SelfModifyingCodeTest {
    static final int N1 = 20_000, N2 = 40, M2 = 20_000;
    static final long MAX = 50_000_000;
    /** Phase 1 ends after 4,660,706 instructions (4 + N1 * 233 + 78 rewrites * 9); phase 2 runs 5.6 M more. */
    static final long PHASE1 = 4_660_706;
    /** Counts in phase 1, right after its end (index 2), and in phase 2. */
    static final long[] COUNTS = {1_000_003, 3_333_333, PHASE1 + 10, 6_555_557, 9_000_001};

    /** What smc.S leaves in s0 (see the comment there). */
    static long expected() {
        long s0 = 0x12345;
        long k = 5;
        for (long i = N1; i >= 1; i--) {
            if ((i & 255) == 0) k = i & 0x7ff;
            long a = s0;
            for (int round = 0; round < 32; round++) {
                a += k;
                a ^= a << 7;
                a ^= a >>> 9;
            }
            s0 = a + i;
        }
        for (long i = N2; i >= 1; i--) {
            k = i & 0x7ff;
            long a = s0;
            for (int round = 0; round < M2; round++) {
                a += k;
                a ^= a << 7;
                a ^= a >>> 9;
            }
            s0 = a + i;
        }
        return s0;
    }

    @Test
    void rewrittenCodeRunsTheSameUnderBothEngines() throws Exception {
        long want = expected();
        EngineRun interp = EngineRun.run("smc.elf", false, MAX, COUNTS);
        assertEquals(want, interp.s0, "the interpreter computes what the program says");
        assertEquals((int) (want & 0x3fffffff), interp.exit);
        EngineRun jit = EngineRun.run("smc.elf", true, MAX, COUNTS);
        System.out.println("SelfModifyingCodeTest: " + interp.instret + " instructions; translator " + jit.stats);
        assertEquals(want, jit.s0, "the translator computes what the program says (stale code ran if not)");
        EngineRun.assertSameRun(interp, jit, COUNTS);
        CodeCache.Stats p1 = jit.statsAt.get(2), end = jit.stats;
        System.out.println("SelfModifyingCodeTest: after phase 1 " + p1);
        assertTrue(p1.translatedInstructionsRun() > 0, "phase 1 (function on its own page) ran no translated code: " + p1);
        assertTrue(p1.invalidations() > 0, "phase 1 invalidated no translation: " + p1);
        assertTrue(end.translatedInstructionsRun() > p1.translatedInstructionsRun(), "phase 2 (code in the running loop's page) ran no translated code: " + end);
        assertTrue(end.invalidations() > p1.invalidations(), "phase 2 invalidated no translation: " + end);
        assertTrue(end.deferrals() > p1.deferrals(), "no unit of phase 2 met the store into its own page: " + end);
    }
}
