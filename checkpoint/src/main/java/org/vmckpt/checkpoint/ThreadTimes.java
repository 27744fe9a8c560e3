package org.vmckpt.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's scheduler figures of this process's threads (Linux {@code /proc/.../schedstat}: nanoseconds on a CPU,
 * nanoseconds runnable but waiting for one), for {@code --stats}: on a shared two-core machine a thread's wall time
 * is its own CPU, its wait for a core, and its sleep, and only the first is ours. Empty where /proc has no such
 * file (another OS): the figures are then left out, nothing fails.
 */
final class ThreadTimes {
    private ThreadTimes() { }

    /** The calling thread's {cpu ns, runnable-waiting ns}, or {-1, -1}. */
    static long[] self() {
        return read(Path.of("/proc/thread-self/schedstat"));
    }

    /**
     * Every thread of the process, {cpu ns, runnable-waiting ns} summed by name with trailing digits dropped
     * ("GC Thread#0" and "GC Thread#1" count as "GC Thread#"). Reads a few dozen small files: milliseconds, so only
     * for {@code --stats}.
     */
    static Map<String, long[]> byName() {
        Map<String, long[]> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String name;
                try {
                    name = Files.readString(t.resolve("comm")).strip().replaceAll("\\d+$", "");
                } catch (IOException e) {
                    continue; // the thread ended
                }
                long[] v = read(t.resolve("schedstat"));
                if (v[0] < 0) continue;
                long[] sum = out.computeIfAbsent(name, k -> new long[2]);
                sum[0] += v[0];
                sum[1] += v[1];
            }
        } catch (IOException e) {
            // no /proc: nothing to report
        }
        return out;
    }

    /**
     * {@code after - before} by name, CPU only, largest first, as "name 12.345, ..." (ms), threads under {@code minNanos}
     * left out.
     */
    static String cpuDelta(Map<String, long[]> before, Map<String, long[]> after, long minNanos) {
        StringBuilder sb = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0]))
                .filter(e -> e.getValue() >= minNanos)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(String.format("%s %.3f", e.getKey(), e.getValue() / 1e6)));
        return sb.toString();
    }

    private static long[] read(Path p) {
        try {
            String[] f = Files.readString(p).trim().split("\\s+");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }
}
