package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Units go to C1 tier 1 at once through HotSpot's WhiteBox API ({@link HotSpotCompiler}): compiled before they first
 * run, never at tier 3 or 2 first, never by C2, never probed by the dispatcher; and a JVM without the API runs
 * translated code through the old path (HotSpot's own policy and probes).
 */
class HotSpotCompilerTest {
    static final long BASE = 0x8000_0000L;
    // A loop over two blocks: x5 += 1, x6 += x5, until x5 == 1000, then again from 0.
    static final int[] LOOP = {addi(5, 5, 1), add(6, 6, 5), addi(7, 0, 1000), b(-12, 7, 5, 1) /* bne x5, x7 */, addi(5, 0, 0), j(-20, 0)};

    static Hart hart(boolean translate, BackgroundTranslator background) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(Long.MAX_VALUE); // the hot tier is HotSpot's policy's business, not this test's
        if (translate) h.codeCache.background = background;
        for (int k = 0; k < LOOP.length; k++) h.bus().ram().write32(BASE + 4L * k, LOOP[k]);
        h.pc = BASE;
        return h;
    }

    static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(4096, target - h.instret));
    }

    /** The test JVMs start with the launcher's options (the parent pom's argLine): the API must be there. */
    @Test
    void theTestJvmHasTheApi() {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        assertTrue(HotSpotCompiler.available());
    }

    static byte[] loopPage() {
        byte[] page = new byte[4096];
        for (int k = 0; k < LOOP.length; k++) java.nio.ByteBuffer.wrap(page).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4 * k, LOOP[k]);
        return page;
    }

    /** A unit of the translator thread: compiled (blocking) before compile() returns. */
    @Test
    void aUnitIsTier1CodeBeforeItFirstRunsAndStaysThere() {
        HotSpotCompiler c = HotSpotCompiler.get();
        assertNotNull(c, HotSpotCompiler.describe());
        TranslatedUnit u = new Translator(Translator.BACKGROUND_NAME).translate(loopPage(), 0, null, -1, 0);
        assertNotNull(u);
        assertEquals(0, c.tier(u), "a fresh unit has no code");
        assertTrue(BackgroundTranslator.compile(u));
        assertTrue(u.compiled);
        // Compiled before any call: so not at tier 3 or 2 first (those need interpreted calls), and at tier 1.
        assertEquals(HotSpotCompiler.TIER_C1, c.tier(u));
        // Calls do not move it (tier 1 is final under HotSpot's policy; C2 may not take it).
        for (int i = 0; i < 200_000; i++) u.run(null, -1);
        assertEquals(HotSpotCompiler.TIER_C1, c.tier(u));
    }

    @Test
    void unitsFromTheTranslatorThreadArriveCompiledAndAreNeverProbed() {
        Hart jit = hart(true, new BackgroundTranslator("test-translator")), ref = hart(false, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        while (jit.translationStats().translatedInstructionsRun() == 0 && System.nanoTime() < deadline) jit.run(4096);
        assertTrue(jit.translationStats().translatedInstructionsRun() > 0, "nothing ran translated: " + jit.translationStats());
        runTo(jit, jit.instret + 1_000_000);
        runTo(ref, jit.instret);
        assertEquals(ref.pc, jit.pc);
        for (int r = 5; r <= 7; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        TranslatedUnit u = jit.codeCache.unitAt(0);
        assertNotNull(u);
        assertTrue(u.compiled);
        assertEquals(0, u.sinceProbe, "the dispatcher probed a unit handed over compiled");
        assertEquals(HotSpotCompiler.TIER_C1, HotSpotCompiler.get().tier(u));
        assertEquals(0, jit.translationStats().compileRefused());
    }

    /** A JVM started without the launcher's options (java -jar): the old path, and a clear notice. */
    @Test
    void withoutTheApiTranslatedCodeStillRuns() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xss8m", "-cp", System.getProperty("java.class.path"), FallbackMain.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("translated and equal"), out);
        assertTrue(out.contains("WhiteBox API is not available"), out);
        assertFalse(out.contains("NoSuchMethodError"), out);
    }

    /** The child JVM of {@link #withoutTheApiTranslatedCodeStillRuns}. */
    public static final class FallbackMain {
        public static void main(String[] args) {
            if (HotSpotCompiler.get() != null) throw new AssertionError("the API is there without its options");
            System.out.println(HotSpotCompiler.describe());
            Hart jit = hart(true, new BackgroundTranslator("test-translator")), ref = hart(false, null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
            while (jit.translationStats().translatedInstructionsRun() == 0 && System.nanoTime() < deadline) jit.run(4096);
            runTo(jit, jit.instret + 1_000_000);
            runTo(ref, jit.instret);
            boolean equal = ref.pc == jit.pc && ref.x[5] == jit.x[5] && ref.x[6] == jit.x[6];
            if (jit.translationStats().translatedInstructionsRun() == 0 || !equal) throw new AssertionError(jit.translationStats().toString());
            System.out.println("translated and equal: " + List.of(jit.translationStats().translatedInstructionsRun()));
        }
    }
}
