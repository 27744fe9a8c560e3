package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.SocketOwnership;

/** Issue 8, item 3: a control socket another user planted is refused by name, never talked to. */
class StrangerSocketTest {
    @TempDir
    Path dir;

    @Test
    void aSocketOwnedByAnotherUserIsRefusedNamingItsOwner() throws Exception {
        assumeTrue(SocketOwnership.myUid() == 0, "needs root to give a socket to user nobody");
        Path socket = dir.resolve("vm.sock");
        try (ServerSocketChannel planted = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            planted.bind(UnixDomainSocketAddress.of(socket));
            Files.setOwner(socket, FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            CommandFailedException e = assertThrows(CommandFailedException.class, () -> VmConnection.connect(socket.toString()));
            assertTrue(e.getMessage().contains("belongs to user nobody") && e.getMessage().contains(socket.toString()), e.getMessage());
            // A VM started on that path refuses to take the stranger's socket over.
            java.io.IOException s = assertThrows(java.io.IOException.class,
                    () -> org.vmckpt.cli.qmp.QmpServer.start(socket, (org.vmckpt.cli.qmp.VmController) java.lang.reflect.Proxy.newProxyInstance(
                            getClass().getClassLoader(), new Class<?>[]{org.vmckpt.cli.qmp.VmController.class}, (o, m, a) -> null)));
            assertTrue(s.getMessage().contains("nobody"), s.getMessage());
        }
    }

    @Test
    void theDefaultSocketLivesInAPrivatePerUserDirectory() throws Exception {
        Path socket = VmSockets.socketFor("x", java.util.Map.of(), 4242);
        assertTrue(socket.getParent().toString().endsWith("vmckpt-4242"), socket.toString());
    }
}
