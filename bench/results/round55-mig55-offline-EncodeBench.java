package org.vmckpt.checkpoint.migration;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

/** Offline: PageFrames.encodePages over a pack's frames, stream on and off, thread CPU; and decode. */
public class EncodeBench {
    public static void main(String[] a) throws Exception {
        List<byte[]> fs = Exp.frames(Path.of(a[0]));
        var mx = ManagementFactory.getThreadMXBean();
        for (int rep = 0; rep < 3; rep++) {
            for (boolean stream : new boolean[] {false, true}) {
                PageFrames src = new PageFrames();
                src.streamChunks(stream);
                PageFrames dst = new PageFrames();
                long bytes = 0, enc = 0, dec = 0;
                int base = 0;
                for (byte[] f : fs) {
                    int n = f.length / 4096;
                    int[] index = new int[n];
                    byte[][] data = new byte[n][];
                    for (int k = 0; k < n; k++) { index[k] = base + k; data[k] = java.util.Arrays.copyOfRange(f, k * 4096, (k + 1) * 4096); }
                    base += n;
                    long t0 = mx.getCurrentThreadCpuTime();
                    byte[] p = src.encodePages(index, data, n);
                    long t1 = mx.getCurrentThreadCpuTime();
                    dst.decodePages(new MigrationWire.Payload("PAGES", p), 1 << 20, null, (i, d) -> { });
                    long t2 = mx.getCurrentThreadCpuTime();
                    enc += t1 - t0; dec += t2 - t1; bytes += p.length;
                }
                System.out.printf("stream %-5s %d bytes, encode %.0f ms, decode %.0f ms, pays %d %s%n", stream, bytes, enc / 1e6, dec / 1e6, src.streamBudgetSpent() ? 1 : 0, "" + (src.streamedBytes() >> 20));
            }
        }
    }
}
