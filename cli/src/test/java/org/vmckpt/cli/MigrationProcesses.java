package org.vmckpt.cli;

import org.vmckpt.cli.qmp.QmpClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the end-to-end migration tests do with real {@code vmckpt} processes: a free loopback port, a destination
 * started with {@code run --incoming} (the default guest's memdirty, TLS), waiting for it to listen and for a
 * control socket to accept.
 */
final class MigrationProcesses {
    static final long STEP_TIMEOUT_MS = 60_000;

    private MigrationProcesses() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** {@code vmckpt run --incoming} at {@code port}, its console, log and control socket in {@code dir} named {@code name}. */
    static VmckptProcess startDestination(Path root, Path dir, Path creds, String name, int port, Path repo) throws Exception {
        return VmckptProcess.start(root, dir.resolve(name + ".console"), dir.resolve(name + ".log"), List.of("run",
                "--incoming", "tcp:127.0.0.1:" + port, "--tls-creds", creds.toString(), "--workload", "memdirty,32,10",
                "--repo", repo.toString(), "--api-socket", dir.resolve(name + ".sock").toString()));
    }

    /** Waits for the destination's "waiting for a migration" line, so the source does not dial too early. */
    static void awaitListening(Path log) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
        while (!(Files.exists(log) && Files.readString(log).contains("waiting for a migration"))) {
            if (System.nanoTime() > deadline) fail("the destination did not start listening:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            Thread.sleep(50);
        }
    }

    /** The control socket appears once the guest runs there (it may exist a moment before it accepts). */
    static QmpClient connectWhenUp(Path sock, long deadline) throws Exception {
        while (true) {
            try {
                return QmpClient.connect(sock);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(2);
            }
        }
    }

    /** {@code m}'s {@code key} as a number, 0 if it is absent (a QMP reply's optional counters). */
    static long number(Map<?, ?> m, String key) {
        return m != null && m.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
