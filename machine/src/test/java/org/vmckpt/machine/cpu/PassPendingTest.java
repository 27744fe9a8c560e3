package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.BackgroundTranslatorTest.*;

/**
 * {@link CodeCache#passPending} (round 85): interpreted blocks run through an entry whose unit is pending instead of ending
 * there. A loop's head gets hot, its job is held on the translator thread, and the guest interprets the loop: with the
 * switch block mode hands the dispatcher the jump to the head only as a heat sample (about 1 in
 * {@link Interpreter#HEAT_SAMPLE}) and a block does not stop before it, where without it every jump there ends the block;
 * the job still gathers what is interpreted from its entry (the queue's order); once the unit is installed the jump ends
 * the block again and the loop runs translated; and the hart is the interpreter's at every step.
 */
class PassPendingTest {
    /** A loop of a straight line: x5 += 1, x6 += 1, x7 += x5, then back (its head the job's entry). */
    static final int[] LOOP = {addi(5, 5, 1), addi(6, 6, 1), add(7, 7, 5), j(-12, 0)};
    /** The loop's head, in the page of the first job (a jump at CODE to HEAD), so that a block can begin before it. */
    static final long HEAD = CODE + 0x100;

    /** How many of 64 jumps to {@code target} block mode hands the dispatcher. */
    static int handedOver(Hart h, long target) {
        int n = 0;
        for (int k = 0; k < 64; k++) if (h.interpreter.endsBlock(target)) n++;
        return n;
    }

    /** Runs the scenario with the switch {@code on}; returns the jumps to the pending head handed over, of 64. */
    static int scenario(boolean on) {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch taken = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = holdFirst(taken, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        jit.codeCache.passPending = on;
        for (Hart h : new Hart[] {jit, ref}) {
            put(mem(h), CODE, new int[] {j((int) (HEAD - CODE), 0)});
            put(mem(h), HEAD, LOOP);
        }
        // CODE's job is taken and held (threshold 1: its first look-up); the loop's head gets hot and its job waits behind it.
        for (int k = 0; k < 1000 && (taken.getCount() > 0 || !(jit.codeCache.unitAt(HEAD - BASE) instanceof PendingUnit)); k++) jit.run(4096);
        await(taken);
        TranslatedUnit p = jit.codeCache.unitAt(HEAD - BASE);
        assertInstanceOf(PendingUnit.class, p, "the loop's head is pending");
        int before = ((PendingUnit) p).interpreted;
        // The loop interpreted while its job is held: every budget from 1 to 40, then whole batches, against the interpreter.
        for (int b = 1; b <= 40; b++) {
            jit.run(b);
            runTo(ref, jit.instret);
            assertSame(jit, ref);
        }
        for (int k = 0; k < 50; k++) jit.run(4096);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertEquals(0, jit.translationStats().translatedInstructionsRun(), "nothing ran translated before installation");
        assertTrue(((PendingUnit) p).interpreted > before, "the job gathered what was interpreted from its entry: " + ((PendingUnit) p).interpreted);
        int handed = handedOver(jit, HEAD);
        assertEquals(on ? -1 : HEAD, jit.codeCache.nextEntry(jit, HEAD - 8), "a block from before the head stops there only without the switch");
        go.countDown();
        awaitHandedBack(jit);
        goOnAsTheInterpreter(jit, ref, 100_000); // installed at a look-up's miss, then run translated
        assertEquals(64, handedOver(jit, HEAD), "every jump to the installed unit's entry is handed over");
        assertEquals(HEAD, jit.codeCache.nextEntry(jit, HEAD - 8), "a block stops before the installed unit's entry");
        for (int b = 1; b <= 40; b++) {
            jit.run(b);
            runTo(ref, jit.instret);
            assertSame(jit, ref);
        }
        return handed;
    }

    @Test
    void withTheSwitchAJumpToAPendingEntryIsHandedOverOnlyAsASample() {
        int handed = scenario(true);
        assertTrue(handed >= 1 && handed <= 8, "about 64 / HEAT_SAMPLE of 64 jumps handed over: " + handed);
    }

    @Test
    void withoutItEveryJumpToAPendingEntryEndsTheBlock() {
        assertEquals(64, scenario(false));
    }

    /**
     * The differential test's random programs ({@link TranslatorDifferentialTest#generator}: every mode, traps, stores
     * into code) on a hart whose units are built on a translator thread that is slowed (2 ms a job), so that entries
     * stay pending while the guest interprets through them, with the switch on: the hart's state and RAM are the
     * interpreter's at six counts of each run (TranslatorDifferentialTest's and TranslatorLinuxOracleTest's harts
     * translate on the guest's thread, where no entry is ever pending).
     */
    @Test
    void randomProgramsWithPendingEntriesPassedThroughAreTheInterpreters() {
        long pendingInterpreted = 0, translated = 0, invalidations = 0;
        int[][] seeds = {{Hart.PRIV_M, 1}, {Hart.PRIV_M, 2}, {Hart.PRIV_S, 11}, {Hart.PRIV_S, 12}, {Hart.PRIV_U, 31},
                {TranslatorDifferentialTest.MPRV, 51}};
        for (int[] ms : seeds) {
            int mode = ms[0], seed = ms[1];
            TranslatorDifferentialTest g = TranslatorDifferentialTest.generator(seed, mode);
            byte[] image = g.build(120 + seed % 5 * 40);
            Hart interp = TranslatorDifferentialTest.newHart(image, false);
            Hart jit = TranslatorDifferentialTest.newHart(image, true);
            BackgroundTranslator bt = new BackgroundTranslator("test-translator");
            long[] interpretedAtTake = {0};
            bt.beforeBuild = p -> {
                interpretedAtTake[0] += p.interpreted; // (what the guest interpreted from its entry while it was queued)
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            jit.codeCache.background = bt;
            jit.codeCache.passPending = true;
            Random ba = new Random(seed * 31L + 1), bb = new Random(seed * 31L + 2);
            for (int k = 1; k <= 6; k++) {
                long at = 3_000_000L * k / 6 - (k < 6 ? 7 * k : 0);
                TranslatorDifferentialTest.runTo(interp, at, ba);
                TranslatorDifferentialTest.runTo(jit, at, bb);
                String d = TranslatorDifferentialTest.diff(interp, jit);
                assertTrue(d.isEmpty(), "mode " + mode + " seed " + seed + ": state differs at instret " + at + ": " + d);
                assertEquals(-1, TranslatorDifferentialTest.firstRamDifference(interp, jit), "mode " + mode + " seed " + seed + ": RAM at " + at);
            }
            CodeCache.Stats s = jit.translationStats();
            translated += s.translatedInstructionsRun();
            invalidations += s.invalidations();
            pendingInterpreted += interpretedAtTake[0];
        }
        assertTrue(translated > 0, "the translator never ran code: the comparison proved nothing");
        assertTrue(invalidations > 0, "the self-patching store never invalidated a translation");
        assertTrue(pendingInterpreted > 0, "no job's entry was interpreted while it was pending");
    }
}
