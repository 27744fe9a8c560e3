package org.vmckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

/** Issue 8, item 5: deleting the VM's newest checkpoint must not break its later incremental checkpoints. */
class DeletedParentTest {
    @TempDir
    Path dir;

    @Test
    void anIncrementalWhoseParentWasDeletedIsTakenFullAndSaysSo() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(300_000);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        CheckpointOptions inc = CheckpointOptions.defaults().withIncremental(true);
        String first = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        m.run(100_000);
        String second = engine.checkpoint(inc, null).info().id();
        repo.delete(second);
        m.run(100_000);

        CheckpointEngine.Outcome third = engine.checkpoint(inc, null);
        assertNotNull(third.notice(), "the user is told the checkpoint is not incremental");
        assertTrue(third.notice().contains(second) && third.notice().contains("full"), third.notice());
        assertNull(third.info().parentId(), "a full checkpoint");
        String expected = Machines.hash(m);
        try (Checkpoint c = repo.open(third.info().id())) {
            assertEquals(expected, Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine()));
        }

        m.run(100_000);
        CheckpointEngine.Outcome fourth = engine.checkpoint(inc, null);
        assertNull(fourth.notice());
        assertEquals(third.info().id(), fourth.info().parentId(), "later incrementals build on the full one");
        String expected4 = Machines.hash(m);
        try (Checkpoint c = repo.open(fourth.info().id())) {
            assertEquals(expected4, Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine()));
        }
        assertTrue(repo.contains(first));
    }
}
