package org.vmckpt.checkpoint.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A man in the middle on loopback for tests: forwards one connection to a target, and on the way from client to
 * server can flip one byte at a given offset, or cut the connection (both ways, as a killed peer does) after a
 * given number of bytes.
 */
final class StreamProxy implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicLong forwarded = new AtomicLong();
    /** With {@link #recording}: every byte the client sent, in order (plaintext streams: a test reads the frames). */
    private final java.io.ByteArrayOutputStream recorded = new java.io.ByteArrayOutputStream();
    private volatile boolean record;

    /** A proxy that changes nothing and keeps a copy of what the client sent ({@link #recordedBytes}). */
    static StreamProxy recording(int targetPort) throws IOException {
        StreamProxy p = new StreamProxy(targetPort, -1, -1, null);
        p.record = true;
        return p;
    }

    /**
     * A proxy that flips (XOR 0x40) the last byte of the first PAGES frame the client sends after its STATE frame
     * (plaintext streams; protocol 11: a page of post-copy's working set, sent before GO).
     */
    static StreamProxy flippingFirstPagesAfterState(int targetPort) throws IOException {
        StreamProxy p = new StreamProxy(targetPort, -1, -1, null);
        p.frames = new FrameFlipper(MigrationWire.PAGES, true);
        return p;
    }

    /** A proxy that flips (XOR 0x40) the last byte of the first frame of {@code type} the client sends (plaintext streams). */
    static StreamProxy flippingFirst(int targetPort, int type) throws IOException {
        StreamProxy p = new StreamProxy(targetPort, -1, -1, null);
        p.frames = new FrameFlipper(type, false);
        return p;
    }

    /** Follows the client's frames byte by byte (after the 12-byte opening) and says which byte to flip. */
    private static final class FrameFlipper {
        private final int type;
        private final boolean onlyAfterState;
        private long seen;
        private int header;
        private final byte[] head = new byte[5];
        private long payloadLeft = -1;
        private boolean afterState;
        private boolean target;
        private boolean flipped;

        /** Flips in the first frame of {@code type} (only one after STATE, if {@code onlyAfterState}). */
        FrameFlipper(int type, boolean onlyAfterState) {
            this.type = type;
            this.onlyAfterState = onlyAfterState;
        }

        /** Whether the byte just passed (the stream's next) is the one to flip. */
        boolean next(byte b) {
            if (seen++ < MigrationWire.MAGIC.length + 4) return false;
            if (payloadLeft > 0) {
                payloadLeft--;
                boolean hit = target && payloadLeft == 0 && !flipped;
                if (hit) flipped = true;
                return hit;
            }
            head[header++] = b;
            if (header == 5) {
                header = 0;
                int type = head[0] & 0xff;
                payloadLeft = ((head[1] & 0xffL) << 24) | ((head[2] & 0xff) << 16) | ((head[3] & 0xff) << 8) | (head[4] & 0xff);
                target = (afterState || !onlyAfterState) && type == this.type;
                if (type == MigrationWire.STATE) afterState = true;
            }
            return false;
        }
    }

    private volatile FrameFlipper frames;

    /** Whether {@link #flippingFirstPagesAfterState}'s or {@link #flippingFirst}'s byte was flipped. */
    boolean flippedInFrame() {
        return frames != null && frames.flipped;
    }

    byte[] recordedBytes() {
        synchronized (recorded) {
            return recorded.toByteArray();
        }
    }

    StreamProxy(int targetPort, long flipAt, long cutAt) throws IOException {
        this(targetPort, flipAt, cutAt, null);
    }

    /** Flips (XOR 0x40) the last byte of the first occurrence of {@code pattern} in the client's stream instead of an offset. */
    StreamProxy(int targetPort, byte[] pattern) throws IOException {
        this(targetPort, -1, -1, pattern);
    }

    private StreamProxy(int targetPort, long flipAt, long cutAt, byte[] pattern) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread t = new Thread(() -> {
            try (Socket client = server.accept(); Socket target = new Socket("127.0.0.1", targetPort)) {
                Thread back = new Thread(() -> pump(target, client, -1, -1, null, null, null));
                back.setDaemon(true);
                back.start();
                pump(client, target, flipAt, cutAt, forwarded, pattern, this);
                client.close();
                target.close();
            } catch (IOException e) {
                // the test sees the effect on the ends
            }
        }, "test-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    long forwarded() {
        return forwarded.get();
    }

    private static void pump(Socket from, Socket to, long flipAt, long cutAt, AtomicLong count, byte[] pattern, StreamProxy recorder) {
        byte[] buf = new byte[8192];
        long pos = 0;
        byte[] window = pattern == null ? null : new byte[pattern.length];
        long seen = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (cutAt >= 0 && pos + n > cutAt) {
                    out.write(buf, 0, (int) (cutAt - pos));
                    out.flush();
                    from.close();
                    to.close();
                    return;
                }
                if (flipAt >= pos && flipAt < pos + n) buf[(int) (flipAt - pos)] ^= 0x40;
                FrameFlipper ff = recorder == null ? null : recorder.frames;
                for (int j = 0; ff != null && j < n; j++) if (ff.next(buf[j])) buf[j] ^= 0x40;
                for (int j = 0; window != null && j < n; j++) {
                    // The last pattern.length bytes seen, as a ring; on a match flip the byte just read, once.
                    window[(int) (seen++ % window.length)] = buf[j];
                    boolean match = seen >= window.length;
                    for (int x = 0; match && x < window.length; x++) match = window[(int) ((seen + x) % window.length)] == pattern[x];
                    if (match) {
                        buf[j] ^= 0x40;
                        window = null;
                    }
                }
                if (recorder != null && recorder.record) {
                    synchronized (recorder.recorded) {
                        recorder.recorded.write(buf, 0, n);
                    }
                }
                out.write(buf, 0, n);
                pos += n;
                if (count != null) count.set(pos);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
