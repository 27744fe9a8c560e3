package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8, items 3 and 11: who may use a VM's control socket, and how many at once. */
@Timeout(60)
class QmpAccessTest {
    @TempDir
    Path dir;
    Path socket;
    QmpServer server;
    final List<RawQmpClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        socket = dir.resolve("vm.qmp");
        server = QmpServer.start(socket, new TestVm());
    }

    @AfterEach
    void stopServer() throws IOException {
        for (RawQmpClient c : clients) c.close();
        server.close();
    }

    @Test
    void theSocketIsOwnerOnly() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void idleConnectionsBeyondTheCapAreRefusedWithAClearErrorAndACloseMakesRoom() throws Exception {
        for (int i = 0; i < QmpServer.MAX_CLIENTS; i++) {
            RawQmpClient c = new RawQmpClient(socket);
            clients.add(c);
            assertTrue(c.nextMessage().containsKey("QMP"), "client " + i + " is greeted");
        }
        try (RawQmpClient extra = new RawQmpClient(socket)) {
            Map<String, Object> error = RawQmpClient.error(extra.nextMessage());
            assertEquals("GenericError", error.get("class"));
            assertTrue(error.get("desc").toString().contains("too many control connections"), error.toString());
        }
        clients.remove(0).close();
        // The server notices the close on its own thread; a new client is served once it has.
        while (true) {
            try (RawQmpClient again = new RawQmpClient(socket)) {
                Map<String, Object> m = again.nextMessage();
                if (m.containsKey("QMP")) break;
                Thread.sleep(20);
            }
        }
    }

    @Test
    void anotherUserIsRefusedByName() throws Exception {
        assumeTrue(SocketOwnership.myUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                && Files.isExecutable(Path.of("/usr/bin/python3")), "needs root, setpriv and python3 to act as user nobody");
        // Let nobody reach the socket at all: only the server's peer check stands in the way.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint(s.makefile().readline())", socket.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        assertTrue(out.contains("\"error\"") && out.contains("nobody") && out.contains("may not control it"), out);
        assertTrue(!out.contains("\"QMP\""), "no greeting for a stranger: " + out);
    }
}
