package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.PageOrigin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A restore's boot files are prepared on their own thread while the machine is built ({@link BootFilesTask}): the
 * restoring thread gets exactly the files a restore on one thread got (checked by SHA-256), the task's refusal of a
 * changed file as its own (by name), and a restore that gives up leaves no task running.
 */
class BootFilesTaskTest {
    @TempDir
    Path dir;

    @Test
    void theTaskGivesTheCheckedBootFilesOrItsRefusalAndEndsWhenAbandoned() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        MachineConfig c = new MachineConfig(64L << 20, kernel, null, "console=ttyS0", null, null, List.of(), false, false, true);
        Machine m = new Machine(c, b -> { });
        m.boot();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        try (Checkpoint ck = repo.open(id)) {
            BootFilesTask task = BootFilesTask.start(ck, false);
            PageSources.BootFiles files = task.join();
            BootFile k = files.files().get(PageOrigin.KERNEL);
            assertNotNull(k, "the kernel, which SOURCE pages refer to");
            assertEquals(ck.config().get("kernel.sha256"), k.sha256());
            assertArrayEquals(BootFileEvictionTest.image(), k.loaded());
            // Abandoned without a join (a restore whose machine could not be built): the task has ended when abandon returns.
            BootFilesTask unused = BootFilesTask.start(ck, true);
            unused.abandon();
            assertFalse(bootFilesThreadAlive(), "a boot-files thread still runs after abandon");
        }
        byte[] changed = BootFileEvictionTest.image();
        changed[changed.length - 1] ^= 1;
        Files.write(kernel, changed);
        try (Checkpoint ck = repo.open(id)) {
            BootFilesTask task = BootFilesTask.start(ck, true);
            RestoreException e = assertThrows(RestoreException.class, task::join);
            assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
            task.abandon(); // after a refusal: nothing to close, returns at once
            assertFalse(bootFilesThreadAlive());
        }
    }

    private static boolean bootFilesThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vmckpt-restore-boot-files") && t.isAlive());
    }
}
