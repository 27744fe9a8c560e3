package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Speaks QMP the way socat or a ten-line Python script does: raw strings out, lines in, no help from
 * {@link QmpClient}. Lines are collected by a thread so reads can time out.
 */
final class RawQmpClient implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final SocketChannel channel;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Events met while waiting for a reply, in arrival order. */
    final List<Map<String, Object>> events = new ArrayList<>();

    RawQmpClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        Thread reader = new Thread(this::readLines, "raw-qmp-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLines() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        try {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        lines.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
                buffer.clear();
            }
        } catch (IOException closed) {
            // fall through
        }
        lines.add(EOF);
    }

    /** Sends text exactly as given (add the newline yourself). */
    void sendRaw(String text) throws IOException {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** The next raw line, or null if none arrives in time; "EOF" marker lines come back as null too. */
    String nextLine(long millis) throws InterruptedException {
        String line = lines.poll(millis, TimeUnit.MILLISECONDS);
        return line == null || line.equals(EOF) ? null : line;
    }

    boolean closedByServer(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String line = lines.poll(50, TimeUnit.MILLISECONDS);
            if (EOF.equals(line)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> nextMessage() throws Exception {
        // (60 s: only a server that never answers trips it; 5 s until round 78, which a loaded 2-core machine can need)
        String line = nextLine(60_000);
        assertNotNull(line, "no message from the server within 60 s");
        assertTrue(line.endsWith("\r"), "QMP lines end with CRLF: " + line);
        assertTrue(line.chars().allMatch(c -> c < 0x80), "server output is ASCII: " + line);
        return (Map<String, Object>) Json.parse(line);
    }

    /** The next reply ({"return"} or {"error"}), keeping any events met on the way in {@link #events}. */
    Map<String, Object> nextReply() throws Exception {
        while (true) {
            Map<String, Object> m = nextMessage();
            if (m.containsKey("event")) {
                events.add(m);
            } else {
                return m;
            }
        }
    }

    /** The next event with this name, from those already seen or still to come. */
    Map<String, Object> nextEvent(String name) throws Exception {
        for (int i = 0; i < events.size(); i++) {
            if (name.equals(events.get(i).get("event"))) {
                return events.remove(i);
            }
        }
        while (true) {
            Map<String, Object> m = nextMessage();
            if (name.equals(m.get("event"))) {
                return m;
            }
            if (m.containsKey("event")) {
                events.add(m);
            } else {
                fail("expected event " + name + " but got a reply: " + Json.write(m));
            }
        }
    }

    Map<String, Object> command(String json) throws Exception {
        sendRaw(json + "\n");
        return nextReply();
    }

    /** Reads the greeting and negotiates. */
    RawQmpClient negotiate() throws Exception {
        assertTrue(nextMessage().containsKey("QMP"));
        assertEquals(Map.of("return", Map.of()), command("{\"execute\": \"qmp_capabilities\"}"));
        return this;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> error(Map<String, Object> reply) {
        assertTrue(reply.containsKey("error"), "expected an error reply: " + Json.write(reply));
        return (Map<String, Object>) reply.get("error");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> data(Map<String, Object> event) {
        return (Map<String, Object>) event.get("data");
    }
}
