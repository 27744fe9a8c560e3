package org.vmckpt.cli.qmp;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A QMP server on a Unix domain socket, controlling one {@link VmController}.
 *
 * <p>Each client gets its own daemon threads (see {@link QmpSession}), so a long command on one connection
 * (a checkpoint) never delays another connection's commands. At most {@link #MAX_CLIENTS} clients are served
 * at once; one more is told so and disconnected. Only the VM's own user is served (the peer's uid, SO_PEERCRED);
 * the socket file is made 0600. Events go to every client that has finished
 * capabilities negotiation. The protocol is described in docs/API.md.
 *
 * <pre>
 * QmpServer server = QmpServer.start(Path.of("/run/vm.qmp"), controller); // calls controller.setEventSink(server)
 * ...
 * server.close(); // disconnects clients and removes the socket file
 * </pre>
 */
public final class QmpServer implements VmEventSink, Closeable {
    private static final System.Logger LOG = System.getLogger(QmpServer.class.getName());

    /** vmckpt's version, reported in the greeting and by query-version in QEMU's VersionInfo shape. */
    public static final int VERSION_MAJOR = 0;
    public static final int VERSION_MINOR = 1;
    public static final int VERSION_MICRO = 0;
    /** Clients served at once (each has two small threads); more are refused with an error. */
    public static final int MAX_CLIENTS = 16;
    /** Connections the kernel queues before they are accepted. */
    static final int BACKLOG = 256;

    private final Path socketPath;
    private final ServerSocketChannel listener;
    private final Object socketFileKey;
    private final QmpCommands commands;
    private final List<QmpSession> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger clientCount = new AtomicInteger();
    private final AtomicBoolean unlinked = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private QmpServer(Path socketPath, ServerSocketChannel listener, Object socketFileKey, VmController vm) {
        this.socketPath = socketPath;
        this.listener = listener;
        this.socketFileKey = socketFileKey;
        this.commands = new QmpCommands(vm, this);
    }

    /**
     * Listens on {@code socketPath} and starts accepting clients. A socket file left behind by a dead process
     * is replaced; a socket on which a process still listens, or a path that is not a socket, is refused.
     */
    public static QmpServer start(Path socketPath, VmController vm) throws IOException {
        Objects.requireNonNull(vm, "vm");
        return start(bind(socketPath), vm);
    }

    /**
     * A control socket bound (and listening: the kernel queues connections) but not yet served: what can refuse a
     * socket path (a live socket or a file there, another user's socket, a path too long, a directory not writable)
     * is found by {@link #bind}; {@link #start(Bound, VmController)} then serves it. A restored VM binds before its
     * guest's first instruction and serves beside the running guest (round 79, VmSession's sessionBeside).
     */
    public static final class Bound implements Closeable {
        private final Path path;
        private final ServerSocketChannel listener;
        private final Object fileKey;
        private final AtomicBoolean taken = new AtomicBoolean();

        private Bound(Path path, ServerSocketChannel listener, Object fileKey) {
            this.path = path;
            this.listener = listener;
            this.fileKey = fileKey;
        }

        public Path path() {
            return path;
        }

        /** Not served after all: stops listening and removes the socket file (if it is still this one's). */
        @Override
        public void close() {
            if (!taken.compareAndSet(false, true)) return;
            try {
                listener.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the listener failed", e);
            }
            removeIfOwn(path, fileKey);
        }
    }

    /**
     * Binds {@code socketPath} and listens, without serving yet ({@link Bound}). A socket file left behind by a dead
     * process is replaced; a socket on which a process still listens, or a path that is not a socket, is refused.
     */
    public static Bound bind(Path socketPath) throws IOException {
        Path path = socketPath.toAbsolutePath();
        removeStaleSocket(path);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        Object fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        return new Bound(path, listener, fileKey);
    }

    /** Serves a socket {@link #bind} bound: {@code vm} answers its clients from now on (those queued since the bind too). */
    public static QmpServer start(Bound bound, VmController vm) {
        Objects.requireNonNull(vm, "vm");
        if (!bound.taken.compareAndSet(false, true)) throw new IllegalStateException("the control socket " + bound.path + " was closed or served already");
        Path path = bound.path;
        ServerSocketChannel listener = bound.listener;
        Object fileKey = bound.fileKey;
        QmpServer server = new QmpServer(path, listener, fileKey, vm);
        vm.setEventSink(server);
        Thread acceptor = new Thread(server::acceptLoop, "qmp-accept " + path.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    private static void removeStaleSocket(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        }
        if (!attributes.isOther()) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        SocketOwnership.requireMine(path, "the control socket");
        if (someoneListens(path)) {
            throw new IOException("another process is already listening on " + path
                    + "; refusing to take over its control socket (stop it, or choose another path)");
        }
        LOG.log(System.Logger.Level.INFO, "replacing stale control socket " + path);
        Files.deleteIfExists(path);
    }

    /** A socket file whose process died refuses connections; a live one accepts them. */
    private static boolean someoneListens(Path path) throws IOException {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (ConnectException nobodyListening) {
            return false;
        }
    }

    public Path socketPath() {
        return socketPath;
    }

    /** How long closing waits for each client's queued messages (SHUTDOWN) to be written. */
    private static final long DRAIN_MILLIS = 1000;

    /** Sends an event to every negotiated client. Never blocks on a slow client. */
    @Override
    public void emit(String event, Map<String, Object> data) {
        Instant now = Instant.now();
        Map<String, Object> timestamp = new LinkedHashMap<>();
        timestamp.put("seconds", now.getEpochSecond());
        timestamp.put("microseconds", (long) (now.getNano() / 1000));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", event);
        message.put("data", data == null ? Map.of() : data);
        message.put("timestamp", timestamp);
        String line = Json.write(message);
        for (QmpSession session : sessions) {
            session.deliverEvent(line);
        }
    }

    /**
     * Removes the socket file while this server still listens (so no other process can have taken the path over
     * yet), and keeps serving the clients already connected. Called as the VM stops, before SHUTDOWN is sent: a
     * client that waits for SHUTDOWN (vmckpt quit) and then starts a VM of the same name finds the path free.
     * Removing it later, after the listener closed, raced with that new VM: it could see the file as stale,
     * replace it, and lose its own socket to our removal (a new socket may even get the old one's inode).
     */
    public void unlinkSocketFile() {
        if (!unlinked.compareAndSet(false, true)) return;
        removeOwnSocketFile();
    }

    /** Stops listening, disconnects every client and removes the socket file (if it is still ours). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (unlinked.compareAndSet(false, true)) removeOwnSocketFile();
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the listener failed", e);
        }
        for (QmpSession session : sessions) {
            session.abandonInFlight("the VM shut down while it was running");
        }
        for (QmpSession session : sessions) {
            session.drainAndClose(DRAIN_MILLIS);
        }
    }

    private void removeOwnSocketFile() {
        removeIfOwn(socketPath, socketFileKey);
    }

    private static void removeIfOwn(Path socketPath, Object socketFileKey) {
        try {
            // Another server may have replaced the file (after deciding ours was dead): leave theirs alone.
            Object key = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(key, socketFileKey)) {
                Files.deleteIfExists(socketPath);
            }
        } catch (NoSuchFileException gone) {
            // already removed
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove control socket " + socketPath + ": " + e.getMessage());
        }
    }

    void sessionClosed(QmpSession session) {
        sessions.remove(session);
    }

    String greetingLine() {
        Map<String, Object> qmp = new LinkedHashMap<>();
        qmp.put("version", versionInfo());
        qmp.put("capabilities", List.of());
        return Json.write(Map.of("QMP", qmp));
    }

    /** QEMU's VersionInfo: {"qemu": {"major", "minor", "micro"}, "package"}; here it carries vmckpt's version. */
    static Map<String, Object> versionInfo() {
        Map<String, Object> triple = new LinkedHashMap<>();
        triple.put("major", (long) VERSION_MAJOR);
        triple.put("minor", (long) VERSION_MINOR);
        triple.put("micro", (long) VERSION_MICRO);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("qemu", triple);
        info.put("package", "vmckpt " + VERSION_MAJOR + "." + VERSION_MINOR + "." + VERSION_MICRO);
        return info;
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (ClosedChannelException stopped) { // includes AsynchronousCloseException from close()
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "accepting a QMP client failed", e);
                return;
            }
            String refusal = SocketOwnership.refusal(client);
            if (refusal == null && sessions.size() >= MAX_CLIENTS) {
                refusal = "refused: too many control connections (" + MAX_CLIENTS + " are open); close one and retry";
            }
            if (refusal != null) {
                refuse(client, refusal);
                continue;
            }
            QmpSession session = new QmpSession(client, this, commands, "qmp-client-" + clientCount.incrementAndGet());
            sessions.add(session);
            if (closed.get()) {
                session.close(); // close() may have run between accept and add
                return;
            }
            session.start();
        }
    }

    /** Tells a refused client why (a QMP error instead of the greeting) and disconnects it. Never blocks. */
    private static void refuse(SocketChannel client, String why) {
        LOG.log(System.Logger.Level.WARNING, "control socket: " + why);
        try (client) {
            client.configureBlocking(false);
            String line = Json.write(Map.of("error", Map.of("class", QmpException.GENERIC_ERROR, "desc", why))) + "\r\n";
            client.write(java.nio.ByteBuffer.wrap(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "telling a refused client why failed", e);
        }
    }
}
