package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MigrationGuestSlice, in a child JVM with the native helper (OldGenPrefaultTest builds it if ./build has not): with the
 * property set, a thread gets that scheduler slice (the kernel's /proc/thread-self/sched, se.slice) and keeps its nice
 * value and policy, and gets the kernel's default back on reset; off by default, or without the helper, nothing changes.
 */
class MigrationGuestSliceTest {
    static final long MICROS = 200;

    /** Run in the child JVM: prints "APPLIED SLICE-BEFORE SLICE-DURING SLICE-AFTER NICE-BEFORE NICE-DURING POLICY-DURING". */
    public static void main(String[] args) throws Exception {
        long tid = Long.parseLong(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
        Thread.currentThread().setPriority(Thread.MAX_PRIORITY); // as the guest's thread (a nice of -5 as root under the launcher)
        String before = sched("se.slice"), niceBefore = sched("prio");
        boolean applied = MigrationGuestSlice.applyIfEnabled(tid);
        String during = sched("se.slice"), niceDuring = sched("prio"), policy = sched("policy");
        if (applied) MigrationGuestSlice.reset(tid);
        System.out.println(applied + " " + before + " " + during + " " + sched("se.slice") + " " + niceBefore + " " + niceDuring + " " + policy);
    }

    /** A field of this thread's /proc/thread-self/sched. */
    static String sched(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/sched"))) {
            String[] kv = line.split(":", 2);
            if (kv.length == 2 && kv[0].trim().equals(field)) return kv[1].trim();
        }
        return "none";
    }

    @Test
    void theThreadGetsTheSliceKeepsItsNiceAndGetsTheDefaultBack() throws Exception {
        assumeTrue(!sched("se.slice").equals("none"), "a kernel with per-task slices (EEVDF, 6.12+)");
        String[] r = child("-D" + MigrationGuestSlice.PROPERTY + "=" + MICROS, "-XX:ThreadPriorityPolicy=1").split(" ");
        assertEquals("true", r[0], String.join(" ", r));
        assertEquals(String.valueOf(MICROS * 1000), r[2], "the slice while the migration runs");
        assertEquals(r[1], r[3], "the kernel's default slice again afterwards");
        assertNotEquals(r[1], r[2]);
        assertEquals(r[4], r[5], "the thread keeps its nice value");
        assertEquals("0", r[6], "and the normal policy");
    }

    static String child(String... opts) throws Exception {
        return child(MigrationGuestSliceTest.class, opts);
    }

    /** Runs {@code main}'s main in a child JVM with the native helper and {@code opts}; returns its last line. */
    static String child(Class<?> main, String... opts) throws Exception {
        return ChildJvm.withNativeHelper(main, opts);
    }

    @Test
    void offByDefaultOrWithoutTheHelperNothingChanges() throws Exception {
        String[][] cases = {{"-Dunset=1"}, {"-D" + MigrationGuestSlice.PROPERTY + "=off"},
                {"-D" + MigrationGuestSlice.PROPERTY + "=" + MICROS, "-D" + NativeMemory.LIBRARY_PROPERTY + "="}};
        for (String[] opts : cases) {
            String[] r = child(opts).split(" ");
            assertEquals("false", r[0], String.join(" ", opts));
            assertEquals(r[1], r[2], String.join(" ", opts) + ": the slice stays the kernel's");
        }
    }
}
