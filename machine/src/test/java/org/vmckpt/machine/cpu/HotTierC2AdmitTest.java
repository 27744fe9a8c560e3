package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.HotTierC2OrderTest.*;

/**
 * The admission rule for C2's one slot ({@link CodeCache#HOT_C2_ADMIT}, {@code -Dvmckpt.jit.hotC2Admit}, off by default;
 * the caches here set it): a build is not asked for C2 while a contender (a build decided for C2 at once, made or being
 * made, not yet asked for) has the larger share per byte of bytecode; it is asked for later, once its share has grown
 * or the contender has gone. A guest loop calls two functions in pages of their own, each a loop of the same code: Y's
 * loop 400 times a call (~1,200 instructions), X's as many times as the outer loop has gone round (times
 * {@link #STEP}), so X starts with a small share and grows past Y's. Machine mode, {@link CodeCache#HOT_C2_KERNEL} on
 * (never booted here: every build goes to C2 at once). C2's slot is held by a C1 unit (tier-1 code, never C2's: as a
 * build whose C2 task is still queued) while both loops' builds are made and looked at; then the slot is freed and X's
 * units are made to look while Y's do not (Y's build waits, its unit within the staleness bound). Without the rule X's
 * build is asked for at X's look (main's first come, first served); with it Y's is, at X's look; and while Y's build is
 * still to come (as on the translator thread), the slot stays free until X's share has grown past Y's.
 */
class HotTierC2AdmitTest {
    private static final long BASE = HotTierShareTest.BASE;
    private static final int X = HotTierShareTest.X, Y = HotTierShareTest.Y, STEP = 1;

    private static Hart hart(boolean translate, boolean admit) {
        Hart h = HotTierShareTest.hart(translate, 0);
        GuestMemory ram = h.bus().ram();
        // x9 += STEP; jal ra, X; jal ra, Y; j back
        int[] outer = {addi(9, 9, STEP), j(X - 4, 1), j(Y - 8, 1), j(-12, 0)};
        for (int k = 0; k < outer.length; k++) ram.write32(BASE + 4L * k, outer[k]);
        // X: xc = x9; loop { xs += 1; xc -= 1 } while xc != 0; ret (Y's code with x9 for x0: the same bytecode)
        int[] x = {addi(5, 9, 0), addi(6, 6, 1), addi(5, 5, -1), b(-8, 0, 5, 1), i(0, 1, 0, 0, 0x67)};
        for (int k = 0; k < x.length; k++) ram.write32(BASE + X + 4L * k, x[k]);
        HotTierShareTest.function(ram, Y, 7, 8, 400);
        if (translate) {
            CodeCache c = h.codeCache;
            HotTierC2OrderTest.oneC2Slot(c);
            c.hotC2Order = false;
            c.hotC2Admit = admit;
            c.hotC2AdmitSpan = 1; // (shares over the span since each count began, however short)
            c.hotC2AdmitFloor = 0;
        }
        return h;
    }

    private static boolean builds(TranslatedUnit[] us, TranslatedUnit build) {
        for (TranslatedUnit u : us) if (u.promoted == build) return true;
        return false;
    }

    /** A run to the moment the slot frees with both loops' builds waiting, X's units about to look and Y's not. */
    private static final class Setup {
        final Hart jit, ref;
        final CodeCache c;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit holder;
        TranslatedUnit[] xs, ys;

        Setup(boolean admit) {
            assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
            jit = hart(true, admit);
            ref = hart(false, false);
            c = jit.codeCache;
            // The holder: a C1 unit of another hart, which never runs again (so HotSpot never takes it to C2 on its own).
            Hart other = hart(true, false);
            while (holder == null && System.nanoTime() < deadline) {
                other.run(4096);
                holder = other.codeCache.unitAt(0); // its outer loop's C1 unit
            }
            assertNotNull(holder, "the other hart's outer loop's unit: " + other.translationStats());
            // Compiled at C1 before it holds the slot (a queued task of a method that no longer runs may be dropped as stale).
            HotSpotCompiler hs = HotSpotCompiler.get();
            while (hs.compiledTier(holder) <= 0 && System.nanoTime() < deadline) {
                if (!hs.compiledOrQueued(holder)) hs.request(holder, HotSpotCompiler.TIER_C1);
                Thread.onSpinWait();
            }
            int tier = hs.compiledTier(holder);
            assertTrue(tier > 0 && tier != HotSpotCompiler.TIER_C2, "the holder is C1 code: the slot stays held (tier " + tier + ")");
            c.c2Pending = holder; // C2's slot held: a task not done
            c.c2SlotHeld = true; // (held even if HotSpot takes the holder's code away meanwhile)
            TranslatedUnit[][] waiting = bothWaiting(jit, deadline, 100_000, holder); // (both loops' units look, the slot held throughout)
            xs = waiting[0];
            ys = waiting[1];
            // The slot frees; X's units look at their next entries, Y's not (Y's build waits, its looks recent).
            freeTheSlotXLooksFirst(c, xs, ys);
        }

        /** Runs until a build is asked for C2 or {@code to}; returns it (null: none). */
        TranslatedUnit runToAsk(long to) {
            while (c.c2Pending == null && jit.instret < to && System.nanoTime() < deadline) jit.run(16);
            return c.c2Pending;
        }

        /** Both go on to C2's code, one at a time; the hart stays in step with the interpreter. */
        void finish() {
            for (TranslatedUnit y : ys) y.untilHot = 1; // (Y looks again)
            while (!(hotWithC2(jit, X) && hotWithC2(jit, Y)) && System.nanoTime() < deadline) jit.run(4096);
            assertTrue(hotWithC2(jit, Y) && hotWithC2(jit, X), "both loops installed with C2's code: " + jit.translationStats());
            HotTierShareTest.run(jit, ref, jit.instret + 100_000);
        }
    }

    @Test
    void aLowShareBuildIsNotAskedForWhileABusierOneWaits() {
        Setup s = new Setup(true);
        double sx = 0, sy = 0;
        for (TranslatedUnit x : s.xs) sx = Math.max(sx, s.c.c2AdmitShare(x, s.jit.instret));
        for (TranslatedUnit y : s.ys) sy = Math.max(sy, s.c.c2AdmitShare(y, s.jit.instret));
        assertTrue(sy > 2 * sx, "Y's loop runs the larger share so far: " + sy + " " + sx);
        // X's unit looks with the slot free: X's build is refused and Y's, made and waiting, asked for at X's look.
        TranslatedUnit asked = s.runToAsk(s.jit.instret + 100_000);
        assertNotNull(asked, "a build asked for once the slot was free: " + s.jit.translationStats());
        assertTrue(builds(s.ys, asked), "X's build (share " + sx + ") not asked for C2 while Y's (share " + sy + ") waits: Y's asked at X's look");
        assertTrue(s.c.hotC2AdmitRefusals > 0 && s.c.hotC2AdmitRefusedBuilds >= 1 && s.c.hotC2AdmitHandoffs >= 1,
                "refusal and hand-off counted: " + s.c.hotC2AdmitRefusals + " " + s.c.hotC2AdmitHandoffs);
        s.finish(); // (X's build asked for and installed later, Y's gone; which unit of X's page it is varies with HotSpot's timing)
    }

    @Test
    void aRefusedBuildIsAskedForOnceItsShareGrows() {
        Setup s = new Setup(true);
        // Y's build as it is while the translator thread makes it (its unit decided and queued, no build yet): Y may come.
        TranslatedUnit[] yBuilds = new TranslatedUnit[s.ys.length];
        for (int k = 0; k < s.ys.length; k++) {
            yBuilds[k] = s.ys[k].promoted;
            s.ys[k].promoted = null;
            assertTrue(s.ys[k].promotionQueued || (s.ys[k].promotionQueued = true), "(queued)");
        }
        TranslatedUnit asked = s.runToAsk(s.jit.instret + 50_000);
        assertNull(asked, "X's build refused while Y's comes, the slot left free");
        assertTrue(s.c.hotC2AdmitRefusals > 0, "refused");
        assertEquals(0, s.c.hotC2AdmitHandoffs, "no build of Y's to ask for yet");
        // The slot held again (another build's compile) while X's calls grow past Y's; both units look meanwhile.
        TranslatedUnit holder = s.holder;
        s.c.c2Pending = holder;
        s.c.c2SlotHeld = true; // (held even if HotSpot takes the holder's code away meanwhile)
        for (TranslatedUnit y : s.ys) y.untilHot = 1;
        HotTierTest.runTo(s.jit, s.jit.instret + 4_000_000); // (X's calls ~3,600 instructions by the end, Y's 1,200)
        assertSame(holder, s.c.c2Pending, "nothing asked for C2 while the slot was held");
        StringBuilder seen = new StringBuilder();
        for (TranslatedUnit x : s.xs) seen.append(String.format(" %x dead %b ran %d", x.key, x.dead, x.orderRan));
        s.xs = waiting(s.jit, X); // (X's units now: a unit of X's page may have been made again meanwhile)
        for (TranslatedUnit x : s.xs) seen.append(String.format(" now %x ran %d", x.key, x.orderRan));
        double sx = 0, sy = 0;
        for (TranslatedUnit x : s.xs) sx = Math.max(sx, s.c.c2AdmitShare(x, s.jit.instret));
        for (TranslatedUnit y : s.ys) sy = Math.max(sy, s.c.c2AdmitShare(y, s.jit.instret));
        assertTrue(sx > sy, "X's share has grown past Y's: " + sx + " " + sy + ";" + seen);
        // The slot frees; X's units look first again: X's build goes now, Y's still to come.
        freeTheSlotXLooksFirst(s.c, s.xs, s.ys);
        long refusals = s.c.hotC2AdmitRefusals;
        asked = s.runToAsk(s.jit.instret + 100_000);
        assertNotNull(asked, "X's build asked for once its share grew (refusals " + refusals + " -> " + s.c.hotC2AdmitRefusals + "): " + s.jit.translationStats());
        assertTrue(builds(s.xs, asked), "the build asked for is X's");
        // (Which unit of X's page gets it varies with HotSpot's timing: the refused one, or another whose share grew with it.)
        for (int k = 0; k < s.ys.length; k++) s.ys[k].promoted = yBuilds[k]; // (Y's build made)
        s.finish();
    }

    @Test
    void withoutTheRuleTheLookingUnitsBuildGoes() {
        Setup s = new Setup(false);
        TranslatedUnit asked = s.runToAsk(s.jit.instret + 100_000);
        assertNotNull(asked, "a build asked for at X's look (main: first come, first served)");
        assertTrue(builds(s.xs, asked), "X's build at X's look");
        assertEquals(0, s.c.hotC2AdmitRefusals);
        s.finish();
    }
}
