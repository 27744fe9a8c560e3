package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

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
}
