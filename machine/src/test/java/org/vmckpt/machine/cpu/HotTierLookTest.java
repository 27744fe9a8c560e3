package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot tier's look at a waiting build ({@link CodeCache#HOT_LOOK}) and the dispatcher's probe of a unit built on the
 * guest's thread ({@link CodeCache#ready}) must get code compiled, not only notice it, whatever HotSpot's compile
 * thresholds are at the time. A child JVM with the test JVM's options and tier-3 thresholds far above every warm-up
 * call (HotSpot scales its thresholds up with C1's queue, and drops queued tasks of methods no longer called) runs
 * HotTierTest's 3-instruction loop, the whole run, until its hot-tier build is installed, with the hybrid look unless the test JVM names others.
 *
 * <p>With the asking look ({@code -Dvmckpt.jit.hotLook=ask}) the background case fails: the build's 256 warm-up calls
 * queue nothing, the look never calls it, so it never has code. The synchronous case (deterministic mode) failed
 * before round 29 whenever the look asked HotSpot ({@code -Dvmckpt.jit.hotAsksHotSpot=true} then): the probe of the C1
 * unit asked as well, so a unit whose 16 warm-up calls queued no compile was never compiled and never ran ("unitRuns=0":
 * it never counted towards the hot tier, which round 28 took for the share rule deferring the loop).
 */
class HotTierLookTest {
    @Test
    void aBuildOnTheTranslatorThreadIsInstalled() throws Exception {
        assertInstalled("background");
    }

    @Test
    void aBuildOnTheGuestsThreadIsInstalled() throws Exception {
        assertInstalled("synchronous");
    }

    static void assertInstalled(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent"));
        // The hybrid look (round 29's series; off by default since round 30), unless the test JVM says otherwise.
        cmd.add("-Dvmckpt.jit.hotLook=" + System.getProperty("vmckpt.jit.hotLook", "hybrid"));
        cmd.addAll(List.of("-XX:Tier3InvocationThreshold=100000", "-XX:Tier3MinInvocationThreshold=100000",
                "-XX:Tier3CompileThreshold=100000", "-cp", System.getProperty("java.class.path"), Child.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("installed"), out);
    }

    /** The child JVM: runs the loop until its hot-tier build is installed (a watchdog bounds it), then compares it. */
    public static final class Child {
        public static void main(String[] args) {
            if (HotSpotCompiler.get() == null) throw new AssertionError("no WhiteBox API in the child: " + HotSpotCompiler.describe());
            boolean background = args[0].equals("background");
            Hart jit = HotTierTest.hart(true, 100_000, background ? new BackgroundTranslator("child-translator") : null);
            Hart ref = HotTierTest.hart(false, 0, null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
            while (!HotTierTest.isHot(jit.codeCache.unitAt(HotTierTest.KEY)) && System.nanoTime() < deadline) jit.run(4096);
            if (!HotTierTest.isHot(jit.codeCache.unitAt(HotTierTest.KEY)))
                throw new AssertionError("the loop's hot-tier build was never installed (look " + jit.codeCache.hotLook + "): " + jit.translationStats());
            HotTierTest.runTo(jit, jit.instret + 1_000_000);
            HotTierTest.runTo(ref, jit.instret);
            HotTierTest.assertSame(jit, ref);
            System.out.println("hot-tier build installed: " + jit.translationStats());
        }
    }
}
