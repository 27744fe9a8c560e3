package org.vmckpt.machine.cpu;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link JitCounts}' line (-Dvmckpt.jit.counts, round 71) reports the hart's and its code cache's totals as they are:
 * bench/cpu/jit-phases.py subtracts two lines to get a phase's counts, so a field that named the wrong counter would
 * make every phase's figure wrong without a sign.
 */
class JitCountsTest {
    static final long BASE = 0x8000_0000L;

    private static Map<String, String> fields(String line) {
        Map<String, String> m = new HashMap<>();
        for (String t : line.split(" ")) {
            int i = t.indexOf('=');
            if (i > 0) m.put(t.substring(0, i), t.substring(i + 1));
        }
        return m;
    }

    @Test
    void theLineGivesTheHartsAndTheCachesTotals() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setPromotionThreshold(Long.MAX_VALUE);
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < 40; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * 40, j(-4 * 40, 0));
        h.pc = BASE;
        while (h.instret < 3_000_000) h.run(4096);
        CodeCache.Stats s = h.translationStats();
        assertTrue(s.unitsTranslated() > 0 && s.translatedInstructionsRun() > 0, "the loop was translated: " + s);
        Map<String, String> f = fields(JitCounts.line(h, ManagementFactory.getThreadMXBean(), Thread.currentThread().getId()));
        assertEquals(Long.toString(h.instret), f.get("instret"));
        assertEquals(Long.toString(s.translatedInstructionsRun()), f.get("translated"));
        assertEquals(Long.toString(s.unitsTranslated()), f.get("units"));
        assertEquals(Long.toString(s.liveUnits()), f.get("live"));
        assertEquals(Long.toString(s.liveInstructions()), f.get("liveInsns"));
        assertEquals(Long.toString(s.unitRuns()), f.get("unitRuns"));
        assertEquals(Long.toString(s.chainedRuns()), f.get("chained"));
        assertEquals(Long.toString(s.invalidations()), f.get("invalidated"));
        assertEquals(Long.toString(s.flushes()), f.get("flushes"));
        assertTrue(Long.parseLong(f.get("runCpuNs")) > 0, "the run thread's CPU");
        assertEquals(Long.toString(h.ram.materializedPages()), f.get("pagesMaterialized"));
        assertTrue(h.ram.materializedPages() > 0, "the loop's page was given an array");
    }
}
