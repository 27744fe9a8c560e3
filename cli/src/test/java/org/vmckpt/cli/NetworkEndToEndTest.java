package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's acceptance test with the default Debian guest and the real command, on the host's loopback only:
 * the guest gets its address by DHCP and fetches a file from a server on the host through the gateway; it
 * serves a file with busybox httpd through a hostfwd port (SHA-256 checked); downloads of it run in a loop
 * while live full and incremental checkpoints are taken; an idle connection survives a reset to a checkpoint
 * in the same process; after `vmckpt restore` in a new process the forward works again and the connection of
 * the old process is reset in the guest rather than left hanging.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class NetworkEndToEndTest {
    private static final long BOOT_TIMEOUT_MS = 120_000;
    private static final long STEP_TIMEOUT_MS = 120_000;
    private static final Pattern BIG_SHA = Pattern.compile("([0-9a-f]{64})  /www/big");

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void servicesThroughForwardsSurviveCheckpointsResetAndRestore() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        byte[] hostFile = new byte[3 << 20];
        new SplittableRandom(11).nextBytes(hostFile);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/f", ex -> {
            ex.sendResponseHeaders(200, hostFile.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(hostFile);
            }
        });
        server.start();
        String finalId;
        String bigSha;
        Socket oldConnection;
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--repo", repo.toString(), "--api-socket", socket.toString(), "--keep-for-reset",
                        "--net", "user,hostfwd=tcp:127.0.0.1:0-:80,hostfwd=tcp:127.0.0.1:0-:7000"));
             QmpClient qmp = connectWhenUp(run, socket)) {
            int at = run.await("VMCKPT-READY", 0, BOOT_TIMEOUT_MS);
            assertTrue(run.consoleText().contains("eth0 has 10.0.2.15/24, gateway 10.0.2.2, dns 10.0.2.3"), "DHCP configured eth0\n" + run.describe());
            int httpPort = hostPort(qmp, 0), ncPort = hostPort(qmp, 1);

            // The guest connects out to a server on the host's loopback through the gateway.
            run.type("wget -q -O - http://10.0.2.2:" + server.getAddress().getPort() + "/f | sha256sum; echo wget-do''ne");
            at = run.await("wget-done", at, STEP_TIMEOUT_MS);
            assertTrue(run.consoleText().contains(sha256(hostFile)), "the guest got the host's bytes\n" + run.describe());

            // busybox httpd serves a file through the forward.
            run.type("dd if=/dev/urandom of=/www/big bs=1M count=24 2>/dev/null; sha256sum /www/big; httpd -h /www; echo httpd-st''arted");
            at = run.await("httpd-started", at, STEP_TIMEOUT_MS);
            Matcher m = BIG_SHA.matcher(run.consoleText());
            assertTrue(m.find(), run.describe());
            bigSha = m.group(1);
            assertEquals(bigSha, download(httpPort), "the host fetches the guest's file through hostfwd");

            // Downloads in a loop while live full and incremental checkpoints are taken.
            List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            Thread client = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        results.add(download(httpPort));
                    } catch (IOException e) {
                        results.add("failed: " + e);
                    }
                }
            });
            client.start();
            List<Map<String, Object>> taken = new ArrayList<>();
            for (Map<String, Object> args : List.<Map<String, Object>>of(Map.of("name", "net-full"), Map.of("incremental", true),
                    Map.of("incremental", true))) {
                int before = results.size();
                awaitSize(results, before + 1, run);
                taken.add(qmp.execute("vmckpt-checkpoint", new LinkedHashMap<>(args)));
            }
            awaitSize(results, results.size() + 1, run);
            stop.set(true);
            client.join(STEP_TIMEOUT_MS);
            assertTrue(results.size() >= 4, "downloads: " + results.size());
            for (String r : results) assertEquals(bigSha, r, "every download during checkpoints completes intact");
            System.out.printf("NetworkEndToEndTest: %d downloads of 24 MiB during %s%n", results.size(), taken);

            // A connection the guest has at a checkpoint survives a reset to that checkpoint in this process.
            // (nc's stdin is a pipe that stays open: a background job reading the terminal would be stopped.)
            run.type("sleep 1000 | nc -l -p 7000 > /tmp/got & echo nc-list''ening");
            at = run.await("nc-listening", at, STEP_TIMEOUT_MS);
            Thread.sleep(1000);
            try (Socket idle = new Socket(InetAddress.getByName("127.0.0.1"), ncPort)) {
                Thread.sleep(2000); // the handshake completes in the guest
                String resetPoint = (String) qmp.execute("vmckpt-checkpoint", new LinkedHashMap<>(Map.of("name", "net-reset"))).get("id");
                run.type("echo after-the-che''ckpoint");
                at = run.await("after-the-checkpoint", at, STEP_TIMEOUT_MS);
                qmp.execute("vmckpt-reset", new LinkedHashMap<>(Map.of("checkpoint", resetPoint)));
                idle.getOutputStream().write("payload-after-reset\n".getBytes());
                idle.shutdownOutput();
                int mark = run.consoleText().length();
                run.type("sleep 2; cat /tmp/got; echo got-do''ne");
                run.await("got-done", mark, STEP_TIMEOUT_MS);
                assertTrue(run.consoleText().substring(mark).contains("payload-after-reset"), "the connection outlived the reset\n" + run.describe());
            }

            // A connection open at the last checkpoint: after a restore in a new process the guest must see it reset.
            // The guest's side is idle: nc waits for the host, which sends nothing (its stdin is a FIFO held open by
            // sleep). Only the restore's reset can wake it; a segment from the guest would get one anyway.
            run.type("mkfifo /tmp/hold; (nc -l -p 7000 < /tmp/hold > /dev/null; echo nc-e''nded) & sleep 1000 > /tmp/hold & echo nc-again-list''ening");
            run.await("nc-again-listening", 0, STEP_TIMEOUT_MS);
            Thread.sleep(1000);
            oldConnection = new Socket(InetAddress.getByName("127.0.0.1"), ncPort);
            Thread.sleep(2000);
            finalId = (String) qmp.execute("vmckpt-checkpoint", new LinkedHashMap<>(Map.of("name", "net-final"))).get("id");
        } // the run process is killed here
        oldConnection.close();

        Path socket2 = temp.resolve("restore.sock");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restore.console"), temp.resolve("restore.log"),
                List.of("restore", finalId, "--repo", repo.toString(), "--api-socket", socket2.toString()));
             QmpClient qmp = connectWhenUp(restored, socket2)) {
            restored.await("nc-ended", 0, STEP_TIMEOUT_MS); // reset in the guest, not left hanging
            int httpPort = hostPort(qmp, 0);
            assertEquals(bigSha, download(httpPort), "the forward works again after a restore in a new process");
            Map<String, Object> net = qmp.execute("vmckpt-query-net", null);
            assertTrue(((Number) net.get("resets-to-guest")).longValue() >= 1, net.toString());
        } finally {
            server.stop(0);
        }
    }

    private static QmpClient connectWhenUp(VmckptProcess p, Path socket) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                return QmpClient.connect(socket);
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) throw new AssertionError("no control socket\n" + p.describe(), e);
                Thread.sleep(100);
            }
        }
    }

    private static int hostPort(QmpClient qmp, int index) throws Exception {
        Map<String, Object> net = qmp.execute("vmckpt-query-net", null);
        List<?> forwards = (List<?>) net.get("hostfwd");
        return ((Number) ((Map<?, ?>) forwards.get(index)).get("host-port")).intValue();
    }

    private static void awaitSize(List<String> results, int n, VmckptProcess run) throws InterruptedException {
        long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
        while (results.size() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("downloads stalled at " + results.size() + "\n" + run.describe());
            Thread.sleep(20);
        }
    }

    private static String download(int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/big").openConnection();
        c.setConnectTimeout(30_000);
        c.setReadTimeout(60_000);
        try (InputStream in = c.getInputStream()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            c.disconnect();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
