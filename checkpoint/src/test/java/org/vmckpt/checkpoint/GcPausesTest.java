package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A checkpoint records the collector's stop-the-world pauses that fell inside it (shown by vmckpt inspect). */
class GcPausesTest {
    @TempDir
    Path dir;

    @Test
    void aCollectionDuringTheCheckpointIsCounted() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(200_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        boolean[] collected = {false};
        CheckpointInfo during = engine.checkpoint(CheckpointOptions.defaults().withLive(false), (phase, done, total) -> {
            if (collected[0]) return;
            collected[0] = true;
            System.gc(); // a stop-the-world collection (the test JVM runs a collector that stops for it)
            try { // collection reports arrive on a JVM service thread
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).info();
        assertTrue(collected[0], "the checkpoint reported no progress");
        assertTrue(during.stat(Stats.GC_PAUSES, -1) >= 1, "pauses: " + during.stat(Stats.GC_PAUSES, -1));
        assertTrue(during.stat(Stats.GC_PAUSE_NS, -1) >= during.stat(Stats.GC_PAUSE_MAX_NS, -1));
        CheckpointInfo quiet = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info();
        assertTrue(quiet.stat(Stats.GC_PAUSES, -1) >= 0, "the key is always stored");
    }
}
