package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cheap cases must be cheap: a 1 GiB guest of mostly zero pages is one run and a small manifest; reading the
 * pages of one frame decompresses it once. The times are printed for information, never asserted (CI is a busy
 * machine): speed is the benchmarks' business.
 */
class WriterSpeedTest {
    private static final int GIB_PAGES = 262_144;

    @TempDir
    Path dir;

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @Test
    void anIdleGibGuestIsOneRunAndATinyManifest() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id;
        long t0 = System.nanoTime();
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, GIB_PAGES), null)) {
            for (int i = 0; i < GIB_PAGES; i++) w.putPageKind(i, PageKind.ZERO);
            id = w.commit(ProgressListener.NONE);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long size = Files.size(repo.manifestPath(id));
        System.out.println("idle 1 GiB checkpoint: " + ms + " ms, manifest " + size + " bytes");
        assertTrue(size < 400, "manifest of " + size + " bytes");
        assertTrue(repo.packIds().isEmpty(), "no data, no pack");
        try (Checkpoint c = repo.open(id)) {
            assertEquals(1, c.pageExtents().size());
            assertEquals(PageKind.ZERO, c.pageKind(GIB_PAGES - 1));
        }
    }

    @Test
    void aMostlyZeroGibGuestIsWrittenInAFractionOfASecond() throws IOException {
        Repository repo = Repository.open(dir, true);
        byte[][] data = new byte[64][];
        for (int i = 0; i < data.length; i++) data[i] = TestPages.page(i);
        // Warm up the code paths once, as a long-running VMM would be.
        write(repo, 8192, data);
        long wall0 = System.nanoTime();
        long cpu0 = cpuNanos();
        String id = write(repo, GIB_PAGES, data);
        long wallMs = (System.nanoTime() - wall0) / 1_000_000;
        long cpuMs = (cpuNanos() - cpu0) / 1_000_000;
        long manifest = Files.size(repo.manifestPath(id));
        try (Checkpoint c = repo.open(id)) {
            System.out.println("1 GiB, 1/64 pages data: " + wallMs + " ms wall, " + cpuMs + " ms CPU, manifest "
                    + manifest + " bytes, pack " + c.info().stat(Stats.BYTES_PACK, -1) + " bytes");
            assertEquals(GIB_PAGES / 64, c.info().stat(Stats.PAGES_DATA, -1));
            byte[] buf = new byte[4096];
            c.readPage(64 * 1000, buf);
            assertArrayEquals(data[1000 % 64], buf);
        }
        assertTrue(manifest < 64 * 1024, "manifest of " + manifest + " bytes");
    }

    private static String write(Repository repo, int pages, byte[][] data) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, pages), Codec.ZSTD, 1, null)) {
            for (int i = 0; i < pages; i++) {
                if (i % 64 == 0) w.putPage(i, data[(i / 64) % data.length]);
                else w.putPageKind(i, PageKind.ZERO);
            }
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void dataPagesAreWrittenAtCompressionSpeed() throws IOException {
        Repository repo = Repository.open(dir, true);
        int pages = 16_384; // 64 MiB
        byte[][] data = new byte[pages][];
        for (int i = 0; i < pages; i++) data[i] = TestPages.page(i);
        for (Codec codec : new Codec[]{Codec.ZSTD, Codec.NONE, Codec.ZSTD}) {
            long t0 = System.nanoTime();
            String id;
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, pages), codec, 1, null)) {
                for (int i = 0; i < pages; i++) w.putPage(i, data[i]);
                id = w.commit(ProgressListener.NONE);
            }
            long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            try (Checkpoint c = repo.open(id)) {
                System.out.println("64 MiB of data pages, " + codec + ": " + ms + " ms (" + (64_000 / ms) + " MB/s), pack "
                        + c.info().stat(Stats.BYTES_PACK, -1) + " bytes");
                byte[] buf = new byte[4096];
                c.readPage(pages - 1, buf);
                assertArrayEquals(data[pages - 1], buf);
            }
        }
    }

    @Test
    void readingTheSamePagesAgainDecompressesEachFrameOnce() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id;
        int pages = 64 * 12;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, pages), null)) {
            for (int i = 0; i < pages; i++) w.putPage(i, TestPages.page(i));
            id = w.commit(ProgressListener.NONE);
        }
        byte[] buf = new byte[4096];
        try (Checkpoint c = repo.open(id)) {
            for (int i = 0; i < 64; i++) c.readPage(i, buf);
            assertEquals(1, c.framesDecoded(), "one frame for its 64 pages");
            for (int f = 1; f <= Checkpoint.CACHED_FRAMES - 1; f++) c.readPage(f * 64 + 5, buf);
            c.readPage(3, buf);
            assertEquals(Checkpoint.CACHED_FRAMES, c.framesDecoded(), "frame 0 is still cached");
            for (int f = 8; f < 12; f++) c.readPage(f * 64, buf);
            c.readPage(64, buf);
            assertEquals(Checkpoint.CACHED_FRAMES + 5, c.framesDecoded(), "frame 1 was evicted");
            assertArrayEquals(TestPages.page(64), buf);
        }
    }
}
