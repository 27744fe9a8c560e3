package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.cpu.CodeCache;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The deterministic Linux oracle for the translator: the default guest booted with {@code --deterministic} under
 * the translator and under the interpreter reaches the same state (equal {@link Machine#stateHash()}) at the same
 * instruction counts: early kernel init, while modules load, and after user processes have started.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class TranslatorLinuxOracleTest {
    /**
     * Every method's reference: the interpreter alone (the switches the methods set are the translator's, or the code
     * cache's of the machine under test, and reach no interpreted hart), booted once per test JVM (LinuxTwins#REFERENCE_HASHES;
     * round 78: 11 boots of the same reference were 40% of this class's time).
     */
    static final String INTERPRETER = "the interpreter (default loop)";

    /**
     * The machine under test with the translator, every unit run as soon as it is built (CodeCache#runUncompiled: HotSpot
     * interprets it until it has compiled it, with the same effects). The methods that assert counts of hot-tier builds
     * (at least one of a kind) use it, so that the counts follow from guest instructions alone, not from when HotSpot's
     * queue compiled the C1 units whose counts lead to the builds (round 78: withHotMissLeaves' and withTlbMasks' boots
     * had one promotion each, withUserHot's three user-mode builds, in a run on a loaded machine). The first three
     * methods keep the timed probe (CodeCache#ready), so the boot still compares it too.
     */
    static void countedByInstructions(Machine jit) {
        jit.hart(0).setTranslation(true);
        assertDoesNotThrow(() -> {
            java.lang.reflect.Field cache = Class.forName("org.vmckpt.machine.cpu.Hart").getDeclaredField("codeCache");
            java.lang.reflect.Field run = Class.forName("org.vmckpt.machine.cpu.CodeCache").getDeclaredField("runUncompiled");
            cache.setAccessible(true);
            run.setAccessible(true);
            run.setBoolean(cache.get(jit.hart(0)), true);
        });
    }

    /**
     * {@link #countedByInstructions} with the hot tier's threshold at 100,000 instructions and its looks every 10,000, as
     * the methods below that set them (round 78: at the default 20 M and 200,000 the boot made 1-2 promotions, 6-8 builds
     * with masks or miss exits, on which these methods' "at least one" rested).
     */
    static void countedByInstructionsOften(Machine jit) {
        countedByInstructions(jit);
        jit.hart(0).setPromotionThreshold(100_000);
        assertDoesNotThrow(() -> {
            java.lang.reflect.Field cache = Class.forName("org.vmckpt.machine.cpu.Hart").getDeclaredField("codeCache");
            java.lang.reflect.Field recheck = Class.forName("org.vmckpt.machine.cpu.CodeCache").getDeclaredField("hotRecheck");
            cache.setAccessible(true);
            recheck.setAccessible(true);
            recheck.setLong(cache.get(jit.hart(0)), 10_000);
        });
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void translatedAndInterpretedBootsAgreeAtEveryCheckpointCount() throws Exception {
        LinuxTwins.bootAndCompare("the translator", INTERPRETER, interp -> interp.hart(0).setTranslation(false), jit -> jit.hart(0).setTranslation(true), jit -> {
            CodeCache.Stats s = jit.hart(0).translationStats();
            assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
            assertTrue(s.invalidations() > 0, "code pages were rewritten during boot (module loading, exec): " + s);
        });
    }

    /** As above with the {@code jalr} exits' second way on (CodeCache#jalrSecondWay, off by default; round 62). */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withTheJalrSecondWay() throws Exception {
        LinuxTwins.bootAndCompare("the translator with the jalr second way", INTERPRETER, interp -> interp.hart(0).setTranslation(false), jit -> {
            jit.hart(0).setTranslation(true);
            jit.hart(0).setJalrSecondWay(true);
        }, jit -> {
            CodeCache.Stats s = jit.hart(0).translationStats();
            assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
        });
    }

    /**
     * As above with access groups on (Translator#accessGroups, off by default; round 64): a block's loads or stores through
     * one base register share one TLB check. (Set through reflection: the switch is the cpu package's.)
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withAccessGroups() throws Exception {
        java.lang.reflect.Field on = Class.forName("org.vmckpt.machine.cpu.Translator").getDeclaredField("accessGroups");
        on.setAccessible(true);
        boolean before = on.getBoolean(null);
        on.setBoolean(null, true);
        try {
            LinuxTwins.bootAndCompare("the translator with access groups", INTERPRETER, interp -> interp.hart(0).setTranslation(false),
                    jit -> jit.hart(0).setTranslation(true), jit -> {
                        CodeCache.Stats s = jit.hart(0).translationStats();
                        assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                    });
        } finally {
            on.setBoolean(null, before);
        }
    }
}
