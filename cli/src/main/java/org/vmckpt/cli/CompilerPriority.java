package org.vmckpt.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * HotSpot's compiler threads ahead of the guest's thread while a freshly booted guest is cold: from its first
 * instruction until it first idles, the C1 and C2 compiler threads run at nice {@code N} (as root; the guest's thread is
 * at nice -5, Java's highest priority), then at the nice they had before. <b>Off by default</b>
 * ({@code -Dvmckpt.jit.compilerNice=-10} turns it on, {@value #MEASURED_NICE} being the value measured): in round 35 the
 * run thread's CPU to /init was lower with it in 25 of 33 interleaved pairs and the translated share higher in 32 of 33,
 * but the wall to /init, the milestone's figure, was shorter in 20 of 33 only, and in 3 of 9 at load 1-4, where the
 * guest's thread waited longer for a core behind the compiles (docs/BENCHMARKS.md, round 35).
 *
 * <p>Why: in a boot the guest's thread runs cold code at the interpreter's ~8-10 ns per instruction until C1 has
 * compiled its unit (~1 ns), and our own emulator (the interpreter's loop, the dispatcher, the MMU's paths) runs as
 * C1's profiled code until C2 has compiled it. Both compilers' work is bounded and pays back within the boot, so a
 * compile that waits for a core behind the guest's thread costs the guest more than the compile takes. HotSpot starts
 * its compiler threads at nice -4 as root, a hair below the guest's -5: on two cores busy with the guest, C1, C2 and
 * the translator thread, a compile and the guest shared a core about evenly (scheduler weights 2,501 and 3,121).
 * Measured (docs/BENCHMARKS.md, round 35): compilers at nice 0 or 10 made the boot's run thread spend 1.3-5.4 s more
 * CPU (it interpreted more); at -10 the translated share to the end of module loading rose by 1-4 points and the run
 * thread's CPU to /init fell, clearly at load 11-19, less so at load 1-4.
 *
 * <p>Only until the guest first idles (what the page sources and the old generation's prefault wait for too): after
 * that, live checkpoints and migrations want the guest's thread first, and compiles are rare. Only for a boot: a
 * restore or a migration's destination was not measured. HotSpot's compiler threads have no Java {@code Thread}
 * object, so they are found by name ("C1 CompilerThre", "C2 CompilerThre": /proc/self/task/TID/comm) and set through
 * the native helper ({@link NativeThreads}); without the helper, or where the nice cannot be set (no CAP_SYS_NICE),
 * nothing changes. HotSpot may add compiler threads later (-XX:+UseDynamicNumberOfCompilerThreads, on hosts with
 * more cores than this project's two, where it keeps one of each): those keep the JVM's nice.
 *
 * <p>{@code -Dvmckpt.jit.compilerNice=N} turns it on at nice N; unset or {@code off}: the JVM's own.
 */
final class CompilerPriority {
    static final String PROPERTY = "vmckpt.jit.compilerNice";
    /** The nice round 35 measured (off by default: see the class comment). */
    static final int MEASURED_NICE = -10;
    /** How often the waiting thread looks whether the guest has idled. */
    static final long POLL_MILLIS = 100;

    private CompilerPriority() { }

    /**
     * Puts the compiler threads at the property's nice (unset: off) and starts a daemon thread that
     * puts them back once {@code idled} answers true. Returns the threads changed and their old nice (empty: none).
     */
    static Map<Integer, Integer> startIfEnabled(BooleanSupplier idled) {
        String v = System.getProperty(PROPERTY, "off");
        if (v.equals("off") || !NativeThreads.available()) return Map.of();
        Map<Integer, Integer> changed = apply(Integer.parseInt(v.trim()));
        if (changed.isEmpty()) return changed;
        Thread t = new Thread(() -> {
            try {
                while (!idled.getAsBoolean()) Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                // (the JVM is ending)
            }
            restore(changed);
        }, "vmckpt-compiler-priority");
        t.setDaemon(true);
        t.start();
        return changed;
    }

    /** Sets every compiler thread's nice to {@code nice}; returns those it changed, with their nice before. */
    static Map<Integer, Integer> apply(int nice) {
        Map<Integer, Integer> changed = new LinkedHashMap<>();
        for (int tid : compilerThreads()) {
            int before = niceOf(tid);
            if (before == Integer.MIN_VALUE || before == nice) continue;
            if (NativeThreads.setNice(tid, nice) == 0) changed.put(tid, before);
        }
        return changed;
    }

    /** Puts each thread of {@code changed} back at its nice before (a thread that ended meanwhile is skipped). */
    static void restore(Map<Integer, Integer> changed) {
        changed.forEach((tid, nice) -> NativeThreads.setNice(tid, nice));
    }

    /** The thread ids of HotSpot's C1 and C2 compiler threads in this process now. */
    static int[] compilerThreads() {
        int[] out = new int[0];
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).trim();
                } catch (IOException e) {
                    continue; // (the thread ended)
                }
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    out = java.util.Arrays.copyOf(out, out.length + 1);
                    out[out.length - 1] = Integer.parseInt(task.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return new int[0]; // (no /proc: not Linux)
        }
        return out;
    }

    /** Thread {@code tid}'s nice value now (/proc/self/task/TID/stat's 19th field), or MIN_VALUE if unreadable. */
    static int niceOf(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task", Integer.toString(tid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Integer.parseInt(f[16]); // (fields from the state, the 3rd: the 19th is index 16)
        } catch (IOException | RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }
}
