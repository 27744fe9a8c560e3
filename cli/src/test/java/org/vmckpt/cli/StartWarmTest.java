package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The JVM's start warmed (round 70, {@code -agentpath:libvmckpt-native.so=warmMiB=N}, which the launcher adds for an eager
 * restore given {@code -Dvmckpt.restore.warmMiB=N}): the helper's agent thread faults N MiB in and frees them again. In a
 * child JVM: with the agent, the report says N MiB, the process's peak resident memory held them and its resident memory
 * no longer does; without it (or with options it does not know) nothing runs and the report says so.
 */
class StartWarmTest {
    /** Run in the child JVM: waits up to 20 s for the warming, then prints "MIB CPU_NS WALL_NS HWM_KIB RSS_KIB". */
    public static void main(String[] args) throws Exception {
        long[] w = NativeMemory.warmReport();
        boolean expect = args.length > 0 && args[0].equals("wait");
        for (int i = 0; expect && w[0] < 0 && i < 2000; i++) {
            Thread.sleep(10);
            w = NativeMemory.warmReport();
        }
        long hwm = 0, rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("\\D", ""));
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
        }
        System.out.println(w[0] + " " + w[1] + " " + w[2] + " " + hwm + " " + rss);
    }

    @Test
    void warmsAndFreesWhatItWasAskedFor() throws Exception {
        long[] on = child("wait", "-agentpath:" + OldGenPrefaultTest.library() + "=warmMiB=256");
        assertEquals(256, on[0], "MiB warmed");
        assertTrue(on[1] > 0 && on[2] > 0, "its CPU and wall time measured");
        assertTrue(on[3] >= 256 << 10, "the process held the 256 MiB at its peak: " + on[3] + " KiB");
        assertTrue(on[4] <= on[3] - (200 << 10), "and freed them: resident " + on[4] + " KiB, peak " + on[3] + " KiB");
    }

    @Test
    void nothingWithoutTheAgentOrItsOption() throws Exception {
        assertEquals(-1, child("now")[0], "no agent");
        assertEquals(-1, child("now", "-agentpath:" + OldGenPrefaultTest.library())[0], "the agent without options");
        assertEquals(-1, child("now", "-agentpath:" + OldGenPrefaultTest.library() + "=warmMiB=x")[0], "a malformed option");
    }

    private static long[] child(String mode, String... opts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC", "-Xmx256m", "-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library()));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StartWarmTest.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        String[] f = lines[lines.length - 1].trim().split(" ");
        long[] r = new long[f.length];
        for (int i = 0; i < f.length; i++) r[i] = Long.parseLong(f[i]);
        return r;
    }
}
