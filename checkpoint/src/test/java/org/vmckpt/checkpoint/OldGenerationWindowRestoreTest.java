package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An eager restore with an {@link OldGenerationWindow} installed (here a recording one; the real one, which locks the
 * collector out, is cli's OldGenWindowTest): it opens one window for the pages still loading once its own steps are
 * done, closes it however the restore ends, and gives the same machine as a restore without; a damaged pack is still
 * refused with a RestoreException and no machine, its window closed.
 */
class OldGenerationWindowRestoreTest {
    @TempDir
    Path dir;

    /** Windows opened, and those closed (each counted once). */
    private final AtomicInteger opened = new AtomicInteger();
    private final List<String> closedBy = new CopyOnWriteArrayList<>();

    private void installRecorder() {
        OldGenerationWindow.install(() -> {
            opened.incrementAndGet();
            return new OldGenerationWindow.Window() {
                private final AtomicInteger closes = new AtomicInteger();
                private final long t0 = System.nanoTime();

                @Override
                public void close() {
                    if (closes.getAndIncrement() == 0) closedBy.add(Thread.currentThread().getName());
                }

                @Override
                public long openNanos() {
                    return System.nanoTime() - t0;
                }

                @Override
                public boolean timedOut() {
                    return false;
                }
            };
        });
    }

    @AfterEach
    void uninstall() {
        OldGenerationWindow.install(null);
    }

    private String checkpoint(Repository repo, Codec codec) throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(2_000_000);
        return new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false).withCompression(codec, codec == Codec.ZSTD ? Codec.DEFAULT_ZSTD_LEVEL : 0), null)
                .info().id();
    }

    @Test
    void oneWindowForTheLastPagesClosedByTheRestoreAndTheSameMachine() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = checkpoint(repo, Codec.ZSTD);
        String expected;
        try (Checkpoint c = repo.open(id)) {
            expected = Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine());
        }
        assertEquals(0, opened.get());
        installRecorder();
        for (int i = 0; i < 3; i++) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(expected, Machines.hash(r.machine()), "the same machine with the window");
                assertTrue(r.phaseNanos().containsKey("pages.oldgen.window"), r.phaseNanos().toString());
                assertEquals(0L, r.phaseNanos().get("pages.oldgen.timeout.items"));
            }
        }
        assertEquals(3, opened.get(), "one window per eager restore");
        assertEquals(3, closedBy.size(), "every window closed: " + closedBy);
        // A lazy restore opens none (its pages load while the guest runs).
        try (Checkpoint c = repo.open(id)) {
            Restorer.restore(c, null, b -> { }, true, null).machine().memory().materializeAllLazy();
        }
        assertEquals(3, opened.get(), "no window for a lazy restore");
    }

    @Test
    void aDamagedPackIsRefusedWithNoMachineAndItsWindowClosed() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = checkpoint(repo, Codec.NONE);
        String expected;
        try (Checkpoint c = repo.open(id)) {
            expected = Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine());
        }
        Path pack;
        try (Stream<Path> s = Files.list(repo.dir().resolve("packs"))) {
            pack = s.sorted().reduce((a, b) -> sizeOf(a) >= sizeOf(b) ? a : b).orElseThrow();
        }
        byte[] original = Files.readAllBytes(pack);
        installRecorder();
        int refused = 0;
        java.util.Random random = new java.util.Random(61);
        for (int k = 0; k < 12; k++) {
            byte[] damaged = original.clone();
            int at = original.length / 4 + random.nextInt(original.length / 2);
            damaged[at] ^= (byte) 0x5A;
            Files.write(pack, damaged);
            int before = opened.get();
            try (Checkpoint c = repo.open(id)) {
                try {
                    Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                    assertEquals(expected, Machines.hash(r.machine()), "byte " + at + ": a machine handed out must be exact");
                } catch (RestoreException e) {
                    assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains(pack.getFileName().toString()), e.getMessage());
                    refused++;
                }
            } finally {
                Files.write(pack, original);
            }
            assertEquals(before + 1, opened.get(), "byte " + at + ": the restore reached its pages and opened a window");
            assertEquals(opened.get(), closedBy.size(), "byte " + at + ": every window closed, the refused restore's too");
        }
        assertTrue(refused >= 6, refused + " of 12 flipped bytes in the pack's data refused");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
