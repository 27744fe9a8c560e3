package org.vmckpt.cli.qmp;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A QMP client over a Unix domain socket: reads the greeting, negotiates capabilities, then runs commands.
 * Commands may be issued from several threads at once; replies are matched to commands by "id". Events are
 * handed to the listener on the client's reader thread, in arrival order (the listener must not call
 * {@link #execute} itself: that would wait for the very thread it runs on).
 */
public final class QmpClient implements Closeable {
    private static final int MAX_MESSAGE_BYTES = 16 << 20;

    private final SocketChannel channel;
    private final Consumer<QmpEvent> eventListener;
    private final Map<String, Object> greeting;
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final Object writeLock = new Object();
    private volatile IOException failure;

    private QmpClient(SocketChannel channel, JsonMessageReader reader, Map<String, Object> greeting,
                      Consumer<QmpEvent> eventListener) {
        this.channel = channel;
        this.greeting = greeting;
        this.eventListener = eventListener;
        Thread thread = new Thread(() -> readLoop(reader), "qmp-client-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** Connects without an event listener. */
    public static QmpClient connect(Path socketPath) throws IOException, QmpException {
        return connect(socketPath, event -> { });
    }

    /** Connects, reads the greeting and negotiates; events arriving from then on go to {@code eventListener}. */
    public static QmpClient connect(Path socketPath, Consumer<QmpEvent> eventListener) throws IOException, QmpException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socketPath));
        try {
            JsonMessageReader reader = new JsonMessageReader(channel, MAX_MESSAGE_BYTES);
            Map<String, Object> greeting = readGreeting(reader, socketPath);
            QmpClient client = new QmpClient(channel, reader, greeting, eventListener);
            client.execute(QmpCommands.QMP_CAPABILITIES, Map.of());
            return client;
        } catch (IOException | QmpException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readGreeting(JsonMessageReader reader, Path socketPath) throws IOException {
        try {
            String text = reader.next();
            if (text == null) {
                throw new IOException(socketPath + " closed the connection before sending a QMP greeting");
            }
            if (Json.parse(text) instanceof Map<?, ?> message && message.get("QMP") instanceof Map<?, ?> qmp) {
                return (Map<String, Object>) qmp;
            }
            throw new IOException(socketPath + " is not a QMP server: its first message is not a greeting: " + text);
        } catch (JsonException e) {
            throw new IOException(socketPath + " sent an unreadable greeting: " + e.getMessage(), e);
        }
    }

    /** The server's greeting, the value of its "QMP" member: {"version": {...}, "capabilities": [...]}. */
    public Map<String, Object> greeting() {
        return greeting;
    }

    /**
     * Runs a command whose result is an object (nearly all of them) and returns that object.
     *
     * @param arguments the command's arguments, or null/empty for none
     * @throws QmpException the server's {"error": ...} reply
     * @throws IOException  the connection failed, or the result is not an object (use {@link #call})
     */
    public Map<String, Object> execute(String command, Map<String, Object> arguments) throws IOException, QmpException {
        Object result = call(command, arguments);
        if (!(result instanceof Map<?, ?> map)) {
            throw new IOException("the result of " + command + " is not an object: " + Json.write(result));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return object;
    }

    /** Runs a command and returns its result, whatever its JSON type (query-commands returns a list). */
    public Object call(String command, Map<String, Object> arguments) throws IOException, QmpException {
        long id = nextId.incrementAndGet();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) {
            message.put("arguments", arguments);
        }
        message.put("id", id);
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            if (failure != null) {
                throw new IOException("QMP connection is closed", failure);
            }
            ByteBuffer bytes = ByteBuffer.wrap((Json.write(message) + "\n").getBytes(StandardCharsets.US_ASCII));
            synchronized (writeLock) {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            return unwrap(command, reply.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the reply to " + command);
        } catch (ExecutionException e) {
            throw new IOException("QMP connection failed while waiting for the reply to " + command, e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    private static Object unwrap(String command, Map<String, Object> reply) throws IOException, QmpException {
        if (reply.containsKey("return")) {
            return reply.get("return");
        }
        if (reply.get("error") instanceof Map<?, ?> error) {
            throw new QmpException(String.valueOf(error.get("class")), String.valueOf(error.get("desc")));
        }
        throw new IOException("malformed reply to " + command + ": " + Json.write(reply));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @SuppressWarnings("unchecked")
    private void readLoop(JsonMessageReader reader) {
        IOException end = new IOException("QMP server closed the connection");
        try {
            String text;
            while ((text = reader.next()) != null) {
                Object parsed = Json.parse(text);
                if (!(parsed instanceof Map<?, ?>)) {
                    continue;
                }
                Map<String, Object> message = (Map<String, Object>) parsed;
                if (message.get("event") instanceof String name) {
                    deliver(toEvent(name, message));
                } else if (message.get("id") instanceof Long id) {
                    CompletableFuture<Map<String, Object>> reply = pending.get(id);
                    if (reply != null) {
                        reply.complete(message);
                    }
                }
                // A reply without our numeric id answers input we never sent: nothing waits for it.
            }
        } catch (IOException e) {
            end = e;
        } catch (JsonException e) {
            end = new IOException("QMP server sent malformed JSON: " + e.getMessage(), e);
        } finally {
            failure = end;
            for (CompletableFuture<Map<String, Object>> reply : pending.values()) {
                reply.completeExceptionally(end);
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private void deliver(QmpEvent event) {
        try {
            eventListener.accept(event);
        } catch (RuntimeException e) {
            // A failing listener must not take the connection down with it.
            System.getLogger(QmpClient.class.getName()).log(System.Logger.Level.WARNING,
                    "QMP event listener failed on " + event.name(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static QmpEvent toEvent(String name, Map<String, Object> message) {
        Map<String, Object> data = message.get("data") instanceof Map<?, ?> d ? (Map<String, Object>) d : Map.of();
        long seconds = 0;
        long microseconds = 0;
        if (message.get("timestamp") instanceof Map<?, ?> timestamp) {
            seconds = timestamp.get("seconds") instanceof Long s ? s : 0;
            microseconds = timestamp.get("microseconds") instanceof Long us ? us : 0;
        }
        return new QmpEvent(name, data, seconds, microseconds);
    }
}
