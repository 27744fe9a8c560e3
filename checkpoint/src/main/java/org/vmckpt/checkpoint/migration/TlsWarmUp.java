package org.vmckpt.checkpoint.migration;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A few throwaway TLS 1.3 handshakes over loopback with the process's own migration credentials, run by
 * {@link MigrationWarmUp} (once per process) before its throwaway migrations, so that the first real migration's handshake does not load and interpret JSSE and its
 * elliptic-curve code on a cold JVM (measured: that made a TLS migration's setup 1.3-2.4 s at load 13-18,
 * against 0.03-0.05 s in plaintext; docs/BENCHMARKS.md, run 5). It needs both key pairs in the directory (as
 * QEMU's tls-creds-x509 layout has them when one directory serves both ends); otherwise it does nothing. It
 * never touches a listening migration port, and any failure only means no warm-up.
 */
final class TlsWarmUp {
    static final int HANDSHAKES = 3;

    private TlsWarmUp() { }

    static boolean hasBothEnds(Path dir) {
        for (String f : new String[]{TlsCredentials.CA_CERT, TlsCredentials.SERVER_CERT, TlsCredentials.SERVER_KEY,
                TlsCredentials.CLIENT_CERT, TlsCredentials.CLIENT_KEY}) {
            if (!Files.isRegularFile(dir.resolve(f))) return false;
        }
        return true;
    }

    /** Runs the handshakes on the calling thread; returns how many completed. */
    static int run(Path dir) {
        int done = 0;
        try (MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), TlsCredentials.forServer(dir))) {
            TlsCredentials client = TlsCredentials.forClient(dir);
            for (int i = 0; i < HANDSHAKES; i++) {
                Thread server = new Thread(() -> {
                    try {
                        l.accept().close();
                    } catch (Exception e) {
                        // only a warm-up
                    }
                }, "vmckpt-tls-warm-up-server");
                server.setDaemon(true);
                server.setPriority(Thread.MIN_PRIORITY);
                server.start();
                try {
                    MigrationConnection.connect(new MigrationEndpoint("127.0.0.1", l.port()), client).close();
                    done++;
                } catch (MigrationException e) {
                    // a server certificate that does not name 127.0.0.1 fails here, after most of the work
                }
                server.join(MigrationConnection.HANDSHAKE_TIMEOUT_MILLIS);
            }
        } catch (Exception e) {
            // only a warm-up
        }
        return done;
    }
}
