package org.vmckpt.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.migration.TestCertificates;
import org.vmckpt.cli.qmp.QmpClient;
import org.vmckpt.cli.qmp.QmpException;
import org.vmckpt.machine.DefaultGuest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.cli.MigrationProcesses.*;

/**
 * Issue 12's "kill -9 of the destination in the middle" for post-copy, as real processes: the default Debian guest
 * running memdirty, one source, TLS over loopback, and a destination killed with SIGKILL on either side of post-copy's
 * switch-over.
 * <ol>
 * <li>Before the switch-over (in post-copy's copy rounds): the source runs the guest on (its heartbeat goes on),
 * {@code query-migrate} says failed, and a later migration works (2.).</li>
 * <li>After the switch-over (the destination runs the guest): the source stays up in {@code postcopy-paused}, answers
 * QMP, refuses {@code cont} and {@code vmckpt-reset}, and never runs the guest again (its console stays as it was at the
 * switch-over). The way out when the destination is gone for good: {@code vmckpt checkpoint} the source and
 * {@code vmckpt restore} that checkpoint, whose guest continues from the switch-over's heartbeat N at N+1 (what the
 * destination ran after the switch-over is lost).</li>
 * </ol>
 * One boot serves both cases (MigrationEndToEndTest covers SIGKILL during a pre-copy and the moves that complete).
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class MigrationPostCopyKillEndToEndTest {
    private static final long BOOT_TIMEOUT_MS = 120_000;
    /** memdirty's heartbeat period with the arguments below (32 MiB, 10%/s, the default 100 ms). */
    private static final long HEARTBEAT_MS = 100;

    @TempDir
    Path temp;

    private VmckptProcess destination(Path root, Path creds, String name, int port) throws Exception {
        return startDestination(root, temp, creds, name, port, temp.resolve("repo-" + name));
    }

    /** Polls {@code query-migrate} until its status is one of {@code ends} (a watchdog of a step, not a measure). */
    private static Map<String, Object> awaitStatus(QmpClient qmp, VmckptProcess vm, String... ends) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
        while (true) {
            Map<String, Object> info = qmp.execute("query-migrate", null);
            for (String e : ends) if (e.equals(info.get("status"))) return info;
            assertTrue(System.nanoTime() < deadline, "the migration did not reach " + String.join("/", ends) + ": " + info + "\n" + vm.describe());
            Thread.sleep(5);
        }
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void aDestinationKilledInAPostCopyLeavesTheSourceUpAndTheGuestRecoverable() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        Path creds = TestCertificates.create(temp.resolve("creds"), "vmckpt e2e CA");
        Path repo = temp.resolve("repo");
        Path srcSock = temp.resolve("src.sock");
        try (VmckptProcess src = VmckptProcess.start(root, temp.resolve("src.console"), temp.resolve("src.log"), List.of("run",
                "--tls-creds", creds.toString(), "--workload", "memdirty,32,10", "--repo", repo.toString(),
                "--api-socket", srcSock.toString()))) {
            src.awaitHeartbeat(3, BOOT_TIMEOUT_MS);

            // 1. SIGKILL of the destination before post-copy's switch-over, in its copy rounds. The link is slowed so that
            // round 0 takes many seconds: the kill falls in it, not past it.
            int port = freePort();
            try (VmckptProcess doomed = destination(root, creds, "before", port); CuttableProxy link = new CuttableProxy(port);
                 QmpClient qmp = QmpClient.connect(srcSock)) {
                awaitListening(temp.resolve("before.log"));
                link.slowDown(1 << 20);
                qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + link.port(), "mode", "postcopy"));
                awaitStatus(qmp, src, "active");
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                while (number((Map<?, ?>) qmp.execute("query-migrate", null).get("ram"), "transferred") < 1_000_000) {
                    assertTrue(System.nanoTime() < deadline, "the migration did not get going: " + qmp.execute("query-migrate", null));
                    Thread.sleep(5);
                }
                assertEquals("active", qmp.execute("query-migrate", null).get("status"), "still in the rounds when the destination dies");
                doomed.kill();
                Map<String, Object> info = awaitStatus(qmp, src, "failed", "completed", "cancelled", "postcopy-paused");
                assertEquals("failed", info.get("status"), info + "\n" + src.describe());
                assertNotNull(info.get("error-desc"), info.toString());
                assertEquals("running", qmp.execute("query-status", null).get("status"));
            }
            long before = src.lastHeartbeat();
            src.awaitHeartbeat(before + 3, STEP_TIMEOUT_MS); // the guest runs on at the source

            // 2. A later migration to another destination, post-copy at once (after copy rounds the pages left after GO
            // arrive in milliseconds, too fast to kill the destination between): it switches over, the destination
            // runs the guest, and then dies by SIGKILL while pages are still on their way through a slowed link.
            port = freePort();
            Path dstSock = temp.resolve("after.sock");
            long switchedAt;
            try (VmckptProcess dst = destination(root, creds, "after", port); CuttableProxy link = new CuttableProxy(port);
                 QmpClient qmp = QmpClient.connect(srcSock)) {
                awaitListening(temp.resolve("after.log"));
                qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + link.port(), "mode", "postcopy", "postcopy-at-once", true));
                awaitStatus(qmp, src, "postcopy-active");
                link.slowDown(256 << 10); // the pages still to come take seconds now
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                try (QmpClient d = connectWhenUp(dstSock, deadline)) {
                    awaitStatus(d, dst, "postcopy-active"); // GO arrived: the guest runs there
                }
                // The source paused the guest at the switch-over: its console ends with the switch-over's heartbeat N.
                switchedAt = src.lastHeartbeat();
                String sourceConsole = src.consoleText();
                dst.kill();
                Map<String, Object> info = awaitStatus(qmp, src, "postcopy-paused", "failed", "completed");
                assertEquals("postcopy-paused", info.get("status"), info + "\n" + src.describe());
                assertTrue(src.isAlive(), "the source stays up");
                assertEquals("postmigrate", qmp.execute("query-status", null).get("status"), "it answers QMP, paused");
                QmpException cont = assertThrows(QmpException.class, () -> qmp.execute("cont", null));
                assertTrue(cont.getMessage().contains("must not"), cont.getMessage());
                // Ten heartbeat periods: a source that ran the guest again would have printed more.
                Thread.sleep(10 * HEARTBEAT_MS);
                assertNothingMorePrinted(src, sourceConsole, switchedAt, "the source must never run the guest after the switch-over");
                assertTrue(Files.readString(temp.resolve("src.log")).contains("vmckpt restore ID"),
                        "the source says what the way out is:\n" + src.describe());

                // The way out: checkpoint the source (it holds the guest as it was at the switch-over) and restore that.
                CapturedOutput out = new CapturedOutput();
                assertEquals(0, CheckpointCommand.run(new String[]{"checkpoint", srcSock.toString()}, out.io()), out.err() + "\n" + src.describe());
                Matcher m = Pattern.compile("checkpoint (\\S+):").matcher(out.out());
                assertTrue(m.find(), out.out());
                String id = m.group(1);
                QmpException reset = assertThrows(QmpException.class, () -> qmp.execute("vmckpt-reset", Map.of("checkpoint", id)));
                assertTrue(reset.getMessage().contains("cannot be reset"), reset.getMessage());
                Thread.sleep(5 * HEARTBEAT_MS);
                assertNothingMorePrinted(src, sourceConsole, switchedAt, "a checkpoint does not run the guest here either");
                assertEquals("postcopy-paused", qmp.execute("query-migrate", null).get("status"));

                try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restored.console"), temp.resolve("restored.log"),
                        List.of("restore", id, "--repo", repo.toString(), "--api-socket", temp.resolve("restored.sock").toString()))) {
                    restored.awaitHeartbeat(switchedAt + 5, STEP_TIMEOUT_MS);
                    List<Long> beats = restored.heartbeats();
                    // As across a switch-over: N + 1 next, or N + 2 if the guest was paused in the middle of printing N + 1.
                    assertTrue(beats.get(0) == switchedAt + 1 || beats.get(0) == switchedAt + 2, "the switch-over's heartbeat was " + switchedAt
                            + ", the restored guest's first " + beats.get(0) + "\n" + restored.describe());
                    for (int i = 1; i < beats.size(); i++) assertEquals(beats.get(i - 1) + 1, beats.get(i), "heartbeats count on one by one: " + beats);
                }
            }
        }
    }

    /** The guest printed nothing on {@code vm}'s console since {@code before} (whose last heartbeat was {@code last}). */
    private static void assertNothingMorePrinted(VmckptProcess vm, String before, long last, String message) throws Exception {
        String now = vm.consoleText();
        assertEquals(before.length(), now.length(), message + ": the switch-over's heartbeat was " + last + ", the console's last is now "
                + vm.lastHeartbeat() + "; printed since: " + now.substring(Math.min(before.length(), now.length())).lines().limit(3).toList());
        assertEquals(before, now, message);
    }
}
