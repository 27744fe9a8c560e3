package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmckpt.checkpoint.store.CraftedFiles.manifestVersion;
import static org.vmckpt.checkpoint.store.CraftedFiles.rewriteVersion;

/**
 * The working set recorded at checkpoint time (manifest version 4, section 8): stored as runs and read back
 * exactly, clipped to the checkpoint's pages, absent (and the manifest's version unchanged) when none is given,
 * and a damaged run refused.
 */
class WorkingSetFormatTest {
    @TempDir
    Path dir;

    private String write(Repository repo, BitSet ws) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("w", 300), null)) {
            for (int i = 0; i < 300; i++) w.putPage(i, TestPages.page(i));
            if (ws != null) w.setWorkingSet(ws);
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void theWorkingSetRoundTrips() throws IOException {
        Repository repo = Repository.open(dir, true);
        BitSet ws = new BitSet();
        ws.set(0);
        ws.set(5, 9);
        ws.set(64, 200);
        ws.set(299);
        ws.set(300, 400); // beyond the checkpoint: dropped
        String id = write(repo, ws);
        assertEquals(ManifestCodec.WORKING_SET_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(id))));
        BitSet want = (BitSet) ws.clone();
        want.clear(300, 400);
        try (Checkpoint c = repo.open(id)) {
            assertEquals(want, c.workingSet());
        }
        // Round trip through the codec alone, too (what is encoded decodes to the same manifest).
        Manifest m = ManifestCodec.read(repo.manifestPath(id));
        assertEquals(want, ManifestCodec.decode(repo.manifestPath(id), ManifestCodec.encode(m)).workingSet());
    }

    @Test
    void withoutAWorkingSetTheManifestKeepsItsOlderVersion() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = write(repo, null);
        assertEquals(ManifestCodec.PLAIN_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(id))), "older builds still read it");
        try (Checkpoint c = repo.open(id)) {
            assertTrue(c.workingSet().isEmpty());
        }
        String empty = write(repo, new BitSet());
        assertEquals(ManifestCodec.PLAIN_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(empty))));
    }

    @Test
    void aWorkingSetSectionInAnOlderVersionIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        BitSet ws = new BitSet();
        ws.set(3, 7);
        String id = write(repo, ws);
        rewriteVersion(repo.manifestPath(id), ManifestCodec.NAME, 3); // claims version 3, which has no section 8
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("manifest body"), e.getMessage());
    }
}
