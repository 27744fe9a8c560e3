package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Opening a checkpoint by its label reads only each manifest's meta section (id and label) to find it, then the chosen
 * manifest whole: a label still names exactly one checkpoint, a label used twice is refused, and a manifest that is
 * damaged past its meta section (its CRC intact: a writer's bug, or a crafted file) is refused as damaged when it is
 * opened by its label, not reported as "no checkpoint" (as when every manifest was decoded whole to find the label and
 * an undecodable one was skipped).
 */
class LabelResolveTest {
    @TempDir
    Path dir;

    private static String write(Repository repo, String label, int[] order) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta(label, 64), null)) {
            for (int i = 0; i < 64; i++) w.putPage(i, TestPages.page(i));
            if (order != null) w.setWriteOrder(order);
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void aLabelNamesItsCheckpoint() throws IOException {
        Repository repo = Repository.open(dir, true);
        String a = write(repo, "a", new int[] {5, 1});
        String b = write(repo, "b", null);
        assertEquals(a, repo.resolve("a"));
        assertEquals(b, repo.resolve("b"));
        try (Checkpoint c = repo.open("a")) {
            assertEquals(a, c.id());
            assertArrayEquals(new int[] {5, 1}, c.writeOrder());
        }
        write(repo, "b", null);
        CheckpointNotFoundException twice = assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("b"));
        assertTrue(twice.getMessage().contains("used by 2"), twice.getMessage());
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("c"));
    }

    @Test
    void aManifestDamagedPastItsMetaIsRefusedAsDamagedByItsLabel() throws IOException {
        Repository repo = Repository.open(dir, true);
        write(repo, "other", null);
        String id = write(repo, "x", new int[] {1, 2});
        Manifest m = ManifestCodec.read(repo.manifestPath(id));
        Manifest bad = new Manifest(m.info(), m.config(), m.records(), m.packs(), m.pages(), m.disk(), m.workingSet(), new int[] {1, 2, 1});
        Files.write(repo.manifestPath(id), ManifestCodec.encode(bad)); // a valid file (header, CRC), a write order that is not
        assertEquals(id, repo.resolve("x"));
        // Opening leaves the write order undecoded (FirstTouches): it is refused where it is used, by its label too.
        try (Checkpoint c = repo.open("x")) {
            assertEquals(id, c.id());
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, c::writeOrder);
            assertTrue(e.getMessage().contains("twice"), e.getMessage());
        }
        assertTrue(repo.listUnreadable().get(id).contains("twice"), "listed as unreadable: " + repo.listUnreadable());
    }
}
