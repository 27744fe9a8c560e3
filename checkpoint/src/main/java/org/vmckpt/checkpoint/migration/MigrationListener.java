package org.vmckpt.checkpoint.migration;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The destination's listening socket ({@code --incoming tcp:HOST:PORT}). With TLS, a client must present a
 * certificate signed by the CA: the handshake happens in {@link #accept()}, so a stranger is refused before it
 * can send a byte of guest state.
 */
public final class MigrationListener implements Closeable {
    private final ServerSocket server;
    private final boolean tls;

    private MigrationListener(ServerSocket server, boolean tls) {
        this.server = server;
        this.tls = tls;
    }

    /** Listens on {@code endpoint}; {@code tls == null} means plain TCP (--insecure). */
    public static MigrationListener listen(MigrationEndpoint endpoint, TlsCredentials tls) throws MigrationException {
        try {
            ServerSocket s;
            if (tls != null) {
                SSLServerSocket ss = (SSLServerSocket) tls.context().getServerSocketFactory().createServerSocket();
                ss.setEnabledProtocols(new String[]{"TLSv1.3"});
                ss.setNeedClientAuth(true);
                s = ss;
            } else {
                s = new ServerSocket();
            }
            s.setReuseAddress(true);
            s.bind(endpoint.socketAddress(), 4);
            return new MigrationListener(s, tls != null);
        } catch (IOException e) {
            throw new MigrationException("cannot listen on " + endpoint.uri() + ": " + e.getMessage(), e);
        }
    }

    /** The port actually bound (for port 0). */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * Waits for a source and completes the TLS handshake. A peer that fails the handshake (no certificate, one
     * from another CA) gives a MigrationException naming it; the listener stays open for the next.
     */
    public MigrationConnection accept() throws MigrationException, IOException {
        Socket s = server.accept();
        boolean handshaken = !tls;
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            if (tls) {
                SSLSocket ssl = (SSLSocket) s;
                ssl.setSoTimeout(MigrationConnection.HANDSHAKE_TIMEOUT_MILLIS);
                ssl.startHandshake();
                handshaken = true;
                ssl.setSoTimeout(0);
            }
            return new MigrationConnection(s);
        } catch (SSLException e) {
            MigrationConnection.closeQuietly(s);
            throw handshakeRefused(s, e);
        } catch (IOException e) {
            MigrationConnection.closeQuietly(s);
            // A peer that rejects this end's certificate hangs up in the middle of the handshake: this end then
            // meets a broken pipe or a reset, not an SSLException, but the handshake failed all the same.
            if (!handshaken) throw handshakeRefused(s, e);
            throw new MigrationException("a migration connection from " + s.getRemoteSocketAddress() + " failed during setup: " + e.getMessage(), e);
        }
    }

    private static MigrationException handshakeRefused(Socket s, IOException e) {
        return new MigrationException("refused a migration connection from " + s.getRemoteSocketAddress()
                + ": TLS handshake failed (" + e.getMessage() + "); the peer needs a client certificate signed by the CA in --tls-creds", e);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
