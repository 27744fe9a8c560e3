package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.vmckpt.checkpoint.migration.TestCertificates;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.cli.MigrationProcesses.*;

/**
 * Issue 12 end to end with the default Debian guest running memdirty and the real commands, over loopback with
 * TLS: a destination killed (SIGKILL) in the middle of a pre-copy leaves the source running; then the VM moves by
 * pre-copy to a second process and from there by post-copy to a third, and by post-copy to a fourth over a link
 * cut after the switch-over, then recovered. Each time the heartbeat continues at N+1 and counts on one by one,
 * the source process ends, and the new one answers on its control socket.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class MigrationEndToEndTest {
    private static final long BOOT_TIMEOUT_MS = 120_000;

    @TempDir
    Path temp;

    private VmckptProcess destination(Path root, Path creds, String name, int port) throws Exception {
        return startDestination(root, temp, creds, name, port, temp.resolve("repo"));
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void theGuestMovesTwiceAndAKilledDestinationLeavesTheSourceRunning() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        Path creds = TestCertificates.create(temp.resolve("creds"), "vmckpt e2e CA");
        Path srcSock = temp.resolve("src.sock");
        try (VmckptProcess src = VmckptProcess.start(root, temp.resolve("src.console"), temp.resolve("src.log"), List.of("run",
                "--tls-creds", creds.toString(), "--workload", "memdirty,32,10", "--repo", temp.resolve("repo").toString(),
                "--api-socket", srcSock.toString()))) {
            src.awaitHeartbeat(3, BOOT_TIMEOUT_MS);

            // 1. The destination dies (SIGKILL) in the middle of a pre-copy: the source runs on.
            int port = freePort();
            try (VmckptProcess doomed = destination(root, creds, "doomed", port); QmpClient qmp = QmpClient.connect(srcSock)) {
                awaitListening(temp.resolve("doomed.log"));
                qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + port, "mode", "precopy"));
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                while (number(((Map<?, ?>) qmp.execute("query-migrate", null).get("ram")), "transferred") < 1_000_000) {
                    assertTrue(System.nanoTime() < deadline, "the migration did not get going: " + qmp.execute("query-migrate", null));
                    Thread.sleep(2);
                }
                doomed.kill();
                String status;
                do {
                    Thread.sleep(20);
                    status = (String) qmp.execute("query-migrate", null).get("status");
                } while (!status.equals("failed") && System.nanoTime() < deadline);
                assertEquals("failed", status, src.describe());
                assertEquals("running", qmp.execute("query-status", null).get("status"));
            }
            long before = src.lastHeartbeat();
            src.awaitHeartbeat(before + 3, STEP_TIMEOUT_MS);

            // 2. Pre-copy to a second process, then 3. post-copy from there to a third.
            VmckptProcess from = src;
            Path fromSock = srcSock;
            String[] modes = {"--precopy", "--postcopy"};
            for (int hop = 0; hop < modes.length; hop++) {
                port = freePort();
                String name = "hop" + hop;
                VmckptProcess to = destination(root, creds, name, port);
                awaitListening(temp.resolve(name + ".log"));
                CapturedOutput out = new CapturedOutput();
                int rc = MigrateCommand.run(new String[]{"migrate", fromSock.toString(), "tcp:127.0.0.1:" + port, modes[hop]}, out.io());
                assertEquals(0, rc, out.err() + "\n" + from.describe() + "\n" + to.describe());
                assertTrue(out.out().contains("migrated"), out.out());
                assertTrue(from.process().waitFor(20, TimeUnit.SECONDS), "the source process ends after the migration");
                long last = from.lastHeartbeat();
                to.awaitHeartbeat(last + 5, STEP_TIMEOUT_MS);
                List<Long> beats = to.heartbeats();
                // The guest was paused after `last` was printed and maybe while printing the next line: it goes on
                // with last + 1 (the first complete line here may be last + 2 if last + 1 was cut across the switch).
                assertTrue(beats.get(0) == last + 1 || beats.get(0) == last + 2, modes[hop] + ": the source's last heartbeat was " + last
                        + ", the destination's first " + beats.get(0) + "\n" + to.describe());
                for (int i = 1; i < beats.size(); i++) assertEquals(beats.get(i - 1) + 1, beats.get(i), "heartbeats count on one by one: " + beats);
                try (QmpClient qmp = QmpClient.connect(temp.resolve(name + ".sock"))) {
                    assertEquals(Boolean.TRUE, qmp.execute("query-status", null).get("running"));
                }
                if (from != src) from.close();
                from = to;
                fromSock = temp.resolve(name + ".sock");
            }

            // 4. Post-copy again, through a link cut after the switch-over: both ends wait (postcopy-paused, the
            // guest does not crash); 'vmckpt migrate --recover' at the destination and '--resume' at the source
            // finish the move, and the heartbeat goes on. It switches at once: after copy rounds, post-copy sends
            // the working set's deltas in the pause and leaves too few pages to cut the link before they arrive.
            port = freePort();
            VmckptProcess to = destination(root, creds, "cut", port);
            awaitListening(temp.resolve("cut.log"));
            Path toSock = temp.resolve("cut.sock");
            try (CuttableProxy link = new CuttableProxy(port); QmpClient qmp = QmpClient.connect(fromSock)) {
                qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + link.port(), "mode", "postcopy", "postcopy-at-once", true));
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                String status;
                do {
                    Thread.sleep(2);
                    status = (String) qmp.execute("query-migrate", null).get("status");
                } while (!status.equals("postcopy-active") && System.nanoTime() < deadline);
                assertEquals("postcopy-active", status, from.describe());
                link.slowDown(256 << 10); // the pages still to come take seconds now
                // GO may still be on its way through the slow link: cut only once the destination runs the guest.
                try (QmpClient dst = connectWhenUp(toSock, deadline)) {
                    do {
                        status = (String) dst.execute("query-migrate", null).get("status");
                    } while (!status.equals("postcopy-active") && System.nanoTime() < deadline);
                    assertEquals("postcopy-active", status, to.describe());
                }
                link.cut();
                do {
                    Thread.sleep(20);
                    status = (String) qmp.execute("query-migrate", null).get("status");
                } while (!status.equals("postcopy-paused") && System.nanoTime() < deadline);
                assertEquals("postcopy-paused", status, from.describe());
            }
            try (QmpClient qmp = QmpClient.connect(toSock)) {
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                String status;
                do {
                    Thread.sleep(20);
                    status = (String) qmp.execute("query-migrate", null).get("status");
                } while (!status.equals("postcopy-paused") && System.nanoTime() < deadline);
                assertEquals("postcopy-paused", status, to.describe());
            }
            assertTrue(to.process().isAlive(), "the destination waits; it does not crash");
            int recoverPort = freePort();
            CapturedOutput rec = new CapturedOutput();
            assertEquals(0, MigrateCommand.run(new String[]{"migrate", toSock.toString(), "tcp:127.0.0.1:" + recoverPort, "--recover"}, rec.io()),
                    rec.err() + "\n" + to.describe());
            CapturedOutput res = new CapturedOutput();
            assertEquals(0, MigrateCommand.run(new String[]{"migrate", fromSock.toString(), "tcp:127.0.0.1:" + recoverPort, "--resume"}, res.io()),
                    res.err() + "\n" + from.describe() + "\n" + to.describe());
            assertTrue(res.out().contains("migrated"), res.out());
            assertTrue(from.process().waitFor(20, TimeUnit.SECONDS), "the source process ends once the resumed migration completed");
            long last = from.lastHeartbeat();
            to.awaitHeartbeat(last + 5, STEP_TIMEOUT_MS);
            List<Long> beats = to.heartbeats();
            assertTrue(beats.get(0) == last + 1 || beats.get(0) == last + 2, "after recovery: the source's last heartbeat was " + last
                    + ", the destination's first " + beats.get(0) + "\n" + to.describe());
            for (int i = 1; i < beats.size(); i++) assertEquals(beats.get(i - 1) + 1, beats.get(i), "heartbeats count on one by one: " + beats);
            try (QmpClient qmp = QmpClient.connect(toSock)) {
                assertEquals("completed", qmp.execute("query-migrate", null).get("status"));
            }
            if (from != src) from.close();
            to.close();
        }
    }
}
