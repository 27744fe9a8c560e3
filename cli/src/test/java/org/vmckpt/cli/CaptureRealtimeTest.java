package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CaptureRealtime (round 68), in a child JVM with the native helper: raised, a thread is under SCHED_FIFO (policy 1 in
 * /proc/thread-self/sched); lowered, under the normal policy again with the nice value it had. A refusal is reported
 * once, on one line, and nothing is tried again (the VM runs on without it). On by default with the helper; off when
 * asked, or without the helper, there is no policy to install. Real-time needs root (or CAP_SYS_NICE): the first test runs as root only.
 */
class CaptureRealtimeTest {
    /**
     * Run in the child JVM: prints "ENABLED RAISED POLICY-BEFORE POLICY-RAISED POLICY-LOWERED PRIO-BEFORE PRIO-AFTER
     * REFUSED-RAISE REFUSED THEN-RAISE REPORT-LINES".
     */
    public static void main(String[] args) throws Exception {
        long tid = Long.parseLong(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
        Thread.currentThread().setPriority(Thread.MAX_PRIORITY); // as the guest's thread (nice -5 as root under the launcher)
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true));
        CaptureRealtime r = CaptureRealtime.ifEnabled();
        StringBuilder out = new StringBuilder().append(r != null);
        if (r != null) {
            String policy = sched("policy"), prio = sched("prio");
            boolean raised = r.raise(tid);
            String during = sched("policy");
            if (raised) r.lower(tid);
            out.append(' ').append(raised).append(' ').append(policy).append(' ').append(during).append(' ')
                    .append(sched("policy")).append(' ').append(prio).append(' ')
                    .append(sched("prio"));
            // A thread the host will not raise (none has this id: ESRCH, as EPERM would be without root): refused, once.
            boolean refusedRaise = r.raise(Integer.MAX_VALUE - 1);
            boolean thenRaise = r.raise(tid); // no further try after a refusal
            if (thenRaise) r.lower(tid);
            r.raise(Integer.MAX_VALUE - 1);
            out.append(' ').append(refusedRaise).append(' ').append(r.refused()).append(' ').append(thenRaise)
                    .append(' ').append(err.toString().lines().filter(l -> l.contains(CaptureRealtime.PROPERTY)).count());
        }
        System.setErr(stderr);
        System.out.println(out);
    }

    @Test
    void raisedTheThreadIsRealTimeLoweredItIsNormalWithItsNiceAndARefusalIsReportedOnce() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "real-time needs root");
        String[] r = ChildJvm.withNativeHelper(CaptureRealtimeTest.class, "-D" + CaptureRealtime.PROPERTY + "=true",
                "-XX:ThreadPriorityPolicy=1").split(" ");
        String all = String.join(" ", r);
        assertEquals("true", r[0], "enabled: " + all);
        assertEquals("true", r[1], "raised: " + all);
        assertEquals("0", r[2], "normal before");
        assertEquals("1", r[3], "SCHED_FIFO while raised");
        assertEquals("0", r[4], "normal after");
        assertEquals(r[5], r[6], "with the nice value it had (prio 120 + nice)");
        assertEquals("false", r[7], "a refused raise says so");
        assertEquals("true", r[8], "and stops it");
        assertEquals("false", r[9], "no further raise after a refusal");
        assertEquals("1", r[10], "reported on one line, once");
    }

    @Test
    void onByDefaultWithTheHelper() throws Exception {
        assertTrue(ChildJvm.withNativeHelper(CaptureRealtimeTest.class, "-Dunset=1").startsWith("true"));
    }

    @Test
    void offWhenAskedOrWithoutTheHelperThereIsNone() throws Exception {
        String[][] cases = {{"-D" + CaptureRealtime.PROPERTY + "=false"},
                {"-D" + CaptureRealtime.PROPERTY + "=true", "-D" + NativeMemory.LIBRARY_PROPERTY + "="},
                {"-D" + NativeMemory.LIBRARY_PROPERTY + "="}};
        for (String[] opts : cases) {
            assertEquals("false", ChildJvm.withNativeHelper(CaptureRealtimeTest.class, opts), String.join(" ", opts));
        }
    }

    /** A field of this thread's /proc/thread-self/sched. */
    static String sched(String field) throws Exception {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/sched"))) {
            String[] kv = line.split(":", 2);
            if (kv.length == 2 && kv[0].trim().equals(field)) return kv[1].trim();
        }
        return "none";
    }
}
