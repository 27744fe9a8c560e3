package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.memory.SparePages;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Live checkpoints of a running guest that reuse the arrays earlier checkpoints' copy-on-write replaced
 * ({@code -Dvmckpt.recycleFrozenPages}), incremental ones whose parent manifest is the one this process just committed
 * ({@code -Dvmckpt.repo.reuseWriterTables}, which also reuses the writer's page table), some kept frozen for resets: each restores to exactly the machine at
 * its freeze (a twin run to the same instruction), the spares were both filled and used, and each checkpoint's
 * description is what its manifest reads back.
 */
class RecycledFrozenPagesCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void liveCheckpointsWithRecycledPagesRestoreToTheirFreezePoints() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        SparePages spares = m.memory().spares();
        spares.setRecycling(true);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        repo.setReuseWriterTables(true);
        Thread t = new Thread(() -> m.run(-1));
        t.start();
        Thread.sleep(300);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        List<CheckpointEngine.Outcome> outs = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            engine.setRetainForReset(k >= 4 && k < 6); // kept frozen until the next checkpoint drops it (recycled then)
            outs.add(engine.checkpoint(CheckpointOptions.defaults().withIncremental(k > 0), null));
            Thread.sleep(30);
        }
        m.requestExit(0);
        t.join(10_000);
        assertTrue(spares.recycled() > 0, "checkpoints handed back replaced arrays: " + spares.recycled());
        assertTrue(spares.taken() > 0, "copy-on-write took them: " + spares.taken());
        long cow = m.memory().copyOnWriteCount();
        for (CheckpointEngine.Outcome out : outs) {
            long n = out.info().stat(Stats.GUEST_INSTRET, -1);
            assertTrue(n > 0);
            Machine twin = Machines.memwalk(new StringBuilder());
            twin.run(n);
            try (Checkpoint c = repo.open(out.info().id())) {
                assertEquals(c.info(), out.info(), "the engine's description is the manifest's");
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(Machines.hash(twin), Machines.hash(r.machine()), "checkpoint at " + n + ": " + Machines.diff(twin, r.machine()));
            }
        }
        assertTrue(cow > 0, "the guest wrote frozen pages");
    }
}
