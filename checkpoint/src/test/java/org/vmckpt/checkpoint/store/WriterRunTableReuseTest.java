package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint writer's run table of pages, kept across checkpoints ({@link WriterReuse}, round 65): a chain of
 * incremental checkpoints each rewriting a random tenth of the pages (memdirty's pattern, which splits the table into
 * thousands of runs) builds every table in one of two pairs of arrays, allocates less than one table's worth while it
 * commits, and stores exactly what a writer without reuse stores.
 */
class WriterRunTableReuseTest {
    private static final int PAGES = 16384;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Writes a full checkpoint, then {@code incrementals} incremental ones of a random tenth of the pages each. */
    private static String[] chain(Repository repo, int incrementals, long seed, long[] content) throws Exception {
        Random r = new Random(seed);
        String[] ids = new String[incrementals + 1];
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.NONE, 0, null)) {
            for (int i = 0; i < PAGES; i++) {
                content[i] = i;
                w.putPage(i, TestPages.page(i));
            }
            ids[0] = w.commit(ProgressListener.NONE);
        }
        for (int k = 1; k <= incrementals; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.NONE, 0, ids[k - 1])) {
                boolean[] put = new boolean[PAGES];
                for (int j = 0; j < PAGES / 10; j++) put[r.nextInt(PAGES)] = true;
                for (int i = 0; i < PAGES; i++) {
                    if (put[i]) {
                        content[i] = (long) k * PAGES + i;
                        w.putPage(i, TestPages.page(content[i]));
                    } else {
                        w.putPageKind(i, PageKind.INHERITED);
                    }
                }
                ids[k] = w.commit(ProgressListener.NONE);
            }
        }
        return ids;
    }

    @Test
    void theRunTablesTakeTurnsInTwoPairsOfArrays(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        repo.setReuseWriterTables(true);
        Random r = new Random(1);
        long[][] starts = new long[8][];
        String parent = null;
        for (int k = 0; k < 8; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.NONE, 0, parent)) {
                for (int i = 0; i < PAGES; i++) {
                    // The full checkpoint alternates data and zero pages: a run a page, the most a table can have.
                    if (k == 0) {
                        if (i % 2 == 0) w.putPage(i, TestPages.page(i));
                        else w.putPageKind(i, PageKind.ZERO);
                    } else if (r.nextInt(10) == 0) {
                        w.putPage(i, TestPages.page(k * PAGES + i));
                    } else {
                        w.putPageKind(i, PageKind.INHERITED);
                    }
                }
                parent = w.commit(ProgressListener.NONE);
            }
            Manifest m = repo.reuse.lastCommitted();
            assertEquals(parent, m.info().id());
            starts[k] = m.pages().startsArray();
        }
        // The full checkpoint's table and the first incremental's are new; from then on each writer builds in the
        // arrays of its grandparent's table, which its parent's commit made spare.
        for (int k = 2; k < 8; k++) {
            assertTrue(starts[k - 2] == starts[k], "checkpoint " + k + " builds in checkpoint " + (k - 2) + "'s arrays");
            assertTrue(starts[k - 1] != starts[k], "never in its parent's, which it reads");
        }
        assertEquals(6, repo.reuse.reusedRuns());
        assertEquals(7, repo.reuse.recycledRuns());
    }

    @Test
    void withReuseEveryCheckpointStoresWhatAWriterWithoutItStores(@TempDir Path dir) throws Exception {
        Repository on = Repository.open(dir.resolve("on"), true);
        on.setReuseWriterTables(true);
        Repository off = Repository.open(dir.resolve("off"), true);
        off.setReuseWriterTables(false);
        long[] contentOn = new long[PAGES];
        long[] contentOff = new long[PAGES];
        String[] a = chain(on, 7, 42, contentOn);
        String[] b = chain(off, 7, 42, contentOff);
        assertArrayEquals(contentOn, contentOff);
        assertTrue(on.reuse.reusedRuns() >= 2, "reused " + on.reuse.reusedRuns()); // (the table grows along this chain)
        assertEquals(0, off.reuse.reusedRuns());
        for (int k = 0; k < a.length; k++) {
            Manifest ma = on.readManifest(a[k]);
            Manifest mb = off.readManifest(b[k]);
            assertEquals(mb.pages().runCount(), ma.pages().runCount(), "checkpoint " + k);
            assertEquals(mb.packs().size(), ma.packs().size(), "checkpoint " + k);
            for (int run = 0; run < ma.pages().runCount(); run++) {
                assertEquals(mb.pages().start(run), ma.pages().start(run));
                assertEquals(mb.pages().value(run), ma.pages().value(run));
            }
        }
        // And the last one reads back as written.
        try (Checkpoint c = on.open(a[a.length - 1])) {
            byte[] dst = new byte[TestPages.PAGE];
            for (int i = 0; i < PAGES; i += 7) {
                assertEquals(PageKind.DATA, c.readPage(i, dst));
                assertArrayEquals(TestPages.page(contentOn[i]), dst, "page " + i);
            }
        }
    }

    /**
     * A chain of full checkpoints (what `vmckpt-checkpoint` over the API takes) recycles too: each builds its table in
     * the arrays of the one before the last, whose manifest no writer took as its parent (round 65's slot found each
     * full checkpoint allocating a table sized for every page, 5 MB, when only incrementals recycled).
     */
    @Test
    void fullCheckpointsReuseTheTablesOfTheOnesBefore(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        repo.setReuseWriterTables(true);
        long[][] starts = new long[5][];
        for (int k = 0; k < 5; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.NONE, 0, null)) {
                for (int i = 0; i < PAGES; i++) {
                    if ((i + k) % 3 == 0) w.putPage(i, TestPages.page(i));
                    else w.putPageKind(i, PageKind.ZERO);
                }
                w.commit(ProgressListener.NONE);
            }
            starts[k] = repo.reuse.lastCommitted().pages().startsArray();
            assertTrue(starts[k].length <= PAGES, "at most a run a page: " + starts[k].length);
        }
        for (int k = 2; k < 5; k++) assertTrue(starts[k - 2] == starts[k], "checkpoint " + k + " builds in " + (k - 2) + "'s arrays");
    }

    /** The compressors' work buffers go from one checkpoint's threads to the next's ({@link EncoderBuffers}). */
    @Test
    void theCompressorsWorkBuffersServeTheNextCheckpoint(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        repo.setReuseWriterTables(true);
        String parent = null;
        for (int k = 0; k < 3; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, 1024), Codec.ZSTD, 1, parent)) {
                for (int i = 0; i < 1024; i++) w.putPage(i, TestPages.page(k * 1024 + i));
                parent = w.commit(ProgressListener.NONE);
            }
        }
        // A committed writer's threads end after its commit returns: wait for them to hand their buffers back.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (repo.reuse.encoderBuffers().reused() < 2 * 2 * FrameCompressor.defaultThreads() && System.nanoTime() < deadline) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, 1024), Codec.ZSTD, 1, parent)) {
                w.putPage(0, TestPages.page(7));
                w.putPageKindRange(1, 1024, PageKind.INHERITED);
                parent = w.commit(ProgressListener.NONE);
            }
            Thread.sleep(20);
        }
        assertTrue(repo.reuse.encoderBuffers().reused() >= 2 * 2 * FrameCompressor.defaultThreads(),
                "buffers handed out again: " + repo.reuse.encoderBuffers().reused());
        repo.setReuseWriterTables(false);
        assertEquals(null, repo.reuse.encoderBuffers(), "off: each encoder makes its own");
    }

    /**
     * With a parent of many runs and a few pages put, beginning and committing a checkpoint allocates less than two
     * copies of the parent's run table (its arrays: 16 bytes a run), the manifest's encoding included (about one: its
     * bytes, compressed, and the file's): until round 65 the writer made three tables (the parent shifted by a pack, the
     * overlay, the renumbered copy), each by doubling from 16 runs, besides.
     */
    @Test
    void aCheckpointAllocatesLessThanTwoTablesOfRuns(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        repo.setReuseWriterTables(true);
        String[] ids = chain(repo, 6, 7, new long[PAGES]);
        String parent = ids[ids.length - 1];
        int runs = repo.reuse.lastCommitted().pages().runCount();
        assertTrue(runs > 4000, "the chain left " + runs + " runs");
        byte[] data = TestPages.page(1);
        long worst = 0;
        for (int round = 0; round < 3; round++) {
            long before = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
            CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.NONE, 0, parent);
            w.putPageKindRange(0, PAGES - 8, PageKind.INHERITED);
            for (int i = PAGES - 8; i < PAGES; i++) w.putPage(i, data);
            parent = w.commit(ProgressListener.NONE);
            long allocated = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            worst = Math.max(worst, allocated);
        }
        long twoTables = 2 * 16L * runs;
        assertTrue(worst < twoTables, "a checkpoint allocated " + worst + " bytes; two tables of " + runs + " runs are " + twoTables);
    }
}
