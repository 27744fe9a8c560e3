package org.vmckpt.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A diagnostic of the capture's pause ({@code -Dvmckpt.capture.trace=true}, off by default): the capturing thread's
 * minor and major page faults, voluntary and involuntary context switches and time runnable but not running, read from {@code /proc/thread-self}
 * before and after the pause (outside its timed window), printed with the pause's CLOCK_MONOTONIC start and end (the
 * clock of {@code -Xlog}'s {@code timenanos}) so the pause can be lined up with the JVM's logs (safepoints, class loads).
 * Where the pause's wall time went when its CPU time was a fraction of it: waiting on a fault's I/O, on a lock, for a core.
 */
final class CaptureTrace {
    private CaptureTrace() { }

    /**
     * {minor faults, major faults, voluntary switches, involuntary switches, run-queue wait} of the calling thread;
     * -1 where unknown. The last is left -1 here: the caller reads it with {@link #runQueueNanos} right next to the pause.
     */
    static long[] threadCounts() {
        long[] out = {-1, -1, -1, -1, -1};
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            out[0] = Long.parseLong(f[7]);   // minflt (field 10 of proc(5))
            out[1] = Long.parseLong(f[9]);   // majflt (field 12)
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("voluntary_ctxt_switches:")) out[2] = Long.parseLong(line.substring(24).trim());
                if (line.startsWith("nonvoluntary_ctxt_switches:")) out[3] = Long.parseLong(line.substring(27).trim());
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: the counts stay unknown
        }
        return out;
    }

    /**
     * Nanoseconds the calling thread has been runnable but waiting for a core ({@link ThreadTimes#self}), -1 if
     * unknown. Read on its own right next to the pause: a thread is mostly preempted at a syscall's return, so a
     * window that included the other reads would count their preemptions too.
     */
    static long runQueueNanos() {
        return ThreadTimes.self()[1];
    }

    static void print(long t0, long t1, long cpuNanos, long[] before, long[] after, long[] parts) {
        long[] d = new long[before.length];
        for (int i = 0; i < d.length; i++) d[i] = before[i] < 0 || after[i] < 0 ? -1 : after[i] - before[i];
        System.err.printf("vmckpt: capture trace: start %d ns end %d ns pause %.3f ms cpu %.3f ms; minflt %d majflt %d "
                + "voluntary %d involuntary %d run-queue wait %.3f ms; parts ns %s%n", t0, t1, (t1 - t0) / 1e6, cpuNanos / 1e6,
                d[0], d[1], d[2], d[3], d[4] / 1e6,
                Arrays.toString(parts));
    }
}
