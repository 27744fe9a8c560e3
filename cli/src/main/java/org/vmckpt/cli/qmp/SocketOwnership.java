package org.vmckpt.cli.qmp;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

/**
 * Who owns a control socket and who is on the other end of it. A VM's socket must belong to the user who talks
 * to it, and the server answers only its own user: another local user can neither impersonate a VM nor
 * control one. Refusals name both users.
 */
public final class SocketOwnership {
    private SocketOwnership() { }

    /** This process's user id. */
    public static int myUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot tell this process's user id from /proc/self: " + e.getMessage(), e);
        }
    }

    static int uidOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    static String describe(Path p) throws IOException {
        UserPrincipal owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS);
        return "user " + owner.getName() + " (uid " + uidOf(p) + ")";
    }

    /** Refuses a file (socket or directory) that another user owns. */
    public static void requireMine(Path p, String what) throws IOException {
        int uid = uidOf(p);
        if (uid != myUid()) {
            throw new IOException(what + " " + p + " belongs to " + describe(p) + ", not to you (uid " + myUid()
                    + "); refusing to use it (another user may be impersonating the VM: remove it, or use a socket path you own)");
        }
    }

    /**
     * Makes the per-user socket directory (0700, ours) or checks that an existing one is: a directory, not a
     * link, owned by us, closed to others.
     */
    public static void ensurePrivateDirectory(Path dir, boolean create) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (!create) return;
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // checked below
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory; refusing to keep control sockets there (remove it, or set XDG_RUNTIME_DIR)");
        }
        requireMine(dir, "the control socket directory");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    /** The peer's user id check of a server: null if the peer is this process's user, else why it is refused. */
    static String refusal(SocketChannel client) {
        try {
            jdk.net.UnixDomainPrincipal peer = client.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            UserPrincipal me = Files.getOwner(Path.of("/proc/self"));
            if (peer.user().equals(me)) return null;
            return "refused: this VM belongs to user " + me.getName() + "; user " + peer.user().getName() + " may not control it";
        } catch (IOException | UnsupportedOperationException e) {
            return "refused: cannot tell which user is connecting (" + e.getMessage() + ")";
        }
    }
}
