package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A lazy restore whose prefetcher streams pages while the guest runs and touches pages on its own gives the
 * same machine as an eager restore, whatever order the prefetcher takes the checkpoint's batches in.
 */
class LazyPrefetchOrderTest {
    @TempDir
    Path dir;

    @Test
    void lazyRestoreWithPrefetchInAnyOrderEqualsEagerRestore() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(1_500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        m.run(700_000);
        String expected = Machines.hash(m);
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored eager = Restorer.restore(c, null, b -> { }, false, null);
            eager.machine().run(700_000);
            assertEquals(expected, Machines.hash(eager.machine()), Machines.diff(m, eager.machine()));
        }
        for (long seed : new long[] {-1, 1, 2, 3, 4, 5}) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                assertNotNull(r.lazy());
                assertTrue(r.lazy().totalPages() > 64, "the checkpoint should need several batches");
                r.lazy().startPrefetch(r.machine(), e -> { }); // failure() is asserted null below
                // Run in small steps so the guest's own touches race the prefetcher and installs happen in between.
                for (int step = 0; step < 70; step++) r.machine().run(10_000);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (r.lazy().allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                    assertNull(r.lazy().failure());
                    r.machine().run(0); // runs submitted installs
                    Thread.sleep(1);
                }
                assertTrue(r.lazy().allLoadedNanos() >= 0, "seed " + seed + ": prefetch did not finish");
                assertEquals(0, r.machine().memory().lazyPendingCount());
                assertEquals(expected, Machines.hash(r.machine()), "seed " + seed + ": " + Machines.diff(m, r.machine()));
            }
        }
    }
}
