package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.vmckpt.machine.cpu.Asm.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The unchecked TLB reads' bound ({@link Translator#uncheckedTlbLimit}), with the reads on ({@link Translator#uncheckedTlb}): a hot-tier build whose bytecode plus the
 * bytecode C2 inlines for its {@code Mmu.tagAt}/{@code pageAt} calls is over the bound is generated with the checked
 * array reads (no call to either in its class), one under it keeps the calls, and C1 units never have them. Checked on
 * two constructed loops, one load per iteration and 24: the bound is set between the two builds' totals.
 */
class UncheckedTlbLimitTest {
    @BeforeEach
    void unchecked() {
        Translator.uncheckedTlb = true; // (off by default: round 51)
    }

    @AfterEach
    void restore() {
        Translator.uncheckedTlbLimit = Translator.UNCHECKED_TLB_LIMIT;
        Translator.uncheckedTlb = Boolean.getBoolean("vmckpt.jit.uncheckedTlb");
    }

    /** A loop of {@code loads} doubleword loads through x10 summed into x11, and its back branch; then a ret. */
    static byte[] loop(int loads) {
        int[] code = new int[2 * loads + 2];
        for (int k = 0; k < loads; k++) {
            code[2 * k] = ld(5, 10, 8 * k);
            code[2 * k + 1] = add(11, 11, 5);
        }
        code[2 * loads] = b(-8 * loads, 0, 6, 1); // bne x6, x0, head
        code[2 * loads + 1] = i(0, 1, 0, 0, 0x67); // ret
        byte[] page = new byte[4096];
        for (int k = 0; k < code.length; k++) {
            for (int b = 0; b < 4; b++) page[4 * k + b] = (byte) (code[k] >>> (8 * b));
        }
        return page;
    }

    /** The unit of {@code page}'s loop in the tier asked, with whether its class calls Mmu.tagAt or pageAt. */
    record Built(TranslatedUnit unit, boolean callsUnchecked, int bytecode) { }

    static Built build(byte[] page, boolean hot) {
        Translator t = new Translator();
        TranslatedUnit u = t.translate(page, 7, null, -1, 0, hot);
        assertNotNull(u);
        String cls = new String(t.lastClassBytes, StandardCharsets.ISO_8859_1);
        return new Built(u, cls.contains("tagAt") || cls.contains("pageAt"), t.lastBytecodeSize);
    }

    @Test
    void aBuildOverTheBoundHasTheCheckedReads() {
        byte[] small = loop(1), large = loop(24);
        Translator.uncheckedTlbLimit = 0; // (no bound: both keep the calls; their counts set the bound below)
        Built s = build(small, true), l = build(large, true);
        assertTrue(s.callsUnchecked(), "the small loop's hot build calls tagAt");
        assertTrue(l.callsUnchecked(), "the large loop's hot build calls tagAt");
        assertTrue(l.unit().inlineTotal >= l.bytecode() + 24 * (Translator.TAG_AT_INLINE + Translator.PAGE_AT_INLINE),
                "the count holds every access's calls: " + l.unit().inlineTotal);
        assertTrue(l.unit().inlineTotal > s.unit().inlineTotal + 1000, s.unit().inlineTotal + " " + l.unit().inlineTotal);
        assertFalse(s.unit().checkedTlb || l.unit().checkedTlb);

        Translator.uncheckedTlbLimit = (s.unit().inlineTotal + l.unit().inlineTotal) / 2;
        long before = Translator.checkedTlbBuilds.get();
        Built s2 = build(small, true), l2 = build(large, true);
        assertTrue(s2.callsUnchecked(), "under the bound: the calls");
        assertFalse(s2.unit().checkedTlb);
        assertFalse(l2.callsUnchecked(), "over the bound: the checked reads");
        assertTrue(l2.unit().checkedTlb);
        assertEquals(l.unit().instructionCount, l2.unit().instructionCount, "the same region");
        assertTrue(l2.bytecode() < l.bytecode(), "the checked reads are fewer bytes: " + l2.bytecode() + " against " + l.bytecode());
        assertEquals(before + 1, Translator.checkedTlbBuilds.get(), "one build generated again");
    }

    @Test
    void c1UnitsNeverCallThem() {
        Translator.uncheckedTlbLimit = 0;
        assertFalse(build(loop(1), false).callsUnchecked());
        assertFalse(build(loop(24), false).callsUnchecked());
    }
}
