package org.vmckpt.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.migration.MigrationDestination;
import org.vmckpt.checkpoint.migration.MigrationEndpoint;
import org.vmckpt.checkpoint.migration.MigrationListener;
import org.vmckpt.checkpoint.migration.TestCertificates;
import org.vmckpt.checkpoint.migration.TlsCredentials;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;
import org.vmckpt.cli.qmp.QmpEvent;
import org.vmckpt.cli.qmp.QmpServer;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 12's QEMU conventions on the control socket, with a real machine (bare-metal memwalk) behind a real QMP
 * server and a real destination in this process, over loopback: {@code migrate} and {@code query-migrate} in QEMU's
 * MigrationInfo shape, a {@code MIGRATION} event with QEMU's status name at every change, {@code migrate_cancel}
 * leaving the source running, and {@code vmckpt migrate}'s progress line on a terminal and {@code --json} reply;
 * {@code --insecure} warns on both ends and neither end falls back to plaintext by itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MigrationQmpTest {
    @TempDir
    static Path certs;
    static Path creds;

    @TempDir
    Path dir;

    private Machine source;
    private Thread runThread;
    private QmpServer server;
    private Path socket;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        creds = TestCertificates.create(certs.resolve("creds"), "vmckpt qmp test CA");
    }

    private static MachineConfig config() {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        return new MachineConfig(32L << 20, null, null, "", null, elf, List.of(), false, false, true);
    }

    @BeforeEach
    void startSource() throws Exception {
        source = new Machine(config(), b -> { });
        source.boot();
        MachineController controller = new MachineController(source, new CheckpointEngine(source, Repository.open(dir.resolve("repo"), true), null), "src");
        socket = dir.resolve("src.qmp");
        server = QmpServer.start(socket, controller);
        runThread = new Thread(() -> source.run(-1), "qmp-test-source");
        runThread.setDaemon(true);
        runThread.start();
        Thread.sleep(100);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeAfter) c.close();
        source.requestExit(0);
        runThread.join(10_000);
        server.close();
    }

    /** A destination in this process: accepts one source and receives into a fresh machine (null creds: plaintext). */
    private record Destination(int port, Thread thread, AtomicReference<MigrationDestination.Incoming> result, AtomicReference<Throwable> failure) {
        MigrationDestination.Incoming await() throws Throwable {
            thread.join(60_000);
            assertFalse(thread.isAlive(), "the destination did not finish");
            if (failure.get() != null) throw failure.get();
            return result.get();
        }
    }

    private Destination destination(Path serverCreds) throws Exception {
        MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), serverCreds == null ? null : TlsCredentials.forServer(serverCreds));
        closeAfter.add(l);
        MigrationDestination d = new MigrationDestination(new Machine(config(), b -> { }));
        AtomicReference<MigrationDestination.Incoming> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(d.receive(l.accept(), null));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "qmp-test-destination");
        t.setDaemon(true);
        t.start();
        return new Destination(l.port(), t, result, failure);
    }

    private static Map<String, Object> awaitStatus(QmpClient qmp, String... ends) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Map<String, Object> info = qmp.execute("query-migrate", null);
            for (String e : ends) if (e.equals(info.get("status"))) return info;
            assertTrue(System.nanoTime() < deadline, "the migration did not reach " + String.join("/", ends) + ": " + info);
            Thread.sleep(5);
        }
    }

    private static List<String> migrationEvents(List<QmpEvent> events) {
        List<String> out = new ArrayList<>();
        for (QmpEvent e : events) if (e.name().equals("MIGRATION")) out.add(String.valueOf(e.data().get("status")));
        return out;
    }

    private String hash(Machine m) throws Exception {
        return m.callAtInstructionBoundary(() -> HexFormat.of().formatHex(m.stateHash()));
    }

    @Test
    void qmpMigrateMovesTheVmAndReportsItAsQemuDoes() throws Throwable {
        Destination d = destination(creds);
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        try (QmpClient qmp = QmpClient.connect(socket, events::add)) {
            assertEquals(Map.of(), qmp.execute("query-migrate", null), "no migration yet: an empty MigrationInfo, as QEMU's");
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("uri", "tcp:127.0.0.1:" + d.port());
            args.put("tls-creds", creds.toString());
            qmp.execute("migrate", args);
            Map<String, Object> info = awaitStatus(qmp, "completed", "failed", "cancelled");
            assertEquals("completed", info.get("status"), String.valueOf(info.get("error-desc")));
            MigrationDestination.Incoming in = d.await();
            // QEMU's MigrationInfo: the mode chosen by default, times in ms, and the ram section.
            assertEquals("postcopy", info.get("mode"));
            assertEquals("tcp:127.0.0.1:" + d.port(), info.get("uri"));
            assertTrue(((Number) info.get("total-time")).longValue() >= 0);
            assertTrue(((Number) info.get("downtime")).longValue() >= 0);
            Map<?, ?> ram = (Map<?, ?>) info.get("ram");
            assertTrue(((Number) ram.get("transferred")).longValue() > 0, info.toString());
            assertEquals((long) source.memory().pageCount() * 4096, ((Number) ram.get("total")).longValue());
            assertTrue(((Number) ram.get("dirty-sync-count")).longValue() >= 1);
            // The source stays in QEMU's postmigrate (paused, never to run again), holding what the destination has.
            assertEquals("postmigrate", qmp.execute("query-status", null).get("status"));
            assertEquals(hash(source), hash(in.machine()));
            // One MIGRATION event per status change, in QEMU's names and order (the default mode is post-copy: the
            // device state goes at the switch, then the last pages while the destination runs).
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!migrationEvents(events).contains("completed") && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(List.of("setup", "active", "device", "postcopy-active", "completed"), migrationEvents(events));
        }
    }

    @Test
    void migrateCancelOverQmpLeavesTheSourceRunning() throws Throwable {
        Destination d = destination(creds);
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        try (CuttableProxy link = new CuttableProxy(d.port()); QmpClient qmp = QmpClient.connect(socket, events::add)) {
            link.slowDown(64 << 10); // the rounds take seconds: the cancel comes in the middle of them
            qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + link.port(), "tls-creds", creds.toString()));
            awaitStatus(qmp, "active");
            qmp.execute("migrate_cancel", null);
            Map<String, Object> info = awaitStatus(qmp, "cancelled", "failed", "completed");
            assertEquals("cancelled", info.get("status"), info.toString());
            d.thread().join(60_000);
            assertNotNull(d.failure().get(), "the destination must not take a cancelled migration");
            assertEquals("running", qmp.execute("query-status", null).get("status"));
            long before = source.callAtInstructionBoundary(() -> source.hart(0).instret);
            Thread.sleep(50);
            assertTrue(source.callAtInstructionBoundary(() -> source.hart(0).instret) > before, "the source retires instructions again");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!migrationEvents(events).contains("cancelled") && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(List.of("setup", "active", "cancelling", "cancelled"), migrationEvents(events));
        }
    }

    @Test
    void vmckptMigrateShowsProgressOnATerminalAndPrintsQueryMigrateWithJson() throws Throwable {
        Destination d = destination(creds);
        try (CuttableProxy link = new CuttableProxy(d.port())) {
            link.slowDown(4 << 20); // long enough for the command to poll a few times
            CapturedOutput out = new CapturedOutput(true);
            int rc = MigrateCommand.run(new String[]{"migrate", socket.toString(), "tcp:127.0.0.1:" + link.port(), "--tls-creds", creds.toString(),
                    "--keep-source", "--json"}, out.io());
            assertEquals(0, rc, out.err());
            d.await();
            // On a terminal: a progress line, redrawn in place and erased at the end.
            assertTrue(out.err().contains("migrate ") && out.err().contains(" sent, "), "no progress line: " + out.err());
            // --json: the final query-migrate reply, with the VM it names.
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) Json.parse(out.out().trim());
            assertEquals(socket.toString(), json.get("vm"));
            assertEquals("completed", json.get("status"));
            assertTrue(((Number) ((Map<?, ?>) json.get("ram")).get("transferred")).longValue() > 0, out.out());
        }
    }

    @Test
    void insecureWarnsOnBothEndsAndNeitherEndFallsBackToPlaintextByItself() throws Throwable {
        // The destination: --insecure warns; neither option is refused; both are refused.
        ByteArrayOutputStream warned = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(warned, true, StandardCharsets.UTF_8);
        assertNull(IncomingMigration.serverCredentials(RunCommand.OPTIONS.parse(new String[]{"run", "--incoming", "tcp:127.0.0.1:1", "--insecure"}, 1), err));
        assertTrue(warned.toString(StandardCharsets.UTF_8).contains("warning: accepting a migration in plaintext"), warned.toString(StandardCharsets.UTF_8));
        UsageException none = assertThrows(UsageException.class,
                () -> IncomingMigration.serverCredentials(RunCommand.OPTIONS.parse(new String[]{"run", "--incoming", "tcp:127.0.0.1:1"}, 1), err));
        assertTrue(none.getMessage().contains("--insecure"), none.getMessage());
        assertThrows(UsageException.class, () -> IncomingMigration.serverCredentials(RunCommand.OPTIONS.parse(
                new String[]{"run", "--incoming", "tcp:127.0.0.1:1", "--insecure", "--tls-creds", creds.toString()}, 1), err));
        assertNotNull(IncomingMigration.serverCredentials(RunCommand.OPTIONS.parse(new String[]{"run", "--incoming", "tcp:127.0.0.1:1",
                "--tls-creds", creds.toString()}, 1), err));

        try (QmpClient qmp = QmpClient.connect(socket)) {
            // The source, started without credentials or --insecure: a migrate without either is refused.
            Destination tlsEnd = destination(creds);
            Exception refused = assertThrows(Exception.class, () -> qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + tlsEnd.port())));
            assertTrue(refused.getMessage().contains("--insecure"), refused.getMessage());
            // --insecure against a TLS destination: the handshake fails, the source runs on.
            qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + tlsEnd.port(), "insecure", true));
            assertEquals("failed", awaitStatus(qmp, "failed", "completed").get("status"));
            tlsEnd.thread().join(60_000);
            assertNotNull(tlsEnd.failure().get(), "the TLS destination refuses a plaintext source");
            assertEquals("running", qmp.execute("query-status", null).get("status"));
            // --insecure on both ends: it moves, with a warning on the source's stderr too.
            Destination plain = destination(null);
            PrintStream was = System.err;
            ByteArrayOutputStream sourceErr = new ByteArrayOutputStream();
            System.setErr(new PrintStream(sourceErr, true, StandardCharsets.UTF_8));
            try {
                qmp.execute("migrate", Map.of("uri", "tcp:127.0.0.1:" + plain.port(), "insecure", true));
            } finally {
                System.setErr(was);
            }
            assertTrue(sourceErr.toString(StandardCharsets.UTF_8).contains("warning: migrating to tcp:127.0.0.1:" + plain.port() + " in plaintext"),
                    sourceErr.toString(StandardCharsets.UTF_8));
            assertEquals("completed", awaitStatus(qmp, "completed", "failed").get("status"));
            assertEquals(hash(source), hash(plain.await().machine()));
        }
    }
}
