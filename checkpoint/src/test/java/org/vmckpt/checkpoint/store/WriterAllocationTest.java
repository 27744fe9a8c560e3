package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a checkpoint's writing allocates once {@link WriterReuse} has kept its buffers (round 66): frames encoded into
 * slots that held as large a frame allocate nothing, and a live checkpoint's puts and commit (a tenth of the guest put,
 * its working set and write order) allocate less, on the committing thread, than the list of its page puts (16 bytes a
 * put); the packs and manifests are those of a writer without reuse.
 */
class WriterAllocationTest {
    private static final int PAGES = 65536;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void encodingIntoASlotThatHeldAFrameAllocatesNothing() {
        FrameSlot slot = new FrameSlot();
        for (int i = 0; i < PackFormat.UNITS_PER_FRAME; i++) slot.units[i] = TestPages.page(i);
        slot.count = PackFormat.UNITS_PER_FRAME;
        try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(Codec.ZSTD, 1, true)) {
            byte[] expected = enc.encode(slot.units, slot.count, 0);
            enc.encode(slot); // grows the slot's buffer once
            byte[] buffer = slot.encoded;
            long worst = 0;
            for (int round = 0; round < 5; round++) {
                long before = allocated();
                enc.encode(slot);
                worst = Math.max(worst, allocated() - before);
            }
            assertTrue(slot.encoded == buffer, "the same buffer, written over");
            assertTrue(worst < 1024, "encoding a frame into a used slot allocated " + worst + " bytes");
            assertArrayEquals(expected, Arrays.copyOf(slot.encoded, slot.encodedLength), "the frame's bytes");
        }
    }

    /** Writes a full checkpoint, then {@code rounds} incrementals of a tenth of the pages, as a live checkpoint does. */
    private static String[] chain(Repository repo, int rounds, long[] allocatedOut) throws Exception {
        Random r = new Random(5);
        byte[][] data = new byte[8][];
        for (int i = 0; i < data.length; i++) data[i] = TestPages.page(100 + i);
        String[] ids = new String[rounds + 1];
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.ZSTD, 1, null)) {
            for (int i = 0; i < PAGES; i++) w.putPage(i, data[i % data.length]);
            ids[0] = w.commit(ProgressListener.NONE);
        }
        // The same tenth of the pages every round (in a new order each): the run table's shape settles, as a long-running
        // guest's does, so the writer's kept arrays fit it from the second round on.
        long[] written = new long[PAGES / 64];
        int[] pagesWritten = new int[PAGES / 10];
        for (int j = 0; j < pagesWritten.length; j++) {
            int p;
            do {
                p = r.nextInt(PAGES);
            } while ((written[p >>> 6] & (1L << p)) != 0);
            written[p >>> 6] |= 1L << p;
            pagesWritten[j] = p;
        }
        for (int k = 1; k <= rounds; k++) {
            int[] order = pagesWritten.clone();
            for (int j = order.length - 1; j > 0; j--) {
                int x = r.nextInt(j + 1), t = order[j];
                order[j] = order[x];
                order[x] = t;
            }
            long before = allocated();
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), Codec.ZSTD, 1, ids[k - 1])) {
                w.setWorkingSet(written);
                for (int i = 0; i < PAGES; i++) {
                    if ((written[i >>> 6] & (1L << i)) != 0) w.putPage(i, data[(i + k) % data.length]);
                    else w.putPageKind(i, PageKind.INHERITED);
                }
                w.setWriteOrder(order);
                ids[k] = w.commit(ProgressListener.NONE);
            }
            allocatedOut[k] = allocated() - before;
        }
        return ids;
    }

    @Test
    void aLiveCheckpointAllocatesLessThanTheListOfItsPagePuts(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        repo.setReuseWriterTables(true);
        long[] allocated = new long[9];
        chain(repo, 8, allocated);
        long worst = 0;
        for (int k = 4; k <= 8; k++) worst = Math.max(worst, allocated[k]); // once the kept buffers have grown
        long putLists = 16L * (PAGES / 10);
        assertTrue(worst < putLists, "a checkpoint allocated " + worst + " bytes on its committing thread; the list of its "
                + PAGES / 10 + " page puts is " + putLists + " (all rounds: " + Arrays.toString(allocated) + ")");
        assertTrue(repo.reuse.frameSlots().reused() > 0, "frame slots were handed out again");
    }

    @Test
    void packsAndManifestsAreThoseOfAWriterWithoutReuse(@TempDir Path dir) throws Exception {
        Repository on = Repository.open(dir.resolve("on"), true);
        on.setReuseWriterTables(true);
        Repository off = Repository.open(dir.resolve("off"), true);
        off.setReuseWriterTables(false);
        String[] a = chain(on, 4, new long[5]);
        String[] b = chain(off, 4, new long[5]);
        for (int k = 0; k < a.length; k++) {
            Manifest ma = on.readManifest(a[k]);
            Manifest mb = off.readManifest(b[k]);
            assertEquals(mb.workingSet(), ma.workingSet(), "checkpoint " + k);
            assertArrayEquals(mb.writeOrder(), ma.writeOrder(), "checkpoint " + k);
            assertEquals(mb.pages().runCount(), ma.pages().runCount(), "checkpoint " + k);
            for (int run = 0; run < ma.pages().runCount(); run++) {
                assertEquals(mb.pages().start(run), ma.pages().start(run));
                assertEquals(mb.pages().value(run), ma.pages().value(run));
            }
            // This checkpoint's own pack: the same bytes after the header (which holds the pack's random id).
            byte[] pa = Files.readAllBytes(on.packPath(ma.packs().get(0).id()));
            byte[] pb = Files.readAllBytes(off.packPath(mb.packs().get(0).id()));
            assertArrayEquals(Arrays.copyOfRange(pb, PackFormat.HEADER_LENGTH, pb.length),
                    Arrays.copyOfRange(pa, PackFormat.HEADER_LENGTH, pa.length), "checkpoint " + k + "'s pack");
        }
        try (Checkpoint ca = on.open(a[a.length - 1]); Checkpoint cb = off.open(b[b.length - 1])) {
            byte[] da = new byte[TestPages.PAGE];
            byte[] db = new byte[TestPages.PAGE];
            for (int i = 0; i < PAGES; i += 97) {
                assertEquals(PageKind.DATA, ca.readPage(i, da));
                assertEquals(PageKind.DATA, cb.readPage(i, db));
                assertArrayEquals(db, da, "page " + i);
            }
        }
    }
}
