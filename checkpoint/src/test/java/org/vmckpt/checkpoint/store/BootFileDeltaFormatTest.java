package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Boot-file delta pages in the store (manifest version 6): a DATA unit holding the page's XOR with a boot file's page,
 * the reference in the manifest's delta section. Reported as SOURCE_DELTA, inherited by incrementals, left out of the
 * data batches, refused by an older reader by its version; manifests without them keep their old versions.
 */
class BootFileDeltaFormatTest {
    @TempDir
    Path dir;

    private static int version(Repository repo, String id) throws IOException {
        return CraftedFiles.manifestVersion(Files.readAllBytes(repo.manifestPath(id)));
    }

    @Test
    void deltaPagesRoundTripAndIncrementalsInheritThem() throws IOException {
        Repository repo = Repository.open(dir, true);
        String full;
        try (CheckpointWriter w = repo.begin(TestPages.meta("full", 8), null)) {
            for (int i = 0; i < 8; i++) {
                if (i == 2 || i == 3) w.putPageDelta(i, TestPages.page(100 + i), 1, 8L * (10 + i));
                else w.putPage(i, TestPages.page(i));
            }
            full = w.commit(ProgressListener.NONE);
        }
        assertEquals(ManifestCodec.DELTA_VERSION, version(repo, full));
        byte[] buf = new byte[4096];
        try (Checkpoint c = repo.open(full)) {
            assertEquals(PageKind.SOURCE_DELTA, c.pageKind(2));
            assertEquals(1, c.pageSource(3));
            assertEquals(8L * 13, c.pageSourceSector(3));
            assertEquals(PageKind.SOURCE_DELTA, c.readPage(3, buf));
            assertArrayEquals(TestPages.page(103), buf, "the stored XOR comes back as it was put");
            assertEquals(PageKind.DATA, c.readPage(4, buf));
            assertArrayEquals(TestPages.page(4), buf);
            assertEquals(2L, c.info().stat(Stats.PAGES_SOURCE_DELTA, -1));
            int batched = 0;
            for (FrameBatch b : c.dataBatches(4)) batched += b.pageCount();
            assertEquals(6, batched, "delta pages are read with the references, not in the data batches");
            long deltaExtentPages = 0;
            for (Extent e : c.pageExtents()) if (e.kind() == PageKind.SOURCE_DELTA) deltaExtentPages += e.length();
            assertEquals(2, deltaExtentPages);
        }
        // An incremental child: page 2 rewritten as data, page 5 now a delta, page 3 inherited with its delta.
        String inc;
        try (CheckpointWriter w = repo.begin(TestPages.meta("inc", 8), Codec.ZSTD, 1, full)) {
            for (int i = 0; i < 8; i++) {
                if (i == 2) w.putPage(i, TestPages.page(200));
                else if (i == 5) w.putPageDelta(i, TestPages.page(205), 0, 0);
                else w.putPageKind(i, PageKind.INHERITED);
            }
            inc = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(inc)) {
            assertEquals(PageKind.DATA, c.readPage(2, buf));
            assertArrayEquals(TestPages.page(200), buf);
            assertEquals(PageKind.SOURCE_DELTA, c.readPage(3, buf));
            assertArrayEquals(TestPages.page(103), buf);
            assertEquals(8L * 13, c.pageSourceSector(3));
            assertEquals(PageKind.SOURCE_DELTA, c.readPage(5, buf));
            assertArrayEquals(TestPages.page(205), buf);
            assertEquals(0, c.pageSource(5));
            assertEquals(2L, c.info().stat(Stats.PAGES_SOURCE_DELTA, -1));
        }
    }

    @Test
    void aManifestWithDeltasIsRefusedByAnOlderReaderAndOnesWithoutKeepTheirVersion() throws IOException {
        Repository repo = Repository.open(dir, true);
        String plain;
        try (CheckpointWriter w = repo.begin(TestPages.meta("plain", 4), null)) {
            for (int i = 0; i < 4; i++) w.putPage(i, TestPages.page(i));
            plain = w.commit(ProgressListener.NONE);
        }
        assertEquals(ManifestCodec.PLAIN_VERSION, version(repo, plain), "no delta: readable by older builds");
        String withDelta;
        try (CheckpointWriter w = repo.begin(TestPages.meta("delta", 4), null)) {
            for (int i = 0; i < 4; i++) w.putPageDelta(i, TestPages.page(i), 1, 8L * i);
            withDelta = w.commit(ProgressListener.NONE);
        }
        byte[] b = Files.readAllBytes(repo.manifestPath(withDelta));
        Path file = repo.manifestPath(withDelta);
        // What a reader of versions 1 to 5 (before this one) does with it: refuses it, naming the version.
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () ->
                FileCodec.readHeader(new BoundedReader(file, "manifest", b, 0, b.length), file, ManifestCodec.NAME, 1, ManifestCodec.WRITE_ORDER_VERSION));
        assertTrue(e.getMessage().contains("newer vmckpt") && e.getMessage().contains("format version 6"), e.getMessage());
        try (Checkpoint c = repo.open(plain)) {
            assertEquals(PageKind.DATA, c.pageKind(0));
        }
    }

    @Test
    void aDamagedDeltaSectionIsRefusedClearly() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id;
        try (CheckpointWriter w = repo.begin(TestPages.meta("d", 4), null)) {
            w.putPageKind(0, PageKind.ZERO);
            for (int i = 1; i < 4; i++) w.putPageDelta(i, TestPages.page(i), 1, 8L * i);
            id = w.commit(ProgressListener.NONE);
        }
        Manifest m = ManifestCodec.read(repo.manifestPath(id));
        // A delta on a page that is not DATA (the ZERO page 0): the manifest is refused, naming the page.
        RunTable bad = m.deltas().overlay(new long[] {0}, new long[] {TableEntry.source(1, 0)}, 1, 4);
        Manifest crafted = new Manifest(m.info(), m.config(), m.records(), m.packs(), m.pages(), m.disk(), m.workingSet(), m.writeOrder(), bad);
        Files.write(repo.manifestPath(id), ManifestCodec.encode(crafted));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("page 0, which is not a DATA page"), e.getMessage());
    }
}
