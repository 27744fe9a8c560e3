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
    /**
     * Bytes pushed through one throwaway TLS connection after the handshakes, in frames of {@link #BULK_FRAME} as a
     * migration's sender writes them and read back as its receiver reads them. The throwaway migrations carry only a
     * few MiB of TLS records, after which TLS's bulk AES-GCM still ran in code the JIT had not finished: in a
     * stand-alone loopback test (docs/BENCHMARKS.md, migration run 15), 57 MiB cost the sender 0.5-0.8 s and the
     * receiver 0.5-0.8 s of CPU on a fresh JVM and 0.05-0.2 / 0.08-0.14 s once some 150 MiB had passed, against
     * 0.01 / 0.05 s in plaintext; a 1 GiB memdirty migration sends about 57 MiB.
     */
    static final long BULK_BYTES = 160L << 20;
    static final int BULK_FRAME = 256 << 10;

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

    /**
     * Pushes {@code bytes} through one throwaway TLS connection over loopback with the process's own credentials
     * (frames of random bytes, as incompressible as packed pages, sent and read by the migration's own connection code);
     * returns the bytes that arrived (0 without both ends' keys or on any failure; less if a real migration stopped it).
     */
    static long bulk(Path dir, long bytes) {
        if (!hasBothEnds(dir)) return 0;
        long[] got = new long[1];
        try (MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), TlsCredentials.forServer(dir))) {
            Thread server = new Thread(() -> {
                try (MigrationConnection in = l.accept()) {
                    while (got[0] < bytes && !MigrationWarmUp.stopping()) got[0] += in.receive().read().remaining();
                } catch (Exception e) {
                    // only a warm-up
                }
            }, "vmckpt-tls-warm-up-server");
            server.setDaemon(true);
            server.setPriority(Thread.currentThread().getPriority());
            server.start();
            byte[] frame = new byte[BULK_FRAME];
            new java.util.Random(1).nextBytes(frame);
            try (MigrationConnection out = MigrationConnection.connect(new MigrationEndpoint("127.0.0.1", l.port()), TlsCredentials.forClient(dir))) {
                for (long sent = 0; sent < bytes && !MigrationWarmUp.stopping(); sent += BULK_FRAME) {
                    out.sendBuffered(MigrationWire.PAGES, frame.length <= bytes - sent ? frame : java.util.Arrays.copyOf(frame, (int) (bytes - sent)));
                }
                out.flush();
                server.join(MigrationConnection.HANDSHAKE_TIMEOUT_MILLIS);
            }
        } catch (Exception e) {
            // only a warm-up
        }
        return got[0];
    }
}
