package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The early look on HotSpot's path ({@link CodeCache#HOT_EARLY}, {@code -Dvmckpt.jit.hotEarly=N}, off by default; the
 * caches here set it): a unit's first count to the hot tier runs out after N instructions; a unit in supervisor or machine
 * mode, after the boot, whose runs averaged at least {@code hotEarlyRun} instructions, whose N instructions came within
 * {@code hotEarlyShare} times as many of the hart's, is decided then (a build over {@code hotEarlyMaxBytecode} bytes is
 * dropped and the unit counts on), for HotSpot's path (not C2 at once); its job is
 * taken first by the translator thread, and its build is looked at by the hybrid look. HotTierShareTest's guest (machine
 * mode; X ~14 instructions a run, ~1% of the run; Y ~1,200 a run, ~98%) with the hot tier's threshold at 1 M: over the
 * first 600,000 instructions Y retires under the threshold, so only the early look can promote it. The hart's state is the
 * interpreter's throughout (HotTierShareTest.run compares it at every step).
 */
class HotTierEarlyTest {
    private static final long THRESHOLD = 1_000_000, EARLY = 20_000, RUN = 600_000;

    private static Hart hart(long early) {
        Hart h = HotTierShareTest.hart(true, 0);
        h.setPromotionThreshold(THRESHOLD);
        h.codeCache.hotC2Direct = false; // (the paths HOT_C2_DIRECT and HOT_C2_KERNEL replace are the ones tested here)
        h.codeCache.hotC2Kernel = 0;
        h.codeCache.hotEarly = early;
        h.codeCache.hotEarlyRun = 256;
        h.codeCache.hotEarlyShare = 64;
        h.codeCache.hotEarlyMaxBytecode = 0;
        return h;
    }

    /** Runs {@code jit} and an interpreter to {@link #RUN}, comparing them at every step; whether Y's loop is hot then. */
    private static boolean yHot(Hart jit, int priv) {
        Hart ref = HotTierShareTest.hart(false, 0);
        jit.setPriv(priv);
        ref.setPriv(priv);
        for (long to = 50_000; to <= RUN; to += 50_000) HotTierShareTest.run(jit, ref, to);
        return HotTierShareTest.hotIn(jit, HotTierShareTest.Y);
    }

    @Test
    void aLongRunKernelUnitIsDecidedAtTheEarlyLookOnHotSpotsPath() {
        Hart jit = hart(EARLY);
        assertTrue(yHot(jit, Hart.PRIV_M), "Y's loop (runs of ~1,200, 98% of the run) promoted at the early look: " + jit.translationStats());
        assertFalse(HotTierShareTest.hotIn(jit, HotTierShareTest.X), "X's loop (runs of ~14) is not: " + jit.translationStats());
        assertTrue(jit.codeCache.hotEarlyPromotions >= 1, "counted: " + jit.codeCache.hotEarlyPromotions);
        for (int off = 0; off < 0x20; off += 4) {
            TranslatedUnit u = jit.codeCache.unitAt(HotTierShareTest.Y + off);
            if (u != null && u.hot) assertFalse(u.c2Asked, "HotSpot's path: not asked for C2 at once");
        }
        assertTrue(yHot(hart(EARLY), Hart.PRIV_S), "in supervisor mode too");
    }

    @Test
    void notWithoutTheSwitchNorForShortRunsUserModeALowShareOrTheBoot() {
        Hart off = hart(0);
        assertFalse(yHot(off, Hart.PRIV_M), "without the switch Y waits for the threshold: " + off.translationStats());
        assertEquals(0, off.codeCache.hotEarlyPromotions);

        Hart shortRuns = hart(EARLY);
        shortRuns.codeCache.hotEarlyRun = 1_000_000;
        assertFalse(yHot(shortRuns, Hart.PRIV_M), "runs below the bound: on to the threshold");
        assertEquals(0, shortRuns.codeCache.hotEarlyPromotions);

        // A build over the bytecode bound: dropped before its warm-up calls, the unit on to the threshold and promoted there.
        Hart large = hart(EARLY), largeRef = HotTierShareTest.hart(false, 0);
        large.codeCache.hotEarlyMaxBytecode = 1;
        assertFalse(yHot(large, Hart.PRIV_M), "a build over the bytecode bound: on to the threshold");
        assertTrue(large.codeCache.hotEarlyTooLarge >= 1, "dropped as over the bound: " + large.codeCache.hotEarlyTooLarge);
        HotTierShareTest.run(large, largeRef, 1_600_000);
        assertTrue(HotTierShareTest.hotIn(large, HotTierShareTest.Y), "promoted at the threshold after all: " + large.translationStats());
        // The same with the build made on the translator thread (its job marked as queued until handed back).
        Hart bg = hart(EARLY), bgRef = HotTierShareTest.hart(false, 0);
        bg.codeCache.hotEarlyMaxBytecode = 1;
        bg.codeCache.background = new BackgroundTranslator("test-translator-large");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
        for (long to = 100_000; !HotTierShareTest.hotIn(bg, HotTierShareTest.Y) && System.nanoTime() < deadline; to += 100_000)
            HotTierShareTest.run(bg, bgRef, to);
        assertTrue(bg.codeCache.hotEarlyTooLarge >= 1, "dropped as over the bound: " + bg.translationStats());
        assertTrue(HotTierShareTest.hotIn(bg, HotTierShareTest.Y), "promoted at the threshold after all: " + bg.translationStats());
        assertTrue(bg.instret > THRESHOLD, "at the threshold, not before: " + bg.instret);
        Hart under = hart(EARLY);
        under.codeCache.hotEarlyMaxBytecode = 7600;
        assertTrue(yHot(under, Hart.PRIV_M), "a build under the bound: at the early look");
        assertEquals(0, under.codeCache.hotEarlyTooLarge);

        Hart user = hart(EARLY);
        assertFalse(yHot(user, Hart.PRIV_U), "a user-mode unit: on to the threshold");
        assertEquals(0, user.codeCache.hotEarlyPromotions);

        // The share bound: Y's 20,000 instructions came within ~20,400 of the hart's (98%): over a bound of 1 (100%), under 2.
        Hart whole = hart(EARLY);
        whole.codeCache.hotEarlyShare = 1;
        assertFalse(yHot(whole, Hart.PRIV_M), "a share of 98% is under a bound of 1/1: " + whole.translationStats());
        assertEquals(0, whole.codeCache.hotEarlyPromotions);
        Hart half = hart(EARLY);
        half.codeCache.hotEarlyShare = 2;
        assertTrue(yHot(half, Hart.PRIV_M), "a share of 98% is over a bound of 1/2: " + half.translationStats());

        // During a boot (until the hart first runs in user mode) no early decision; after it, as above.
        Hart boot = hart(EARLY);
        boot.startBootTranslation(0, true);
        assertTrue(boot.codeCache.booting, "the switch marks the boot (as hotC2Kernel's does)");
        assertFalse(yHot(boot, Hart.PRIV_M), "during the boot: on to the threshold");
        assertEquals(0, boot.codeCache.hotEarlyPromotions);
        Hart after = hart(EARLY);
        after.startBootTranslation(0, true);
        after.setPriv(Hart.PRIV_U);
        assertFalse(after.codeCache.booting, "the boot ended at the first user-mode run");
        assertTrue(yHot(after, Hart.PRIV_M), "after the boot: at the early look");
        Hart offBoot = hart(0);
        offBoot.startBootTranslation(0, true);
        assertFalse(offBoot.codeCache.booting, "without the switch no boot is marked, as on main");
    }

    /** The early build's job on the translator thread: marked to go before every other job, and taken so. */
    @Test
    void theEarlyBuildsJobIsTakenFirst() {
        List<Boolean> firstFlags = new CopyOnWriteArrayList<>();
        BackgroundTranslator background = new BackgroundTranslator("test-translator-early");
        background.beforeBuild = job -> {
            if (job.replaces != null) firstFlags.add(job.first);
        };
        for (long early : new long[] {EARLY, 0}) {
            firstFlags.clear();
            Hart jit = hart(early), ref = HotTierShareTest.hart(false, 0);
            jit.codeCache.background = background;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
            long to = 100_000;
            while (firstFlags.isEmpty() && System.nanoTime() < deadline) {
                HotTierShareTest.run(jit, ref, to);
                to += 100_000;
            }
            assertFalse(firstFlags.isEmpty(), "a hot-tier job built: " + jit.translationStats());
            if (early > 0) assertTrue(firstFlags.stream().allMatch(f -> f), "the early look's builds go first: " + firstFlags);
            else assertFalse(firstFlags.get(0), "a build at the threshold does not");
        }
        PendingUnit cold = HotJobsInOrderTest.job(null, 0x1000, false, 0), hottest = HotJobsInOrderTest.job(null, 0x3000, false, 5_000);
        PendingUnit hot = HotJobsInOrderTest.job(null, 0x2000, true, 0), early = HotJobsInOrderTest.job(null, 0x4000, true, 0);
        early.first = true;
        assertEquals(3, HotJobsInOrderTest.next(true, false, cold, hottest, hot, early), "before the hottest interpreted job and an older hot job");
        assertEquals(3, HotJobsInOrderTest.next(false, false, cold, hottest, hot, early), "and with the oldest first");
        assertEquals(1, HotJobsInOrderTest.next(true, false, cold, hottest, hot), "none marked: round 60's order, as on main");
    }

    /**
     * The look at an early build: in a child JVM whose tier-3 thresholds are above every warm-up call (HotTierLongRunTest's),
     * with the asking look as the cache's, a build never gets code unless a look asks for it; the early build is looked at by
     * the hybrid look, which queues it for tier 3 through the API after a few looks, and is installed. A build decided at the
     * threshold (the switch off, the threshold at the early count) waits.
     */
    @Test
    void theEarlyBuildIsLookedAtByTheHybridLook() throws Exception {
        String on = child(EARLY);
        assertTrue(on.contains("Y hot true"), on);
        String off = child(0);
        assertTrue(off.contains("Y hot false, Y waiting true"), off);
    }

    private static String child(long early) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent"));
        cmd.addAll(List.of("-Dvmckpt.jit.hotC2Direct=false", "-Dvmckpt.jit.hotC2Kernel=false", "-Dvmckpt.jit.hotLongRun=0",
                "-XX:Tier3InvocationThreshold=100000", "-XX:Tier3MinInvocationThreshold=100000", "-XX:Tier3CompileThreshold=100000",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), Long.toString(early)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The child JVM: runs the guest until Y's build is installed (or a watchdog), then compares it with the interpreter. */
    public static final class Child {
        public static void main(String[] args) {
            if (HotSpotCompiler.get() == null) throw new AssertionError("no WhiteBox API in the child: " + HotSpotCompiler.describe());
            long early = Long.parseLong(args[0]);
            Hart jit = hart(early), ref = HotTierShareTest.hart(false, 0);
            if (early == 0) jit.setPromotionThreshold(EARLY); // (decided at the same count, but not by the early look)
            jit.codeCache.promoteUncompiled = false; // the look decides
            jit.codeCache.hotLook = CodeCache.LOOK_ASK;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // a watchdog, not a measure
            long to = 2_000_000;
            while (jit.instret < 100_000_000 && System.nanoTime() < deadline && !HotTierShareTest.hotIn(jit, HotTierShareTest.Y)) {
                HotTierShareTest.run(jit, ref, to); // (compares the state at every step)
                to += 2_000_000;
            }
            HotTierShareTest.run(jit, ref, jit.instret + 2_000_000);
            System.out.println("Y hot " + HotTierShareTest.hotIn(jit, HotTierShareTest.Y) + ", Y waiting " + yWaiting(jit)
                    + " (" + jit.instret + " instructions; early " + jit.codeCache.hotEarlyPromotions + "; " + jit.translationStats() + ")");
        }

        static boolean yWaiting(Hart jit) {
            for (int off = 0; off < 0x20; off += 4) {
                TranslatedUnit u = jit.codeCache.unitAt(HotTierShareTest.Y + off);
                if (u != null && u.promoted != null) return true;
            }
            return false;
        }
    }
}
