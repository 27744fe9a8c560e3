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
 * The restore's C2 hold ({@link RestoreC2Hold}, {@code -Dvmckpt.restore.holdC2}): off by default; with it an eager restore
 * raises HotSpot's C2 thresholds while it loads, gives the checkpointed machine, and puts them back; two restores at once
 * keep it until the last one ends; a method hot during the hold gets no C2 code until the hold ends, and then does.
 * Needs HotSpot's WhiteBox API (the test JVMs have it, as the launcher's).
 */
class RestoreC2HoldTest {
    @TempDir
    Path dir;

    private static final String SWITCH = "vmckpt.restore.holdC2";

    @AfterEach
    void reset() {
        System.clearProperty(SWITCH);
        OldGenerationWindow.install(null);
        while (RestoreC2Hold.held()) RestoreC2Hold.end();
    }

    private static long[] flags() {
        long[] v = new long[RestoreC2Hold.FLAGS.length];
        for (int i = 0; i < v.length; i++) v[i] = HotSpotCompiler.intxFlag(RestoreC2Hold.FLAGS[i]);
        return v;
    }

    @Test
    void offByDefault() {
        assumeTrue(System.getProperty(SWITCH) == null);
        int before = RestoreC2Hold.holds();
        assertFalse(RestoreC2Hold.begin(), "off unless turned on");
        assertFalse(RestoreC2Hold.held());
        assertEquals(before, RestoreC2Hold.holds());
    }

    @Test
    void heldUntilTheLastRestoreEnds() {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        long[] own = flags();
        for (long v : own) assertTrue(v >= 0 && v < RestoreC2Hold.HELD, "HotSpot's own thresholds: " + java.util.Arrays.toString(own));
        RestoreC2Hold.apply(); // the API set up: begin() then holds at once
        assertFalse(RestoreC2Hold.held(), "no restore asked for it");
        System.setProperty(SWITCH, "true");
        assertTrue(RestoreC2Hold.begin());
        assertTrue(RestoreC2Hold.held());
        for (long v : flags()) assertEquals(RestoreC2Hold.HELD, v);
        assertTrue(RestoreC2Hold.begin(), "a second restore at once");
        RestoreC2Hold.end();
        assertTrue(RestoreC2Hold.held(), "the second restore still loads");
        for (long v : flags()) assertEquals(RestoreC2Hold.HELD, v);
        RestoreC2Hold.end();
        assertFalse(RestoreC2Hold.held());
        assertArrayEquals(own, flags(), "HotSpot's own thresholds back");
        // A hold whose restore ended before its thread applied it is never put in place.
        System.setProperty(SWITCH, "true");
        assertTrue(RestoreC2Hold.begin());
        RestoreC2Hold.end();
        RestoreC2Hold.apply();
        assertFalse(RestoreC2Hold.held());
        assertArrayEquals(own, flags());
    }

    /** A method with a branch and a call: something to profile, so the policy's thresholds decide when C2 takes it. */
    static int work(int x) {
        if ((x & 3) == 0) return Integer.bitCount(x) + x;
        return x * 31 + (x >>> 3);
    }

    private static int sink;

    private static void calls(int n) {
        int s = 0;
        for (int i = 0; i < n; i++) s += work(i);
        sink += s;
    }

    @Test
    void aMethodHotDuringTheHoldGetsC2CodeOnlyAfterIt() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        Method m = RestoreC2HoldTest.class.getDeclaredMethod("work", int.class);
        assertEquals(0, HotSpotCompiler.methodTier(m, false), "not compiled yet");
        RestoreC2Hold.apply();
        System.setProperty(SWITCH, "true");
        assertTrue(RestoreC2Hold.begin());
        try {
            assertTrue(RestoreC2Hold.held());
            // Far past C2's own thresholds (5,000 calls, 15,000 calls and loop turns), and time for a queued task to run.
            for (int round = 0; round < 40; round++) {
                calls(50_000);
                Thread.sleep(25);
                assertNotEquals(HotSpotCompiler.TIER_C2, HotSpotCompiler.methodTier(m, false), "no C2 code while held");
            }
        } finally {
            RestoreC2Hold.end();
        }
        assertFalse(RestoreC2Hold.held());
        // Released, the policy takes the still-hot method to C2 at a later look.
        for (int round = 0; round < 2_000 && HotSpotCompiler.methodTier(m, false) != HotSpotCompiler.TIER_C2; round++) {
            calls(50_000);
            Thread.sleep(10);
        }
        assertEquals(HotSpotCompiler.TIER_C2, HotSpotCompiler.methodTier(m, false), "C2 code after the hold");
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

        RestoreC2Hold.apply();
        System.setProperty(SWITCH, "true");
        // Inside the loading (where the window opens), the hold is in place.
        AtomicInteger heldAtWindow = new AtomicInteger(), windows = new AtomicInteger();
        OldGenerationWindow.install(() -> {
            windows.incrementAndGet();
            if (RestoreC2Hold.held()) heldAtWindow.incrementAndGet();
            return null;
        });
        int before = RestoreC2Hold.holds();
        for (int i = 0; i < 2; i++) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
                assertEquals(expected, Machines.hash(r.machine()), "eager restore with the hold");
                assertEquals(1L, r.phaseNanos().get("pages.c2hold.items"), "--stats says so: " + r.phaseNanos());
            }
            assertFalse(RestoreC2Hold.held(), "released once the pages are in");
            assertArrayEquals(own, flags());
        }
        assertEquals(before + 2, RestoreC2Hold.holds(), "one hold per eager restore");
        assertEquals(2, windows.get());
        assertEquals(2, heldAtWindow.get(), "held while the pages load");
        // A lazy restore does not hold.
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, true, null);
            r.machine().memory().materializeAllLazy();
            assertEquals(expected, Machines.hash(r.machine()), "lazy");
        }
        assertEquals(before + 2, RestoreC2Hold.holds(), "none for a lazy restore");
        // Off: no hold.
        System.clearProperty(SWITCH);
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
            assertEquals(expected, Machines.hash(r.machine()));
            assertNull(r.phaseNanos().get("pages.c2hold.items"));
        }
        assertEquals(before + 2, RestoreC2Hold.holds(), "none when off");
        System.setProperty(SWITCH, "true");
        // A restore refused (a damaged pack: here found as its batches are listed, before the hold) leaves nothing held.
        Path pack;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(repo.dir().resolve("packs"))) {
            pack = s.max(java.util.Comparator.comparingLong(RestoreC2HoldTest::size)).orElseThrow();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(pack);
        for (int k = 64; k < bytes.length; k += 97) bytes[k] ^= 0x5a;
        java.nio.file.Files.write(pack, bytes);
        try (Checkpoint c = repo.open(id)) {
            assertThrows(RestoreException.class, () -> Restorer.restore(c, null, x -> { }, false, null));
        }
        assertFalse(RestoreC2Hold.held(), "released after a refused restore");
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
