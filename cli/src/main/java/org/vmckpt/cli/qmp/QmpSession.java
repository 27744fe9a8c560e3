package org.vmckpt.cli.qmp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client connection: a reader thread that runs the client's commands one after another (QMP answers a
 * connection's commands in order), and a writer thread that sends replies and events from a bounded queue,
 * so that an event broadcast never waits for a slow client. A client that lets its queue fill up is
 * disconnected rather than allowed to hold back the VM.
 */
final class QmpSession {
    private static final System.Logger LOG = System.getLogger(QmpSession.class.getName());
    private static final int QUEUE_CAPACITY = 1024;
    /** Stack of a session thread (the launcher makes the default 16 MiB for the run thread; a session needs far less). */
    private static final long THREAD_STACK = 2L << 20;
    private static final Outgoing END = new Outgoing("", null);

    /** The command this connection is running: whoever clears it first (its reply, or an abandonment) answers. */
    private record InFlight(String name, Object id, boolean hasId) {
    }

    /** A line to send (null: only a marker); {@code written} (if not null) is counted down once it is on the wire. */
    private record Outgoing(String line, CountDownLatch written) {
    }

    private final SocketChannel channel;
    private final QmpServer server;
    private final QmpCommands commands;
    private final String label;
    private final BlockingQueue<Outgoing> outgoing = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object negotiationLock = new Object();
    private volatile boolean negotiated; // written under negotiationLock
    private final java.util.concurrent.atomic.AtomicReference<InFlight> inFlight = new java.util.concurrent.atomic.AtomicReference<>();

    QmpSession(SocketChannel channel, QmpServer server, QmpCommands commands, String label) {
        this.channel = channel;
        this.server = server;
        this.commands = commands;
        this.label = label;
    }

    void start() {
        Thread writer = new Thread(null, this::writeLoop, label + "-writer", THREAD_STACK);
        writer.setDaemon(true);
        writer.start();
        Thread reader = new Thread(null, this::readLoop, label, THREAD_STACK);
        reader.setDaemon(true);
        reader.start();
    }

    /** Queues an event line if this client has finished negotiation; never blocks. */
    void deliverEvent(String line) {
        boolean overflow;
        synchronized (negotiationLock) {
            if (!negotiated || closed.get()) {
                return;
            }
            overflow = !outgoing.offer(new Outgoing(line, null));
        }
        if (overflow) {
            LOG.log(System.Logger.Level.WARNING, label + ": client is not reading its events; disconnecting it");
            close();
        }
    }

    /**
     * Queues the reply to qmp_capabilities and switches to command mode in one step, so that no event is
     * queued before that reply and none is lost after the client has seen it.
     */
    private void completeNegotiation(String reply) {
        boolean overflow;
        synchronized (negotiationLock) {
            overflow = !outgoing.offer(new Outgoing(reply, null));
            negotiated = !overflow;
        }
        if (overflow) {
            LOG.log(System.Logger.Level.WARNING, label + ": client is not reading its replies; disconnecting it");
            close();
        }
    }

    /**
     * The VM is going away: if a command is still running, its requester gets an error now (it would otherwise
     * see the connection close without a reply). Waits briefly for the error to be written.
     */
    void abandonInFlight(String why) {
        InFlight running = inFlight.getAndSet(null);
        if (running == null || closed.get()) return;
        CountDownLatch written = new CountDownLatch(1);
        String line = errorLine(running.id(), running.hasId(), QmpException.generic("'" + running.name() + "' did not complete: " + why));
        if (outgoing.offer(new Outgoing(line, written))) {
            try {
                written.await(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Sends what is already queued (waiting at most {@code millis}), then closes. The server ends this way, so
     * that a client sees the events emitted just before the end: quit emits SHUTDOWN and the VM then closes the
     * socket at once, and a plain close would drop the queued event (quit's client would wait for it in vain).
     */
    void drainAndClose(long millis) {
        if (!closed.get()) {
            CountDownLatch drained = new CountDownLatch(1);
            if (outgoing.offer(new Outgoing(null, drained))) {
                try {
                    drained.await(millis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        close();
    }

    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, label + ": close failed", e);
        }
        outgoing.clear();
        outgoing.offer(END);
        server.sessionClosed(this);
    }

    private void readLoop() {
        try {
            send(server.greetingLine());
            JsonMessageReader reader = new JsonMessageReader(channel, Json.MAX_TEXT_CHARS);
            while (!closed.get()) {
                String text;
                try {
                    text = reader.next();
                } catch (JsonException framing) {
                    send(errorLine(null, false, QmpException.generic(framing.getMessage())));
                    continue;
                }
                if (text == null) {
                    break; // client closed the connection
                }
                handle(text);
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.log(System.Logger.Level.DEBUG, label + ": connection failed", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    private void handle(String text) throws InterruptedException {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (JsonException e) {
            send(errorLine(null, false, QmpException.generic(e.getMessage())));
            return;
        }
        if (!(parsed instanceof Map<?, ?>)) {
            send(errorLine(null, false, QmpException.generic("QMP input must be a JSON object")));
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) parsed;
        boolean hasId = message.containsKey("id");
        Object id = message.get("id");
        String name = null;
        try {
            name = commandName(message);
            Map<String, Object> arguments = arguments(message);
            if (!negotiated) {
                if (!name.equals(QmpCommands.QMP_CAPABILITIES)) {
                    throw new QmpException(QmpException.COMMAND_NOT_FOUND, QmpCommands.exists(name)
                            ? "Expecting capabilities negotiation with 'qmp_capabilities' before command '" + name + "'"
                            : "The command " + name + " has not been found");
                }
                checkCapabilities(arguments);
                completeNegotiation(returnLine(id, hasId, Map.of()));
                return;
            }
            if (name.equals(QmpCommands.QMP_CAPABILITIES)) {
                throw new QmpException(QmpException.COMMAND_NOT_FOUND,
                        "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored");
            }
            InFlight running = new InFlight(name, id, hasId);
            inFlight.set(running);
            Object value;
            try {
                value = commands.execute(name, arguments);
            } catch (QmpException e) {
                if (inFlight.compareAndSet(running, null)) send(errorLine(id, hasId, e));
                return;
            }
            if (!inFlight.compareAndSet(running, null)) return; // already answered: the VM shut down meanwhile
            String reply = returnLine(id, hasId, value);
            if (name.equals(QmpCommands.QUIT)) {
                sendAndWaitWritten(reply);
                quitAfterReply();
                return;
            }
            send(reply);
        } catch (QmpException e) {
            send(errorLine(id, hasId, e));
        } catch (IllegalArgumentException unwritable) {
            // The controller returned something JSON cannot express: a bug, but not the client's problem.
            LOG.log(System.Logger.Level.WARNING, label + ": cannot encode the reply to " + name, unwritable);
            send(errorLine(id, hasId, QmpException.generic("internal error: cannot encode the reply: " + unwritable.getMessage())));
        }
    }

    private void quitAfterReply() {
        try {
            commands.quitAfterReply();
        } catch (QmpException e) {
            // The client already has its {"return": {}}; a second reply to one command would break the protocol.
            LOG.log(System.Logger.Level.WARNING, label + ": quit failed after its reply was sent: " + e.description());
        }
    }

    private static String commandName(Map<String, Object> message) throws QmpException {
        for (String key : message.keySet()) {
            if (key.equals("exec-oob")) {
                throw QmpException.generic("Out-of-band execution is not supported: the server offers no 'oob' capability");
            }
            if (!key.equals("execute") && !key.equals("arguments") && !key.equals("id")) {
                throw QmpException.generic("QMP input member '" + key + "' is unexpected");
            }
        }
        if (!message.containsKey("execute")) {
            throw QmpException.generic("QMP input lacks member 'execute'");
        }
        if (!(message.get("execute") instanceof String name)) {
            throw QmpException.generic("QMP input member 'execute' must be a string");
        }
        return name;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(Map<String, Object> message) throws QmpException {
        if (!message.containsKey("arguments")) {
            return Map.of();
        }
        if (!(message.get("arguments") instanceof Map<?, ?> arguments)) {
            throw QmpException.generic("QMP input member 'arguments' must be an object");
        }
        return (Map<String, Object>) arguments;
    }

    /** qmp_capabilities takes an optional "enable" list; the greeting offers no capabilities, so it must be empty. */
    private static void checkCapabilities(Map<String, Object> arguments) throws QmpException {
        for (String key : arguments.keySet()) {
            if (!key.equals("enable")) {
                throw QmpException.generic("Parameter '" + key + "' is unexpected");
            }
        }
        if (!arguments.containsKey("enable")) {
            return;
        }
        if (!(arguments.get("enable") instanceof List<?> enable)) {
            throw QmpException.generic("Invalid parameter type for 'enable', expected: array");
        }
        for (Object capability : enable) {
            throw QmpException.generic("Capability '" + capability + "' not available");
        }
    }

    private static String returnLine(Object id, boolean hasId, Object value) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("return", value);
        if (hasId) {
            reply.put("id", id);
        }
        return Json.write(reply);
    }

    private static String errorLine(Object id, boolean hasId, QmpException e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("class", e.errorClass());
        error.put("desc", e.description());
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("error", error);
        if (hasId) {
            reply.put("id", id);
        }
        return Json.write(reply);
    }

    /** Queues a reply; waits while the queue is full (only this client's reader waits). */
    private void send(String line) throws InterruptedException {
        enqueue(new Outgoing(line, null));
    }

    private void sendAndWaitWritten(String line) throws InterruptedException {
        CountDownLatch written = new CountDownLatch(1);
        enqueue(new Outgoing(line, written));
        written.await(2, TimeUnit.SECONDS); // bounded: a client that stopped reading must not block quit
    }

    private void enqueue(Outgoing item) throws InterruptedException {
        while (!closed.get()) {
            if (outgoing.offer(item, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                Outgoing item = outgoing.take();
                if (item == END) {
                    return;
                }
                if (item.line() == null) { // a drain marker: everything queued before it is on the wire
                    item.written().countDown();
                    continue;
                }
                ByteBuffer bytes = ByteBuffer.wrap((item.line() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                if (item.written() != null) {
                    item.written().countDown();
                }
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.log(System.Logger.Level.DEBUG, label + ": write failed", e);
            }
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
    }
}
