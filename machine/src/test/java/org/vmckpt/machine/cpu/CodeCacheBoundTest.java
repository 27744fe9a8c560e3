package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.lang.ref.WeakReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The code cache's bound: past its cap on live units the whole cache is dropped and translation starts over, the
 * dropped units' hidden classes can be unloaded (the cache held the only references), and the guest goes on
 * exactly as the interpreter does. The cap is lowered to 8 units so that a short program (16 loops) crosses it many times.
 */
class CodeCacheBoundTest {
    static final long BASE = 0x8000_0000L;
    static final int LOOPS = 16;

    static Hart hart(boolean translate) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(16); // an entry is translated on about its 16th visit: a few units per pass
        GuestMemory m = h.bus().ram();
        // LOOPS small loops, one per 64-byte line, each run 3 times before it falls into the next; the last line
        // jumps back to the first, forever.
        for (int k = 0; k < LOOPS; k++) {
            int[] code = {addi(6, 0, 3), addi(5, 5, 1), addi(6, 6, -1), b(-8, 0, 6, 1), j(64 - 16, 0)};
            for (int i = 0; i < code.length; i++) m.write32(BASE + 64L * k + 4L * i, code[i]);
        }
        m.write32(BASE + 64L * LOOPS, j(-64 * LOOPS, 0));
        h.pc = BASE;
        return h;
    }

    /** The class of the unit at {@code pc}, weakly (no strong reference stays in this frame), or null. */
    static WeakReference<Class<?>> unitClassAt(Hart h, long pc) {
        TranslatedUnit u = h.codeCache.lookup(h, pc, false);
        return u != null && u != TranslatedUnit.UNTRANSLATABLE ? new WeakReference<>(u.getClass()) : null;
    }

    @Test
    void pastTheCapTheCacheIsDroppedAndItsUnitsUnload() {
        Hart jit = hart(true), ref = hart(false);
        jit.codeCache.maxUnits = 8;
        WeakReference<Class<?>> first = null;
        for (int k = 0; k < 200 && first == null; k++) {
            jit.run(64);
            first = unitClassAt(jit, BASE);
        }
        assertNotNull(first, "the first loop was translated");
        long target = 200_000;
        while (jit.instret < target) {
            jit.run((int) Math.min(4096, target - jit.instret));
            assertTrue(jit.translationStats().liveUnits() <= 8, "live units within the cap: " + jit.translationStats());
        }
        while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
        assertEquals(ref.pc, jit.pc);
        assertEquals(ref.x[5], jit.x[5]);
        assertEquals(ref.x[6], jit.x[6]);
        CodeCache.Stats s = jit.translationStats();
        assertTrue(s.flushes() > 10 && s.unitsTranslated() >= 8 * s.flushes(), "the cap was crossed, again and again: " + s);
        // Drop everything the cache holds now (a new flush), then the first unit's class must be collectable.
        jit.codeCache.flush();
        for (int k = 0; k < 20 && first.get() != null; k++) System.gc();
        assertNull(first.get(), "the hidden class of a dropped unit was unloaded");
    }
}
