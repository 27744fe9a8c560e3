package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An eager restore with {@code -Dvmckpt.restore.oldGenDirect.beforeSourcePages} (round 63, on by default) opens its
 * {@link OldGenerationWindow} before the pages it reads from boot files, and loads those inside it (here a recording
 * window; the real one is cli's OldGenWindowTest): every SOURCE page of the checkpoint counted as loaded in the window,
 * one window, closed, and the same machine as a restore without the switch and without a window.
 */
class WindowBeforeSourcePagesTest {
    @TempDir
    Path dir;

    private final AtomicInteger opened = new AtomicInteger(), closed = new AtomicInteger();

    @AfterEach
    void reset() {
        OldGenerationWindow.install(null);
        Restorer.windowBeforeSourcePages = Restorer.windowBeforeSourcePagesDefault();
    }

    private void installRecorder() {
        OldGenerationWindow.install(() -> {
            opened.incrementAndGet();
            return new OldGenerationWindow.Window() {
                private final AtomicInteger closes = new AtomicInteger();

                @Override
                public void close() {
                    if (closes.getAndIncrement() == 0) closed.incrementAndGet();
                }

                @Override
                public long openNanos() {
                    return 1;
                }

                @Override
                public boolean timedOut() {
                    return false;
                }
            };
        });
    }

    @Test
    void onUnlessTurnedOff() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("vmckpt.restore.oldGenDirect.beforeSourcePages") == null);
        assertTrue(Restorer.windowBeforeSourcePagesDefault(), "on by default");
    }

    @Test
    void theBootFilesPagesLoadInsideTheWindowAndTheMachineIsTheSame() throws Exception {
        Files.createDirectories(dir.resolve("boot"));
        Path kernel = dir.resolve("boot/Image"), initrd = dir.resolve("boot/initrd");
        Files.write(kernel, BootFileEvictionTest.image());
        byte[] b = new byte[300_000];
        new Random(63).nextBytes(b);
        Files.write(initrd, b);
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200); // remembered: read in place, as a user's boot files are
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, initrd, "console=ttyS0", null, null, List.of(),
                false, false, true), x -> { });
        m.boot();
        m.memory().write64(BootFileEvictionTest.KERNEL_AT + 5 * 4096L, 1);
        m.memory().write64(BootFileEvictionTest.KERNEL_AT + 9 * 4096L + 8, 0x63);
        String expected = Machines.hash(m);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        long sourcePages = 0;
        try (Checkpoint c = repo.open(id)) {
            for (int p = 0; p < c.pageCount(); p++) if (c.pageKind(p) == PageKind.SOURCE) sourcePages++;
        }
        assertTrue(sourcePages > 50, "the checkpoint refers to the boot files' pages: " + sourcePages);

        installRecorder();
        Restorer.windowBeforeSourcePages = false;
        Map<String, Long> off;
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
            assertEquals(expected, Machines.hash(r.machine()), "the window after every reference page");
            off = r.phaseNanos();
        }
        assertNull(off.get("pages.oldgen.source.items"), "no boot-file page loaded inside the window: " + off);

        Restorer.windowBeforeSourcePages = true;
        for (int i = 0; i < 2; i++) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
                assertEquals(expected, Machines.hash(r.machine()), "the window before the boot files' pages");
                assertEquals(sourcePages, r.phaseNanos().get("pages.oldgen.source.items"),
                        "every boot-file page loaded inside the window: " + r.phaseNanos());
                assertEquals(0L, r.phaseNanos().get("pages.oldgen.timeout.items"));
            }
        }
        assertEquals(3, opened.get(), "one window per eager restore");
        assertEquals(3, closed.get(), "every window closed");
        // A lazy restore opens none.
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, x -> { }, true, null);
            r.machine().memory().materializeAllLazy();
            assertEquals(expected, Machines.hash(r.machine()), "lazy");
        }
        assertEquals(3, opened.get(), "no window for a lazy restore");

        // A damaged pack is still refused with a RestoreException and no machine, the window closed.
        Path pack;
        try (java.util.stream.Stream<Path> s = Files.list(repo.dir().resolve("packs"))) {
            pack = s.sorted().reduce((x, y) -> size(x) >= size(y) ? x : y).orElseThrow();
        }
        byte[] original = Files.readAllBytes(pack);
        Random random = new Random(63);
        int refused = 0;
        for (int k = 0; k < 8; k++) {
            byte[] damaged = original.clone();
            int at = original.length / 4 + random.nextInt(original.length / 2);
            damaged[at] ^= (byte) 0x5A;
            Files.write(pack, damaged);
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, x -> { }, false, null);
                assertEquals(expected, Machines.hash(r.machine()), "byte " + at + ": a machine handed out must be exact");
            } catch (RestoreException e) {
                refused++;
            } finally {
                Files.write(pack, original);
            }
            assertEquals(opened.get(), closed.get(), "byte " + at + ": every window closed");
        }
        assertTrue(refused >= 4, refused + " of 8 flipped bytes in the pack refused");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
