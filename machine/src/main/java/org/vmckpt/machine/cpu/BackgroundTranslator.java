package org.vmckpt.machine.cpu;

import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * Builds translated units on a thread of its own, so that the guest's thread keeps interpreting while a hot
 * entry is translated: bytecode generation, the hidden class's definition and verification, and its compilation
 * by C1 at tier 1, which this thread waits for ({@link #compile}; without the WhiteBox API: the calls that get
 * HotSpot to queue it for compilation). Round 4 of docs/BENCHMARKS.md measured ~0.5 ms of the guest's thread per unit
 * when it did all of this itself.
 *
 * <p>One thread per JVM serves every {@link CodeCache} (a JVM runs one VM, tests run many): a daemon at
 * {@link #PRIORITY}, HotSpot's own compiler threads' priority (NearMaxPriority), one below the guest's thread (Java
 * priorities are nice values when the launcher runs as root, see {@code vmckpt}): so on a 2-core machine it yields
 * to the guest's thread but not to C1, whose queue it feeds, nor to everything else on the machine. Its queue is
 * bounded ({@link #CAPACITY}): when it is full the entry is simply left to the interpreter and becomes hot again
 * later. It takes first the job whose code the guest interpreted the most since it was queued ({@link #next}). A job
 * whose cache dropped it meanwhile (a write to its
 * page, a flush, a restore, a reset) is skipped; one that completes is handed back to its cache, which installs
 * it on the guest's thread only if it is still wanted (see {@link PendingUnit}).
 */
final class BackgroundTranslator {
    /** Jobs waiting at most: a few milliseconds of work, so a flush never leaves much stale work behind. */
    static final int CAPACITY = 64;
    /**
     * The translator thread's Java priority. It was the lowest (nice 4 as root) until round 9 of docs/BENCHMARKS.md:
     * then a hot entry's job waited behind C1 (nice -4) and every other process, and the guest interpreted 46-74 M of
     * a boot's 690 M instructions in entries whose job was still waiting (5-7 M at this priority), at load 11-13.
     * {@code -Dvmckpt.jit.translatorPriority=N} sets another, for A/B runs.
     */
    static final int PRIORITY = Integer.getInteger("vmckpt.jit.translatorPriority", Thread.MAX_PRIORITY - 1);
    /** Budget-0 calls that make HotSpot queue the unit for compilation (units compile after 10 calls, see vmckpt). */
    static final int WARM_CALLS = 16;

    private static BackgroundTranslator shared;

    /** The jobs waiting, oldest first, at most {@link #CAPACITY}; guarded by itself. */
    private final ArrayList<PendingUnit> queue = new ArrayList<>(CAPACITY);
    private final Translator translator = new Translator(Translator.BACKGROUND_NAME);
    /** For tests: called on the translator thread with each job before it is built (to hold it at a latch). */
    volatile Consumer<PendingUnit> beforeBuild;
    /** For tests: called on the translator thread with each job after it is built, before it is handed back. */
    volatile Consumer<PendingUnit> afterBuild;
    /** Failures the thread caught outside the translator's own (see {@link #work}); for tests. */
    volatile int failures;

    /** The JVM's translator thread, started on first use. */
    static synchronized BackgroundTranslator shared() {
        if (shared == null) shared = new BackgroundTranslator("vmckpt-translator");
        return shared;
    }

    /** A translator with a thread of its own (tests use one to hold jobs without touching the shared thread). */
    BackgroundTranslator(String threadName) {
        Thread t = new Thread(this::work, threadName);
        t.setDaemon(true);
        t.setPriority(PRIORITY);
        t.start();
    }

    /** Queues a job; false if the queue is full (the caller interprets on). */
    boolean submit(PendingUnit job) {
        synchronized (queue) {
            if (queue.size() >= CAPACITY) return false;
            if (Hart.PROFILE_UNITS) {
                job.queuedBehind = queue.size();
                job.queuedNanos = System.nanoTime();
            }
            queue.add(job);
            queue.notify();
            return true;
        }
    }

    /**
     * Waits for a job and takes it out of the queue ({@link #next}). {@link PendingUnit#interpreted} is written by the
     * guest's thread without a lock: a value read late only orders one job after another, it never changes what is built.
     */
    private PendingUnit take() throws InterruptedException {
        synchronized (queue) {
            while (queue.isEmpty()) queue.wait();
            int next = next(queue);
            if (Hart.PROFILE_UNITS) {
                for (int i = 0; i < next; i++) queue.get(i).overtaken++; // queued before the one taken
            }
            PendingUnit job = queue.remove(next);
            if (Hart.PROFILE_UNITS) job.interpretedAtTake = job.interpreted;
            return job;
        }
    }

    /**
     * The index of the job to take next from {@code queue} (oldest first, not empty): the one whose entry the guest
     * interpreted the most instructions at since it was queued ({@link PendingUnit#interpreted}), the oldest of equals
     * (round 60). Of a job's wait from queueing to installation about 70% was the queue (jobs ahead of it: 2.1-2.3 on
     * average, half the jobs queued behind others), the rest translating, C1 and the hand-back (docs/BENCHMARKS.md round
     * 60), and the guest interprets a hot loop's code all that time: the signed guest's boot interpreted 36 M of its 156 M
     * interpreted instructions in entries whose unit was pending. An entry the guest does not come back to costs nothing
     * while it waits. (Round 61's hot-tier jobs in their order of arrival and round 60's oldest-first form were retired
     * in round 83.)
     */
    static int next(java.util.List<PendingUnit> queue) {
        int best = 0;
        for (int i = 1; i < queue.size(); i++) if (queue.get(i).interpreted > queue.get(best).interpreted) best = i;
        return best;
    }

    private void work() {
        try {
            UnitCompilerDirectives.install(); // before the first unit exists (see UnitCompilerDirectives)
        } catch (Throwable e) {
            // Without the directives units still build (slower at first): never a reason to stop.
            failed("setting up", e);
        }
        while (true) {
            PendingUnit job;
            try {
                job = take();
            } catch (InterruptedException e) {
                continue; // a daemon: it ends with the JVM
            }
            // Whatever goes wrong with one job (a translator bug, an OutOfMemoryError, a test hook), the job is handed
            // back unbuilt, so its entry is interpreted on, and the thread goes on serving the next one. A thread that
            // died here would leave every later entry waiting for it: the guest would interpret forever, silently.
            try {
                if (Hart.PROFILE_UNITS) job.takenNanos = System.nanoTime();
                job.stage = 1;
                Consumer<PendingUnit> hook = beforeBuild;
                if (hook != null) hook.accept(job);
                // (A hot-tier job whose unit died meanwhile is stale too: a racy read, only to save the work.)
                if (!job.cancelled && !(job.replaces != null && job.replaces.dead) && !(job.rebuildOf != null && job.rebuildOf.dead)) build(job);
                job.stage = 2;
                hook = afterBuild;
                if (hook != null) hook.accept(job);
            } catch (Throwable e) {
                job.built = null;
                failed("page " + job.pageIndex + " offset " + job.entryOff, e);
            }
            job.stage = 3;
            if (Hart.PROFILE_UNITS) job.compiledNanos = System.nanoTime();
            job.cache.completed(job);
        }
    }

    /** Reports a failure of the translator thread (to stderr, as the VMM's warnings go) and counts it. */
    private void failed(String where, Throwable e) {
        failures++;
        System.err.println("vmckpt: the translator thread failed (" + where + ": " + e + "); that code stays interpreted");
    }

    private void build(PendingUnit job) {
        long t0 = CpuClock.threadNanos();
        try {
            boolean hot = job.replaces != null;
            if (UnitCorpus.FILE != null && !hot && job.rebuildOf == null) UnitCorpus.record(job);
            translator.wordLogic = job.cache.wordLogic;
            translator.c1Calls = job.rebuildOf != null; // (CodeCache#missLeft's rebuild: a C1 unit with the slow paths' calls)
            TranslatedUnit u = translator.translate(job.code, job.pageIndex, job.nextCode, job.nextIndex, job.entryOff, hot, job.cache.maxLoopInstructions,
                    job.cache.maxStraightInstructions, job.cache.localBranchBytes);
            // A hot-tier unit goes to C2 through HotSpot's policy (tier 3 first, with a profile): asked for C2 at once
            // through the WhiteBox API (compiled without a profile) it ran 5-10% slower (docs/BENCHMARKS.md round 14).
            if (u != null && hot) warmHot(u);
            if (Hart.PROFILE_UNITS) job.translatedNanos = System.nanoTime();
            job.stage = 4; // (profile: what the guest interprets at the entry now is C1's part of the wait)
            boolean compiled = u == null || hot || compile(u);
            if (!compiled) {
                u = null; // C1 refused it: the entry stays interpreted
                job.compileRefused = true;
            }
            job.built = u;
        } catch (RuntimeException | LinkageError e) {
            // A translator bug must not take the guest down: the entry stays interpreted.
            job.built = null;
            System.err.println("vmckpt: the translator failed on guest code at page " + job.pageIndex + " offset "
                    + job.entryOff + " (" + e + "); that code stays interpreted");
        }
        job.cpuNanos = CpuClock.threadNanos() - t0;
    }

    /**
     * Budget-0 calls for a hot-tier unit (default compile thresholds, no directive): enough for HotSpot to queue it for
     * C1 with profiling (tier 3: an interpreted method with over 200 calls), fewer than the 600 after which it could
     * go to C2 before real runs have filled its profile (HotSpot 17's Tier3InvocationThreshold and
     * Tier4MinInvocationThreshold).
     */
    static final int HOT_WARM_CALLS = 256;

    /**
     * Gets hot-tier unit {@code u} queued for tier 3 by {@link #HOT_WARM_CALLS} calls (HotSpot's policy looks at the
     * counts at the 128th and 256th call, its tier-3 threshold raised by C1's queue; round 63's request through the API
     * where the calls queued nothing, {@code -Dvmckpt.jit.hotRequeue}, was retired in round 84).
     */
    static void warmHot(TranslatedUnit u) {
        for (int i = 0; i < HOT_WARM_CALLS; i++) u.run(null, -1);
    }

    /**
     * Gets unit {@code u} of this thread compiled by C1. Where the WhiteBox API is there ({@link HotSpotCompiler}): at
     * tier 1, before this returns (its C1 compile is blocking, see {@link UnitCompilerDirectives}), so {@code u.compiled}
     * is true and the dispatcher never probes it. Without the API: warm-up calls that make HotSpot's policy queue it, and
     * the dispatcher probes it until it runs compiled. False if C1 refused it: it must not run (the JVM would interpret
     * it).
     */
    static boolean compile(TranslatedUnit u) {
        HotSpotCompiler c = HotSpotCompiler.get();
        if (c == null) {
            warm(u);
            return true;
        }
        int tier = c.requestTier1(u);
        if (tier < 0) return false;
        u.compiled = tier == HotSpotCompiler.TIER_C1;
        return true;
    }

    /** Calls that return at once (a negative budget) so that HotSpot counts them and queues the unit for C1. */
    static void warm(TranslatedUnit u) {
        for (int i = 0; i < WARM_CALLS; i++) u.run(null, -1);
    }
}
