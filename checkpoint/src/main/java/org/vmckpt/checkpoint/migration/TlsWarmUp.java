package org.vmckpt.checkpoint.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Once per process, in the background: a few throwaway TLS 1.3 handshakes over loopback with the process's own
 * migration credentials, so that the first real migration's handshake does not load and interpret JSSE and its
 * elliptic-curve code on a cold JVM (measured: that made a TLS migration's setup 1.3-2.4 s at load 13-18,
 * against 0.03-0.05 s in plaintext; docs/BENCHMARKS.md, run 5). It needs both key pairs in the directory (as
 * QEMU's tls-creds-x509 layout has them when one directory serves both ends); otherwise it does nothing. It
 * never touches a listening migration port, and any failure only means no warm-up.
 */
public final class TlsWarmUp {
    static final int HANDSHAKES = 3;
    private static final AtomicBoolean started = new AtomicBoolean();

    private TlsWarmUp() { }

    /** Starts the warm-up on a low-priority daemon thread, the first time it is called with usable credentials. */
    public static void startInBackground(Path dir) {
        if (dir == null || !hasBothEnds(dir) || !started.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> run(dir), "vmckpt-tls-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

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
