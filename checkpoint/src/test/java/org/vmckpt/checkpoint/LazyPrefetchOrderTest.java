package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.OlderManifests;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A lazy restore whose prefetcher streams pages while the guest runs and touches pages on its own gives the
 * same machine as an eager restore, whatever order the prefetcher takes the checkpoint's frames in: page order,
 * the recorded working set first (shuffled within it and within the rest), or no working set at all (a
 * checkpoint written before manifest version 4). The prefetcher does take the working set first, and before it
 * the frames holding the pages the guest wrote first after the checkpoint's freeze, in that order (version 5).
 */
class LazyPrefetchOrderTest {
    @TempDir
    Path dir;

    @Test
    void lazyRestoreWithPrefetchInAnyOrderEqualsEagerRestore() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = secondOfTwoCheckpoints(m, repo);
        m.run(500_000); // 700,000 after the checkpoint: 200,000 ran while it was saved
        try (Checkpoint c = repo.open(id)) {
            int ws = c.workingSet().cardinality();
            assertTrue(ws > 0 && ws < Restorer.pagesToLoad(c).cardinality(), "working set of " + ws + " pages should be a proper part");
            assertTrue(c.writeOrder().length > 0, "the guest ran while the checkpoint was saved: its first writes are recorded");
        }
        String expected = Machines.hash(m);
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored eager = Restorer.restore(c, null, b -> { }, false, null);
            eager.machine().run(700_000);
            assertEquals(expected, Machines.hash(eager.machine()), Machines.diff(m, eager.machine()));
        }
        for (long seed : new long[] {-1, 1, 2, 3, 4, 5, -2}) {
            if (seed == -2) assertEquals(1, OlderManifests.dropWorkingSet(repo, id), "rewritten as a version 1 manifest");
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                assertNotNull(r.lazy());
                assertEquals(seed == -2, r.lazy().workingSetPages() == 0, "seed " + seed + ": working set pages " + r.lazy().workingSetPages());
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
                // The run thread's installs look at each arrived page once, not at every page of the restore per install.
                assertTrue(r.lazy().installVisits() <= r.lazy().totalPages(), "seed " + seed + ": installs looked at "
                        + r.lazy().installVisits() + " pages for " + r.lazy().totalPages());
                assertEquals(expected, Machines.hash(r.machine()), "seed " + seed + ": " + Machines.diff(m, r.machine()));
            }
        }
    }

    @Test
    void theFramesOfTheFirstWritesAfterTheCheckpointAreFetchedFirstInThatOrder() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = secondOfTwoCheckpoints(m, repo);
        try (Checkpoint c = repo.open(id)) {
            java.util.BitSet all = Restorer.pagesToLoad(c);
            // An order of our own, the reverse of page order, over pages the checkpoint stores as DATA.
            int[] order = all.stream().filter(p -> c.pageKind(p) == org.vmckpt.checkpoint.store.PageKind.DATA).toArray();
            for (int i = 0, j = order.length - 1; i < j; i++, j--) { int t = order[i]; order[i] = order[j]; order[j] = t; }
            order = java.util.Arrays.copyOf(order, Math.min(order.length, 3 * 64));
            PageLoader loader = PageLoader.lazyDataPages(c, (index, page) -> { }, LazyPages.FAULT_FRAMES, order, c.workingSet(), null);
            assertTrue(loader.orderedItems() > 1 && loader.orderedItems() < loader.items(), "ordered items " + loader.orderedItems());
            // The frames holding the listed pages are the first items, in the order of the first page listed in each.
            int next = 0;
            for (int p : order) {
                int item = loader.itemOf(p);
                assertTrue(item >= 0 && item <= next, "page " + p + " is in item " + item + ", expected at most " + next);
                if (item == next) next++;
            }
            assertEquals(loader.orderedItems(), next);
        }
    }

    @Test
    void theWorkingSetIsFetchedFirst() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = secondOfTwoCheckpoints(m, repo);
        try (Checkpoint c = repo.open(id)) {
            // The recorded one covers most of memwalk's small memory; take two pages far apart, the last ones
            // in page order, so that "first" is observable.
            java.util.BitSet all = Restorer.pagesToLoad(c);
            java.util.BitSet ws = new java.util.BitSet();
            ws.set(all.length() - 1);
            ws.set(all.previousSetBit(all.length() - 200));
            java.util.List<Integer> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            PageLoader loader = new PageLoader(c, PageSources.forCheckpoint(c, m), (index, page) -> order.add(index),
                    LazyPages.FAULT_FRAMES, LazyPages.FAULT_DISK_RUN, ws, new Random(7));
            loader.runAll(0, done -> { });
            assertEquals(loader.pagesTotal(), order.size());
            int lastWs = -1;
            for (int k = 0; k < order.size(); k++) if (ws.get(order.get(k))) lastWs = k;
            assertTrue(lastWs >= 0, "some working-set page was loaded");
            // The frames holding working-set pages come first: the last working-set page arrives within them.
            assertTrue(loader.firstPages() < loader.pagesTotal(), "the working set's frames should be a proper part: " + loader.firstPages());
            assertTrue(lastWs < loader.firstPages(), "last working-set page delivered " + lastWs + "th, after the "
                    + loader.firstPages() + " pages of the working set's frames");
        }
    }

    /**
     * Runs {@code m}, checkpoints it, runs it a little more and checkpoints it again: the second checkpoint's epoch
     * is short, so its working set is the pages the guest wrote since the first; the guest runs again while the
     * second is saved (as a live checkpoint's guest does), so the second records its first writes after the freeze.
     * Returns the second's id.
     */
    static String secondOfTwoCheckpoints(Machine m, Repository repo) throws Exception {
        m.run(1_500_000);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.checkpoint(CheckpointOptions.defaults(), null);
        m.run(300_000);
        boolean[] ran = {false};
        return engine.checkpoint(CheckpointOptions.defaults(), (phase, done, total) -> {
            if (!ran[0]) {
                ran[0] = true;
                m.run(200_000); // on this thread: no run loop is active, and the saver reads only the frozen view
            }
        }).info().id();
    }
}
