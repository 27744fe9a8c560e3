package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OldGenWindow, in a JVM with the launcher's collector options and the native helper: while a window is open, 120 MiB
 * of 4 KiB arrays (ten times eden) are allocated with no young collection (they went straight into the old
 * generation), where without a window the same allocation takes several; the arrays keep their bytes; a window nobody
 * closes ends at its timeout; the opener is installed by default unless turned off, and only with the parallel collector.
 */
class OldGenWindowTest {
    static final int ARRAYS = 120 * 256;

    /** Run in the child JVM: prints "young-collections-in-window young-collections-without intact timed-out installed parallel". */
    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("switches")) {
            holderSwitches();
            return;
        }
        GarbageCollectorMXBean young = null;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) if (b.getName().contains("Scavenge")) young = b;
        boolean parallel = OldGenWindow.parallelCollector(ProcessHandle.current().pid());
        boolean installed = OldGenWindow.installIfEnabled();
        if (young == null) {
            System.out.println("none " + installed + " " + parallel);
            return;
        }
        OldGenWindow w = OldGenWindow.open(60_000_000_000L);
        assertTrue(w.entered(), "the holder is in its critical region");
        long c0 = young.getCollectionCount();
        List<byte[]> kept = fill();
        long inWindow = young.getCollectionCount() - c0;
        w.close();
        boolean closedByTimeout = w.timedOut();
        long c1 = young.getCollectionCount();
        List<byte[]> more = fill();
        long without = young.getCollectionCount() - c1;
        boolean intact = check(kept) && check(more);
        // A window nobody closes: its own timeout ends it.
        OldGenWindow late = OldGenWindow.open(200_000_000L);
        Thread.sleep(600);
        late.close();
        System.out.println(inWindow + " " + without + " " + intact + " " + (!closedByTimeout && late.timedOut()) + " " + installed + " " + parallel);
    }

    private static List<byte[]> fill() {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < ARRAYS; i++) {
            byte[] b = new byte[4096];
            java.util.Arrays.fill(b, (byte) (i * 7));
            out.add(b);
        }
        return out;
    }

    private static boolean check(List<byte[]> arrays) {
        for (int i = 0; i < arrays.size(); i++) for (byte x : arrays.get(i)) if (x != (byte) (i * 7)) return false;
        return true;
    }

    @Test
    void pagesAllocatedInAWindowNeedNoYoungCollectionAndKeepTheirBytes() throws Exception {
        String[] f = child("-XX:+UseParallelGC", "-D" + OldGenWindow.PROPERTY + "=true").split("\\s+");
        int n = f.length;
        String all = String.join(" ", f);
        assertEquals(0, Long.parseLong(f[n - 6]), "no young collection while the window is open: " + all);
        assertTrue(Long.parseLong(f[n - 5]) >= 5, "without it, 120 MiB in a 12 MiB eden take several: " + all);
        assertEquals("true", f[n - 4], "the arrays kept their bytes: " + all);
        assertEquals("true", f[n - 3], "closed by close(), and a window left open ended by its timeout: " + all);
        assertEquals("true", f[n - 2], "installed when asked for, with the parallel collector: " + all);
        assertEquals("true", f[n - 1], all);
    }

    @Test
    void thePollingHolderWorksAsTheBlockingOne() throws Exception {
        String[] f = child("-XX:+UseParallelGC", "-D" + OldGenWindow.PROPERTY + "=true", "-D" + OldGenWindow.BLOCKING_PROPERTY + "=false").split("\\s+");
        int n = f.length;
        String all = String.join(" ", f);
        assertEquals(0, Long.parseLong(f[n - 6]), "no young collection while the window is open: " + all);
        assertTrue(Long.parseLong(f[n - 5]) >= 5, "without it, 120 MiB in a 12 MiB eden take several: " + all);
        assertEquals("true", f[n - 4], "the arrays kept their bytes: " + all);
        assertEquals("true", f[n - 3], "closed by close(), and a window left open ended by its timeout: " + all);
    }

    /**
     * The holder blocks by default (round 63): it sleeps while its window is open, over 300 ms it leaves its core a few
     * times at most (a polling holder, every 100 us, some thousand times: this fails with
     * -Dvmckpt.restore.oldGenDirect.blockingHold=false), and close() wakes it (it ends, not by its timeout).
     */
    @Test
    void theHolderSleepsUntilClosed() throws Exception {
        String[] f = child("-XX:+UseParallelGC", "-Dswitches=true").split("\\s+");
        int n = f.length;
        String all = String.join(" ", f);
        assertTrue(Long.parseLong(f[n - 3]) >= 0, "the holder thread was found: " + all);
        assertTrue(Long.parseLong(f[n - 3]) <= 20, "the holder left its core at most a few times in 300 ms: " + all);
        assertEquals("false", f[n - 2], "close() ended it, not the timeout: " + all);
        assertEquals("false", f[n - 1], "the holder thread ended: " + all);
    }

    /** Run in the child JVM with -Dswitches=true: "holder-context-switches-in-300-ms timed-out holder-alive". */
    static void holderSwitches() throws Exception {
        OldGenWindow w = OldGenWindow.open(60_000_000_000L);
        assertTrue(w.entered(), "the holder is in its critical region");
        Thread.sleep(20); // past its start
        Path status = holderStatus();
        long s0 = status == null ? -1 : switches(status);
        Thread.sleep(300);
        long s1 = status == null ? -1 : switches(status);
        w.close();
        boolean alive = false;
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals("vmckpt-oldgen-window")) alive |= t.isAlive();
        System.out.println((status == null ? -1 : s1 - s0) + " " + w.timedOut() + " " + alive);
    }

    /** /proc's status file of the holder thread (by its name, "vmckpt-oldgen-w" in the kernel's 15 characters), or null. */
    private static Path holderStatus() throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                if (java.nio.file.Files.readString(t.resolve("comm")).trim().startsWith("vmckpt-oldgen")) return t.resolve("status");
            }
        }
        return null;
    }

    /** Voluntary plus involuntary context switches from a /proc status file. */
    private static long switches(Path status) throws java.io.IOException {
        long sum = 0;
        for (String l : java.nio.file.Files.readAllLines(status)) {
            if (l.startsWith("voluntary_ctxt_switches:") || l.startsWith("nonvoluntary_ctxt_switches:")) sum += Long.parseLong(l.split("\\s+")[1]);
        }
        return sum;
    }

    @Test
    void installedByDefaultUnlessTurnedOffAndOnlyWithTheParallelCollector() throws Exception {
        String[] f = child("-XX:+UseParallelGC", "-D" + OldGenWindow.PROPERTY + "=false").split("\\s+");
        assertEquals("false", f[f.length - 2], "off when turned off");
        f = child("-XX:+UseParallelGC").split("\\s+");
        assertEquals("true", f[f.length - 2], "on by default");
        f = child("-XX:+UseG1GC", "-D" + OldGenWindow.PROPERTY + "=true").split("\\s+");
        assertEquals("false", f[f.length - 2], "not with another collector");
        assertEquals("false", f[f.length - 1]);
    }

    /** Runs {@link #main} in a child JVM with collector {@code gc}, the launcher's other collector options and {@code more}. */
    static String child(String gc, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("run", gc));
        cmd.add("-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library());
        cmd.addAll(List.of(more));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OldGenWindowTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
