package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Executable;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The eager restore's methods asked for at tier 1 before its loaders run ({@link RestoreTier1}, {@code
 * -Dvmckpt.restore.tier1}): on by default; its lists name methods this JDK has, restore code only where the C1-only
 * directive keeps C2 away; with it an eager restore gives the checkpointed machine, its loading path's methods end at
 * tier 1, and the shared methods (the JDK's, the store's tables) are given back to HotSpot's policy after it.
 */
class RestoreTier1Test {
    @TempDir
    Path dir;

    private static final String SWITCH = "vmckpt.restore.tier1";

    @AfterEach
    void reset() {
        System.clearProperty(SWITCH);
    }

    @Test
    void onByDefaultAndOffWhenTurnedOff() throws Exception {
        assumeTrue(System.getProperty(SWITCH) == null);
        assertTrue(RestoreTier1.enabled(), "on by default");
        System.setProperty(SWITCH, "false");
        assertFalse(RestoreTier1.begin(), "off when turned off");
    }

    /** {@link RestoreCompilerDirectives#RESTORE_CODE}'s patterns (package/Class*.*, package/Class.*, package/Class.method). */
    private static boolean directiveCovers(Executable m) {
        String cls = m.getDeclaringClass().getName().replace('.', '/');
        String name = m instanceof java.lang.reflect.Constructor ? "<init>" : m.getName();
        for (String p : RestoreCompilerDirectives.RESTORE_CODE) {
            int dot = p.lastIndexOf('.');
            String pc = p.substring(0, dot), pm = p.substring(dot + 1);
            boolean classMatches = pc.endsWith("*") ? cls.startsWith(pc.substring(0, pc.length() - 1)) : cls.equals(pc);
            if (classMatches && (pm.equals("*") || pm.equals(name))) return true;
        }
        return false;
    }

    @Test
    void theListsNameMethodsAndOnlyRestoreCodeStaysAtTier1() {
        ClassLoader loader = RestoreTier1.class.getClassLoader();
        for (String e : RestoreTier1.RESTORE_METHODS) {
            List<Executable> ms = RestoreTier1.methodsOf(e, loader);
            assertFalse(ms.isEmpty(), "names no method: " + e);
            for (Executable m : ms) assertTrue(directiveCovers(m), "restore code outside the C1-only directive: " + m);
        }
        for (String e : RestoreTier1.SHARED_METHODS) {
            List<Executable> ms = RestoreTier1.methodsOf(e, loader);
            assertFalse(ms.isEmpty(), "names no method in this JDK: " + e);
            for (Executable m : ms) assertFalse(directiveCovers(m), "a shared method the directive keeps from C2: " + m);
        }
        assertEquals("[BII", RestoreTier1.descriptor(new Class<?>[] {byte[].class, int.class, int.class}));
    }

    private static Executable one(String entry) {
        List<Executable> ms = RestoreTier1.methodsOf(entry, RestoreTier1.class.getClassLoader());
        assertEquals(1, ms.size(), entry);
        return ms.get(0);
    }

    /**
     * Waits (60 s at most: it returns as soon as the queue is empty; 5 s until round 78, which HotSpot's queue on a
     * loaded machine can need) until {@code m} has no compile task queued.
     */
    private static void settled(Executable m) throws InterruptedException {
        for (int i = 0; i < 6_000 && HotSpotCompiler.methodQueued(m); i++) Thread.sleep(10);
    }

    @Test
    void anEagerRestoreEndsWithItsLoadingPathAtTier1AndTheSharedMethodsGivenBack() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "needs the WhiteBox API");
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(3_000_000);
        String expected = Machines.hash(m);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();

        // Restore code the loaders run, and shared methods they run (the store's page table, the JDK's positional read),
        // each without code to begin with (earlier tests in this JVM may have compiled them), so each is asked for.
        Executable[] restoreCode = {one("org.vmckpt.checkpoint.PageLoader#take"), one("org.vmckpt.checkpoint.store.PackReader#frameOffset"),
                one("org.vmckpt.checkpoint.store.PackReader#frameUnits"), one("org.vmckpt.checkpoint.Restorer$IntoArray#page")};
        Executable[] shared = {one("org.vmckpt.checkpoint.store.RunTable#runEnd"), one("sun.nio.ch.IOUtil#readIntoNativeBuffer")};
        // A compile an earlier test's use queued (C2's, of a method it made hot: round 79's FusedStoredCopyTest did) would
        // land after the deoptimization and leave the method at its tier: let the queue drain first.
        for (Executable x : restoreCode) settled(x);
        for (Executable x : shared) settled(x);
        for (Executable x : restoreCode) HotSpotCompiler.deoptimizeMethod(x);
        for (Executable x : shared) HotSpotCompiler.deoptimizeMethod(x);
        // And their counters cleared, as in a fresh JVM: with an earlier test's counts HotSpot's policy queues a tier-3
        // compile at the method's first call, which can come before the requests' thread asks for tier 1 (round 80: a
        // loader's IntoArray.page ended at tier 3 once).
        for (Executable x : restoreCode) assertTrue(HotSpotCompiler.clearMethodState(x), "counters cleared: " + x);
        for (Executable x : restoreCode) assertEquals(0, HotSpotCompiler.methodTier(x, false), "no code before: " + x);

        int asked = RestoreTier1.requestsMade(), back = RestoreTier1.givenBack();
        System.setProperty(SWITCH, "true");
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
            assertEquals(expected, Machines.hash(r.machine()), "eager restore with the tier-1 requests");
        }
        RestoreTier1.awaitIdle();
        for (Executable x : restoreCode) {
            settled(x);
            assertEquals(HotSpotCompiler.TIER_C1, HotSpotCompiler.methodTier(x, false), "restore code at tier 1 after the restore: " + x);
        }
        assertTrue(RestoreTier1.requestsMade() >= asked + restoreCode.length + shared.length,
                "asked for: " + (RestoreTier1.requestsMade() - asked));
        assertTrue(RestoreTier1.givenBack() > back, "shared methods deoptimized after the restore");
        for (Executable x : shared) {
            assertNotEquals(HotSpotCompiler.TIER_C1, HotSpotCompiler.methodTier(x, false), "given back to HotSpot's policy: " + x);
        }

        // A lazy restore asks for nothing; a second eager restore still gives the machine.
        int before = RestoreTier1.requestsMade();
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, true, null);
            r.machine().memory().materializeAllLazy();
            assertEquals(expected, Machines.hash(r.machine()), "lazy");
        }
        RestoreTier1.awaitIdle();
        assertEquals(before, RestoreTier1.requestsMade(), "nothing asked for by a lazy restore");
        try (Checkpoint c = repo.open(id)) {
            assertEquals(expected, Machines.hash(Restorer.restore(c, null, x -> { }, false, null).machine()), "second eager restore");
        }
        RestoreTier1.awaitIdle();
        for (Executable x : shared) {
            settled(x);
            assertNotEquals(HotSpotCompiler.TIER_C1, HotSpotCompiler.methodTier(x, false), "given back again: " + x);
        }
    }
}
