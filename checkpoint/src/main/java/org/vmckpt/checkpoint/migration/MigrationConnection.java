package org.vmckpt.checkpoint.migration;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;

/**
 * One migration connection, TLS or (with --insecure) plain TCP, framed as {@link MigrationWire} says. Any thread
 * may send (sends are serialised); one thread receives.
 */
public final class MigrationConnection implements Closeable {
    /** How long connecting and the TLS handshake may take before the peer is given up. */
    static final int HANDSHAKE_TIMEOUT_MILLIS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String peer;
    private volatile long bytesSent;
    /** Bytes of the frames sent, by frame type (5 bytes of header each included): where a migration's bytes go. */
    private final long[] bytesByType = new long[32];
    /** What went onto the TCP connection (TLS: records, their headers and tags, and the handshake), or -1 if unknown. */
    private final java.util.function.LongSupplier wireBytes;
    private volatile boolean closed;

    MigrationConnection(Socket socket) throws IOException {
        this(socket, socket instanceof CountingSocket c ? c::written : () -> -1);
    }

    private MigrationConnection(Socket socket, java.util.function.LongSupplier wireBytes) throws IOException {
        this.wireBytes = wireBytes;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 18));
        this.peer = socket.getRemoteSocketAddress().toString();
    }

    /**
     * Connects to a destination: with {@code tls}, a TLS 1.3 handshake with both certificates checked against the
     * CA and the server's name against {@code endpoint}'s host; with null, plain TCP (--insecure).
     */
    public static MigrationConnection connect(MigrationEndpoint endpoint, TlsCredentials tls) throws MigrationException {
        CountingSocket plain = new CountingSocket();
        try {
            plain.setTcpNoDelay(true);
            plain.setKeepAlive(true);
            plain.connect(endpoint.socketAddress(), HANDSHAKE_TIMEOUT_MILLIS);
        } catch (IOException e) {
            closeQuietly(plain);
            throw new MigrationException("cannot connect to " + endpoint.uri() + ": " + e.getMessage()
                    + " (is 'vmckpt run --incoming " + endpoint.uri() + "' waiting there?)", e);
        }
        if (tls == null) {
            try {
                return new MigrationConnection(plain);
            } catch (IOException e) {
                closeQuietly(plain);
                throw new MigrationException("cannot use the connection to " + endpoint.uri() + ": " + e.getMessage(), e);
            }
        }
        try {
            SSLSocket s = (SSLSocket) tls.context().getSocketFactory().createSocket(plain, endpoint.host(), endpoint.port(), true);
            s.setEnabledProtocols(new String[]{"TLSv1.3"});
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the server's certificate must name the host we dialled
            s.setSSLParameters(p);
            s.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            s.startHandshake();
            s.setSoTimeout(0);
            return new MigrationConnection(s, plain::written);
        } catch (SSLException e) {
            closeQuietly(plain);
            throw new MigrationException("TLS handshake with " + endpoint.uri() + " failed, nothing was sent: " + e.getMessage()
                    + " (both ends need certificates signed by the same CA in --tls-creds; the server's must name " + endpoint.host() + ")", e);
        } catch (IOException e) {
            closeQuietly(plain);
            throw new MigrationException("TLS handshake with " + endpoint.uri() + " failed, nothing was sent: " + e.getMessage(), e);
        }
    }

    String peer() {
        return peer;
    }

    public long bytesSent() {
        return bytesSent;
    }

    /** Bytes of the frames of type {@code type} sent so far, their 5-byte headers included. */
    long bytesSent(int type) {
        return bytesByType[type];
    }

    /**
     * Bytes this side wrote to the TCP connection (a connection it opened: with TLS, the handshake and each record's
     * header, content type and tag on top of {@link #bytesSent}), or -1 if not counted (an accepted connection).
     */
    public long wireBytesSent() {
        return wireBytes.getAsLong();
    }

    /** The source's opening: magic and protocol version. */
    void sendOpening(int version) throws IOException {
        synchronized (out) {
            out.write(MigrationWire.MAGIC);
            out.writeInt(version);
            bytesSent += MigrationWire.MAGIC.length + 4;
        }
    }

    /** Reads the source's opening; refuses a stream that is not a migration or of another version, by name. */
    int receiveOpening() throws MigrationException, IOException {
        byte[] magic = new byte[MigrationWire.MAGIC.length];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new MigrationException("the connection from " + peer + " closed before a migration stream began (truncated stream)");
        }
        if (!Arrays.equals(magic, MigrationWire.MAGIC)) {
            throw new MigrationException("the connection from " + peer + " is not a vmckpt migration stream (it does not start with VMCKMIGR)");
        }
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new MigrationException("the migration stream from " + peer + " was truncated inside its opening");
        }
    }

    /** Sends one frame and pushes it out. */
    void send(int type, byte[] payload) throws IOException {
        synchronized (out) {
            writeFrame(type, payload);
            out.flush();
        }
    }

    /** Queues one frame; it goes out with the next {@link #flush} or when the buffer fills. */
    void sendBuffered(int type, byte[] payload) throws IOException {
        synchronized (out) {
            writeFrame(type, payload);
        }
    }

    /** Sends the payload {@code w} holds and pushes it out ({@code w} may be reused once this returns). */
    void send(int type, MigrationWire.PayloadWriter w) throws IOException {
        synchronized (out) {
            writeFrame(type, w.array(), w.length());
            out.flush();
        }
    }

    /** Queues the payload {@code w} holds (copied into the socket's buffer: {@code w} may be reused once this returns). */
    void sendBuffered(int type, MigrationWire.PayloadWriter w) throws IOException {
        synchronized (out) {
            writeFrame(type, w.array(), w.length());
        }
    }

    void flush() throws IOException {
        synchronized (out) {
            out.flush();
        }
    }

    private void writeFrame(int type, byte[] payload) throws IOException {
        writeFrame(type, payload, payload.length);
    }

    private void writeFrame(int type, byte[] payload, int length) throws IOException {
        out.writeByte(type);
        out.writeInt(length);
        out.write(payload, 0, length);
        bytesSent += 5 + length;
        if (type >= 0 && type < bytesByType.length) bytesByType[type] += 5 + length;
    }

    /** The next frame; an end of stream inside or before a frame is reported as a truncated stream. */
    MigrationWire.Frame receive() throws MigrationException, IOException {
        return receive(false);
    }

    /**
     * As {@link #receive()}, but a PAGES frame's payload is read into a buffer this connection keeps and reuses: valid
     * only until the next call. For a receiver that has decoded each PAGES frame before it receives the next (a
     * destination before GO): a new array per frame (up to 256 KiB each) was about 23 MiB of garbage a 1 GiB memdirty
     * migration, its young collections taking both cores from the source's guest while its rounds ran
     * (docs/BENCHMARKS.md, migration run 21).
     */
    MigrationWire.Frame receiveReusing() throws MigrationException, IOException {
        return receive(true);
    }

    /** PAGES frames' payloads for {@link #receiveReusing} (grown to the largest frame seen). */
    private byte[] pagesBuffer = new byte[0];

    private MigrationWire.Frame receive(boolean reusePages) throws MigrationException, IOException {
        int type;
        try {
            type = in.readUnsignedByte();
        } catch (EOFException e) {
            throw new MigrationException("the migration stream from " + peer + " ended before the migration was complete (truncated stream, or the peer went away)");
        }
        try {
            int length = in.readInt();
            if (length < 0 || length > MigrationWire.MAX_PAYLOAD) {
                throw new MigrationException("malformed migration stream from " + peer + ": a " + MigrationWire.name(type) + " frame claims "
                        + length + " bytes (at most " + MigrationWire.MAX_PAYLOAD + ")");
            }
            if (reusePages && type == MigrationWire.PAGES) {
                if (pagesBuffer.length < length) pagesBuffer = new byte[Math.max(length, MigrationWire.MAX_FRAME_DATA + 64 * 1024)];
                in.readFully(pagesBuffer, 0, length);
                return new MigrationWire.Frame(type, pagesBuffer, length);
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new MigrationWire.Frame(type, payload);
        } catch (EOFException e) {
            throw new MigrationException("the migration stream from " + peer + " was truncated inside a " + MigrationWire.name(type) + " frame");
        }
    }

    /** Sends an ERROR frame if the connection still works; never throws. */
    void sendErrorQuietly(String message) {
        try {
            send(MigrationWire.ERROR, new MigrationWire.PayloadWriter().string(message).toByteArray());
        } catch (IOException | RuntimeException e) {
            // the peer is gone: it learns nothing more
        }
    }

    /**
     * After a refusal was sent (ERROR): ends this side's output and reads what the peer still sends, for up to
     * {@code millis} or until it closes, before closing. Closing at once with the peer's frames unread would make
     * the kernel reset the connection, and a reset can discard the ERROR before the peer reads it: a source still
     * writing its round would see only "broken pipe" instead of the reason.
     */
    void closeAfterError(int millis) {
        try {
            if (!(socket instanceof javax.net.ssl.SSLSocket)) socket.shutdownOutput();
            socket.setSoTimeout(millis);
            long deadline = System.nanoTime() + millis * 1_000_000L;
            byte[] sink = new byte[1 << 16];
            while (System.nanoTime() < deadline && in.read(sink) >= 0) {
                // discarded: the migration is over
            }
        } catch (IOException | RuntimeException e) {
            // the peer is gone or silent: close now
        }
        close();
    }

    /**
     * After a failed write: the reason the peer sent before it hung up (its ERROR frame), if it is still there to
     * read within {@code millis}; else null. Frames before it are skipped.
     */
    String peerErrorQuietly(int millis) {
        try {
            socket.setSoTimeout(millis);
            for (int i = 0; i < 100_000; i++) {
                MigrationWire.Frame f = receive();
                if (f.type() == MigrationWire.ERROR) return f.read().string("message");
            }
        } catch (IOException | MigrationException | RuntimeException e) {
            // nothing more to read
        }
        return null;
    }

    /**
     * Post-copy: keeps the kernel's send buffer small, so that a page the destination waits for is never queued
     * behind megabytes of background pages (loopback buffers grow to several MiB).
     */
    void limitBacklog() {
        try {
            socket.setSendBufferSize(64 << 10);
            socket.setReceiveBufferSize(64 << 10);
        } catch (IOException e) {
            // only latency suffers
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
