package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmckpt.checkpoint.store.CraftedFiles.manifestVersion;
import static org.vmckpt.checkpoint.store.CraftedFiles.rewriteVersion;

/**
 * SOURCE pages (manifest version 3): stored and read back with their source and sector, consecutive ones as one
 * run, inherited by incremental children; a manifest without them keeps version 1 (older builds read it), and
 * a version 1 or 2 manifest holding kind 5 is refused.
 */
class SourcePagesFormatTest {
    @TempDir
    Path dir;

    private String writeWithSources(Repository repo) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("s", 16), null)) {
            for (int i = 0; i < 4; i++) w.putPageSource(i, 8, 63 + 8L * i);       // one run: disk 0 from sector 63
            w.putPageSource(4, 0, 4096);                                             // the kernel
            w.putPageSource(5, 9, 7);                                                // disk 1
            w.putPageSource(6, 8, 1000);                                             // disk 0 again, elsewhere
            w.putPage(7, TestPages.page(7));
            w.putPageKindRange(8, 16, PageKind.ZERO);
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void sourcePagesRoundTripAsRuns() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeWithSources(repo);
        assertEquals(3, manifestVersion(Files.readAllBytes(repo.manifestPath(id))));
        try (Checkpoint c = repo.open(id)) {
            long[][] want = {{8, 63}, {8, 71}, {8, 79}, {8, 87}, {0, 4096}, {9, 7}, {8, 1000}};
            for (int i = 0; i < want.length; i++) {
                assertEquals(PageKind.SOURCE, c.pageKind(i));
                assertEquals(want[i][0], c.pageSource(i));
                assertEquals(want[i][1], c.pageSourceSector(i));
            }
            assertEquals(-1, c.pageSource(7));
            List<Extent> ext = c.pageExtents();
            assertEquals(new Extent(0, 4, PageKind.SOURCE, 63, 8), ext.get(0));
            assertEquals(7, c.info().stat(Stats.PAGES_SOURCE, -1));
            byte[] buf = new byte[4096];
            assertEquals(PageKind.DATA, c.readPage(7, buf));
            assertArrayEquals(TestPages.page(7), buf);
        }
        // An incremental child inherits them.
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta("c", 16), id)) {
            w.putPage(7, TestPages.page(70));
            for (int i = 0; i < 16; i++) if (i != 7) w.putPageKind(i, PageKind.INHERITED);
            child = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(child)) {
            assertEquals(PageKind.SOURCE, c.pageKind(5));
            assertEquals(9, c.pageSource(5));
            assertEquals(7, c.pageSourceSector(5));
        }
    }

    @Test
    void aManifestWithoutSourcesKeepsVersion1() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id;
        try (CheckpointWriter w = repo.begin(TestPages.meta("v", 4), null)) {
            w.putPageKind(0, PageKind.DISK_BLOCK, 3);
            for (int i = 1; i < 4; i++) w.putPage(i, TestPages.page(i));
            id = w.commit(ProgressListener.NONE);
        }
        assertEquals(1, manifestVersion(Files.readAllBytes(repo.manifestPath(id))));
    }

    @Test
    void kind5InAnOlderVersionIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeWithSources(repo);
        rewriteVersion(repo.manifestPath(id), ManifestCodec.NAME, 1);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("kind 5") && e.getMessage().contains("not allowed"), e.getMessage());
    }
}
