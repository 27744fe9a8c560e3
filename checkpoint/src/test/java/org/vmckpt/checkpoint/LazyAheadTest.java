package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.restore.lazyAhead} (round 80, {@link LazyPages#AHEAD}): a lazy restore loads the reference pages
 * (the kernel Image's pages, its patched pages as deltas, the initramfs' files) on a thread of their own from the
 * moment its machine exists, and the guest's first instruction waits for them (bounded): they are all in before it
 * runs, so the guest faults on none. The machine is the checkpoint's whatever order the loaders take.
 */
class LazyAheadTest {
    @TempDir
    Path dir;

    @AfterEach
    void back() {
        LazyPages.aheadForRestores = LazyPages.AHEAD;
        LazyPages.aheadWaitMillis = LazyPages.AHEAD_WAIT_MILLIS;
        LazyPages.beforeReferenceArrives = null;
        LazyPages.beforeInPlaceCheck = null;
    }

    private static final long AT = BootFileEvictionTest.KERNEL_AT;

    /** A machine whose memory holds kernel pages as loaded (SOURCE), patched (SOURCE_DELTA) and rewritten (DATA). */
    private Machine kernelMachine() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, null, "console=ttyS0", null, null, List.of(),
                false, false, true), b -> { });
        m.boot();
        Random r = new Random(5);
        for (int page : new int[] {3, 40, 41, 200}) {
            for (int k = 0; k < 3; k++) m.memory().write32(AT + page * 4096L + 4L * r.nextInt(1024), r.nextInt());
        }
        byte[] whole = new byte[4096];
        r.nextBytes(whole);
        m.memory().writeBytes(AT + 7 * 4096L, whole, 0, 4096);
        // Some memory outside the kernel: DATA pages for the other loader.
        for (int k = 0; k < 300; k++) m.memory().write32(0x8000_0000L + (8L << 20) + k * 4096L + 8, k * 31 + 1);
        return m;
    }

    @Test
    void theReferencePagesAreInBeforeTheFirstInstructionAndTheMachineIsTheCheckpoints() throws Exception {
        Machine m = kernelMachine();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        int kernelPages = BootFileEvictionTest.KERNEL_BYTES / 4096;
        try (Checkpoint c = repo.open(id)) {
            int k0 = m.memory().pageIndexOf(AT);
            assertEquals(PageKind.SOURCE_DELTA, c.pageKind(k0 + 40));
            assertEquals(PageKind.SOURCE, c.pageKind(k0 + 100));
            assertEquals(PageKind.DATA, c.pageKind(k0 + 7));
        }
        LazyPages.aheadForRestores = true;
        for (long seed : new long[] {-1, 1, 2, 3}) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                LazyPages lp = r.lazy();
                assertTrue(lp.referencePages() >= kernelPages - 1, "seed " + seed + ": reference pages " + lp.referencePages());
                lp.startPrefetch(r.machine(), e -> { });
                assertEquals(-1, lp.referencesAtStart(), "seed " + seed + ": nothing ran yet");
                r.machine().run(0); // the run thread's first requests, then no instruction
                assertEquals(lp.referencePages(), lp.referencesAtStart(), "seed " + seed + ": reference pages in at the first instruction");
                assertEquals(0, lp.referenceFaults(), "seed " + seed + ": faults on reference pages");
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                    assertNull(lp.failure());
                    r.machine().run(0); // runs submitted installs
                    Thread.sleep(1);
                }
                assertTrue(lp.allLoadedNanos() >= 0, "seed " + seed + ": prefetch did not finish");
                assertEquals(0, lp.referenceFaults(), "seed " + seed + ": faults on reference pages");
                assertEquals(hash, Machines.hash(r.machine()), "seed " + seed + ": " + Machines.diff(m, r.machine()));
            }
        }
    }

    /**
     * The first instruction's wait is bounded: with the reference pages' thread held, the guest starts after the bound
     * with pages still out (it reads them itself), and the machine is still the checkpoint's once the thread goes on.
     */
    @Test
    void theFirstInstructionWaitsNoLongerThanTheBoundForReferencePagesHeldBack() throws Exception {
        Machine m = kernelMachine();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        LazyPages.aheadForRestores = true;
        LazyPages.aheadWaitMillis = 20;
        // Held far longer than the bound: a wait that ignored it would see every page in.
        LazyPages.beforeReferenceArrives = () -> {
            try {
                release.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, (Random) null);
            LazyPages lp = r.lazy();
            lp.startPrefetch(r.machine(), e -> { });
            r.machine().run(0); // the run thread's first requests: the wait for the reference pages
            int atStart = lp.referencesAtStart();
            release.countDown();
            assertTrue(atStart >= 0, "the wait ran");
            assertTrue(atStart < lp.referencePages(), "the first instruction waited past its bound: " + atStart + " of "
                    + lp.referencePages() + " reference pages in");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                assertNull(lp.failure());
                r.machine().run(0);
                Thread.sleep(1);
            }
            assertTrue(lp.allLoadedNanos() >= 0, "prefetch did not finish");
            assertEquals(hash, Machines.hash(r.machine()), Machines.diff(m, r.machine()));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRunningGuestRestoredLazilyWithTheReferencesAheadEqualsItsEagerRestoreInAnyOrder() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(1_500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        m.run(400_000);
        String expected = Machines.hash(m);
        LazyPages.aheadForRestores = true;
        for (long seed : new long[] {-1, 1, 2, 3}) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                LazyPages lp = r.lazy();
                lp.startPrefetch(r.machine(), e -> { });
                for (int step = 0; step < 40; step++) r.machine().run(10_000);
                assertEquals(lp.referencePages(), lp.referencesAtStart(), "seed " + seed + ": reference pages in at the first instruction");
                assertEquals(0, lp.referenceFaults(), "seed " + seed);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                    assertNull(lp.failure());
                    r.machine().run(0);
                    Thread.sleep(1);
                }
                assertTrue(lp.allLoadedNanos() >= 0, "seed " + seed + ": prefetch did not finish");
                assertEquals(expected, Machines.hash(r.machine()), "seed " + seed + ": " + Machines.diff(m, r.machine()));
            }
        }
    }

    /**
     * A kernel Image whose digest is remembered (settled) is read in place, as an eager restore reads it: every
     * reference page is in before the restore returns (its "references" phase), the machine is the checkpoint's; and an
     * Image changed while it was read refuses the restore by name, as an eager restore does.
     */
    @Test
    void aRememberedImageIsReadInPlaceAndAChangedOneRefusesTheRestore() throws Exception {
        Machine m = kernelMachine();
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200); // the Image remembered by identity once hashed
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        LazyPages.aheadForRestores = true;
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, new Random(4));
            assertTrue(r.phaseNanos().containsKey("references"), "the Image read in place: " + r.phaseNanos().keySet());
            LazyPages lp = r.lazy();
            assertEquals(lp.referencePages(), lp.referencesDone(), "every reference page in before the restore returned");
            lp.startPrefetch(r.machine(), e -> { });
            r.machine().run(0);
            assertEquals(lp.referencePages(), lp.referencesAtStart());
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                r.machine().run(0);
                Thread.sleep(1);
            }
            assertEquals(0, lp.referenceFaults());
            assertEquals(hash, Machines.hash(r.machine()), Machines.diff(m, r.machine()));
        }
        Path image = dir.resolve("Image");
        LazyPages.beforeInPlaceCheck = () -> {
            try {
                BootFileInPlaceTest.changeInPlace(image, 5000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        try (Checkpoint c = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(c, null, b -> { }, true, null));
            assertTrue(e.getMessage().contains("kernel") && e.getMessage().contains(image.toString()) && e.getMessage().contains("changed"), e.getMessage());
        }
    }

    @Test
    void withoutItNothingWaitsAndTheReferencesComeAfterTheData() throws Exception {
        Machine m = kernelMachine();
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        LazyPages.aheadForRestores = false;
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
            LazyPages lp = r.lazy();
            lp.startPrefetch(r.machine(), e -> { });
            r.machine().run(0);
            assertEquals(-1, lp.referencesAtStart(), "no wait before the first instruction");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                r.machine().run(0);
                Thread.sleep(1);
            }
            assertEquals(hash, Machines.hash(r.machine()), Machines.diff(m, r.machine()));
        }
    }
}
