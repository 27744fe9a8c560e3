package org.vmckpt.cli;

import org.vmckpt.cli.qmp.QmpClient;
import org.vmckpt.cli.qmp.QmpEvent;
import org.vmckpt.cli.qmp.QmpException;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Connects the control commands to a running VM's QMP socket ({@link VmSockets}), and says plainly when no VM
 * is running there and how to start one.
 */
final class VmConnection {
    private VmConnection() {
    }

    /** The socket for a VM name or path; a malformed name is a usage error. */
    static Path socket(String vm) throws UsageException {
        try {
            return VmSockets.socketFor(vm);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Connects and negotiates; events from then on go to {@code events} (on the client's reader thread). */
    static QmpClient connect(String vm, Consumer<QmpEvent> events)
            throws UsageException, CommandFailedException, IOException, QmpException {
        Path socket = socket(vm);
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw notRunning(vm, socket, false);
        }
        // A socket another user put there answers as if it were our VM: refuse it, naming its owner.
        try {
            org.vmckpt.cli.qmp.SocketOwnership.requireMine(socket, "the control socket");
            Path parent = socket.toAbsolutePath().getParent();
            if (parent != null && !VmSockets.isPath(vm)) org.vmckpt.cli.qmp.SocketOwnership.requireMine(parent, "the control socket directory");
        } catch (IOException e) {
            throw new CommandFailedException(e.getMessage());
        }
        try {
            return QmpClient.connect(socket, events);
        } catch (ConnectException e) {
            // The file is there but nothing listens: a VM that ended without removing it, or not a socket.
            throw notRunning(vm, socket, true);
        }
    }

    static QmpClient connect(String vm) throws UsageException, CommandFailedException, IOException, QmpException {
        return connect(vm, event -> { });
    }

    private static CommandFailedException notRunning(String vm, Path socket, boolean socketExists) {
        if (VmSockets.isPath(vm)) {
            return new CommandFailedException("no VM is running at " + socket + " ("
                    + (socketExists ? "nothing is listening on it" : "no such socket")
                    + "); start one with vmckpt run --api-socket " + socket);
        }
        return new CommandFailedException("no VM named " + vm + " is running ("
                + (socketExists ? "nothing is listening on " : "no socket at ") + socket
                + "); start one with vmckpt run --name " + vm);
    }

    /** The single VM argument of a control command. */
    static String vmArgument(Args a, String usage) throws UsageException {
        if (a.positional().isEmpty()) throw new UsageException("which VM? give its name (vmckpt run --name) or socket path; usage: " + usage);
        if (a.positional().size() > 1) throw new UsageException("unexpected argument '" + a.positional().get(1) + "'; usage: " + usage);
        return a.positional().get(0);
    }
}
