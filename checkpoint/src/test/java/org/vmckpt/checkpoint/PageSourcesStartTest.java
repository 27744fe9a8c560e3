package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint engine reads and hashes the boot files (its page sources) only once the boot is over: when the guest
 * first idles, when a checkpoint asks for them, or after a long delay (here set longer than the test), never while
 * the guest boots, when their CPU would compete with the guest's compilers on a two-core host.
 */
class PageSourcesStartTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearDelay() {
        System.clearProperty("vmckpt.pageSources.delayMillis");
    }

    @Test
    void notReadBeforeACheckpointAsksThenTheCheckpointWaitsForThem() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Path initrd = dir.resolve("initrd");
        byte[] initrdBytes = new byte[3 * 4096];
        new java.util.Random(7).nextBytes(initrdBytes);
        Files.write(initrd, initrdBytes);
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, initrd, "", null, null, List.of(), false, false, true), b -> { });
        m.boot();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        System.setProperty("vmckpt.pageSources.delayMillis", "600000");
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        Thread.sleep(500); // reading a 1 MiB Image takes milliseconds: before the change they were read by now
        assertFalse(m.hasIdled());
        assertFalse(engine.pageSourcesDone(), "the page sources were read before anyone asked for them");
        CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        assertTrue(engine.pageSourcesDone());
        // The checkpoint waited for them: every page of the Image refers to the file.
        assertEquals(BootFileEvictionTest.KERNEL_BYTES / 4096 + 3, out.info().stat(Stats.EVICT_BOOT, -1));
    }

    @Test
    void readNowWhenAVmThatWaitsAsksForThem() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, null, "", null, null, List.of(), false, false, true), b -> { });
        m.boot();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        System.setProperty("vmckpt.pageSources.delayMillis", "600000");
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        assertFalse(m.hasIdled());
        engine.readPageSourcesNow(); // as a migration's destination does before it accepts a source
        assertTrue(engine.pageSourcesDone(), "the page sources were not read although the VM asked for them");
    }

    @Test
    void readOnceTheGuestIdles() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder()); // waits for interrupts (wfi) every 256 iterations
        Repository repo = Repository.open(dir.resolve("repo"), true);
        System.setProperty("vmckpt.pageSources.delayMillis", "600000");
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        Thread.sleep(300);
        assertFalse(engine.pageSourcesDone(), "read before the guest ran");
        Thread t = new Thread(() -> m.run(-1), "page-sources-test-guest");
        t.start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!(m.hasIdled() && engine.pageSourcesDone()) && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(m.hasIdled(), "the guest never idled");
            assertTrue(engine.pageSourcesDone(), "the guest idled but the page sources were not read");
        } finally {
            m.requestExit(0);
            t.join(30_000);
        }
    }

    /**
     * The reading thread runs at normal priority, and a checkpoint that waits for it (its thread at the lowest) does
     * not lower it. At nice 19 (Java priority 2 under the launcher) the scheduler kept it off a core for hundreds of
     * milliseconds on a busy host while it ran Java code without a safepoint poll, and every safepoint of the JVM,
     * the guest's thread stopped at it, waited that long (docs/BENCHMARKS.md, restore13).
     */
    @Test
    void readAtNormalPriorityEvenForALowPriorityWaiter() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, null, "", null, null, List.of(), false, false, true), b -> { });
        m.boot();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        System.setProperty("vmckpt.pageSources.delayMillis", "600000");
        java.util.Set<Thread> before = sourceThreads();
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        java.util.Set<Thread> mine = sourceThreads();
        mine.removeAll(before);
        assertEquals(1, mine.size(), "one page-sources thread per engine");
        Thread reader = mine.iterator().next();
        assertTrue(reader.getPriority() >= Thread.NORM_PRIORITY, "page sources at priority " + reader.getPriority());
        Thread waiter = new Thread(engine::readPageSourcesNow, "low-priority-waiter");
        waiter.setPriority(Thread.MIN_PRIORITY); // as the checkpoint thread while it saves
        waiter.start();
        waiter.join(60_000);
        assertTrue(engine.pageSourcesDone());
        reader.join(10_000);
        assertTrue(reader.getPriority() >= Thread.NORM_PRIORITY, "lowered to " + reader.getPriority() + " by its waiter");
    }

    private static java.util.Set<Thread> sourceThreads() {
        java.util.Set<Thread> out = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals("vmckpt-page-sources")) out.add(t);
        return out;
    }
}
