package org.vmckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointFormatException;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.VirtioBlk;

/**
 * Issue 8, item 7: a FIFO or a directory where the repository expects a file never hangs or breaks listing,
 * verifying, inspecting, collecting or restoring: it is reported by name, and the rest of the repository works.
 */
class NonRegularFilesTest {
    private static final Duration NO_HANG = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static void mkfifo(Path p) throws Exception {
        Files.deleteIfExists(p);
        Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, pr.waitFor(), "mkfifo " + p);
    }

    private record Repo(Repository repo, String first, String second) { }

    private Repo twoCheckpoints() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(300_000);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String first = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        m.run(100_000);
        String second = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        return new Repo(repo, first, second);
    }

    @Test
    void aPackThatIsAFifoIsReportedByVerifyAndRefusedByRestore() throws Exception {
        Repo r = twoCheckpoints();
        Path pack;
        try (Checkpoint c = r.repo().open(r.second()); Stream<Path> s = Files.list(r.repo().dir().resolve("packs"))) {
            pack = s.filter(p -> p.getFileName().toString().endsWith(".pack")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        // Replace every pack by a FIFO: whichever the second checkpoint uses is one.
        try (Stream<Path> s = Files.list(r.repo().dir().resolve("packs"))) {
            for (Path p : s.toList()) mkfifo(p);
        }
        assertTimeoutPreemptively(NO_HANG, () -> {
            assertEquals(2, r.repo().list().size());
            try (Checkpoint c = r.repo().open(r.second())) {
                var report = c.verify(ProgressListener.NONE);
                assertFalse(report.problems().isEmpty());
                assertTrue(report.problems().get(0).contains("FIFO"), report.problems().toString());
            }
            for (boolean lazy : new boolean[]{false, true}) {
                try (Checkpoint c = r.repo().open(r.second())) {
                    RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(c, null, b -> { }, lazy, null));
                    assertTrue(e.getMessage().contains("FIFO") && e.getMessage().contains(".pack"), e.getMessage());
                }
            }
        });
        assertTrue(pack.toString().endsWith(".pack"));
    }

    @Test
    void aManifestThatIsAFifoOrADirectoryIsReportedAndTheRestWorks() throws Exception {
        Repo r = twoCheckpoints();
        Path checkpoints = r.repo().dir().resolve("checkpoints");
        mkfifo(checkpoints.resolve(r.first() + ".manifest"));
        String dirId = r.second().substring(0, r.second().length() - 1) + (r.second().endsWith("0") ? "1" : "0");
        Files.createDirectory(checkpoints.resolve(dirId + ".manifest"));
        assertTimeoutPreemptively(NO_HANG, () -> {
            assertEquals(1, r.repo().list().size(), "the real manifest is still listed");
            assertTrue(r.repo().listUnreadable().isEmpty(), "not manifests, so not unreadable checkpoints (gc must not refuse)");
            var stray = r.repo().listStray();
            assertTrue(stray.get(r.first()).contains("not a regular file"), stray.toString());
            assertTrue(stray.get(dirId).contains("not a regular file"), stray.toString());
            IOException e = assertThrows(IOException.class, () -> r.repo().open(r.first())); // not a checkpoint: not found
            assertTrue(e.getMessage().contains(r.first()), e.getMessage());
            r.repo().gc(); // neither blocks nor fails for the whole repository
            try (Checkpoint c = r.repo().open(r.second())) {
                assertTrue(c.verify(ProgressListener.NONE).problems().isEmpty(), "the second checkpoint's packs survived gc");
            }
        });
    }

    @Test
    void aDiskImageThatIsAFifoIsRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("disk.img");
        mkfifo(fifo);
        assertTimeoutPreemptively(NO_HANG, () -> {
            IOException e = assertThrows(IOException.class, () -> new VirtioBlk(fifo));
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        });
    }
}
