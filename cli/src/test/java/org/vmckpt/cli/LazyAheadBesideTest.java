package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -Dvmckpt.restore.lazyAhead=true} (round 80, LazyPages.AHEAD) under the default {@code sessionBeside=eager}: a
 * lazy restore's guest, which then waits for its reference pages before its first instruction, runs before its session
 * is set up (the checkpoint engine and the control socket's serving come after its first instruction), as an eager
 * restore's does; its control socket then works, and {@code --stats} says how many reference pages were in at the first
 * instruction. (Without the switch a lazy restore sets its session up first: RestoreSessionBesideTest.)
 */
class LazyAheadBesideTest {
    @TempDir
    Path temp;

    private static final Path MEMWALK = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
    /** The first mark line's account of the restore (MarkTimes). */
    private static final Pattern FIRST = Pattern.compile("at the first instruction: mtime (\\d+), .*; the first instruction ([\\d.]+) ms after \"restored\" \\(([^)]*)\\)");
    private static final Pattern AHEAD = Pattern.compile("reference pages ahead: ([\\d,]+) of ([\\d,]+) in at its first instruction");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLazyRestoreWithTheReferencesAheadRunsItsGuestBeforeItsSession() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--elf", MEMWALK.toString(), "--mem", "64", "--api-socket", socket.toString(), "--repo", repo.toString()))) {
            run.awaitSocket(socket);
            run.await("memwalk heartbeat 2", 0, 60_000);
            try (QmpClient qmp = QmpClient.connect(socket)) {
                qmp.execute("vmckpt-checkpoint", Map.of("name", "c1"));
            }
        }
        Path sock = temp.resolve("lazy.sock");
        Path log = temp.resolve("lazy.log");
        List<String> args = new ArrayList<>(List.of("restore", "c1", "--lazy", "--stats", "--api-socket", sock.toString(), "--repo", repo.toString()));
        List<String> opts = List.of("-Dvmckpt.restore.lazyAhead=true", "-Dvmckpt.stats.markPrefix=memwalk heartbeat");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("lazy.console"), log, opts, args)) {
            restored.awaitSocket(sock);
            restored.await("memwalk heartbeat", 0, 60_000);
            String text = restored.awaitLog(FIRST);
            Matcher m = FIRST.matcher(text);
            assertTrue(m.find(), text);
            double first = Double.parseDouble(m.group(2));
            // In the old order the report ("stats printed"), the engine and the control socket's serving come before the
            // first instruction; beside it, after (those not set up yet by the first mark line are not listed).
            Matcher step = Pattern.compile("(stats printed|checkpoint engine|control socket) ([\\d.]+)").matcher(m.group(3));
            int after = 0;
            while (step.find()) {
                boolean isAfter = Double.parseDouble(step.group(2)) > first;
                assertTrue(isAfter, "lazy restore with lazyAhead: " + step.group(1) + " at " + step.group(2)
                        + " ms after \"restored\", the guest's first instruction at " + first + " ms\n" + text);
                after++;
            }
            // (None listed is beside too: a quick guest's first mark line can come before the session printed anything;
            // in the old order all three are done, and listed, before the first instruction.)
            assertTrue(after <= 3, text);
            String stats = restored.awaitLog(AHEAD);
            Matcher a = AHEAD.matcher(stats);
            assertTrue(a.find());
            assertEquals(a.group(2), a.group(1), "every reference page in at the first instruction\n" + stats);
            try (QmpClient qmp = QmpClient.connect(sock)) {
                qmp.execute("query-status", Map.of());
            }
        }
    }
}
