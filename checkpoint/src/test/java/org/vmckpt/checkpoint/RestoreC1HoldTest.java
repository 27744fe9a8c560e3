package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The restore's C1 hold ({@link RestoreC1Hold}, {@code -Dvmckpt.restore.holdC1=N}): off by default; with it HotSpot's
 * tier-3 thresholds are N times their own from the command line's start (taken over by the restore) until the pages are
 * in; two restores at once keep it until the last one ends; a method run past its own thresholds but below N times them
 * gets no C1 code while held, and does once released; an eager restore with it gives the checkpointed machine, and a
 * refused one leaves nothing held. Needs HotSpot's WhiteBox API (the test JVMs have it, as the launcher's).
 */
class RestoreC1HoldTest {
    @TempDir
    Path dir;

    private static final String SWITCH = "vmckpt.restore.holdC1";

    @AfterEach
    void reset() {
        System.clearProperty(SWITCH);
        OldGenerationWindow.install(null);
        while (RestoreC1Hold.held()) RestoreC1Hold.end();
        RestoreC1Hold.end(); // an early start not taken over
    }

    private static long[] flags() {
        long[] v = new long[RestoreC1Hold.FLAGS.length];
        for (int i = 0; i < v.length; i++) v[i] = HotSpotCompiler.intxFlag(RestoreC1Hold.FLAGS[i]);
        return v;
    }

    private static long[] times(long[] own, int f) {
        long[] v = own.clone();
        for (int i = 0; i < v.length; i++) v[i] = Math.min(Integer.MAX_VALUE, v[i] * f);
        return v;
    }

    @Test
    void offByDefaultAndForFactorsOutOfRange() {
        assumeTrue(System.getProperty(SWITCH) == null);
        int before = RestoreC1Hold.holds();
        RestoreC1Hold.startEarly();
        assertFalse(RestoreC1Hold.begin(), "off unless turned on");
        assertFalse(RestoreC1Hold.held());
        for (String v : new String[] {"true", "1", "0", "-5", "1001", "x"}) {
            System.setProperty(SWITCH, v);
            assertEquals(0, RestoreC1Hold.factor(), v);
            assertFalse(RestoreC1Hold.begin(), v);
        }
        System.setProperty(SWITCH, " 10 ");
        assertEquals(10, RestoreC1Hold.factor());
        assertEquals(before, RestoreC1Hold.holds());
    }

    @Test
    void heldUntilTheLastRestoreEnds() {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        long[] own = flags();
        for (long v : own) assertTrue(v > 0 && v < Integer.MAX_VALUE / RestoreC1Hold.MAX_FACTOR, "HotSpot's own thresholds: " + java.util.Arrays.toString(own));
        RestoreC1Hold.apply(); // the API set up: begin() then holds at once
        assertFalse(RestoreC1Hold.held(), "no restore asked for it");
        System.setProperty(SWITCH, "10");
        assertTrue(RestoreC1Hold.begin());
        assertTrue(RestoreC1Hold.held());
        assertArrayEquals(times(own, 10), flags());
        assertArrayEquals(own, RestoreC1Hold.savedFlags());
        assertTrue(RestoreC1Hold.begin(), "a second restore at once");
        RestoreC1Hold.end();
        assertTrue(RestoreC1Hold.held(), "the second restore still loads");
        assertArrayEquals(times(own, 10), flags());
        RestoreC1Hold.end();
        assertFalse(RestoreC1Hold.held());
        assertArrayEquals(own, flags(), "HotSpot's own thresholds back");
        // The command line's early start is taken over by its restore: one end() releases both.
        RestoreC1Hold.startEarly();
        assertTrue(RestoreC1Hold.held(), "held from the command's start");
        RestoreC1Hold.startEarly(); // a second preload of the same command adds nothing
        assertTrue(RestoreC1Hold.begin());
        RestoreC1Hold.end();
        assertFalse(RestoreC1Hold.held(), "the restore's end releases the early start's hold");
        assertArrayEquals(own, flags());
        // The switch turned off between the early start and the restore: the restore still ends the early hold.
        RestoreC1Hold.startEarly();
        System.clearProperty(SWITCH);
        assertTrue(RestoreC1Hold.begin(), "the early hold is the restore's");
        RestoreC1Hold.end();
        assertFalse(RestoreC1Hold.held());
        assertArrayEquals(own, flags());
        // A hold whose restore ended before its thread applied it is never put in place.
        System.setProperty(SWITCH, "10");
        assertTrue(RestoreC1Hold.begin());
        RestoreC1Hold.end();
        RestoreC1Hold.apply();
        assertFalse(RestoreC1Hold.held());
        assertArrayEquals(own, flags());
    }

    /** A method with a branch and a call: something to profile, so the policy's tier-3 thresholds decide when C1 takes it. */
    static int work(int x) {
        if ((x & 3) == 0) return Integer.bitCount(x) + x;
        return x * 31 + (x >>> 3);
    }

    private static int sink;

    /** {@code n} calls of {@link #work}, each from here (no loop, so no back edges counted for it). */
    private static void calls(int n) {
        int s = 0;
        for (int i = 0; i < n; i++) s += work(i);
        sink += s;
    }

    @Test
    void aMethodWarmDuringTheHoldGetsC1CodeOnlyAfterIt() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        Method m = RestoreC1HoldTest.class.getDeclaredMethod("work", int.class);
        assertEquals(0, HotSpotCompiler.methodTier(m, false), "not compiled yet");
        long[] own = flags();
        RestoreC1Hold.apply();
        System.setProperty(SWITCH, "100");
        assertTrue(RestoreC1Hold.begin());
        // Past the method's own tier-3 thresholds (invocations, and invocations with back edges: it has none) several
        // times over, below a hundred times them; with time for a queued task to run.
        long calls = Math.max(own[0], own[2]) * 4;
        try {
            assertTrue(RestoreC1Hold.held());
            for (int round = 0; round < 20; round++) {
                calls((int) (calls / 20));
                Thread.sleep(20);
            }
            assertEquals(0, HotSpotCompiler.methodTier(m, false), "no C1 code while held, after " + calls + " calls");
        } finally {
            RestoreC1Hold.end();
        }
        assertFalse(RestoreC1Hold.held());
        // Released, the policy takes the method at a later look.
        for (int round = 0; round < 500 && HotSpotCompiler.methodTier(m, false) == 0; round++) {
            calls(1_000);
            Thread.sleep(10);
        }
        assertNotEquals(0, HotSpotCompiler.methodTier(m, false), "compiled after the hold");
    }

    /** One call, one long loop: what only the back-edge threshold can get compiled (on stack). */
    static long loop(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) s += (i & 7) == 0 ? i >>> 2 : i * 3L;
        return s;
    }

    @Test
    void aLongLoopIsStillCompiledOnStackWhileHeld() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        Method m = RestoreC1HoldTest.class.getDeclaredMethod("loop", int.class);
        long backEdges = HotSpotCompiler.intxFlag("Tier3BackEdgeThreshold");
        assertTrue(backEdges > 0);
        RestoreC1Hold.apply();
        System.setProperty(SWITCH, "100");
        assertTrue(RestoreC1Hold.begin());
        try {
            assertEquals(backEdges, HotSpotCompiler.intxFlag("Tier3BackEdgeThreshold"), "the back-edge threshold is left alone");
            // Ten calls at most of 4 times the back-edge threshold's turns (40 times it in all, below 100 times): on-stack code while held.
            for (int round = 0; round < 10 && HotSpotCompiler.methodTier(m, true) == 0 && HotSpotCompiler.methodTier(m, false) == 0; round++) {
                sink += (int) loop((int) backEdges * 4);
                Thread.sleep(10);
            }
            assertTrue(HotSpotCompiler.methodTier(m, true) > 0 || HotSpotCompiler.methodTier(m, false) > 0,
                    "a long loop compiled while held");
        } finally {
            RestoreC1Hold.end();
        }
    }

    @Test
    void anEagerRestoreWithTheHoldGivesTheMachineAndPutsTheThresholdsBack() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        long[] own = flags();
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(3_000_000);
        String expected = Machines.hash(m);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();

        RestoreC1Hold.apply();
        System.setProperty(SWITCH, "10");
        // Inside the loading (where the window opens), the hold is in place.
        AtomicInteger heldAtWindow = new AtomicInteger(), windows = new AtomicInteger();
        OldGenerationWindow.install(() -> {
            windows.incrementAndGet();
            if (RestoreC1Hold.held()) heldAtWindow.incrementAndGet();
            return null;
        });
        int before = RestoreC1Hold.holds();
        for (int i = 0; i < 2; i++) {
            if (i == 1) RestoreC1Hold.startEarly(); // as the command line does
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
                assertEquals(expected, Machines.hash(r.machine()), "eager restore with the hold");
                assertEquals(1L, r.phaseNanos().get("pages.c1hold.items"), "--stats says so: " + r.phaseNanos());
            }
            assertFalse(RestoreC1Hold.held(), "released once the pages are in");
            assertArrayEquals(own, flags());
        }
        assertEquals(before + 2, RestoreC1Hold.holds(), "one hold per eager restore");
        assertEquals(2, windows.get());
        assertEquals(2, heldAtWindow.get(), "held while the pages load");
        // A lazy restore does not hold.
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, true, null);
            r.machine().memory().materializeAllLazy();
            assertEquals(expected, Machines.hash(r.machine()), "lazy");
        }
        assertEquals(before + 2, RestoreC1Hold.holds(), "none for a lazy restore");
        // Off: no hold.
        System.clearProperty(SWITCH);
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
            assertEquals(expected, Machines.hash(r.machine()));
            assertNull(r.phaseNanos().get("pages.c1hold.items"));
        }
        assertEquals(before + 2, RestoreC1Hold.holds(), "none when off");
        System.setProperty(SWITCH, "10");
        // A restore refused (a damaged pack) leaves nothing held.
        Path pack;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(repo.dir().resolve("packs"))) {
            pack = s.max(java.util.Comparator.comparingLong(RestoreC1HoldTest::size)).orElseThrow();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(pack);
        for (int k = 64; k < bytes.length; k += 97) bytes[k] ^= 0x5a;
        java.nio.file.Files.write(pack, bytes);
        RestoreC1Hold.startEarly();
        try (Checkpoint c = repo.open(id)) {
            assertThrows(RestoreException.class, () -> Restorer.restore(c, null, x -> { }, false, null));
        }
        assertFalse(RestoreC1Hold.held(), "released after a refused restore");
        assertArrayEquals(own, flags());
    }

    private static long size(Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
