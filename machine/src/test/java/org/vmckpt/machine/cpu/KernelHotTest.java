package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round 46-67's access forms for hot-tier builds of kernel code only ({@code -Dvmckpt.jit.kernelHot}, round 76: the
 * masked TLB indices, the exits after a slow path, the context in a local, for units promoted in S or M mode). A hot
 * build made for a user-mode unit is main's, byte for byte, whatever the switch; one made outside user mode has the
 * forms asked for, the same bytes as the global switch of each form; and the loop run through the code cache in S and M
 * mode gets them (its hot units leave at their misses), in U mode not, going on as the interpreter does.
 */
class KernelHotTest {
    @BeforeEach
    void off() {
        set(false, false, false);
        UserHotTest.set(false, false, false);
        Translator.tlbMasks = false;
        Translator.missLeaves = false;
        Translator.contextLocal = false;
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = false;
    }

    @AfterEach
    void asBefore() {
        set(Translator.KERNEL_HOT[0], Translator.KERNEL_HOT[1], Translator.KERNEL_HOT[2]);
        UserHotTest.set(Translator.USER_HOT[0], Translator.USER_HOT[1], Translator.USER_HOT[2]);
        Translator.tlbMasks = Boolean.getBoolean("vmckpt.jit.tlbMasks");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.contextLocal = Boolean.getBoolean("vmckpt.jit.contextLocal");
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
    }

    static void set(boolean masks, boolean leaves, boolean ctx) {
        Translator.kernelMasks = masks;
        Translator.kernelLeaves = leaves;
        Translator.kernelCtx = ctx;
    }

    @Test
    void aUserModeBuildIsMainsByteForByte() {
        byte[] main = UserHotTest.hotBytes(true);
        assertFalse(UserHotTest.masked(main), "main's hot build has no masks");
        long before = Translator.kernelHotBuilds.get();
        for (boolean[] f : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, false}, {false, false, true}}) {
            set(f[0], f[1], f[2]);
            assertArrayEquals(main, UserHotTest.hotBytes(true), "a user-mode build with kernelHot " + java.util.Arrays.toString(f));
        }
        assertEquals(before, Translator.kernelHotBuilds.get(), "no user-mode build counted as given the kernel forms");
        set(false, false, false);
        assertArrayEquals(main, UserHotTest.hotBytes(false), "a kernel build with the switch off");
    }

    @Test
    void aKernelBuildHasTheForms() {
        byte[] main = UserHotTest.hotBytes(false);
        set(true, false, false);
        long before = Translator.kernelHotBuilds.get();
        byte[] masks = UserHotTest.hotBytes(false);
        assertEquals(before + 1, Translator.kernelHotBuilds.get());
        assertTrue(UserHotTest.masked(masks), "masks: the TLB indices masked by the arrays' own lengths");
        set(false, false, false);
        Translator.tlbMasks = true;
        assertArrayEquals(UserHotTest.hotBytes(true), masks, "kernelHot=masks is tlbMasks' build");
        Translator.tlbMasks = false;
        set(false, true, false);
        byte[] leaves = UserHotTest.hotBytes(false);
        set(false, false, false);
        Translator.missLeaves = true;
        assertArrayEquals(UserHotTest.hotBytes(true), leaves, "kernelHot=leaves is missLeaves' build");
        Translator.missLeaves = false;
        set(false, false, true);
        byte[] ctx = UserHotTest.hotBytes(false);
        set(false, false, false);
        Translator.contextLocal = true;
        assertArrayEquals(UserHotTest.hotBytes(true), ctx, "kernelHot=ctx is contextLocal's build");
        Translator.contextLocal = false;
        assertFalse(java.util.Arrays.equals(main, leaves), "the exits change the build");
        assertFalse(java.util.Arrays.equals(main, ctx), "the context local changes the build");
        set(true, false, true);
        byte[] two = UserHotTest.hotBytes(false);
        assertTrue(UserHotTest.masked(two));
        assertFalse(java.util.Arrays.equals(two, masks) || java.util.Arrays.equals(two, ctx), "masks and ctx together");
    }

    @Test
    void theSwitchsValues() {
        assertArrayEquals(new boolean[] {true, false, true}, Translator.hotForms("vmckpt.jit.kernelHot", "masks,ctx"));
        assertArrayEquals(new boolean[] {true, true, true}, Translator.hotForms("vmckpt.jit.kernelHot", "all"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Translator.hotForms("vmckpt.jit.kernelHot", "leave"));
        assertTrue(e.getMessage().contains("kernelHot"), e.getMessage());
    }

    /**
     * HotMissLeavesTest's loop (a miss once in ~18,000 instructions) through the code cache with the three kernel
     * forms: in S and M mode its hot units leave at their misses (missLeaves' exits, so the unit was built for the
     * kernel) and the hart goes on as the interpreter, compared every 37 instructions through the misses; in U mode no
     * hot build gets the forms and none leaves at a miss.
     */
    @Test
    void throughTheCodeCacheOnlyKernelUnitsGetTheForms() {
        set(true, true, true);
        for (int priv : new int[] {Hart.PRIV_U, Hart.PRIV_S, Hart.PRIV_M}) {
            long before = Translator.kernelHotBuilds.get();
            Hart jit = HotMissLeavesTest.hart(true, HotMissLeavesTest.Misses.RARE, priv);
            Hart ref = HotMissLeavesTest.hart(false, HotMissLeavesTest.Misses.RARE, priv);
            HotMissLeavesTest.runComparing(jit, ref, 10_000, 3_000_000, 99_991);
            List<TranslatedUnit> hot = MissLeavesAdaptiveTest.hotUnits(jit);
            String what = "priv " + priv + ": ";
            assertFalse(hot.isEmpty(), what + "promoted: " + jit.translationStats());
            if (priv == Hart.PRIV_U) {
                assertEquals(before, Translator.kernelHotBuilds.get(), what + "a user-mode build given the kernel forms");
                for (TranslatedUnit u : hot) assertFalse(u.missLeaving, what + "a hot unit with miss exits: " + Long.toHexString(u.key));
                continue;
            }
            assertTrue(Translator.kernelHotBuilds.get() > before, what + "no build given the forms");
            for (TranslatedUnit u : hot) assertTrue(u.missLeaving, what + "a kernel hot unit without the exits: " + Long.toHexString(u.key));
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
            assertEquals(priv, jit.priv);
        }
    }
}
