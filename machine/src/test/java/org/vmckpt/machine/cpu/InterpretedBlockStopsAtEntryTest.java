package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * An interpreted block that begins inside straight-line code (a batch that starts where the last one stopped, the
 * tail a unit left for lack of budget) stops where the next unit of its page starts, instead of running through
 * that unit's code to the next taken jump (block mode hands the dispatcher jumps only). The loop here is longer than
 * one unit, as SHA-256's unrolled rounds are.
 */
class InterpretedBlockStopsAtEntryTest {
    static final long BASE = 0x8000_0000L;

    /** A hart running a loop of {@code body} instructions (each {@code insn}, {@code len} bytes) and a jump back. */
    private static Hart loop(int body, int insn, int len) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(1);
        h.codeCache.maxLoopInstructions = 0; // a chain of units, as for a loop longer than a loop region's bound
        h.codeCache.maxStraightInstructions = 0; // (64-instruction pieces, as a straight line longer than those regions)
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < body; k++) {
            if (len == 4) mem.write32(BASE + 4L * k, insn);
            else mem.write16(BASE + 2L * k, (short) insn);
        }
        mem.write32(BASE + (long) len * body, j(-len * body, 0));
        // Whole iterations only, so that units start at the loop's head and where the instruction limit cut it. Units
        // are marked compiled as they appear (the dispatcher runs them without waiting for HotSpot's probe).
        h.pc = BASE;
        for (int k = 0; k < 1000; k++) {
            h.run(body + 1);
            for (int off = 0; off < 4096; off += 2) {
                TranslatedUnit u = h.codeCache.unitAt(off);
                if (u != null && u != TranslatedUnit.UNTRANSLATABLE) u.compiled = true;
            }
        }
        assertEquals(BASE, h.pc);
        return h;
    }

    /** The unit that starts at page offset {@code off}, marked compiled (the dispatcher runs it without probing). */
    private static TranslatedUnit unitAt(Hart h, int off) {
        TranslatedUnit u = h.codeCache.unitAt(off);
        assertNotNull(u, "a unit starts at offset " + off + ": " + h.translationStats());
        u.compiled = true;
        return u;
    }

    @Test
    void aBatchThatStartsInsideStraightLineCodeRunsTheNextUnitOnceItReachesIt() {
        Hart h = loop(100, addi(5, 5, 1), 4); // units at 0 (64 instructions, cut by the limit) and at 256 (36 and the jump)
        unitAt(h, 0);
        unitAt(h, 256);
        h.pc = BASE + 248; // two instructions before the second unit
        long x5 = h.x[5];
        long translated = h.translationStats().translatedInstructionsRun();
        assertEquals(50, h.run(50));
        assertEquals(x5 + 49, h.x[5], "49 additions and the jump back ran");
        // Interpreted up to the jump back, the block would have gone on to offset 0, whose unit's first block (64
        // instructions) does not fit in the 11 left: nothing would have run translated. (The 11 are interpreted.)
        assertEquals(37, h.translationStats().translatedInstructionsRun() - translated,
                "the interpreter ran the two instructions before the unit at 256, that unit the rest of the iteration");
    }

    @Test
    void theInterpreterNeverPassesTheNextEntryOfItsPageThroughCompressedCode() {
        Hart h = loop(200, 0x0285 /* c.addi x5, 1 */, 2); // units at 0, 128, 256 and 384
        CodeCache cc = h.codeCache;
        assertNotNull(cc.unitAt(256), "a unit starts at offset 256: " + h.translationStats());
        h.pc = BASE + 200;
        long x5 = h.x[5];
        assertEquals(BASE + 256, cc.nextEntry(h, h.pc), "the next entry after offset 200");
        assertEquals(28, h.interpreter.interpret(4096, true, cc.nextEntry(h, h.pc)), "the 28 instructions up to it, in one block");
        assertEquals(BASE + 256, h.pc, "stopped at the entry");
        assertEquals(x5 + 28, h.x[5]);
        assertEquals(-1, cc.nextEntry(h, BASE + 386), "no entry after the last unit's in the page: no address to stop at");
    }
}
