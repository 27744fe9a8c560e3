package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.StateRecords;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class RoundTripTest {
    @TempDir
    Path dir;

    /** A real (if tiny) Snapshottable: one counter. */
    static final class Counter implements Snapshottable {
        long value;

        @Override public String stateName() { return "counter"; }
        @Override public int stateVersion() { return 2; }
        @Override public void saveState(StateWriter out) { out.writeLong(value); }
        @Override public void loadState(StateReader in, int version) throws StateFormatException {
            if (version != 2) throw StateFormatException.unsupportedVersion("counter", version, 2);
            long v = in.readLong();
            in.expectEnd();
            value = v;
        }
    }

    /** Writes a full checkpoint of 300 pages with every kind, a disk overlay and records. */
    static String writeFull(Repository repo, Codec codec) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("base", 300), codec, 3, null)) {
            Counter c = new Counter();
            c.value = 0x1234_5678_9abcL;
            StateWriter cw = new StateWriter();
            c.saveState(cw);
            w.putRecord(new StateRecord(c.stateName(), c.stateVersion(), cw.toByteArray()));
            w.putRecord("hart0", 1, new byte[]{1, 2, 3});
            for (int i = 0; i < 300; i++) {
                switch (i % 5) {
                    case 0 -> w.putPageKind(i, PageKind.ZERO);
                    case 1 -> w.putPageKind(i, PageKind.FREE);
                    case 2 -> w.putPageKind(i, PageKind.DISK_BLOCK, 1000 + i);
                    default -> w.putPage(i, TestPages.page(i));
                }
            }
            w.putDiskBlock(7, TestPages.page(-7));
            w.putDiskBlock(8, TestPages.page(-8));
            w.putDiskBlockKind(20, PageKind.ZERO);
            w.setStat(Stats.PAUSE_NS, 12345);
            return w.commit(ProgressListener.NONE);
        }
    }

    static void checkFullContents(Checkpoint c) throws IOException {
        byte[] buf = new byte[4096];
        for (int i = 0; i < 300; i++) {
            PageKind k = c.readPage(i, buf);
            switch (i % 5) {
                case 0 -> { assertEquals(PageKind.ZERO, k); assertArrayEquals(new byte[4096], buf); }
                case 1 -> { assertEquals(PageKind.FREE, k); assertArrayEquals(new byte[4096], buf); }
                case 2 -> { assertEquals(PageKind.DISK_BLOCK, k); assertEquals(1000 + i, c.pageDiskBlock(i)); }
                default -> { assertEquals(PageKind.DATA, k); assertArrayEquals(TestPages.page(i), buf, "page " + i); }
            }
        }
        assertEquals(PageKind.DATA, c.readDiskBlock(7, buf));
        assertArrayEquals(TestPages.page(-7), buf);
        assertEquals(PageKind.DATA, c.readDiskBlock(8, buf));
        assertArrayEquals(TestPages.page(-8), buf);
        assertEquals(PageKind.ZERO, c.readDiskBlock(20, buf));
        assertNull(c.readDiskBlock(9, buf));
        assertNull(c.diskBlockKind(1L << 39));
    }

    @Test
    void fullCheckpointRoundTripsWithBothCodecs() throws Exception {
        Repository repo = Repository.open(dir, true);
        for (Codec codec : Codec.values()) {
            String id = writeFull(repo, codec);
            try (Checkpoint c = repo.open(id)) {
                CheckpointInfo info = c.info();
                assertEquals(id, info.id());
                assertEquals("base", info.label());
                assertNull(info.parentId());
                assertEquals(CheckpointKind.FULL, info.kind());
                assertEquals(CaptureMode.STOP, info.mode());
                assertEquals(300, c.pageCount());
                assertEquals(Map.of("memory", String.valueOf(300L * 4096), "harts", "1"), c.config());
                assertEquals(List.of("counter", "hart0"), List.copyOf(c.records().keySet()));
                Counter counter = new Counter();
                StateRecords.load(List.of(counter), List.of(c.record("counter")));
                assertEquals(0x1234_5678_9abcL, counter.value);
                assertArrayEquals(new byte[]{1, 2, 3}, c.record("hart0").payload());
                checkFullContents(c);
                assertEquals(60, info.stat(Stats.PAGES_ZERO, -1));
                assertEquals(60, info.stat(Stats.PAGES_FREE, -1));
                assertEquals(60, info.stat(Stats.PAGES_DISK_BLOCK, -1));
                assertEquals(120, info.stat(Stats.PAGES_DATA, -1));
                assertEquals(120, info.stat(Stats.PAGES_DATA_NEW, -1));
                assertEquals(3, info.stat(Stats.DISK_BLOCKS, -1));
                assertEquals(2, info.stat(Stats.DISK_DATA, -1));
                assertEquals(122L * 4096, info.stat(Stats.BYTES_RAW, -1));
                assertEquals(12345, info.stat(Stats.PAUSE_NS, -1));
                assertTrue(info.stat(Stats.BYTES_PACK, -1) > 0);
                VerifyReport v = c.verify(ProgressListener.NONE);
                assertTrue(v.ok(), v.problems().toString());
                assertEquals(2, v.frames());
            }
            repo.delete(id);
        }
    }

    @Test
    void checkpointsAreFoundByIdPrefixAndLabel() throws IOException {
        Repository repo = Repository.open(dir, true);
        String a = writeFull(repo, Codec.ZSTD);
        assertEquals(a, repo.resolve(a));
        assertEquals(a, repo.resolve(a.substring(0, 4)));
        assertEquals(a, repo.resolve("base"));
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve(a.substring(0, 3)));
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("nothing"));
        String b = writeFull(repo, Codec.ZSTD);
        CheckpointNotFoundException e = assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("base"));
        assertTrue(e.getMessage().contains(a) && e.getMessage().contains(b), e.getMessage());
        assertEquals(List.of(a, b), repo.list().stream().map(CheckpointInfo::id).toList());
    }

    /** Parent: pages 0..199 DATA. Child: pages 0..9 rewritten, 10..19 now zero, 150 FREE, the rest inherited. */
    @Test
    void incrementalCheckpointInheritsAndSurvivesItsParent() throws IOException {
        Repository repo = Repository.open(dir, true);
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta("parent", 200), null)) {
            for (int i = 0; i < 200; i++) w.putPage(i, TestPages.page(i));
            w.putDiskBlock(5, TestPages.page(-5));
            w.putDiskBlock(6, TestPages.page(-6));
            parent = w.commit(ProgressListener.NONE);
        }
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta("child", 200), parent)) {
            for (int i = 0; i < 10; i++) w.putPage(i, TestPages.page(1000 + i));
            for (int i = 10; i < 20; i++) w.putPageKind(i, PageKind.ZERO);
            w.putPageKind(20, PageKind.INHERITED);
            w.putPageKind(150, PageKind.FREE);
            w.putDiskBlock(6, TestPages.page(-66));
            w.putDiskBlockKind(5, PageKind.INHERITED);
            w.putDiskBlockKind(9, PageKind.ZERO);
            child = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(child)) {
            assertEquals(CheckpointKind.INCREMENTAL, c.info().kind());
            assertEquals(parent, c.info().parentId());
            assertEquals(10, c.info().stat(Stats.PAGES_DATA_NEW, -1));
            assertEquals(179, c.info().stat(Stats.PAGES_INHERITED, -1));
            assertEquals(189, c.info().stat(Stats.PAGES_DATA, -1));
            assertEquals(1, c.info().stat(Stats.DISK_INHERITED, -1));
        }
        repo.delete(parent);
        GcReport gc = repo.gc();
        assertEquals(0, gc.packsDeleted(), "the child still uses the parent's pack");
        assertEquals(2, gc.packsKept());
        try (Checkpoint c = repo.open(child)) {
            byte[] buf = new byte[4096];
            for (int i = 0; i < 200; i++) {
                PageKind k = c.readPage(i, buf);
                if (i < 10) assertArrayEquals(TestPages.page(1000 + i), buf);
                else if (i < 20) assertEquals(PageKind.ZERO, k);
                else if (i == 150) assertEquals(PageKind.FREE, k);
                else assertArrayEquals(TestPages.page(i), buf, "inherited page " + i);
            }
            assertEquals(PageKind.DATA, c.readDiskBlock(5, buf));
            assertArrayEquals(TestPages.page(-5), buf);
            c.readDiskBlock(6, buf);
            assertArrayEquals(TestPages.page(-66), buf);
            assertEquals(PageKind.ZERO, c.readDiskBlock(9, buf));
            assertTrue(c.verify(ProgressListener.NONE).ok());
        }
        assertExactlyReferencedPacks(repo);
    }

    @Test
    void gcDeletesTheParentPackOnceNoChildUsesIt() throws IOException {
        Repository repo = Repository.open(dir, true);
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 100), null)) {
            for (int i = 0; i < 100; i++) w.putPage(i, TestPages.page(i));
            parent = w.commit(ProgressListener.NONE);
        }
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 100), parent)) {
            for (int i = 0; i < 100; i++) w.putPage(i, TestPages.page(500 + i));
            child = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(child)) {
            assertEquals(0, c.info().stat(Stats.PAGES_INHERITED, -1));
        }
        assertEquals(0, repo.gc().packsDeleted());
        repo.delete(parent);
        GcReport gc = repo.gc();
        assertEquals(1, gc.packsDeleted());
        assertEquals(1, gc.packsKept());
        assertExactlyReferencedPacks(repo);
        try (Checkpoint c = repo.open(child)) {
            assertTrue(c.verify(ProgressListener.NONE).ok());
        }
    }

    static void assertExactlyReferencedPacks(Repository repo) throws IOException {
        Set<String> referenced = new HashSet<>();
        for (String id : repo.manifestIds()) for (Manifest.PackRef p : repo.readManifest(id).packs()) referenced.add(p.id());
        assertEquals(referenced, new HashSet<>(repo.packIds()));
    }

    @Test
    void abortLeavesNoTrace() throws IOException {
        Repository repo = Repository.open(dir, true);
        String kept = writeFull(repo, Codec.ZSTD);
        CheckpointWriter w = repo.begin(TestPages.meta("x", 300), Codec.ZSTD, 1, null);
        for (int i = 0; i < 300; i++) w.putPage(i, TestPages.page(i));
        w.abort();
        assertThrows(IllegalStateException.class, () -> w.putPage(0, TestPages.page(0)));
        assertEquals(List.of(kept), repo.manifestIds());
        assertEquals(1, repo.packIds().size());
        try (var s = Files.list(repo.tmpDir())) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void wrongUseIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 10), null)) {
            w.putPage(1, TestPages.page(1));
            assertThrows(IllegalArgumentException.class, () -> w.putPage(1, TestPages.page(1)));
            assertThrows(IllegalArgumentException.class, () -> w.putPageKind(1, PageKind.ZERO));
            assertThrows(IllegalArgumentException.class, () -> w.putPage(10, TestPages.page(1)));
            assertThrows(IllegalArgumentException.class, () -> w.putPage(2, new byte[100]));
            assertThrows(IllegalArgumentException.class, () -> w.putPageKind(3, PageKind.INHERITED));
            assertThrows(IllegalArgumentException.class, () -> w.putPageKind(3, PageKind.DATA));
            assertThrows(IllegalArgumentException.class, () -> w.putDiskBlockKind(3, PageKind.FREE));
            assertThrows(IllegalArgumentException.class, () -> w.setStat(Stats.PAGES_ZERO, 1));
            w.putRecord("a", 1, new byte[0]);
            assertThrows(IllegalArgumentException.class, () -> w.putRecord("a", 1, new byte[0]));
        }
        String p;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 10), null)) {
            p = w.commit(ProgressListener.NONE);
        }
        assertThrows(IllegalArgumentException.class, () -> repo.begin(TestPages.meta(null, 11), p));
    }

    @Test
    void configDifferencesNameEveryKey() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeFull(repo, Codec.NONE);
        try (Checkpoint c = repo.open(id)) {
            assertEquals(List.of(), c.configDifferences(Map.of("memory", String.valueOf(300L * 4096), "harts", "1")));
            List<String> d = c.configDifferences(Map.of("memory", "1", "disk", "abc"));
            assertEquals(3, d.size(), d.toString());
        }
    }
}
