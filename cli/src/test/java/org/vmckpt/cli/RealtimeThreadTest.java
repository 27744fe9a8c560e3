package org.vmckpt.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.HostThreadId;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --realtime's thread policy, in a child JVM with the native helper: the thread that enters it is under SCHED_FIFO at
 * priority 1 (the kernel's own view: /proc/.../stat's policy and rt_priority), a thread it starts afterwards and the other
 * threads are not; where the host refuses (no root, no CAP_SYS_NICE), the reason names EPERM and what to do.
 */
class RealtimeThreadTest {
    /** Run in the child JVM: prints "entered|refused: WHY", then "policy priority" of this thread, of a thread it starts, and of the JVM's main. */
    public static void main(String[] args) throws Exception {
        String refused = RealtimeThread.enter();
        System.out.println(refused == null ? "entered" : "refused: " + refused);
        long self = HostThreadId.current();
        long[] child = new long[1];
        java.util.concurrent.CountDownLatch known = new java.util.concurrent.CountDownLatch(1), read = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            child[0] = HostThreadId.current();
            known.countDown();
            try {
                read.await(); // alive while its policy is read
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        known.await();
        System.out.println(policy(self));
        System.out.println(policy(child[0]));
        System.out.println(policy(ProcessHandle.current().pid())); // the launcher's primordial thread
        read.countDown();
        t.join();
    }

    /** "POLICY RT_PRIORITY" of a thread of this process, from the kernel's stat line (fields 41 and 40). */
    static String policy(long tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
        return f[41 - 3] + " " + f[40 - 3];
    }

    @Test
    void theCpuThreadAloneRunsUnderSchedFifo() throws Exception {
        List<String> out = child();
        if (out.get(0).startsWith("refused: ")) {
            assertTrue(out.get(0).contains("EPERM") && out.get(0).contains("CAP_SYS_NICE"), out.get(0));
            assertEquals("0 0", out.get(1), "a refused thread keeps the normal policy");
            Assumptions.abort("this host refuses SCHED_FIFO to the test: " + out.get(0));
        }
        assertEquals("entered", out.get(0));
        assertEquals("1 " + RealtimeThread.PRIORITY, out.get(1), "the thread that entered --realtime: SCHED_FIFO (1), priority 1");
        assertEquals("0 0", out.get(2), "a thread it started afterwards: the normal policy (reset on fork)");
        assertEquals("0 0", out.get(3), "another thread of the process: the normal policy");
    }

    @Test
    void withoutTheNativeHelperItSaysWhatToDo() throws Exception {
        List<String> out = child("-D" + NativeMemory.LIBRARY_PROPERTY + "=");
        assertTrue(out.get(0).startsWith("refused: ") && out.get(0).contains("./build"), out.get(0));
        assertEquals("0 0", out.get(1));
    }

    static List<String> child(String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library()));
        cmd.addAll(List.of(more));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RealtimeThreadTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
        String text = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), text);
        List<String> lines = List.of(text.split("\n"));
        assertEquals(4, lines.size(), text);
        return lines;
    }
}
