package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MigrationGuestRealtime, in a child JVM with the native helper: with the property on, a thread goes to SCHED_FIFO
 * (policy 1 in /proc/thread-self/sched) and back to the normal policy with the nice value it had; off by default, or
 * without the helper, nothing changes. Real-time needs root (or CAP_SYS_NICE): the test runs as root only.
 */
class MigrationGuestRealtimeTest {
    /** Run in the child JVM: prints "APPLIED POLICY-BEFORE POLICY-DURING POLICY-AFTER PRIO-BEFORE PRIO-AFTER". */
    public static void main(String[] args) throws Exception {
        long tid = Long.parseLong(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
        Thread.currentThread().setPriority(Thread.MAX_PRIORITY);
        String policy = MigrationGuestSliceTest.sched("policy"), prio = MigrationGuestSliceTest.sched("prio");
        boolean applied = MigrationGuestRealtime.applyIfEnabled(tid);
        String during = MigrationGuestSliceTest.sched("policy");
        if (applied) MigrationGuestRealtime.reset(tid);
        System.out.println(applied + " " + policy + " " + during + " " + MigrationGuestSliceTest.sched("policy") + " " + prio + " "
                + MigrationGuestSliceTest.sched("prio"));
    }

    @Test
    void theThreadIsRealTimeWhileOnAndNormalWithItsNiceAfter() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "real-time needs root");
        String[] r = MigrationGuestSliceTest.child(MigrationGuestRealtimeTest.class, "-D" + MigrationGuestRealtime.PROPERTY + "=true",
                "-XX:ThreadPriorityPolicy=1").split(" ");
        assertEquals("true", r[0], String.join(" ", r));
        assertEquals("0", r[1], "normal before");
        assertEquals("1", r[2], "SCHED_FIFO while the migration runs");
        assertEquals("0", r[3], "normal after");
        assertEquals(r[4], r[5], "with the nice value it had (prio 120 + nice)");
    }

    @Test
    void offByDefaultOrWithoutTheHelperNothingChanges() throws Exception {
        String[][] cases = {{"-Dunset=1"}, {"-D" + MigrationGuestRealtime.PROPERTY + "=false"},
                {"-D" + MigrationGuestRealtime.PROPERTY + "=true", "-D" + NativeMemory.LIBRARY_PROPERTY + "="}};
        for (String[] opts : cases) {
            String[] r = MigrationGuestSliceTest.child(MigrationGuestRealtimeTest.class, opts).split(" ");
            assertEquals("false", r[0], String.join(" ", opts));
            assertEquals("0", r[2], String.join(" ", opts) + ": the normal policy throughout");
        }
    }
}
