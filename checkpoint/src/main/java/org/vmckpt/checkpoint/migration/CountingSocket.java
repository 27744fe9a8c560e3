package org.vmckpt.checkpoint.migration;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A plain TCP socket that counts the bytes written to it: a source's connection, under TLS when TLS is layered over it
 * (the JDK's layered TLS socket writes its records through this socket's output stream), so that what a migration put
 * on the wire (records' headers and tags, the handshake) can be set beside the frames' bytes.
 */
final class CountingSocket extends Socket {
    private volatile long written;
    private OutputStream counted;

    long written() {
        return written;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (counted == null) {
            counted = new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    written++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    written += len;
                }
            };
        }
        return counted;
    }
}
