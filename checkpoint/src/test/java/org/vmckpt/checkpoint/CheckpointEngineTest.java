package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Oracle tests in deterministic mode: checkpoint at instruction N, restore in a fresh machine, run to M; the
 * full state hash equals that of an uninterrupted run to M.
 */
class CheckpointEngineTest {
    @TempDir
    Path dir;

    static final long M = 3_000_000;

    @Test
    void stopAndCopyRestoreContinuesExactlyAtManyPoints() throws Exception {
        Machine reference = Machines.memwalk(new StringBuilder());
        reference.run(M);
        String expected = Machines.hash(reference);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        for (long n : new long[]{1, 4096, 123_457, 1_000_000, 2_500_001}) {
            Machine m = Machines.memwalk(new StringBuilder());
            m.run(n);
            CheckpointEngine engine = new CheckpointEngine(m, repo, null);
            CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults().withLive(false).withLabel("n" + n), null);
            try (Checkpoint c = repo.open(out.info().id())) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(n, r.machine().hart(0).instret);
                r.machine().run(M - n);
                assertEquals(expected, Machines.hash(r.machine()), "restore at " + n + " diverged");
            }
            // The original machine also continues unchanged by having been checkpointed.
            m.run(M - n);
            assertEquals(expected, Machines.hash(m), "checkpointing at " + n + " disturbed the running machine");
        }
    }

    @Test
    void restoreWhereATimerDeadlineHasPassedUnseenEqualsTheSavedMachine() throws Exception {
        // A live checkpoint lands where the run loop happens to be: sometimes a batch boundary at which the timer
        // deadline has passed but the machine has not yet looked at the clock (MTIP still clear). The restored
        // machine must be that same machine: it once recomputed the timer interrupt on load and differed in mip.
        Repository repo = Repository.open(dir.resolve("repo"), true);
        Machine m = Machines.memwalk(new StringBuilder());
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        int found = 0;
        for (int batch = 0; batch < 20_000 && found < 3; batch++) {
            m.run(Machine.BATCH);
            boolean deadlinePassedUnseen = Long.compareUnsigned(m.clint().mtime(), m.clint().mtimecmp(0)) >= 0
                    && (m.hart(0).mip() & 0x80) == 0;
            if (!deadlinePassedUnseen && batch % 97 != 0) continue; // and now and then an ordinary point
            if (deadlinePassedUnseen) found++;
            CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
            try (Checkpoint c = repo.open(out.info().id())) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(Machines.hash(m), Machines.hash(r.machine()), "at " + m.hart(0).instret + ": " + Machines.diff(m, r.machine()));
            }
            repo.delete(out.info().id());
        }
        assertEquals(3, found, "memwalk should reach a batch boundary with its deadline passed unseen");
    }

    @Test
    void lazyAndEagerRestoreGiveTheSameState() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        String[] hashes = new String[2];
        for (int lazy = 0; lazy < 2; lazy++) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, lazy == 1, null);
                if (r.lazy() != null) assertTrue(r.machine().memory().lazyPendingCount() > 0);
                r.machine().run(700_000);
                hashes[lazy] = Machines.hash(r.machine());
            }
        }
        assertEquals(hashes[0], hashes[1]);
        m.run(700_000);
        assertEquals(hashes[0], Machines.hash(m));
    }

    @Test
    void incrementalStoresOnlyWhatChangedAndRestoresLikeAFullOne() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        CheckpointEngine.Outcome full = engine.checkpoint(CheckpointOptions.defaults(), null);
        long written = 0;
        m.run(20_000);
        // Pages written since the parent: the current epoch of the dirty log.
        for (int i = 0; i < m.memory().pageCount(); i++) if (m.memory().isDirty(i)) written++;
        CheckpointEngine.Outcome inc = engine.checkpoint(CheckpointOptions.defaults().withIncremental(true), null);
        assertEquals(full.info().id(), inc.info().parentId());
        long saved = inc.info().stat(Stats.PAGES_SAVED, -1) + inc.info().stat(Stats.EVICT_ZERO, 0);
        assertTrue(saved <= written, "incremental saved " + saved + " pages, but only " + written + " were written");
        assertTrue(inc.info().stat(Stats.BYTES_RAW, Long.MAX_VALUE) <= 1.1 * written * GuestMemory.PAGE_SIZE + 65536);
        String afterInc = Machines.hash(m);
        // A full checkpoint at the same point restores to the same state as the incremental one.
        String fullAgain = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        for (String id : new String[]{inc.info().id(), fullAgain}) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(afterInc, Machines.hash(r.machine()), "restore of " + id + ": " + Machines.diff(m, r.machine()));
            }
        }
        // Deleting the parent does not break the child.
        repo.delete(full.info().id());
        repo.gc();
        try (Checkpoint c = repo.open(inc.info().id())) {
            assertTrue(c.verify(org.vmckpt.checkpoint.store.ProgressListener.NONE).ok());
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
            assertEquals(afterInc, Machines.hash(r.machine()));
        }
    }

    @Test
    void liveCheckpointWhileRunningEqualsTheMachineAtTheFreezePoint() throws Exception {
        // The machine runs on its own thread; a live checkpoint freezes it at some instruction N. A second machine
        // run to exactly N must have the same state as the restored checkpoint.
        Machine m = Machines.memwalk(new StringBuilder());
        Thread t = new Thread(() -> m.run(-1));
        t.start();
        Thread.sleep(300);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults(), null);
        Thread.sleep(100);
        m.requestExit(0);
        t.join(10_000);
        long n = out.info().stat(Stats.GUEST_INSTRET, -1);
        assertTrue(n > 0);
        Machine twin = Machines.memwalk(new StringBuilder());
        twin.run(n);
        try (Checkpoint c = repo.open(out.info().id())) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
            assertEquals(Machines.hash(twin), Machines.hash(r.machine()), Machines.diff(twin, r.machine()));
        }
    }

    @Test
    void resetRollsBackToTheCheckpointFromMemoryOrFromTheRepository() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        for (boolean retain : new boolean[]{true, false}) {
            Machine m = Machines.memwalk(new StringBuilder());
            m.run(400_000);
            CheckpointEngine engine = new CheckpointEngine(m, repo, null);
            engine.setRetainForReset(retain);
            String id = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
            String atCheckpoint = Machines.hash(m);
            Machine twin = Machines.memwalk(new StringBuilder());
            twin.run(400_000);
            twin.run(300_000);
            String later = Machines.hash(twin);
            for (int round = 0; round < 3; round++) {
                m.run(300_000);
                assertEquals(later, Machines.hash(m), "the run after a reset must repeat exactly");
                CheckpointEngine.ResetOutcome r = engine.reset(id);
                assertEquals(retain, r.fromMemory());
                assertTrue(r.pagesRestored() > 0 && r.pagesRestored() < m.memory().pageCount(), "restored " + r.pagesRestored() + " retain=" + retain + " round=" + round);
                assertEquals(atCheckpoint, Machines.hash(m), "after reset " + round);
            }
        }
    }

    @Test
    void resetToAnOlderCheckpointThenAgainReachesThatCheckpoint() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(300_000);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.setRetainForReset(true);
        String a = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        String atA = Machines.hash(m);
        m.run(300_000);
        engine.checkpoint(CheckpointOptions.defaults(), null); // B: now the retained one
        m.run(300_000);
        engine.reset(a); // from the repository: A is not the last checkpoint
        assertEquals(atA, Machines.hash(m));
        m.run(300_000);
        engine.reset(a); // A is the parent now; the view retained for B must not be used
        assertEquals(atA, Machines.hash(m), "second reset to the same older checkpoint");
    }
}
