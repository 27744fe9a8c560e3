package org.vmckpt.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a VM's QMP control socket is. A VM is named by its name ({@code vmckpt run --name NAME}) or by the
 * socket's path: anything containing a '/' is a path ({@code ./vm.sock} for a file in the current
 * directory); anything else is a name, whose socket is {@code ${XDG_RUNTIME_DIR:-/tmp}/vmckpt-NAME.sock}.
 */
public final class VmSockets {
    /** The name {@code vmckpt run} uses when given no {@code --name}. */
    public static final String DEFAULT_NAME = "vm";

    private VmSockets() {
    }

    /** The socket path for a VM name or a socket path (see the class comment). */
    public static Path socketFor(String nameOrPath) {
        return socketFor(nameOrPath, System.getenv());
    }

    static Path socketFor(String nameOrPath, Map<String, String> env) {
        if (isPath(nameOrPath)) return Path.of(nameOrPath);
        checkName(nameOrPath);
        String runtime = env.get("XDG_RUNTIME_DIR");
        Path dir = Path.of(runtime != null && !runtime.isEmpty() ? runtime : "/tmp");
        return dir.resolve("vmckpt-" + nameOrPath + ".sock");
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
