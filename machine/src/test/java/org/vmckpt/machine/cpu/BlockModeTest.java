package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Block mode (the interpreter under the translator's dispatcher): which jumps it hands to the dispatcher. A jump to
 * where a unit starts always; a jump into a page that holds translations but to an offset where none starts, only
 * as a sample (1 in {@link Interpreter#HEAT_SAMPLE}), as anywhere else; and the sample spreads over every jump of a
 * loop instead of locking onto one of them.
 */
class BlockModeTest {
    static final long BASE = 0x8000_0000L;

    /** A hart whose page at BASE holds one unit, entered at offset 0 (a two-instruction loop). */
    static Hart hartWithAUnitAtBase() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(1);
        GuestMemory mem = h.bus().ram();
        mem.write32(BASE, addi(5, 5, 1));
        mem.write32(BASE + 4, j(-4, 0));
        mem.write32(BASE + 0x100, addi(6, 6, 1)); // a loop where no unit starts
        mem.write32(BASE + 0x104, j(-4, 0));
        mem.write32(BASE + 0x200, j(-0x200, 0)); // a jump to the unit's entry
        h.pc = BASE;
        for (int k = 0; k < 1000 && h.translationStats().unitsTranslated() == 0; k++) h.run(64);
        assertEquals(1, h.translationStats().unitsTranslated(), "the loop at BASE is a unit");
        assertTrue(mem.isCodePage(0), "its page holds translations");
        return h;
    }

    @Test
    void aJumpIntoACodePageWhereNoUnitStartsDoesNotEndTheBlock() {
        Hart h = hartWithAUnitAtBase();
        h.pc = BASE + 0x100;
        int ran = h.interpreter.interpret(4096, true);
        // Every jump into a code page used to end the block: one iteration (2 instructions).
        assertTrue(ran > 6, "several iterations of the loop ran before a sampled jump ended the block: " + ran);
        assertTrue(ran < 4096, "a sampled jump ended the block");
        assertEquals(BASE + 0x100, h.pc);
    }

    @Test
    void aJumpToWhereAUnitStartsEndsTheBlock() {
        Hart h = hartWithAUnitAtBase();
        h.pc = BASE + 0x200;
        assertEquals(1, h.interpreter.interpret(4096, true), "the jump to the unit's entry ended the block");
        assertEquals(BASE, h.pc);
    }

    @Test
    void aWriteToThePageForgetsItsEntries() {
        Hart h = hartWithAUnitAtBase();
        h.bus().ram().write32(BASE + 0x300, 0); // drops the page's translations
        assertFalse(h.bus().ram().isCodePage(0));
        h.pc = BASE + 0x200;
        int ran = h.interpreter.interpret(4096, true);
        assertTrue(ran > 6, "no unit starts at BASE any more: its loop runs on in the interpreter: " + ran);
    }

    @Test
    void aLoopInACodePageGetsHotAfterAboutThresholdIterations() {
        Hart h = hartWithAUnitAtBase();
        h.setTranslationThreshold(3_200);
        h.pc = BASE + 0x100; // the two-instruction loop where no unit starts yet
        long start = h.instret;
        while (h.translationStats().unitsTranslated() < 2 && h.instret < start + 2 * 6_400) h.run(64);
        // A sampled jump stands for 16 and gathers 16 of heat; counted as one, the loop would need 16 times as long.
        assertEquals(2, h.translationStats().unitsTranslated(),
                "the loop was translated within twice the threshold in iterations: " + h.translationStats());
    }

    @Test
    void theSampleSpreadsOverEveryJumpOfALoop() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.bus().ram().write32(BASE, j(0, 0));
        h.pc = BASE;
        h.run(1); // the fetch TLB now maps the page (a jump into an unmapped page always ends the block)
        // A loop with four jumps per iteration, 800 iterations: each jump should be sampled about 800 / 16 = 50 times.
        // (Sampling every 16th jump gave one of them 200 samples and the other three none.)
        int[] sampled = new int[4];
        for (int it = 0; it < 800; it++) {
            for (int k = 0; k < 4; k++) if (h.interpreter.endsBlock(BASE + 0x40L * (k + 1))) sampled[k]++;
        }
        for (int k = 0; k < 4; k++) {
            assertTrue(sampled[k] >= 30 && sampled[k] <= 70, "jump " + k + " sampled " + sampled[k] + " times of 800");
        }
    }
}
