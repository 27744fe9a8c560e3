package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round 46-67's access forms for hot-tier builds of user-mode code only ({@code -Dvmckpt.jit.userHot}, round 75: the
 * masked TLB indices, the exits after a slow path, the context in a local). A hot build made for a unit promoted
 * outside user mode is main's, byte for byte, whatever the switch; one made for a user-mode unit has the forms; and
 * the loop run through the code cache in U mode gets them, in S and M mode not, going on as the interpreter does.
 */
class UserHotTest {
    @BeforeEach
    void off() {
        set(false, false, false);
        KernelHotTest.set(false, false, false); // (round 76: kernel builds are main's here whatever -Dvmckpt.jit.kernelHot says)
        Translator.tlbMasks = false;
        Translator.missLeaves = false;
        Translator.contextLocal = false;
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = false;
    }

    @AfterEach
    void asBefore() {
        set(Translator.USER_HOT[0], Translator.USER_HOT[1], Translator.USER_HOT[2]);
        KernelHotTest.set(Translator.KERNEL_HOT[0], Translator.KERNEL_HOT[1], Translator.KERNEL_HOT[2]);
        Translator.tlbMasks = Boolean.getBoolean("vmckpt.jit.tlbMasks");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.contextLocal = Boolean.getBoolean("vmckpt.jit.contextLocal");
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
    }

    static void set(boolean masks, boolean leaves, boolean ctx) {
        Translator.userMasks = masks;
        Translator.userLeaves = leaves;
        Translator.userCtx = ctx;
    }

    /** The hot build of TlbMasksTest's loop (loads, a store, a grouped pair) with the unit's privilege {@code user} or not. */
    static byte[] hotBytes(boolean user) {
        Translator t = new Translator();
        t.userMode = user;
        TranslatedUnit u = t.translate(TlbMasksTest.loop(), 7, null, -1, 0x100, true);
        assertNotNull(u);
        return t.lastClassBytes;
    }

    /** Whether the run method indexes a TLB array through its own length's mask anywhere (tlbMasks' form). */
    static boolean masked(byte[] classBytes) {
        List<int[]> l = TlbMasksTest.runInstructions(classBytes);
        for (int k = 0; k < l.size(); k++)
            for (int a = TlbMasksTest.RTAG; a <= TlbMasksTest.WPAGE; a++) if (TlbMasksTest.maskedBy(l, k, a)) return true;
        return false;
    }

    @Test
    void aBuildOutsideUserModeIsMainsByteForByte() {
        byte[] main = hotBytes(false);
        assertFalse(masked(main), "main's hot build has no masks");
        long before = Translator.userHotBuilds.get();
        for (boolean[] f : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, false}, {false, false, true}}) {
            set(f[0], f[1], f[2]);
            assertArrayEquals(main, hotBytes(false), "a kernel build with userHot " + java.util.Arrays.toString(f));
        }
        assertEquals(before, Translator.userHotBuilds.get(), "no kernel build counted as given the forms");
        set(false, false, false);
        assertArrayEquals(main, hotBytes(true), "a user build with the switch off");
    }

    @Test
    void aUserModeBuildHasTheForms() {
        byte[] main = hotBytes(false);
        set(true, false, false);
        long before = Translator.userHotBuilds.get();
        byte[] masks = hotBytes(true);
        assertEquals(before + 1, Translator.userHotBuilds.get());
        assertTrue(masked(masks), "masks: the TLB indices masked by the arrays' own lengths");
        // The same bytes as tlbMasks for every hot build gives it.
        set(false, false, false);
        Translator.tlbMasks = true;
        assertArrayEquals(hotBytes(false), masks, "userHot=masks is tlbMasks' build");
        Translator.tlbMasks = false;
        set(false, true, false);
        byte[] leaves = hotBytes(true);
        Translator.missLeaves = true;
        assertArrayEquals(hotBytes(false), leaves, "userHot=leaves is missLeaves' build");
        Translator.missLeaves = false;
        set(false, false, true);
        byte[] ctx = hotBytes(true);
        Translator.contextLocal = true;
        assertArrayEquals(hotBytes(false), ctx, "userHot=ctx is contextLocal's build");
        Translator.contextLocal = false;
        assertFalse(java.util.Arrays.equals(main, leaves), "the exits change the build");
        assertFalse(java.util.Arrays.equals(main, ctx), "the context local changes the build");
        set(true, true, true);
        byte[] all = hotBytes(true);
        assertTrue(masked(all));
        assertFalse(java.util.Arrays.equals(all, masks) || java.util.Arrays.equals(all, leaves) || java.util.Arrays.equals(all, ctx), "all three together");
    }

    @Test
    void theSwitchsValues() {
        assertArrayEquals(new boolean[] {false, false, false}, Translator.userHotForms("false"));
        assertArrayEquals(new boolean[] {true, true, true}, Translator.userHotForms("true"));
        assertArrayEquals(new boolean[] {true, false, true}, Translator.userHotForms("masks,ctx"));
        assertArrayEquals(new boolean[] {false, true, false}, Translator.userHotForms("leaves"));
        assertThrows(IllegalArgumentException.class, () -> Translator.userHotForms("mask"));
    }

    /**
     * HotMissLeavesTest's loop (loads from two pages that share a TLB slot, a miss once in ~18,000 instructions) through
     * the code cache with the three forms: in U mode its hot units leave at their misses (missLeaves' exits, so the unit
     * was built for user mode) and the hart goes on as the interpreter, compared every 37 instructions through the
     * misses; in S and M mode no hot build gets the forms and none leaves at a miss.
     */
    @Test
    void throughTheCodeCacheOnlyUserModeUnitsGetTheForms() {
        set(true, true, true);
        for (int priv : new int[] {Hart.PRIV_S, Hart.PRIV_M, Hart.PRIV_U}) {
            long before = Translator.userHotBuilds.get();
            Hart jit = HotMissLeavesTest.hart(true, HotMissLeavesTest.Misses.RARE, priv);
            Hart ref = HotMissLeavesTest.hart(false, HotMissLeavesTest.Misses.RARE, priv);
            HotMissLeavesTest.runComparing(jit, ref, 10_000, 3_000_000, 99_991);
            List<TranslatedUnit> hot = MissLeavesAdaptiveTest.hotUnits(jit);
            String what = "priv " + priv + ": ";
            assertFalse(hot.isEmpty(), what + "promoted: " + jit.translationStats());
            if (priv != Hart.PRIV_U) {
                assertEquals(before, Translator.userHotBuilds.get(), what + "a kernel build given the user-mode forms");
                for (TranslatedUnit u : hot) assertFalse(u.missLeaving, what + "a hot unit with miss exits: " + Long.toHexString(u.key));
                continue;
            }
            assertTrue(Translator.userHotBuilds.get() > before, what + "no build given the forms");
            for (TranslatedUnit u : hot) assertTrue(u.missLeaving, what + "a user hot unit without the exits: " + Long.toHexString(u.key));
            HotMissLeavesTest.runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
            assertEquals(Hart.PRIV_U, jit.priv);
        }
    }
}
