package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#pruneUnreachable} with the room refilled (round 55): a pruned region is taken again with a larger
 * budget until its live part holds the budget, so a unit built with pruning holds at least the instructions the
 * unpruned unit's entry reaches (its live code), and, where the unpruned region held dead code and the page has more
 * code on the loop, more. Random pages of the shape that made dead code (gzip's deflate loop: a loop that calls
 * functions of its page, some too long for the loop region's cap), every block start an entry, both tiers; then the
 * same pages run by the translator with pruning on against the interpreter.
 */
class PruneRefillTest {
    static final long BASE = TranslatorDifferentialTest.BASE;
    static final int LOOP = 0x40; // the loop's head (a prologue before it)

    @AfterEach
    void switchBack() {
        Translator.pruneUnreachable = Boolean.getBoolean("vmckpt.jit.pruneUnreachable");
    }

    /** A generated page and the offsets where a block starts (entries to translate from). */
    record Program(int[] code, List<Integer> entries) { }

    /**
     * Prologue: x20 = the data area, x28 = a large count; at {@link #LOOP} a loop body of ALU operations, loads and
     * stores through x20, forward branches over a few instructions and calls (jal ra) to 1-4 leaf functions of the page
     * (20-300 instructions each, some with forward branches, then jalr x0, 0(ra)); then x28 -= 1, bne x28, x0 back to the
     * head; j . after it.
     */
    static Program program(long seed) {
        Random rnd = new Random(seed);
        List<Integer> entries = new ArrayList<>();
        int[] code = new int[1024];
        int n = 0;
        code[n++] = u((int) (TranslatorDifferentialTest.DATA - BASE), 20, 0x17); // auipc x20: the data area
        code[n++] = lui(28, 0x10000);
        while (n < LOOP / 4) code[n++] = addi(0, 0, 0);
        entries.add(0);
        entries.add(LOOP);
        int functions = 1 + rnd.nextInt(4);
        int[] length = new int[functions];
        for (int f = 0; f < functions; f++) length[f] = 20 + rnd.nextInt(281);
        int loopItems = 10 + rnd.nextInt(60);
        // The loop first (its calls' targets are known once the functions are placed: place them after a guess of its end).
        int loopEnd = LOOP / 4 + loopItems * 2 + 4;
        int[] start = new int[functions];
        int at = loopEnd;
        for (int f = 0; f < functions; f++) {
            start[f] = at;
            at += length[f] + 1;
        }
        if (at > 1024) return program(seed + 1_000_000); // (does not fit the page: another draw)
        while (n < loopEnd - 3) {
            int kind = rnd.nextInt(10);
            if (kind < 4) code[n++] = alu(rnd);
            else if (kind < 6) code[n++] = access(rnd);
            else if (kind < 8 && n + 6 < loopEnd - 3) {
                int skip = 1 + rnd.nextInt(4);
                code[n] = b(4 * (skip + 1), 5 + rnd.nextInt(4), 5 + rnd.nextInt(4), rnd.nextBoolean() ? 0 : 1);
                n++;
                for (int k = 0; k < skip; k++) code[n++] = alu(rnd);
                entries.add(4 * n);
            } else {
                int f = rnd.nextInt(functions);
                code[n] = j(4 * (start[f] - n), 1);
                n++;
                entries.add(4 * n); // the return point
            }
        }
        code[n++] = addi(28, 28, -1);
        code[n] = b(LOOP - 4 * n, 0, 28, 1); // bne x28, x0, LOOP
        n++;
        code[n] = j(0, 0);
        n++;
        for (int f = 0; f < functions; f++) {
            n = start[f];
            entries.add(4 * n);
            int end = start[f] + length[f];
            while (n < end) {
                if (rnd.nextInt(8) == 0 && n + 5 < end) {
                    int skip = 1 + rnd.nextInt(3);
                    code[n] = b(4 * (skip + 1), 5 + rnd.nextInt(4), 5 + rnd.nextInt(4), rnd.nextBoolean() ? 0 : 1);
                    n++;
                    for (int k = 0; k < skip; k++) code[n++] = alu(rnd);
                    entries.add(4 * n);
                } else {
                    code[n++] = rnd.nextInt(3) == 0 ? access(rnd) : alu(rnd);
                }
            }
            code[n] = i(0, 1, 0, 0, 0x67); // jalr x0, 0(ra)
        }
        return new Program(code, entries);
    }

    /** An ALU operation on x5..x12. */
    static int alu(Random rnd) {
        int rd = 5 + rnd.nextInt(8), a = 5 + rnd.nextInt(8), b = 5 + rnd.nextInt(8);
        switch (rnd.nextInt(4)) {
            case 0: return addi(rd, a, rnd.nextInt(200) - 100);
            case 1: return add(rd, a, b);
            case 2: return r(0, b, a, 4, rd, 0x33); // xor
            default: return r(0x20, b, a, 0, rd, 0x33); // sub
        }
    }

    /** A doubleword load into x5..x12 or a store of one, through x20. */
    static int access(Random rnd) {
        int off = 8 * rnd.nextInt(256);
        return rnd.nextBoolean() ? ld(5 + rnd.nextInt(8), 20, off) : sd(5 + rnd.nextInt(8), 20, off);
    }

    @Test
    void aPrunedUnitHoldsAtLeastTheLiveInstructionsOfTheUnprunedOne() {
        int units = 0, withDeadCode = 0, refilledMore = 0, deadAndNoSmaller = 0;
        long refilledBefore = Translator.refilledRegions.get();
        for (long seed = 1; seed <= 12; seed++) {
            Program p = program(seed);
            byte[] page = WrittenOutAluTest.page(p.code());
            for (int entry : p.entries()) {
                for (boolean hot : new boolean[] {false, true}) {
                    Translator.pruneUnreachable = false;
                    Translator plain = new Translator();
                    TranslatedUnit unpruned = plain.translate(page, 0, null, -1, entry, hot);
                    if (unpruned == null) continue;
                    int live = plain.liveInstructionsOfLastUnit();
                    Translator.pruneUnreachable = true;
                    Translator pruning = new Translator();
                    TranslatedUnit pruned = pruning.translate(page, 0, null, -1, entry, hot);
                    String what = String.format("seed %d, entry %x, %s", seed, entry, hot ? "hot" : "C1");
                    assertNotNull(pruned, what + ": no unit with pruning");
                    assertEquals(pruned.instructionCount, pruning.liveInstructionsOfLastUnit(),
                            what + ": the pruned unit holds unreachable instructions");
                    assertTrue(pruned.instructionCount >= live, what + ": the pruned unit holds " + pruned.instructionCount
                            + " instructions, the unpruned one " + unpruned.instructionCount + " of which " + live + " live");
                    units++;
                    if (live < unpruned.instructionCount) withDeadCode++;
                    if (live < unpruned.instructionCount && pruned.instructionCount >= unpruned.instructionCount) deadAndNoSmaller++;
                    if (pruned.instructionCount > live) refilledMore++;
                }
            }
        }
        System.out.printf("PruneRefillTest: %d units, %d unpruned with unreachable instructions (%d of them pruned no smaller), %d pruned larger in live code%n",
                units, withDeadCode, deadAndNoSmaller, refilledMore);
        // (The case must be there: units whose regions held dead code, and units the refill made larger in live code
        // than the unpruned ones, which pruning alone, round 53's, never does.)
        assertTrue(units > 200, "units compared: " + units);
        assertTrue(withDeadCode > 10, "unpruned units with unreachable instructions: " + withDeadCode + " of " + units);
        assertTrue(refilledMore > 10, "pruned units larger in live code than the unpruned: " + refilledMore + " of " + units);
        // Most units whose region held dead code are refilled to at least the unpruned unit's size (the others ran out of
        // code on the loop, or their refill was over the bytecode bound): 69% with the refill, 12% with pruning alone
        // (round 55, seeds 1-25).
        assertTrue(deadAndNoSmaller * 2 > withDeadCode, "of " + withDeadCode + " units with unreachable instructions only "
                + deadAndNoSmaller + " were as large pruned");
        assertTrue(Translator.refilledRegions.get() > refilledBefore);
    }

    /**
     * With the unchecked TLB reads on ({@link Translator#uncheckedTlb}): where the refill puts a hot-tier build over
     * their bound ({@link Translator#uncheckedTlbLimit}), the region's own live part is built if it stays under it and
     * keeps the unchecked reads. For each hot entry whose unit was refilled, the bound is set one byte under the
     * refilled build's count: the unit is then the smaller live part with the unchecked reads, or (if that is over the
     * bound too) the refilled region with the checked reads.
     */
    @Test
    void aRefillThatWouldLoseTheUncheckedReadsIsNotTaken() {
        Translator.pruneUnreachable = true;
        Translator.uncheckedTlb = true;
        Translator.contextLocal = true;
        int keptUnchecked = 0, checked = 0;
        try {
            for (long seed = 1; seed <= 12; seed++) {
                byte[] page = WrittenOutAluTest.page(program(seed).code());
                for (int entry : program(seed).entries()) {
                    Translator.uncheckedTlbLimit = 0; // no bound
                    long refilled = Translator.refilledRegions.get();
                    TranslatedUnit whole = new Translator().translate(page, 0, null, -1, entry, true);
                    if (whole == null || Translator.refilledRegions.get() == refilled) continue;
                    if (whole.inlineTotal == whole.bytecodeSize) continue; // (no TLB reads: no bound to be over)
                    Translator.uncheckedTlbLimit = whole.inlineTotal - 1;
                    TranslatedUnit u = new Translator().translate(page, 0, null, -1, entry, true);
                    String what = String.format("seed %d, entry %x: refilled %d instructions, count %d", seed, entry,
                            whole.instructionCount, whole.inlineTotal);
                    if (u.checkedTlb) {
                        checked++;
                    } else {
                        assertTrue(u.instructionCount < whole.instructionCount, what + ": over the bound with the unchecked reads");
                        assertTrue(u.inlineTotal <= whole.inlineTotal - 1, what + ": the live part is over the bound");
                        keptUnchecked++;
                    }
                }
            }
        } finally {
            Translator.uncheckedTlbLimit = Translator.UNCHECKED_TLB_LIMIT;
            Translator.uncheckedTlb = Boolean.getBoolean("vmckpt.jit.uncheckedTlb");
            Translator.contextLocal = Boolean.getBoolean("vmckpt.jit.contextLocal");
        }
        System.out.printf("PruneRefillTest: %d refilled hot units over the bound: %d kept the unchecked reads with their live part, %d checked%n",
                keptUnchecked + checked, keptUnchecked, checked);
        assertTrue(keptUnchecked > 10, "refilled hot units that kept the unchecked reads with their region's live part: " + keptUnchecked);
    }

    /** The test case of round 53 ({@link PruneUnreachableTest}): a callee too long for any loop region leaves nothing to refill with. */
    @Test
    void aLoopWithNothingMoreOnItKeepsItsPrunedRegion() {
        Translator.pruneUnreachable = true;
        for (boolean hot : new boolean[] {false, true}) {
            assertEquals(2, PruneUnreachableTest.unit(hot).instructionCount);
        }
    }

    /** The generated pages run by the translator with pruning on (both tiers) against the interpreter. */
    @Test
    void prunedAndRefilledUnitsRunAsTheInterpreter() {
        Translator.pruneUnreachable = true;
        long refilledBefore = Translator.refilledRegions.get(), translated = 0;
        for (long seed = 1; seed <= 12; seed++) {
            Program p = program(seed);
            byte[] image = WrittenOutAluTest.page(p.code());
            Hart ref = TranslatorDifferentialTest.newHart(image, false);
            Hart jit = TranslatorDifferentialTest.newHart(image, true, seed % 2 == 0 ? 2_000 : Long.MAX_VALUE);
            Random ba = new Random(seed), bb = new Random(seed + 1);
            for (long at = 50_000; at <= 300_000; at += 50_000) {
                TranslatorDifferentialTest.runTo(ref, at, ba);
                TranslatorDifferentialTest.runTo(jit, at, bb);
                String d = TranslatorDifferentialTest.diff(ref, jit);
                assertTrue(d.isEmpty(), "seed " + seed + ": state differs at instret " + at + ": " + d);
                assertEquals(-1, TranslatorDifferentialTest.firstRamDifference(ref, jit), "seed " + seed + ": RAM differs at " + at);
            }
            translated += jit.translationStats().translatedInstructionsRun();
        }
        // (Summed over the seeds, as TranslatorDifferentialTest does: after the tests above have defined thousands of
        // units, C1's queue may keep one seed's units waiting through its short run.)
        assertTrue(translated > 0, "nothing ran translated: the comparison proved nothing");
        assertTrue(Translator.refilledRegions.get() > refilledBefore, "no region was refilled: the case was not run");
    }
}
