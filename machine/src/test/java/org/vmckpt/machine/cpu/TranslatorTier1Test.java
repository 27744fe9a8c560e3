package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Executable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The translator's own code asked for at C1 tier 1 at once ({@link TranslatorTier1}, {@code -Dvmckpt.jit.translatorTier1},
 * round 82): its lists name methods of this build; without the requests HotSpot's policy compiles the translator's
 * methods it runs at tier 3 or 2 (C1 with profiling) first; with them every listed method is tier-1 code before the
 * translator runs it and stays there through a thousand translations (tier 1 is final, C2 may not take them).
 */
class TranslatorTier1Test {
    private static final long WATCHDOG = TimeUnit.SECONDS.toNanos(180); // not a measure: a bound on waiting for C1's queue

    @Test
    void theListsNameMethodsOfThisBuild() {
        ClassLoader loader = TranslatorTier1.class.getClassLoader();
        for (String c : TranslatorTier1.TRANSLATOR_CLASSES) {
            assertDoesNotThrow(() -> Class.forName(c, false, loader), c);
        }
        for (String e : TranslatorTier1.ASM_METHODS) {
            assertFalse(TranslatorTier1.methodsOf(e, loader).isEmpty(), "names no method of this build's ASM: " + e);
        }
        List<Executable> all = TranslatorTier1.methods();
        assertTrue(all.size() > 250, "methods: " + all.size());
        for (Executable m : all) {
            String owner = m.getDeclaringClass().getName();
            assertTrue(owner.startsWith("org.vmckpt.machine.cpu.Translator") || owner.startsWith("org.objectweb.asm."),
                    "only the translator's and ASM's own code (the JDK's is shared with the rest of the VMM): " + m);
        }
    }

    @Test
    void offByDefault() {
        if (System.getProperty("vmckpt.jit.translatorTier1") == null) {
            assertFalse(TranslatorTier1.ENABLED);
            assertEquals(0, TranslatorTier1.requestOnce(), "nothing asked for without the switch");
        }
    }

    /**
     * First without the requests (the control: the policy's tiers), then with them, from the same start each time: every
     * listed method's code thrown away and its counters cleared, then a thousand translations of two small loops.
     */
    @Test
    void theTranslatorsMethodsAreTier1CodeAtOnceAndNeverTier3() throws InterruptedException {
        assertTrue(HotSpotCompiler.available(), HotSpotCompiler.describe());
        assertTrue(UnitCompilerDirectives.TRANSLATOR_C1_ONLY, "the directive keeps the translator from C2 (the test JVMs' default)");
        List<Executable> methods = TranslatorTier1.methods();

        // Without the requests: HotSpot's policy profiles what the translator runs (tier 3 or 2) before any tier 1.
        reset(methods);
        translate(1000);
        awaitQueues(methods);
        List<String> profiled = atTier(methods, HotSpotCompiler.TIER_C1_PROFILED, HotSpotCompiler.TIER_C1_LIMITED);
        assertTrue(profiled.size() >= 10, "the control: the policy compiled the translator's methods at tier 3 or 2: " + profiled);

        // With them: tier 1 before the translator runs anything, and still after the same thousand translations.
        reset(methods);
        int asked = TranslatorTier1.request();
        assertTrue(asked >= methods.size() - notCompilable(methods).size(), "asked for " + asked + " of " + methods.size());
        awaitQueues(methods);
        List<String> before = notAtTier1(methods);
        assertTrue(before.isEmpty(), "not tier-1 code after the requests: " + before);
        translate(1000);
        awaitQueues(methods);
        List<String> after = notAtTier1(methods);
        assertTrue(after.isEmpty(), "not tier-1 code after a thousand translations: " + after);
        assertTrue(atTier(methods, HotSpotCompiler.TIER_C1_PROFILED, HotSpotCompiler.TIER_C1_LIMITED).isEmpty());
    }

    /** Every method's code thrown away (made not entrant) and its counters and profile cleared: as if never run. */
    private static void reset(List<Executable> methods) throws InterruptedException {
        awaitQueues(methods);
        for (Executable m : methods) {
            HotSpotCompiler.deoptimizeMethod(m);
            HotSpotCompiler.clearMethodState(m);
        }
        for (Executable m : methods) assertEquals(0, HotSpotCompiler.methodTier(m, false), "code left: " + m);
    }

    /** A thousand units of two small loops, built as the translator thread builds them (compiled units are not needed). */
    private static void translate(int n) {
        Translator t = new Translator(Translator.BACKGROUND_NAME);
        byte[][] pages = {TranslatorWarmUp.page(), HotSpotCompilerTest.loopPage()};
        for (int i = 0; i < n; i++) assertNotNull(t.translate(pages[i & 1], 0, null, -1, 0));
    }

    private static void awaitQueues(List<Executable> methods) throws InterruptedException {
        long deadline = System.nanoTime() + WATCHDOG;
        for (Executable m : methods) {
            while (HotSpotCompiler.methodQueued(m)) {
                assertTrue(System.nanoTime() < deadline, "still queued for compilation: " + m);
                Thread.sleep(5);
            }
        }
    }

    private static List<String> notCompilable(List<Executable> methods) {
        List<String> out = new ArrayList<>();
        for (Executable m : methods) if (HotSpotCompiler.methodCompilable(m, HotSpotCompiler.TIER_C1) == 0) out.add(m.toString());
        return out;
    }

    private static List<String> notAtTier1(List<Executable> methods) {
        List<String> out = new ArrayList<>();
        for (Executable m : methods) {
            int tier = HotSpotCompiler.methodTier(m, false);
            if (tier != HotSpotCompiler.TIER_C1 && HotSpotCompiler.methodCompilable(m, HotSpotCompiler.TIER_C1) != 0) out.add(tier + " " + m);
        }
        return out;
    }

    private static List<String> atTier(List<Executable> methods, int... tiers) {
        List<String> out = new ArrayList<>();
        for (Executable m : methods) {
            int tier = HotSpotCompiler.methodTier(m, false);
            for (int t : tiers) if (tier == t) out.add(tier + " " + m);
        }
        return out;
    }
}
