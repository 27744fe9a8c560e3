package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OldGenPrefault, in a JVM with the launcher's collector options and the native helper (built here with the host's C
 * compiler if ./build has not: as ./build does): after a touch, every 4 KiB page of the old generation's memory above
 * its top is mapped for writing (the kernel's page map: present and the process's own, not the shared zero page),
 * which it was not before; the top did not move (no object was allocated there); and under another collector, or
 * without the helper, it stays off.
 */
class OldGenPrefaultTest {
    static final long AHEAD = 32L << 20;

    /** Run in the child JVM: prints "touched top-before top-after present-before present-after pages". */
    public static void main(String[] args) throws IOException {
        OldGenPrefault p = OldGenPrefault.create(AHEAD);
        if (p == null) {
            System.out.println("off");
            return;
        }
        long top0 = p.top();
        long from = (top0 + 4095) & ~4095L;
        int pages = (int) (AHEAD / 4096) - 1;
        int before = mappedForWrite(from, pages);
        long touched = p.touchAhead();
        int after = mappedForWrite(from, pages);
        System.out.println(touched + " " + top0 + " " + p.top() + " " + before + " " + after + " " + pages);
    }

    /** How many of the {@code pages} 4 KiB pages from {@code addr} are present and mapped by this process alone. */
    static int mappedForWrite(long addr, int pages) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile("/proc/self/pagemap", "r")) {
            byte[] b = new byte[pages * 8];
            f.seek(addr / 4096 * 8);
            f.readFully(b);
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            int n = 0;
            for (int i = 0; i < pages; i++) {
                long e = bb.getLong();
                if (e < 0 && (e & (1L << 56)) != 0) n++; // bit 63: present; bit 56: exclusively mapped (not the zero page)
            }
            return n;
        }
    }

    @Test
    void theMemoryAboveTheOldGenerationsTopIsMappedForWritingAndTheTopStays() throws Exception {
        String[] f = child("-XX:+UseParallelGC").split("\\s+");
        int n = f.length;
        long touched = Long.parseLong(f[n - 6]), top0 = Long.parseLong(f[n - 5]), top1 = Long.parseLong(f[n - 4]);
        int before = Integer.parseInt(f[n - 3]), after = Integer.parseInt(f[n - 2]), pages = Integer.parseInt(f[n - 1]);
        assertTrue(touched >= (long) pages * 4096, "touched " + touched);
        assertTrue(before < pages / 2, "a fresh JVM's old generation above its top is not mapped yet: " + before + " of " + pages);
        assertEquals(pages, after, "every page above the top is mapped for writing after the touch");
        assertTrue(Math.abs(top1 - top0) < (1 << 20), "the touch allocated nothing in the old generation: " + top0 + " -> " + top1);
    }

    @Test
    void otherCollectorsOrNoHelperLeaveItOff() throws Exception {
        assertTrue(child("-XX:+UseG1GC").endsWith("off"));
        assertTrue(child("-XX:+UseParallelGC", "-D" + NativeMemory.LIBRARY_PROPERTY + "=").endsWith("off"));
    }

    /** The native helper ./build makes (cli/target/libvmckpt-native.so), built here the same way if it is not there or older than its source. */
    static Path library() throws Exception {
        Path lib = Path.of("target", "libvmckpt-native.so").toAbsolutePath();
        Path src = Path.of("src", "main", "c", "vmckpt_native.c");
        if (Files.exists(lib) && Files.getLastModifiedTime(lib).compareTo(Files.getLastModifiedTime(src)) >= 0) return lib;
        Path jh = Path.of(System.getProperty("java.home"));
        Process cc = new ProcessBuilder("cc", "-O2", "-shared", "-fPIC", "-I" + jh.resolve("include"), "-I" + jh.resolve("include/linux"),
                "-o", lib.toString(), src.toString()).inheritIO().start();
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "cc built the native helper");
        return lib;
    }

    static String child(String gc, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("run", gc));
        cmd.add("-D" + NativeMemory.LIBRARY_PROPERTY + "=" + library());
        cmd.addAll(List.of(more));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OldGenPrefaultTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
