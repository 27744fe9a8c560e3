package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** HostThreadId names the calling thread as the kernel does: a task of this process, another one for another thread. */
class HostThreadIdTest {
    @Test
    void eachThreadGetsItsOwnTaskOfThisProcess() throws Exception {
        long here = HostThreadId.current();
        long[] other = new long[1];
        CountDownLatch known = new CountDownLatch(1), checked = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            other[0] = HostThreadId.current();
            known.countDown();
            try {
                checked.await(); // alive while the test reads its task
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hostid-probe");
        t.start();
        try {
            assertTrue(known.await(30, TimeUnit.SECONDS));
            assertTrue(here > 0 && other[0] > 0, here + " " + other[0]);
            assertNotEquals(here, other[0]);
            assertTrue(Files.isDirectory(Path.of("/proc/self/task/" + here)), "a task of this process: " + here);
            // The JVM names a thread it starts after the Java thread: the kernel's name for that task is the probe's.
            assertEquals("hostid-probe", Files.readString(Path.of("/proc/self/task/" + other[0] + "/comm")).trim());
        } finally {
            checked.countDown();
            t.join();
        }
    }
}
