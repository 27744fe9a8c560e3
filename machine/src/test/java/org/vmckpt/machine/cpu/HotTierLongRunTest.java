package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The long-run look ({@link CodeCache#HOT_LONG_RUN}): the waiting hot-tier build of a unit of long runs is looked at by
 * the hybrid look, which gets it compiled and installs it; any other build by the cache's look. HotTierTwoLoopsTest's guest
 * (X: ~14 instructions per run, Y: ~1,200), in a child JVM whose tier-3 thresholds are far above every warm-up call (as
 * HotTierLookTest's), with the asking look as the cache's: it never gets a build compiled, so a build it looks at waits
 * for good. With the rule at 64, Y's build is installed and X's waits; without it both wait. The hart's state is the
 * interpreter's either way.
 */
class HotTierLongRunTest {
    @Test
    void theLongRunUnitsBuildIsInstalledAndTheShortRunOneWaits() throws Exception {
        String out = child(64);
        assertTrue(out.contains("Y hot true, X hot false, X waiting true"), out);
    }

    @Test
    void withoutTheRuleTheAskingLookInstallsNeither() throws Exception {
        String out = child(0);
        assertTrue(out.contains("Y hot false, X hot false, X waiting true"), out);
    }

    static String child(long longRun) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent"));
        cmd.addAll(List.of("-XX:Tier3InvocationThreshold=100000", "-XX:Tier3MinInvocationThreshold=100000",
                "-XX:Tier3CompileThreshold=100000", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                Long.toString(longRun)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The child JVM: runs the guest (until Y's build is installed, or a fixed count), then compares it with the interpreter. */
    public static final class Child {
        public static void main(String[] args) {
            if (HotSpotCompiler.get() == null) throw new AssertionError("no WhiteBox API in the child: " + HotSpotCompiler.describe());
            Hart jit = HotTierTwoLoopsTest.hart(true), ref = HotTierTwoLoopsTest.hart(false);
            jit.codeCache.promoteUncompiled = false; // the look decides
            jit.codeCache.hotLook = CodeCache.LOOK_ASK;
            jit.codeCache.hotLongRun = Long.parseLong(args[0]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // a watchdog, not a measure
            long to = 8_000_000;
            while (jit.instret < 200_000_000 && System.nanoTime() < deadline) {
                HotTierTwoLoopsTest.run(jit, ref, to); // (compares the state at every step)
                // (Y's build may be installed before X's is made: then X has nothing to wait with yet, so run on.)
                if (HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.Y) && (xWaiting(jit) || HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.X))) break;
                to += 8_000_000;
            }
            HotTierTwoLoopsTest.run(jit, ref, jit.instret + 2_000_000);
            System.out.println("Y hot " + HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.Y) + ", X hot "
                    + HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.X) + ", X waiting " + xWaiting(jit) + " (" + jit.instret
                    + " instructions; " + jit.translationStats() + ")");
        }

        /** Whether a unit of X has a hot-tier build waiting. */
        static boolean xWaiting(Hart jit) {
            for (int off = 0; off < 0x20; off += 4) {
                TranslatedUnit u = jit.codeCache.unitAt(HotTierTwoLoopsTest.X + off);
                if (u != null && u.promoted != null) return true;
            }
            return false;
        }
    }
}
