package org.vmckpt.checkpoint;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmckpt.machine.memory.PageOrigin;

/** A checkpoint's comparisons of kernel pages with the kernel: digests (main) or in place (restore14), CPU per pass. */
public class ConfirmMicro {
    public static void main(String[] a) throws Exception {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        Path kernel = Path.of(a[1]);
        byte[] file = Files.readAllBytes(kernel);
        long c0 = t.getCurrentThreadCpuTime();
        BootFile k = a[0].equals("inplace") ? BootFile.forCapture(PageOrigin.KERNEL, kernel, null)
                : BootFile.load(PageOrigin.KERNEL, kernel, null).digestsOnly();
        long c1 = t.getCurrentThreadCpuTime();
        byte[] page = new byte[4096], scratch = new byte[4096];
        StringBuilder sb = new StringBuilder(a[0] + ": sources " + (c1 - c0) / 1000000 + " ms; passes of " + file.length / 4096 + " pages:");
        for (int pass = 0; pass < 3; pass++) {
            long p0 = t.getCurrentThreadCpuTime();
            int ok = 0;
            for (int i = 0; i < file.length / 4096; i++) {
                System.arraycopy(file, i * 4096, page, 0, 4096);
                if (k.matches(8L * i, page, scratch)) ok++;
            }
            sb.append(String.format(" %.0f ms (%d equal)", (t.getCurrentThreadCpuTime() - p0) / 1e6, ok));
        }
        System.out.println(sb);
    }
}
