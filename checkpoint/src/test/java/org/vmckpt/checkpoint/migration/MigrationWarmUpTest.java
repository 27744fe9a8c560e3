package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The throwaway migrations a process makes to warm up its migration code really migrate, in plaintext and over TLS. */
class MigrationWarmUpTest {
    @TempDir
    Path dir;

    @Test
    void aPlaintextWarmUpMigrationCompletes() {
        assertTrue(MigrationWarmUp.migrateOnce(null, null, 0), "the scratch machine migrated (its digest checked at the destination)");
    }

    @Test
    void aTlsWarmUpMigrationCompletes() throws Exception {
        Path creds = TestCertificates.create(dir.resolve("creds"), "warm-up CA");
        assertTrue(TlsWarmUp.hasBothEnds(creds));
        assertTrue(MigrationWarmUp.migrateOnce(TlsCredentials.forServer(creds), TlsCredentials.forClient(creds), 1));
        assertEquals(200, MigrationWarmUp.smallFrames(TlsCredentials.forServer(creds), TlsCredentials.forClient(creds), 200),
                "every small frame (data and deltas) arrives as it was sent");
    }

    @Test
    void smallFramesArriveIntactInPlaintext() {
        assertEquals(300, MigrationWarmUp.smallFrames(null, null, 300));
    }

    @Test
    void afterTheWarmUpEveryProfiledMigrationMethodIsCompiledByC2() throws Exception {
        assumeTrue(org.vmckpt.machine.cpu.HotSpotCompiler.available(), "needs HotSpot's WhiteBox API (the build's test JVMs have it)");
        WarmUpC2Compiles.profileFromStart(WarmUpC2Compiles.longLoops());
        assertTrue(MigrationWarmUp.migrateOnce(null, null, 0));
        assertTrue(MigrationWarmUp.migrateOnce(null, null, 1));
        assertEquals(1500, MigrationWarmUp.smallFrames(null, null, 1500));
        Method encoder = PageFrames.class.getDeclaredMethod("encodePagesShared", int[].class, byte[][].class, long[].class,
                byte[][].class, long[].class, int.class);
        // The encoder ran 1,500 times and more: C1 has compiled it with a profile by now (or C2 already has).
        for (int i = 0; i < 500 && WarmUpC2Compiles.tierNow(encoder) < 2; i++) Thread.sleep(20);
        WarmUpC2Compiles.Result r = WarmUpC2Compiles.compileProfiled(List.of(PageFrames.class, MigrationSource.class), 300_000_000_000L);
        assertEquals(r.requested(), r.compiled(), "every method asked for reached C2; not: " + r.notAtC2());
        assertEquals(4, WarmUpC2Compiles.tierNow(encoder), "the frame encoder runs on C2's code");
        for (Method loop : WarmUpC2Compiles.longLoops()) {
            assertEquals(4, WarmUpC2Compiles.tierNow(loop), loop.getName() + ", profiled from the warm-up's start, runs on C2's code");
        }
    }
}
