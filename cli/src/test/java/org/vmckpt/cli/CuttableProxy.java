package org.vmckpt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A loopback link for tests that can be cut on demand: forwards one connection to a target port, at full speed
 * until {@link #slowDown} (so that a migration through it is still under way when the test cuts it), and
 * {@link #cut()} closes both sides at once, as a network that drops does.
 */
final class CuttableProxy implements AutoCloseable {
    private final ServerSocket server;
    private volatile Socket client;
    private volatile Socket target;
    /** Bytes per second each way from now on; 0: unlimited. */
    private volatile long bytesPerSecond;

    CuttableProxy(int targetPort) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        Thread t = new Thread(() -> {
            try {
                client = server.accept();
                target = new Socket("127.0.0.1", targetPort);
                Thread back = new Thread(() -> pump(target, client));
                back.setDaemon(true);
                back.start();
                pump(client, target);
            } catch (IOException e) {
                // the test sees the effect on the ends
            }
        }, "test-cuttable-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void slowDown(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Drops the link both ways. */
    void cut() {
        closeQuietly(client);
        closeQuietly(target);
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[4096];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                long rate = bytesPerSecond;
                if (rate > 0) {
                    long wait = n * 1_000_000_000L / rate;
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            to.shutdownOutput();
        } catch (IOException | InterruptedException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            if (s != null) s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        cut();
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
