package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hot-tier build whose warm-up calls queued no compile must still get code ({@link CodeCache#HOT_REQUEUE}). In the
 * default boot HotSpot's tiered policy raises its tier-3 threshold with C1's queue, so the 256 calls often queue
 * nothing, and the cache's timed look calls the build too rarely for the policy to look again: the build waits with no
 * code at all (docs/BENCHMARKS.md round 63). A child JVM whose tier-3 thresholds are far above every call the build
 * will get (as a loaded C1 queue makes them) runs HotTierTest's 3-instruction loop, the whole run, with the default
 * (timed) look and no share rule: with {@code -Dvmckpt.jit.hotRequeue=true} the build is queued through the API, gets
 * tier-3 code and is installed; without it, it has no code at the child's watchdog (the last case, which is the cause
 * reproduced: it fails if the thresholds no longer lose the request, so the other cases would prove nothing). There it
 * may even be installed with no code: in so tight a loop the timed look's budget-0 call of the interpreted build takes
 * under its 400 ns; the property asserted is HotSpot's tier of the build.
 */
class HotTierRequeueTest {
    @Test
    void aBuildOnTheTranslatorThreadWhoseCallsQueuedNothingIsInstalled() throws Exception {
        String out = child("background", true, 60);
        assertTrue(out.contains("installed"), out);
        assertTrue(buildTier(out) > 0, out);
        assertTrue(requeued(out) >= 1, out); // (a batch may begin at any of the loop's instructions: each entry's unit may be built)
    }

    @Test
    void aBuildOnTheGuestsThreadWhoseCallsQueuedNothingIsInstalled() throws Exception {
        String out = child("synchronous", true, 60);
        assertTrue(out.contains("installed"), out);
        assertTrue(buildTier(out) > 0, out);
        assertTrue(requeued(out) >= 1, out); // (a batch may begin at any of the loop's instructions: each entry's unit may be built)
    }

    @Test
    void withoutTheSwitchSuchABuildWaitsWithNoCode() throws Exception {
        String out = child("background", false, 5);
        assertEquals(0, buildTier(out), out);
        assertEquals(0, requeued(out), out);
    }

    /** The child's "requeued N". */
    static long requeued(String out) {
        return number(out, "requeued (\\d+)");
    }

    /** The child's "build tier N": HotSpot's tier of the loop's build at the end, installed or waiting. */
    static long buildTier(String out) {
        return number(out, "build tier (\\d+)");
    }

    static long number(String out, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    /** Runs the child JVM (see {@link Child}) and returns its output; it must exit normally. */
    static String child(String mode, boolean requeue, int seconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent") || a.startsWith("-Dvmckpt.jit.hotLook=")
                || a.startsWith("-Dvmckpt.jit.hotRequeue="));
        cmd.addAll(List.of("-Dvmckpt.jit.hotLook=timed", "-Dvmckpt.jit.hotRequeue=" + requeue,
                // Above the warm-up's 256 calls and every look the child's watchdog allows (one per 200,000 instructions).
                "-XX:Tier3InvocationThreshold=100000000", "-XX:Tier3MinInvocationThreshold=100000000",
                "-XX:Tier3CompileThreshold=100000000",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), mode, Integer.toString(seconds)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * The child JVM: runs the loop until its hot-tier build is installed or the watchdog ends it, then says which:
     * "installed" (and compares the hart with the interpreter's) or "waiting"; "build tier N" (HotSpot's tier of the
     * loop's build then) and "requeued N" (--stats' count of builds queued through the API).
     */
    public static final class Child {
        public static void main(String[] args) {
            if (HotSpotCompiler.get() == null) throw new AssertionError("no WhiteBox API in the child: " + HotSpotCompiler.describe());
            boolean background = args[0].equals("background");
            Hart jit = HotTierTest.hart(true, 100_000, background ? new BackgroundTranslator("child-translator") : null);
            Hart ref = HotTierTest.hart(false, 0, null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Integer.parseInt(args[1])); // a watchdog, not a measure
            while (!HotTierTest.isHot(jit.codeCache.unitAt(HotTierTest.KEY)) && System.nanoTime() < deadline) jit.run(4096);
            CodeCache.Stats s = jit.translationStats();
            TranslatedUnit u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (HotTierTest.isHot(u)) {
                int tier = HotSpotCompiler.get().tier(u);
                HotTierTest.runTo(jit, jit.instret + 1_000_000);
                HotTierTest.runTo(ref, jit.instret);
                HotTierTest.assertSame(jit, ref);
                // (Tier 0: the timed look's budget-0 call of the interpreted build took under its 400 ns.)
                System.out.println("hot-tier build installed, build tier " + tier + ", requeued " + (s.hotRequeued() + s.hotRequeuedAtLook()) + ": " + s);
                return;
            }
            TranslatedUnit build = u == null ? null : u.promoted;
            if (build == null) throw new AssertionError("no build waiting: " + s);
            System.out.println("waiting, build tier " + HotSpotCompiler.get().tier(build) + ", requeued " + (s.hotRequeued() + s.hotRequeuedAtLook()) + ": " + s);
        }
    }
}
