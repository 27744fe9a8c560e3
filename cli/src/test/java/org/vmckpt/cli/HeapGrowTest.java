package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code VMCKPT_HEAP=grow} ({@link HeapGrow}, round 75, off by default) in a child JVM started with the launcher's
 * options: the heap starts small and the command's first thread grows it to (nearly) the whole maximum in one
 * expansion, without a collection; and, with the launcher's other flag, a full collection does not shrink it again
 * (round 63's failure: a heap whose minimum is small is shrunk by the full collection's resizing and then meets full
 * collections every few young ones).
 */
class HeapGrowTest {
    /** The child: grows the heap as {@code Main.preload} would, then, with "churn", fills the old generation with garbage. */
    public static void main(String[] args) throws Exception {
        Runtime rt = Runtime.getRuntime();
        long start = rt.totalMemory();
        if (args.length > 1 && args[0].equals("agent")) {
            // VMCKPT_HEAP=agent: the native helper's agent grows the heap from VMInit; this main starts no thread. Its
            // report, once the growth is done (waited for at most args[1] ms).
            long deadline = System.currentTimeMillis() + Long.parseLong(args[1]);
            long[] r;
            while ((r = NativeMemory.growReportOrNull()) == null && System.currentTimeMillis() < deadline) Thread.sleep(10);
            System.out.println("AGENT " + HeapGrow.byAgent() + " " + HeapGrow.startIfEnabled() + " " + start + " " + rt.totalMemory()
                    + " " + rt.maxMemory() + " " + (r == null ? "none" : r[0] + " " + r[1] + " " + r[6]));
            return;
        }
        boolean started = HeapGrow.startIfEnabled();
        if (!HeapGrow.await(60_000)) throw new IllegalStateException("the heap's growth did not end");
        long grown = rt.totalMemory();
        long young = youngCollections(), full = fullCollections();
        long lowest = grown;
        if (args.length > 0 && args[0].equals("churn")) {
            // 8 MiB live, everything else promoted at its first collection (MaxTenuringThreshold=0) and garbage at once:
            // the old generation fills and the collector runs full collections ("Ergonomics").
            Object[] live = new Object[2048];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            for (long i = 0; fullCollections() - full < 3 && System.nanoTime() < deadline; i++) {
                live[(int) (i % live.length)] = new byte[4096];
                if (i % 256 == 0 && fullCollections() > full) lowest = Math.min(lowest, rt.totalMemory());
            }
        }
        System.out.println("HEAP " + started + " " + start + " " + grown + " " + rt.maxMemory() + " " + lowest + " "
                + (fullCollections() - full) + " " + (youngCollections() - young));
    }

    private static long fullCollections() {
        return count("PS MarkSweep");
    }

    private static long youngCollections() {
        return count("PS Scavenge");
    }

    private static long count(String name) {
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) if (b.getName().equals(name)) return b.getCollectionCount();
        return -1;
    }

    /** The launcher's grow options for `restore`, as it prints them on this host. */
    @Test
    void theThreadGrowsTheHeapToTheWholeMaximumInOneExpansion() throws Exception {
        List<String> opts = LauncherOptions.collectorWithHeap("restore", "grow");
        org.junit.jupiter.api.Assumptions.assumeTrue(opts.contains("-D" + HeapGrow.PROPERTY + "=true"), "a host the launcher grows the heap on");
        long[] h = child(opts);
        assertEquals(1, h[0], "the thread was started");
        assertTrue(h[1] <= (32L << 20), "the heap started small: " + h[1]);
        assertTrue(h[2] >= h[3] - (32L << 20), "grown to the whole maximum, less a few MiB: " + h[2] + " of " + h[3]);
        // Without the thread (the property left out) the same JVM keeps its small heap: the growth is the thread's.
        List<String> without = new ArrayList<>(opts);
        without.remove("-D" + HeapGrow.PROPERTY + "=true");
        long[] n = child(without);
        assertEquals(0, n[0]);
        assertTrue(n[2] <= (32L << 20), "no thread, no growth: " + n[2]);
    }

    /**
     * {@code VMCKPT_HEAP=agent} (round 76): with grow's heap options, the property set to "agent" and the native helper
     * given as an agent ({@code growHeap}), the heap is grown to the whole maximum by the agent's thread, reported done,
     * with no thread of {@code main}'s; without the agent, the same JVM keeps its small heap and nothing is reported.
     */
    @Test
    void theAgentGrowsTheHeapWithoutAThreadOfMain() throws Exception {
        java.nio.file.Path lib = java.nio.file.Path.of("target", "libvmckpt-native.so").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(lib), "the native helper is built");
        List<String> opts = new ArrayList<>(LauncherOptions.collectorWithHeap("restore", "grow"));
        org.junit.jupiter.api.Assumptions.assumeTrue(opts.remove("-D" + HeapGrow.PROPERTY + "=true"), "a host the launcher grows the heap on");
        opts.add("-D" + HeapGrow.PROPERTY + "=agent");
        opts.add("-D" + NativeMemory.LIBRARY_PROPERTY + "=" + lib);
        List<String> withAgent = new ArrayList<>(opts);
        withAgent.add("-agentpath:" + lib + "=growHeap");
        String[] a = childLine(withAgent, "AGENT ", "agent", "60000");
        assertEquals("true", a[1], "the property says the agent grows it");
        assertEquals("false", a[2], "main starts no thread of its own");
        long start = Long.parseLong(a[3]), now = Long.parseLong(a[4]), max = Long.parseLong(a[5]);
        assertTrue(start <= (32L << 20) || now > start, "the heap started small (or was already growing at main): " + start);
        assertTrue(!a[6].equals("none"), "the agent reported its growth done");
        assertEquals("0", a[8], "the agent's allocation did not fail");
        assertTrue(Long.parseLong(a[6]) <= (32L << 20), "the agent found the heap small: " + a[6]);
        assertTrue(Long.parseLong(a[7]) >= max - (32L << 20), "and grew it to the whole maximum, less a few MiB: " + a[7] + " of " + max);
        assertTrue(now >= max - (32L << 20), "the heap as main sees it after: " + now);
        String[] n = childLine(opts, "AGENT ", "agent", "2000");
        assertEquals("none", n[6], "no agent, no report");
        assertTrue(Long.parseLong(n[4]) <= (32L << 20), "no agent, no growth: " + n[4]);
    }

    /**
     * The launcher's grow settings at a small maximum (600 MiB, so that the old generation fills in seconds): after the
     * growth, the full collections the garbage brings leave the heap committed as grown, as the whole-heap pin does.
     * (Seen failing with -XX:-UseAdaptiveGenerationSizePolicyAtMajorCollection left out: the first full collection
     * shrank the heap from 562 to 62 MiB, and full collections followed every few young ones.)
     */
    @Test
    void fullCollectionsDoNotShrinkTheGrownHeap() throws Exception {
        List<String> opts = new ArrayList<>(LauncherOptions.collectorWithHeap("run", "grow"));
        org.junit.jupiter.api.Assumptions.assumeTrue(opts.contains("-D" + HeapGrow.PROPERTY + "=true"), "a host the launcher grows the heap on");
        opts.removeIf(o -> o.startsWith("-XX:MinHeapDeltaBytes="));
        opts.add("-Xmx600m");
        opts.add("-XX:MinHeapDeltaBytes=" + (600 - 24 - 4) + "m");
        long[] h = child(opts, "churn");
        assertTrue(h[2] >= (560L << 20), "grown: " + h[2]);
        assertTrue(h[5] >= 1, "the garbage brought full collections: " + h[5]);
        assertTrue(h[4] >= h[2], "no full collection shrank the heap: lowest " + h[4] + " after growing to " + h[2]);
    }

    /** Runs {@link #main} in a child JVM with {@code opts}; its line that starts with {@code prefix}, split at spaces. */
    private static String[] childLine(List<String> opts, String prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandleJava.JAVA);
        cmd.addAll(opts);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HeapGrowTest.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(out)).split(" ");
    }

    /** Runs {@link #main} in a child JVM with {@code opts}; its figures: started, start, grown, max, lowest, full, young. */
    private static long[] child(List<String> opts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandleJava.JAVA);
        cmd.addAll(opts);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HeapGrowTest.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("HEAP ")).findFirst().orElseThrow(() -> new AssertionError(out));
        String[] f = line.split(" ");
        long[] r = new long[f.length - 1];
        r[0] = Boolean.parseBoolean(f[1]) ? 1 : 0;
        for (int i = 2; i < f.length; i++) r[i - 1] = Long.parseLong(f[i]);
        return r;
    }

    private static final class ProcessHandleJava {
        static final String JAVA = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
