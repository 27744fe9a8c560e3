package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `--paused` (QEMU's -S) for run and restore, and a QEMU-style bare --mem, with the bare-metal memwalk program
 * (it prints a heartbeat from its first instructions on): nothing runs until `cont`; a restored VM keeps its name.
 */
class PausedStartTest {
    @TempDir
    Path temp;

    private static final Path MEMWALK = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void runAndRestoreWithPausedStartStoppedUntilCont() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        String id;
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--elf", MEMWALK.toString(), "--mem", "64", "--paused", "--name", "pausy", "--api-socket", socket.toString(),
                        "--repo", repo.toString()))) {
            run.awaitSocket(socket);
            try (QmpClient qmp = QmpClient.connect(socket)) {
                assertEquals("paused", qmp.execute("query-status", null).get("status"));
                Thread.sleep(500);
                assertFalse(run.consoleText().contains("memwalk heartbeat"), "the guest ran while paused:\n" + run.describe());
                qmp.execute("cont", null);
                run.await("memwalk heartbeat 2", 0, 30_000);
                assertEquals("pausy", qmp.execute("query-name", null).get("name"));
                Map<String, Object> ckpt = qmp.execute("vmckpt-checkpoint", Map.of("name", "p1"));
                id = (String) ckpt.get("id");
            }
        }
        try (org.vmckpt.checkpoint.store.Checkpoint c = org.vmckpt.checkpoint.store.Repository.open(repo, false).open(id)) {
            assertEquals(Long.toString(64L << 20), c.config().get("memory"), "--mem 64 is 64 MiB");
        }
        Path socket2 = temp.resolve("restore.sock");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restore.console"), temp.resolve("restore.log"),
                List.of("restore", "p1", "--paused", "--api-socket", socket2.toString(), "--repo", repo.toString()))) {
            restored.awaitSocket(socket2);
            try (QmpClient qmp = QmpClient.connect(socket2)) {
                assertEquals("paused", qmp.execute("query-status", null).get("status"));
                assertEquals("pausy", qmp.execute("query-name", null).get("name"), "a restored VM keeps its name");
                Thread.sleep(500);
                assertFalse(restored.consoleText().contains("memwalk heartbeat"), "the restored guest ran while paused");
                qmp.execute("cont", null);
                restored.await("memwalk heartbeat", 0, 30_000);
            }
        }
    }
}
