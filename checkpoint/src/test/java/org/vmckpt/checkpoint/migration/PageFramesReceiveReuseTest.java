package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A destination reads each PAGES frame into one buffer of its connection (MigrationConnection.receiveReusing) and
 * unpacks the frame's data from there: receiving and decoding frame after frame into the pages it holds allocates a
 * small part of the frames' bytes, where a new payload per frame and a copy of its data out of it allocated twice
 * their bytes (the destination's young collections during the rounds: docs/BENCHMARKS.md migration run 21). Each frame still
 * decodes to exactly what was sent, a small one after a large one included, and other frames are their own arrays.
 */
class PageFramesReceiveReuseTest {
    private static final int N = MigrationWire.PAGES_PER_FRAME;

    /** Pages that compress to about a quarter (a 1 GiB memdirty migration sends about 730 bytes a page). */
    private static byte[][] pages(Random r, int n) {
        byte[][] data = new byte[n][];
        for (int k = 0; k < n; k++) {
            data[k] = new byte[4096];
            Arrays.fill(data[k], (byte) r.nextInt());
            for (int w = 0; w < 1024; w++) data[k][r.nextInt(4096)] = (byte) r.nextInt();
        }
        return data;
    }

    @Test
    void receivingAndDecodingFrameAfterFrameAllocatesLittleAndDecodesWhatWasSent() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int warm = 5, frames = 200;
        Random r = new Random(3);
        byte[][][] sent = new byte[warm + frames + 1][][];
        for (int f = 0; f < sent.length - 1; f++) sent[f] = pages(r, N);
        sent[sent.length - 1] = new byte[][]{sent[0][0].clone()}; // a small frame after the large ones
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> payloadBytes = CompletableFuture.supplyAsync(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                     MigrationConnection out = new MigrationConnection(s)) {
                    PageFrames encoder = new PageFrames();
                    long measured = 0;
                    for (int f = 0; f < sent.length; f++) {
                        int n = sent[f].length;
                        int[] index = new int[n];
                        for (int k = 0; k < n; k++) index[k] = k;
                        MigrationWire.PayloadWriter w = encoder.encodePagesShared(index, sent[f].clone(), null, null, null, n);
                        if (f >= warm && f < warm + frames) measured += w.length();
                        out.send(MigrationWire.PAGES, w);
                    }
                    out.send(MigrationWire.SYNC, new MigrationWire.PayloadWriter().i64(7).toByteArray());
                    return measured;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (Socket s = server.accept(); MigrationConnection in = new MigrationConnection(s)) {
                PageFrames decoder = new PageFrames();
                byte[][] held = new byte[N][];
                for (int k = 0; k < N; k++) held[k] = new byte[4096];
                long id = Thread.currentThread().getId();
                long allocated = 0;
                int[] notInPlace = new int[1];
                PageFrames.PageConsumer check = (i, data, origin) -> {
                    if (data != held[i]) notInPlace[0]++;
                };
                java.util.function.IntFunction<byte[]> current = k -> held[k];
                for (int f = 0; f < sent.length; f++) {
                    long before = threads.getThreadAllocatedBytes(id);
                    MigrationWire.Frame frame = in.receiveReusing();
                    decoder.decodePages(frame.read(), N, null, current, true, check);
                    if (f >= warm && f < warm + frames) allocated += threads.getThreadAllocatedBytes(id) - before;
                    assertEquals(MigrationWire.PAGES, frame.type());
                    assertEquals(0, notInPlace[0], "decoded in place");
                    if (f == warm + frames - 1) {
                        long bytes = payloadBytes.join();
                        // A new array per frame allocates the frames' bytes (26.98 MB for these 26.62 MB), and copying the
                        // data out of it as much again; receiveReusing and unpacking in place: 0.36 MB (1.3%).
                        assertTrue(allocated < bytes / 10, allocated + " bytes allocated receiving " + frames + " frames of " + bytes + " bytes");
                    }
                    for (int k = 0; k < sent[f].length; k++) assertArrayEquals(sent[f][k], held[k], "frame " + f + " page " + k);
                }
                MigrationWire.Frame sync = in.receiveReusing();
                assertEquals(MigrationWire.SYNC, sync.type());
                assertEquals(7, sync.read().i64());
            }
        }
    }
}
