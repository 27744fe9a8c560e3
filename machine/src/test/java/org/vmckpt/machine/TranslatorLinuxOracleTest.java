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

    /**
     * As above with the TLB indices masked by the arrays' own lengths in hot-tier units (Translator#tlbMasks, off by
     * default; round 67), with the hot tier's builds among the units compared. (Set through reflection.)
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withTlbMasks() throws Exception {
        Class<?> t = Class.forName("org.vmckpt.machine.cpu.Translator");
        java.lang.reflect.Field on = t.getDeclaredField("tlbMasks"), units = t.getDeclaredField("tlbMaskUnits");
        on.setAccessible(true);
        units.setAccessible(true);
        boolean before = on.getBoolean(null);
        long built = ((java.util.concurrent.atomic.AtomicLong) units.get(null)).get();
        on.setBoolean(null, true);
        try {
            LinuxTwins.bootAndCompare("the translator with TLB masks", INTERPRETER, interp -> interp.hart(0).setTranslation(false),
                    TranslatorLinuxOracleTest::countedByInstructionsOften, jit -> {
                        CodeCache.Stats s = jit.hart(0).translationStats();
                        assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                        long masked = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> units.get(null))).get() - built;
                        System.out.printf("TranslatorLinuxOracleTest withTlbMasks: %d hot-tier builds with the masks, %d promotions%n",
                                masked, s.promotions());
                        assertTrue(masked > 0, "hot-tier builds with the masks: " + s);
                    });
        } finally {
            on.setBoolean(null, before);
        }
    }

    /**
     * As above with the hot tier's per-unit miss exits on (Translator#hotMissLeaves, off by default; round 69): hot builds
     * whose C1 units rarely left before a miss leave at their own misses, among the units compared. (Set through reflection.)
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withHotMissLeaves() throws Exception {
        Class<?> t = Class.forName("org.vmckpt.machine.cpu.Translator"), c = Class.forName("org.vmckpt.machine.cpu.CodeCache");
        java.lang.reflect.Field on = t.getDeclaredField("hotMissLeaves"), builds = c.getDeclaredField("hotMissLeaveBuildsAll");
        on.setAccessible(true);
        builds.setAccessible(true);
        boolean before = on.getBoolean(null);
        long built = ((java.util.concurrent.atomic.AtomicLong) builds.get(null)).get();
        on.setBoolean(null, true);
        try {
            LinuxTwins.bootAndCompare("the translator with hotMissLeaves", INTERPRETER, interp -> interp.hart(0).setTranslation(false),
                    TranslatorLinuxOracleTest::countedByInstructionsOften, jit -> {
                        CodeCache.Stats s = jit.hart(0).translationStats();
                        assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                        long exits = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> builds.get(null))).get() - built;
                        System.out.printf("TranslatorLinuxOracleTest withHotMissLeaves: %d hot-tier builds with miss exits, %d promotions%n",
                                exits, s.promotions());
                        assertTrue(exits > 0, "hot-tier builds with miss exits: " + s);
                    });
        } finally {
            on.setBoolean(null, before);
        }
    }

    /**
     * The same with the rule for user-mode units only (Translator.hotMissLeavesUser, round 70): the kernel's hot units
     * promoted in the boot are built with the calls for their privilege (asserted: some were), and the boot agrees with
     * the interpreter's at every count; builds with the exits (user units promoted before the last count) are printed.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withHotMissLeavesUser() throws Exception {
        Class<?> t = Class.forName("org.vmckpt.machine.cpu.Translator"), c = Class.forName("org.vmckpt.machine.cpu.CodeCache");
        java.lang.reflect.Field on = t.getDeclaredField("hotMissLeavesUser"), builds = c.getDeclaredField("hotMissLeaveBuildsAll"),
                priv = c.getDeclaredField("hotMissPrivCallsAll");
        on.setAccessible(true);
        builds.setAccessible(true);
        priv.setAccessible(true);
        boolean before = on.getBoolean(null);
        long built = ((java.util.concurrent.atomic.AtomicLong) builds.get(null)).get(), calls = ((java.util.concurrent.atomic.AtomicLong) priv.get(null)).get();
        on.setBoolean(null, true);
        try {
            LinuxTwins.bootAndCompare("the translator with hotMissLeavesUser", INTERPRETER, interp -> interp.hart(0).setTranslation(false),
                    TranslatorLinuxOracleTest::countedByInstructionsOften, jit -> {
                        CodeCache.Stats s = jit.hart(0).translationStats();
                        assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                        long exits = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> builds.get(null))).get() - built;
                        long privCalls = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> priv.get(null))).get() - calls;
                        System.out.printf("TranslatorLinuxOracleTest withHotMissLeavesUser: %d hot-tier builds with miss exits, %d with calls outside user mode, %d promotions%n",
                                exits, privCalls, s.promotions());
                        assertTrue(privCalls > 0, "kernel hot-tier builds given the calls for their privilege: " + s);
                    });
        } finally {
            on.setBoolean(null, before);
        }
    }

    /**
     * The same with round 75's access forms for user-mode hot builds (Translator#userMasks, userLeaves, userCtx:
     * -Dvmckpt.jit.userHot=true, off by default), the hot tier's threshold at 100,000 instructions and its looks every
     * 10,000 (as above, so that the boot's user processes get hot builds before the last count): some user-mode builds
     * get the forms (asserted), the kernel's stay main's, and the boot agrees with the interpreter's at every count.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withUserHot() throws Exception {
        Class<?> h = Class.forName("org.vmckpt.machine.cpu.Hart"), c = Class.forName("org.vmckpt.machine.cpu.CodeCache"),
                t = Class.forName("org.vmckpt.machine.cpu.Translator");
        java.lang.reflect.Field cache = h.getDeclaredField("codeCache"), recheck = c.getDeclaredField("hotRecheck"),
                builds = t.getDeclaredField("userHotBuilds");
        java.lang.reflect.Field[] forms = {t.getDeclaredField("userMasks"), t.getDeclaredField("userLeaves"), t.getDeclaredField("userCtx")};
        for (java.lang.reflect.Field f : new java.lang.reflect.Field[] {cache, recheck, builds, forms[0], forms[1], forms[2]}) f.setAccessible(true);
        boolean[] before = new boolean[3];
        for (int i = 0; i < 3; i++) {
            before[i] = forms[i].getBoolean(null);
            forms[i].setBoolean(null, true);
        }
        long built = ((java.util.concurrent.atomic.AtomicLong) builds.get(null)).get();
        try {
            LinuxTwins.bootAndCompare("the translator with userHot", INTERPRETER, interp -> interp.hart(0).setTranslation(false), jit -> {
                countedByInstructions(jit);
                jit.hart(0).setPromotionThreshold(100_000);
                assertDoesNotThrow(() -> recheck.setLong(cache.get(jit.hart(0)), 10_000));
            }, jit -> {
                CodeCache.Stats s = jit.hart(0).translationStats();
                long u = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> builds.get(null))).get() - built;
                System.out.printf("TranslatorLinuxOracleTest withUserHot: %d hot-tier builds with the user-mode forms, %d hot builds, %d promotions installed%n",
                        u, s.hotBuilds(), s.promotions());
                assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                assertTrue(u > 0, "user-mode hot builds with the forms: " + s);
                assertTrue(s.hotBuilds() > u, "kernel hot builds too: " + s);
            });
        } finally {
            for (int i = 0; i < 3; i++) forms[i].setBoolean(null, before[i]);
        }
    }

    /** The deterministic boot with kernelHot (round 76): the kernel's hot builds with the three access forms, against the interpreter. */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void withKernelHot() throws Exception {
        Class<?> h = Class.forName("org.vmckpt.machine.cpu.Hart"), c = Class.forName("org.vmckpt.machine.cpu.CodeCache"),
                t = Class.forName("org.vmckpt.machine.cpu.Translator");
        java.lang.reflect.Field cache = h.getDeclaredField("codeCache"), recheck = c.getDeclaredField("hotRecheck"),
                builds = t.getDeclaredField("kernelHotBuilds");
        java.lang.reflect.Field[] forms = {t.getDeclaredField("kernelMasks"), t.getDeclaredField("kernelLeaves"), t.getDeclaredField("kernelCtx")};
        for (java.lang.reflect.Field f : new java.lang.reflect.Field[] {cache, recheck, builds, forms[0], forms[1], forms[2]}) f.setAccessible(true);
        boolean[] before = new boolean[3];
        for (int i = 0; i < 3; i++) {
            before[i] = forms[i].getBoolean(null);
            forms[i].setBoolean(null, true);
        }
        long built = ((java.util.concurrent.atomic.AtomicLong) builds.get(null)).get();
        try {
            LinuxTwins.bootAndCompare("the translator with kernelHot", INTERPRETER, interp -> interp.hart(0).setTranslation(false), jit -> {
                countedByInstructions(jit);
                jit.hart(0).setPromotionThreshold(100_000);
                assertDoesNotThrow(() -> recheck.setLong(cache.get(jit.hart(0)), 10_000));
            }, jit -> {
                CodeCache.Stats s = jit.hart(0).translationStats();
                long u = ((java.util.concurrent.atomic.AtomicLong) assertDoesNotThrow(() -> builds.get(null))).get() - built;
                System.out.printf("TranslatorLinuxOracleTest withKernelHot: %d hot-tier builds with the kernel forms, %d hot builds, %d promotions installed%n",
                        u, s.hotBuilds(), s.promotions());
                assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
                assertTrue(u > 0, "kernel hot builds with the forms: " + s);
                assertTrue(s.hotBuilds() >= u, "counted among the hot builds: " + s);
            });
        } finally {
            for (int i = 0; i < 3; i++) forms[i].setBoolean(null, before[i]);
        }
    }
}
