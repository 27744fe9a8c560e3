package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * With {@code -Dvmckpt.jit.hotTier3=true} and {@code -Dvmckpt.jit.hotAsksHotSpot=true} (both off by default; the child JVM
 * below turns them on): a hot-tier build gets compiled whatever HotSpot's invocation thresholds are at the time ({@link
 * BackgroundTranslator#HOT_TIER3}): HotSpot scales them up with C1's queue and the code cache's fill, and in the CPU
 * benchmark's compute phase most builds, after their 256 warm-up calls, were never compiled and never installed. A child
 * JVM with the test JVM's options and tier-3 thresholds far above the warm-up calls stands for that: the build must have
 * compiled code (tier 2 or 3, C1's profiled tiers, or C2's) without any further call; and the dispatcher's look at a
 * waiting build ({@link CodeCache#compiledNow}) asks HotSpot rather than timing a call of it, which met the build's code
 * cold and took C2-compiled builds for uncompiled ones ({@link CodeCache#HOT_TIER_ASKS_HOTSPOT}).
 */
class HotTierCompileTest {
    @Test
    void aHotBuildIsCompiledWithoutFurtherCalls() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.addAll(List.of("-XX:Tier3InvocationThreshold=100000", "-XX:Tier3MinInvocationThreshold=100000",
                "-XX:Tier3CompileThreshold=100000", "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent"));
        // Both are off by default; on here, unless the test JVM says otherwise (to see this test fail without them).
        for (String property : List.of("vmckpt.jit.hotTier3", "vmckpt.jit.hotAsksHotSpot")) {
            cmd.add(1, "-D" + property + "=" + System.getProperty(property, "true"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("hot build compiled at tier"), out);
    }

    /** The child JVM: builds a hot-tier unit, warms it as the translator thread does, and waits for its code. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            HotSpotCompiler c = HotSpotCompiler.get();
            if (c == null) throw new AssertionError("no WhiteBox API in the child: " + HotSpotCompiler.describe());
            byte[] page = new byte[4096];
            int[] code = {addi(5, 5, 1), addi(6, 6, -1), b(-8, 0, 6, 1), j(0, 0)};
            for (int k = 0; k < code.length; k++) {
                for (int i = 0; i < 4; i++) page[4 * k + i] = (byte) (code[k] >>> (8 * i));
            }
            TranslatedUnit u = new Translator(Translator.BACKGROUND_NAME).translate(page, 1, null, -1, 0, true);
            // The dispatcher's look at a waiting build asks HotSpot, without calling the build (no hart here: a call
            // would fail), so that code met cold is not taken for no code.
            if (CodeCache.compiledNow(u, null)) throw new AssertionError("a build without code counted as compiled");
            BackgroundTranslator.warmHot(u);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int tier = 0;
            while ((tier = c.tier(u)) == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            if (tier == 0) throw new AssertionError("the hot build was never compiled");
            if (!CodeCache.compiledNow(u, null) || !u.compiled) throw new AssertionError("a compiled build not counted as compiled");
            System.out.println("hot build compiled at tier " + tier);
        }
    }
}
