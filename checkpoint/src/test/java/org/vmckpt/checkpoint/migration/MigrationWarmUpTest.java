package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
