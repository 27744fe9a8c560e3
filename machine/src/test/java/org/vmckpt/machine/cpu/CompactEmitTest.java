package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#compactEmit}: the compact access and exit code. Its accesses that cross a page must still take the
 * slow path (the tag is compared with the page of the access's last byte); its units are smaller than without. The
 * differential test's {@code compactEmitInBothTiers} compares whole random programs (faults and their exact counts
 * included).
 */
class CompactEmitTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000;

    /** These tests count a unit's leaves: the rebuild of units that leave often (on by default) would replace it. */
    @BeforeEach
    void noRebuild() {
        CodeCache.c1MissRebuild = 0;
    }

    @AfterEach
    void asBefore() {
        CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
        Translator.compactEmit = Boolean.getBoolean("vmckpt.jit.compactEmit");
        Translator.compactMissLeaves = Boolean.getBoolean("vmckpt.jit.compactMissLeaves");
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
    }

    /**
     * A loop whose loads and stores of every size straddle the end of a page by one byte or more (x9 points 2 bytes
     * before it): every one must read and write the two pages as the interpreter does.
     */
    static Hart straddler(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        int[] body = {
                addi(15, 15, 3),               // (so that a unit that leaves at its first access has retired something)
                ld(10, 9, 0),                  // ld a0, 0(s1): bytes 0xffe..0x1005
                lw(11, 9, -1),                 // lw a1, -1(s1): 0xffd..0x1000
                i(1, 9, 1, 12, 0x03),          // lh a2, 1(s1): 0xfff..0x1000
                lw(13, 9, -2),                 // lw a3, -2(s1): 0xffc..0xfff, inside the page
                add(14, 14, 10), add(14, 14, 11), add(14, 14, 12), add(14, 14, 13),
                sd(14, 9, -4),                 // sd a4, -4(s1): 0xffa..0x1001
                sw(14, 9, 1),                  // sw a4, 1(s1): 0xfff..0x1002
                s(0, 14, 9, 1, 0x23),          // sh a4, 0(s1): 0xffe..0xfff, inside
                s(1, 14, 9, 1, 0x23),          // sh a4, 1(s1): 0xfff..0x1000
                addi(14, 14, 7),
        };
        for (int insn : body) { mem.write32(at, insn); at += 4; }
        mem.write32(at, j((int) (LOOP - at), 0));                 // j loop
        for (int k = 0; k < 1024; k++) mem.write64(DATA + 8L * k, k * 0x9e3779b97f4a7c15L);
        h.x[9] = DATA + 0x1000 - 2;
        h.pc = LOOP;
        return h;
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (int k = 0; k < 1024; k++) {
            assertEquals(ref.bus().ram().read64(DATA + 8L * k), jit.bus().ram().read64(DATA + 8L * k), "doubleword " + k);
        }
    }

    @Test
    void accessesAcrossAPageGiveTheInterpretersState() {
        Translator.compactEmit = true;
        Hart jit = straddler(true), ref = straddler(false);
        UnitWarmUp.runTranslated(jit, 100_000);
        assertTrue(jit.translationStats().translatedInstructionsRun() > 50_000, "translated: " + jit.translationStats());
        sameState(ref, jit);
        for (int budget = 1; budget <= 30; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 20; k++) jit.run(4096);
        sameState(ref, jit);
    }

    /**
     * With {@link Translator#compactMissLeaves} every straddling access leaves its unit before it (and the interpreter
     * runs it): the same state (the units run only the loop's first instruction then).
     */
    @Test
    void accessesAcrossAPageLeavingTheUnitGiveTheInterpretersState() {
        Translator.compactEmit = true;
        Translator.compactMissLeaves = true;
        Hart jit = straddler(true), ref = straddler(false);
        UnitWarmUp.runTranslated(jit, 5_000);
        assertTrue(jit.translationStats().translatedInstructionsRun() >= 5_000, "translated: " + jit.translationStats());
        assertTrue(jit.translationStats().deferrals() > 1_000, "the misses left the units: " + jit.translationStats());
        sameState(ref, jit);
        for (int budget = 1; budget <= 30; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 20; k++) jit.run(4096);
        sameState(ref, jit);
    }

    /** The same region with the compact code: every instruction kept, fewer bytes (the accesses' checks and exits). */
    @Test
    void aUnitOfAccessesIsSmaller() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        for (int k = 0; k < 12; k++) {
            b.putInt(at, ld(10, 9, 8 * k)); at += 4;
            b.putInt(at, add(12, 12, 10)); at += 4;
            b.putInt(at, sw(12, 9, 8 * k + 4)); at += 4;
        }
        b.putInt(at, addi(9, 9, 8)); at += 4;
        b.putInt(at, Asm.b(0x100 - at, 0, 9, 1)); at += 4; // bne s1, x0, head
        b.putInt(at, i(0, 1, 0, 0, 0x67));                  // ret
        Translator t = new Translator();
        boolean groups = Translator.accessGroups;
        Translator.accessGroups = false; // (every access with its own check: grouped ones share their group's)
        Translator.c1MissLeaves = false; // (it would make the C1 unit compact without compactEmit: C1MissLeavesTest)
        TranslatedUnit without, with;
        int withoutBytes, withBytes;
        try {
            Translator.compactEmit = false;
            without = t.translate(page, 7, 0x100);
            withoutBytes = t.lastBytecodeSize;
            Translator.compactEmit = true;
            with = t.translate(page, 7, 0x100);
            withBytes = t.lastBytecodeSize;
        } finally {
            Translator.accessGroups = groups;
        }
        assertEquals(without.instructionCount, with.instructionCount, "the same region");
        // (24 accesses: each loses its page-offset check and its exit stub, ~14 bytes or more)
        assertTrue(withBytes < withoutBytes - 24 * 10, "compact " + withBytes + " bytes against " + withoutBytes);
    }
}
