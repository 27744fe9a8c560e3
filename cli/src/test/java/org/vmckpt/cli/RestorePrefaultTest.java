package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RestorePrefault, in a JVM with the launcher's collector options and the native helper: the heap mapping it finds in
 * /proc/self/maps starts at the old generation's bottom as the JVM's own heap description gives it; once started and
 * told how many pages the restore will load, every 4 KiB page of that much heap from the bottom is mapped for writing
 * (present and the process's own), which it was not before; objects allocated meanwhile keep their contents (the
 * prefault changes nothing in the pages it maps); it stays off unless asked for; and its first goal, before the restore
 * knows its size, is settable.
 */
class RestorePrefaultTest {
    static final long PAGES = 20_000; // ~78 MiB: more than FIRST_GOAL, so the goal set by expect() is what is checked

    /** Run in the child JVM: prints "bottom-by-maps bottom-by-description present-before present-after pages arrays-intact line". */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("first")) {
            firstGoalOnly();
            return;
        }
        long[] heap = RestorePrefault.heapMapping(Runtime.getRuntime().maxMemory());
        long[] described = OldGenPrefault.oldSpace();
        if (heap == null || described == null) {
            System.out.println("none");
            return;
        }
        long goal = PAGES * RestorePrefault.BYTES_PER_PAGE;
        int pages = (int) (goal / 4096);
        // Above what the JVM has used so far (the old generation is nearly empty in a fresh JVM): not mapped yet.
        long from = heap[0] + (8L << 20);
        int checked = pages - 2048;
        int before = OldGenPrefaultTest.mappedForWrite(from, checked);
        // Objects promoted while the thread faults: their bytes must stay as written.
        List<byte[]> kept = new ArrayList<>();
        RestorePrefault.startIfEnabled();
        RestorePrefault.expect(PAGES);
        for (int i = 0; i < 8000; i++) {
            byte[] b = new byte[4096];
            java.util.Arrays.fill(b, (byte) i);
            kept.add(b);
        }
        String line;
        boolean on = RestorePrefault.ENABLED;
        for (int i = 0; on && i < 600 && OldGenPrefaultTest.mappedForWrite(from, checked) < checked; i++) Thread.sleep(50);
        int after = OldGenPrefaultTest.mappedForWrite(from, checked);
        line = RestorePrefault.stop();
        boolean intact = true;
        for (int i = 0; i < kept.size(); i++) {
            for (byte x : kept.get(i)) intact &= x == (byte) i;
        }
        System.out.println(heap[0] + " " + described[0] + " " + before + " " + after + " " + checked + " " + intact + " " + (line == null ? "off" : "on"));
    }

    @Test
    void findsTheOldGenerationsBottomAndMapsTheRestoresShareOfTheHeapWithoutChangingIt() throws Exception {
        String[] f = child("-D" + RestorePrefault.PROPERTY + "=true").split("\\s+");
        int n = f.length;
        assertEquals("on", f[n - 1], String.join(" ", f));
        assertEquals(Long.parseLong(f[n - 6]), Long.parseLong(f[n - 7]), "the mapping starts at the old generation's bottom");
        int before = Integer.parseInt(f[n - 5]), after = Integer.parseInt(f[n - 4]), pages = Integer.parseInt(f[n - 3]);
        assertTrue(before < pages / 2, "a fresh JVM's old generation is not mapped yet: " + before + " of " + pages);
        assertEquals(pages, after, "every page of the restore's share of the heap is mapped for writing");
        assertEquals("true", f[n - 2], "arrays promoted meanwhile kept their bytes");
    }

    /** Run in the child JVM with "first": started, never told the restore's size; prints its --stats line once done. */
    static void firstGoalOnly() throws Exception {
        RestorePrefault.startIfEnabled();
        for (int i = 0; i < 600; i++) {
            Thread.sleep(50);
            long goal = RestorePrefault.FIRST_GOAL;
            long[] heap = RestorePrefault.heapMapping(Runtime.getRuntime().maxMemory());
            if (heap != null && OldGenPrefaultTest.mappedForWrite(heap[0], (int) (goal / 4096)) == goal / 4096) break;
        }
        String line = RestorePrefault.stop();
        System.out.println(line == null ? "off" : line);
    }

    @Test
    void theFirstGoalBeforeTheRestoreKnowsItsSizeIsSettable() throws Exception {
        String line = child("-D" + RestorePrefault.PROPERTY + "=true", "-D" + RestorePrefault.PROPERTY + ".firstMiB=96", "first");
        assertTrue(line.contains(" 96 of 96 MiB"), line);
        line = child("-D" + RestorePrefault.PROPERTY + "=true", "first");
        assertTrue(line.contains(" 64 of 64 MiB"), line);
    }

    @Test
    void offUnlessAskedFor() throws Exception {
        String[] f = child().split("\\s+");
        assertEquals("off", f[f.length - 1]);
    }

    /** Runs {@link #main} in a child JVM with the launcher's collector options, JVM options {@code more} (and "first" as its argument). */
    static String child(String... more) throws Exception {
        return childOf(RestorePrefaultTest.class, more);
    }

    /** Runs {@code main} of {@code test} in a child JVM as {@link #child} does. */
    static String childOf(Class<?> test, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("restore"));
        cmd.add("-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library());
        List<String> args = new ArrayList<>();
        for (String m : more) (m.startsWith("-") ? cmd : args).add(m);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), test.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
