package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class QmpClientTest {
    @TempDir
    Path dir;
    TestVm vm;
    QmpServer server;
    Path socket;

    @BeforeEach
    void startServer() throws IOException {
        socket = dir.resolve("vm.qmp");
        vm = new TestVm();
        server = QmpServer.start(socket, vm);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void executesCommandsAndReturnsTheirResults() throws Exception {
        try (QmpClient client = QmpClient.connect(socket)) {
            assertEquals(List.of(), client.greeting().get("capabilities"));
            assertEquals(Map.of("status", "running", "singlestep", false, "running", true),
                    client.execute("query-status", null));
            client.execute("stop", Map.of());
            assertEquals("paused", client.execute("query-status", Map.of()).get("status"));
            Object commands = client.call("query-commands", null);
            assertInstanceOf(List.class, commands);
            assertThrows(IOException.class, () -> client.execute("query-commands", null), "not an object");
        }
    }

    @Test
    void errorRepliesBecomeQmpExceptions() throws Exception {
        try (QmpClient client = QmpClient.connect(socket)) {
            QmpException notFound = assertThrows(QmpException.class, () -> client.execute("no-such-command", null));
            assertEquals("CommandNotFound", notFound.errorClass());
            assertEquals("The command no-such-command has not been found", notFound.description());
            QmpException bad = assertThrows(QmpException.class,
                    () -> client.execute("vmckpt-reset", Map.of("checkpoint", "missing")));
            assertEquals("GenericError", bad.errorClass());
            assertEquals("no checkpoint with id 'missing'", bad.description());
            assertEquals("running", client.execute("query-status", null).get("status"), "still usable");
        }
    }

    @Test
    void eventListenerSeesProgressAndCompletion() throws Exception {
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        vm.progressMillis = 250;
        try (QmpClient client = QmpClient.connect(socket, events::add)) {
            Map<String, Object> result = client.execute("vmckpt-checkpoint", Map.of("name", "c1", "live", true));
            assertEquals(TestVm.id(1), result.get("id"));
            List<QmpEvent> seen = new ArrayList<>();
            QmpEvent e;
            do {
                e = events.poll(60, TimeUnit.SECONDS); // (60 s, not 5: only a missing event trips it on a loaded machine)
                assertTrue(e != null, "COMPLETED event arrives");
                seen.add(e);
            } while (!e.name().equals("VMCKPT_CHECKPOINT_COMPLETED"));
            assertEquals(TestVm.id(1), e.data().get("id"));
            assertTrue(e.seconds() > 0);
            QmpEvent first = seen.get(0);
            assertEquals("VMCKPT_CHECKPOINT_PROGRESS", first.name());
            assertEquals("pages", first.data().get("phase"));
            assertInstanceOf(Long.class, first.data().get("bytes"));
        }
    }

    @Test
    void commandsFromSeveralThreadsGetTheirOwnReplies() throws Exception {
        try (QmpClient client = QmpClient.connect(socket)) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            assertEquals(Map.of("checkpoint", TestVm.id(1), "pages-restored", 42L, "total-ns", 5_000_000L),
                                    client.execute("vmckpt-reset", Map.of("checkpoint", TestVm.id(1))));
                            assertInstanceOf(List.class, client.call("query-commands", null));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(thread);
            }
            client.execute("vmckpt-checkpoint", null); // creates ckpt-1
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void aClosedServerFailsPendingAndLaterCalls() throws Exception {
        QmpClient client = QmpClient.connect(socket);
        server.close();
        assertThrows(IOException.class, () -> client.execute("query-status", null));
        client.close();
    }

    @Test
    void connectingToNothingFailsClearly() {
        assertThrows(IOException.class, () -> QmpClient.connect(dir.resolve("absent.qmp")));
    }
}
