package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 12's bound on bytes: a migration of a guest that writes nothing sends no more than a checkpoint of the same
 * state (its pack and manifest), pre-copy and post-copy. Until protocol 12 it sent 1-5% more (docs/BENCHMARKS.md run
 * 28): STATE's records and post-copy's bitmap went raw where a manifest compresses them, and a frame's data part held
 * fewer than 64 pages whenever references shared the frame.
 */
class MigrationBytesTest {
    @TempDir
    Path dir;

    private final List<Machine> running = new ArrayList<>();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Machine m : running) m.requestExit(0);
        for (AutoCloseable c : closeAfter) c.close();
    }

    @Test
    void anIdleGuestsPreCopySendsNoMoreThanItsCheckpoint() throws Throwable {
        assertSendsNoMoreThanACheckpoint(MigrationMode.PRECOPY, false);
    }

    @Test
    void anIdleGuestsPostCopyOverTlsSendsNoMoreThanItsCheckpoint() throws Throwable {
        assertSendsNoMoreThanACheckpoint(MigrationMode.POSTCOPY, true);
    }

    /**
     * Memory that does not compress (protocol 13; issue 12, memrandom): 8,192 random pages (32 MiB) travel stored, so all
     * that separates the stream from the pack is their framing. Until protocol 12 a migration's frames cost about 56 bytes
     * per 64 pages (a frame header, a compressed page table and its lengths) against the pack's 24 (a frame header and an
     * index entry), and memrandom's migrations sent 19-165 KiB more than the checkpoint (docs/BENCHMARKS.md round 51).
     */
    @Test
    void anIncompressibleGuestsPreCopySendsNoMoreThanItsCheckpoint() throws Throwable {
        assertSendsNoMoreThanACheckpoint(MigrationMode.PRECOPY, false, MigrationBytesTest::fillWithRandom);
    }

    @Test
    void anIncompressibleGuestsPostCopyOverTlsSendsNoMoreThanItsCheckpoint() throws Throwable {
        assertSendsNoMoreThanACheckpoint(MigrationMode.POSTCOPY, true, MigrationBytesTest::fillWithRandom);
    }

    @Test
    void aRoundIsQuietOnlyWhileTheGuestWritesUnder1000PagesASecond() {
        // Over at least 10 ms: 9 pages in the first millisecond are quiet, 10 are not (memdirty writes 6,500 a second).
        assertEquals(MigrationSource.QUIET_LEVEL, MigrationSource.levelFor(9, 1_000_000));
        assertEquals(PageFrames.ZSTD_LEVEL, MigrationSource.levelFor(10, 1_000_000));
        assertEquals(MigrationSource.QUIET_LEVEL, MigrationSource.levelFor(999, 1_000_000_000));
        assertEquals(PageFrames.ZSTD_LEVEL, MigrationSource.levelFor(1_000, 1_000_000_000));
        assertEquals(MigrationSource.QUIET_LEVEL, MigrationSource.levelFor(0, 0));
    }

    /**
     * memwalk run for 5 million instructions, then paused by the user (it writes nothing more), with 3,000 pages of
     * text-like data added (real memory compresses about 2-4x; memwalk's own pages compress to almost nothing, so
     * without them the stream's fixed costs would be all that is compared).
     */
    private void assertSendsNoMoreThanACheckpoint(MigrationMode mode, boolean tls) throws Throwable {
        assertSendsNoMoreThanACheckpoint(mode, tls, m -> fillWithText(m, 3_000));
    }

    /** As above, with the guest's memory filled by {@code fill} once it is paused. */
    private void assertSendsNoMoreThanACheckpoint(MigrationMode mode, boolean tls, java.util.function.Consumer<Machine> fill) throws Throwable {
        Machine source = new Machine(MigrationTest.memwalkConfig(32L << 20), b -> { });
        source.boot();
        Thread t = new Thread(() -> source.run(-1), "source");
        t.setDaemon(true);
        t.start();
        running.add(source);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (source.callAtInstructionBoundary(() -> source.hart(0).instret) < 5_000_000 && System.nanoTime() < deadline) Thread.sleep(10);
        source.requestPause();
        while (source.runState() != Machine.RunState.PAUSED) Thread.sleep(1);
        source.callAtInstructionBoundary(() -> { fill.accept(source); return null; });

        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(source, repo, null);
        CheckpointInfo info = engine.checkpoint(CheckpointOptions.defaults(), null).info();
        long checkpoint = info.stat(Stats.BYTES_PACK, 0) + Files.size(repo.dir().resolve("checkpoints").resolve(info.id() + ".manifest"));

        Path creds = tls ? TestCertificates.create(dir.resolve("creds"), "vmckpt test CA") : null;
        MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), creds == null ? null : TlsCredentials.forServer(creds));
        closeAfter.add(l);
        Machine fresh = new Machine(MigrationTest.memwalkConfig(32L << 20), b -> { });
        AtomicReference<MigrationDestination.Incoming> in = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread dt = new Thread(() -> {
            try {
                in.set(new MigrationDestination(fresh).receive(l.accept(), null));
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "destination");
        dt.setDaemon(true);
        dt.start();
        MigrationSource s = new MigrationSource(source, engine, new MigrationEndpoint("127.0.0.1", l.port()),
                creds == null ? null : TlsCredentials.forClient(creds), mode, null);
        s.run();
        dt.join(60_000);
        if (failed.get() != null) throw failed.get();
        assertEquals(MigrationStatus.COMPLETED, s.status());
        Machine arrived = in.get().machine();
        if (in.get().postCopy() != null) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (in.get().postCopy().status() != MigrationStatus.COMPLETED && System.nanoTime() < until) Thread.sleep(5);
        }
        assertEquals(hash(source), hash(arrived), "the destination holds the source's state");
        long sent = s.progress().bytesSent();
        assertTrue(sent <= checkpoint, mode + (tls ? " over TLS" : "") + ": sent " + sent + " bytes, the checkpoint of the same state is " + checkpoint
                + " (" + s.progress().bytes() + ")");
        assertTrue(s.quietFrames() > 0, "a paused guest's round is quiet");
    }

    /**
     * Fills every page of guest memory with random bytes (seeded: the same every run). The guest stays paused; all of
     * its memory goes stored, so the zstd level a quiet round uses (3, the pack's is 1) cannot hide the framing.
     */
    private static void fillWithRandom(Machine m) {
        Random r = new Random(13);
        for (int i = 0; i < m.memory().pageCount(); i++) r.nextBytes(m.memory().pageForWrite(i));
    }

    /** Fills the top {@code pages} pages of guest memory with words from a small vocabulary (seeded: the same every run). */
    private static void fillWithText(Machine m, int pages) {
        Random r = new Random(12);
        String[] words = new String[300];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 3 + r.nextInt(8); k > 0; k--) w.append((char) ('a' + r.nextInt(26)));
            words[i] = w.toString();
        }
        int top = m.memory().pageCount();
        for (int i = top - pages; i < top; i++) {
            byte[] page = m.memory().pageForWrite(i);
            int at = 0;
            while (at < page.length) {
                byte[] w = (words[(int) Math.min(words.length - 1, Math.abs(r.nextGaussian()) * 60)] + " ").getBytes(StandardCharsets.US_ASCII);
                int n = Math.min(w.length, page.length - at);
                System.arraycopy(w, 0, page, at, n);
                at += n;
            }
        }
    }

    private static String hash(Machine m) throws Exception {
        return m.callAtInstructionBoundary(() -> HexFormat.of().formatHex(m.stateHash()));
    }
}
