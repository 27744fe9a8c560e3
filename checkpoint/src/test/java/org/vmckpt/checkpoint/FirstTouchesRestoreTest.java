package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.OlderManifests;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.VerifyReport;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The working set and write order (what a lazy restore fetches first) are decoded only when asked for: an eager restore
 * leaves them undecoded and restores the machine exactly; a lazy restore decodes them, and refuses a checkpoint whose
 * working set or write order is damaged (a valid file whose sections say what cannot be), as {@code verify} reports it.
 */
class FirstTouchesRestoreTest {
    @TempDir
    Path dir;

    @Test
    void eagerRestoreLeavesThemUndecodedLazyRestoreAndVerifyRefuseThemDamaged() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(2_000_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        m.run(300_000);
        // A live checkpoint while the guest runs records a working set and a write order.
        String id = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        String expected;
        try (Checkpoint c = repo.open(id)) {
            assertTrue(OlderManifests.firstTouchesUndecoded(c), "opening a checkpoint leaves its working set and write order undecoded");
            assertFalse(c.workingSet().isEmpty(), "a working set was recorded");
            assertFalse(OlderManifests.firstTouchesUndecoded(c), "asked for, they are decoded");
        }
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored eager = Restorer.restore(c, null, b -> { }, false, null);
            expected = Machines.hash(eager.machine());
            assertTrue(OlderManifests.firstTouchesUndecoded(c), "an eager restore does not decode them");
        }
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored lazy = Restorer.restore(c, null, b -> { }, true, null);
            lazy.lazy().startPrefetch(lazy.machine(), e -> { });
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (lazy.lazy().allLoadedNanos() < 0 && System.nanoTime() < deadline) {
                lazy.machine().run(0);
                Thread.sleep(1);
            }
            assertEquals(0, lazy.machine().memory().lazyPendingCount());
            assertEquals(expected, Machines.hash(lazy.machine()), "lazy and eager restores give the same machine");
        }
        for (boolean workingSet : new boolean[] {true, false}) {
            String what = workingSet ? "working set" : "write order";
            Repository copy = Repository.open(dir.resolve("repo-" + workingSet), true);
            String cid = copyOf(repo, id, copy);
            OlderManifests.damageFirstTouches(copy, cid, workingSet);
            try (Checkpoint c = copy.open(cid)) {
                Restorer.Restored eager = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(expected, Machines.hash(eager.machine()), what + " damaged: the eager restore does not use it and restores exactly");
            }
            try (Checkpoint c = copy.open(cid)) {
                assertThrows(org.vmckpt.checkpoint.store.CheckpointFormatException.class, c::workingSet, what + " damaged");
            }
            try (Checkpoint c = copy.open(cid)) {
                RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(c, null, b -> { }, true, null));
                assertTrue(e.getMessage().contains("damaged") && e.getMessage().contains(what), e.getMessage());
                VerifyReport r = c.verify(ProgressListener.NONE);
                assertFalse(r.ok(), what + " damaged: verify reports it");
                assertTrue(r.problems().get(0).contains(what), r.problems().toString());
            }
        }
    }

    /** The repository's files copied into {@code to}'s directory: the same checkpoint, to damage on its own. */
    private static String copyOf(Repository from, String id, Repository to) throws java.io.IOException {
        for (String sub : new String[] {"checkpoints", "packs"}) {
            try (var files = java.nio.file.Files.list(from.dir().resolve(sub))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    java.nio.file.Files.copy(f, to.dir().resolve(sub).resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return id;
    }
}
