package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The existing bare-metal programs, compiled C, under the translator and the interpreter in deterministic mode:
 * equal state hashes at equal instruction counts (split at odd counts and at batch boundaries) and equal ends.
 * selftest.elf exercises the ISA broadly and ends through HTIF; memwalk.elf writes pseudo-random words over 4 MiB
 * while taking timer interrupts and printing on the UART, and never ends.
 */
class TranslatorElfDifferentialTest {
    @Test
    void selfTestUnderBothEngines() throws Exception {
        long length = EngineRun.run("selftest.elf", false, 50_000_000).instret;
        assertTrue(length > 20_000, "self test length " + length);
        long[] counts = {4096, length / 3 + 1, length - 1000};
        EngineRun interp = EngineRun.run("selftest.elf", false, 50_000_000, counts);
        assertEquals(0, interp.exit, "the self test passes interpreted: " + interp.console);
        EngineRun jit = EngineRun.run("selftest.elf", true, 50_000_000, counts);
        System.out.println("TranslatorElfDifferentialTest selftest: " + interp.instret + " instructions; translator " + jit.stats);
        EngineRun.assertSameRun(interp, jit, counts);
        // A deterministic machine builds its units on the guest's thread, when they get hot, never on the translator thread.
        assertTrue(jit.stats.unitsTranslated() > 0 && jit.stats.translationNanos() > 0 && jit.stats.backgroundNanos() == 0, jit.stats.toString());
    }

    @Test
    void memoryWalkWithTimerInterruptsUnderBothEngines() throws Exception {
        long[] counts = {1_000_001, 8_192_000, 13_333_337, 20_000_000};
        long end = 30_000_000;
        EngineRun interp = EngineRun.run("memwalk.elf", false, end, counts);
        assertNull(interp.exit, "memwalk never ends");
        assertTrue(interp.console.contains("heartbeat"), "memwalk printed heartbeats (timer interrupts): " + interp.console);
        EngineRun jit = EngineRun.run("memwalk.elf", true, end, counts);
        System.out.println("TranslatorElfDifferentialTest memwalk: translator " + jit.stats);
        EngineRun.assertSameRun(interp, jit, counts);
    }
}
