package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * HeapPrefault, in a JVM with the launcher's collector options (the test JVM's own collector may return freed memory):
 * the memory it touches stays resident after its full collection, and the heap it used is free again.
 */
class HeapPrefaultTest {
    static final long BYTES = 96L << 20;

    /** Run in the child JVM: prints "rss-before rss-after used-before used-after" in bytes. */
    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("source")) {
            source();
            return;
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long rss0 = rss(), used0 = rt.totalMemory() - rt.freeMemory();
        long touched = HeapPrefault.touch(BYTES);
        long rss1 = rss(), used1 = rt.totalMemory() - rt.freeMemory();
        System.out.println(touched + " " + rss0 + " " + rss1 + " " + used0 + " " + used1);
    }

    /**
     * Run in the child JVM: a source's prefault ({@link HeapPrefault#forSource}) with a nearly empty heap, then with
     * more than {@link HeapPrefault#SOURCE_NEARLY_EMPTY} live (a restored VM's pages): prints
     * "touched-full rss-before touched-empty rss-after".
     */
    static void source() throws IOException {
        System.gc();
        long rss0 = rss();
        long touchedEmpty = HeapPrefault.forSource(BYTES);
        long rss1 = rss();
        List<byte[]> live = new ArrayList<>();
        for (long b = 0; b <= HeapPrefault.SOURCE_NEARLY_EMPTY; b += 4096) live.add(new byte[4096]);
        long touchedFull = HeapPrefault.forSource(BYTES);
        System.out.println(touchedFull + " " + rss0 + " " + touchedEmpty + " " + rss1 + " " + live.size());
    }

    @Test
    void aSourceIsPrefaultedOnlyWhileItsHeapIsNearlyEmpty() throws Exception {
        String[] f = child("source").split("\\s+");
        long touchedFull = Long.parseLong(f[f.length - 5]), rss0 = Long.parseLong(f[f.length - 4]);
        long touchedEmpty = Long.parseLong(f[f.length - 3]), rss1 = Long.parseLong(f[f.length - 2]);
        assertEquals(0, touchedFull, "a heap with a restored VM's pages in it is left alone (its full collection would stop the guest)");
        assertEquals(BYTES, touchedEmpty);
        assertTrue(rss1 - rss0 >= BYTES * 3 / 4, "the touched memory stays resident: " + rss0 + " -> " + rss1);
    }

    /** Runs {@link #main} in a JVM with the launcher's collector options; returns what it printed. */
    static String child(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("run"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HeapPrefaultTest.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
        }
        throw new IOException("no VmRSS");
    }

    @Test
    void theTouchedHeapStaysResidentAndIsFreeAgain() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("run"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HeapPrefaultTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        String[] f = out.split("\\s+");
        long touched = Long.parseLong(f[f.length - 5]), rss0 = Long.parseLong(f[f.length - 4]), rss1 = Long.parseLong(f[f.length - 3]);
        long used0 = Long.parseLong(f[f.length - 2]), used1 = Long.parseLong(f[f.length - 1]);
        assertEquals(BYTES, touched, out);
        assertTrue(rss1 - rss0 >= BYTES * 3 / 4, "the touched memory stays resident: " + out);
        assertTrue(used1 < used0 + (16L << 20), "the blocks were collected: " + out);
    }
}
