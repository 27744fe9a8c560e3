package org.vmckpt.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a VM's QMP control socket is. A VM is named by its name ({@code vmckpt run --name NAME}) or by the
 * socket's path: anything containing a '/' is a path ({@code ./vm.sock} for a file in the current
 * directory); anything else is a name, whose socket is {@code $XDG_RUNTIME_DIR/vmckpt-NAME.sock}, or without
 * XDG_RUNTIME_DIR {@code /tmp/vmckpt-UID/NAME.sock} in a per-user directory only its owner may enter (never a
 * file directly in the shared /tmp, where another user could plant a socket first).
 */
public final class VmSockets {
    /** The name {@code vmckpt run} uses when given no {@code --name}. */
    public static final String DEFAULT_NAME = "vm";

    private VmSockets() {
    }

    /** The socket path for a VM name or a socket path (see the class comment). */
    public static Path socketFor(String nameOrPath) {
        return socketFor(nameOrPath, System.getenv(), org.vmckpt.cli.qmp.SocketOwnership.myUid());
    }

    static Path socketFor(String nameOrPath, Map<String, String> env, int uid) {
        if (isPath(nameOrPath)) return Path.of(nameOrPath);
        checkName(nameOrPath);
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) return Path.of(runtime).resolve("vmckpt-" + nameOrPath + ".sock");
        return perUserDirectory(uid).resolve(nameOrPath + ".sock");
    }

    /** The private directory for sockets when there is no XDG_RUNTIME_DIR. */
    static Path perUserDirectory(int uid) {
        return Path.of("/tmp", "vmckpt-" + uid);
    }

    /**
     * Before a VM listens on a named socket: the per-user directory is created 0700 (or checked to be ours and
     * private). Explicit paths and XDG_RUNTIME_DIR are the user's own choice.
     */
    static void prepareFor(Path socket) throws java.io.IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent != null && parent.equals(perUserDirectory(org.vmckpt.cli.qmp.SocketOwnership.myUid()))) {
            org.vmckpt.cli.qmp.SocketOwnership.ensurePrivateDirectory(parent, true);
        }
    }

    /** Whether {@code nameOrPath} is a socket path rather than a VM name. */
    public static boolean isPath(String nameOrPath) {
        return nameOrPath.indexOf('/') >= 0;
    }

    /** A VM name is 1..64 characters, none of them '/', control characters or blanks. */
    static void checkName(String name) {
        if (name.isEmpty() || name.length() > 64) {
            throw new IllegalArgumentException("a VM name must have 1..64 characters: '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || Character.isISOControl(c) || Character.isWhitespace(c)) {
                throw new IllegalArgumentException("a VM name cannot contain '" + (Character.isISOControl(c) ? "\\u"
                        + String.format("%04x", (int) c) : String.valueOf(c)) + "': '" + name + "'");
            }
        }
    }
}
