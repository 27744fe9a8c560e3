package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.checkpoint.store.CraftedFiles.manifestVersion;
import static org.vmckpt.checkpoint.store.CraftedFiles.rewriteVersion;

/**
 * The write order recorded at checkpoint time (manifest version 5, section 9, after section 8): stored and read back
 * in order, repeats and pages outside the checkpoint dropped by the writer; absent, the manifest keeps version 4
 * (or older) and reads back empty; with it, the manifest is version 5 even without a working set; a repeated page,
 * or the section in a manifest claiming version 4, is refused.
 */
class WriteOrderFormatTest {
    @TempDir
    Path dir;

    private String write(Repository repo, BitSet ws, int[] order) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("w", 300), null)) {
            for (int i = 0; i < 300; i++) w.putPage(i, TestPages.page(i));
            if (ws != null) w.setWorkingSet(ws);
            if (order != null) w.setWriteOrder(order);
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void theWriteOrderRoundTripsInOrder() throws IOException {
        Repository repo = Repository.open(dir, true);
        BitSet ws = new BitSet();
        ws.set(10, 20);
        String id = write(repo, ws, new int[] {250, 3, 299, 3, 17, 300, -1, 0, 250, 128});
        assertEquals(ManifestCodec.WRITE_ORDER_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(id))));
        int[] want = {250, 3, 299, 17, 0, 128};
        try (Checkpoint c = repo.open(id)) {
            assertArrayEquals(want, c.writeOrder());
            assertEquals(ws, c.workingSet());
        }
        Manifest m = ManifestCodec.read(repo.manifestPath(id));
        assertArrayEquals(want, ManifestCodec.decode(repo.manifestPath(id), ManifestCodec.encode(m)).writeOrder());
    }

    @Test
    void aWriteOrderWithoutAWorkingSetIsVersion5WithAnEmptySection8() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = write(repo, null, new int[] {7, 6, 5});
        assertEquals(ManifestCodec.WRITE_ORDER_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(id))));
        try (Checkpoint c = repo.open(id)) {
            assertArrayEquals(new int[] {7, 6, 5}, c.writeOrder());
            assertTrue(c.workingSet().isEmpty());
        }
    }

    @Test
    void withoutAWriteOrderTheManifestKeepsItsOlderVersion() throws IOException {
        Repository repo = Repository.open(dir, true);
        BitSet ws = new BitSet();
        ws.set(1);
        String withWs = write(repo, ws, new int[0]);
        assertEquals(ManifestCodec.WORKING_SET_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(withWs))), "older builds still read it");
        String plain = write(repo, null, null);
        assertEquals(ManifestCodec.PLAIN_VERSION, manifestVersion(Files.readAllBytes(repo.manifestPath(plain))));
        try (Checkpoint a = repo.open(withWs); Checkpoint b = repo.open(plain)) {
            assertEquals(0, a.writeOrder().length);
            assertEquals(0, b.writeOrder().length);
        }
    }

    @Test
    void aRepeatedPageIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = write(repo, null, new int[] {1, 2});
        Manifest m = ManifestCodec.read(repo.manifestPath(id));
        Manifest bad = new Manifest(m.info(), m.config(), m.records(), m.packs(), m.pages(), m.disk(), m.workingSet(), new int[] {1, 2, 1});
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ManifestCodec.decode(repo.manifestPath(id), ManifestCodec.encode(bad)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void aWriteOrderSectionInVersion4IsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = write(repo, null, new int[] {4, 2});
        rewriteVersion(repo.manifestPath(id), ManifestCodec.NAME, 4); // claims version 4, which has no section 9
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("manifest body"), e.getMessage());
    }
}
