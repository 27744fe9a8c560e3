package org.vmckpt.checkpoint;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmckpt.machine.memory.PageOrigin;

/** Where a fresh JVM's page-sources work goes: each step's CPU time on this thread (restore14 micro-measure). */
public class SourcesMicro {
    public static void main(String[] a) throws Exception {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        Path kernel = Path.of(a[1]), initrd = Path.of(a[2]);
        long c0 = t.getCurrentThreadCpuTime();
        GcPauses.listen();
        long c1 = t.getCurrentThreadCpuTime();
        String mode = a[0];
        long c2, c3;
        if (!mode.equals("old")) {
            BootFile k = BootFile.forCapture(PageOrigin.KERNEL, kernel, null);
            if (k == null || k.inPlace() == null) throw new IllegalStateException("kernel not remembered");
            c2 = t.getCurrentThreadCpuTime();
            byte[] b = Files.readAllBytes(initrd);
            InitramfsFiles f = mode.equals("unpack") ? InitramfsFiles.parse(b, true) : InitramfsFiles.index(b);
            c3 = t.getCurrentThreadCpuTime();
            System.out.println(f);
        } else {
            BootFile k = BootFile.load(PageOrigin.KERNEL, kernel, null).digestsOnly();
            c2 = t.getCurrentThreadCpuTime();
            byte[] b = Files.readAllBytes(initrd);
            InitramfsFiles f = InitramfsFiles.parse(b, false);
            c3 = t.getCurrentThreadCpuTime();
            System.out.println(f);
        }
        System.out.printf("%s: GcPauses.listen %.0f ms, kernel %.0f ms, initramfs %.0f ms, total %.0f ms CPU%n", mode,
                (c1 - c0) / 1e6, (c2 - c1) / 1e6, (c3 - c2) / 1e6, (c3 - c0) / 1e6);
    }
}
