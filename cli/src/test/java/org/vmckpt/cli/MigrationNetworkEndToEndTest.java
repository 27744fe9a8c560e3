package org.vmckpt.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;
import org.vmckpt.machine.DefaultGuest;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 12's "network port forwards follow the VM", end to end with the default Debian guest and the real commands,
 * source and destination on this host with the same {@code --net user,hostfwd=...}: the destination starts while
 * the source holds the ports; after `vmckpt migrate` a connection to the forwarded port reaches the guest's httpd
 * at the destination (it serves a file only the migrated guest wrote), the source (kept, paused) no longer
 * listens, and a TCP connection open through the source's forward at the switch is reset at both ends: the host
 * client sees it end, the guest's nc sees it reset.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class MigrationNetworkEndToEndTest {
    private static final long BOOT_TIMEOUT_MS = 120_000;
    private static final long STEP_TIMEOUT_MS = 60_000;

    @TempDir
    Path temp;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void theForwardsFollowTheVmAndItsOpenConnectionsAreReset() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        int http = freePort(), held = freePort(), migration = freePort();
        String net = "user,hostfwd=tcp:127.0.0.1:" + http + "-:80,hostfwd=tcp:127.0.0.1:" + held + "-:7000";
        Path srcSock = temp.resolve("src.sock"), dstSock = temp.resolve("dst.sock");
        try (VmckptProcess src = VmckptProcess.start(root, temp.resolve("src.console"), temp.resolve("src.log"), List.of("run",
                "--insecure", "--net", net, "--repo", temp.resolve("repo").toString(), "--api-socket", srcSock.toString()))) {
            int at = src.await("VMCKPT-READY", 0, BOOT_TIMEOUT_MS);
            src.type("echo at-the-source > /www/where; httpd -h /www; echo httpd-st''arted");
            at = src.await("httpd-started", at, STEP_TIMEOUT_MS);
            assertEquals("at-the-source\n", get(http, "/where"), "the source's guest serves through the forward");
            // An idle connection through the source's forward at the switch: nc in the guest waits for the host, which
            // sends nothing (its stdin is a FIFO held open by sleep; in a pipe from sleep, the echo would wait for sleep).
            src.type("mkfifo /tmp/hold; (nc -l -p 7000 < /tmp/hold > /dev/null; echo nc-e''nded) & sleep 1000 > /tmp/hold & echo nc-list''ening");
            src.await("nc-listening", at, STEP_TIMEOUT_MS);
            Thread.sleep(1000);
            try (Socket open = new Socket(InetAddress.getByName("127.0.0.1"), held)) {
                Thread.sleep(2000); // the handshake completes in the guest

                // The destination, on the same host with the same forwards, starts while the source holds the ports.
                try (VmckptProcess dst = VmckptProcess.start(root, temp.resolve("dst.console"), temp.resolve("dst.log"), List.of("run",
                        "--incoming", "tcp:127.0.0.1:" + migration, "--insecure", "--net", net, "--repo", temp.resolve("repo").toString(),
                        "--api-socket", dstSock.toString()))) {
                    awaitListening(temp.resolve("dst.log"), dst);
                    CapturedOutput out = new CapturedOutput();
                    int rc = MigrateCommand.run(new String[]{"migrate", srcSock.toString(), "tcp:127.0.0.1:" + migration, "--precopy", "--keep-source"}, out.io());
                    assertEquals(0, rc, out.err() + "\n" + src.describe() + "\n" + dst.describe());

                    // The connection the source relayed ends for the host client...
                    open.setSoTimeout((int) STEP_TIMEOUT_MS);
                    try {
                        assertEquals(-1, open.getInputStream().read(), "the source ended the relayed connection");
                    } catch (java.net.SocketException reset) {
                        // reset: what the source does
                    }
                    // ...and for the guest, which now runs at the destination.
                    int mark = dst.await("nc-ended", 0, STEP_TIMEOUT_MS);

                    // A new connection to the forwarded port reaches the guest at the destination.
                    dst.type("echo at-the-destination > /www/where; echo where-wri''tten");
                    dst.await("where-written", mark, STEP_TIMEOUT_MS);
                    assertEquals("at-the-destination\n", getWhenListening(http, "/where", dst), "the forward leads to the migrated guest");
                    try (QmpClient qmp = QmpClient.connect(dstSock)) {
                        for (Object f : forwards(qmp)) assertEquals(Boolean.TRUE, ((Map<?, ?>) f).get("listening"), dst.describe());
                    }
                    // The source (kept, paused in postmigrate) no longer listens on either port.
                    assertTrue(src.isAlive());
                    try (QmpClient qmp = QmpClient.connect(srcSock)) {
                        assertEquals("postmigrate", qmp.execute("query-status", null).get("status"));
                        for (Object f : forwards(qmp)) assertEquals(Boolean.FALSE, ((Map<?, ?>) f).get("listening"), src.describe());
                    }
                }
            }
        }
    }

    private static List<?> forwards(QmpClient qmp) throws Exception {
        return (List<?>) qmp.execute("vmckpt-query-net", null).get("hostfwd");
    }

    private static void awaitListening(Path log, VmckptProcess p) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
        while (!(Files.exists(log) && Files.readString(log).contains("waiting for a migration"))) {
            if (!p.isAlive() || System.nanoTime() > deadline) fail("the destination did not start listening:\n" + p.describe());
            Thread.sleep(50);
        }
    }

    /** GET through the forward, retried briefly: the destination binds the port a moment after the guest arrives. */
    private static String getWhenListening(int port, String path, VmckptProcess p) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
        while (true) {
            try {
                return get(port, path);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new AssertionError("no answer on port " + port + "\n" + p.describe(), e);
                Thread.sleep(50);
            }
        }
    }

    private static String get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }
}
